import { resolve } from 'node:path';
import { AdsOAuthError } from '../../errors.js';
import { expandHome, readClientSecretsFileSync } from '../../stores/client-secrets.js';
import { readConfig, updateConfig, validateConfigTarget } from '../../stores/config-file.js';
import { FIELD_ORDER, isPlaceholder } from '../../writers/index.js';
import type { CredentialField } from '../../writers/types.js';
import { defaultConfigPath } from '../../writers/catalog.js';
import type { ConfigSetArgs, ConfigShowArgs } from '../commands/config.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { processInfo } from '../process-info.js';
import { readSecretLine } from '../terminal.js';

/**
 * The token out of what was pasted: a bare token, or a whole line with a known label such as
 * generate's `Your refresh token is: 1//…` or `refresh_token: 1//…`. Anything else with spaces
 * in it is refused (saying so, never echoing it): a token has none.
 */
export function extractRefreshToken(text: string, source: string, ctx: Pick<CliContext, 'err'>): string {
  const value = text.trim().replace(/^["']|["'],?$/g, '');
  if (!/\s/.test(value)) return value;
  const labelled = /^(?:your\s+)?["']?refresh[\s_-]?token["']?(?:\s+is)?\s*[:=]\s*["']?([^\s"']+)["']?,?$/i.exec(value);
  if (labelled) {
    ctx.err(`Note: ${source} held a labelled line ("refresh token: …"); the value after the label is used as the token.`);
    return labelled[1]!;
  }
  throw new AdsOAuthError(
    'USAGE',
    `The refresh token from ${source} contains spaces, so it is not a token (a token is one word, like 1//0g…). Pass only the token, or the line "Your refresh token is: …" as generate printed it.`,
  );
}

async function readRefreshToken(ctx: CliContext): Promise<string> {
  const fromEnv = ctx.env['GOOGLE_ADS_REFRESH_TOKEN']?.trim();
  if (fromEnv) return extractRefreshToken(fromEnv, 'GOOGLE_ADS_REFRESH_TOKEN', ctx);
  // On a terminal the token is read without echo, so it stays out of the scrollback.
  const token = (await readSecretLine(ctx, 'Refresh token (input hidden): '))?.trim() ?? '';
  if (token === '') {
    throw new AdsOAuthError('USAGE', 'No refresh token: pass it as one line on standard input, or set GOOGLE_ADS_REFRESH_TOKEN.');
  }
  return extractRefreshToken(token, 'standard input', ctx);
}

/** The work of `ads-oauth config set`: write credentials into a client-library config file. */
export async function runConfigSet(args: ConfigSetArgs, ctx: CliContext): Promise<number> {
  if (args.refreshToken !== undefined) {
    throw new AdsOAuthError(
      'USAGE',
      'The refresh token is never taken from the command line (other users and shell history could read it). Pass it on standard input or in GOOGLE_ADS_REFRESH_TOKEN.',
    );
  }
  if (args.config === undefined) throw new AdsOAuthError('USAGE', 'config set needs --config [PATH]: the file to write.');
  const path =
    typeof args.config === 'string' ? resolve(ctx.cwd, expandHome(args.config, ctx.homedir)) : defaultConfigPath(ctx.env, ctx.homedir);
  const { format } = args;
  const secretsPath = args.clientSecretsPath;
  if (!secretsPath)
    throw new AdsOAuthError('USAGE', 'config set needs --client_secrets_path PATH: the OAuth client JSON with the client ID and secret.');

  // Check everything that can be checked before reading the secret token.
  const target = await validateConfigTarget(path, format);
  const client = readClientSecretsFileSync(resolve(ctx.cwd, expandHome(secretsPath, ctx.homedir)));
  const refreshToken = await readRefreshToken(ctx);

  const result = await updateConfig(
    path,
    { clientId: client.clientId, clientSecret: client.clientSecret, refreshToken },
    { format: target.format.id, process: processInfo },
  );
  if (args.json) {
    ctx.out(
      JSON.stringify({
        path: result.path,
        format: result.format.id,
        library: result.format.library,
        created: result.created,
        tightened: result.tightened,
        keys: [result.format.keyFor('clientId'), result.format.keyFor('clientSecret'), result.format.keyFor('refreshToken')],
        placeholders: result.placeholders,
      }),
    );
    return ExitCode.OK;
  }
  ctx.out(
    `${result.created ? 'Created' : 'Updated'} ${result.path} (${result.format.id}, for ${result.format.library}): client ID, client secret and refresh token written.`,
  );
  if (result.tightened) ctx.err(`Note: ${result.path} was readable by other users; its permissions are now 0600.`);
  if (result.placeholders.length > 0) {
    ctx.err(`Still to fill in: ${result.placeholders.join(', ')} (placeholders INSERT_…_HERE). See ${result.format.docsUrl}`);
  }
  return ExitCode.OK;
}

/** Fields whose values `config show` may print; the others are secrets and show only as set. */
const SHOWN: ReadonlySet<CredentialField> = new Set(['clientId', 'loginCustomerId']);

/** `ads-oauth config show`: which credentials a config file holds, never a secret's value. */
export async function runConfigShow(args: ConfigShowArgs, ctx: CliContext): Promise<number> {
  const path =
    typeof args.config === 'string' ? resolve(ctx.cwd, expandHome(args.config, ctx.homedir)) : defaultConfigPath(ctx.env, ctx.homedir);
  const read = await readConfig(path, args.format);
  const fields = FIELD_ORDER.flatMap((field) => {
    let key: string;
    try {
      key = read.format.keyFor(field);
    } catch {
      return []; // a field this format has no key for (adc: login customer ID, developer token)
    }
    const value = read.values[field]?.trim();
    const status = value === undefined || value === '' ? 'missing' : isPlaceholder(value) ? 'placeholder' : 'set';
    return [{ field, key, status, ...(status === 'set' && SHOWN.has(field) ? { value } : {}) }];
  });
  if (args.json) {
    ctx.out(JSON.stringify({ path: read.path, format: read.format.id, library: read.format.library, fields }));
    return ExitCode.OK;
  }
  ctx.out(`${read.path} (${read.format.id}, for ${read.format.library}):`);
  const width = Math.max(...fields.map((f) => f.key.length));
  for (const f of fields) ctx.out(`  ${f.key.padEnd(width)}  ${'value' in f ? f.value : f.status}`);
  return ExitCode.OK;
}
