import { processInfo } from '../process-info.js';
import { resolve } from 'node:path';
import { AdsOAuthError } from '../../errors.js';
import { expandHome, readClientSecretsFile } from '../../stores/client-secrets.js';
import { updateConfig, validateConfigTarget } from '../../stores/config-file.js';
import { defaultConfigPath, FORMAT_IDS } from '../../writers/catalog.js';
import { formatFlags, parseArgs, stringFlag, type FlagSpec } from '../args.js';
import type { CliContext } from '../context.js';
import { EXIT_CODE_HELP, ExitCode } from '../exit-codes.js';
import { readSecretLine } from '../terminal.js';

export const CONFIG_SET_FLAGS: readonly FlagSpec[] = [
  {
    name: 'config',
    kind: 'optional-string',
    value: 'PATH',
    description: 'The client-library config file to write. Without PATH: $GOOGLE_ADS_CONFIGURATION_FILE_PATH, else ~/google-ads.yaml.',
  },
  { name: 'format', kind: 'string', value: 'FORMAT', description: `Config format when the file name does not tell: ${FORMAT_IDS.join(', ')}.` },
  { name: 'client-secrets-path', kind: 'string', value: 'PATH', description: 'The OAuth client secrets JSON downloaded from the Google Cloud console (client ID and secret).' },
  { name: 'json', kind: 'boolean', description: 'Print one JSON object instead of text.' },
  { name: 'debug', kind: 'boolean', description: 'Show error causes and stack traces (never secrets).' },
  { name: 'help', kind: 'boolean', short: 'h', description: 'Show this help.' },
];

export function configHelp(): string {
  return `Usage: ads-oauth config set --config [PATH] [--format FORMAT] --client_secrets_path PATH

Writes a client ID, client secret and refresh token into a Google Ads client library config
file (google-ads.yaml, ads.properties, google_ads_php.ini, google_ads_config.rb,
googleads.properties, .env, appsettings.json, App.config, or an ADC authorized_user JSON).
Only those keys change; comments, order and everything else in the file are kept. The file is
replaced atomically, with mode 0600.

The refresh token is read from the GOOGLE_ADS_REFRESH_TOKEN environment variable, else as one
line on standard input (on a terminal, at a prompt that does not echo it). It is never accepted
as a command-line argument, where other users and shell history could see it.

Options (snake_case spellings such as --client_secrets_path are accepted too):
${formatFlags(CONFIG_SET_FLAGS)}

Examples:
  ads-oauth config set --config --client_secrets_path client_secret.json < token.txt
  GOOGLE_ADS_REFRESH_TOKEN=… ads-oauth config set --config ~/ads.properties --client_secrets_path c.json

${EXIT_CODE_HELP}
`;
}

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

/** `ads-oauth config set`: write credentials into a client-library config file. */
export async function configCommand(args: string[], ctx: CliContext): Promise<number> {
  const tokenFlag = args.find((a) => /^--?refresh[-_]?token(=|$)/i.test(a));
  if (tokenFlag) {
    throw new AdsOAuthError(
      'USAGE',
      'The refresh token is never taken from the command line (other users and shell history could read it). Pass it on standard input or in GOOGLE_ADS_REFRESH_TOKEN.',
    );
  }
  const { flags, positionals } = parseArgs(args, CONFIG_SET_FLAGS);
  if (flags['help'] || positionals[0] === 'help' || positionals.length === 0) {
    ctx.stdout.write(configHelp());
    return positionals.length === 0 && !flags['help'] ? ExitCode.USAGE : ExitCode.OK;
  }
  const [sub, ...rest] = positionals;
  if (sub !== 'set') throw new AdsOAuthError('USAGE', `Unknown config subcommand ${JSON.stringify(sub)}; the only one is "set". See ads-oauth config --help.`);
  if (rest.length > 0) throw new AdsOAuthError('USAGE', `Unexpected argument ${JSON.stringify(rest[0])}. See ads-oauth config --help.`);

  const configFlag = flags['config'];
  if (configFlag === undefined) throw new AdsOAuthError('USAGE', 'config set needs --config [PATH]: the file to write.');
  const path = typeof configFlag === 'string' ? resolve(ctx.cwd, expandHome(configFlag, ctx.homedir)) : defaultConfigPath(ctx.env, ctx.homedir);
  const format = stringFlag(flags, 'format');
  const secretsPath = stringFlag(flags, 'client-secrets-path');
  if (!secretsPath) throw new AdsOAuthError('USAGE', 'config set needs --client_secrets_path PATH: the OAuth client JSON with the client ID and secret.');

  // Check everything that can be checked before reading the secret token.
  const target = await validateConfigTarget(path, format);
  const client = await readClientSecretsFile(resolve(ctx.cwd, expandHome(secretsPath, ctx.homedir)));
  const refreshToken = await readRefreshToken(ctx);

  const result = await updateConfig(path, { clientId: client.clientId, clientSecret: client.clientSecret, refreshToken }, { format: target.format.id, process: processInfo });
  if (flags['json'] === true) {
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
  ctx.out(`${result.created ? 'Created' : 'Updated'} ${result.path} (${result.format.id}, for ${result.format.library}): client ID, client secret and refresh token written.`);
  if (result.tightened) ctx.err(`Note: ${result.path} was readable by other users; its permissions are now 0600.`);
  if (result.placeholders.length > 0) {
    ctx.err(`Still to fill in: ${result.placeholders.join(', ')} (placeholders INSERT_…_HERE). See ${result.format.docsUrl}`);
  }
  return ExitCode.OK;
}
