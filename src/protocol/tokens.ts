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
  /**
   * The refresh token: what a Google Ads client library needs. Long-lived, but Google ends it when
   * the grant is revoked, after six months unused, when the account holds more than 100 refresh
   * tokens for this client (the oldest dies), and after 7 days for a Testing-mode project with
   * external users. A secret: store it like a password.
   */
  refreshToken: string;
  /** A short-lived access token (about an hour at Google). */
  accessToken: string;
  /** Seconds until the access token expires, when the provider said. */
  expiresIn?: number;
  /** Granted scopes (the response's `scope`, or the requested ones when it has none). */
  scopes: string[];
  /** The raw ID token, when the provider sent one (with the `openid` scope). */
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
 * every requested scope granted. Never retried: a code is single-use (and after a timeout or a
 * broken connection it may already be spent, which the error says). The client authenticates with
 * client_secret_post. With `expectedNonce` the ID token is required and validated (iss, aud, exp,
 * nonce; this needs a discovered server); without it, an ID token from an undiscovered server is
 * ignored rather than checked against a guessed issuer.
 *
 * @param config the configuration of the request (from {@link discoverConfiguration}); needs a client.
 * @param callback the result of {@link validateCallback}; nothing else is accepted.
 * @param request the {@link AuthorizationRequest} (its `codeVerifier`, `redirectUri` and
 *   `scopes`), plus `expectedNonce` when a nonce was sent.
 * @param call a signal and a timeout for this request ({@link CallOptions}).
 * @returns the refresh and access tokens and the granted scopes.
 * @throws AdsOAuthError `SCOPE_NOT_GRANTED` (a scope left unticked on Google's granular consent
 *   screen), `NO_REFRESH_TOKEN`, `TOKEN_ENDPOINT` (an OAuth error, e.g. `invalid_grant` for a
 *   spent code), `PROVIDER_RESPONSE` (not an OAuth response, a token with bytes RFC 6749 forbids),
 *   `NETWORK`, `INTERRUPTED`, `INSECURE_ENDPOINT`, `USAGE` (an unvalidated callback, a nonce
 *   without discovery)
 * @example
 * ```ts
 * import { createAuthorizationRequest, DEFAULT_SCOPES, discoverConfiguration, exchangeCode, readClientSecretsFile, validateCallback } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * const request = await createAuthorizationRequest(config, { redirectUri: 'http://127.0.0.1:8080/', scopes: DEFAULT_SCOPES });
 * const receivedUrl = new URL('http://127.0.0.1:8080/?state=…&code=…'); // where the browser came back
 * const { refreshToken } = await exchangeCode(config, validateCallback(config, request, receivedUrl), request);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @see https://developers.google.com/identity/protocols/oauth2/native-app
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
    throw new AdsOAuthError(
      'USAGE',
      `${where}: the callback must be the result of validateCallback; an unchecked callback is never exchanged.`,
    );
  }
  const callbackParams: URLSearchParams = callback;
  if (
    request === null ||
    typeof request !== 'object' ||
    typeof request.codeVerifier !== 'string' ||
    typeof request.redirectUri !== 'string'
  ) {
    throw new AdsOAuthError('USAGE', `${where}: the request needs the codeVerifier and redirectUri strings of the authorization request.`);
  }
  if (request.expectedNonce !== undefined && !server.discovered) {
    throw new AdsOAuthError('USAGE', "Validating an ID token needs the provider's discovered metadata (issuer and JWKS).");
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
    return await oauth.processAuthorizationCodeResponse(
      server.as,
      clientOf(client),
      server.discovered ? response : await withoutIdToken(response),
      {
        expectedNonce: request.expectedNonce ?? oauth.expectNoNonce,
        maxAge: oauth.skipAuthTimeCheck,
        ...(request.expectedNonce !== undefined ? { requireIdToken: true } : {}),
      },
    );
  } catch (error) {
    throw tokenEndpointError(error, 'exchange', endpoint, {
      request: options,
      redirectUri: request.redirectUri,
      secrets: [
        callbackParams.get('code') ?? undefined,
        request.codeVerifier,
        client.clientSecret,
        callbackParams.get('state') ?? undefined,
      ],
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
  /** The new access token. */
  accessToken: string;
  /** Seconds until it expires, when the provider said. */
  expiresIn?: number;
  /** The scopes of the token, when the response listed them. */
  scopes?: string[];
  /** Some providers rotate refresh tokens; when they do, this is the new one. */
  refreshToken?: string;
}

/**
 * Refreshes an access token (RFC 6749 §6) at the configuration's token endpoint, authenticating
 * the client (client_secret_post). Always a network call: nothing is cached (see
 * {@link createTokenBroker} for a cache). Not retried. When the provider rotates the refresh
 * token (Google does not), the new one is in `refreshToken` and the old one stops working.
 * For why a refresh failed, pass the error to {@link diagnoseRefreshError}.
 *
 * @param config from {@link discoverConfiguration} or {@link createConfiguration}; needs the client
 *   the token was issued to.
 * @param refreshToken the user's refresh token; non-empty.
 * @param call a signal and a timeout for this request ({@link CallOptions}).
 * @returns the access token, its lifetime and scopes, and a rotated refresh token if any.
 * @throws AdsOAuthError `TOKEN_ENDPOINT` (with `details.error`: `invalid_grant` for an expired or
 *   revoked token, `invalid_client`, `unauthorized_client` for another client's token),
 *   `PROVIDER_RESPONSE`, `NETWORK`, `INTERRUPTED`, `INSECURE_ENDPOINT`, `USAGE`
 * @example
 * ```ts
 * import { discoverConfiguration, readClientSecretsFile, refreshAccessToken } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * const { accessToken, expiresIn } = await refreshAccessToken(config, process.env.REFRESH_TOKEN!, { timeoutMs: 10_000 });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://developers.google.com/identity/protocols/oauth2/native-app
 */
