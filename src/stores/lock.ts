import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { AdsOAuthError } from '../errors.js';
import { reasonOf } from './atomic-write.js';

export interface LockOptions {
  /** How long to wait for another holder before giving up. Default 10 s. */
  timeoutMs?: number;
  /** A lock older than this is taken over even if its holder seems alive. Default 60 s. */
  staleMs?: number;
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

async function readInfo(path: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
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
    holder = await readInfo(path);
    if (await takeOverIfStale(path, holder, staleMs)) continue;
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

/** Moves a stale lock out of the way; true when it did (or the lock vanished meanwhile). */
async function takeOverIfStale(path: string, holder: LockInfo | undefined, staleMs: number): Promise<boolean> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return true; // released meanwhile
  }
  const old = Date.now() - info.mtimeMs > staleMs;
  const dead = holder !== undefined && holder.host === hostname() && !alive(holder.pid);
  // A lock file still being written (no JSON yet) is fresh unless it is old.
  if (!old && !dead) return false;
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return true; // someone else moved it first
  }
  const moved = await stat(aside).catch(() => undefined);
  if (moved && moved.ino !== info.ino) {
    // We moved a lock taken after our look: put it back (fails harmlessly if a new one exists).
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
  return true;
}
