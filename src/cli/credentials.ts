/**
 * Credential loading shared by `verify`, `revoke` and `customers`.
 *
 * Sources, in order:
 * - the OAuth client: `--client_secrets_path` (its `token_uri` too), else the config file;
 * - the refresh token: the config file, else `GOOGLE_ADS_REFRESH_TOKEN`, else the first line of
 *   stdin (a pipe; never a terminal, where it would echo);
 * - the developer token: the config file, else `GOOGLE_ADS_DEVELOPER_TOKEN`;
 * - the login customer ID: the config file, else `GOOGLE_ADS_LOGIN_CUSTOMER_ID`.
 *
 * Endpoints: Google's, the client file's `token_uri`, then the environment overrides
 * `ADS_OAUTH_TOKEN_URI`, `ADS_OAUTH_REVOKE_URI`, `ADS_OAUTH_TOKENINFO_URI`, `GOOGLE_ADS_API_ENDPOINT`;
 * `--api-version` picks the Ads API version. Secrets are never read from argv.
 */
import { resolve } from 'node:path';
import { AdsOAuthError } from '../errors.js';
import type { AdsCredentials } from '../lifecycle/types.js';
import { normalizeApiVersion } from '../protocol/ads-api.js';
import { defineClient, type OAuthClientConfig } from '../protocol/client-file.js';
import { createConfiguration, type Configuration, type EndpointOverrides } from '../protocol/config.js';
import { parseEndpoint } from '../protocol/urls.js';
import { expandHome, readClientSecretsFileSync } from '../stores/client-secrets.js';
import { createNodeFetch } from '../transport/node-fetch.js';
import { proxySettingsFromEnv } from '../transport/proxy.js';
import { readConfig } from '../stores/config-file.js';
import { defaultConfigPath, getFormat, isPlaceholder } from '../writers/index.js';
import type { CredentialField, FormatId } from '../writers/types.js';
import { integerArg } from './command.js';
import type { CliContext } from './context.js';
import { lineReader } from './terminal.js';

/** The arguments credential loading reads (as the commands declare them in common-args.ts). */
export interface CredentialArgs {
  config: string | true | undefined;
  clientSecretsPath: string | undefined;
  format: string | undefined;
  apiVersion?: string | undefined;
  timeout: string | undefined;
}

/** Where each value came from (never the values). */
export interface CredentialSources {
  client: string;
  refreshToken: 'config' | 'GOOGLE_ADS_REFRESH_TOKEN' | 'stdin';
  developerToken?: 'config' | 'GOOGLE_ADS_DEVELOPER_TOKEN';
  loginCustomerId?: 'config' | 'GOOGLE_ADS_LOGIN_CUSTOMER_ID';
}

export interface LoadedCredentials {
  credentials: AdsCredentials;
  /** The client (or none: only `revoke` allows that), the endpoints, the CLI's light fetch, the timeout, Ctrl-C. */
  config: Configuration;
  /** The config file, when `--config` was given. */
  configFile?: { path: string; format: FormatId };
  sources: CredentialSources;
  timeoutMs: number;
}

