// Proves the test harness is real: a plain OAuth 2.0 client (oauth4webapi, no ads-oauth code)
// gets Google-style refresh tokens from the google-like provider through a real headless
// Chromium, and the provider behaves like Google where ads-oauth relies on it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { completeConsent, launchBrowser, type ConsentOptions, type LaunchedBrowser } from '../support/browser.js';
import {
  ADWORDS_SCOPE,
  getFreePort,
  startGoogleLikeProvider,
  USERINFO_EMAIL_SCOPE,
  type GoogleLikeProvider,
} from '../support/google-like-provider.js';

interface CallbackServer {
  port: number;
  hits: URL[];
  close(): Promise<void>;
}

/** A tiny redirect target, like the loopback listener of an installed app. */
async function startCallbackServer(port = 0): Promise<CallbackServer> {
  const hits: URL[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/favicon.ico') hits.push(url);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Connection', 'close');
    res.end('Authorization complete. You may close this window.');
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const insecure = { [oauth.allowInsecureRequests]: true } as const; // loopback http issuer only

describe('google-like provider + headless Chromium harness', { timeout: 180_000 }, () => {
  let provider: GoogleLikeProvider;
  let browser: LaunchedBrowser;
  let as: oauth.AuthorizationServer;
  let loopback: CallbackServer;
  let webCallback: CallbackServer;
  let webRedirectUri: string;
  let earlyRefreshToken: string | undefined;

  before(async () => {
    const webPort = await getFreePort();
    webRedirectUri = `http://127.0.0.1:${webPort}/oauth2callback`;
    provider = await startGoogleLikeProvider({ webRedirectUris: [webRedirectUri] });
    webCallback = await startCallbackServer(webPort);
    loopback = await startCallbackServer();
    browser = await launchBrowser();
    const issuer = new URL(provider.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  });

  after(async () => {
    await browser?.close();
    await Promise.all([provider?.close(), loopback?.close(), webCallback?.close()]);
  });

  function clientOf(kind: 'installed' | 'web') {
    const c = kind === 'installed' ? provider.installed : provider.web;
    return { client: { client_id: c.client_id } as oauth.Client, auth: oauth.ClientSecretPost(c.client_secret) };
  }

  async function authorize(
    kind: 'installed' | 'web',
    redirectUri: string,
    opts: { scope?: string; offline?: boolean; consent?: Partial<ConsentOptions> } = {},
  ) {
    const { client } = clientOf(kind);
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: opts.scope ?? ADWORDS_SCOPE,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      ...(opts.offline === false ? {} : { access_type: 'offline' }),
      prompt: 'consent',
      include_granted_scopes: 'true',
    }).toString();
    const page = await browser.page();
    try {
      const outcome = await completeConsent(page, url.href, {
        login: provider.user.login,
        password: provider.user.password,
        ...opts.consent,
      });
      return { outcome, state, codeVerifier, client };
    } finally {
      await page.close();
    }
  }

  async function exchange(kind: 'installed' | 'web', redirectUri: string, scope?: string) {
    const { outcome, state, codeVerifier, client } = await authorize(kind, redirectUri, scope ? { scope } : {});
    const callback = new URL(outcome.finalUrl);
    assert.equal(callback.href.split('?')[0], redirectUri);
    assert.equal(callback.searchParams.get('iss'), provider.issuer, 'RFC 9207 iss in the authorization response');
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientOf(kind).auth,
      params,
      redirectUri,
      codeVerifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    return { outcome, tokens, client };
  }

  test('discovery looks like what ads-oauth expects', () => {
    assert.equal(as.authorization_endpoint, provider.authUri);
    assert.equal(as.token_endpoint, provider.tokenUri);
    assert.equal(as.revocation_endpoint, provider.revokeUri);
    assert.equal(as.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    const secrets = provider.clientSecrets('installed') as { installed: Record<string, unknown> };
    assert.deepEqual(secrets.installed['redirect_uris'], ['http://localhost']);
    assert.equal(secrets.installed['token_uri'], provider.tokenUri);
  });

  test('installed client, loopback redirect on any port: refresh token with adwords scope', async () => {
    const redirectUri = `http://127.0.0.1:${loopback.port}/`;
    const before = loopback.hits.length;
    const { outcome, tokens } = await exchange('installed', redirectUri);
    assert.equal(outcome.status, 200);
    assert.match(outcome.bodyText, /Authorization complete/);
    assert.equal(loopback.hits.length, before + 1, 'the redirect reached the loopback listener');
    assert.ok(tokens.refresh_token, 'refresh_token issued for access_type=offline');
    assert.ok(tokens.access_token);
    assert.equal(tokens.token_type, 'bearer');
    assert.deepEqual(tokens.scope?.split(' '), [ADWORDS_SCOPE]);
    earlyRefreshToken = tokens.refresh_token;
  });

  test('web client with its exact registered redirect URI', async () => {
    const { tokens } = await exchange('web', webRedirectUri);
    assert.ok(tokens.refresh_token);
    assert.ok(tokens.scope?.split(' ').includes(ADWORDS_SCOPE));
  });

  test('headless-paste style: unreachable redirect target still yields the full callback URL', async () => {
    const deadPort = await getFreePort();
    const redirectUri = `http://127.0.0.1:${deadPort}/`;
    const { outcome, state, client, codeVerifier } = await authorize('installed', redirectUri);
    assert.equal(outcome.status, undefined);
    const callback = new URL(outcome.finalUrl);
    assert.equal(callback.port, String(deadPort));
    assert.ok(callback.searchParams.get('code'));
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, clientOf('installed').auth, params, redirectUri, codeVerifier, insecure),
    );
    assert.ok(tokens.refresh_token);
  });

  test('without access_type=offline there is no refresh token (like Google)', async () => {
    const redirectUri = `http://127.0.0.1:${loopback.port}/`;
    const { outcome, state, client, codeVerifier } = await authorize('installed', redirectUri, { offline: false });
    const params = oauth.validateAuthResponse(as, client, new URL(outcome.finalUrl), state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, clientOf('installed').auth, params, redirectUri, codeVerifier, insecure),
    );
    assert.ok(tokens.access_token);
    assert.equal(tokens.refresh_token, undefined);
  });

  test('unticking a scope on the consent page leaves it out of the granted scope', async () => {
    const redirectUri = `http://127.0.0.1:${loopback.port}/`;
    const { outcome, state, client, codeVerifier } = await authorize('installed', redirectUri, {
      scope: `${ADWORDS_SCOPE} ${USERINFO_EMAIL_SCOPE}`,
      consent: { untick: [USERINFO_EMAIL_SCOPE] },
    });
    const params = oauth.validateAuthResponse(as, client, new URL(outcome.finalUrl), state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, clientOf('installed').auth, params, redirectUri, codeVerifier, insecure),
    );
    assert.deepEqual(tokens.scope?.split(' '), [ADWORDS_SCOPE]);
    assert.ok(tokens.refresh_token);

    // Both ticked: both granted.
    const both = await exchange('installed', redirectUri, `${ADWORDS_SCOPE} ${USERINFO_EMAIL_SCOPE}`);
    assert.deepEqual(both.tokens.scope?.split(' ').sort(), [ADWORDS_SCOPE, USERINFO_EMAIL_SCOPE].sort());
  });

  test('Deny sends error=access_denied (with state and iss) to the redirect URI', async () => {
    const redirectUri = `http://127.0.0.1:${loopback.port}/`;
    const { outcome, state, client } = await authorize('installed', redirectUri, { consent: { action: 'deny' } });
    const callback = new URL(outcome.finalUrl);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('error_description'), 'The user denied access to the requested scopes.');
    assert.equal(callback.searchParams.get('state'), state);
    assert.equal(callback.searchParams.get('iss'), provider.issuer);
    assert.equal(callback.searchParams.get('code'), null);
    assert.throws(
      () => oauth.validateAuthResponse(as, client, callback, state),
      (err: unknown) => err instanceof oauth.AuthorizationResponseError && err.error === 'access_denied',
    );
  });

  test('refresh works (post and basic auth); revocation needs client auth and kills the refresh token', async () => {
    const redirectUri = `http://127.0.0.1:${loopback.port}/`;
    const { tokens, client } = await exchange('installed', redirectUri);
    const refreshToken = tokens.refresh_token!;
    const { auth } = clientOf('installed');

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, insecure),
    );
    assert.ok(refreshed.access_token);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal(refreshed.refresh_token, undefined, 'no rotation, like Google');
    assert.deepEqual(refreshed.scope?.split(' '), [ADWORDS_SCOPE]);

    // A refresh token outlives the browser session's later grants (it is not session-bound).
    assert.ok(earlyRefreshToken);
    const early = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, earlyRefreshToken, insecure),
    );
    assert.ok(early.access_token);

    const basic = oauth.ClientSecretBasic(provider.installed.client_secret);
    const refreshedBasic = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, basic, refreshToken, insecure),
    );
    assert.ok(refreshedBasic.access_token);

    // No client authentication: refused.
    const unauthenticated = await oauth.revocationRequest(as, client, oauth.None(), refreshToken, insecure);
    assert.equal(unauthenticated.status, 401);
    assert.equal(((await unauthenticated.json()) as { error: string }).error, 'invalid_client');
    // Wrong secret: refused.
    const wrong = await oauth.revocationRequest(as, client, oauth.ClientSecretPost('nope'), refreshToken, insecure);
    assert.equal(wrong.status, 401);
    // Still usable after the refused attempts.
    await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, insecure));

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, refreshToken, insecure));
    await assert.rejects(
      async () =>
        oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, insecure)),
      (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === 'invalid_grant',
    );
  });

  test('the web client is refused a redirect URI on another port', async () => {
    const { client } = clientOf('web');
    const wrongPort = await getFreePort();
    const url = new URL(provider.authUri);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: `http://127.0.0.1:${wrongPort}/oauth2callback`,
      response_type: 'code',
      scope: ADWORDS_SCOPE,
      state: 'xyz',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
      access_type: 'offline',
      prompt: 'consent',
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null, 'never redirected to an unregistered URI');
    assert.match(await res.text(), /invalid_redirect_uri/);

    // The browser driver reports the error page rather than hanging.
    const page = await browser.page();
    try {
      await assert.rejects(
        completeConsent(page, url.href, { login: provider.user.login, password: provider.user.password, timeoutMs: 10_000 }),
        /error page[\s\S]*invalid_redirect_uri/,
      );
    } finally {
      await page.close();
    }
  });

  test('PKCE is required and access_type is validated', async () => {
    const { client } = clientOf('installed');
    const base = {
      client_id: client.client_id,
      redirect_uri: `http://127.0.0.1:${loopback.port}/`,
      response_type: 'code',
      scope: ADWORDS_SCOPE,
      state: 'st',
    };
    const noPkce = new URL(provider.authUri);
    noPkce.search = new URLSearchParams(base).toString();
    const r1 = await fetch(noPkce, { redirect: 'manual' });
    assert.equal(r1.status, 303);
    const loc1 = new URL(r1.headers.get('location')!);
    assert.equal(loc1.searchParams.get('error'), 'invalid_request');

    const badAccessType = new URL(provider.authUri);
    badAccessType.search = new URLSearchParams({
      ...base,
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
      access_type: 'forever',
    }).toString();
    const r2 = await fetch(badAccessType, { redirect: 'manual' });
    const loc2 = new URL(r2.headers.get('location')!);
    assert.equal(loc2.searchParams.get('error'), 'invalid_request');
  });

  test('a wrong password is reported by the browser driver', async () => {
    await browser.context.clearCookies(); // sign out
    const url = new URL(provider.authUri);
    url.search = new URLSearchParams({
      client_id: provider.installed.client_id,
      redirect_uri: `http://127.0.0.1:${loopback.port}/`,
      response_type: 'code',
      scope: ADWORDS_SCOPE,
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
      prompt: 'consent',
    }).toString();
    const page = await browser.page();
    try {
      await assert.rejects(
        completeConsent(page, url.href, { login: provider.user.login, password: 'not-it', timeoutMs: 10_000 }),
        /login rejected: Wrong email or password/,
      );
    } finally {
      await page.close();
    }
  });
});
