import { providerText } from './redact.js';
import * as oauth from 'oauth4webapi';
import { AdsOAuthError, type ErrorHint } from '../errors.js';
import type { AuthorizationRequest } from './authorize.js';
import { assertConfiguration, requireClient, type Configuration } from './config.js';

/** Why a callback was rejected without ending the flow (someone else's or a stale request). */
export type CallbackRejection = 'state_missing' | 'state_mismatch' | 'duplicate_parameter' | 'code_missing';

/**
 * An authorization response that passed {@link validateCallback}: the only input
 * {@link exchangeCode} accepts. Branded in a module-private WeakSet (as oauth4webapi brands its
 * validated parameters), so neither a hand-made URLSearchParams nor a copy passes.
 */
export type ValidatedCallback = URLSearchParams & { readonly __validated: unique symbol };

const validated = new WeakSet<URLSearchParams>();

/** True for the result of {@link validateCallback}. */
export function isValidatedCallback(value: unknown): value is ValidatedCallback {
  return value instanceof URLSearchParams && validated.has(value);
}

/**
 * The first, synchronous part of {@link validateCallback}: the callback must carry each of
 * `state`, `code`, `iss`, `error` at most once, and this run's `state` (compared in constant
 * time). Run it before any await, so a foreign or stale callback is turned away at once and
 * cannot hold up the genuine one.
 *
 * @throws AdsOAuthError `INVALID_CALLBACK` with `details.reason` `duplicate_parameter`,
 *   `state_missing` or `state_mismatch`
 */
export function checkCallbackState(request: Pick<AuthorizationRequest, 'state'>, callback: URL | URLSearchParams): URLSearchParams {
  const params = new URLSearchParams(callback instanceof URL ? callback.searchParams : callback);
  for (const name of ['state', 'code', 'iss', 'error']) {
    if (params.getAll(name).length > 1) {
      throw new AdsOAuthError('INVALID_CALLBACK', `The callback repeats the "${name}" parameter; it was not produced by the provider.`, {
        details: { reason: 'duplicate_parameter' satisfies CallbackRejection },
      });
    }
  }
  const state = params.get('state');
  if (state === null || state === '') {
    throw new AdsOAuthError('INVALID_CALLBACK', 'The callback has no "state" parameter, so it cannot be matched to this run.', {
      details: { reason: 'state_missing' satisfies CallbackRejection },
    });
  }
  if (!sameString(state, request.state)) {
    throw new AdsOAuthError(
      'INVALID_CALLBACK',
      'The callback\'s "state" does not match this run: it belongs to another (older or foreign) authorization request.',
      { details: { reason: 'state_mismatch' satisfies CallbackRejection } },
    );
  }
  return params;
}

