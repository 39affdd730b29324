import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { AdsOAuthError } from '../errors.js';

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
  return new AdsOAuthError('CONFIG_WRITE', `Could not ${doing} ${path}: ${reasonOf(error)}${code ? ` (${code})` : ''}. The old file, if any, is unchanged.`, {
    cause: error,
    details: { path, reason: code ?? 'unknown' },
  });
}

/**
 * Where a write to `path` really lands: the final target when `path` is a symbolic link (a chain
 * of links is followed; a dangling link resolves to the file it names, which is then created),
 * else `path` itself, made absolute.
 */
export async function resolveWriteTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let info;
    try {
      info = await lstat(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return current;
      throw error;
    }
    if (!info.isSymbolicLink()) {
      // Resolve links in the directory part too, so the temp file lands beside the real file.
      try {
        return join(await realpath(dirname(current)), basename(current));
      } catch {
        return current;
      }
    }
    const link = await readlink(current);
    current = isAbsolute(link) ? link : resolve(dirname(current), link);
  }
  throw Object.assign(new Error('too many symbolic links'), { code: 'ELOOP' });
}

/** Test hook: make one step of the next writes fail with an errno code (fault-injection tests only). */
export const faults: { step?: 'open' | 'write' | 'sync' | 'rename'; code?: string } = {};

function inject(step: NonNullable<typeof faults.step>): void {
  if (faults.step === step) {
    const code = faults.code ?? 'EIO';
    throw Object.assign(new Error(`${code}: injected fault`), { code });
  }
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
 * `mode` defaults to the existing file's permission bits, or `0o600` for a new file. When running
 * as root over someone else's file, its owner and group are kept.
 *
 * @throws AdsOAuthError('CONFIG_WRITE') naming the path and the reason (EACCES, ENOENT, ENOSPC,
 *   EROFS, …); the target is untouched and the temp file removed.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  let target: string;
  try {
    target = await resolveWriteTarget(path);
  } catch (error) {
    throw writeError(path, error);
  }
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let existing: { mode: number; uid: number; gid: number } | undefined;
  try {
    const info = await stat(target);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    existing = { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeError(path, error);
  }
  const mode = options.mode ?? existing?.mode ?? 0o600;
  let created = false;
  try {
    inject('open');
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    created = true;
    try {
      await handle.chmod(mode);
      if (existing && process.getuid?.() === 0 && (existing.uid !== 0 || existing.gid !== 0)) {
        await handle.chown(existing.uid, existing.gid).catch(() => undefined);
      }
      inject('write');
      await handle.writeFile(data);
      inject('sync');
      await handle.sync();
    } finally {
      await handle.close();
    }
    inject('rename');
    await rename(temp, target);
    created = false;
  } catch (error) {
    if (created) await unlink(temp).catch(() => undefined);
    throw writeError(path, error);
  }
  await syncDirectory(dir);
}

/** fsyncs a directory so a rename in it is durable; platforms that cannot are ignored. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch {
    // Windows and some file systems cannot fsync a directory; the rename itself is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
