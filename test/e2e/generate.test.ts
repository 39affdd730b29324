// generate-user-credentials end to end: the built CLI as a real process, the Google-like
// provider (oidc-provider) and a real headless Chromium doing the sign-in and consent.
// Covers the happy paths (installed and web clients, --json, --port, `ads-oauth generate`), the
// consent failures (deny, an unticked scope), and that no secret ever reaches the terminal.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { completeConsent, launchBrowser, screenshot, type ConsentOptions, type LaunchedBrowser } from '../support/browser.js';
import { canBind, killLeftovers, portOf, spawnCli, type CliExit } from '../support/cli.js';
import {
  ADWORDS_SCOPE,
  getFreePort,
  startGoogleLikeProvider,
  USERINFO_EMAIL_SCOPE,
  type GoogleLikeProvider,
} from '../support/google-like-provider.js';
import { assertNoSecrets as assertNoneOf } from '../support/secrets.js';

const SUCCESS_TEXT = 'Your refresh token has been fetched. Check the console output for further instructions.';
const SCREENSHOT_PATH = join(tmpdir(), 'ads-oauth-success-page.png');

/** The PKCE verifier is never printed: no word of the output hashes to the request's challenge. */
function assertNoVerifier(text: string, consentUrl: URL): void {
  const challenge = consentUrl.searchParams.get('code_challenge');
  assert.ok(challenge, 'the consent URL carries a code_challenge');
  for (const word of text.match(/[A-Za-z0-9\-._~]{43,128}/g) ?? []) {
    const hash = createHash('sha256').update(word).digest('base64url');
    assert.notEqual(hash, challenge, 'the PKCE code verifier was printed');
  }
}

/** Neither the client secret, nor the authorization code, nor the verifier appear in the output. */
function assertNoSecrets(exit: CliExit, secrets: { clientSecret: string; callback?: string; consentUrl?: URL }): void {
  const code = secrets.callback ? new URL(secrets.callback).searchParams.get('code') : undefined;
  assertNoneOf(exit, [secrets.clientSecret, code], { noStackTrace: true });
  if (secrets.consentUrl) assertNoVerifier(`${exit.stdout}\n${exit.stderr}`, secrets.consentUrl);
}

function refreshTokenOf(stdout: string): string {
  const match = stdout.match(/^Your refresh token is: (\S+)$/m);
  assert.ok(match, `no refresh token on stdout:\n${stdout}`);
  return match[1]!;
}

