import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { AdsOAuthError } from '../errors.js';
import { nodeFileSystem, withFileSystem, type FileSystem } from './fs.js';

/** Plain-words reasons for the errno codes a write can meet. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'the directory does not exist',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EISDIR: 'the path is a directory',
  EEXIST: 'a temporary file name collided',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the file name is too long',
};

/** The reason text for an errno-style error. */
export function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code && REASONS[code]) ?? code ?? 'unknown error';
}

/** Builds the `CONFIG_WRITE` error for a failed write of `path` (never mentions the data). */
export function writeError(path: string, error: unknown, doing = 'write'): AdsOAuthError {
  if (error instanceof AdsOAuthError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new AdsOAuthError(
    'CONFIG_WRITE',
    `Could not ${doing} ${path}: ${reasonOf(error)}${code ? ` (${code})` : ''}. The old file, if any, is unchanged.`,
    {
      cause: error,
      details: { path, reason: code ?? 'unknown' },
    },
  );
}

/**
 * Where a write to `path` really lands: the final target when `path` is a symbolic link (a chain
 * of links is followed; a dangling link resolves to the file it names, which is then created),
 * else `path` itself, made absolute.
 */
export async function resolveWriteTarget(path: string, fs: FileSystem = nodeFileSystem): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let info;
    try {
      info = await fs.lstat(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return current;
      throw error;
    }
    if (!info.isSymbolicLink()) {
      // Resolve links in the directory part too, so the temp file lands beside the real file.
      try {
        return join(await fs.realpath(dirname(current)), basename(current));
      } catch {
        return current;
      }
    }
    const link = await fs.readlink(current);
    current = isAbsolute(link) ? link : resolve(dirname(current), link);
  }
  throw Object.assign(new Error('too many symbolic links'), { code: 'ELOOP' });
}

export interface WriteOptions {
  /** Permission bits for the file; default: the existing file's, else 0600. */
  mode?: number;
  /** The file operations to use (default `node:fs/promises`); some may be given, the rest default. */
  fs?: Partial<FileSystem>;
  /**
   * The effective user id of the running process (from the caller: `src/stores` does not read
   * `process`). When it is 0 (root) and the file belongs to someone else, the owner is kept.
   */
  uid?: number | undefined;
}

/**
 * Writes `data` to `path` atomically: a temp file is created beside the target with an exclusive,
 * random name (`wx`), given its mode with `fchmod` (so the umask cannot loosen it), written,
 * fsync'ed, renamed over the target, and the directory is fsync'ed. A reader sees the old file or
 * the new one, never a torn one; a crash at any point leaves the old file intact (and, at worst,
 * a stray `.<name>.<random>.tmp`).
 *
 * If `path` is a symbolic link, the file the link points to is replaced and the link is kept.
 *
 * `mode` defaults to the existing file's permission bits, or `0o600` for a new file. When the
 * caller says it runs as root (`uid: 0`) over someone else's file, its owner and group are kept.
 * `fs` replaces some or all of the file operations (fault-injection tests).
 *
 * @throws AdsOAuthError('CONFIG_WRITE') naming the path and the reason (EACCES, ENOENT, ENOSPC,
 *   EROFS, …); the target is untouched and the temp file removed.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
  const fs = withFileSystem(options.fs);
  let target: string;
  try {
    target = await resolveWriteTarget(path, fs);
  } catch (error) {
    throw writeError(path, error);
  }
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let existing: { mode: number; uid: number; gid: number } | undefined;
  try {
    const info = await fs.stat(target);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    existing = { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeError(path, error);
  }
  const mode = options.mode ?? existing?.mode ?? 0o600;
  let created = false;
  try {
    const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    created = true;
    try {
      await handle.chmod(mode);
      if (existing && options.uid === 0 && (existing.uid !== 0 || existing.gid !== 0)) {
        await handle.chown(existing.uid, existing.gid).catch(() => undefined);
      }
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
    created = false;
  } catch (error) {
    if (created) await fs.unlink(temp).catch(() => undefined);
    throw writeError(path, error);
  }
  await syncDirectory(dir, fs);
  await removeStrayFiles(dir, basename(target), fs);
}

/** How old a temp file beside the target must be before it counts as a killed writer's. */
export const STRAY_AGE_MS = 60_000;

/**
 * Removes what killed writers of this file left beside it: temp files of the atomic write
 * (`.<name>.<12 hex>.tmp`) and of the lock (`<name>.lock.new-<token>`), once they are older than
 * {@link STRAY_AGE_MS} (a live writer's exist for milliseconds). Best effort: a file that cannot
 * be removed stays, and the write has succeeded either way. Returns how many were removed.
 */
export async function removeStrayFiles(dir: string, name: string, fs: FileSystem = nodeFileSystem, now = Date.now()): Promise<number> {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stray = new RegExp(`^(?:\\.${escaped}\\.[0-9a-f]{12}\\.tmp|${escaped}\\.lock\\.new-[A-Za-z0-9_-]+)$`);
  let removed = 0;
  let names: string[];
  try {
    names = (await fs.readdir(dir)).map(String);
  } catch {
    return 0;
  }
  for (const entry of names) {
    if (!stray.test(entry)) continue;
    const full = join(dir, entry);
    try {
      const info = await fs.lstat(full);
      if (!info.isFile() || now - info.mtimeMs < STRAY_AGE_MS) continue;
      await fs.unlink(full);
      removed += 1;
    } catch {
      // gone meanwhile, or not ours to remove: leave it
    }
  }
  return removed;
}

/** fsyncs a directory so a rename in it is durable; platforms that cannot are ignored. */
export async function syncDirectory(dir: string, fs: FileSystem = nodeFileSystem): Promise<void> {
  let handle;
  try {
    handle = await fs.open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch {
    // Windows and some file systems cannot fsync a directory; the rename itself is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
