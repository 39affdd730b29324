// The library examples the README quotes (examples/desktop-flow.ts, examples/verify-token.ts) are
// type-checked with the rest (tsconfig includes examples/, importing 'ads-oauth' as a user
// would) and run here as real processes: the desktop flow against the oidc-provider peer with the
// consent in headless Chromium, verify against the fake tokeninfo and Ads API.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { completeConsent, launchBrowser, type LaunchedBrowser } from '../support/browser.js';
import { ROOT } from '../support/cli.js';
import { startFakeGoogleApis, type FakeGoogleApis } from '../support/fake-google-apis.js';
import { startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';
import { installedClientJson } from '../support/client-file.js';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function example(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcessWithoutNullStreams; done: Promise<Ran>; stderrSoFar: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'examples', name), ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir(), NODE_NO_WARNINGS: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const done = new Promise<Ran>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, done, stderrSoFar: () => stderr };
}

describe('library examples', { timeout: 180_000 }, () => {
  let provider: GoogleLikeProvider;
  let fake: FakeGoogleApis;
  let browser: LaunchedBrowser;
  let dir: string;

  before(async () => {
    provider = await startGoogleLikeProvider();
    fake = await startFakeGoogleApis();
    browser = await launchBrowser();
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-examples-'));
  });
  after(async () => {
    await browser?.close();
    await provider?.close();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('examples/desktop-flow.ts: consent in the browser → the refresh token on stdout and in google-ads.yaml (0600)', async () => {
    const clientFile = await provider.writeClientFile('installed', dir);
    const configPath = join(dir, 'google-ads.yaml');
    const run = example('desktop-flow.ts', [clientFile, configPath]);
    const deadline = Date.now() + 60_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /Open this URL in your browser:\n\n(\S+)\n/.exec(run.stderrSoFar())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(url, `no URL printed: ${run.stderrSoFar()}`);
    const page = await browser.page();
    try {
      await completeConsent(page, url, { login: provider.user.login, password: provider.user.password });
    } finally {
      await page.close();
    }
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    const token = result.stdout.trim();
    assert.ok(token.length > 10, result.stdout);
    const written = parseYaml(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    assert.equal(written['refresh_token'], token);
    assert.equal((await stat(configPath)).mode & 0o777, 0o600);
    assert.match(result.stderr, /Wrote the refresh token to /);
  });

  test('examples/verify-token.ts: every check passes for a live token, and a dead one says why (exit 1)', async () => {
    const clientFile = join(dir, 'fake-client.json');
    await writeFile(
      clientFile,
      installedClientJson({
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        authUri: `${fake.origin}/auth`,
        tokenUri: fake.tokenUri,
      }),
    );
    const env = { ADS_OAUTH_TOKENINFO_URI: fake.tokeninfoUri, GOOGLE_ADS_API_ENDPOINT: fake.adsEndpoint };
    const live = await example('verify-token.ts', [clientFile], { ...env, GOOGLE_ADS_REFRESH_TOKEN: fake.refreshToken }).done;
    assert.equal(live.code, 0, live.stderr + live.stdout);
    assert.match(live.stdout, /^PASS refresh: /m);
    assert.match(live.stdout, /^PASS ads_api: /m);
    const dead = await example('verify-token.ts', [clientFile], { ...env, GOOGLE_ADS_REFRESH_TOKEN: '1//not-a-live-token' }).done;
    assert.equal(dead.code, 1, dead.stderr + dead.stdout);
    assert.match(dead.stdout, /\[invalid_grant\]/);
    assert.match(dead.stdout, /^Fix: /m);
  });
});
