import { createInterface } from 'node:readline';
import type { CliContext } from './context.js';

/**
 * A line reader over the context's stdin that works the same for a TTY and a pipe: each call
 * returns the next line, or null at the end of input. Shows `prompt` on stderr for a TTY.
 */
export function lineReader(ctx: CliContext, prompt: string): { readLine(): Promise<string | null>; close(): void } {
  const rl = createInterface({ input: ctx.stdin, terminal: false, crlfDelay: Infinity });
  const lines: string[] = [];
  const waiters: Array<(line: string | null) => void> = [];
  let ended = false;
  rl.on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  rl.on('close', () => {
    ended = true;
    for (const waiter of waiters.splice(0)) waiter(null);
  });
  return {
    readLine() {
      if (ctx.stdin.isTTY) ctx.stderr.write(prompt);
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiters.push(resolve));
    },
    close() {
      rl.close();
      if (typeof (ctx.stdin as { pause?: () => void }).pause === 'function') (ctx.stdin as { pause: () => void }).pause();
    },
  };
}

/** A single self-updating status line on a TTY stderr (a countdown); a no-op elsewhere. */
export function statusLine(ctx: CliContext): { update(text: string): void; clear(): void } {
  const tty = Boolean(ctx.stderr.isTTY);
  let shown = false;
  return {
    update(text) {
      if (!tty) return;
      ctx.stderr.write(`\r\x1b[2K${text}`);
      shown = true;
    },
    clear() {
      if (tty && shown) ctx.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/** m:ss */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** Tries to open a URL in the user's browser; never fails the run. Returns whether it tried. */
export async function openBrowser(url: string, ctx: CliContext): Promise<boolean> {
  try {
    const { default: open } = await import('open');
    const child = await open(url, { wait: false });
    child.on('error', () => ctx.err('Could not open a browser: open the URL above yourself.'));
    child.unref();
    return true;
  } catch {
    ctx.err('Could not open a browser: open the URL above yourself.');
    return false;
  }
}