function envValue(env: CliContext['env'], name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function envEndpoint(env: CliContext['env'], name: string): URL | undefined {
  const value = envValue(env, name);
  if (value === undefined) return undefined;
  try {
    return parseEndpoint(value, name, 'The environment');
  } catch (error) {
    if (error instanceof AdsOAuthError && error.code === 'CLIENT_FILE') {
      throw new AdsOAuthError('CONFIG', error.message, { cause: error, details: { variable: name } });
    }
    throw error;
  }
}

/** Endpoint overrides from the environment and flags (the client file's token_uri is the client's own). */
export function resolveCliEndpoints(env: CliContext['env'], args: { apiVersion?: string | undefined }): EndpointOverrides {
  const { apiVersion } = args;
  const ads = envEndpoint(env, 'GOOGLE_ADS_API_ENDPOINT');
  const tokenUri = envEndpoint(env, 'ADS_OAUTH_TOKEN_URI');
  const revocationUri = envEndpoint(env, 'ADS_OAUTH_REVOKE_URI');
  const tokeninfoUri = envEndpoint(env, 'ADS_OAUTH_TOKENINFO_URI');
  return {
    ...(tokenUri ? { tokenUri } : {}),
    ...(revocationUri ? { revocationUri } : {}),
    ...(tokeninfoUri ? { tokeninfoUri } : {}),
    ...(ads ? { adsApiBase: new URL(ads.href.replace(/\/+$/, '')) } : {}),
    ...(apiVersion !== undefined ? { apiVersion: normalizeApiVersion(apiVersion) } : {}),
  };
}

/** A config value that is still a template placeholder (`INSERT_REFRESH_TOKEN_HERE`) counts as absent. */
function real(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && !isPlaceholder(v) ? v : undefined;
}

function keyName(format: FormatId, field: CredentialField): string {
  try {
    return getFormat(format).keyFor(field);
  } catch {
    return field;
  }
}

function checkToken(value: string, source: string): string {
  const token = value.trim();
  if (token === '') throw new AdsOAuthError('USAGE', `${source} is empty.`);
  if (/\s/.test(token)) {
    throw new AdsOAuthError('USAGE', `${source} contains whitespace; a refresh token is one word. Check what was pasted.`);
  }
  return token;
}

async function readTokenFromStdin(ctx: CliContext): Promise<string> {
  if (ctx.stdin.isTTY) {
    throw new AdsOAuthError(
      'USAGE',
      'No refresh token: give it in GOOGLE_ADS_REFRESH_TOKEN, or on stdin through a pipe (it is not read from a terminal, where it would echo), e.g.\n  printf %s "$REFRESH_TOKEN" | ads-oauth verify --client_secrets_path=PATH\nor use --config with a config file that holds refresh_token.',
    );
  }
  const reader = lineReader(ctx, '');
  try {
    for (;;) {
      const line = await reader.readLine();
      if (line === null) {
        throw new AdsOAuthError('USAGE', 'No refresh token on stdin (it was empty). Pipe the token in, or set GOOGLE_ADS_REFRESH_TOKEN.');
      }
      if (line.trim() !== '') return checkToken(line, 'The refresh token on stdin');
    }
  } finally {
    reader.close();
  }
}

/**
 * Loads credentials and endpoints for a lifecycle command from its flags, the environment and
 * stdin. `requireClient: false` lets the client be unknown (revoke with Google needs none).
 *
 * @throws AdsOAuthError `USAGE`, `CONFIG`, `CLIENT_FILE`, `INSECURE_ENDPOINT`
 */
export async function loadCredentials(
  args: CredentialArgs,
  ctx: CliContext,
  options: { requireClient?: boolean } = {},
): Promise<LoadedCredentials> {
  const requireClient = options.requireClient ?? true;
  const configFlag = args.config;
  const secretsPath = args.clientSecretsPath;
  if (args.format !== undefined && configFlag === undefined) {
    throw new AdsOAuthError('USAGE', '--format describes the --config file; give --config too.');
  }
  if (configFlag === undefined && secretsPath === undefined) {
    throw new AdsOAuthError(
      'USAGE',
      'Where are the credentials? Give --config [PATH] (a google-ads.yaml or other client-library config; no PATH = the default location), or --client_secrets_path=PATH with the refresh token in GOOGLE_ADS_REFRESH_TOKEN or on stdin.',
    );
  }
  const timeoutSeconds = integerArg(args.timeout, 'timeout', 1, 600) ?? 15;

  let config: LoadedCredentials['configFile'];
  let values: Partial<Record<CredentialField, string>> = {};
  if (configFlag !== undefined) {
    const path =
      typeof configFlag === 'string' ? resolve(ctx.cwd, expandHome(configFlag, ctx.homedir)) : defaultConfigPath(ctx.env, ctx.homedir);
    const read = await readConfig(path, args.format);
    config = { path: read.path, format: read.format.id };
    values = Object.fromEntries(Object.entries(read.values).flatMap(([k, v]) => (real(v) !== undefined ? [[k, real(v)]] : []))) as Partial<
      Record<CredentialField, string>
    >;
  }

  let client: OAuthClientConfig | null = null;
  let clientSource = 'none';
  if (secretsPath !== undefined) {
    client = readClientSecretsFileSync(resolve(ctx.cwd, expandHome(secretsPath, ctx.homedir)));
    clientSource = client.source;
  } else if (config) {
    const clientId = values.clientId ?? '';
    const clientSecret = values.clientSecret ?? '';
    clientSource = config.path;
    if (clientId && clientSecret) client = defineClient({ clientId, clientSecret, source: config.path });
    if (requireClient && (!clientId || !clientSecret)) {
      const missing = [
        !clientId ? keyName(config.format, 'clientId') : undefined,
        !clientSecret ? keyName(config.format, 'clientSecret') : undefined,
      ].filter(Boolean);
      throw new AdsOAuthError(
        'CONFIG',
        `${config.path} has no ${missing.join(' and ')}. Add the OAuth client there, or pass --client_secrets_path=PATH to take it from the client secrets JSON.`,
        { details: { path: config.path, missing } },
      );
    }
  }

  let refreshToken: string;
  let tokenSource: CredentialSources['refreshToken'];
  const envToken = envValue(ctx.env, 'GOOGLE_ADS_REFRESH_TOKEN');
  if (values.refreshToken) {
    refreshToken = checkToken(values.refreshToken, `The ${keyName(config!.format, 'refreshToken')} in ${config!.path}`);
    tokenSource = 'config';
  } else if (envToken !== undefined) {
    refreshToken = checkToken(envToken, 'GOOGLE_ADS_REFRESH_TOKEN');
    tokenSource = 'GOOGLE_ADS_REFRESH_TOKEN';
  } else if (config && secretsPath === undefined) {
    throw new AdsOAuthError(
      'CONFIG',
      `${config.path} has no ${keyName(config.format, 'refreshToken')}. Run generate-user-credentials to get one, or set GOOGLE_ADS_REFRESH_TOKEN.`,
      { details: { path: config.path } },
    );
  } else {
    refreshToken = await readTokenFromStdin(ctx);
    tokenSource = 'stdin';
  }

  const credentials: AdsCredentials = { refreshToken };
  const sources: CredentialSources = { client: clientSource, refreshToken: tokenSource };
  const envDeveloperToken = envValue(ctx.env, 'GOOGLE_ADS_DEVELOPER_TOKEN');
  if (values.developerToken) {
    credentials.developerToken = values.developerToken;
    sources.developerToken = 'config';
  } else if (envDeveloperToken !== undefined) {
    credentials.developerToken = envDeveloperToken;
    sources.developerToken = 'GOOGLE_ADS_DEVELOPER_TOKEN';
  }
  const envLogin = envValue(ctx.env, 'GOOGLE_ADS_LOGIN_CUSTOMER_ID');
  if (values.loginCustomerId) {
    credentials.loginCustomerId = values.loginCustomerId;
    sources.loginCustomerId = 'config';
  } else if (envLogin !== undefined) {
    credentials.loginCustomerId = envLogin;
    sources.loginCustomerId = 'GOOGLE_ADS_LOGIN_CUSTOMER_ID';
  }

  const endpoints = resolveCliEndpoints(ctx.env, args);
  const timeoutMs = timeoutSeconds * 1000;
  return {
    credentials,
    config: createConfiguration(client, undefined, {
      fetch: createNodeFetch({ timeoutMs, proxy: proxySettingsFromEnv(ctx.env) }),
      endpoints,
      timeoutMs,
      signal: ctx.signal,
    }),
    ...(config ? { configFile: config } : {}),
    sources,
    timeoutMs,
  };
}
