import { providerText } from './redact.js';
import * as oauth from 'oauth4webapi';
import { AdsOAuthError, type ErrorHint } from '../errors.js';
import { isValidatedCallback, type ValidatedCallback } from './callback.js';
import type { OAuthClientConfig } from './client-file.js';
import { assertConfiguration, callRequest, requireClient, type CallOptions, type Configuration } from './config.js';
import { DEFAULT_TIMEOUT_MS, httpOptions, isTransportFailure, requestSignal, transportError, type RequestOptions } from './http.js';
import { missingScopes } from './scopes.js';

/** The credentials a token call needs: the client and where its token endpoint is. */
export type ClientCredentials = Pick<OAuthClientConfig, 'clientId' | 'clientSecret'>;

/** A successful code exchange that yielded what this tool exists for. */
export interface UserCredentials {
  refreshToken: string;
  accessToken: string;
  /** Seconds until the access token expires, when the provider said. */
  expiresIn?: number;
  /** Granted scopes (the response's `scope`, or the requested ones when it has none). */
  scopes: string[];
  idToken?: string;
  /** The validated ID token's claims (iss, aud, exp, nonce checked by oauth4webapi); only with `expectedNonce`. */
  idTokenClaims?: Record<string, unknown>;
}

function clientOf(client: ClientCredentials): oauth.Client {
  return { client_id: client.clientId };
}

/** The operation a token-endpoint error happened in; it changes the advice. */
export type TokenOperation = 'exchange' | 'refresh' | 'revoke';

const NO_REFRESH_TOKEN_MESSAGE = [
  'The provider returned no refresh token. This tool already asks for one (access_type=offline with prompt=consent), so the usual causes are:',
  '  1. An earlier grant of this app to this Google account: remove the app at https://myaccount.google.com/connections (Third-party apps & services), then consent again.',
  '  2. The wrong client type: use an OAuth client of type "Desktop app" (or "Web application" with a loopback redirect URI), not a TV/limited-input or service-account client.',
  '  3. A provider that issues refresh tokens only for an "offline_access" scope, which was not requested.',
].join('\n');

/**
 * Exchanges an authorization code for tokens (RFC 6749 §4.1.3) with the PKCE verifier and the
 * exact redirect URI of the request, then insists on what this tool is for: a refresh token, and
 * every requested scope granted. Never retried: a code is single-use.
 *
 * @throws AdsOAuthError `NO_REFRESH_TOKEN`, `SCOPE_NOT_GRANTED`, `TOKEN_ENDPOINT`,
 *   `PROVIDER_RESPONSE`, `NETWORK`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 */
export async function exchangeCode(
  config: Configuration,
  callback: ValidatedCallback,
  request: { codeVerifier: string; redirectUri: string; scopes: readonly string[]; expectedNonce?: string },
  call: CallOptions = {},
): Promise<UserCredentials> {
  const result = await grantAuthorizationCode('exchangeCode', config, callback, request, call);
  assertTokenSyntax(result, 'exchange');
  const missing = missingScopes(request.scopes, result.scope);
  if (missing.length > 0) {
    throw new AdsOAuthError(
      'SCOPE_NOT_GRANTED',
      `Not every requested scope was granted: ${missing.join(', ')} ${missing.length === 1 ? 'was' : 'were'} left unticked on the consent screen (Google shows a checkbox per scope): ${missing.length === 1 ? 'that box needs' : 'those boxes need'} a tick.`,
      { details: { missing, granted: (result.scope ?? '').split(/\s+/).filter(Boolean) }, hints: ['retry'] },
    );
  }
  if (typeof result.refresh_token !== 'string' || result.refresh_token === '') {
    throw new AdsOAuthError('NO_REFRESH_TOKEN', NO_REFRESH_TOKEN_MESSAGE, { hints: ['retry', 'scopes'] });
  }
  return {
    refreshToken: result.refresh_token,
    accessToken: result.access_token,
    ...(typeof result.expires_in === 'number' ? { expiresIn: result.expires_in } : {}),
    scopes: result.scope ? result.scope.split(/\s+/).filter(Boolean) : [...request.scopes],
    ...(typeof result.id_token === 'string' ? { idToken: result.id_token } : {}),
    ...(request.expectedNonce !== undefined ? { idTokenClaims: { ...oauth.getValidatedIdTokenClaims(result) } } : {}),
  };
}

