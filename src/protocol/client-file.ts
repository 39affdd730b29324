import { AdsOAuthError } from '../errors.js';
import { isLoopbackUrl, parseEndpoint } from './urls.js';

/** The two OAuth client types of the Google Cloud console. */
export type ClientKind = 'installed' | 'web';

/**
 * An OAuth client, as read from the client secrets JSON the Google Cloud console downloads
 * (`{"installed": {...}}` for desktop apps, `{"web": {...}}` for web applications).
 */
export interface OAuthClientConfig {
  /** `installed` (Desktop app) or `web` (Web application): decides the redirect URI a flow may use. */
  kind: ClientKind;
  /** The OAuth client ID (`….apps.googleusercontent.com` at Google). */
  clientId: string;
  /** The client secret (sent with client_secret_post). A secret: never log it. */
  clientSecret: string;
  /** Authorization endpoint (`auth_uri`), e.g. `https://accounts.google.com/o/oauth2/auth`. */
  authUri: URL;
  /** Token endpoint (`token_uri`), e.g. `https://oauth2.googleapis.com/token`. */
  tokenUri: URL;
  /** Registered redirect URIs, exactly as registered (strings, never normalised). */
  redirectUris: string[];
  /** The Cloud project (`project_id`), when the file names it. */
  projectId?: string;
  /** Where the client came from, for messages (a file path or "client secrets"). */
  source: string;
}

const CONSOLE_HINT =
  'Download it again from the Google Cloud console: APIs & Services > Credentials > OAuth 2.0 Client IDs > (your client) > Download JSON.';

function fail(source: string, problem: string, extra = CONSOLE_HINT): never {
  throw new AdsOAuthError('CLIENT_FILE', `${source}: ${problem} ${extra}`.trim(), { details: { path: source } });
}

/**
 * Parses the text of a Google client secrets file (the JSON the Cloud console downloads under
 * APIs & Services > Credentials), for a program that reads the file itself; see
 * {@link readClientSecretsFile} to read it from disk. Endpoints are taken from the file
 * (`auth_uri`, `token_uri`), as Google's own libraries do, so any OAuth 2.0 provider works; they
 * must be https unless the host is loopback. A service-account key or an `authorized_user` file
 * is refused with a message saying what it is. The result is frozen, and only results of this
 * function, {@link readClientSecretsFile} and {@link defineClient} are accepted as clients.
 *
 * @param text the file's text (a UTF-8 byte order mark is ignored).
 * @param source names the file in messages (a path); default "client secrets".
 * @returns the client, frozen.
 * @throws AdsOAuthError `CLIENT_FILE` (empty, not JSON, not an OAuth client, a field missing; the
 *   message names `source` and says how to fix it), `INSECURE_ENDPOINT` (an http endpoint off
 *   loopback)
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { discoverConfiguration, parseClientSecrets } from 'ads-oauth';
 *
 * const path = 'client_secret.json';
 * const client = parseClientSecrets(await readFile(path, 'utf8'), path);
 * const config = await discoverConfiguration(client);
 * ```
 * @see https://developers.google.com/identity/protocols/oauth2/native-app
 */
export function parseClientSecrets(text: string, source = 'client secrets'): OAuthClientConfig {
  if (text.trim() === '') fail(source, 'the file is empty.');
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    // V8's message quotes source text around the error, which may be a secret: keep only where.
    const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    const where = position === undefined ? '' : ` (${lineColumn(text, Number(position))})`;
    fail(source, `the file is not valid JSON${where}.`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    fail(source, 'the file does not hold a JSON object.');
  }
  const root = json as Record<string, unknown>;
  if (root['type'] === 'service_account' || 'private_key' in root) {
    fail(
      source,
      'this is a service-account key, not an OAuth client. Refresh tokens come from an OAuth client ID: in the Google Cloud console create one under APIs & Services > Credentials > Create credentials > OAuth client ID (type "Desktop app", or "Web application"), then download its JSON.',
      '',
    );
  }
  if (root['type'] === 'authorized_user') {
    fail(source, 'this is an authorized_user credentials file (it already holds a refresh token), not an OAuth client secrets file.');
  }
  const kind: ClientKind | undefined = root['installed'] !== undefined ? 'installed' : root['web'] !== undefined ? 'web' : undefined;
  if (kind === undefined) {
    const keys = Object.keys(root).slice(0, 5).join(', ') || 'none';
    fail(
      source,
      `expected an OAuth client secrets file with a top-level "installed" (Desktop app) or "web" (Web application) object, but found keys: ${keys}.`,
    );
  }
  const body = root[kind];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    fail(source, `"${kind}" must be a JSON object.`);
  }
  const client = body as Record<string, unknown>;
  const need = (field: string): string => {
    const value = client[field];
    if (typeof value !== 'string' || value.trim() === '') {
      fail(source, `"${kind}.${field}" is missing or empty.`);
    }
    return value.trim();
  };
  const clientId = need('client_id');
  const clientSecret = need('client_secret');
  need('auth_uri');
  need('token_uri');
  const authUri = parseEndpoint(client['auth_uri'], `${kind}.auth_uri`, source);
  const tokenUri = parseEndpoint(client['token_uri'], `${kind}.token_uri`, source);

  const rawRedirects = client['redirect_uris'];
  if (rawRedirects !== undefined && !Array.isArray(rawRedirects)) {
    fail(source, `"${kind}.redirect_uris" must be an array of strings.`);
  }
  const redirectUris = (rawRedirects ?? []).filter((v): v is string => typeof v === 'string' && v !== '');
  const projectId = typeof client['project_id'] === 'string' ? client['project_id'] : undefined;
  return brand({
    kind,
    clientId,
    clientSecret,
    authUri,
    tokenUri,
    redirectUris,
    ...(projectId === undefined ? {} : { projectId }),
    source,
  });
}

