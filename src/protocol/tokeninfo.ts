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
import { requestSignal, type RequestOptions } from './http.js';
import type { FetchLike } from './types.js';
import { allowsInsecure } from './urls.js';
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
  emailVerified?: boolean;
}

/** Throws INSECURE_ENDPOINT unless the URL is https or http on a loopback host. */
export function assertSecureEndpoint(url: URL, what: string): void {
  if (url.protocol === 'https:' || allowsInsecure(url)) return;
  throw new AdsOAuthError(
    'INSECURE_ENDPOINT',
    `The ${what} ${url.origin} must use https. Plain http is accepted only for loopback hosts (127.0.0.1, ::1, localhost).`,
    { details: { url: url.origin } },
  );
}

/** True when an error (or anything in its cause chain) is a timeout. */
export function isTimeoutError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth++) {
    const e = current as { name?: unknown; code?: unknown; details?: { reason?: unknown }; cause?: unknown };
    if (e.name === 'TimeoutError') return true;
    if (e.code === 'ETIMEDOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT' || e.code === 'UND_ERR_HEADERS_TIMEOUT') return true;
    // DOMException TIMEOUT_ERR, as a transport may copy it into its own `code`.
    if (e.code === 23) return true;
    if (e.details?.reason === 'timeout') return true;
    current = e.cause;
  }
  return false;
}

/** The abort reason when the caller's own signal fired (not a timeout). */
function isCancelled(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && !isTimeoutError(error);
}

/**
 * Maps a transport failure (fetch threw) to NETWORK (or INTERRUPTED). `what` names the call,
 * e.g. "tokeninfo request".
 */
export function transportError(error: unknown, what: string, endpoint: URL, signal?: AbortSignal): AdsOAuthError {
  if (error instanceof AdsOAuthError) return error;
  if (isCancelled(error, signal)) {
    return new AdsOAuthError('INTERRUPTED', `The ${what} was cancelled.`, { cause: error });
  }
  if (isTimeoutError(error)) {
    return new AdsOAuthError('NETWORK', `The ${what} timed out: no answer from ${endpoint.origin}. Check your network, proxy or firewall, then run again.`, {
      cause: error,
      details: { reason: 'timeout', endpoint: endpoint.origin },
    });
  }
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  return new AdsOAuthError(
    'NETWORK',
    `Could not reach ${endpoint.origin} for the ${what}${code ? ` (${code})` : ''}. Check your network, proxy or firewall, and the endpoint URL.`,
    { cause: error, details: { reason: code ?? 'network', endpoint: endpoint.origin } },
  );
}

/** Sends one request with a timeout; returns the response and its body text. */
export async function sendRequest(
  url: URL,
  init: RequestInit,
  what: string,
  options: RequestOptions = {},
): Promise<{ response: Response; text: string }> {
  const fetchImpl: FetchLike = options.fetch ?? ((input, requestInit) => fetch(input, requestInit));
  const signal = requestSignal(options);
  try {
    const response = await fetchImpl(url.href, { ...init, signal, redirect: 'manual' });
    const text = await response.text();
    return { response, text };
  } catch (error) {
    throw transportError(error, what, url, options.signal);
  }
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
 * Asks tokeninfo about an access token.
 *
 * @throws AdsOAuthError `TOKEN_ENDPOINT` (the token is invalid: `details.error` = `invalid_token`),
 *   `PROVIDER_RESPONSE` (5xx, not JSON), `NETWORK`, `INSECURE_ENDPOINT`
 */
export async function fetchTokenInfo(tokeninfoUri: URL, accessToken: string, options: RequestOptions = {}): Promise<TokenInfo> {
  assertSecureEndpoint(tokeninfoUri, 'tokeninfo endpoint');
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
  );
  const body = parseJsonObject(text);
  if (response.status >= 500) {
    throw new AdsOAuthError('PROVIDER_RESPONSE', `${where} is having trouble (HTTP ${response.status}). Try again in a minute.`, {
      details: { status: response.status, endpoint: 'tokeninfo' },
    });
  }
  if (response.status !== 200) {
    // A tokeninfo endpoint may echo what it was sent: the access token is redacted like every
    // other secret in provider text.
    const rawDescription = stringField(body?.['error_description']);
    const error = providerText(stringField(body?.['error']) ?? 'invalid_token', [accessToken], 80);
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
