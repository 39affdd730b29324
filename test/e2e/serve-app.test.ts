// The serve app (Fastify + the web flow + the SQLite account store + the token broker) in-process,
// against the Google-like oidc-provider and headless Chromium: connect, the API lists the account,
// the broker's access token is accepted by the provider's userinfo, delete → 404; deny; an
// unticked adwords scope; a replayed callback; a state without its cookie (login CSRF); headers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTokenBroker } from '../../src/broker/index.js';
import { createWebFlow } from '../../src/flows/web.js';
import { discoverConfiguration, type Configuration } from '../../src/protocol/config.js';
import { parseClientSecrets } from '../../src/protocol/client-file.js';
import { refreshAccessToken, revokeToken } from '../../src/protocol/tokens.js';
import { createServeApp } from '../../src/server/serve/app.js';
import { openAccountStore, parseKeyring } from '../../src/stores/accounts/index.js';
import type { AccountStore } from '../../src/stores/accounts/types.js';
import { completeConsent, launchBrowser, screenshot, type LaunchedBrowser } from '../support/browser.js';
import { ADWORDS_SCOPE, getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';

describe('serve: the web flow and the broker API', { timeout: 180_000 }, () => {
  let provider: GoogleLikeProvider;
  let browser: LaunchedBrowser;
  let dir: string;
  let store: AccountStore;
  let app: FastifyInstance;
  let base: string;
  let apiKey: string;
  let client: ReturnType<typeof parseClientSecrets>;
  let config: Configuration;

  before(async () => {
    const port = await getFreePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startGoogleLikeProvider({ webRedirectUris: [`${base}/oauth2callback`] });
    browser = await launchBrowser();
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-'));
    client = parseClientSecrets(JSON.stringify(provider.clientSecrets('web')), 'web.json');
    config = await discoverConfiguration(client, { endpoints: { revocationUri: new URL(provider.revokeUri) } });
    assert.equal(config.server.discovered, true);
    const keyring = parseKeyring(`k1:${randomBytes(32).toString('base64')}`);
    store = await openAccountStore({ database: join(dir, 'serve.sqlite'), keyring, clientId: client.clientId });
    await store.migrate();
    const flow = createWebFlow({ config, store, publicUrl: base });
    const broker = createTokenBroker({
      store,
      refresh: (refreshToken, { signal }) => refreshAccessToken(config, refreshToken, signal ? { signal } : {}),
    });
    app = await createServeApp({
      flow,
      store,
      broker,
      publicUrl: base,
      revoke: (token) => revokeToken(config, token, { tokenTypeHint: 'refresh_token' }),
    });
    await app.listen({ host: '127.0.0.1', port });
    apiKey = (await store.createApiKey('test')).key;
  });

  after(async () => {
    await app?.close();
    await store?.close();
    await browser?.close();
    await provider?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, ...(init.headers ?? {}) } });

  /** GET /connect in the browser's context (its cookie jar), without following the 302. */
  async function startUrl(): Promise<string> {
    const response = await browser.context.request.get(`${base}/connect`, { maxRedirects: 0 });
    assert.equal(response.status(), 302);
    return response.headers()['location']!;
  }

  async function connect(options: { action?: 'allow' | 'deny'; untick?: string[]; shot?: string } = {}) {
    const page = await browser.page();
    try {
      await page.goto(`${base}/`);
      if (options.shot) {
        await screenshot(page, join('test-artifacts', 'serve-connect.png'));
        await page.setViewportSize({ width: 390, height: 844 }); // a phone; the result page is shot at this width too
        await screenshot(page, join('test-artifacts', 'serve-connect-phone.png'));
      }
      const outcome = await completeConsent(page, await startUrl(), { ...provider.user, ...options });
      if (options.shot) await screenshot(page, join('test-artifacts', `serve-${options.shot}.png`));
      return outcome;
    } finally {
      await page.close();
    }
  }

  test('every response carries the security headers; the API needs a key', async () => {
    const home = await fetch(`${base}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Connect your Google Ads account/);
    assert.match(home.headers.get('content-security-policy') ?? '', /^default-src 'none';.*frame-ancestors 'none'/);
    assert.equal(home.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(home.headers.get('referrer-policy'), 'no-referrer');
    const start = await fetch(`${base}/connect`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    assert.equal(start.headers.get('cache-control'), 'no-store');
    const location = new URL(start.headers.get('location')!);
    assert.equal(location.origin, provider.issuer);
    for (const [k, v] of [
      ['access_type', 'offline'],
      ['prompt', 'consent'],
      ['include_granted_scopes', 'true'],
      ['code_challenge_method', 'S256'],
    ]) {
      assert.equal(location.searchParams.get(k!), v);
    }
    assert.ok(location.searchParams.get('nonce'));
    assert.deepEqual(location.searchParams.get('scope')!.split(' ').sort(), [ADWORDS_SCOPE, 'email', 'openid'].sort());
    const cookie = start.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\/oauth2callback/);
    assert.equal((await fetch(`${base}/api/v1/accounts`)).status, 401);
    assert.equal((await fetch(`${base}/api/v1/accounts`, { headers: { authorization: 'Bearer nope' } })).status, 401);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  });

  test('connect → the API lists it → the broker token works at userinfo → replay refused → delete → 404', async () => {
    const outcome = await connect({ shot: 'success' });
    assert.equal(outcome.status, 200);
    assert.match(outcome.bodyText, new RegExp(`Connected as ${provider.user.login.replace('.', '\\.')}`));

    const list = (await (await api('/accounts')).json()) as { accounts: Array<Record<string, unknown>> };
    assert.equal(list.accounts.length, 1);
    const account = list.accounts[0]!;
    assert.equal(account['email'], provider.user.login);
    assert.equal(account['status'], 'active');
    assert.equal(account['last_refreshed_at'], null);
    assert.ok((account['scopes'] as string[]).includes(ADWORDS_SCOPE));
    assert.deepEqual(Object.keys(account).sort(), ['connected_at', 'email', 'id', 'last_refreshed_at', 'scopes', 'status', 'subject']);

    const tokenResponse = await api(`/accounts/${account['id']}/access-token`);
    assert.equal(tokenResponse.status, 200);
    const token = (await tokenResponse.json()) as { access_token: string; expires_at: string };
    assert.ok(!Number.isNaN(Date.parse(token.expires_at)));
    const userinfo = await fetch(`${provider.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${token.access_token}` } });
    assert.equal(userinfo.status, 200);
    assert.equal(((await userinfo.json()) as { email: string }).email, provider.user.login);

    // The same callback URL again (same browser cookie gone, state consumed): refused, never "connected".
    const replay = await fetch(outcome.finalUrl, { redirect: 'manual' });
    assert.equal(replay.status, 400);
    assert.doesNotMatch(await replay.text(), /Connected as/);

    assert.equal((await api(`/accounts/${account['id']}`, { method: 'DELETE' })).status, 204);
    assert.equal((await api(`/accounts/${account['id']}`)).status, 404);
    const gone = await api(`/accounts/${account['id']}/access-token`);
    assert.equal(gone.status, 404);
    assert.equal(((await gone.json()) as { error: string }).error, 'not_found');
  });

  test('deny and an unticked adwords scope answer a failure page and store nothing', async () => {
    const denied = await connect({ action: 'deny', shot: 'failure' });
    assert.equal(denied.status, 403);
    assert.match(denied.bodyText, /denied/i);
    assert.doesNotMatch(denied.bodyText, /Connected as/);
    const unticked = await connect({ untick: [ADWORDS_SCOPE] });
    assert.equal(unticked.status, 400);
    assert.match(unticked.bodyText, /Google Ads permission was left unticked/);
    assert.doesNotMatch(unticked.bodyText, /Connected as/);
    assert.equal((await store.listAccounts()).length, 0);
  });

  test('a state from another browser (login CSRF) is refused and not consumed', async () => {
    // The attacker starts a flow in their browser and sends the victim the callback URL.
    const page = await browser.page();
    let finalUrl: string;
    try {
      finalUrl = (await completeConsent(page, await startUrl(), { ...provider.user })).finalUrl;
    } finally {
      await page.close();
    }
    const accounts = (await store.listAccounts()).length;
    // The attacker's own browser (the persistent context) used it; a second, cookie-less client cannot.
    const victim = await fetch(finalUrl, { redirect: 'manual' });
    assert.equal(victim.status, 400);
    assert.doesNotMatch(await victim.text(), /Connected as/);
    assert.equal((await store.listAccounts()).length, accounts);

    // A fresh start whose callback is presented without the cookie: refused, and the state stays usable.
    const start = await fetch(`${base}/connect`, { redirect: 'manual' });
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const noCookie = await fetch(`${base}/oauth2callback?state=${state}&code=x&iss=${encodeURIComponent(provider.issuer)}`, {
      redirect: 'manual',
    });
    assert.equal(noCookie.status, 400);
    assert.match(await noCookie.text(), /another browser/);
    const wrongCookie = await fetch(`${base}/oauth2callback?state=${state}&code=x`, {
      redirect: 'manual',
      headers: { cookie: 'ads_oauth_preauth=forged' },
    });
    assert.equal(wrongCookie.status, 400);
  });

  /** Runs one consent whose callback is handed to a flow on a store whose saveConnection fails. */
  async function connectWithFailingStore(): Promise<{ status: number; body: string; newToken: string }> {
    let newToken = '';
    const failing = new Proxy(store, {
      get(target, name) {
        if (name === 'saveConnection') {
          return async (connection: { refreshToken: string }) => {
            newToken = connection.refreshToken;
            throw new Error('disk full');
          };
        }
        const value = Reflect.get(target, name, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const flow = createWebFlow({ config, store: failing, publicUrl: base });
    const { response } = await flow.start({ method: 'GET', url: '/connect', headers: {} });
    const cookie = String(response.headers['Set-Cookie']).split(';')[0]!;
    const page = await browser.page();
    let finalUrl: string;
    try {
      // The browser lacks this cookie, so the real app refuses the callback without consuming it.
      finalUrl = (await completeConsent(page, response.location!, { ...provider.user })).finalUrl;
    } finally {
      await page.close();
    }
    const { response: answer, result } = await flow.callback({ method: 'GET', url: finalUrl, headers: { cookie } });
    assert.equal(result.ok, false);
    return { status: answer.status, body: result.ok ? '' : result.error.message, newToken };
  }

  test("a store failure after the exchange: no success; a new account's token is revoked, an existing account's grant is left alone", async () => {
    for (const a of await store.listAccounts()) await store.deleteAccount(a.id); // the user is new again
    const fresh = await connectWithFailingStore();
    assert.equal(fresh.status, 503);
    assert.match(fresh.body, /try again/);
    assert.ok(fresh.newToken);
    await assert.rejects(refreshAccessToken(config, fresh.newToken), /invalid_grant|revoked|no longer/i);
    assert.equal((await store.listAccounts()).length, 0);

    const connected = await connect();
    assert.equal(connected.status, 200);
    const [account] = await store.listAccounts();
    const again = await connectWithFailingStore();
    assert.equal(again.status, 503);
    // The new token was not revoked, so the grant of the stored connection lives on.
    const live = await store.getRefreshToken(account!.id);
    const refreshed = await refreshAccessToken(config, live!);
    assert.ok(refreshed.accessToken);
    await refreshAccessToken(config, again.newToken);
  });
});
