// Spawns the built CLI (dist/cli/…) as a real process for end-to-end tests: captures stdout and
// stderr, waits for lines on stderr (the consent URL), writes stdin, and resolves the exit.
//
// - The `exit` and `close` listeners are registered at spawn time, so a fast exit is never missed.
// - Every spawned process is tracked; pass the test context (`t`) to kill it when that test ends,
//   and call `killLeftovers()` in an `after` hook for the rest. Nothing outlives the test file.
// - The environment is minimal (no DISPLAY, so the CLI never launches a browser; HOME is a temp
//   dir), and every wait has a deadline that fails with the output so far.
// - `npm run build` (also run by `npm pack` and `npm run demo`) rewrites dist/ file by file; a CLI
//   started in the middle could load a half-written module. Tests that rebuild hold
//   `withDistBuildLock`; `spawnCli` waits while it is held.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BINS = {
  'generate-user-credentials': join(ROOT, 'dist/cli/generate-user-credentials.cjs'),
  'ads-oauth': join(ROOT, 'dist/cli/ads-oauth.cjs'),
} as const;
export type BinName = keyof typeof BINS;

export interface CliExit {
  /** Exit code; null when killed by a signal it did not handle. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once the process has exited and its pipes are drained. Never rejects. */
  readonly exited: Promise<CliExit>;
  /** Whether it has exited. */
  readonly done: boolean;
  /** Resolves with the first match of `pattern` on stderr; rejects on exit or after `timeoutMs`. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The consent URL: the line after "Paste this URL in your browser:" and a blank line. */
  consentUrl(timeoutMs?: number): Promise<URL>;
  /** Writes to stdin (no newline added). */
  write(text: string): void;
  /** Ends stdin, optionally after writing `text`. */
  end(text?: string): void;
  /** Sends a signal if still running. */
  kill(signal?: NodeJS.Signals): void;
  /** The exit, or a failure with the output if it has not exited within `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<CliExit>;
}

export interface SpawnCliOptions {
  bin?: BinName;
  /** Added to the minimal environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** A test context: the process is killed when that test ends. */
  t?: { after(fn: () => void | Promise<void>): void };
  /**
   * Run it on a pseudo-terminal (util-linux `script`): stdin, stdout and stderr are then a TTY,
   * and everything it prints arrives merged on `stdout` (with CR LF line ends; `waitForStderr`
   * and `consentUrl` look there). What is written to stdin is typed at the terminal.
   */
  tty?: boolean;
}

/** Whether `tty: true` is available (util-linux `script`). */
export const HAS_SCRIPT = ['/usr/bin/script', '/bin/script'].some((p) => existsSync(p));

const shellQuote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

const live = new Set<CliRun>();

/**
 * A minimal environment: no DISPLAY (never opens a browser), HOME in the temp dir, no proxies, and
 * the bins' V8 code cache (src/cli/bin/load-run.ts) in a temp directory of its own, so that a test
 * that checks what a run wrote to HOME sees only what the command itself wrote.
 */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    XDG_CACHE_HOME: join(tmpdir(), 'ads-oauth-test-cache'),
    LANG: 'C.UTF-8',
    NODE_NO_WARNINGS: '1',
    ...extra,
  };
}

function describeOutput(run: { stdout: string; stderr: string }): string {
  return `\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}\n---`;
}

