/**
 * Arguments and help sections several commands share. Light on purpose (no writers, protocol or
 * YAML): `--help` of every command loads this module.
 */
import type { HelpSection } from './command.js';
import { EXIT_CODE_ROWS } from './exit-codes.js';

/**
 * The config formats, for help texts. A copy of writers/catalog.ts's FORMAT_IDS (a unit test
 * keeps them equal), so help loads nothing of src/writers.
 */
export const FORMAT_IDS_TEXT = 'yaml, java, php, ruby, perl, dotenv, appsettings, appconfig, adc';

export const JSON_ARG = { type: 'boolean', description: 'Print exactly one JSON object on stdout; messages go to stderr.' } as const;

/** Where verify, revoke and customers take the credentials from. */
export const SOURCE_ARGS = {
  config: {
    type: 'optional-string',
    value: 'PATH',
    description:
      'Read the credentials from a client-library config file (google-ads.yaml, ads.properties, google_ads_php.ini, .env…); without PATH, the default location.',
  },
  'client-secrets-path': {
    type: 'string',
    value: 'PATH',
    description:
      'Take the OAuth client from this client secrets JSON; the refresh token then comes from GOOGLE_ADS_REFRESH_TOKEN or stdin.',
  },
  format: { type: 'string', value: 'ID', description: `Format of the --config file when its name does not tell (${FORMAT_IDS_TEXT}).` },
} as const;

export const API_VERSION_ARG = {
  type: 'string',
  value: 'N',
  description: 'Google Ads API version, e.g. 26 or v26. Default: the version this release was built for.',
} as const;

export const REQUEST_TIMEOUT_ARG = {
  type: 'string',
  value: 'SECONDS',
  description: 'Give up on a request after this long. Default 15.',
} as const;

/** The proxy variables every command that calls Google reads (src/transport/proxy.ts). */
export const PROXY_ROWS: ReadonlyArray<readonly [string, string]> = [
  ['HTTPS_PROXY', 'http://[user:password@]host:port to reach Google through (HTTP_PROXY for http: URLs)'],
  ['NO_PROXY', 'hosts reached directly, comma-separated (loopback hosts always are)'],
];

/** The environment variables verify, revoke and customers read. */
export const ENVIRONMENT_SECTION: HelpSection = {
  title: 'Environment',
  rows: [
    ['GOOGLE_ADS_REFRESH_TOKEN', 'the refresh token, when not in the config file (else: stdin)'],
    ['GOOGLE_ADS_DEVELOPER_TOKEN', 'developer token, when not in the config file (optional)'],
    ['GOOGLE_ADS_LOGIN_CUSTOMER_ID', 'manager account to act through, when not in the config file'],
    ['GOOGLE_ADS_CONFIGURATION_FILE_PATH', 'default for --config without PATH (like the client libraries)'],
    ['ADS_OAUTH_TOKEN_URI', "token endpoint (default: token_uri of the client file, else Google's)"],
    ['ADS_OAUTH_REVOKE_URI', 'revocation endpoint (default https://oauth2.googleapis.com/revoke)'],
    ['ADS_OAUTH_TOKENINFO_URI', 'tokeninfo endpoint (default https://oauth2.googleapis.com/tokeninfo)'],
    ['GOOGLE_ADS_API_ENDPOINT', 'Google Ads API base URL, no version (default https://googleads.googleapis.com)'],
    ...PROXY_ROWS,
  ],
  after: 'Plain http is accepted only for loopback hosts.',
};

/** The exit-code table every command's help ends with. */
export function exitCodesSection(after?: string): HelpSection {
  return { title: 'Exit codes', rows: EXIT_CODE_ROWS, ...(after ? { after } : {}) };
}
