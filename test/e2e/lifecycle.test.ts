// The lifecycle commands end to end:
// - against the oidc-provider peer (a real OAuth server): a refresh token from a real consent in
//   headless Chromium, verify (refresh at the peer, tokeninfo from the fake), revoke, and the
//   failing refresh afterwards, diagnosed as invalid_grant;
// - the CLI spawned as a real process against the fake Google APIs: exit codes, stdout holding
//   only what was asked for, stderr messages without stack traces or secrets, and no process or
//   socket left behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as oauth from 'oauth4webapi';
import { revokeRefreshToken, verifyCredentials } from '../../src/lifecycle/index.js';
import { defineClient } from '../../src/protocol/client-file.js';
import { createConfiguration } from '../../src/protocol/config.js';
import { createNodeFetch } from '../../src/transport/node-fetch.js';
import { completeConsent, launchBrowser, type LaunchedBrowser } from '../support/browser.js';
import { adsError, oauthError, startFakeGoogleApis, type FakeGoogleApis } from '../support/fake-google-apis.js';
import { ADWORDS_SCOPE, getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST_CLI = join(ROOT, 'dist/cli/ads-oauth.cjs');

/** The built bin (npm test builds dist/ before the suites run). */
function cliCommand(name: 'verify' | 'revoke' | 'customers'): string[] {
  return [DIST_CLI, name];
}

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(name: 'verify' | 'revoke' | 'customers', args: string[], env: Record<string, string>, stdin = ''): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliCommand(name), ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir(), NODE_NO_WARNINGS: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

function assertClean(r: Spawned, secrets: string[]): void {
  for (const text of [r.stdout, r.stderr]) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `secret leaked: ${text}`);
    assert.ok(!/\bat .+\.(ts|js):\d+:\d+/.test(text), `stack trace printed: ${text}`);
  }
}

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('lifecycle against the oidc-provider peer', { timeout: 180_000 }, () => {
  let provider: GoogleLikeProvider;
  let fake: FakeGoogleApis;
  let browser: LaunchedBrowser;
  let refreshToken: string;
  const fetch = createNodeFetch();

  before(async () => {
    provider = await startGoogleLikeProvider();
    fake = await startFakeGoogleApis({ clientId: provider.installed.client_id });
    browser = await launchBrowser();
    const issuer = new URL(provider.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    const client: oauth.Client = { client_id: provider.installed.client_id };
    const redirectUri = `http://127.0.0.1:${await getFreePort()}/`;
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: ADWORDS_SCOPE,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      access_type: 'offline',
      prompt: 'consent',
    }).toString();
    const page = await browser.page();
    const outcome = await completeConsent(page, url.href, { login: provider.user.login, password: provider.user.password });
    await page.close();
    const params = oauth.validateAuthResponse(as, client, new URL(outcome.finalUrl), state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(provider.installed.client_secret),
      params,
      redirectUri,
      codeVerifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    assert.ok(tokens.refresh_token);
    refreshToken = tokens.refresh_token;
  });

  after(async () => {
    await browser?.close();
    await Promise.all([provider?.close(), fake?.close()]);
  });

  test('verify refreshes at the peer, revoke kills the token, the next verify explains invalid_grant', async () => {
    const creds = { refreshToken };
    const config = createConfiguration(
      defineClient({ clientId: provider.installed.client_id, clientSecret: provider.installed.client_secret }),
      undefined,
      {
        fetch,
        endpoints: {
          tokenUri: new URL(provider.tokenUri),
          revocationUri: new URL(provider.revokeUri),
          tokeninfoUri: new URL(fake.tokeninfoUri),
        },
      },
    );

    const first = await verifyCredentials(config, creds);
    assert.equal(first.ok, true, JSON.stringify(first.problems));
    assert.deepEqual(first.scopes, [ADWORDS_SCOPE]);
    assert.equal(first.clientId, provider.installed.client_id);
    const second = await verifyCredentials(config, creds);
    assert.equal(second.ok, true, 'refreshing again works: nothing was cached or rotated away');

    // The peer is an RFC 7009 server: it requires client authentication, which revoke sends.
    const revoked = await revokeRefreshToken(config, refreshToken);
    assert.equal(revoked.clientAuthenticated, true);
    assert.equal(revoked.alreadyInvalid, false);

    const dead = await verifyCredentials(config, creds);
    assert.equal(dead.ok, false);
    assert.equal(dead.problems[0]?.code, 'invalid_grant');
    assert.equal(dead.problems[0]?.causes?.[1]?.id, 'revoked');

    // Revoking again is fine: RFC 7009 servers answer 200 for unknown tokens.
    const again = await revokeRefreshToken(config, refreshToken);
    assert.equal(again.revoked, true);
  });

  test('the CLI does the same with the client secrets file of the peer', async () => {
    // A fresh token for this test would need another consent; the revoked one shows the failure path.
    const dir = await mkdtemp(join(tmpdir(), 'ads-oauth-e2e-'));
    try {
      const secrets = await provider.writeClientFile('installed', dir);
      const env = { ADS_OAUTH_TOKENINFO_URI: fake.tokeninfoUri };
      const r = await runCli('verify', ['--client_secrets_path', secrets, '--json'], env, `${refreshToken}\n`);
      assert.equal(r.code, 9, r.stderr);
      const j = JSON.parse(r.stdout) as { ok: boolean; problems: { code: string }[]; endpoints: { token: string } };
      assert.equal(j.ok, false);
      assert.equal(j.problems[0]?.code, 'invalid_grant');
      assert.equal(j.endpoints.token, provider.tokenUri, 'the token endpoint comes from the client file');
      assert.match(r.stderr, /^Error: The refresh token does not work\.\n\[invalid_grant\]/);
      assertClean(r, [refreshToken, provider.installed.client_secret]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the CLI as a process, against the fake Google APIs', { timeout: 120_000 }, () => {
  let fake: FakeGoogleApis;
  let dir: string;
  let config: string;
  let secrets: string[];

  before(async () => {
    fake = await startFakeGoogleApis();
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-e2e-'));
    config = join(dir, 'google-ads.yaml');
    secrets = [fake.clientSecret, fake.refreshToken, 'devtoken-e2e-123456'];
  });
  after(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(): Promise<void> {
    await writeFile(
      config,
      `developer_token: devtoken-e2e-123456\nclient_id: ${fake.clientId}\nclient_secret: ${fake.clientSecret}\nrefresh_token: ${fake.refreshToken}\nuse_proto_plus: True\n`,
      { mode: 0o600 },
    );
  }

  test('verify --config: exit 0, the report on stdout, nothing on stderr', async () => {
    await writeConfig();
    fake.reset();
    const r = await runCli('verify', ['--config', config], fake.env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PASS\s+ads_api/);
    assert.equal(r.stderr, '');
    assertClean(r, secrets);
  });

  test('verify --json with invalid_grant: one JSON object on stdout, exit 9, message on stderr', async () => {
    await writeConfig();
    fake.reset();
    fake.on('token', oauthError('invalid_grant', 'Token has been expired or revoked.'));
    const r = await runCli('verify', ['--config', config, '--json'], fake.env());
    assert.equal(r.code, 9);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const j = JSON.parse(lines[0]!) as { ok: boolean; problems: { code: string; causes: unknown[] }[] };
    assert.equal(j.ok, false);
    assert.equal(j.problems[0]?.code, 'invalid_grant');
    assert.equal(j.problems[0]?.causes.length, 5);
    assert.match(r.stderr, /invalid_grant/);
    assertClean(r, secrets);
  });

  test('verify: an Ads API refusal exits 9 and names the Ads error', async () => {
    await writeConfig();
    fake.reset();
    fake.on(
      'listAccessibleCustomers',
      adsError(403, 'PERMISSION_DENIED', { authorizationError: 'CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION' }),
    );
    const r = await runCli('verify', ['--config', config], fake.env());
    assert.equal(r.code, 9);
    assert.match(r.stderr, /\[CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION\]/);
    assertClean(r, secrets);
  });

  test('verify: an unreachable endpoint exits 7 (network), not a token verdict', async () => {
    await writeConfig();
    const r = await runCli('verify', ['--config', config, '--timeout', '2'], {
      ...fake.env(),
      ADS_OAUTH_TOKEN_URI: 'http://127.0.0.1:9/token',
    });
    assert.equal(r.code, 7);
    assert.match(r.stderr, /\[network\]/);
  });

  test('verify: an Ads API error whose codes carry terminal escapes is printed escaped, never obeyed (issue 10 defect 5)', async () => {
    await writeConfig();
    fake.reset();
    fake.on(
      'listAccessibleCustomers',
      adsError(403, 'PERMISSION\x1b[2J_DENIED', { authorizationError: 'NOT\x1b]0;owned\x07_APPROVED' }, 'No\x1b[31m red \u202eevil'),
    );
    const r = await runCli('verify', ['--config', config], fake.env());
    assert.equal(r.code, 9, r.stderr);
    assert.match(r.stderr, /NOT\\x1b\]0;owned\\x07_APPROVED/);
    assert.doesNotMatch(r.stdout + r.stderr, /[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    assertClean(r, secrets);
  });

  test('customers --json --details, then --set-login-customer-id, then revoke --remove', async () => {
    await writeConfig();
    fake.reset();
    const list = await runCli('customers', ['--config', config, '--json', '--details'], fake.env());
    assert.equal(list.code, 0, list.stderr);
    const j = JSON.parse(list.stdout) as { customers: { id: string; manager: boolean }[] };
    assert.deepEqual(
      j.customers.map((c) => [c.id, c.manager]),
      [
        ['1234567890', true],
        ['9876543210', false],
      ],
    );

    const set = await runCli('customers', ['--config', config, '--set-login-customer-id=1234567890'], fake.env());
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, '1234567890\n9876543210\n');
    assert.match(set.stderr, /Wrote login_customer_id = 1234567890/);
    assert.match(await readFile(config, 'utf8'), /login_customer_id: ["']?1234567890/);

    const revoke = await runCli('revoke', ['--config', config, '--remove'], fake.env());
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.match(revoke.stdout, /^Revoked the refresh token at .*\n.*whole grant.*\nRemoved refresh_token from /);
    const text = await readFile(config, 'utf8');
    assert.ok(!text.includes('refresh_token'));
    assert.match(text, /developer_token: devtoken-e2e-123456/);
    assertClean(revoke, secrets);
  });

  test('revoke retries a 5xx then succeeds; the token comes from stdin, never argv', async () => {
    fake.reset();
    fake.on('revoke', { status: 503, body: 'busy' }, { json: {} });
    const clientFile = join(dir, 'client.json');
    await writeFile(
      clientFile,
      JSON.stringify({
        installed: {
          client_id: fake.clientId,
          client_secret: fake.clientSecret,
          auth_uri: `${fake.origin}/auth`,
          token_uri: fake.tokenUri,
        },
      }),
    );
    const r = await runCli('revoke', ['--client_secrets_path', clientFile, '--json'], fake.env(), fake.refreshToken);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { revoked: boolean; attempts: number };
    assert.equal(j.revoked, true);
    assert.equal(j.attempts, 2);
    assertClean(r, secrets);
  });
});
