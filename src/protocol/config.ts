/**
 * The configuration every operation takes first, as openid-client v6 does: made once from the
 * client (a parsed client file or {@link defineClient}) and the authorization server (as the
 * client file describes it, or discovered), with the transport settings (`fetch`, timeout,
 * signal) and the endpoints beside the OAuth ones (revocation, tokeninfo, Google Ads API).
 *
 * See {@link createConfiguration} and {@link discoverConfiguration}.
 */
import { AdsOAuthError } from '../errors.js';
import { GOOGLE_ADS_API_ENDPOINT, GOOGLE_ADS_API_VERSION, normalizeApiVersion } from './ads-api.js';
import { discoverServer, serverFromClient, type ServerInfo } from './authorization-server.js';
import { assertClientConfig, type OAuthClientConfig } from './client-file.js';
import type { RequestOptions } from './http.js';
import { GOOGLE_TOKENINFO_URI } from './tokeninfo.js';

/** Google's token endpoint. */
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** Google's RFC 7009 revocation endpoint. */
export const GOOGLE_REVOKE_URI = 'https://oauth2.googleapis.com/revoke';

/** Endpoints to use instead of the client file's, the discovered ones or Google's. Every URL must be https, or http on loopback. */
export interface EndpointOverrides {
  /** The token endpoint (default: the server's, i.e. the client file's `token_uri`). */
  tokenUri?: URL;
  /** The RFC 7009 revocation endpoint (default: the discovered one, else Google's). */
  revocationUri?: URL;
  /** Google's tokeninfo endpoint. */
  tokeninfoUri?: URL;
  /** The Google Ads API base URL, without the version. */
  adsApiBase?: URL;
  /** The Google Ads API version, e.g. `v26` (or `26`). */
  apiVersion?: string;
}

/** The endpoints of a {@link Configuration}, resolved. */
export interface ResolvedEndpoints {
  /** The token endpoint (RFC 6749 §3.2): code exchange and refresh. */
  token: URL;
  /** The RFC 7009 revocation endpoint. */
  revocation: URL;
  /** Google's tokeninfo endpoint. */
  tokeninfo: URL;
  /** The Google Ads API base URL, without the version. */
  adsApiBase: URL;
  /** The Google Ads API version, `v` and digits. */
  apiVersion: string;
}

/**
 * The settings of a {@link Configuration} beside the client and the server: the transport
 * (`fetch`, default the global one; `timeoutMs` per request, default 30 000; a `signal` that
 * cancels every request of the configuration) and the endpoint overrides.
 */
export interface ConfigurationOptions extends RequestOptions {
  /** Endpoints to use instead of the server's or Google's (https, or http on loopback). */
  endpoints?: EndpointOverrides;
}

/**
 * What every operation takes first. Made only by {@link createConfiguration} or
 * {@link discoverConfiguration}; read-only.
 */
export interface Configuration {
  /** The OAuth client, or null when none is known (then only revocation works, unauthenticated). */
  readonly client: OAuthClientConfig | null;
  /** The authorization server (discovered or as the client file describes it). */
  readonly server: ServerInfo;
  /** Every endpoint an operation may call, resolved once. */
  readonly endpoints: Readonly<ResolvedEndpoints>;
  /** The transport settings every request of this configuration uses. */
  readonly request: Readonly<RequestOptions>;
}

/** Per-call settings: a signal for this call (combined with the configuration's), a timeout. */
export interface CallOptions {
  /** Cancels this call (`INTERRUPTED`); the configuration's own signal cancels it too. */
  signal?: AbortSignal;
  /** This call's request timeout in milliseconds, instead of the configuration's. */
  timeoutMs?: number;
}

const configurations = new WeakSet<Configuration>();
/** The endpoint overrides each configuration was made with, for {@link withServer}. */
const overridesOf = new WeakMap<Configuration, EndpointOverrides>();

function usage(message: string): never {
  throw new AdsOAuthError('USAGE', message);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'a string';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'a plain object' : typeof value;
}

function urlOption(value: unknown, name: string): URL | undefined {
  if (value === undefined) return undefined;
  if (value instanceof URL) return value;
  usage(`createConfiguration: "endpoints.${name}" must be a URL object (new URL(…)), not ${describe(value)}.`);
}