/** Spawns a built bin with `args`. Waits first while a rebuild of dist/ is under way. */
export async function spawnCli(args: readonly string[], options: SpawnCliOptions = {}): Promise<CliRun> {
  await waitForDistBuild();
  const script = BINS[options.bin ?? 'generate-user-credentials'];
  if (!existsSync(script)) throw new Error(`${script} does not exist: run \`npm run build\` first.`);

  const argv = [process.execPath, script, ...args];
  const child = options.tty
    ? spawn('script', ['-qefc', argv.map(shellQuote).join(' '), '/dev/null'], {
        cwd: options.cwd ?? ROOT,
        env: cliEnv({ TERM: 'dumb', ...options.env }),
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawn(argv[0]!, argv.slice(1), {
        cwd: options.cwd ?? ROOT,
        env: cliEnv(options.env),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
  let stdout = '';
  let stderr = '';
  let done = false;
  const stderrListeners = new Set<() => void>();
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    if (options.tty) for (const listener of [...stderrListeners]) listener();
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    for (const listener of [...stderrListeners]) listener();
  });
  child.stdin.on('error', () => {}); // EPIPE when it exits before reading what we write

  // Registered now, before anything can await: a fast exit is not missed.
  const exited = new Promise<CliExit>((resolve) => {
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const finish = (): void => {
      if (done || !exitInfo) return;
      done = true;
      live.delete(run);
      for (const listener of [...stderrListeners]) listener();
      resolve({ ...exitInfo, stdout, stderr });
    };
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      // `close` follows once the pipes drain; do not wait forever if a grandchild holds them.
      setTimeout(finish, 2_000).unref();
    });
    child.once('close', (code, signal) => {
      exitInfo ??= { code, signal };
      finish();
    });
    child.once('error', (error) => {
      stderr += `\n[spawn error] ${error.message}\n`;
      exitInfo = { code: null, signal: null };
      finish();
    });
  });

  const waitForStderr = (pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = (options.tty ? stdout : stderr).match(pattern);
        if (match) {
          cleanup();
          resolve(match);
        } else if (done) {
          cleanup();
          reject(new Error(`the CLI exited before printing ${pattern}${describeOutput({ stdout, stderr })}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${pattern} on stderr within ${timeoutMs} ms${describeOutput({ stdout, stderr })}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        stderrListeners.delete(check);
      };
      stderrListeners.add(check);
      check();
    });

  const run: CliRun = {
    child,
    pid: child.pid ?? -1,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    get done() {
      return done;
    },
    exited,
    waitForStderr,
    async consentUrl(timeoutMs) {
      const match = await waitForStderr(/Paste this URL in your browser:\r?\n\r?\n(\S+)\r?\n/, timeoutMs);
      return new URL(match[1]!);
    },
    write(text) {
      if (!done && child.stdin.writable) child.stdin.write(text);
    },
    end(text) {
      if (!done && child.stdin.writable) child.stdin.end(text);
    },
    kill(signal = 'SIGTERM') {
      if (!done) child.kill(signal);
    },
    waitForExit(timeoutMs = 30_000) {
      return new Promise<CliExit>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`the CLI did not exit within ${timeoutMs} ms${describeOutput({ stdout, stderr })}`));
        }, timeoutMs);
        void exited.then((result) => {
          clearTimeout(timer);
          resolve(result);
        });
      });
    },
  };
  live.add(run);
  options.t?.after(() => killRun(run));
  return run;
}

async function killRun(run: CliRun): Promise<void> {
  if (run.done) return;
  run.kill('SIGKILL');
  await run.exited;
}

/** Kills every spawned CLI still running (use in `after`). */
export async function killLeftovers(): Promise<void> {
  await Promise.all([...live].map((run) => killRun(run)));
}

// Belt and braces: a test runner that exits while a CLI still runs takes it along.
process.once('exit', () => {
  for (const run of live) run.child.kill('SIGKILL');
});

/** Spawns, optionally writes stdin, and waits for the exit. */
export async function runCli(
  args: readonly string[],
  options: SpawnCliOptions & { stdin?: string; timeoutMs?: number } = {},
): Promise<CliExit> {
  const run = await spawnCli(args, options);
  run.end(options.stdin ?? '');
  return run.waitForExit(options.timeoutMs ?? 30_000);
}

// ---------------------------------------------------------------------------------------------
// The dist/ rebuild lock.

const LOCK_PATH = join(tmpdir(), `ads-oauth-dist-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);

function lockIsStale(): boolean {
  try {
    const pid = Number(readFileSync(LOCK_PATH, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return true;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ESRCH' || code === 'ENOENT';
  }
}

async function waitForDistBuild(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (existsSync(LOCK_PATH) && !lockIsStale()) {
    if (Date.now() > deadline) throw new Error(`dist/ is still being rebuilt (${LOCK_PATH})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `fn` (something that rebuilds dist/) while no test spawns the CLI. */
export async function withDistBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const handle = await open(LOCK_PATH, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale()) {
        rmSync(LOCK_PATH, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`could not take ${LOCK_PATH}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  // Let CLIs that were already starting finish loading their modules.
  await new Promise((resolve) => setTimeout(resolve, 500));
  try {
    return await fn();
  } finally {
    await rm(LOCK_PATH, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Small HTTP and port helpers for poking at the loopback listener.

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to 127.0.0.1:port with full control of the Host header and the method. */
export function rawRequest(
  port: number,
  path: string,
  options: { method?: string; host?: string; body?: string; timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { Host: options.host ?? `127.0.0.1:${port}`, Connection: 'close' },
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from 127.0.0.1:${port}${path}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Whether `port` can be bound on 127.0.0.1 right now (i.e. nothing listens there). */
export function canBind(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The port of a redirect URI such as http://127.0.0.1:PORT/. */
export function portOf(uri: string | URL): number {
  const url = new URL(uri);
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}
