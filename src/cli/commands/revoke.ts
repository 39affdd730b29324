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

Revokes a refresh token at the provider (RFC 7009), which also ends the access the user granted
to the OAuth client. A token that is already invalid counts as revoked (with a note). 5xx answers
and timeouts are retried with backoff, at most 3 times.

Options (snake_case spellings such as --client_secrets_path are accepted too):
${formatFlags(REVOKE_FLAGS)}

Output: one confirmation line on stdout (with --json one object: revoked, alreadyInvalid, note,
attempts, clientAuthenticated, endpoint, removed{path, key}).

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
      await updateConfig(path, { refreshToken: null }, { format });
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

  if (json) {
    ctx.out(JSON.stringify({ ...result, ...(removed ? { removed } : {}) }));
  } else {
    ctx.out(result.alreadyInvalid ? `The refresh token was already invalid: nothing to revoke at ${result.endpoint}.` : `Revoked the refresh token at ${result.endpoint}.`);
    if (removed) ctx.out(`Removed ${removed.key} from ${removed.path}.`);
  }
  if (result.note) ctx.err(`Note: ${result.note}`);
  if (result.attempts > 1) ctx.err(`Note: it took ${result.attempts} attempts (the endpoint was busy or slow).`);
  return ExitCode.OK;
}
