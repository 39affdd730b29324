/**
 * The web-application flow of `ads-oauth serve`, framework-agnostic: `start(request)` answers a
 * redirect to the provider and sets a pre-auth cookie, `callback(request)` checks the state against
 * that cookie, then `iss`, exchanges the code, validates the ID token (iss, aud, exp, nonce) and
 * stores the connection. Every protocol call of the web flow lives in this module.
 *
 * The pending authorization (PKCE verifier, nonce, redirect URI, cookie binding) lives in the
 * account store, single-use and with a 10-minute expiry, so a state issued by one instance can be
 * consumed by another that shares the database.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { AdsOAuthError } from '../errors.js';
import { createAuthorizationRequest } from '../protocol/authorize.js';
import { validateCallback, type ValidatedCallback } from '../protocol/callback.js';
import { assertConfiguration, requireClient, type Configuration } from '../protocol/config.js';
import { ADWORDS_SCOPE } from '../protocol/scopes.js';
import { exchangeCode, exchangeCodeForIdentity, revokeToken } from '../protocol/tokens.js';
import type { AccountStore, PendingAuthorization, PendingFlow, StoredAccount } from '../stores/accounts/types.js';

/** What {@link createWebFlow} takes. */
export interface WebFlowOptions {
  /**
   * The configuration of the web client, with the discovered server (issuer, JWKS, …: ID-token
   * validation needs it). A new token is revoked after a failed save only at a revocation endpoint
   * the server advertises (or the configuration was given).
   */
  config: Configuration;
  /** Where pending authorizations and connected accounts live ({@link openAccountStore}), migrated. */
  store: AccountStore;
  /** The public URL of the app; the redirect URI is `<publicUrl>/oauth2callback`. */
  publicUrl: string | URL;
  /** Scopes of the connect flow; default adwords. `openid email` are always added. */
  scopes?: readonly string[];
  /** How long a pending authorization lives (default 10 minutes). */
  pendingTtlMs?: number;
  /** The clock (tests). */
  now?: () => Date;
}

/** The parts of an HTTP request the flow reads. */
export interface WebRequest {
  /** The HTTP method (not checked: route only GET here). */
  method: string;
  /** The request target (`/oauth2callback?code=…`) or an absolute URL. */
  url: string;
  /** The request headers, lower-case names (node:http's `req.headers`); `cookie` is read. */
  headers: Record<string, string | string[] | undefined>;
}

/** What to answer. `location` is set for redirects (it is also in `headers`). */
export interface WebResponse {
  /** 302 from `start`; from `callback` 200, or 400/403/502/503 on failure. */
  status: number;
  /** Headers to send as they are: `Set-Cookie` (the pre-auth cookie), `Cache-Control: no-store`, `Location`. */
  headers: Record<string, string | string[]>;
  /** The redirect target (the provider's authorization URL), for frameworks with a redirect helper. */
  location?: string;
}

/**
 * What a callback came to, for the application to render: a connected account (`connect`, with
 * `created` false when the Google account was already connected and got the new token), an
 * identified admin (`admin`: the ID token's subject and email; nothing stored), or a failure with
 * its {@link AdsOAuthError} (`flow` null when the callback could not be tied to a pending
 * authorization). `returnTo` is the validated same-origin path given to `start`, or null.
 */
export type WebCallbackResult =
  | { ok: true; flow: 'connect'; account: StoredAccount; created: boolean; returnTo: string | null }
  | { ok: true; flow: 'admin'; email: string | null; emailVerified: boolean; subject: string; returnTo: string | null }
  | { ok: false; flow: PendingFlow | null; error: AdsOAuthError };

/** The two handlers of the web flow, made by {@link createWebFlow}. */
export interface WebFlow {
  /** `<publicUrl>/oauth2callback`: register it exactly under "Authorized redirect URIs" of the web client. */
  readonly redirectUri: string;
  /** The pre-auth cookie's name (`__Secure-` prefixed when `publicUrl` is https). */
  readonly cookieName: string;
  /**
   * Starts an authorization: stores the pending request and answers a 302 to the provider with
   * the pre-auth cookie. `flow` `connect` (default) asks for offline access and every scope;
   * `admin` only identifies the user (`openid email`, no refresh token asked for). `returnTo` is
   * kept only when it is a same-origin path (`/…`, not `//…`). Throws `STORE` when the store fails.
   */
  start(request: WebRequest, options?: { flow?: PendingFlow; returnTo?: string }): Promise<{ response: WebResponse }>;
  /**
   * Finishes an authorization at the redirect URI. Never throws: failures are in `result` (with a
   * status to answer) and the pre-auth cookie is always cleared.
   */
  callback(request: WebRequest): Promise<{ response: WebResponse; result: WebCallbackResult }>;
}

