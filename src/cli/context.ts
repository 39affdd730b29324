import { homedir } from 'node:os';
import { AdsOAuthError, isAdsOAuthError } from '../errors.js';
import { escapeControlCharacters } from '../text.js';
import { exitCodeFor, ExitCode } from './exit-codes.js';
import { adviceFor } from './hints.js';
import { stdioWriter } from './stdio.js';

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
type In = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/**
 * Everything a command may touch of the process, passed in so commands can be tested with
 * in-memory streams. Built from the real process by {@link processContext}.
 */
export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  homedir: string;
  stdin: In;
  stdout: Out;
  stderr: Out;
  /** Aborted on SIGINT / SIGTERM. */
  signal: AbortSignal;
  /** Whether a browser may be opened: DISPLAY / WAYLAND_DISPLAY on Linux, WSL, macOS and Windows. */
  hasDisplay: boolean;
  debug: boolean;
  /**
   * Text as it is to stdout (help, a config snippet): the same as `stdout.write`, without making
   * the stream when it is not needed otherwise (see src/cli/stdio.ts). Optional for contexts of
   * tests, which have `stdout` only.
   */
  write?(text: string): void;
  /** False when stdout is known not to be a terminal (a pipe, a socket, a file) without asking the stream. */
  stdoutIsTTY?: boolean;
  /** The same for stderr: the status line then stays off without making `process.stderr` (≈ 1.5 ms for a pipe). */
  stderrIsTTY?: boolean;
  /** A line to stdout (data: tokens, snippets, JSON). */
  out(line: string): void;
  /** A line to stderr (progress, warnings, errors). */
  err(line: string): void;
}

/** Builds the context of the running process; the only place signals are hooked. */
export function processContext(argv: readonly string[]): { ctx: CliContext; stdoutWritten(): boolean; finish(): void; dispose(): void } {
  const state = { finished: false };
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    controller.abort(new AdsOAuthError('INTERRUPTED', `Interrupted (${signal}).`));
    // Commands close their listeners and sockets on abort; if something still holds the loop,
    // do not let a user's Ctrl-C be swallowed.
    setTimeout(() => process.exit(ExitCode.INTERRUPTED), 2_000).unref();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // A reader that went away (`| true`, `| head -c0`) while the command still runs means the
  // result (a refresh token, a report) was never received: stop at once, non-zero, as a process
  // killed by SIGPIPE would. Once the command has finished, its own exit code stands.
  const onOutputError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') {
      if (state.finished) process.exit(typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK);
      process.exit(ExitCode.OUTPUT_CLOSED);
    }
    throw error;
  };
  // The streams themselves are made only when used (src/cli/stdio.ts); the handler is theirs then.
  const stdout = stdioWriter(1, onOutputError);
  const stderr = stdioWriter(2, onOutputError);
  let stdoutWritten = false;
  const env = process.env;
  const platform = process.platform;
  const ctx: CliContext = {
    env,
    cwd: process.cwd(),
    homedir: homedir(),
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return stdout.stream();
    },
    get stderr() {
      return stderr.stream();
    },
    ...(stdout.notTTY ? { stdoutIsTTY: false } : {}),
    ...(stderr.notTTY ? { stderrIsTTY: false } : {}),
    write: (text) => stdout.write(text),
    signal: controller.signal,
    // WSL opens the Windows browser (the open package knows how) even without an X display.
    hasDisplay:
      platform === 'darwin' || platform === 'win32' || Boolean(env['DISPLAY'] || env['WAYLAND_DISPLAY'] || env['WSL_DISTRO_NAME']),
    debug: argv.includes('--debug') || env['ADS_OAUTH_DEBUG'] === '1',
    // Every line may quote something from outside (a provider's error, a customer name, a file):
    // control characters are shown escaped, never obeyed by the terminal.
    out: (line) => {
      stdoutWritten = true;
      stdout.write(`${escapeControlCharacters(line)}\n`);
    },
    err: (line) => stderr.write(`${escapeControlCharacters(line)}\n`),
  };
  return {
    ctx,
    stdoutWritten: () => stdoutWritten,
    finish: () => {
      state.finished = true;
    },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Prints an error the way users should see it and returns the exit code. */
export function reportError(error: unknown, ctx: Pick<CliContext, 'err' | 'debug'>): number {
  if (isAdsOAuthError(error)) {
    ctx.err(`Error: ${error.message}`);
    for (const line of adviceFor(error)) ctx.err(line);
    if (ctx.debug) {
      ctx.err(`[debug] code=${error.code}`);
      if (error.cause !== undefined) ctx.err(`[debug] cause: ${formatCause(error.cause)}`);
      if (error.stack) ctx.err(`[debug] ${error.stack}`);
    }
    return exitCodeFor(error.code);
  }
  ctx.err(`Error: unexpected failure: ${(error as Error)?.message ?? String(error)}`);
  ctx.err(ctx.debug ? `[debug] ${(error as Error)?.stack ?? ''}` : 'Run again with --debug for details, and please report it.');
  return ExitCode.FAILURE;
}

function formatCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

/**
 * The one object `--json` prints on stdout for a failed run: the stable code, the message (never
 * a secret: see src/errors.ts), the exit code, and when the error has hints, their stable names
 * (`hints`, `ErrorHint` in src/errors.ts) and the same advice lines stderr shows (`advice`), so a script
 * can act on them without parsing stderr.
 */
export function jsonError(error: unknown, exitCode: number): string {
  if (!isAdsOAuthError(error)) {
    return JSON.stringify({
      error: { code: 'INTERNAL', message: `unexpected failure: ${(error as Error)?.message ?? String(error)}`, exit_code: exitCode },
    });
  }
  const advice = adviceFor(error);
  return JSON.stringify({
    error: {
      code: error.code,
      message: error.message,
      exit_code: exitCode,
      ...(error.hints.length > 0 ? { hints: error.hints } : {}),
      ...(advice.length > 0 ? { advice } : {}),
    },
  });
}

/** Whether argv asks for JSON output (`--json` before any `--`). */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Runs a command in the real process: builds the context, maps errors to exit codes and sets
 * `process.exitCode` (never `process.exit()`, so pending output is flushed). With `--json`, a
 * failure that printed nothing on stdout prints {@link jsonError} there.
 */
export async function runMain(argv: readonly string[], command: (args: string[], ctx: CliContext) => Promise<number>): Promise<void> {
  const { ctx, stdoutWritten, finish, dispose } = processContext(argv);
  let code: number;
  try {
    code = await command([...argv], ctx);
  } catch (error) {
    code = reportError(error, ctx);
    if (wantsJson(argv) && !stdoutWritten()) ctx.out(jsonError(error, code));
  } finally {
    dispose();
  }
  // A write to a reader that is gone reports EPIPE on a later tick: let it arrive while the run
  // still counts as unfinished, so a token written into a closed pipe is not a success.
  await new Promise((resolve) => setImmediate(resolve));
  finish();
  process.exitCode = code;
}
