import { defineCommand, runCommand, type ArgsDef, type ParsedArgs } from '../command.js';
import { exitCodesSection, FORMAT_IDS_TEXT } from '../common-args.js';
import type { CliContext } from '../context.js';

const configSetArgs = {
  config: {
    type: 'optional-string',
    value: 'PATH',
    description: 'The client-library config file to write. Without PATH: $GOOGLE_ADS_CONFIGURATION_FILE_PATH, else ~/google-ads.yaml.',
  },
  format: { type: 'string', value: 'FORMAT', description: `Config format when the file name does not tell: ${FORMAT_IDS_TEXT}.` },
  'client-secrets-path': {
    type: 'string',
    value: 'PATH',
    description: 'The OAuth client secrets JSON downloaded from the Google Cloud console (client ID and secret).',
  },
  json: { type: 'boolean', description: 'Print one JSON object instead of text.' },
  // Accepted only to be refused with the reason (never "unknown option"): a token in argv is
  // visible to other users and kept in shell history.
  'refresh-token': {
    type: 'optional-string',
    hidden: true,
    description: 'Refused: the token is read from stdin or GOOGLE_ADS_REFRESH_TOKEN.',
  },
} as const satisfies ArgsDef;

/** What the run of `config set` receives. */
export type ConfigSetArgs = ParsedArgs<typeof configSetArgs>;

const configSet = defineCommand({
  meta: {
    name: 'set',
    summary: 'Write a client ID, client secret and refresh token into a client-library config file',
    usage: '--config [PATH] [--format FORMAT] --client_secrets_path PATH',
    description: `Writes a client ID, client secret and refresh token into a Google Ads client library config file (google-ads.yaml, ads.properties, google_ads_php.ini, google_ads_config.rb, googleads.properties, .env, appsettings.json, App.config, or an ADC authorized_user JSON). Only those keys change; comments, order and everything else in the file are kept. The file is replaced atomically, with mode 0600.

The refresh token is read from the GOOGLE_ADS_REFRESH_TOKEN environment variable, else as one line on standard input (on a terminal, at a prompt that does not echo it). It is never accepted as a command-line argument, where other users and shell history could see it.`,
    sections: [
      {
        title: 'Examples',
        lines: [
          'ads-oauth config set --config --client_secrets_path client_secret.json < token.txt',
          'GOOGLE_ADS_REFRESH_TOKEN=… ads-oauth config set --config ~/ads.properties --client_secrets_path c.json',
        ],
      },
      exitCodesSection(),
    ],
  },
  args: configSetArgs,
  async run(args, ctx): Promise<number> {
    const { runConfigSet } = await import('../actions/config.js');
    return runConfigSet(args, ctx);
  },
});

const configShowArgs = {
  config: configSetArgs.config,
  format: configSetArgs.format,
  json: { type: 'boolean', description: 'Print one JSON object: path, format, library, fields[{field, key, status, value?}].' },
} as const satisfies ArgsDef;

/** What the run of `config show` receives. */
export type ConfigShowArgs = ParsedArgs<typeof configShowArgs>;

const configShow = defineCommand({
  meta: {
    name: 'show',
    summary: 'Show which credentials a config file holds (never a secret)',
    usage: '[--config [PATH]] [--format FORMAT] [--json]',
    description: `Shows which credentials a client-library config file holds, under the keys its format uses: each is set, missing, or still a placeholder (INSERT_…_HERE). The client ID and the login customer ID are shown; the client secret, refresh token and developer token never are. Without --config PATH: $GOOGLE_ADS_CONFIGURATION_FILE_PATH, else ~/google-ads.yaml.`,
    sections: [exitCodesSection()],
  },
  args: configShowArgs,
  async run(args, ctx): Promise<number> {
    const { runConfigShow } = await import('../actions/config.js');
    return runConfigShow(args, ctx);
  },
});

/** `ads-oauth config`: the group of `set` and `show`. */
export const config = defineCommand({
  meta: {
    name: 'config',
    description:
      'Writes credentials you already have (from another machine, a colleague, a secret store) into a client-library config file.',
    sections: [exitCodesSection()],
  },
  args: {},
  subCommands: { set: configSet, show: configShow },
});

/** Runs `ads-oauth config` with these arguments. */
export function configCommand(args: string[], ctx: CliContext): Promise<number> {
  return runCommand(config, args, ctx, { name: 'ads-oauth config' });
}
