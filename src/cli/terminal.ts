import { AdsOAuthError } from '../errors.js';
import type { CliContext } from './context.js';

/** The longest line {@link lineReader} accepts: no redirect address or answer comes near it. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * A line reader over the context's stdin that works the same for a TTY and a pipe: each call
 * returns the next line (without its CR LF or LF), or null at the end of input. Shows `prompt` on
 * stderr for a TTY (a function is called at each prompt, e.g. to show the time left). A line
 * longer than {@link MAX_LINE_CHARS} is never held in memory whole: its rest is skipped, and
 * reading it fails with `USAGE`.
 */
export function lineReader(ctx: CliContext, prompt: string | (() => string)): { readLine(): Promise<string | null>; close(): void } {
  type Item = { line: string } | { overlong: true };
  const items: Item[] = [];
  const waiters: Array<{ resolve: (line: string | null) => void; reject: (error: Error) => void }> = [];
  let ended = false;
  let partial = '';
  let skipping = false;
  const deliver = (item: Item): void => {
    const waiter = waiters.shift();
    if (!waiter) items.push(item);
    else if ('line' in item) waiter.resolve(item.line);
    else waiter.reject(overlongError());
  };
  const onData = (chunk: Buffer | string): void => {
    let text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n')) {
      const piece = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (skipping || partial.length + piece.length > MAX_LINE_CHARS) deliver({ overlong: true });
      else deliver({ line: (partial + piece).replace(/\r$/, '') });
      partial = '';
      skipping = false;
    }
    if (skipping) return;
    partial += text;
    if (partial.length > MAX_LINE_CHARS) {
      partial = '';
      skipping = true;
    }
  };
  const onEnd = (): void => {
    if (ended) return;
    if (skipping) deliver({ overlong: true });
    else if (partial !== '') deliver({ line: partial.replace(/\r$/, '') });
    partial = '';
    ended = true;
    for (const waiter of waiters.splice(0)) waiter.resolve(null);
  };
  ctx.stdin.on('data', onData);
  ctx.stdin.on('end', onEnd);
  ctx.stdin.on('close', onEnd);
  ctx.stdin.resume?.();
  return {
    readLine() {
      if (ctx.stdin.isTTY) ctx.stderr.write(typeof prompt === 'function' ? prompt() : prompt);
      const item = items.shift();
      if (item !== undefined) return 'line' in item ? Promise.resolve(item.line) : Promise.reject(overlongError());
      if (ended) return Promise.resolve(null);
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    close() {
      ctx.stdin.off('data', onData);
      ctx.stdin.off('end', onEnd);
      ctx.stdin.off('close', onEnd);
      if (typeof (ctx.stdin as { pause?: () => void }).pause === 'function') (ctx.stdin as { pause: () => void }).pause();
    },
  };
}

function overlongError(): AdsOAuthError {
  return new AdsOAuthError(
    'USAGE',
    `A line read from standard input is longer than ${MAX_LINE_CHARS / 1024} KiB; no address or answer is that long, so it was skipped unread. Paste only the address the browser ends on.`,
  );
}

/**
 * A single self-updating status line (a countdown) where the terminal can redraw one: stderr is
 * a TTY and TERM is not `dumb`. The text is cut to the terminal's width, since a line that wraps
 * cannot be redrawn and would scroll a new line each tick. `live` says whether it draws at all.
 */
export function statusLine(ctx: Pick<CliContext, 'stderr' | 'stderrIsTTY' | 'env'>): {
  readonly live: boolean;
  update(text: string): void;
  clear(): void;
} {
  // Off a terminal (known from the descriptor), the stream is not asked, so not made.
  const live = ctx.stderrIsTTY !== false && Boolean(ctx.stderr.isTTY) && ctx.env['TERM'] !== 'dumb';
  let shown = false;
  const fit = (text: string): string => {
    const columns = ctx.stderr.columns;
    if (!columns || columns < 2) return text;
    const chars = [...text];
    return chars.length < columns ? text : `${chars.slice(0, columns - 2).join('')}…`;
  };
  return {
    live,
    update(text) {
      if (!live) return;
      ctx.stderr.write(`\r\x1b[2K${fit(text)}`);
      shown = true;
    },
    clear() {
      if (live && shown) ctx.stderr.write('\r\x1b[2K');
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

/**
 * Reads one line from a terminal without echoing it (for a pasted secret): raw mode, printable
 * characters collected, Backspace honoured, Enter ends, Ctrl-C interrupts, Ctrl-D on an empty line
 * is the end of input (null). Falls back to {@link lineReader} when stdin is not a TTY.
 */
export async function readSecretLine(ctx: CliContext, prompt: string): Promise<string | null> {
  const stdin = ctx.stdin;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    const reader = lineReader(ctx, prompt);
    try {
      return await reader.readLine();
    } finally {
      reader.close();
    }
  }
  ctx.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string | null>((resolve, reject) => {
      let text = '';
      const done = (finish: () => void): void => {
        stdin.off('data', onData);
        ctx.signal.removeEventListener('abort', onAbort);
        ctx.stderr.write('\n');
        finish();
      };
      const onAbort = (): void => done(() => reject(new AdsOAuthError('INTERRUPTED', 'Interrupted.')));
      const onData = (chunk: Buffer | string): void => {
        for (const ch of chunk.toString()) {
          if (ch === '\r' || ch === '\n') return done(() => resolve(text));
          if (ch === '\u0003') return done(() => reject(new AdsOAuthError('INTERRUPTED', 'Interrupted (Ctrl-C).')));
          if (ch === '\u0004' && text === '') return done(() => resolve(null));
          if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
          else if (ch >= ' ') text += ch;
        }
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
