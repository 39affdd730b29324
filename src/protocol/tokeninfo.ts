/**
 * Google's tokeninfo endpoint: what an access token is for (scopes), until when, and for which
 * OAuth client. Not an RFC 7662 endpoint, so oauth4webapi has no processor for it; the response
 * is plain JSON, read field by field here.
 *
 * The access token travels in a form-encoded POST body, never in the URL, so it cannot end up in
 * proxy or server access logs.
 *
 * @see https://developers.google.com/identity/protocols/oauth2/native-app (tokeninfo)
 */
import { AdsOAuthError } from '../errors.js';
import { assertConfiguration, callRequest, type CallOptions, type Configuration } from './config.js';
import { sendRequest } from './http.js';
import { providerText } from './redact.js';

/** Google's tokeninfo endpoint. */
export const GOOGLE_TOKENINFO_URI = 'https://oauth2.googleapis.com/tokeninfo';

/** What tokeninfo says about an access token. Google sends numbers as strings; these are numbers. */
export interface TokenInfo {
  /** Granted scopes, as full URLs (`scope`, space-separated on the wire). */
  scopes: string[];
  /** The OAuth client the token was issued to: `azp`, else `aud`. */
  clientId?: string;
  /** `aud`: the client the token is for. */
  audience?: string;
  /** `azp`: the authorized party. */
  authorizedParty?: string;
  /** When the token expires (`exp`, seconds since the epoch, as a Date). */
  expiresAt?: Date;
  /** Seconds left (`expires_in`). */
  expiresIn?: number;
  /** `offline` when the grant came with a refresh token. */
  accessType?: string;
  /** The user's ID (`sub`), only with openid/profile scopes. */
  subject?: string;
  /** Only with the email scope. */
  email?: string;
  /** Whether Google verified `email` (`email_verified`). */
  emailVerified?: boolean;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function numberField(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Asks Google's tokeninfo endpoint what an access token is for: its scopes, expiry, the client it
 * was issued to and, with those scopes, the user's email. This is how {@link verifyCredentials}
 * proves a token carries the adwords scope and belongs to the configured client. The token is
 * sent in a POST body, never in the URL. Google-specific: other providers have no such endpoint
 * (RFC 7662 introspection is a different, client-authenticated protocol).
 *
 * @param config any configuration; the endpoint is `config.endpoints.tokeninfo` (Google's unless
 *   overridden). No client is needed.
 * @param accessToken an access token (not a refresh token), e.g. from {@link refreshAccessToken}.
 * @param call a signal and a timeout for this request ({@link CallOptions}).
 * @returns what tokeninfo said, numbers parsed ({@link TokenInfo}).
 * @throws AdsOAuthError `TOKEN_ENDPOINT` (the token is invalid or expired: `details.error` =
 *   `invalid_token`), `PROVIDER_RESPONSE` (5xx, not JSON), `NETWORK`, `INTERRUPTED`,
 *   `INSECURE_ENDPOINT`, `USAGE`
 * @example
 * ```ts
 * import { ADWORDS_SCOPE, discoverConfiguration, fetchTokenInfo, readClientSecretsFile, refreshAccessToken } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * const { accessToken } = await refreshAccessToken(config, process.env.REFRESH_TOKEN!);
 * const info = await fetchTokenInfo(config, accessToken);
 * console.log(info.scopes.includes(ADWORDS_SCOPE), info.expiresAt);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.2
 */
export async function fetchTokenInfo(config: Configuration, accessToken: string, call: CallOptions = {}): Promise<TokenInfo> {
  assertConfiguration(config, 'fetchTokenInfo');
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new AdsOAuthError('USAGE', 'fetchTokenInfo: the access token must be a non-empty string.');
  }
  const tokeninfoUri = config.endpoints.tokeninfo;
  const options = callRequest(config, call);
  const where = `${tokeninfoUri.origin}${tokeninfoUri.pathname}`;
  const { response, text } = await sendRequest(
    tokeninfoUri,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ access_token: accessToken }).toString(),
    },
    'tokeninfo request',
    options,
    { endpointName: 'tokeninfo endpoint', details: { operation: 'tokeninfo' } },
  );
  const body = parseJsonObject(text);
  if (response.status >= 500) {
    throw new AdsOAuthError('PROVIDER_RESPONSE', `${where} is having trouble (HTTP ${response.status}). Try again in a minute.`, {
      details: { status: response.status, endpoint: 'tokeninfo' },
    });
  }
  if (response.status !== 200) {
    // Provider text is shown to the user: a tokeninfo endpoint that echoes the request must not leak the token.
    const error = providerText(stringField(body?.['error']) ?? 'invalid_token', [accessToken], 80);
    const rawDescription = stringField(body?.['error_description']);
    const description = rawDescription === undefined ? undefined : providerText(rawDescription, [accessToken]);
    throw new AdsOAuthError(
      'TOKEN_ENDPOINT',
      `${where} rejected the access token: ${error}${description ? ` (${description})` : ''}. A token that was just issued should be valid: check that ADS_OAUTH_TOKENINFO_URI belongs to the same provider as the token endpoint.`,
      { details: { error, status: response.status, endpoint: 'tokeninfo', ...(description ? { error_description: description } : {}) } },
    );
  }
  if (body === undefined) {
    throw new AdsOAuthError('PROVIDER_RESPONSE', `${where} answered with something that is not a JSON object. Check the endpoint URL.`, {
      details: { status: response.status, endpoint: 'tokeninfo' },
    });
  }
  const scope = stringField(body['scope']) ?? '';
  const audience = stringField(body['aud']);
  const authorizedParty = stringField(body['azp']);
  const exp = numberField(body['exp']);
  const expiresIn = numberField(body['expires_in']);
  const verified = body['email_verified'];
  const clientId = authorizedParty ?? audience;
  const info: TokenInfo = {
    scopes: scope.split(/\s+/).filter(Boolean),
    ...(clientId !== undefined ? { clientId } : {}),
    ...(audience !== undefined ? { audience } : {}),
    ...(authorizedParty !== undefined ? { authorizedParty } : {}),
    ...(exp !== undefined ? { expiresAt: new Date(exp * 1000) } : {}),
    ...(expiresIn !== undefined ? { expiresIn } : {}),
  };
  const accessType = stringField(body['access_type']);
  if (accessType !== undefined) info.accessType = accessType;
  const subject = stringField(body['sub']);
  if (subject !== undefined) info.subject = subject;
  const email = stringField(body['email']);
  if (email !== undefined) info.email = email;
  if (verified === true || verified === 'true') info.emailVerified = true;
  else if (verified === false || verified === 'false') info.emailVerified = false;
  if (info.expiresAt === undefined && expiresIn !== undefined) info.expiresAt = new Date(Date.now() + expiresIn * 1000);
  return info;
}
