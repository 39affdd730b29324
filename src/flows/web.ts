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

export interface WebFlowOptions {
  /**
   * The configuration of the web client, with the discovered server (issuer, JWKS, …: ID-token
   * validation needs it). A new token is revoked after a failed save only at a revocation endpoint
   * the server advertises (or the configuration was given).
   */
  config: Configuration;
  store: AccountStore;
  /** The public URL of the app; the redirect URI is `<publicUrl>/oauth2callback`. */
  publicUrl: string | URL;
  /** Scopes of the connect flow; default adwords. `openid email` are always added. */
  scopes?: readonly string[];
  /** How long a pending authorization lives (default 10 minutes). */
  pendingTtlMs?: number;
  now?: () => Date;
}

/** The parts of an HTTP request the flow reads. */
export interface WebRequest {
  method: string;
  /** The request target (`/oauth2callback?code=…`) or an absolute URL. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** What to answer. `location` is set for redirects (it is also in `headers`). */
export interface WebResponse {
  status: number;
  headers: Record<string, string | string[]>;
  location?: string;
}

export type WebCallbackResult =
  | { ok: true; flow: 'connect'; account: StoredAccount; created: boolean; returnTo: string | null }
  | { ok: true; flow: 'admin'; email: string | null; emailVerified: boolean; subject: string; returnTo: string | null }
  | { ok: false; flow: PendingFlow | null; error: AdsOAuthError };

export interface WebFlow {
  readonly redirectUri: string;
  readonly cookieName: string;
  start(request: WebRequest, options?: { flow?: PendingFlow; returnTo?: string }): Promise<{ response: WebResponse }>;
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

export function createWebFlow(options: WebFlowOptions): WebFlow {
  const { config, store } = options;
  assertConfiguration(config, 'createWebFlow');
  requireClient(config, 'createWebFlow');
  const server = config.server;
  if (!server.discovered) {
    throw new AdsOAuthError('USAGE', 'createWebFlow needs a configuration with the discovered server (discoverConfiguration): ID tokens are validated against its metadata.');
  }
  const publicUrl = new URL(String(options.publicUrl));
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

  async function start(_request: WebRequest, startOptions: { flow?: PendingFlow; returnTo?: string } = {}): Promise<{ response: WebResponse }> {
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
      return fail(400, null, new AdsOAuthError('INVALID_CALLBACK', 'The callback has no "state": it was not started here. Start again from the connect page.', { details: { reason: 'state_missing' } }));
    }
    if (!binding) {
      // Without its cookie the state must not even be consumed: it may be a login-CSRF attempt,
      // and consuming it would let an attacker burn a victim's pending authorization.
      return fail(400, null, new AdsOAuthError('INVALID_CALLBACK', 'This sign-in was started in another browser (or its cookie was blocked). Start again from the connect page, in this browser.', { details: { reason: 'state_mismatch' } }));
    }
    let pending;
    try {
      pending = await store.consumePending(state, now());
    } catch (error) {
      return fail(503, null, asError(error));
    }
    if (!pending) {
      return fail(400, null, new AdsOAuthError('INVALID_CALLBACK', 'This sign-in link was already used or has expired (links last 10 minutes). Start again from the connect page.', { details: { reason: 'state_mismatch' } }));
    }
    if (pending.bindingHash !== sha256(binding)) {
      return fail(400, pending.flow, new AdsOAuthError('INVALID_CALLBACK', 'This sign-in was started in another browser. Start again from the connect page, in this browser.', { details: { reason: 'state_mismatch' } }));
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
      return { response: { status: 200, headers }, result: { ok: true, flow: 'admin', email, emailVerified: claims['email_verified'] === true, subject, returnTo: pending.returnTo } };
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
      return { response: { status: 200, headers }, result: { ok: true, flow: 'connect', account: saved.account, created: saved.created, returnTo: pending.returnTo } };
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
      return fail(503, 'connect', new AdsOAuthError('STORE', 'The account could not be saved. Nothing was connected; please try again in a minute.', { cause: error }));
    }
  }

  /** The code exchange of an admin sign-in: a validated ID token (iss, aud, exp, nonce), nothing kept. */
  function exchangeForIdentity(params: ValidatedCallback, pending: PendingAuthorization): Promise<Record<string, unknown>> {
    return exchangeCodeForIdentity(config, params, { codeVerifier: pending.codeVerifier, redirectUri: pending.redirectUri, expectedNonce: pending.nonce });
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