describe('generate-user-credentials with a browser', { timeout: 300_000 }, () => {
  let provider: GoogleLikeProvider;
  let browser: LaunchedBrowser;
  let dir: string;
  let installedFile: string;
  let webFile: string;

  before(async () => {
    provider = await startGoogleLikeProvider();
    browser = await launchBrowser();
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-generate-'));
    installedFile = await provider.writeClientFile('installed', dir);
    const webDir = join(dir, 'web');
    await mkdir(webDir);
    webFile = await provider.writeClientFile('web', webDir);
  });

  after(async () => {
    await killLeftovers();
    await browser?.close();
    await provider?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const login = (): Pick<ConsentOptions, 'login' | 'password'> => ({ login: provider.user.login, password: provider.user.password });

  /** Consent in a fresh tab; the tab is closed unless `keep` is given. */
  async function consent(url: URL, options: Partial<ConsentOptions> = {}, keep?: (page: Page) => Promise<void>) {
    const page = await browser.page();
    try {
      const outcome = await completeConsent(page, url.href, { ...login(), ...options });
      if (keep) await keep(page);
      return outcome;
    } finally {
      await page.close();
    }
  }

  async function refreshAtProvider(refreshToken: string, client: { client_id: string; client_secret: string }) {
    const response = await fetch(provider.tokenUri, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: client.client_id,
        client_secret: client.client_secret,
      }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, 200, `refresh failed: ${JSON.stringify(body)}`);
    assert.equal(typeof body['access_token'], 'string');
    assert.equal(body['token_type'], 'Bearer');
    return body;
  }

  test('installed client: token on stdout, URL and progress on stderr, the token refreshes, port freed', { timeout: 60_000 }, async (t) => {
    const cli = await spawnCli([`--client_secrets_path=${installedFile}`, '--no-open'], { t });
    const url = await cli.consentUrl();
    const redirectUri = url.searchParams.get('redirect_uri')!;
    assert.match(redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(url.origin + url.pathname, provider.authUri);
    assert.equal(url.searchParams.get('client_id'), provider.installed.client_id);
    assert.equal(url.searchParams.get('scope'), ADWORDS_SCOPE);
    assert.equal(url.searchParams.get('access_type'), 'offline');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    const port = portOf(redirectUri);

    const outcome = await consent(url, {}, (page) => screenshot(page, SCREENSHOT_PATH));
    assert.equal(outcome.status, 200);
    assert.ok(outcome.finalUrl.startsWith(redirectUri), outcome.finalUrl);
    assert.ok(outcome.bodyText.includes(SUCCESS_TEXT), outcome.bodyText);

    const exit = await cli.waitForExit();
    assert.equal(exit.code, 0, exit.stderr);
    const token = refreshTokenOf(exit.stdout);
    assert.ok(!outcome.bodyText.includes(token), 'the success page shows the token');
    const code = new URL(outcome.finalUrl).searchParams.get('code')!;
    assert.ok(!outcome.bodyText.includes(code), 'the success page shows the code');

    // stdout: the token and the google-ads.yaml snippet; nothing else.
    // The snippet is valid YAML holding the client ID and the token (quoted when YAML needs it,
    // e.g. a token starting with "-").
    const snippet = exit.stdout
      .split('\n')
      .filter((line) => /^(client_id|client_secret|refresh_token): /.test(line))
      .join('\n');
    const parsed = parseYaml(snippet) as Record<string, unknown>;
    assert.equal(parsed['client_id'], provider.installed.client_id);
    assert.equal(parsed['refresh_token'], token);
    assert.notEqual(parsed['client_secret'], provider.installed.client_secret);
    assert.match(exit.stdout, /https:\/\/developers\.google\.com\/google-ads\/api\/docs\/client-libs\//);
    // Streams: the URL and the progress go to stderr only.
    assert.ok(!exit.stdout.includes(url.href), 'the consent URL is on stdout');
    assert.ok(!exit.stdout.includes('Paste this URL'));
    assert.ok(!/waiting|exchanging/i.test(exit.stdout), exit.stdout);
    assert.match(exit.stderr, /Paste this URL in your browser:\n\nhttp:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/auth\?\S+\n/);
    assert.match(exit.stderr, /Waiting up to 300 s for the browser/);
    assert.match(exit.stderr, /exchanging the code/);
    assert.ok(!exit.stderr.includes(token), 'the token is on stderr');
    assertNoSecrets(exit, { clientSecret: provider.installed.client_secret, callback: outcome.finalUrl, consentUrl: url });

    assert.ok(await canBind(port), `port ${port} is still in use after the run`);
    await refreshAtProvider(token, provider.installed);
  });

  test(
    'a whole run loads neither undici, WebCrypto nor node:crypto (the bundle has lite-web and lite-crypto for them; the provider is http)',
    { timeout: 60_000 },
    async (t) => {
      const hook = join(dir, 'module-list.cjs');
      const list = join(dir, 'module-list.txt');
      await writeFile(
        hook,
        `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`,
      );
      const cli = await spawnCli([`--client_secrets_path=${installedFile}`, '--no-open'], {
        t,
        env: { NODE_OPTIONS: `--require=${hook}` },
      });
      const outcome = await consent(await cli.consentUrl());
      assert.equal(outcome.status, 200);
      const exit = await cli.waitForExit();
      assert.equal(exit.code, 0, exit.stderr);
      // oidc-provider checked the PKCE S256 challenge that lite-crypto's digest (sha256.ts) made
      // over the verifier it drew from /dev/urandom.
      assert.ok(refreshTokenOf(exit.stdout));
      const modules = (await readFile(list, 'utf8')).split('\n');
      assert.ok(modules.includes('NativeModule http'), 'the hook saw the run');
      assert.deepEqual(
        modules.filter((m) => /undici|internal\/crypto\/|NativeModule crypto$|internal\/blocklist/.test(m)),
        [],
      );
    },
  );

  test('the success page carries the protective headers and no secrets', { timeout: 60_000 }, async (t) => {
    const cli = await spawnCli([`--client_secrets_path=${installedFile}`, '--no-open'], { t });
    const url = await cli.consentUrl();
    const redirectUri = url.searchParams.get('redirect_uri')!;
    const page = await browser.page();
    try {
      const responsePromise = page.waitForResponse((r) => r.url().startsWith(redirectUri) && r.request().isNavigationRequest(), {
        timeout: 45_000,
      });
      const outcome = await completeConsent(page, url.href, login());
      const response = await responsePromise;
      const headers = await response.allHeaders();
      assert.equal(response.status(), 200);
      assert.match(headers['content-security-policy'] ?? '', /default-src 'none'/);
      assert.equal(headers['cache-control'], 'no-store');
      assert.equal(headers['referrer-policy'], 'no-referrer');
      assert.match(headers['content-type'] ?? '', /^text\/html/);
      const html = await response.text();
      const code = new URL(outcome.finalUrl).searchParams.get('code')!;
      assert.ok(!html.includes(code), 'the page source holds the code');
      const exit = await cli.waitForExit();
      assert.equal(exit.code, 0, exit.stderr);
      assert.ok(!html.includes(refreshTokenOf(exit.stdout)), 'the page source holds the token');
      assertNoSecrets(exit, { clientSecret: provider.installed.client_secret, callback: outcome.finalUrl, consentUrl: url });
    } finally {
      await page.close();
    }
  });

  test('the success page renders (screenshot saved)', { timeout: 10_000 }, async () => {
    const png = await readFile(SCREENSHOT_PATH);
    assert.ok(png.length > 1000, 'screenshot is not empty');
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  });

  test('web client: uses its registered loopback redirect URI exactly', { timeout: 60_000 }, async (t) => {
    const registered = provider.web.redirect_uris[0]!;
    assert.match(registered, /^http:\/\/127\.0\.0\.1:\d+\/oauth2callback$/);
    const cli = await spawnCli([`--client_secrets_path=${webFile}`, '--no-open'], { t });
    const url = await cli.consentUrl();
    assert.equal(url.searchParams.get('redirect_uri'), registered);
    assert.equal(url.searchParams.get('client_id'), provider.web.client_id);
    const outcome = await consent(url);
    assert.equal(outcome.status, 200);
    assert.ok(outcome.finalUrl.startsWith(`${registered}?`), outcome.finalUrl);
    assert.ok(outcome.bodyText.includes(SUCCESS_TEXT), outcome.bodyText);
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 0, exit.stderr);
    const token = refreshTokenOf(exit.stdout);
    assert.ok(exit.stdout.includes(`client_id: ${provider.web.client_id}`));
    assertNoSecrets(exit, { clientSecret: provider.web.client_secret, callback: outcome.finalUrl, consentUrl: url });
    assert.ok(await canBind(portOf(registered)), 'the registered port is still in use');
    await refreshAtProvider(token, provider.web);
  });

  test('web client registered with http://localhost:PORT/path: that exact URI, served', { timeout: 60_000 }, async (t) => {
    const registered = `http://localhost:${await getFreePort()}/oauth2callback`;
    const localProvider = await startGoogleLikeProvider({ webRedirectUris: [registered] });
    t.after(() => localProvider.close());
    const localDir = join(dir, 'web-localhost');
    await mkdir(localDir);
    const file = await localProvider.writeClientFile('web', localDir);
    const cli = await spawnCli([`--client_secrets_path=${file}`, '--no-open'], { t });
    const url = await cli.consentUrl();
    assert.equal(url.searchParams.get('redirect_uri'), registered);
    const page = await browser.page();
    let outcome;
    try {
      outcome = await completeConsent(page, url.href, { login: localProvider.user.login, password: localProvider.user.password });
    } finally {
      await page.close();
    }
    assert.equal(outcome.status, 200, outcome.bodyText);
    assert.ok(outcome.finalUrl.startsWith(`${registered}?`), outcome.finalUrl);
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 0, exit.stderr);
    refreshTokenOf(exit.stdout);
    assertNoSecrets(exit, { clientSecret: localProvider.web.client_secret, callback: outcome.finalUrl, consentUrl: url });
  });

  test('--json: stdout is exactly one JSON object with the four keys', { timeout: 60_000 }, async (t) => {
    const cli = await spawnCli([`--client_secrets_path=${installedFile}`, '--no-open', '--json'], { t });
    const url = await cli.consentUrl();
    const outcome = await consent(url);
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.stdout.trim().split('\n').length, 1, `more than one line on stdout:\n${exit.stdout}`);
    const parsed = JSON.parse(exit.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).sort(), ['client_id', 'refresh_token', 'scopes', 'token_uri']);
    assert.equal(parsed['client_id'], provider.installed.client_id);
    assert.equal(parsed['token_uri'], provider.tokenUri);
    assert.deepEqual(parsed['scopes'], [ADWORDS_SCOPE]);
    assert.equal(typeof parsed['refresh_token'], 'string');
    assert.ok(!exit.stdout.includes('Your refresh token'));
    assert.ok(exit.stderr.includes('Paste this URL in your browser:'), 'human text goes to stderr');
    assert.ok(!exit.stderr.includes(parsed['refresh_token'] as string));
    assertNoSecrets(exit, { clientSecret: provider.installed.client_secret, callback: outcome.finalUrl, consentUrl: url });
    await refreshAtProvider(parsed['refresh_token'] as string, provider.installed);
  });

  test('--port N and --login-hint are honoured, and `ads-oauth generate` works the same', { timeout: 60_000 }, async (t) => {
    const port = await getFreePort();
    const cli = await spawnCli(
      ['generate', `--client_secrets_path=${installedFile}`, '--no-open', '--port', String(port), '--login-hint', provider.user.login],
      { t, bin: 'ads-oauth' },
    );
    const url = await cli.consentUrl();
    assert.equal(url.searchParams.get('redirect_uri'), `http://127.0.0.1:${port}/`);
    assert.equal(url.searchParams.get('login_hint'), provider.user.login);
    assert.equal(await canBind(port), false, 'nothing listens on the chosen port');
    const outcome = await consent(url);
    assert.equal(outcome.status, 200);
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 0, exit.stderr);
    refreshTokenOf(exit.stdout);
    assert.ok(await canBind(port), `port ${port} is still in use after the run`);
  });

  test('deny (with --json): exit 5, the page says access was denied, stdout holds one error object', { timeout: 60_000 }, async (t) => {
    const cli = await spawnCli([`--client_secrets_path=${installedFile}`, '--no-open', '--json'], { t });
    const url = await cli.consentUrl();
    const outcome = await consent(url, { action: 'deny' });
    assert.equal(outcome.status, 403);
    assert.match(outcome.bodyText, /Authorization failed/);
    assert.match(outcome.bodyText, /denied/i);
    assert.ok(!outcome.bodyText.includes(SUCCESS_TEXT));
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 5, exit.stderr);
    assert.match(exit.stderr, /Access was denied at the consent screen/);
    const printed = JSON.parse(exit.stdout) as { error: { code: string; message: string; exit_code: number } };
    assert.deepEqual(Object.keys(printed), ['error'], 'with --json a failure prints exactly one error object on stdout');
    assert.equal(printed.error.code, 'ACCESS_DENIED');
    assert.equal(printed.error.exit_code, 5);
    assert.match(printed.error.message, /Access was denied at the consent screen/);
    assertNoSecrets(exit, { clientSecret: provider.installed.client_secret, callback: outcome.finalUrl, consentUrl: url });
    assert.ok(await canBind(portOf(url.searchParams.get('redirect_uri')!)));
  });

  test('granular consent: an unticked scope fails with exit 5 naming it', { timeout: 60_000 }, async (t) => {
    const cli = await spawnCli([`--client_secrets_path=${installedFile}`, '--no-open', '--additional_scopes', USERINFO_EMAIL_SCOPE], { t });
    const url = await cli.consentUrl();
    assert.equal(url.searchParams.get('scope'), `${ADWORDS_SCOPE} ${USERINFO_EMAIL_SCOPE}`);
    const outcome = await consent(url, { untick: [USERINFO_EMAIL_SCOPE] });
    assert.notEqual(outcome.status, 200);
    assert.match(outcome.bodyText, /Authorization failed/);
    assert.ok(!outcome.bodyText.includes(SUCCESS_TEXT), 'success page after a scope was refused');
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 5, exit.stderr);
    assert.ok(exit.stderr.includes(USERINFO_EMAIL_SCOPE), exit.stderr);
    assert.match(exit.stderr, /unticked/);
    assert.ok(!exit.stdout.includes('refresh token'), exit.stdout);
    assertNoSecrets(exit, { clientSecret: provider.installed.client_secret, callback: outcome.finalUrl, consentUrl: url });
  });

  test('--debug prints no secret, on success and on a token-endpoint failure', { timeout: 60_000 }, async (t) => {
    // Success with --debug.
    const ok = await spawnCli([`--client_secrets_path=${installedFile}`, '--no-open', '--debug'], { t });
    const okUrl = await ok.consentUrl();
    const okOutcome = await consent(okUrl);
    const okExit = await ok.waitForExit();
    assert.equal(okExit.code, 0, okExit.stderr);
    const all = `${okExit.stdout}\n${okExit.stderr}`;
    assert.ok(!all.includes(provider.installed.client_secret));
    const code = new URL(okOutcome.finalUrl).searchParams.get('code')!;
    assert.ok(!all.includes(code));
    assertNoVerifier(all, okUrl);

    // A wrong client secret: the exchange fails (invalid_client) and --debug prints the cause.
    const wrongSecret = `GOCSPX-wrong-${Date.now().toString(36)}-secret`;
    const json = provider.clientSecrets('installed') as { installed: Record<string, unknown> };
    json.installed['client_secret'] = wrongSecret;
    const wrongFile = join(dir, 'wrong-secret.json');
    await writeFile(wrongFile, JSON.stringify(json), { mode: 0o600 });
    const bad = await spawnCli([`--client_secrets_path=${wrongFile}`, '--no-open', '--debug'], { t });
    const badUrl = await bad.consentUrl();
    const badOutcome = await consent(badUrl);
    const badExit = await bad.waitForExit();
    assert.equal(badExit.code, 6, badExit.stderr);
    assert.match(badExit.stderr, /invalid_client/);
    assert.match(badExit.stderr, /\[debug\]/);
    const badAll = `${badExit.stdout}\n${badExit.stderr}`;
    assert.ok(!badAll.includes(wrongSecret), 'the client secret was printed with --debug');
    const badCode = new URL(badOutcome.finalUrl).searchParams.get('code')!;
    assert.ok(!badAll.includes(badCode), 'the code was printed with --debug');
    assertNoVerifier(badAll, badUrl);
    assert.notEqual(badOutcome.status, 200);
  });
});
