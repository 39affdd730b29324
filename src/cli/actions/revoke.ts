import { AdsOAuthError } from '../../errors.js';
import { revokeRefreshToken, type RevokeResult } from '../../lifecycle/revoke.js';
import { updateConfig } from '../../stores/config-file.js';
import { getFormat } from '../../writers/index.js';
import { revokeEffect, type RevokeArgs } from '../commands/revoke.js';
import type { CliContext } from '../context.js';
import { loadCredentials } from '../credentials.js';
import { ExitCode } from '../exit-codes.js';
import { processInfo } from '../process-info.js';

/** The work of `ads-oauth revoke`. */
export async function runRevoke(args: RevokeArgs, ctx: CliContext): Promise<number> {
  const { json, remove } = args;
  if (remove && args.config === undefined) {
    throw new AdsOAuthError('USAGE', '--remove needs --config [PATH]: it removes the refresh token from that file.');
  }
  const loaded = await loadCredentials(args, ctx, { requireClient: false });
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
    ctx.out(
      result.alreadyInvalid
        ? `The refresh token was already invalid: nothing to revoke at ${result.endpoint}.`
        : `Revoked the refresh token at ${result.endpoint}.`,
    );
    if (effect) ctx.out(effect);
    if (removed) ctx.out(`Removed ${removed.key} from ${removed.path}.`);
  }
  if (result.note) ctx.err(`Note: ${result.note}`);
  if (result.attempts > 1) ctx.err(`Note: it took ${result.attempts} attempts (the endpoint was busy or slow).`);
  return ExitCode.OK;
}
