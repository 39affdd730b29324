import { processInfo } from '../process-info.js';
import { AdsOAuthError } from '../../errors.js';
import { revokeRefreshToken, type RevokeResult } from '../../lifecycle/revoke.js';
import { updateConfig } from '../../stores/config-file.js';
import { getFormat } from '../../writers/index.js';
import { formatFlags, parseCommandArgs, type FlagSpec } from '../args.js';
import type { CliContext } from '../context.js';
import { COMMON_TAIL_FLAGS, CREDENTIAL_FLAGS, ENVIRONMENT_HELP, loadCredentials } from '../credentials.js';
import { EXIT_CODE_HELP, ExitCode } from '../exit-codes.js';

export const REVOKE_FLAGS: readonly FlagSpec[] = [
  ...CREDENTIAL_FLAGS.filter((f) => f.name !== 'api-version'),
  { name: 'remove', kind: 'boolean', description: 'After revoking, remove the refresh token from the --config file (atomically; everything else is kept).' },
  ...COMMON_TAIL_FLAGS,
];

export function revokeHelp(): string {
  return `Usage: ads-oauth revoke (--config [PATH] | --client_secrets_path=PATH) [--remove] [options]

Revokes a refresh token at the provider (RFC 7009). At Google this ends the whole grant: every
refresh token that Google account gave this OAuth client, on every machine, stops working, not only
this one. Do not revoke an old token to "replace" it with a new one: the new one dies too. A token
that is already invalid counts as revoked (with a note). 5xx answers and timeouts are retried with
backoff, at most 3 times.

Options (snake_case spellings such as --client_secrets_path are accepted too):
${formatFlags(REVOKE_FLAGS)}

Output: a confirmation and what it ended on stdout (with --json one object: revoked,
alreadyInvalid, note, attempts, clientAuthenticated, endpoint, effect, removed{path, key}).

${ENVIRONMENT_HELP}

${EXIT_CODE_HELP}
`;
}

/** `ads-oauth revoke`. */
export async function revokeCommand(args: string[], ctx: CliContext): Promise<number> {
  const flags = parseCommandArgs(args, REVOKE_FLAGS, { name: 'ads-oauth revoke', help: () => revokeHelp(), write: (text) => ctx.stdout.write(text) });
  if (flags === undefined) return ExitCode.OK;
  const json = flags['json'] === true;
  const remove = flags['remove'] === true;
  if (remove && flags['config'] === undefined) {
    throw new AdsOAuthError('USAGE', '--remove needs --config [PATH]: it removes the refresh token from that file.');
  }
  const loaded = await loadCredentials(flags, ctx, { requireClient: false });
  if (remove && loaded.sources.refreshToken !== 'config') {
    throw new AdsOAuthError(
      'USAGE',
      `--remove removes the refresh token from ${loaded.configFile?.path ?? 'the config file'}, but the token to revoke came from ${loaded.sources.refreshToken}. Revoke the config file's token, or drop --remove.`,
    );
  }
  const { credentials } = loaded;
  const result: RevokeResult = await revokeRefreshToken(loaded.config, credentials.refreshToken);

  let removed: { path: string; key: string } | undefined;
  if (remove && loaded.configFile) {
    const { path, format } = loaded.configFile;
    const key = getFormat(format).keyFor('refreshToken');
    try {
      await updateConfig(path, { refreshToken: null }, { format, process: processInfo });
    } catch (error) {
      const why = error instanceof AdsOAuthError ? error.message : String((error as Error)?.message ?? error);
      throw new AdsOAuthError(
        'CONFIG_WRITE',
        `The token was revoked, but removing ${key} from ${path} failed: ${why} Remove the line yourself; the token in it no longer works.`,
        { cause: error, details: { path, key } },
      );
    }
    removed = { path, key };
  }

  const effect = result.alreadyInvalid ? undefined : revokeEffect(result.endpoint);
  if (json) {
    ctx.out(JSON.stringify({ ...result, ...(effect ? { effect } : {}), ...(removed ? { removed } : {}) }));
  } else {
    ctx.out(result.alreadyInvalid ? `The refresh token was already invalid: nothing to revoke at ${result.endpoint}.` : `Revoked the refresh token at ${result.endpoint}.`);
    if (effect) ctx.out(effect);
    if (removed) ctx.out(`Removed ${removed.key} from ${removed.path}.`);
  }
  if (result.note) ctx.err(`Note: ${result.note}`);
  if (result.attempts > 1) ctx.err(`Note: it took ${result.attempts} attempts (the endpoint was busy or slow).`);
  return ExitCode.OK;
}

/**
 * What a revocation ended, in words: at Google the whole grant (every refresh token that Google
 * account gave this client, on every machine); RFC 7009 allows any provider to do the same.
 */
export function revokeEffect(endpoint: string): string {
  let host = '';
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    // an endpoint that is not a URL was refused before the request; keep the general wording
  }
  const google = host === 'google.com' || host.endsWith('.google.com') || host === 'googleapis.com' || host.endsWith('.googleapis.com');
  return google
    ? 'This ended the whole grant: every refresh token this Google account gave this OAuth client, on every machine, has stopped working. Run the consent again for a new one.'
    : 'RFC 7009 lets the provider end the whole grant with it (Google does): other refresh tokens from the same consent may have stopped working too.';
}
