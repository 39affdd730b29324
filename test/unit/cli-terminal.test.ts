import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { CliContext } from '../../src/cli/context.js';
import { formatRemaining, readSecretLine, statusLine } from '../../src/cli/terminal.js';
import { AdsOAuthError } from '../../src/errors.js';

function ttyContext(): {
  ctx: CliContext;
  stdin: PassThrough & { isTTY: boolean; raw: boolean[] };
  stderr: () => string;
  abort: () => void;
} {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, raw: [] as boolean[] });
  (stdin as unknown as { setRawMode: (mode: boolean) => void }).setRawMode = (mode: boolean) => void stdin.raw.push(mode);
  const err = new PassThrough();
  let text = '';
  err.on('data', (c: Buffer) => (text += c.toString()));
  const controller = new AbortController();
  const ctx = {
    env: {},
    cwd: '/',
    homedir: '/',
    stdin,
    stdout: new PassThrough(),
    stderr: err,
    signal: controller.signal,
    hasDisplay: false,
    debug: false,
    out: () => {},
    err: () => {},
  } as unknown as CliContext;
  return { ctx, stdin, stderr: () => text, abort: () => controller.abort() };
}

describe('readSecretLine on a terminal', () => {
  it('reads a line without echoing it, honours Backspace, and restores the terminal', async () => {
    const { ctx, stdin, stderr } = ttyContext();
    const line = readSecretLine(ctx, 'Token: ');
    stdin.write('1//secretX');
    stdin.write('\u007f'); // Backspace removes the X
    stdin.write('-tail\r');
    assert.equal(await line, '1//secret-tail');
    assert.equal(stderr(), 'Token: \n', 'the prompt and a newline, never the characters typed');
    assert.deepEqual(stdin.raw, [true, false]);
  });

  it('Ctrl-C interrupts (INTERRUPTED) and the terminal is restored', async () => {
    const { ctx, stdin } = ttyContext();
    const line = readSecretLine(ctx, 'Token: ');
    stdin.write('abc\u0003');
    await assert.rejects(line, (error: unknown) => error instanceof AdsOAuthError && error.code === 'INTERRUPTED');
    assert.deepEqual(stdin.raw, [true, false]);
  });

  it('Ctrl-D on an empty line is the end of input (null)', async () => {
    const { ctx, stdin } = ttyContext();
    const line = readSecretLine(ctx, '');
    stdin.write('\u0004');
    assert.equal(await line, null);
  });

  it('SIGINT/SIGTERM (the context signal) interrupts a pending read', async () => {
    const { ctx, abort, stdin } = ttyContext();
    const line = readSecretLine(ctx, '');
    abort();
    await assert.rejects(line, (error: unknown) => error instanceof AdsOAuthError && error.code === 'INTERRUPTED');
    assert.deepEqual(stdin.raw, [true, false]);
  });

  it('without a TTY it reads a plain line (a pipe)', async () => {
    const { ctx, stdin } = ttyContext();
    stdin.isTTY = false;
    const line = readSecretLine(ctx, 'Token: ');
    stdin.end('from-a-pipe\n');
    assert.equal(await line, 'from-a-pipe');
  });
});

describe('formatRemaining', () => {
  it('renders m:ss, rounding up and never below zero', () => {
    assert.equal(formatRemaining(300_000), '5:00');
    assert.equal(formatRemaining(61_001), '1:02');
    assert.equal(formatRemaining(-5), '0:00');
  });
});

describe('statusLine', () => {
  function terminal(columns: number, env: Record<string, string | undefined>) {
    let text = '';
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns });
    stderr.on('data', (d) => (text += d));
    return { ctx: { stderr, env } as unknown as CliContext, written: () => text };
  }

  it('cuts the line to the terminal width, so a redraw never wraps', async () => {
    const { ctx, written } = terminal(20, { TERM: 'xterm' });
    const status = statusLine(ctx);
    assert.equal(status.live, true);
    status.update('Waiting for the browser… 4:59 left (Ctrl-C to cancel)');
    await new Promise((resolve) => setImmediate(resolve));
    const line = written().replace('\r\x1b[2K', '');
    assert.ok([...line].length < 20, JSON.stringify(line));
    assert.ok(line.endsWith('…'));
  });

  it('off a terminal (stderrIsTTY false, from the descriptor) it is off without making the stream', () => {
    let made = false;
    const ctx = {
      env: { TERM: 'xterm' },
      stderrIsTTY: false,
      get stderr() {
        made = true;
        return Object.assign(new PassThrough(), { isTTY: true });
      },
    } as unknown as CliContext;
    const status = statusLine(ctx);
    assert.equal(status.live, false);
    status.update('Waiting…');
    status.clear();
    assert.equal(made, false);
  });

  it('sends no escape codes with TERM=dumb', async () => {
    const { ctx, written } = terminal(80, { TERM: 'dumb' });
    const status = statusLine(ctx);
    assert.equal(status.live, false);
    status.update('Waiting…');
    status.clear();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(written(), '');
  });
});
