import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { AdsOAuthError } from '../errors.js';
import { reasonOf } from './atomic-write.js';

export interface LockOptions {
  /** How long to wait for another holder before giving up. Default 10 s. */
  timeoutMs?: number;
  /** A lock older than this is taken over even if its holder seems alive. Default 60 s. */
  staleMs?: number;
  /** The file operations used to look at an existing lock; a test seam (default node:fs/promises). */
  fs?: { open?: typeof open };
}

interface LockInfo {
  pid: number;
  host: string;
  token: string;
  time: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseInfo(text: string): LockInfo | undefined {
  try {
    const info = JSON.parse(text) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

async function readInfo(path: string): Promise<LockInfo | undefined> {
  return parseInfo(await readFile(path, 'utf8').catch(() => ''));
}

/** The lock file as one consistent observation: its inode, age and holder from the same open file. */
interface Observation {
  ino: number;
  mtimeMs: number;
  holder: LockInfo | undefined;
}

/** A lock path that exists but is no lock we can read: waiting would never end. */
function unusableLock(path: string, what: string, cause?: unknown): AdsOAuthError {
  return new AdsOAuthError(
    'CONFIG_WRITE',
    `The lock file ${path} exists but ${what}. Remove it if no other process is writing the config. The old file, if any, is unchanged.`,
    { cause, details: { path, reason: what } },
  );
}

async function observe(path: string, openFile: typeof open = open): Promise<Observation | undefined> {
  let handle;
  try {
    handle = await openFile(path, constants.O_RDONLY);
  } catch (error) {
    // Released meanwhile, unless the path is still there (a dangling symlink, another user's lock).
    const entry = await lstat(path).catch(() => undefined);
    if (entry === undefined) return undefined;
    if (entry.isSymbolicLink() && (await stat(path).catch(() => undefined)) === undefined) {
      throw unusableLock(path, 'is a symbolic link to nothing', error);
    }
    // ENOENT on open and a file there now: released and taken again between the two calls; look again.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unusableLock(path, `cannot be opened (${reasonOf(error)})`, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw unusableLock(path, info.isDirectory() ? 'is a directory' : 'is not a regular file');
    return { ino: info.ino, mtimeMs: info.mtimeMs, holder: parseInfo(await handle.readFile('utf8')) };
  } finally {
    await handle.close();
  }
}

function isStale(seen: Observation, staleMs: number): boolean {
  const old = Date.now() - seen.mtimeMs > staleMs;
  const dead = seen.holder !== undefined && seen.holder.host === hostname() && !alive(seen.holder.pid);
  // A lock file still being written (no JSON yet) is fresh unless it is old.
  return old || dead;
}

/**
 * Takes the lock file `<target>.lock` (exclusive create), waiting up to `timeoutMs` while another
 * process holds it. A lock whose process is gone (same host) or that is older than `staleMs` is
 * stale and taken over. Returns the release function, which removes the file only while it is
 * still ours.
 *
 * @throws AdsOAuthError('CONFIG_WRITE') on timeout (naming the holder's pid) or when the lock
 *   file cannot be created (a read-only or missing directory).
 */
export async function acquireLock(target: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const path = `${target}.lock`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 60_000;
  const mine: LockInfo = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex'), time: Date.now() };
  const deadline = Date.now() + timeoutMs;
  let holder: LockInfo | undefined;
  for (;;) {
    try {
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        await handle.writeFile(JSON.stringify(mine));
      } finally {
        await handle.close();
      }
      return async () => {
        const current = await readInfo(path);
        if (current?.token === mine.token) await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AdsOAuthError('CONFIG_WRITE', `Could not create the lock file ${path}: ${reasonOf(error)}. The old file, if any, is unchanged.`, {
          cause: error,
          details: { path, reason: (error as NodeJS.ErrnoException).code ?? 'unknown' },
        });
      }
    }
    const seen = await observe(path, options.fs?.open);
    holder = seen?.holder;
    const retryNow = seen === undefined || (await takeOverIfStale(path, seen, staleMs, options.fs?.open));
    if (retryNow && Date.now() < deadline) continue;
    if (Date.now() >= deadline) {
      throw new AdsOAuthError(
        'CONFIG_WRITE',
        `Another process is writing ${target} (lock file ${path}${holder ? `, held by pid ${holder.pid}` : ''}). Try again, or delete the lock file if no such process is running. The old file is unchanged.`,
        { details: { path, pid: holder?.pid } },
      );
    }
    await sleep(10 + Math.random() * 40);
  }
}

/**
 * Removes a stale lock; true when it did (or the lock vanished meanwhile). Breaking a lock is
 * itself serialised by `<lock>.break` (exclusive create), and under it the lock is observed again:
 * only the very file judged stale (same inode, still stale) is removed. Without that, a breaker
 * acting on an old observation could remove a lock another process had just taken.
 */
async function takeOverIfStale(path: string, seen: Observation, staleMs: number, openFile?: typeof open): Promise<boolean> {
  if (!isStale(seen, staleMs)) return false;
  const breakPath = `${path}.break`;
  let breaker;
  try {
    breaker = await open(breakPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch {
    // Another process is breaking it. A breaker that died leaves its file: clear it when old.
    const info = await stat(breakPath).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > BREAK_STALE_MS) await unlink(breakPath).catch(() => undefined);
    return false;
  }
  try {
    const again = await observe(path, openFile);
    if (again && again.ino === seen.ino && isStale(again, staleMs)) await unlink(path).catch(() => undefined);
  } finally {
    await breaker.close();
    await unlink(breakPath).catch(() => undefined);
  }
  return true;
}

/** A `.break` file older than this belongs to a breaker that died. */
const BREAK_STALE_MS = 5_000;
