import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { hostname } from 'node:os';
import { AdsOAuthError } from '../errors.js';
import { reasonOf } from './atomic-write.js';
import { withFileSystem, type FileSystem, type ProcessFacts } from './fs.js';

export interface LockOptions {
  /** How long to wait for another holder before giving up. Default 10 s. */
  timeoutMs?: number;
  /** A lock older than this is taken over even if its holder seems alive. Default 60 s. */
  staleMs?: number;
  /** The file operations to use (default `node:fs/promises`); some may be given, the rest default. */
  fs?: Partial<FileSystem>;
  /**
   * The running process, from the caller (`src/stores` does not read `process`). Its pid goes into
   * the lock file, and `isAlive` lets a lock whose holder died on this host be taken over at once.
   * Without it, the lock carries no pid and a dead holder's lock is taken over only once stale.
   */
  process?: ProcessFacts;
}

interface LockInfo {
  pid: number;
  host: string;
  token: string;
  time: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The token of a lock file's content (ours has one even without a pid). */
function parseToken(text: string): string | undefined {
  try {
    const token = (JSON.parse(text) as { token?: unknown }).token;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
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

async function observe(fs: FileSystem, path: string): Promise<Observation | undefined> {
  let handle;
  try {
    handle = await fs.open(path, constants.O_RDONLY);
  } catch (error) {
    // Released meanwhile, unless the path is still there (a dangling symlink, another user's lock).
    const entry = await fs.lstat(path).catch(() => undefined);
    if (entry === undefined) return undefined;
    if (entry.isSymbolicLink() && (await fs.stat(path).catch(() => undefined)) === undefined) {
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

function isStale(seen: Observation, staleMs: number, facts: ProcessFacts | undefined): boolean {
  const old = Date.now() - seen.mtimeMs > staleMs;
  const dead = facts !== undefined && seen.holder !== undefined && seen.holder.host === hostname() && !facts.isAlive(seen.holder.pid);
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
  const fs = withFileSystem(options.fs);
  const facts = options.process;
  const mine: Partial<LockInfo> & { token: string } = {
    ...(facts ? { pid: facts.pid } : {}),
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    time: Date.now(),
  };
  const deadline = Date.now() + timeoutMs;
  let holder: LockInfo | undefined;
  for (;;) {
    try {
      await createLock(fs, path, JSON.stringify(mine), mine.token);
      return async () => {
        const current = parseToken(await fs.readFile(path, 'utf8').catch(() => ''));
        if (current === mine.token) await fs.unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AdsOAuthError(
          'CONFIG_WRITE',
          `Could not create the lock file ${path}: ${reasonOf(error)}. The old file, if any, is unchanged.`,
          {
            cause: error,
            details: { path, reason: (error as NodeJS.ErrnoException).code ?? 'unknown' },
          },
        );
      }
    }
    const seen = await observe(fs, path);
    holder = seen?.holder;
    const retryNow = seen === undefined || (await takeOverIfStale(fs, path, seen, staleMs, facts));
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

/** Hard links cannot be made here (some file systems): fall back to an exclusive create. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * Creates the lock file with its whole content in one step: the content is written to a private
 * temp name, which is then hard-linked to the lock path (the link fails with EEXIST while another
 * process holds the lock). A process killed midway never leaves an empty lock file, which others
 * could only wait on (no holder to check) until it is stale. Without hard links, an exclusive
 * create and a write.
 */
async function createLock(fs: FileSystem, path: string, content: string, token: string): Promise<void> {
  const temp = `${path}.new-${token}`;
  try {
    const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    try {
      await fs.link(temp, path);
      return;
    } catch (error) {
      if (!NO_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  } finally {
    await fs.unlink(temp).catch(() => undefined);
  }
  const handle = await fs.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}

/**
 * Removes a stale lock; true when it did (or the lock vanished meanwhile). Breaking a lock is
 * itself serialised by `<lock>.break` (exclusive create), and under it the lock is observed again:
 * only the very file judged stale (same inode, still stale) is removed. Without that, a breaker
 * acting on an old observation could remove a lock another process had just taken.
 */
async function takeOverIfStale(
  fs: FileSystem,
  path: string,
  seen: Observation,
  staleMs: number,
  facts: ProcessFacts | undefined,
): Promise<boolean> {
  if (!isStale(seen, staleMs, facts)) return false;
  const breakPath = `${path}.break`;
  let breaker;
  try {
    breaker = await fs.open(breakPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch {
    // Another process is breaking it. A breaker that died leaves its file: clear it when old.
    const info = await fs.stat(breakPath).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > BREAK_STALE_MS) await fs.unlink(breakPath).catch(() => undefined);
    return false;
  }
  try {
    const again = await observe(fs, path);
    if (again && again.ino === seen.ino && isStale(again, staleMs, facts)) await fs.unlink(path).catch(() => undefined);
  } finally {
    await breaker.close();
    await fs.unlink(breakPath).catch(() => undefined);
  }
  return true;
}

/** A `.break` file older than this belongs to a breaker that died. */
const BREAK_STALE_MS = 5_000;
