// generate-user-credentials --headless (paste mode) end to end: the consent is completed in
// headless Chromium where nothing listens at the redirect, and the address the browser ended on
// is pasted into the CLI's stdin (a pipe, and a real terminal through `script`). Bad pastes
// fail with a specific message and never print a token. Web clients without a loopback redirect
// switch to paste mode with a note.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { completeConsent, launchBrowser, type LaunchedBrowser } from '../support/browser.js';
import { canBind, HAS_SCRIPT, killLeftovers, portOf, spawnCli, type CliExit } from '../support/cli.js';
import { getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';

describe('generate-user-credentials --headless', { timeout: 300_000 }, () => {
  let provider: GoogleLikeProvider;
  /** A provider whose web client has only https://example.com/cb registered. */
  let remoteWebProvider: GoogleLikeProvider;
  let browser: LaunchedBrowser;
  let dir: string;
  let installedFile: string;
  let webFile: string;
  let remoteWebFile: string;

  before(async () => {
    provider = await startGoogleLikeProvider();
    remoteWebProvider = await startGoogleLikeProvider({ webRedirectUris: ['https://example.com/cb'] });
    browser = await launchBrowser();
    // Nothing may leave this machine: the browser's visit to example.com is answered locally.
    await browser.context.route(/^https?:\/\/example\.com\//, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Example</title><p>Example Domain</p>' }),
    );
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-headless-'));
    installedFile = await provider.writeClientFile('installed', dir);
    await mkdir(join(dir, 'web'));
    webFile = await provider.writeClientFile('web', join(dir, 'web'));
    await mkdir(join(dir, 'remote'));
    remoteWebFile = await remoteWebProvider.writeClientFile('web', join(dir, 'remote'));
  });

  after(async () => {
    await killLeftovers();
    await browser?.close();
    await provider?.close();
    await remoteWebProvider?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function consent(url: URL, p: GoogleLikeProvider = provider) {
    const page = await browser.page();
    try {
      return await completeConsent(page, url.href, { login: p.user.login, password: p.user.password });
    } finally {
      await page.close();
    }
  }

  function assertNoToken(exit: CliExit, secret = provider.installed.client_secret): void {
    assert.equal(exit.stdout, '', `stdout is not empty:\n${exit.stdout}`);
    assert.ok(!exit.stderr.includes('refresh token is'), exit.stderr);
    assert.ok(!exit.stderr.includes(secret));
    assert.doesNotMatch(exit.stderr, /^\s+at /m, 'a stack trace was printed');
  }

  async function startHeadless(t: TestContext, extra: string[] = [], file = installedFile) {
    const cli = await spawnCli([`--client_secrets_path=${file}`, '--headless', ...extra], { t });
    const url = await cli.consentUrl();
    return { cli, url, redirectUri: url.searchParams.get('redirect_uri')! };
  }

  test('paste via a pipe: the address the browser ended on gives the token', { timeout: 60_000 }, async (t) => {
    const { cli, url, redirectUri } = await startHeadless(t);
    assert.match(redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(await canBind(portOf(redirectUri)), 'headless mode must not listen');
    await cli.waitForStderr(/Copy the full address from the browser's address bar/);
    const outcome = await consent(url);
    assert.ok(outcome.finalUrl.startsWith(redirectUri));
    cli.write(`${outcome.finalUrl}\n`);
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 0, exit.stderr);
    const token = exit.stdout.match(/^Your refresh token is: (\S+)$/m)?.[1];
    assert.ok(token, exit.stdout);
    const code = new URL(outcome.finalUrl).searchParams.get('code')!;
    assert.ok(!`${exit.stdout}${exit.stderr}`.includes(code), 'the code was printed');
    assert.ok(!`${exit.stdout}${exit.stderr}`.includes(provider.installed.client_secret));
    assert.ok(!exit.stderr.includes(token));

    const refreshed = await fetch(provider.tokenUri, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: provider.installed.client_id,
        client_secret: provider.installed.client_secret,
      }),
    });
    assert.equal(refreshed.status, 200);
  });

  test('web client with a loopback redirect and --headless: that exact redirect, pasted', { timeout: 60_000 }, async (t) => {
    const { cli, url, redirectUri } = await startHeadless(t, [], webFile);
    assert.equal(redirectUri, provider.web.redirect_uris[0]);
    const outcome = await consent(url);
    cli.end(`${outcome.finalUrl}\n`);
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /^Your refresh token is: \S+$/m);
    assert.ok(!`${exit.stdout}${exit.stderr}`.includes(provider.web.client_secret));
  });

  test('web client with only https://example.com/cb: a note, paste mode, and it works', { timeout: 60_000 }, async (t) => {
    // No --headless: the CLI decides.
    const cli = await spawnCli([`--client_secrets_path=${remoteWebFile}`, '--no-open'], { t });
    const url = await cli.consentUrl();
    assert.equal(url.searchParams.get('redirect_uri'), 'https://example.com/cb');
    assert.match(cli.stderr, /^Note: This web client has no loopback redirect URI registered.*paste mode.*https:\/\/example\.com\/cb/m);
    assert.ok(cli.stderr.indexOf('Note:') < cli.stderr.indexOf('Paste this URL'), 'the note comes first');
    await cli.waitForStderr(/Copy the full address/);
    const outcome = await consent(url, remoteWebProvider);
    assert.ok(outcome.finalUrl.startsWith('https://example.com/cb?'), outcome.finalUrl);
    cli.end(`${outcome.finalUrl}\n`);
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /^Your refresh token is: \S+$/m);
    assert.ok(exit.stdout.includes(`client_id: ${remoteWebProvider.web.client_id}`));
    assert.ok(!`${exit.stdout}${exit.stderr}`.includes(remoteWebProvider.web.client_secret));
  });

  // Bad pastes on a pipe: the first one fails the run with exit 3 (input) and a message for that mistake.
  const badPastes: Array<{ name: string; paste: (ctx: { url: URL; redirectUri: string; state: string }) => string; message: RegExp }> = [
    {
      name: 'wrapped in quotes',
      paste: ({ redirectUri, state }) => `"${redirectUri}?code=4%2F0Abc&state=${state}"`,
      message: /wrapped in quotes/,
    },
    {
      name: 'single-quoted',
      paste: ({ redirectUri, state }) => `'${redirectUri}?code=4%2F0Abc&state=${state}'`,
      message: /wrapped in quotes/,
    },
    {
      name: 'with a space inside',
      paste: ({ redirectUri, state }) => `${redirectUri}?code=4%2F0Abc &state=${state}`,
      message: /contains spaces or a line break/,
    },
    {
      name: 'truncated before the code',
      paste: ({ redirectUri, state }) => `${redirectUri}?state=${state}`,
      message: /no "code" parameter: it looks truncated/,
    },
    {
      name: 'truncated before the state',
      paste: ({ redirectUri }) => `${redirectUri}?code=4%2F0Abc`,
      message: /no "state" parameter: it looks truncated/,
    },
    {
      name: 'the consent URL instead of the callback',
      paste: ({ url }) => url.href,
      message: /That is the consent URL printed above/,
    },
    {
      name: 'an address for another redirect URI',
      paste: ({ state }) => `http://localhost:9/elsewhere?code=4%2F0Abc&state=${state}`,
      message: /That address is for http:\/\/localhost:9\/elsewhere, but this run redirects to http:\/\/127\.0\.0\.1:\d+\//,
    },
    {
      name: 'not a URL',
      paste: () => '4/0AbcDefGhi',
      message: /That is not a URL/,
    },
    {
      name: 'an empty line',
      paste: () => '',
      message: /Nothing was pasted/,
    },
  ];
  for (const bad of badPastes) {
    test(`bad paste on a pipe, ${bad.name}: exit 3 with a specific message`, { timeout: 60_000 }, async (t) => {
      const { cli, url, redirectUri } = await startHeadless(t);
      const state = url.searchParams.get('state')!;
      cli.write(`${bad.paste({ url, redirectUri, state })}\n`);
      const exit = await cli.waitForExit();
      assert.equal(exit.code, 3, exit.stderr);
      assert.match(exit.stderr, bad.message);
      assertNoToken(exit);
    });
  }

  test('end of input without a paste: exit 3', { timeout: 60_000 }, async (t) => {
    const { cli } = await startHeadless(t);
    cli.end();
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 3, exit.stderr);
    assert.match(exit.stderr, /No address was pasted \(end of input\)/);
    assertNoToken(exit);
  });

  test('a real callback cut short (as a terminal might): exit 3, truncated', { timeout: 60_000 }, async (t) => {
    const { cli, url } = await startHeadless(t);
    const outcome = await consent(url);
    const full = new URL(outcome.finalUrl);
    // Keep everything up to the middle of whichever of code/state comes last.
    const last = full.search.indexOf('state=') > full.search.indexOf('code=') ? 'state=' : 'code=';
    const cut = outcome.finalUrl.slice(0, outcome.finalUrl.indexOf(last) - 1);
    cli.write(`${cut}\n`);
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 3, exit.stderr);
    assert.match(exit.stderr, /looks truncated/);
    assertNoToken(exit);
    const code = full.searchParams.get('code')!;
    assert.ok(!exit.stderr.includes(code), 'the code was printed');
  });

  test("another run's address (same redirect URI, other state): exit 3, from another run", { timeout: 60_000 }, async (t) => {
    const port = await getFreePort();
    const first = await startHeadless(t, ['--port', String(port)]);
    const firstOutcome = await consent(first.url);
    first.cli.kill('SIGTERM');
    assert.equal((await first.cli.waitForExit()).code, 130);

    const second = await startHeadless(t, ['--port', String(port)]);
    assert.equal(second.redirectUri, first.redirectUri);
    assert.notEqual(second.url.searchParams.get('state'), first.url.searchParams.get('state'));
    second.cli.write(`${firstOutcome.finalUrl}\n`);
    const exit = await second.cli.waitForExit();
    assert.equal(exit.code, 3, exit.stderr);
    assert.match(exit.stderr, /That address is from another run/);
    assertNoToken(exit);
  });

  test('denied in the browser, the pasted address ends with exit 5', { timeout: 60_000 }, async (t) => {
    const { cli, url } = await startHeadless(t);
    const page = await browser.page();
    let finalUrl: string;
    try {
      ({ finalUrl } = await completeConsent(page, url.href, {
        login: provider.user.login,
        password: provider.user.password,
        action: 'deny',
      }));
    } finally {
      await page.close();
    }
    assert.equal(new URL(finalUrl).searchParams.get('error'), 'access_denied');
    cli.end(`${finalUrl}\n`);
    const exit = await cli.waitForExit();
    assert.equal(exit.code, 5, exit.stderr);
    assert.match(exit.stderr, /Access was denied/);
    assertNoToken(exit);
  });

  test('--timeout 2 with nothing pasted: exit 4', { timeout: 60_000 }, async (t) => {
    const { cli } = await startHeadless(t, ['--timeout', '2']);
    const exit = await cli.waitForExit(30_000);
    assert.equal(exit.code, 4, exit.stderr);
    assert.match(exit.stderr, /Timed out after 2 s waiting for the pasted address/);
    assertNoToken(exit);
  });

  test('SIGTERM while waiting for the paste: exit 130', { timeout: 60_000 }, async (t) => {
    const { cli } = await startHeadless(t);
    cli.kill('SIGTERM');
    const exit = await cli.waitForExit(15_000);
    assert.equal(exit.code, 130, `code ${exit.code} signal ${exit.signal}\n${exit.stderr}`);
    assertNoToken(exit);
  });

  test(
    'on a terminal, a bad paste re-prompts and the good one then works',
    { timeout: 60_000, skip: !HAS_SCRIPT && 'needs util-linux script' },
    async (t) => {
      const cli = await spawnCli([`--client_secrets_path=${installedFile}`, '--headless'], { t, tty: true });
      const url = await cli.consentUrl();
      await cli.waitForStderr(/Paste the address here \(\d+:\d\d left\): /);
      cli.write('"quoted"\n');
      await cli.waitForStderr(/wrapped in quotes[^\n]*\r?\nPaste the address here \(\d+:\d\d left\): /);
      assert.equal(cli.done, false, 'a bad paste on a terminal ended the run');
      const outcome = await consent(url);
      cli.write(`${outcome.finalUrl}\n`);
      const exit = await cli.waitForExit();
      assert.equal(exit.code, 0, exit.stdout);
      assert.match(exit.stdout, /Your refresh token is: \S+/);
    },
  );
});