/**
 * Exchanges an authorization code for an identity only (OpenID Connect sign-in, e.g. an admin
 * signing in to `serve`): the ID token is required and validated (iss, aud, exp, nonce), its
 * claims are returned, and any other token in the response is dropped, not kept and not revoked.
 *
 * @throws AdsOAuthError `TOKEN_ENDPOINT`, `PROVIDER_RESPONSE`, `NETWORK`, `USAGE` (no discovered server)
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 */
export async function exchangeCodeForIdentity(
  config: Configuration,
  callback: ValidatedCallback,
  request: { codeVerifier: string; redirectUri: string; expectedNonce: string },
  call: CallOptions = {},
): Promise<Record<string, unknown>> {
  const result = await grantAuthorizationCode('exchangeCodeForIdentity', config, callback, request, call);
  return { ...oauth.getValidatedIdTokenClaims(result) };
}

/** The authorization-code grant both exchanges share: request, then oauth4webapi's validation. */
async function grantAuthorizationCode(
  where: string,
  config: Configuration,
  callback: ValidatedCallback,
  request: { codeVerifier: string; redirectUri: string; expectedNonce?: string },
  call: CallOptions,
): Promise<oauth.TokenEndpointResponse> {
  assertConfiguration(config, where);
  const client = requireClient(config, where);
  const server = config.server;
  if (!isValidatedCallback(callback)) {
    throw new AdsOAuthError('USAGE', `${where}: the callback must be the result of validateCallback; an unchecked callback is never exchanged.`);
  }
  const callbackParams: URLSearchParams = callback;
  if (request === null || typeof request !== 'object' || typeof request.codeVerifier !== 'string' || typeof request.redirectUri !== 'string') {
    throw new AdsOAuthError('USAGE', `${where}: the request needs the codeVerifier and redirectUri strings of the authorization request.`);
  }
  if (request.expectedNonce !== undefined && !server.discovered) {
    throw new AdsOAuthError('USAGE', 'Validating an ID token needs the provider\'s discovered metadata (issuer and JWKS).');
  }
  const options = callRequest(config, call);
  const endpoint = config.endpoints.token;
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      server.as,
      clientOf(client),
      oauth.ClientSecretPost(client.clientSecret),
      callbackParams,
      request.redirectUri,
      request.codeVerifier,
      httpOptions(endpoint, options, 'token endpoint'),
    );
    return await oauth.processAuthorizationCodeResponse(server.as, clientOf(client), server.discovered ? response : await withoutIdToken(response), {
      expectedNonce: request.expectedNonce ?? oauth.expectNoNonce,
      maxAge: oauth.skipAuthTimeCheck,
      ...(request.expectedNonce !== undefined ? { requireIdToken: true } : {}),
    });
  } catch (error) {
    throw tokenEndpointError(error, 'exchange', endpoint, {
      request: options,
      redirectUri: request.redirectUri,
      secrets: [callbackParams.get('code') ?? undefined, request.codeVerifier, client.clientSecret, callbackParams.get('state') ?? undefined],
    });
  }
}

/** RFC 6749 Appendix A.12 and A.17: access and refresh tokens are 1*VSCHAR (%x20-7E). */
const VSCHARS = /^[\x20-\x7e]+$/;

/**
 * Refuses tokens with characters RFC 6749 does not allow (control characters, escape sequences,
 * non-ASCII): such a value would be printed to a terminal and written into config files.
 */
function assertTokenSyntax(result: oauth.TokenEndpointResponse, step: 'exchange' | 'refresh'): void {
  for (const field of ['access_token', 'refresh_token'] as const) {
    const value = result[field];
    if (typeof value === 'string' && !VSCHARS.test(value)) {
      throw new AdsOAuthError(
        'PROVIDER_RESPONSE',
        `The provider's token response has a${field === 'access_token' ? 'n' : ''} ${field} with characters that RFC 6749 does not allow in a token (control characters or non-ASCII), so it was neither printed nor saved.${step === 'exchange' ? ' The authorization code is spent: start the authorization again.' : ''}`,
        { details: { field } },
      );
    }
  }
}