export async function refreshAccessToken(
  config: Configuration,
  refreshToken: string,
  call: CallOptions = {},
): Promise<RefreshedAccessToken> {
  assertConfiguration(config, 'refreshAccessToken');
  const client = requireClient(config, 'refreshAccessToken');
  if (typeof refreshToken !== 'string' || refreshToken === '')
    throw new AdsOAuthError('USAGE', 'refreshAccessToken: the refresh token must be a non-empty string.');
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
    const result = await oauth.processRefreshTokenResponse(
      as,
      clientOf(client),
      config.server.discovered ? response : await withoutIdToken(response),
    );
    assertTokenSyntax(result, 'refresh');
    return {
      accessToken: result.access_token,
      ...(typeof result.expires_in === 'number' ? { expiresIn: result.expires_in } : {}),
      ...(result.scope ? { scopes: result.scope.split(/\s+/).filter(Boolean) } : {}),
      ...(typeof result.refresh_token === 'string' && result.refresh_token !== refreshToken ? { refreshToken: result.refresh_token } : {}),
    };
  } catch (error) {
    throw tokenEndpointError(error, 'refresh', tokenUri, { request: options, secrets: [refreshToken, client.clientSecret] });
  }
}

/**
 * Revokes a token at the configuration's RFC 7009 revocation endpoint, authenticating the client
 * (client_secret_post) when the configuration has one, as RFC 7009 servers require; Google's
 * endpoint accepts that and also the token alone, which is sent when the configuration was made
 * with a `null` client. Sent once, not retried (see {@link revokeRefreshToken} for retries and
 * "already invalid" handling).
 *
 * At Google, revoking any token of a grant (the refresh token or one of its access tokens) ends
 * the whole grant: every token the user gave this client for those scopes stops working.
 *
 * @param config from {@link createConfiguration} or {@link discoverConfiguration}; its client may be null.
 * @param token the refresh or access token; non-empty.
 * @param call a signal and a timeout, and the RFC 7009 `tokenTypeHint`.
 * @returns nothing: resolves once the endpoint answered 200.
 * @throws AdsOAuthError `TOKEN_ENDPOINT` (an OAuth error, e.g. `invalid_token`), `PROVIDER_RESPONSE`,
 *   `NETWORK`, `INTERRUPTED`, `INSECURE_ENDPOINT`, `USAGE`
 * @example
 * ```ts
 * import { createConfiguration, revokeToken } from 'ads-oauth';
 *
 * const config = createConfiguration(null); // Google's endpoint needs no client
 * await revokeToken(config, process.env.REFRESH_TOKEN!, { tokenTypeHint: 'refresh_token' });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
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
    return new AdsOAuthError(
      'TOKEN_ENDPOINT',
      `${where} refused the ${operationName(operation)}: ${code}${description}. ${oauthErrorHint(code, operation, context)}`.trim(),
      {
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
      },
    );
  };
  if (error instanceof oauth.ResponseBodyError) {
    return refusal(
      error.error,
      error.status,
      error.error_description,
      (error.cause as Record<string, unknown> | undefined)?.['error_subtype'],
    );
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
      {
        cause: error,
        details: { operation, endpoint: endpoint.origin, reason: 'unsupported_token_type' },
        ...(operation === 'exchange' ? { hints: ['retry'] as const } : {}),
      },
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
