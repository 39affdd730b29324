import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AdsOAuthError } from '../errors.js';
import { decodeConfig, resolveFormat, updateConfigBytes, FIELD_LABELS, FIELD_ORDER } from '../writers/index.js';
import type { ConfigChanges, ConfigFormat, ConfigValues, CredentialField } from '../writers/index.js';
import { reasonOf, resolveWriteTarget, writeError, writeFileAtomic, type WriteOptions } from './atomic-write.js';
import { withFileSystem, type FileSystem, type ProcessFacts } from './fs.js';
import { acquireLock } from './lock.js';

/**
 * Reading and safely updating client-library configuration files on disk: format resolution,
 * symlinks, permissions, locking, atomic replacement and read-back confirmation. The format
 * logic itself is pure and lives in `src/writers`.
 */

/**
 * Reads a file's bytes (decoded later by the format, in the encoding its library reads);
 * `undefined` when it does not exist.
 */
async function readBytes(fs: FileSystem, path: string, display: string): Promise<Uint8Array | undefined> {
  try {
    const info = await fs.stat(path);
    if (!info.isFile()) throw new AdsOAuthError('CONFIG', `${display} is not a regular file.`, { details: { path: display } });
    return await fs.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof AdsOAuthError) throw error;
    throw new AdsOAuthError('CONFIG', `Cannot read ${display}: ${reasonOf(error)}.`, { cause: error, details: { path: display } });
  }
}

/** Adds the path to a format's parse error, keeping its code and details. */
function withPath(error: unknown, path: string): never {
  if (error instanceof AdsOAuthError) {
    if (error.message.includes(path)) throw error;
    throw new AdsOAuthError(error.code, `${path}: ${error.message}`, { cause: error.cause, details: { ...error.details, path } });
  }
  throw error;
}

/**
 * Refuses a file whose owner has no write bit (0400, 0444): the user made it read-only on purpose.
 * The mode bits are checked, not access(): root may write anything.
 */
async function refuseReadOnly(fs: FileSystem, target: string, display: string): Promise<void> {
  const info = await fs.stat(target).catch(() => undefined);
  if (info === undefined || !info.isFile() || (info.mode & 0o200) !== 0) return;
  const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
  throw new AdsOAuthError(
    'CONFIG_WRITE',
    `Refusing to write ${display}: it is read-only (mode ${mode}). Make it writable (chmod u+w) if ads-oauth should update it. The file is unchanged.`,
    { details: { path: display, reason: 'read-only', mode } },
  );
}

async function resolveTarget(fs: FileSystem, path: string): Promise<string> {
  try {
    return await resolveWriteTarget(path, fs);
  } catch (error) {
    throw new AdsOAuthError('CONFIG', `Cannot resolve ${path}: ${reasonOf(error)}.`, { cause: error, details: { path } });
  }
}

/**
 * Checks, before any OAuth flow, that `path` can take the credentials: the format is known
 * (explicit, or detected from the name), the directory exists and is writable, and an existing
 * file parses and has nothing ads-oauth would refuse to edit — so the user never consents only to
 * learn the file was wrong. A symbolic link is checked at its target.
 *
 * @throws AdsOAuthError('USAGE') unknown or undetectable format; ('CONFIG') missing directory,
 *   unreadable or unparsable file; ('CONFIG_WRITE') directory not writable, or a read-only file.
 */
export async function validateConfigTarget(
  path: string,
  format?: string,
  options: { fs?: Partial<FileSystem> } = {},
): Promise<{ path: string; format: ConfigFormat; exists: boolean }> {
  const fs = withFileSystem(options.fs);
  const chosen = resolveFormat(path, format);
  const target = await resolveTarget(fs, path);
  const dir = dirname(target);
  const info = await fs.stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new AdsOAuthError('CONFIG', `The directory of ${path} does not exist: ${dir}. Create it first.`, { details: { path, dir } });
  }
  try {
    await fs.access(dir, constants.W_OK);
  } catch (error) {
    throw writeError(path, error, 'write to the directory of');
  }
  const bytes = await readBytes(fs, target, path);
  if (bytes !== undefined) {
    await refuseReadOnly(fs, target, path);
    try {
      chosen.read(decodeConfig(chosen, bytes).text);
      // A dry run with stand-in values finds what update() would refuse (e.g. a Ruby expression).
      updateConfigBytes(chosen, bytes, { clientId: 'x', clientSecret: 'x', refreshToken: 'x' });
    } catch (error) {
      withPath(error, path);
    }
  }
  return { path: target, format: chosen, exists: bytes !== undefined };
}

