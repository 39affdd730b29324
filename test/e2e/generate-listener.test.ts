// The loopback listener of the spawned CLI, poked with raw HTTP while it waits, then completed by
// a real consent in headless Chromium: favicon 404, foreign or missing state 400 without ending the
// run, the Host header check (421), 405 for other methods, the timeout, SIGTERM and freed ports.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { completeConsent, launchBrowser, type LaunchedBrowser } from '../support/browser.js';
import { canBind, killLeftovers, portOf, rawRequest, runCli, spawnCli, type CliRun, type RawResponse } from '../support/cli.js';
import { startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';

const SUCCESS_TEXT = 'Your refresh token has been fetched. Check the console output for further instructions.';

function assertProtectiveHeaders(response: RawResponse): void {
  assert.match(String(response.headers['content-security-policy']), /^default-src 'none'/);
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.equal(response.headers['referrer-policy'], 'no-referrer');
}

describe('generate-user-credentials: the loopback listener', { timeout: 300_000 }, () => {
  let provider: GoogleLikeProvider;
  let browser: LaunchedBrowser;
  let dir: string;
  let installedFile: string;

  before(async () => {
    provider = await startGoogleLikeProvider();
    browser = await launchBrowser();
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-listener-'));
    installedFile = await provider.writeClientFile('installed', dir);
  });

  after(async () => {
    await killLeftovers();
    await browser?.close();
    await provider?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function start(t: TestContext, extra: string[] = []) {
    const cli = await spawnCli([`--client_secrets_path=${installedFile}`, '--no-open', ...extra], { t });
    const url = await cli.consentUrl();
    const redirectUri = url.searchParams.get('redirect_uri')!;
    return { cli, url, redirectUri, port: portOf(redirectUri) };
  }

  /** Finishes the run with a real consent and checks it succeeded. */
  async function finish(cli: CliRun, url: URL): Promise<string> {
    const page = await browser.page();
    try {
      const outcome = await completeConsent(page, url.href, { login: provider.user.login, password: provider.user.password });
      assert.equal(outcome.status, 200, outcome.bodyText);
      assert.ok(outcome.bodyText.includes(SUCCESS_TEXT), outcome.bodyText);
    } finally {
      await page.close();
    }
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /^Your refresh token is: \S+$/m);
    assert.ok(!`${exit.stdout}${exit.stderr}`.includes(provider.installed.client_secret));
    return exit.stderr;
  }

  test('/favicon.ico gets 404 while waiting and the flow still completes', { timeout: 60_000 }, async (t) => {
    const { cli, url, port } = await start(t);
    const favicon = await rawRequest(port, '/favicon.ico');
    assert.equal(favicon.status, 404);
    assertProtectiveHeaders(favicon);
    const other = await rawRequest(port, '/oauth2callback?code=x&state=y');
    assert.equal(other.status, 404, 'only the redirect path is served');
    await finish(cli, url);
  });

  test(
    'a callback with a foreign state gets 400, is not exchanged, and the real consent still completes',
    { timeout: 60_000 },
    async (t) => {
      const { cli, url, port } = await start(t);
      const bogus = await rawRequest(port, '/?code=bogus-code-123&state=not-this-runs-state');
      assert.equal(bogus.status, 400);
      assertProtectiveHeaders(bogus);
      assert.match(bogus.body, /does not match this run/);
      assert.match(bogus.body, /Still waiting/);
      assert.ok(!bogus.body.includes('bogus-code-123'), 'the page echoes the code');
      await cli.waitForStderr(/Ignored a callback: .*does not match this run/);
      assert.ok(!cli.stderr.includes('exchanging'), 'the foreign code was exchanged');
      assert.equal(cli.done, false, 'the run ended on a foreign callback');
      assert.equal(await canBind(port), false, 'the listener closed on a foreign callback');
      const stderr = await finish(cli, url);
      assert.ok(!stderr.includes('bogus-code-123'));
    },
  );

  test('a callback without state gets 400 and the run keeps waiting', { timeout: 60_000 }, async (t) => {
    const { cli, url, port } = await start(t);
    const missing = await rawRequest(port, '/?code=some-code');
    assert.equal(missing.status, 400);
    assert.match(missing.body, /no &#34;state&#34; parameter|no "state" parameter/);
    await cli.waitForStderr(/Ignored a callback: .*no "state" parameter/);
    assert.equal(cli.done, false);
    await finish(cli, url);
  });

  test('a forged error=access_denied with a foreign state does not end the run', { timeout: 60_000 }, async (t) => {
    const { cli, url, port } = await start(t);
    const forged = await rawRequest(port, '/?error=access_denied&state=forged-state');
    assert.equal(forged.status, 400);
    const noState = await rawRequest(port, '/?error=access_denied');
    assert.equal(noState.status, 400);
    await cli.waitForStderr(/Ignored a callback: .*no "state" parameter/);
    assert.equal(cli.done, false, 'a forged denial ended the run');
    await finish(cli, url);
  });

  test(
    "mix-up defence: this run's state with another issuer's iss fails (exit 6) without exchanging the code",
    { timeout: 60_000 },
    async (t) => {
      const { cli, url, port } = await start(t);
      const state = url.searchParams.get('state')!;
      const response = await rawRequest(
        port,
        `/?code=stolen-code-42&state=${encodeURIComponent(state)}&iss=${encodeURIComponent('https://evil.example')}`,
      );
      assert.equal(response.status, 400);
      assert.match(response.body, /Authorization failed/);
      assert.ok(!response.body.includes('stolen-code-42'));
      const exit = await cli.waitForExit();
      assert.equal(exit.code, 6, exit.stderr);
      assert.match(exit.stderr, /"iss" parameter does not name/);
      assert.ok(!exit.stderr.includes('exchanging'), 'the code was exchanged');
      assert.ok(!exit.stderr.includes('stolen-code-42'));
      assert.equal(exit.stdout, '');
      assert.ok(await canBind(port));
    },
  );

  test('--port N already in use: exit 7 naming the port', { timeout: 60_000 }, async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const exit = await runCli([`--client_secrets_path=${installedFile}`, '--no-open', '--port', String(port)]);
      assert.equal(exit.code, 7, exit.stderr);
      assert.match(exit.stderr, new RegExp(`Port ${port} is in use`));
      assert.equal(exit.stdout, '');
      assert.doesNotMatch(exit.stderr, /^\s+at /m);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test('Host header check: 421 for a foreign host, served for localhost, [::1] and 127.0.0.1', { timeout: 60_000 }, async (t) => {
    const { cli, url, port } = await start(t);
    const evil = await rawRequest(port, '/?code=x&state=y', { host: `evil.example:${port}` });
    assert.equal(evil.status, 421);
    assertProtectiveHeaders(evil);
    const wrongPort = await rawRequest(port, '/?code=x&state=y', { host: `127.0.0.1:${port === 65535 ? 1 : port + 1}` });
    assert.equal(wrongPort.status, 421);
    assert.ok(!cli.stderr.includes('Ignored a callback'), 'a 421 request reached the flow');
    for (const host of [`localhost:${port}`, `[::1]:${port}`, `127.0.0.1:${port}`]) {
      const ok = await rawRequest(port, '/?code=x&state=y', { host });
      assert.equal(ok.status, 400, `Host ${host}: expected the flow's 400 (state mismatch), got ${ok.status}`);
    }
    await finish(cli, url);
  });

  test('POST to the redirect path gets 405 with Allow: GET', { timeout: 60_000 }, async (t) => {
    const { cli, url, port } = await start(t);
    const post = await rawRequest(port, '/', { method: 'POST', body: 'code=x&state=y' });
    assert.equal(post.status, 405);
    assert.equal(post.headers['allow'], 'GET');
    assertProtectiveHeaders(post);
    const put = await rawRequest(port, '/?code=x&state=y', { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(cli.done, false);
    await finish(cli, url);
  });

  test('--timeout 2: exit 4 naming the likely causes, port freed', { timeout: 60_000 }, async (t) => {
    const { cli, port } = await start(t, ['--timeout', '2']);
    const exit = await cli.waitForExit(30_000);
    assert.equal(exit.code, 4, exit.stderr);
    assert.match(exit.stderr, /Timed out after 2 s/);
    assert.match(exit.stderr, /redirect_uri_mismatch/);
    assert.match(exit.stderr, /--headless/);
    assert.equal(exit.stdout, '');
    assert.doesNotMatch(exit.stderr, /^\s+at /m);
    assert.ok(await canBind(port), `port ${port} is still in use after the timeout`);
  });

  test('SIGTERM while waiting: exit 130 and the port is freed', { timeout: 60_000 }, async (t) => {
    const { cli, port } = await start(t);
    assert.equal(await canBind(port), false);
    cli.kill('SIGTERM');
    const exit = await cli.waitForExit(15_000);
    assert.equal(exit.code, 130, `code ${exit.code} signal ${exit.signal}\n${exit.stderr}`);
    assert.match(exit.stderr, /Interrupted/);
    assert.equal(exit.stdout, '');
    assert.ok(await canBind(port), `port ${port} is still in use after SIGTERM`);
  });

  test('SIGINT while waiting: exit 130', { timeout: 60_000 }, async (t) => {
    const { cli, port } = await start(t);
    cli.kill('SIGINT');
    const exit = await cli.waitForExit(15_000);
    assert.equal(exit.code, 130, `code ${exit.code} signal ${exit.signal}\n${exit.stderr}`);
    assert.ok(await canBind(port));
  });

  test('the port is free again right after a successful run', { timeout: 60_000 }, async (t) => {
    const { cli, url, port } = await start(t);
    await finish(cli, url);
    assert.ok(await canBind(port), `port ${port} is still in use after success`);
  });
});
