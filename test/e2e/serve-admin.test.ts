// The admin part of the serve app, in-process, against the Google-like oidc-provider, headless
// Chromium, and the fakes of tokeninfo and the Google Ads API: an admin signs in through the same
// /oauth2callback, sees the connected account, verifies it, downloads its config (every format,
// parsed back), creates an API key and uses it (GET and POST …/verify), revokes it → 401, revokes
// and deletes the account; a non-listed admin and an unverified email get 403 and no session;
// CSRF (no token, a wrong token, a foreign Origin, cross-site) → 403 and nothing changed; session
// fixation; an expired session; sign-out. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { createTokenBroker } from '../../src/broker/index.js';
import { createWebFlow } from '../../src/flows/web.js';
import { discoverConfiguration, type Configuration } from '../../src/protocol/config.js';
import { parseClientSecrets } from '../../src/protocol/client-file.js';
import { refreshAccessToken, revokeToken } from '../../src/protocol/tokens.js';
import { createServeApp } from '../../src/server/serve/app.js';
import { openAccountStore, parseKeyring } from '../../src/stores/accounts/index.js';
import type { AccountStore } from '../../src/stores/accounts/types.js';
import { FORMAT_IDS, getFormat } from '../../src/writers/index.js';
import { completeConsent, launchBrowser, screenshot, type LaunchedBrowser } from '../support/browser.js';
import { startFakeGoogleApis, type FakeGoogleApis } from '../support/fake-google-apis.js';
import { getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';

const ARTIFACTS = 'test-artifacts';
const COOKIE = 'ads_oauth_admin';

describe('serve: the admin page', { timeout: 240_000 }, () => {
  let provider: GoogleLikeProvider;
  let fake: FakeGoogleApis;
  let browser: LaunchedBrowser;
  let dir: string;
  let store: AccountStore;
  let app: FastifyInstance;
  let base: string;
  let client: ReturnType<typeof parseClientSecrets>;
  let config: Configuration;
  const formPosts: Array<Promise<Record<string, string>>> = [];

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const port = await getFreePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startGoogleLikeProvider({ webRedirectUris: [`${base}/oauth2callback`] });
    client = parseClientSecrets(JSON.stringify(provider.clientSecrets('web')), 'web.json');
    fake = await startFakeGoogleApis({ clientId: client.clientId });
    browser = await launchBrowser();
    browser.context.on('request', (request) => {
      if (request.method() === 'POST' && request.url().startsWith(`${base}/admin`)) formPosts.push(request.allHeaders());
    });
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-admin-'));
    // Refresh at the real provider; tokeninfo and the Ads API from the fake (as the CLI's env overrides would).
    config = await discoverConfiguration(client, {
      endpoints: {
        revocationUri: new URL(provider.revokeUri),
        tokeninfoUri: new URL(fake.tokeninfoUri),
        adsApiBase: new URL(fake.adsEndpoint),
      },
    });
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
      config,
      // Case-insensitive: the provider says ads-user@example.com.
      admins: ['ADS-User@Example.COM'],
    });
    await app.listen({ host: '127.0.0.1', port });
  });

  after(async () => {
    await app?.close();
    await store?.close();
    await browser?.close();
    await fake?.close();
    await provider?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function sessionCookie(): Promise<string | undefined> {
    return (await browser.context.cookies(base)).find((c) => c.name === COOKIE)?.value;
  }

  /** Starts an admin sign-in in the browser's cookie jar and walks the provider; the page ends where the callback sent it. */
  async function signIn(page: Page) {
    const start = await browser.context.request.get(`${base}/admin/sign-in`, { maxRedirects: 0 });
    assert.equal(start.status(), 302);
    const outcome = await completeConsent(page, start.headers()['location']!, { ...provider.user });
    await page.waitForLoadState('domcontentloaded');
    return { ...outcome, text: await page.innerText('body') };
  }

  async function connectAccount() {
    const page = await browser.page();
    try {
      const start = await browser.context.request.get(`${base}/connect`, { maxRedirects: 0 });
      const outcome = await completeConsent(page, start.headers()['location']!, { ...provider.user });
      assert.equal(outcome.status, 200, outcome.bodyText);
    } finally {
      await page.close();
    }
  }

  /** A POST as a script would send it, with the browser's session cookie. */
  async function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}, cookie?: string) {
    const id = cookie ?? (await sessionCookie());
    return fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(id ? { cookie: `${COOKIE}=${id}` } : {}), ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  async function csrfToken(): Promise<string> {
    const response = await fetch(`${base}/admin`, { headers: { cookie: `${COOKIE}=${await sessionCookie()}` }, redirect: 'manual' });
    assert.equal(response.status, 200);
    return /name="csrf" value="([^"]+)"/.exec(await response.text())![1]!;
  }

  test('GET /admin without a session redirects to sign-in, which asks only for openid email (no offline access)', async () => {
    const admin = await fetch(`${base}/admin`, { redirect: 'manual' });
    assert.equal(admin.status, 302);
    assert.equal(admin.headers.get('location'), '/admin/sign-in');
    assert.equal(admin.headers.get('cache-control'), 'no-store');
    const start = await fetch(`${base}/admin/sign-in`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    const location = new URL(start.headers.get('location')!);
    assert.equal(location.origin, provider.issuer);
    assert.deepEqual(location.searchParams.get('scope')!.split(' ').sort(), ['email', 'openid']);
    assert.equal(location.searchParams.get('access_type'), null);
    assert.equal(location.searchParams.get('prompt'), null);
    assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(location.searchParams.get('nonce'));
    assert.match(start.headers.get('set-cookie') ?? '', /Path=\/oauth2callback/);
    // After a refusal the 403 page offers the provider's account chooser.
    const choose = await fetch(`${base}/admin/sign-in?choose=account`, { redirect: 'manual' });
    assert.equal(new URL(choose.headers.get('location')!).searchParams.get('prompt'), 'select_account');
  });

  test('an admin sign-in stores no account and no refresh token; the session cookie is HttpOnly, SameSite=Lax; 1 h idle, 8 h absolute', async () => {
    const page = await browser.page();
    try {
      const outcome = await signIn(page);
      assert.equal(new URL(page.url()).pathname, '/admin', outcome.text);
      assert.match(outcome.text, /Signed in as ads-user@example\.com/);
      assert.match(outcome.text, /No account is connected yet/);
    } finally {
      await page.close();
    }
    assert.equal((await store.listAccounts()).length, 0);
    const cookie = (await browser.context.cookies(base)).find((c) => c.name === COOKIE)!;
    assert.ok(cookie, 'a session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    const session = await store.getAdminSession(cookie.value);
    assert.equal(session?.email, 'ads-user@example.com');
    // An hour idle (each use slides it), never more than 8 hours from the sign-in.
    const lifetime = session!.expiresAt.getTime() - Date.now();
    assert.ok(lifetime > 0.9 * 3600_000 && lifetime <= 3600_000, String(lifetime));
    assert.ok(cookie.expires * 1000 - Date.now() > 7.9 * 3600_000, 'the cookie lasts the absolute lifetime');
  });

  test('admin sees the connected account → verify → download config → create API key → use it → revoke it → 401 → revoke and delete the account', async () => {
    await connectAccount();
    const [account] = await store.listAccounts();
    assert.ok(account);
    const refreshToken = (await store.getRefreshToken(account.id))!;
    const page = await browser.page();
    try {
      await page.goto(`${base}/admin`);
      assert.equal(new URL(page.url()).pathname, '/admin');
      const row = page.locator('tbody tr', { hasText: 'ads-user@example.com' });
      assert.equal(await row.count(), 1);
      const rowText = await row.innerText();
      assert.match(rowText, /adwords/);
      assert.match(rowText, /active/);
      assert.match(rowText, /never/); // last refreshed
      assert.match(rowText, new RegExp(account.connectedAt.toISOString().slice(0, 16).replace('T', ' ')));
      assert.equal((await page.locator('th[scope="col"]').count()) >= 6, true);
      await screenshot(page, join(ARTIFACTS, 'serve-admin.png'));
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, join(ARTIFACTS, 'serve-admin-phone.png'));
      await page.setViewportSize({ width: 1280, height: 720 });
      // Keyboard focus is visible: Tab past "Sign out" to the first Verify button.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Verify');
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      assert.equal(outline, 'solid');
      await screenshot(page, join(ARTIFACTS, 'serve-admin-focus.png'));

      // Verify: the lifecycle verify, against the provider (refresh) and the fakes (tokeninfo, Ads API).
      fake.reset();
      await row.getByRole('button', { name: /^Verify/ }).click();
      await page.waitForLoadState('domcontentloaded');
      const verified = await page.innerText('body');
      assert.match(verified, /Verification passed/, verified);
      assert.match(verified, /Refreshed an access token at/);
      assert.match(verified, /Accessible customers: 1234567890, 9876543210/);
      assert.equal(fake.requestsTo('tokeninfo').length, 1);
      assert.equal(fake.requestsTo('listAccessibleCustomers').length, 1);
      assert.doesNotMatch(await page.content(), new RegExp(refreshToken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      await screenshot(page, join(ARTIFACTS, 'serve-admin-verify.png'));
      // The form post the browser made: our Origin (or "null" under no-referrer) and same-origin.
      const sent = await formPosts.at(-1)!;
      assert.ok(sent['origin'] === base || sent['origin'] === 'null', String(sent['origin']));
      assert.equal(sent['sec-fetch-site'], 'same-origin');

      // Download the config in the browser (YAML), parse it.
      await page.goto(`${base}/admin`);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page
          .locator('tbody tr', { hasText: 'ads-user@example.com' })
          .getByRole('button', { name: /^Download config/ })
          .click(),
      ]);
      assert.equal(download.suggestedFilename(), 'google-ads.yaml');
      const yaml = parseYaml(await readFile((await download.path())!, 'utf8')) as Record<string, unknown>;
      assert.equal(yaml['refresh_token'], refreshToken);
      assert.equal(yaml['client_id'], client.clientId);
      assert.equal(yaml['client_secret'], client.clientSecret);
      // Every format the writers know, read back by that format's own reader.
      const csrf = await csrfToken();
      for (const format of FORMAT_IDS) {
        const response = await post(`/admin/accounts/${account.id}/config`, { csrf, format });
        assert.equal(response.status, 200, format);
        assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="[^"/]+"$/);
        assert.equal(response.headers.get('cache-control'), 'no-store');
        const values = getFormat(format).read(await response.text());
        assert.equal(values.refreshToken, refreshToken, format);
        assert.equal(values.clientId, client.clientId, format);
      }
      assert.equal((await post(`/admin/accounts/${account.id}/config`, { csrf, format: 'toml' })).status, 400);
      // Not for anyone else: no session → 403, no file.
      const anonymous = await post(`/admin/accounts/${account.id}/config`, { csrf, format: 'yaml' }, {}, 'forged');
      assert.equal(anonymous.status, 403);
      assert.doesNotMatch(await anonymous.text(), /refresh_token/);

      // Create an API key: shown once.
      await page.fill('#key-name', 'reporting');
      await page.getByRole('button', { name: 'Create API key' }).click();
      await page.waitForLoadState('domcontentloaded');
      const key = (await page.locator('#api-key').innerText()).trim();
      assert.ok(key.length > 20);
      await screenshot(page, join(ARTIFACTS, 'serve-admin-api-key.png'));
      const auth = { authorization: `Bearer ${key}` };
      const listed = (await (await fetch(`${base}/api/v1/accounts`, { headers: auth })).json()) as { accounts: Array<{ id: string }> };
      assert.deepEqual(
        listed.accounts.map((a) => a.id),
        [account.id],
      );
      const apiVerify = await fetch(`${base}/api/v1/accounts/${account.id}/verify`, { method: 'POST', headers: auth });
      assert.equal(apiVerify.status, 200);
      const result = (await apiVerify.json()) as {
        ok: boolean;
        checks: Array<{ id: string; status: string }>;
        customers: string[];
        endpoints: { tokeninfo: string };
      };
      assert.equal(result.ok, true);
      assert.deepEqual(
        result.checks.map((c) => `${c.id}:${c.status}`),
        ['refresh:pass', 'tokeninfo:pass', 'scope:pass', 'client:pass', 'ads_api:pass'],
      );
      assert.equal(result.endpoints.tokeninfo, fake.tokeninfoUri);
      assert.equal((await fetch(`${base}/api/v1/accounts/acc_nope/verify`, { method: 'POST', headers: auth })).status, 404);
      assert.equal((await fetch(`${base}/api/v1/accounts/${account.id}/verify`, { method: 'POST' })).status, 401);
      await page.goto(`${base}/admin`);
      assert.doesNotMatch(await page.content(), new RegExp(key));

      // Revoke the key → 401.
      await page
        .locator('tbody tr', { hasText: 'reporting' })
        .getByRole('button', { name: /^Revoke API key/ })
        .click();
      await page.waitForLoadState('domcontentloaded');
      assert.match(await page.innerText('body'), /The API key was revoked/);
      assert.equal((await fetch(`${base}/api/v1/accounts`, { headers: auth })).status, 401);

      // Revoke the account: the confirmation says it ends the whole grant.
      await page
        .locator('tbody tr', { hasText: 'ads-user@example.com' })
        .getByRole('link', { name: /^Revoke/ })
        .click();
      await page.waitForLoadState('domcontentloaded');
      const confirm = await page.innerText('body');
      assert.match(confirm, /ends the whole grant/);
      await screenshot(page, join(ARTIFACTS, 'serve-admin-revoke-confirm.png'));
      assert.equal((await store.getAccount(account.id))?.status, 'active'); // GET changed nothing
      await page.getByRole('button', { name: 'Revoke access' }).click();
      await page.waitForLoadState('domcontentloaded');
      assert.match(await page.innerText('body'), /revoked at the provider/);
      assert.equal((await store.getAccount(account.id))?.status, 'revoked');
      await screenshot(page, join(ARTIFACTS, 'serve-admin-after-revoke.png'));
      await assert.rejects(refreshAccessToken(config, refreshToken), /invalid_grant|revoked/i);

      // Delete it.
      await page
        .locator('tbody tr', { hasText: 'ads-user@example.com' })
        .getByRole('link', { name: /^Delete/ })
        .click();
      await page.getByRole('button', { name: 'Delete account' }).click();
      await page.waitForLoadState('domcontentloaded');
      assert.match(await page.innerText('body'), /The account was deleted/);
      assert.equal(await store.getAccount(account.id), undefined);
    } finally {
      await page.close();
    }
  });

  test('CSRF: a POST without the token, with a wrong one, from a foreign Origin or cross-site → 403 and nothing changed', async () => {
    assert.ok(await sessionCookie(), 'signed in');
    await connectAccount();
    const [account] = await store.listAccounts();
    const csrf = await csrfToken();
    const keysBefore = (await store.listApiKeys()).length;
    const attempts: Array<[Record<string, string>, Record<string, string>]> = [
      [{ name: 'evil' }, {}],
      [{ name: 'evil', csrf: 'x'.repeat(csrf.length) }, {}],
      [{ name: 'evil', csrf: `${csrf}x` }, {}],
      [{ name: 'evil', csrf }, { origin: 'https://evil.example' }],
      [{ name: 'evil', csrf }, { 'sec-fetch-site': 'cross-site' }],
    ];
    for (const [form, headers] of attempts) {
      const response = await post('/admin/api-keys', form, headers);
      assert.equal(response.status, 403, JSON.stringify([form, headers]));
      assert.match(await response.text(), /Nothing was changed/);
      const revoke = await post(`/admin/accounts/${account!.id}/revoke`, { ...(form['csrf'] ? { csrf: form['csrf'] } : {}) }, headers);
      assert.equal(revoke.status, 403);
    }
    assert.equal((await store.listApiKeys()).length, keysBefore);
    assert.equal((await store.getAccount(account!.id))?.status, 'active');
    // The right token from our origin works (so the refusals above were about the token).
    const ok = await post('/admin/api-keys', { name: 'good', csrf }, { origin: base });
    assert.equal(ok.status, 200);
    assert.equal((await store.listApiKeys()).length, keysBefore + 1);
    // Another session's token is not this session's token.
    const other = await store.createAdminSession({ email: 'ads-user@example.com', ttlMs: 60_000 });
    assert.equal((await post('/admin/api-keys', { name: 'evil', csrf: other.session.csrfToken })).status, 403);
    await store.deleteAdminSession(other.id);
    // GET never changes state: the confirmation page of a revoke changes nothing.
    const get = await fetch(`${base}/admin/accounts/${account!.id}/revoke`, { headers: { cookie: `${COOKIE}=${await sessionCookie()}` } });
    assert.equal(get.status, 200);
    assert.equal((await store.getAccount(account!.id))?.status, 'active');
  });

  test('session fixation: a session cookie planted before sign-in is discarded and a new id issued', async () => {
    const planted = await store.createAdminSession({ email: 'ads-user@example.com', ttlMs: 3600_000 });
    await browser.context.addCookies([{ name: COOKIE, value: planted.id, url: base }]);
    const page = await browser.page();
    try {
      const outcome = await signIn(page);
      assert.match(outcome.text, /Signed in as/);
    } finally {
      await page.close();
    }
    const now = await sessionCookie();
    assert.ok(now);
    assert.notEqual(now, planted.id);
    assert.equal(await store.getAdminSession(planted.id), undefined, 'the planted session is gone');
    const oldCookie = await fetch(`${base}/admin`, { headers: { cookie: `${COOKIE}=${planted.id}` }, redirect: 'manual' });
    assert.equal(oldCookie.status, 302);
  });

  test('an expired session is refused: GET redirects to sign-in, POST is 403', async () => {
    // A session whose (idle) expiry passed unused.
    const short = await store.createAdminSession({ email: 'ads-user@example.com', ttlMs: 200 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const expired = await fetch(`${base}/admin`, { headers: { cookie: `${COOKIE}=${short.id}` }, redirect: 'manual' });
    assert.equal(expired.status, 302);
    assert.equal(expired.headers.get('location'), '/admin/sign-in');
    const keys = (await store.listApiKeys()).length;
    const postExpired = await post('/admin/api-keys', { name: 'late', csrf: short.session.csrfToken }, {}, short.id);
    assert.equal(postExpired.status, 403);
    assert.equal((await store.listApiKeys()).length, keys);
    // In the browser: /admin with the expired cookie goes through the sign-in (the provider still
    // knows the browser and the grant, so no page is shown) and lands back on /admin, with a new id.
    await browser.context.addCookies([{ name: COOKIE, value: short.id, url: base }]);
    const page = await browser.page();
    try {
      await page.goto(`${base}/admin`);
      assert.equal(new URL(page.url()).pathname, '/admin');
      assert.match(await page.innerText('body'), /Signed in as ads-user@example\.com/);
    } finally {
      await page.close();
    }
    const renewed = await sessionCookie();
    assert.ok(renewed && renewed !== short.id);
  });

  test('sign-out ends the session server-side', async () => {
    const page = await browser.page();
    try {
      await page.goto(`${base}/admin`);
      const id = (await sessionCookie())!;
      assert.ok(await store.getAdminSession(id));
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForLoadState('domcontentloaded');
      assert.match(await page.innerText('body'), /Signed out/);
      assert.equal(await store.getAdminSession(id), undefined);
      assert.equal(await sessionCookie(), undefined);
    } finally {
      await page.close();
    }
  });

  for (const [label, claims, pattern, shot] of [
    [
      'an email not on the --admin list',
      { email: 'intruder@example.com' },
      /intruder@example\.com is not an admin/,
      'serve-admin-forbidden.png',
    ],
    ['email_verified false', { email_verified: false }, /has not verified the email address/, undefined],
  ] as const) {
    test(`${label} → 403, and no session (an earlier one is ended too)`, async () => {
      // Start signed in, to show a refused sign-in also ends the session this browser had.
      const before = await store.createAdminSession({ email: 'ads-user@example.com', ttlMs: 3600_000 });
      await browser.context.addCookies([{ name: COOKIE, value: before.id, url: base }]);
      provider.setUserClaims(claims);
      const page = await browser.page();
      try {
        const outcome = await signIn(page);
        assert.equal(outcome.status, 403, outcome.text);
        assert.match(outcome.text, /Not allowed/);
        assert.match(outcome.text, pattern);
        assert.equal(
          await page.getByRole('link', { name: 'Sign in with another account' }).getAttribute('href'),
          '/admin/sign-in?choose=account',
        );
        if (shot) await screenshot(page, join(ARTIFACTS, shot));
      } finally {
        provider.setUserClaims({});
        await page.close();
      }
      assert.equal(await sessionCookie(), undefined);
      assert.equal(await store.getAdminSession(before.id), undefined);
      const admin = await fetch(`${base}/admin`, { headers: { cookie: `${COOKIE}=${before.id}` }, redirect: 'manual' });
      assert.equal(admin.status, 302);
    });
  }

  test('verify of a dead refresh token: failed, with the diagnosis, and the account is marked reconnect_required', async () => {
    for (const a of await store.listAccounts()) await store.deleteAccount(a.id);
    await connectAccount();
    const [account] = await store.listAccounts();
    // The grant ends at the provider behind the server's back (e.g. the user removed the app).
    await revokeToken(config, (await store.getRefreshToken(account!.id))!, { tokenTypeHint: 'refresh_token' });
    const page = await browser.page();
    try {
      // Revoking ended the provider-side grant, so the admin sign-in asks for consent again.
      await signIn(page);
      await page
        .locator('tbody tr', { hasText: 'ads-user@example.com' })
        .getByRole('button', { name: /^Verify/ })
        .click();
      await page.waitForLoadState('domcontentloaded');
      const text = await page.innerText('body');
      assert.match(text, /Verification failed/);
      assert.match(text, /invalid_grant/);
      await screenshot(page, join(ARTIFACTS, 'serve-admin-verify-failed.png'));
    } finally {
      await page.close();
    }
    const after = await store.getAccount(account!.id);
    assert.equal(after?.status, 'reconnect_required');
    assert.ok(after?.statusReason);
  });

  test('the admin pages carry the security headers', async () => {
    const page = await browser.page();
    try {
      await signIn(page);
    } finally {
      await page.close();
    }
    const response = await fetch(`${base}/admin`, { headers: { cookie: `${COOKIE}=${await sessionCookie()}` } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(
      response.headers.get('content-security-policy') ?? '',
      /^default-src 'none'; style-src 'sha256-[^']+';.*form-action 'self'; frame-ancestors 'none'/,
    );
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    const body = await response.text();
    assert.doesNotMatch(body, /<script|https?:\/\/(?!127\.0\.0\.1)[^"<\s]*\.(css|js|png|woff)/);
    assert.match(body, /<label[^>]*for="key-name"/);
  });
});