/**
 * Reads the credentials a client-library configuration file holds, decoding its bytes as that
 * library does. A symbolic link is read at its target.
 *
 * @param path the file's path.
 * @param format a format id ({@link FORMAT_IDS}); default: detected from the name ({@link detectFormat}).
 * @param options `fs`: file operations to use instead of `node:fs/promises` (tests).
 * @returns the resolved path, the format and the values it sets ({@link ConfigValues}); secrets
 *   included, so handle them as such.
 * @throws AdsOAuthError `USAGE` (an unknown or undetectable format), `CONFIG` (the file is
 *   missing, unreadable or does not parse; the message never quotes its values)
 * @example
 * ```ts
 * import { discoverConfiguration, defineClient, readConfig, verifyCredentials } from 'ads-oauth';
 *
 * const { values } = await readConfig('google-ads.yaml');
 * const config = await discoverConfiguration(defineClient({ clientId: values.clientId!, clientSecret: values.clientSecret! }));
 * const result = await verifyCredentials(config, { refreshToken: values.refreshToken! });
 * ```
 */
export async function readConfig(
  path: string,
  format?: string,
  options: { fs?: Partial<FileSystem> } = {},
): Promise<{ path: string; format: ConfigFormat; values: ConfigValues }> {
  const fs = withFileSystem(options.fs);
  const chosen = resolveFormat(path, format);
  const target = await resolveTarget(fs, path);
  const bytes = await readBytes(fs, target, path);
  if (bytes === undefined) throw new AdsOAuthError('CONFIG', `The config file ${path} does not exist.`, { details: { path } });
  try {
    return { path: target, format: chosen, values: chosen.read(decodeConfig(chosen, bytes).text) };
  } catch (error) {
    return withPath(error, path);
  }
}

/** What {@link updateConfig} takes beside the path and the changes. */
export interface UpdateConfigOptions {
  /** The format id; detected from the file name when absent. */
  format?: string;
  /** How long to wait for another writer's lock. Default 10 s. */
  lockTimeoutMs?: number;
  /** Create missing parent directories (mode 0700). Default false: a missing directory is an error. */
  createDirectory?: boolean;
  /** The file operations to use (default `node:fs/promises`); some may be given, the rest default. */
  fs?: Partial<FileSystem>;
  /**
   * The running process (pid, uid, liveness check), from the caller: `src/stores` never reads
   * `process`. The CLI passes `cli/process-info.ts`'s. Without it the lock carries no pid (a dead
   * holder's lock is taken over only once stale, after 60 s) and a file is never chowned back.
   */
  process?: ProcessFacts;
}

function mismatched(values: ConfigValues, changes: ConfigChanges): CredentialField[] {
  return FIELD_ORDER.filter((field) => {
    const want = changes[field];
    if (want === undefined) return false;
    return want === null ? values[field] !== undefined : values[field] !== want;
  });
}

/**
 * Applies `changes` to a configuration file (creating it when missing) and confirms the result.
 *
 * - Only the managed keys change; the rest of the file is kept byte for byte.
 * - The read-modify-write runs under the lock file `<target>.lock`, so concurrent writers never
 *   lose each other's keys.
 * - The write is atomic (see {@link writeFileAtomic}); if `path` is a symbolic link, the file it
 *   points to is updated and the link kept.
 * - A new file gets mode 0600; an existing file readable or writable by group or others is
 *   tightened to 0600 (`tightened: true`). A read-only file (no owner write bit) is refused.
 * - After writing, the file is read back and parsed; values that do not match are a
 *   `CONFIG_WRITE` error and the previous content is put back.
 *
 * @param path the file (`~` is not expanded here; the CLI does that).
 * @param changes per field: a string sets the key, `null` removes it, absent leaves it.
 * @param options the format (default: detected from the name), the lock wait (default 10 s),
 *   `createDirectory`, and the process facts for the lock.
 * @returns the resolved path, the format, whether the file was created or its mode tightened,
 *   and the keys still holding a placeholder.
 * @throws AdsOAuthError `USAGE` (an unknown or undetectable format), `CONFIG` (the existing file
 *   does not parse or cannot be edited safely), `CONFIG_WRITE` (directory missing or not writable,
 *   read-only file, lock timeout, a failed write or read-back); never with a secret in the message
 * @example
 * ```ts
 * import { DEFAULT_SCOPES, discoverConfiguration, readClientSecretsFile, runLoopbackFlow, updateConfig } from 'ads-oauth';
 *
 * const client = await readClientSecretsFile('client_secret.json');
 * const config = await discoverConfiguration(client);
 * const { refreshToken } = await runLoopbackFlow(config, { scopes: DEFAULT_SCOPES, timeoutMs: 300_000, onAuthorizationUrl: (url) => console.log(url.href) });
 * await updateConfig('google-ads.yaml', { clientId: client.clientId, clientSecret: client.clientSecret, refreshToken });
 * ```
 */