/** Google's authorization endpoint, the default of {@link defineClient}. */
export const GOOGLE_AUTH_URI = 'https://accounts.google.com/o/oauth2/auth';
/** Google's token endpoint, the default of {@link defineClient}. */
export const GOOGLE_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token';

/** Client configs made by {@link parseClientSecrets} or {@link defineClient}; nothing else is one. */
const clients = new WeakSet<OAuthClientConfig>();

function brand(client: OAuthClientConfig): OAuthClientConfig {
  Object.freeze(client.redirectUris);
  Object.freeze(client);
  clients.add(client);
  return client;
}

/** True for a client config made by {@link parseClientSecrets} or {@link defineClient}. */
export function isClientConfig(value: unknown): value is OAuthClientConfig {
  return typeof value === 'object' && value !== null && clients.has(value as OAuthClientConfig);
}

/** What {@link defineClient} takes: the fields of a client secrets file, URLs as strings or URL objects. */
export interface ClientDefinition {
  /** Default `installed`. */
  kind?: ClientKind;
  /** The OAuth client ID; non-empty. */
  clientId: string;
  /** The client secret; non-empty. */
  clientSecret: string;
  /** Default Google's (`https://accounts.google.com/o/oauth2/auth`). */
  authUri?: string | URL;
  /** Default Google's (`https://oauth2.googleapis.com/token`). */
  tokenUri?: string | URL;
  /** Registered redirect URIs, exactly as registered (a web client's flow picks its loopback one). */
  redirectUris?: readonly string[];
  /** The Cloud project ID, informational. */
  projectId?: string;
  /** Named in messages; default "client definition". */
  source?: string;
}

function usage(message: string): never {
  throw new AdsOAuthError('USAGE', message);
}

function endpointOf(value: unknown, field: string, fallback: string, source: string): URL {
  if (value === undefined) return new URL(fallback);
  if (!(value instanceof URL) && typeof value !== 'string') {
    usage(`defineClient: "${field}" must be a URL or a string holding one (got ${value === null ? 'null' : typeof value}).`);
  }
  try {
    return parseEndpoint(value instanceof URL ? value.href : value, field, source);
  } catch (error) {
    if (error instanceof AdsOAuthError && error.code === 'CLIENT_FILE') usage(error.message);
    throw error;
  }
}

/**
 * A client config from code rather than a file, checked as {@link parseClientSecrets} checks a
 * file (non-empty ID and secret, https endpoints except on loopback). The lifecycle operations
 * need only `clientId` and `clientSecret`; the endpoints default to Google's.
 *
 * @param definition the client's fields: `clientId` and `clientSecret` required, the endpoints
 *   as URL objects or strings (default Google's), `kind` default `installed`.
 * @returns the client, frozen, as {@link parseClientSecrets} returns it.
 * @throws AdsOAuthError `USAGE` (a missing or mistyped field, a malformed URL),
 *   `INSECURE_ENDPOINT` (an http endpoint off loopback)
 * @example
 * ```ts
 * import { createConfiguration, defineClient } from 'ads-oauth';
 *
 * const client = defineClient({ clientId: process.env.CLIENT_ID!, clientSecret: process.env.CLIENT_SECRET! });
 * const config = createConfiguration(client);
 * ```
 */
export function defineClient(definition: ClientDefinition): OAuthClientConfig {
  if (definition === null || typeof definition !== 'object') usage('defineClient takes an object: { clientId, clientSecret, … }.');
  const source = typeof definition.source === 'string' && definition.source !== '' ? definition.source : 'client definition';
  const kind = definition.kind ?? 'installed';
  if (kind !== 'installed' && kind !== 'web') usage(`defineClient: "kind" must be "installed" or "web" (got ${JSON.stringify(kind)}).`);
  for (const field of ['clientId', 'clientSecret'] as const) {
    const value: unknown = definition[field];
    if (typeof value !== 'string' || value.trim() === '') usage(`defineClient: "${field}" must be a non-empty string.`);
  }
  const redirects: unknown = definition.redirectUris ?? [];
  if (!Array.isArray(redirects) || redirects.some((r) => typeof r !== 'string'))
    usage('defineClient: "redirectUris" must be an array of strings.');
  return brand({
    kind,
    clientId: definition.clientId.trim(),
    clientSecret: definition.clientSecret.trim(),
    authUri: endpointOf(definition.authUri, 'authUri', GOOGLE_AUTH_URI, source),
    tokenUri: endpointOf(definition.tokenUri, 'tokenUri', GOOGLE_TOKEN_ENDPOINT, source),
    redirectUris: [...(redirects as string[])],
    ...(typeof definition.projectId === 'string' ? { projectId: definition.projectId } : {}),
    source,
  });
}

/** Throws USAGE unless `value` is a client config from {@link parseClientSecrets} or {@link defineClient}. */
export function assertClientConfig(value: unknown, where: string): asserts value is OAuthClientConfig {
  if (isClientConfig(value)) return;
  usage(
    `${where}: the client must come from parseClientSecrets, readClientSecretsFile or defineClient (got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'a plain object' : typeof value}).`,
  );
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/**
 * The first registered redirect URI whose host is loopback, exactly as registered (Google
 * compares redirect URIs byte for byte), or undefined.
 */
export function firstLoopbackRedirect(client: OAuthClientConfig): string | undefined {
  return client.redirectUris.find((uri) => {
    try {
      const url = new URL(uri);
      return url.protocol === 'http:' && isLoopbackUrl(url);
    } catch {
      return false;
    }
  });
}