function checkServer(server: unknown): asserts server is ServerInfo {
  const s = server as { as?: { issuer?: unknown }; discovered?: unknown } | null;
  if (s === null || typeof s !== 'object' || s.as === null || typeof s.as !== 'object' || typeof s.discovered !== 'boolean') {
    usage(`createConfiguration: the server must be a ServerInfo from discoverServer or serverFromClient (got ${describe(server)}).`);
  }
  if (typeof s.as.issuer !== 'string') {
    usage(`createConfiguration: the server's "as.issuer" must be the issuer identifier, a string (got ${describe(s.as.issuer)}).`);
  }
}

/**
 * Makes the {@link Configuration} of a client without any network call: the server is the one
 * the client file describes (issuer = the authorization endpoint's origin, `discovered: false`),
 * unless `server` is given. Prefer {@link discoverConfiguration} for the authorization flows:
 * only a discovered server tells whether it sends RFC 9207 `iss`, and ID tokens are validated
 * only against discovered metadata. The lifecycle operations (refresh, verify, revoke, customers)
 * need no discovery.
 *
 * Endpoints: the token endpoint is the override, else the server's (the client file's
 * `token_uri`); revocation the override, else the advertised one, else Google's; tokeninfo and the
 * Google Ads API Google's unless overridden. Their https rule is enforced on every request.
 *
 * @param client a client from {@link parseClientSecrets}, {@link readClientSecretsFile} or
 *   {@link defineClient}; `null` only to revoke a token without client authentication (Google's
 *   revocation endpoint takes the token alone).
 * @param server the authorization server, a {@link ServerInfo} (e.g. of an earlier
 *   `discoverConfiguration`); default: as the client file describes it.
 * @param options transport settings and endpoint overrides ({@link ConfigurationOptions}).
 * @returns a frozen configuration, to pass first to every operation.
 * @throws AdsOAuthError `USAGE` for anything else (a plain object as client, strings where URLs
 *   belong, a non-positive timeout, a malformed `apiVersion`)
 * @example
 * ```ts
 * import { createConfiguration, defineClient, refreshAccessToken } from 'ads-oauth';
 *
 * const config = createConfiguration(
 *   defineClient({ clientId: process.env.CLIENT_ID!, clientSecret: process.env.CLIENT_SECRET! }),
 *   undefined,
 *   { timeoutMs: 10_000 },
 * );
 * const { accessToken } = await refreshAccessToken(config, process.env.REFRESH_TOKEN!);
 * ```
 */