/** Constant-time comparison of two strings (no early exit on the first difference). */
function sameString(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

/**
 * Validates an authorization response (RFC 6749 §4.1.2) against the request it answers, in this
 * order, none of which can be skipped:
 *
 * 1. `state` must be present and equal the request's (CSRF / stale or foreign callbacks):
 *    `INVALID_CALLBACK` with `details.reason` `state_missing` or `state_mismatch`. Loopback servers
 *    answer these with 400 and keep waiting.
 * 2. `iss` (RFC 9207 §2.4), whenever present, must name the server the request went to (its
 *    issuer after discovery, else the authorization endpoint's origin), and it must be present
 *    when the server advertises `authorization_response_iss_parameter_supported`:
 *    `ISSUER_MISMATCH` with `details.reason` `mismatch` or `missing`.
 * 3. `error` ends the flow: `ACCESS_DENIED` for `access_denied`, else `AUTHORIZATION_ERROR`.
 * 4. `code` must be present: `INVALID_CALLBACK` (`code_missing`).
 *
 * Synchronous, no network call. The desktop flows call it for you.
 *
 * @param config the configuration the request was made with (preferably discovered, so the
 *   RFC 9207 rule is known).
 * @param request the {@link AuthorizationRequest} this response answers (only its `state` is read).
 * @param callback the URL the provider redirected to (a `URL`, not a string), or its query as
 *   `URLSearchParams`.
 * @returns the {@link ValidatedCallback} to pass to {@link exchangeCode}, the only input it accepts.
 * @throws AdsOAuthError `INVALID_CALLBACK`, `ISSUER_MISMATCH`, `ACCESS_DENIED`,
 *   `AUTHORIZATION_ERROR` as above; `USAGE` (not a configuration, no client, a string callback)
 * @example
 * ```ts
 * import { createAuthorizationRequest, DEFAULT_SCOPES, discoverConfiguration, exchangeCode, readClientSecretsFile, validateCallback } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * const request = await createAuthorizationRequest(config, { redirectUri: 'http://127.0.0.1:8080/', scopes: DEFAULT_SCOPES });
 * // … the browser comes back to http://127.0.0.1:8080/?state=…&code=…
 * const receivedUrl = new URL('http://127.0.0.1:8080/?state=…&code=…');
 * const callback = validateCallback(config, request, receivedUrl);
 * const credentials = await exchangeCode(config, callback, request);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export function validateCallback(
  config: Configuration,
  request: Pick<AuthorizationRequest, 'state'>,
  callback: URL | URLSearchParams,
): ValidatedCallback {
  assertConfiguration(config, 'validateCallback');
  const client = requireClient(config, 'validateCallback');
  const server = config.server;
  if (request === null || typeof request !== 'object' || typeof request.state !== 'string') {
    throw new AdsOAuthError('USAGE', 'validateCallback: the request must be the authorization request (with its "state" string).');
  }
  if (!(callback instanceof URL) && !(callback instanceof URLSearchParams)) {
    throw new AdsOAuthError(
      'USAGE',
      `validateCallback: the callback must be a URL or URLSearchParams object, not ${typeof callback === 'string' ? 'a string (use new URL(…))' : typeof callback}.`,
    );
  }
  const params = checkCallbackState(request, callback);
  checkIssuer(server, params);
  // Checked above; oauth4webapi compares it again only where the server promised it.
  if (!(server.discovered && server.as.authorization_response_iss_parameter_supported === true)) params.delete('iss');
  let result: URLSearchParams;
  try {
    result = oauth.validateAuthResponse(server.as, { client_id: client.clientId }, params, request.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      const description = error.error_description ? ` (${providerText(error.error_description, [request.state])})` : '';
      if (error.error === 'access_denied') {
        throw new AdsOAuthError(
          'ACCESS_DENIED',
          `Access was denied at the consent screen${description}. Access needs Allow/Continue there, signed in with the Google account that has access to Google Ads.`,
          { details: { error: error.error }, hints: ['retry'] },
        );
      }
      throw new AdsOAuthError(
        'AUTHORIZATION_ERROR',
        `The provider refused the authorization request: ${providerText(error.error ?? 'error', [request.state], 80)}${description}. ${authorizationErrorHint(error.error)}`.trim(),
        { details: { error: providerText(error.error ?? 'error', [request.state], 80) }, hints: authorizationErrorHints(error.error) },
      );
    }
    if (error instanceof oauth.OperationProcessingError && /"iss"/.test(error.message)) {
      throw issuerMismatch(server.as.issuer, 'mismatch');
    }
    throw new AdsOAuthError('INVALID_CALLBACK', `The callback is not a valid authorization response: ${(error as Error).message}.`, {
      cause: error,
      details: { reason: 'invalid' },
    });
  }
  if (!result.get('code')) {
    throw new AdsOAuthError('INVALID_CALLBACK', 'The callback has no "code" parameter: the address looks truncated.', {
      details: { reason: 'code_missing' satisfies CallbackRejection },
    });
  }
  validated.add(result);
  return result as ValidatedCallback;
}

function issuerMismatch(expected: string, reason: 'mismatch' | 'missing'): AdsOAuthError<'ISSUER_MISMATCH'> {
  return new AdsOAuthError(
    'ISSUER_MISMATCH',
    reason === 'missing'
      ? `The callback has no "iss" parameter, although ${expected} promises one in every authorization response (RFC 9207). It may come from another authorization server (a mix-up attack); it was not used.`
      : `The callback's "iss" parameter does not name ${expected}, the server this run sent you to. The response may come from another authorization server (a mix-up attack, RFC 9207); it was not used.`,
    { details: { expected, reason } },
  );
}

/**
 * RFC 9207 §2.4: an `iss` that is present is compared whether or not the server advertises the
 * parameter; when it advertises it, `iss` must be present. The issuer is known exactly after
 * discovery; without it only its origin is (the authorization endpoint's), so an `iss` on that
 * origin passes and one naming any other server does not.
 */
function checkIssuer(server: Configuration['server'], params: URLSearchParams): void {
  const iss = params.get('iss');
  const expected = server.as.issuer;
  if (iss === null) {
    if (server.discovered && server.as.authorization_response_iss_parameter_supported === true) throw issuerMismatch(expected, 'missing');
    return;
  }
  if (iss === expected) return;
  if (!server.discovered) {
    const origin = new URL(server.as.authorization_endpoint ?? expected).origin;
    let issOrigin: string | undefined;
    try {
      const url = new URL(iss);
      issOrigin = url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
    } catch {
      issOrigin = undefined;
    }
    if (issOrigin === origin) return;
  }
  throw issuerMismatch(server.discovered ? expected : new URL(server.as.authorization_endpoint ?? expected).origin, 'mismatch');
}

function authorizationErrorHint(error: string | undefined): string {
  switch (error) {
    case 'invalid_scope':
      return 'One of the requested scopes is unknown to the provider or not enabled for this project.';
    case 'unauthorized_client':
      return 'This client may not use the authorization code flow: check the client type in the Cloud console (Desktop app or Web application).';
    case 'invalid_request':
      return 'Often a redirect_uri that is not registered for this client (redirect_uri_mismatch).';
    case 'consent_required':
    case 'interaction_required':
    case 'login_required':
      return 'The sign-in or the consent screen was not finished.';
    default:
      return '';
  }
}

function authorizationErrorHints(error: string | undefined): ErrorHint[] {
  if (error === 'invalid_scope') return ['scopes'];
  if (error === 'consent_required' || error === 'interaction_required' || error === 'login_required') return ['retry'];
  return [];
}

/**
 * Turns what a user pasted (headless mode) into a callback URL, with a specific message for each
 * common mistake: whitespace or a line break inside, quotes around it, the consent URL instead of
 * the redirected address, an address for another redirect URI, a truncated address.
 * The `state` check (an address from another run) is {@link validateCallback}'s: pass it the result.
 * {@link runHeadlessFlow} does both.
 *
 * @param input the pasted text; surrounding whitespace is trimmed.
 * @param redirectUri the redirect URI of the request; the address must have its origin and path.
 * @returns the address as a URL, carrying `state` and `code` (or `error`).
 * @throws AdsOAuthError `INVALID_CALLBACK` with `details.reason` `empty`, `quoted`, `whitespace`,
 *   `not_a_url`, `authorization_url`, `other_redirect` or `truncated`
 * @example
 * ```ts
 * import { parsePastedCallback } from 'ads-oauth';
 *
 * const url = parsePastedCallback('http://127.0.0.1:51234/?state=abc&code=4%2F0A…', 'http://127.0.0.1:51234/');
 * console.log(url.searchParams.has('code')); // true
 * ```
 */
export function parsePastedCallback(input: string, redirectUri: string): URL {
  const text = input.trim();
  if (text === '') {
    throw new AdsOAuthError('INVALID_CALLBACK', "Nothing was pasted. Paste the full address from the browser's address bar.", {
      details: { reason: 'empty' },
    });
  }
  if (/^["'`]|["'`]$/.test(text)) {
    throw new AdsOAuthError('INVALID_CALLBACK', 'The pasted address is wrapped in quotes. Paste it without the quotes.', {
      details: { reason: 'quoted' },
    });
  }
  if (/\s/.test(text)) {
    throw new AdsOAuthError(
      'INVALID_CALLBACK',
      'The pasted address contains spaces or a line break; it was probably wrapped or cut by the terminal. Paste it again as one line.',
      { details: { reason: 'whitespace' } },
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AdsOAuthError(
      'INVALID_CALLBACK',
      `That is not a URL. After consent the browser shows "can't connect" (or "This site can't be reached"); copy the whole address from its address bar — it starts with ${redirectUri}`,
      { details: { reason: 'not_a_url' } },
    );
  }
  const expected = new URL(redirectUri);
  if (url.searchParams.has('client_id') && url.searchParams.has('response_type')) {
    throw new AdsOAuthError(
      'INVALID_CALLBACK',
      `That is the consent URL printed above, not the address the browser ends on. Open it, finish the consent, then copy the address that starts with ${redirectUri}`,
      { details: { reason: 'authorization_url' } },
    );
  }
  if (url.origin !== expected.origin || url.pathname !== expected.pathname) {
    throw new AdsOAuthError(
      'INVALID_CALLBACK',
      `That address is for ${url.origin}${url.pathname}, but this run redirects to ${redirectUri}. Copy the address the browser ends on after consent for the URL printed above.`,
      { details: { reason: 'other_redirect' } },
    );
  }
  if (!url.searchParams.has('code') && !url.searchParams.has('error')) {
    throw new AdsOAuthError(
      'INVALID_CALLBACK',
      'The pasted address has no "code" parameter: it looks truncated. Copy the whole address from the address bar (it is long).',
      { details: { reason: 'truncated' } },
    );
  }
  if (!url.searchParams.has('state')) {
    throw new AdsOAuthError(
      'INVALID_CALLBACK',
      'The pasted address has no "state" parameter: it looks truncated. Copy the whole address from the address bar.',
      { details: { reason: 'truncated' } },
    );
  }
  return url;
}