export async function updateConfig(
  path: string,
  changes: ConfigChanges,
  options: UpdateConfigOptions = {},
): Promise<{ path: string; format: ConfigFormat; created: boolean; tightened: boolean; placeholders: string[] }> {
  const fs = withFileSystem(options.fs);
  const format = resolveFormat(path, options.format);
  const target = await resolveTarget(fs, path);
  const dir = dirname(target);
  const dirInfo = await fs.stat(dir).catch(() => undefined);
  if (!dirInfo) {
    if (!options.createDirectory) {
      throw new AdsOAuthError('CONFIG_WRITE', `Could not write ${path}: the directory ${dir} does not exist.`, {
        details: { path, reason: 'ENOENT' },
      });
    }
    await makeDirectory(fs, dir, path);
  } else if (!dirInfo.isDirectory()) {
    throw new AdsOAuthError('CONFIG_WRITE', `Could not write ${path}: ${dir} is not a directory.`, {
      details: { path, reason: 'ENOTDIR' },
    });
  }

  const release = await acquireLock(target, {
    ...(options.lockTimeoutMs !== undefined ? { timeoutMs: options.lockTimeoutMs } : {}),
    ...(options.process ? { process: options.process } : {}),
    fs,
  });
  const writeOptions = { fs, uid: options.process?.uid };
  try {
    const existing = await readBytes(fs, target, path);
    let mode = 0o600;
    let tightened = false;
    if (existing !== undefined) {
      await refuseReadOnly(fs, target, path);
      const current = (await fs.stat(target)).mode & 0o7777;
      if (current & 0o077) tightened = true;
      else mode = current;
    }
    let result;
    try {
      result = updateConfigBytes(format, existing, changes);
      // Check the bytes before they reach the disk: a writer bug must not cost the old file.
      const planned = mismatched(format.read(decodeConfig(format, result.bytes).text), changes);
      if (planned.length > 0) {
        throw new AdsOAuthError(
          'CONFIG_WRITE',
          `Refusing to write ${path}: the new text would not read back the ${planned.map((f) => FIELD_LABELS[f]).join(', ')}. The old file is unchanged.`,
          {
            details: { path, fields: planned },
          },
        );
      }
    } catch (error) {
      return withPath(error, path);
    }
    if (existing === undefined || !sameBytes(existing, result.bytes) || tightened) {
      await writeFileAtomic(target, result.bytes, { ...writeOptions, mode });
      await confirm(fs, target, path, format, changes, result.bytes, existing, { ...writeOptions, mode });
    }
    return { path: target, format, created: existing === undefined, tightened, placeholders: result.placeholders };
  } finally {
    await release();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * Reads the file back and compares it with the bytes written, byte for byte (so a change outside
 * the managed keys cannot slip through), and its values with the changes; on a mismatch restores
 * the previous content and throws.
 */
async function confirm(
  fs: FileSystem,
  target: string,
  display: string,
  format: ConfigFormat,
  changes: ConfigChanges,
  written: Uint8Array,
  previous: Uint8Array | undefined,
  writeOptions: WriteOptions,
): Promise<void> {
  let wrong: CredentialField[];
  let same: boolean;
  try {
    const bytes = await fs.readFile(target);
    same = sameBytes(bytes, written);
    wrong = mismatched(format.read(decodeConfig(format, bytes).text), changes);
  } catch (error) {
    throw writeError(display, error, 'read back');
  }
  if (same && wrong.length === 0) return;
  // Undo: the previous content back, or (for a file this write created) no file at all.
  const undone =
    previous !== undefined
      ? await writeFileAtomic(target, previous, writeOptions).then(
          () => 'the previous content was restored',
          () => 'restoring the previous content failed too',
        )
      : await fs.unlink(target).then(
          () => 'the new file was removed',
          () => 'removing the new file failed too',
        );
  const what = wrong.length > 0 ? `the ${wrong.map((f) => FIELD_LABELS[f]).join(', ')}` : 'the bytes written';
  throw new AdsOAuthError('CONFIG_WRITE', `Wrote ${display} but reading it back did not give ${what}; ${undone}.`, {
    details: { path: display, fields: wrong },
  });
}

/** Creates missing directories with mode 0700 whatever the umask. */
async function makeDirectory(fs: FileSystem, dir: string, display: string): Promise<void> {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (
      await fs.stat(d).then(
        () => true,
        () => false,
      )
    )
      break;
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  try {
    for (const d of missing) {
      await fs.mkdir(d, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      await fs.chmod(d, 0o700);
    }
  } catch (error) {
    throw writeError(display, error, 'create the directory of');
  }
}