const OIDC_SCOPES = ['openid', 'email'];

function cookieHeader(headers: WebRequest['headers']): string {
  const value = headers['cookie'];
  return Array.isArray(value) ? value.join('; ') : (value ?? '');
}

/** The value of one cookie (the first of that name), or undefined. */
export function readCookie(headers: WebRequest['headers'], name: string): string | undefined {
  for (const part of cookieHeader(headers).split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * The web-application flow for many users, as `ads-oauth serve` runs it, for an application's own
 * server (node:http, Express, Fastify…): `start` redirects to the provider, `callback` receives
 * the answer at `<publicUrl>/oauth2callback` and stores the connected account with its refresh
 * token encrypted. Framework-agnostic: requests and responses are plain objects.
 *
 * What it enforces: `state` bound to an HttpOnly, SameSite=Lax pre-auth cookie (a state without
 * its cookie is not even consumed, against login CSRF); the pending request kept in the store,
 * single-use, 10 minutes by default, so any instance sharing the database can take the callback;
 * PKCE S256; a nonce and a validated ID token (iss, aud, exp, nonce; its `sub` keys the account);
 * RFC 9207 `iss`; every requested scope granted. When saving fails the new refresh token is
 * revoked only if no stored account holds the grant, since at Google revoking any token ends the
 * whole grant, a live connection included.
 *
 * @param options the discovered configuration of a web client, the store, the public URL and the
 *   scopes ({@link WebFlowOptions}).
 * @returns the {@link WebFlow} handlers and the redirect URI to register.
 * @throws AdsOAuthError `USAGE` when the configuration has no client or was not discovered (ID
 *   tokens are validated against the discovered metadata)
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { discoverConfiguration, readClientSecretsFile } from 'ads-oauth';
 * import { createWebFlow, openAccountStore, parseKeyring, ENCRYPTION_KEYS_ENV } from 'ads-oauth/web';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret_web.json'));
 * const store = await openAccountStore({
 *   database: 'accounts.db',
 *   keyring: parseKeyring(process.env[ENCRYPTION_KEYS_ENV]),
 *   clientId: config.client!.clientId,
 * });
 * await store.migrate();
 * const flow = createWebFlow({ config, store, publicUrl: 'http://127.0.0.1:8080' });
 *
 * createServer(async (req, res) => {
 *   const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
 *   if (request.url.startsWith('/oauth2callback')) {
 *     const { response, result } = await flow.callback(request);
 *     res.writeHead(response.status, response.headers).end(result.ok ? 'Connected.' : result.error.message);
 *   } else {
 *     const { response } = await flow.start(request);
 *     res.writeHead(response.status, response.headers).end();
 *   }
 * }).listen(8080, '127.0.0.1');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 * @see https://www.rfc-editor.org/rfc/rfc7636
 * @see https://www.rfc-editor.org/rfc/rfc9207
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @see https://developers.google.com/identity/protocols/oauth2/web-server
 */
export function createWebFlow(options: WebFlowOptions): WebFlow {
  const { config, store } = options;
  assertConfiguration(config, 'createWebFlow');
  requireClient(config, 'createWebFlow');
  const server = config.server;
  if (!server.discovered) {
    throw new AdsOAuthError(
      'USAGE',
      'createWebFlow needs a configuration with the discovered server (discoverConfiguration): ID tokens are validated against its metadata.',
    );
  }
  let publicUrl: URL;
  try {
    publicUrl = new URL(String(options.publicUrl));
  } catch {
    throw new AdsOAuthError(
      'USAGE',
      `createWebFlow: "publicUrl" must be an absolute URL (such as https://ads.example.com), not ${JSON.stringify(String(options.publicUrl)).slice(0, 80)}.`,
    );
  }
  const base = publicUrl.href.replace(/\/+$/, '');
  const redirectUri = `${base}/oauth2callback`;
  const secure = publicUrl.protocol === 'https:';
  const cookieName = secure ? '__Secure-ads_oauth_preauth' : 'ads_oauth_preauth';
  const cookiePath = `${publicUrl.pathname.replace(/\/+$/, '')}/oauth2callback`;
  const ttlMs = options.pendingTtlMs ?? 10 * 60_000;
  const now = options.now ?? (() => new Date());
  const connectScopes = [...new Set([...(options.scopes ?? [ADWORDS_SCOPE]), ...OIDC_SCOPES])];

  function setCookie(value: string, maxAgeSeconds: number): string {
    return `${cookieName}=${value}; Path=${cookiePath}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  async function start(
    _request: WebRequest,
    startOptions: { flow?: PendingFlow; returnTo?: string } = {},
  ): Promise<{ response: WebResponse }> {
    const flow = startOptions.flow ?? 'connect';
    const nonce = oauth.generateRandomNonce();
    const binding = randomBytes(32).toString('base64url');
    const request = await createAuthorizationRequest(config, {
      redirectUri,
      scopes: flow === 'admin' ? OIDC_SCOPES : connectScopes,
      nonce,
      // node:crypto's synchronous SHA-256: WebCrypto's async digest cost ~0.5 ms CPU a connect.
      codeChallenge: sha256,
    });
    if (flow === 'admin') {
      // Admin sign-in is identification only: no offline access, no forced consent.
      request.url.searchParams.delete('access_type');
      request.url.searchParams.delete('prompt');
      request.url.searchParams.delete('include_granted_scopes');
    }
    const returnTo = safeReturnTo(startOptions.returnTo, base);
    await store.savePending(request.state, {
      flow,
      codeVerifier: request.codeVerifier,
      nonce,
      redirectUri,
      bindingHash: sha256(binding),
      returnTo,
      expiresAt: new Date(now().getTime() + ttlMs),
    });
    const location = request.url.href;
    return {
      response: {
        status: 302,
        location,
        headers: { Location: location, 'Set-Cookie': setCookie(binding, Math.ceil(ttlMs / 1000)), 'Cache-Control': 'no-store' },
      },
    };
  }

  async function callback(request: WebRequest): Promise<{ response: WebResponse; result: WebCallbackResult }> {
    const headers: Record<string, string | string[]> = { 'Set-Cookie': setCookie('', 0), 'Cache-Control': 'no-store' };
    const fail = (status: number, flow: PendingFlow | null, error: AdsOAuthError) => ({
      response: { status, headers },
      result: { ok: false as const, flow, error },
    });
    const url = new URL(request.url, base + '/');
    const state = url.searchParams.get('state');
    const binding = readCookie(request.headers, cookieName);
    if (!state) {
      return fail(
        400,
        null,
        new AdsOAuthError('INVALID_CALLBACK', 'The callback has no "state": it was not started here. Start again from the connect page.', {
          details: { reason: 'state_missing' },
        }),
      );
    }
    if (!binding) {
      // Without its cookie the state must not even be consumed: it may be a login-CSRF attempt,
      // and consuming it would let an attacker burn a victim's pending authorization.
      return fail(
        400,
        null,
        new AdsOAuthError(
          'INVALID_CALLBACK',
          'This sign-in was started in another browser (or its cookie was blocked). Start again from the connect page, in this browser.',
          { details: { reason: 'state_mismatch' } },
        ),
      );
    }
    let pending;
    try {
      pending = await store.consumePending(state, now());
    } catch (error) {
      return fail(503, null, asError(error));
    }
    if (!pending) {
      return fail(
        400,
        null,
        new AdsOAuthError(
          'INVALID_CALLBACK',
          'This sign-in link was already used or has expired (links last 10 minutes). Start again from the connect page.',
          { details: { reason: 'state_mismatch' } },
        ),
      );
    }
    if (pending.bindingHash !== sha256(binding)) {
      return fail(
        400,
        pending.flow,
        new AdsOAuthError(
          'INVALID_CALLBACK',
          'This sign-in was started in another browser. Start again from the connect page, in this browser.',
          { details: { reason: 'state_mismatch' } },
        ),
      );
    }
    let params: ValidatedCallback;
    try {
      params = validateCallback(config, { state }, url);
    } catch (error) {
      const e = asError(error);
      return fail(e.code === 'ACCESS_DENIED' ? 403 : 400, pending.flow, e);
    }
    if (pending.flow === 'admin') {
      // Admin sign-in is identification only: the ID token is all it needs. A refresh token (which
      // this request did not ask for) is dropped, never stored, and never revoked either: at
      // Google that would end the admin's whole grant, a connected Ads account included.
      let claims: Record<string, unknown>;
      try {
        claims = await exchangeForIdentity(params, pending);
      } catch (error) {
        return fail(502, 'admin', asError(error));
      }
      const subject = typeof claims['sub'] === 'string' ? claims['sub'] : '';
      if (!subject) return fail(502, 'admin', new AdsOAuthError('PROVIDER_RESPONSE', 'The provider\'s ID token has no subject ("sub").'));
      const email = typeof claims['email'] === 'string' ? claims['email'] : null;
      return {
        response: { status: 200, headers },
        result: { ok: true, flow: 'admin', email, emailVerified: claims['email_verified'] === true, subject, returnTo: pending.returnTo },
      };
    }
    let credentials;
    try {
      credentials = await exchangeCode(config, params, {
        codeVerifier: pending.codeVerifier,
        redirectUri: pending.redirectUri,
        scopes: connectScopes,
        expectedNonce: pending.nonce,
      });
    } catch (error) {
      const e = asError(error);
      return fail(e.code === 'SCOPE_NOT_GRANTED' || e.code === 'NO_REFRESH_TOKEN' ? 400 : 502, pending.flow, e);
    }
    const claims = credentials.idTokenClaims ?? {};
    const subject = typeof claims['sub'] === 'string' ? claims['sub'] : '';
    const issuer = typeof claims['iss'] === 'string' ? claims['iss'] : server.as.issuer;
    const email = typeof claims['email'] === 'string' ? claims['email'] : null;
    const emailVerified = claims['email_verified'] === true;
    if (!subject) {
      return fail(502, pending.flow, new AdsOAuthError('PROVIDER_RESPONSE', 'The provider\'s ID token has no subject ("sub").'));
    }
    const expiresAt = new Date(now().getTime() + (credentials.expiresIn ?? 3600) * 1000);
    try {
      const saved = await store.saveConnection({
        issuer,
        subject,
        email,
        emailVerified,
        scopes: credentials.scopes,
        refreshToken: credentials.refreshToken,
        accessToken: { token: credentials.accessToken, expiresAt, scopes: credentials.scopes },
      });
      return {
        response: { status: 200, headers },
        result: { ok: true, flow: 'connect', account: saved.account, created: saved.created, returnTo: pending.returnTo },
      };
    } catch (error) {
      // No false success. Revoke the new token only when no stored account holds this grant:
      // at Google, revoking any token of a grant ends the whole grant, live connection included.
      let existing: StoredAccount | undefined;
      let known = true;
      try {
        existing = await store.findAccount(issuer, subject);
      } catch {
        known = false; // cannot tell: leave the token alone rather than kill a live connection
      }
      if (known && !existing && server.as.revocation_endpoint) {
        await revokeToken(config, credentials.refreshToken, { tokenTypeHint: 'refresh_token' }).catch(() => undefined);
      }
      return fail(
        503,
        'connect',
        new AdsOAuthError('STORE', 'The account could not be saved. Nothing was connected; please try again in a minute.', {
          cause: error,
        }),
      );
    }
  }

  /** The code exchange of an admin sign-in: a validated ID token (iss, aud, exp, nonce), nothing kept. */
  function exchangeForIdentity(params: ValidatedCallback, pending: PendingAuthorization): Promise<Record<string, unknown>> {
    return exchangeCodeForIdentity(config, params, {
      codeVerifier: pending.codeVerifier,
      redirectUri: pending.redirectUri,
      expectedNonce: pending.nonce,
    });
  }

  return { redirectUri, cookieName, start, callback };
}

/**
 * Where to send the browser after the callback, only when it is a path on this app: one leading
 * `/` (not `//`, which is another host), no backslash (browsers read `/\evil` as `//evil`), no
 * whitespace or control character (browsers drop tabs and newlines, so `/\t/evil` is `//evil`),
 * and resolving to this app's own origin. Anything else (`https://evil`, `javascript:`,
 * `%2F%2Fevil`) is dropped: the default page is used instead.
 */
export function safeReturnTo(value: string | undefined, base: string): string | null {
  if (!value || value.length > 2048 || !value.startsWith('/') || value.startsWith('//')) return null;
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (/[\\\s\u0000-\u001f\u007f-\u009f]/.test(value)) return null;
  try {
    const origin = new URL(base).origin;
    return new URL(value, origin).origin === origin ? value : null;
  } catch {
    return null;
  }
}

function asError(error: unknown): AdsOAuthError {
  return error instanceof AdsOAuthError ? error : new AdsOAuthError('INTERNAL', 'Something went wrong on the server.', { cause: error });
}