export function createConfiguration(
  client: OAuthClientConfig | null,
  server?: ServerInfo,
  options: ConfigurationOptions = {},
): Configuration {
  if (client !== null) assertClientConfig(client, 'createConfiguration');
  if (options === null || typeof options !== 'object') usage('createConfiguration: the options must be an object.');
  if (options.fetch !== undefined && typeof options.fetch !== 'function')
    usage(`createConfiguration: "fetch" must be a function (got ${describe(options.fetch)}).`);
  if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === 'number' && options.timeoutMs > 0)) {
    usage('createConfiguration: "timeoutMs" must be a positive number of milliseconds.');
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
    usage('createConfiguration: "signal" must be an AbortSignal.');
  const overrides = options.endpoints ?? {};
  const resolvedServer: ServerInfo =
    server ??
    (client
      ? serverFromClient(client)
      : { discovered: false, as: { issuer: new URL(GOOGLE_TOKEN_URI).origin, token_endpoint: GOOGLE_TOKEN_URI } });
  checkServer(resolvedServer);
  const tokenUri = urlOption(overrides.tokenUri, 'tokenUri');
  const revocationUri = urlOption(overrides.revocationUri, 'revocationUri');
  const tokeninfoUri = urlOption(overrides.tokeninfoUri, 'tokeninfoUri');
  const adsApiBase = urlOption(overrides.adsApiBase, 'adsApiBase');
  const asToken = resolvedServer.as.token_endpoint;
  const asRevocation = resolvedServer.as.revocation_endpoint;
  const endpoints: ResolvedEndpoints = {
    token: tokenUri ?? (asToken ? new URL(asToken) : client ? client.tokenUri : new URL(GOOGLE_TOKEN_URI)),
    revocation: revocationUri ?? (asRevocation ? new URL(asRevocation) : new URL(GOOGLE_REVOKE_URI)),
    tokeninfo: tokeninfoUri ?? new URL(GOOGLE_TOKENINFO_URI),
    adsApiBase: adsApiBase ?? new URL(GOOGLE_ADS_API_ENDPOINT),
    apiVersion: overrides.apiVersion !== undefined ? normalizeApiVersion(String(overrides.apiVersion)) : GOOGLE_ADS_API_VERSION,
  };
  // The token endpoint used is the one the server description carries too (oauth4webapi reads it there).
  const as = {
    ...resolvedServer.as,
    token_endpoint: endpoints.token.href,
    // Known only when advertised or given: then `as.revocation_endpoint` is set.
    ...(revocationUri ? { revocation_endpoint: revocationUri.href } : {}),
  };
  const request: RequestOptions = {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const config: Configuration = Object.freeze({
    client,
    server: Object.freeze({ discovered: resolvedServer.discovered, as: Object.freeze(as) }),
    endpoints: Object.freeze(endpoints),
    request: Object.freeze(request),
  });
  configurations.add(config);
  overridesOf.set(config, { ...overrides });
  return config;
}

/**
 * Makes the {@link Configuration} of a client after best-effort discovery (OpenID Connect
 * Discovery, then RFC 8414) at `issuer`, default the authorization endpoint's origin
 * (`https://accounts.google.com`). A document is used only when its `issuer` is the one asked
 * for; any failure (unreachable within 5 s, or `timeoutMs` when given; no document, another issuer) gives the undiscovered
 * view of {@link createConfiguration}, never an error: `config.server.discovered` says which.
 * The client file's authorization and token endpoints always win over the document's.
 *
 * Discovery is what lets {@link validateCallback} insist on RFC 9207 `iss` when the server
 * promises it, and what ID-token validation (`expectedNonce`, {@link createWebFlow}) needs.
 *
 * @param client a client from {@link readClientSecretsFile}, {@link parseClientSecrets} or
 *   {@link defineClient}.
 * @param options as {@link createConfiguration}'s, plus `issuer` (a URL) to discover elsewhere.
 * @returns a frozen configuration.
 * @throws AdsOAuthError `USAGE` (not a client, `issuer` not a URL object, bad options)
 * @example
 * ```ts
 * import { discoverConfiguration, readClientSecretsFile } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * console.log(config.server.discovered, config.server.as.issuer);
 * ```
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export async function discoverConfiguration(
  client: OAuthClientConfig,
  options: ConfigurationOptions & { issuer?: URL } = {},
): Promise<Configuration> {
  assertClientConfig(client, 'discoverConfiguration');
  if (options.issuer !== undefined && !(options.issuer instanceof URL)) {
    usage(`discoverConfiguration: "issuer" must be a URL object (new URL(…)), not ${describe(options.issuer)}.`);
  }
  const { issuer, endpoints: _endpoints, ...request } = options;
  const server = await discoverServer(client, { ...request, ...(issuer ? { issuer } : {}) });
  return createConfiguration(client, server, options);
}

/** The same configuration with another server description (e.g. once discovery finished). */
export function withServer(config: Configuration, server: ServerInfo): Configuration {
  assertConfiguration(config, 'withServer');
  // The overrides carry over; otherwise the new server's own endpoints apply (the token
  // endpoint stays the one in use: the client file's always wins).
  const overrides = overridesOf.get(config) ?? {};
  return createConfiguration(config.client, server, {
    ...config.request,
    endpoints: { ...overrides, tokenUri: overrides.tokenUri ?? config.endpoints.token },
  });
}

/** Throws USAGE unless `value` was made by {@link createConfiguration} or {@link discoverConfiguration}. */
export function assertConfiguration(value: unknown, where: string): asserts value is Configuration {
  if (typeof value === 'object' && value !== null && configurations.has(value as Configuration)) return;
  usage(`${where}: the first argument must be a Configuration from createConfiguration or discoverConfiguration (got ${describe(value)}).`);
}

/** The client of a configuration, or USAGE when it has none. */
export function requireClient(config: Configuration, where: string): OAuthClientConfig {
  if (config.client === null) usage(`${where} needs a client: this configuration was made without one.`);
  return config.client;
}

/** The request options of one call: the configuration's, with this call's signal and timeout. */
export function callRequest(config: Configuration, call: CallOptions = {}): RequestOptions {
  const signals = [config.request.signal, call.signal].filter((s): s is AbortSignal => s !== undefined);
  const timeoutMs = call.timeoutMs ?? config.request.timeoutMs;
  return {
    ...(config.request.fetch ? { fetch: config.request.fetch } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(signals.length === 1 ? { signal: signals[0]! } : signals.length > 1 ? { signal: AbortSignal.any(signals) } : {}),
  };
}
