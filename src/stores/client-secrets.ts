import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { AdsOAuthError } from '../errors.js';
import { parseClientSecrets, type OAuthClientConfig } from '../protocol/client-file.js';

/** Expands a leading `~` or `~/` (shells do not expand `--flag=~/x`). */
export function expandHome(path: string, home = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return resolve(home, path.slice(2));
  return path;
}

/**
 * Reads and parses a Google OAuth client secrets file: the usual first step, its result goes to
 * {@link discoverConfiguration}. A leading `~` is expanded (shells do not expand `--flag=~/x`);
 * files over 1 MiB are refused unread. Parsing is {@link parseClientSecrets}'s.
 *
 * @param path the file's path, relative to the working directory or absolute; `~/…` allowed.
 * @returns the client, frozen; `source` is the absolute path.
 * @throws AdsOAuthError `CLIENT_FILE` naming the path (missing, a directory, unreadable, too
 *   large, empty, not JSON, not an OAuth client), `INSECURE_ENDPOINT`
 * @example
 * ```ts
 * import { discoverConfiguration, readClientSecretsFile } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('~/client_secret.json'));
 * ```
 * @see https://developers.google.com/google-ads/api/docs/oauth/overview
 */
export async function readClientSecretsFile(path: string): Promise<OAuthClientConfig> {
  const full = resolve(expandHome(path));
  // Loaded here, not with the module: the CLI reads with readClientSecretsFileSync.
  const { readFile, stat } = await import('node:fs/promises');
  let text: string;
  try {
    checkFile(full, await stat(full));
    text = await readFile(full, 'utf8');
  } catch (error) {
    throw readError(full, error);
  }
  return parseClientSecrets(text, full);
}

/**
 * {@link readClientSecretsFile} with synchronous reads, for the CLI: the first asynchronous file
 * operation of a process starts libuv's thread pool, which a one-shot run otherwise never needs
 * before its consent URL (≈ 2 ms of it here; bench/NOTES.md, round 5). The same checks, errors
 * and result.
 *
 * @throws AdsOAuthError as {@link readClientSecretsFile}
 */
export function readClientSecretsFileSync(path: string): OAuthClientConfig {
  const full = resolve(expandHome(path));
  let text: string;
  try {
    checkFile(full, statSync(full));
    text = readFileSync(full, 'utf8');
  } catch (error) {
    throw readError(full, error);
  }
  return parseClientSecrets(text, full);
}

/** Refuses a directory, and a file too large to be a client secrets file, unread. */
function checkFile(full: string, info: { isDirectory(): boolean; size: number }): void {
  if (info.isDirectory()) {
    throw new AdsOAuthError(
      'CLIENT_FILE',
      `${full}: this is a directory, not the client secrets JSON file itself (e.g. ${full}/client_secret_XXX.apps.googleusercontent.com.json).`,
      { details: { path: full } },
    );
  }
  if (info.size > 1024 * 1024) {
    throw new AdsOAuthError('CLIENT_FILE', `${full}: the file is ${info.size} bytes, far too large for an OAuth client secrets file.`, {
      details: { path: full },
    });
  }
}

/** What a failed stat or read becomes: a `CLIENT_FILE` error that says what to do. */
function readError(full: string, error: unknown): AdsOAuthError {
  if (error instanceof AdsOAuthError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file. Download the client JSON from the Google Cloud console (APIs & Services > Credentials > your OAuth client > Download JSON) and pass its path.'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied: this user cannot read the file.'
        : `cannot be read (${code ?? (error as Error).message}).`;
  return new AdsOAuthError('CLIENT_FILE', `${full}: ${reason}`, {
    cause: error,
    details: { path: full, ...(code ? { reason: code } : {}) },
  });
}