/**
 * Without discovery the issuer is only a guess (the authorization endpoint's origin), and an ID
 * token from a provider whose issuer has a path (Entra ID, Okta, Keycloak realms) would fail
 * oauth4webapi's `iss` check after the code is spent. This tool never uses the ID token, so when
 * the issuer is not proven it is left out of the response before processing; everything else is
 * still validated by oauth4webapi.
 */
async function withoutIdToken(response: Response): Promise<Response> {
  if (response.status !== 200 || !/json/i.test(response.headers.get('content-type') ?? '')) return response;
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return response; // not JSON after all: let oauth4webapi report it
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('id_token' in body)) return response;
  const { id_token: _dropped, ...rest } = body as Record<string, unknown>;
  return new Response(JSON.stringify(rest), { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** A fresh access token from a refresh token. */
export interface RefreshedAccessToken {
  accessToken: string;
  expiresIn?: number;
  scopes?: string[];
  /** Some providers rotate refresh tokens; when they do, this is the new one. */
  refreshToken?: string;
}

/**
 * Refreshes an access token (RFC 6749 §6). Always a network call: nothing is cached.
 *
 * @throws AdsOAuthError `TOKEN_ENDPOINT` (with `details.error`, e.g. `invalid_grant`),
 *   `PROVIDER_RESPONSE`, `NETWORK`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export async function refreshAccessToken(config: Configuration, refreshToken: string, call: CallOptions = {}): Promise<RefreshedAccessToken> {
  assertConfiguration(config, 'refreshAccessToken');
  const client = requireClient(config, 'refreshAccessToken');
  if (typeof refreshToken !== 'string' || refreshToken === '') throw new AdsOAuthError('USAGE', 'refreshAccessToken: the refresh token must be a non-empty string.');
  const options = callRequest(config, call);
  const tokenUri = config.endpoints.token;
  const as: oauth.AuthorizationServer = { issuer: config.server.as.issuer, token_endpoint: tokenUri.href };
  try {
    const response = await oauth.refreshTokenGrantRequest(
      as,
      clientOf(client),
      oauth.ClientSecretPost(client.clientSecret),
      refreshToken,
      httpOptions(tokenUri, options, 'token endpoint'),
    );
    const result = await oauth.processRefreshTokenResponse(as, clientOf(client), config.server.discovered ? response : await withoutIdToken(response));
    assertTokenSyntax(result, 'refresh');
    return {
      accessToken: result.access_token,
      ...(typeof result.expires_in === 'number' ? { expiresIn: result.expires_in } : {}),
      ...(result.scope ? { scopes: result.scope.split(/\s+/).filter(Boolean) } : {}),
      ...(typeof result.refresh_token === 'string' && result.refresh_token !== refreshToken
        ? { refreshToken: result.refresh_token }
        : {}),
    };
  } catch (error) {
    throw tokenEndpointError(error, 'refresh', tokenUri, { request: options, secrets: [refreshToken, client.clientSecret] });
  }
}

/**
 * Revokes a token at an RFC 7009 endpoint, authenticating the client (client_secret_post), as
 * RFC 7009 servers require; Google's endpoint accepts that too (and also the token alone, which
 * `src/lifecycle/revoke.ts` does when no client is known). Does not retry: callers decide (a
 * revoke may be retried, a code exchange never).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009
 * @see https://developers.google.com/identity/protocols/oauth2/native-app#tokenrevoke
 */
export async function revokeToken(
  config: Configuration,
  token: string,
  call: CallOptions & { tokenTypeHint?: 'refresh_token' | 'access_token' } = {},
): Promise<void> {
  assertConfiguration(config, 'revokeToken');
  if (typeof token !== 'string' || token === '') throw new AdsOAuthError('USAGE', 'revokeToken: the token must be a non-empty string.');
  const client = config.client ?? undefined;
  const options = { ...callRequest(config, call), ...(call.tokenTypeHint ? { tokenTypeHint: call.tokenTypeHint } : {}) };
  const revocationUri = config.endpoints.revocation;
  const as: oauth.AuthorizationServer = { issuer: revocationUri.origin, revocation_endpoint: revocationUri.href };
  const http = httpOptions(revocationUri, options, 'revocation endpoint');
  try {
    let response: Response;
    if (client) {
      response = await oauth.revocationRequest(as, clientOf(client), oauth.ClientSecretPost(client.clientSecret), token, {
        ...http,
        ...(options.tokenTypeHint ? { additionalParameters: { token_type_hint: options.tokenTypeHint } } : {}),
      });
    } else {
      // Without a client (Google's endpoint takes the token alone). oauth4webapi insists on a
      // non-empty client_id, so this request is built here; its answer still goes through oauth4webapi.
      const fetchImpl = options.fetch ?? ((input: string | URL, init?: RequestInit) => fetch(input, init));
      response = await fetchImpl(revocationUri.href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' },
        body: new URLSearchParams({ token, ...(options.tokenTypeHint ? { token_type_hint: options.tokenTypeHint } : {}) }).toString(),
        redirect: 'manual',
        signal: requestSignal(options),
      });
    }
    await oauth.processRevocationResponse(response);
  } catch (error) {
    throw tokenEndpointError(error, 'revoke', revocationUri, { request: options, secrets: [token, client?.clientSecret] });
  }
}

/**
 * Maps whatever oauth4webapi or the transport threw into an actionable {@link AdsOAuthError}.
 * Exported for the lifecycle commands, which add their own diagnosis on top.
 */
export function tokenEndpointError(
  error: unknown,
  operation: TokenOperation,
  endpoint: URL,
  context: { redirectUri?: string; secrets?: readonly (string | undefined)[]; request?: RequestOptions } = {},
): AdsOAuthError {
  if (error instanceof AdsOAuthError) return error;
  const where = `${endpoint.origin}${endpoint.pathname}`;
  const refusal = (rawCode: string, status: number, rawDescription: string | undefined, rawSubtype?: unknown): AdsOAuthError => {
    // Provider text is shown to the user: a provider that echoes the request must not leak it.
    const code = providerText(rawCode, context.secrets ?? [], 80);
    const errorDescription = rawDescription === undefined ? undefined : providerText(rawDescription, context.secrets ?? []);
    const description = errorDescription ? ` (${errorDescription})` : '';
    return new AdsOAuthError('TOKEN_ENDPOINT', `${where} refused the ${operationName(operation)}: ${code}${description}. ${oauthErrorHint(code, operation, context)}`.trim(), {
      cause: error,
      details: {
        error: code,
        status,
        operation,
        endpoint: endpoint.origin,
        ...(errorDescription ? { error_description: errorDescription } : {}),
        ...(typeof rawSubtype === 'string' ? { error_subtype: providerText(rawSubtype, context.secrets ?? [], 80) } : {}),
      },
      hints: oauthErrorHints(code, operation),
    });
  };
  if (error instanceof oauth.ResponseBodyError) {
    return refusal(error.error, error.status, error.error_description, (error.cause as Record<string, unknown> | undefined)?.['error_subtype']);
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // A 401 with WWW-Authenticate (RFC 6749 §5.2: failed client authentication).
    const parameters = error.cause[0]?.parameters;
    const code = parameters?.['error'] ?? (error.status === 401 ? 'invalid_client' : `http_${error.status}`);
    return refusal(code, error.status, parameters?.['error_description']);
  }
  if (error instanceof oauth.UnsupportedOperationError && /token_type/.test(error.message)) {
    // oauth4webapi accepts Bearer and DPoP access tokens only; the response was a success otherwise.
    const body = (error.cause as { body?: { token_type?: unknown } } | undefined)?.body;
    const type = typeof body?.token_type === 'string' ? providerText(body.token_type, context.secrets ?? [], 40) : 'unknown';
    const retry = operation === 'exchange' ? ' The authorization code was spent: it cannot be used again.' : '';
    return new AdsOAuthError(
      'PROVIDER_RESPONSE',
      `The ${operationName(operation)} failed: ${where} answered with token_type "${type}"; only Bearer access tokens can be used.${retry}`,
      { cause: error, details: { operation, endpoint: endpoint.origin, reason: 'unsupported_token_type' }, ...(operation === 'exchange' ? { hints: ['retry'] as const } : {}) },
    );
  }
  if (error instanceof oauth.OperationProcessingError) {
    const response = (error.cause as { status?: number } | undefined) ?? undefined;
    const status = response && typeof response.status === 'number' ? response.status : undefined;
    let problem: string;
    if (error.code === oauth.RESPONSE_IS_NOT_JSON || error.code === oauth.PARSE_ERROR) {
      problem = `answered with something that is not JSON${status ? ` (HTTP ${status})` : ''}. Check that the endpoint URL is right; an HTML page usually means a proxy, a captive portal or a wrong URL.`;
    } else if (error.code === oauth.RESPONSE_IS_NOT_CONFORM && status !== undefined && status >= 500) {
      problem = `is having trouble (HTTP ${status}). Try again in a minute.`;
    } else if (error.code === oauth.RESPONSE_IS_NOT_CONFORM) {
      problem = `answered HTTP ${status ?? '?'} without a valid OAuth error body. Check that the endpoint URL is right.`;
    } else {
      problem = `sent a response that is not a valid OAuth response: ${error.message}.`;
    }
    const retry = operation === 'exchange' ? ' The authorization code may have been spent: it cannot be used again.' : '';
    return new AdsOAuthError('PROVIDER_RESPONSE', `The ${operationName(operation)} failed: ${where} ${problem}${retry}`, {
      cause: error,
      details: { operation, endpoint: endpoint.origin, ...(status !== undefined ? { status } : {}), reason: error.code },
      ...(operation === 'exchange' ? { hints: ['retry'] as const } : {}),
    });
  }
  if (isTransportFailure(error)) {
    const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
    // The code was sent: after a broken connection, a timeout or an unusable answer it may be spent.
    const spent =
      operation === 'exchange' && code !== 'ECONNREFUSED' && code !== 'ENOTFOUND' && code !== 'EAI_AGAIN'
        ? 'The authorization code may have been spent: it cannot be used again.'
        : undefined;
    return transportError(error, operationName(operation), endpoint, {
      ...(context.request?.signal ? { signal: context.request.signal } : {}),
      timeoutMs: context.request?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(spent ? { spent } : {}),
      details: { operation },
    });
  }
  const err = error as { message?: string };
  return new AdsOAuthError('INTERNAL', `The ${operationName(operation)} failed unexpectedly: ${err.message ?? String(error)}`, {
    cause: error,
    details: { operation },
  });
}

function operationName(operation: TokenOperation): string {
  return operation === 'exchange' ? 'code exchange' : operation === 'refresh' ? 'token refresh' : 'token revocation';
}

function oauthErrorHints(code: string, operation: TokenOperation): ErrorHint[] {
  if (code === 'invalid_grant') return operation === 'exchange' ? ['retry'] : operation === 'refresh' ? ['regenerate'] : [];
  if (code === 'invalid_scope' && operation === 'exchange') return ['scopes'];
  return [];
}

function oauthErrorHint(code: string, operation: TokenOperation, context: { redirectUri?: string }): string {
  switch (code) {
    case 'invalid_grant':
      return operation === 'exchange'
        ? 'The authorization code was already used, expired (codes live a few minutes) or does not match the PKCE verifier or redirect URI.'
        : 'The refresh token is expired or revoked.';
    case 'invalid_client':
      return 'The client ID or secret is wrong, the secret was reset, or the client was deleted. Download the client JSON again from the Google Cloud console.';
    case 'unauthorized_client':
      return operation === 'exchange'
        ? 'This client may not use the authorization code grant. Use an OAuth client of type "Desktop app", or "Web application" with a loopback redirect URI.'
        : 'This refresh token belongs to another OAuth client. Use the client_id and client_secret the token was created with.';
    case 'redirect_uri_mismatch':
      return `The redirect URI${context.redirectUri ? ` ${context.redirectUri}` : ''} is not registered for this client. Add it under "Authorized redirect URIs" in the Cloud console, or use a Desktop app client.`;
    case 'invalid_scope':
      return 'A requested scope is unknown to the provider or not allowed for this client.';
    case 'invalid_request':
      return 'The provider rejected the request as malformed; this may be a bug in ads-oauth: please report it.';
    case 'unsupported_token_type':
      return 'The provider cannot revoke this kind of token.';
    default:
      return '';
  }
}
