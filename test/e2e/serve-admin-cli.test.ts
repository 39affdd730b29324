// `ads-oauth serve` (the built CLI) with --admin and the lifecycle endpoint overrides: the
// --help text, a bad --admin value, and POST /api/v1/accounts/{id}/verify and DELETE going to
// ADS_OAUTH_TOKEN_URI, ADS_OAUTH_TOKENINFO_URI, GOOGLE_ADS_API_ENDPOINT and ADS_OAUTH_REVOKE_URI
// (the fakes), for an account seeded into the server's database.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openAccountStore, parseKeyring } from '../../src/stores/accounts/index.js';
import { runCli, spawnCli } from '../support/cli.js';
import { ADWORDS_SCOPE, oauthError, startFakeGoogleApis, type FakeGoogleApis } from '../support/fake-google-apis.js';
import { getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';

describe('ads-oauth serve --admin and the endpoint overrides (the CLI)', { timeout: 120_000 }, () => {
  let provider: GoogleLikeProvider;
  let fake: FakeGoogleApis;
  let dir: string;
  let webFile: string;
  let base: string;
  let port: number;
  const keys = `k1:${randomBytes(32).toString('base64')}`;

  before(async () => {
    port = await getFreePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startGoogleLikeProvider({ webRedirectUris: [`${base}/oauth2callback`] });
    fake = await startFakeGoogleApis({ clientId: provider.web.client_id });
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-admin-cli-'));
    webFile = await provider.writeClientFile('web', dir);
  });
  after(async () => {
    await fake?.close();
    await provider?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('--help documents --admin and the overrides; a bad --admin value is a usage error', async () => {
    const help = await runCli(['serve', '--help'], { cwd: dir, bin: 'ads-oauth' });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /--admin EMAIL/);
    assert.match(help.stdout, /ADS_OAUTH_TOKENINFO_URI/);
    assert.match(help.stdout, /GOOGLE_ADS_API_ENDPOINT/);
    const bad = await runCli(['serve', '--client_secrets_path', webFile, '--public-url', base, '--admin', 'not-an-email'], {
      env: { ADS_OAUTH_ENCRYPTION_KEYS: keys },
      cwd: dir,
      bin: 'ads-oauth',
    });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--admin needs an email address/);
  });

  test('verify and delete of the API go to the overridden endpoints; /admin starts a sign-in at the provider', async (t) => {
    const database = join(dir, 'serve.sqlite');
    const seeded = 'rt-seeded-' + randomBytes(8).toString('hex');
    const store = await openAccountStore({ database, keyring: parseKeyring(keys), clientId: provider.web.client_id });
    await store.migrate();
    const { account } = await store.saveConnection({
      issuer: provider.issuer,
      subject: '4242',
      email: 'seeded@example.com',
      emailVerified: true,
      scopes: [ADWORDS_SCOPE, 'email', 'openid'],
      refreshToken: seeded,
    });
    const { key } = await store.createApiKey('cli-test');
    // Two more accounts whose tokens died, and an admin session (as a sign-in would make it).
    const { account: deadOne } = await store.saveConnection({
      issuer: provider.issuer,
      subject: '5151',
      email: 'dead1@example.com',
      emailVerified: true,
      scopes: [ADWORDS_SCOPE],
      refreshToken: 'rt-dead-1',
    });
    const { account: deadTwo } = await store.saveConnection({
      issuer: provider.issuer,
      subject: '6161',
      email: 'dead2@example.com',
      emailVerified: true,
      scopes: [ADWORDS_SCOPE],
      refreshToken: 'rt-dead-2',
    });
    const { account: other } = await store.saveConnection({
      issuer: provider.issuer,
      subject: '7171',
      email: 'other@example.com',
      emailVerified: true,
      scopes: [ADWORDS_SCOPE],
      refreshToken: 'rt-other',
    });
    const adminSession = await store.createAdminSession({ email: 'boss@example.com', ttlMs: 600_000 });
    await store.close();
    fake.on('token', (req) =>
      req.form?.['refresh_token'] === seeded
        ? { json: { access_token: 'ya29.fake-for-seeded', expires_in: 3599, scope: ADWORDS_SCOPE, token_type: 'Bearer' } }
        : oauthError('invalid_grant', 'Token has been expired or revoked.'),
    );

    const env = { ADS_OAUTH_ENCRYPTION_KEYS: keys, ...fake.env() };
    const run = await spawnCli(
      [
        'serve',
        '--client_secrets_path',
        webFile,
        '--public-url',
        base,
        '--listen',
        `127.0.0.1:${port}`,
        '--database',
        database,
        '--admin',
        'Boss@Example.com',
        '--admin',
        'ops@example.com',
      ],
      { env, cwd: dir, t, bin: 'ads-oauth' },
    );
    await run.waitForStderr(/ads-oauth serve listening on/, 30_000);
    const auth = { authorization: `Bearer ${key}` };

    const verify = await fetch(`${base}/api/v1/accounts/${account.id}/verify`, { method: 'POST', headers: auth });
    assert.equal(verify.status, 200);
    const result = (await verify.json()) as {
      ok: boolean;
      customers?: string[];
      endpoints: { token: string; tokeninfo: string; adsApi?: string };
    };
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.endpoints, { token: fake.tokenUri, tokeninfo: fake.tokeninfoUri, adsApi: `${fake.adsEndpoint}/v26` });
    assert.deepEqual(result.customers, ['1234567890', '9876543210']);
    assert.equal(fake.requestsTo('token').length, 1);
    assert.equal(fake.requestsTo('tokeninfo').length, 1);
    assert.equal(fake.requestsTo('listAccessibleCustomers').length, 1);
    assert.equal((await fetch(`${base}/api/v1/accounts/acc_unknown/verify`, { method: 'POST', headers: auth })).status, 404);

    const admin = await fetch(`${base}/admin`, { redirect: 'manual' });
    assert.equal(admin.status, 302);
    const start = await fetch(new URL(admin.headers.get('location')!, base), { redirect: 'manual' });
    assert.equal(start.status, 302);
    assert.equal(new URL(start.headers.get('location')!).origin, provider.issuer);

    assert.equal((await fetch(`${base}/api/v1/accounts/${account.id}`, { method: 'DELETE', headers: auth })).status, 204);
    const revoked = fake.requestsTo('revoke');
    assert.equal(revoked.length, 1);
    assert.equal(revoked[0]!.form?.['token'], seeded);

    // Google answers 400 invalid_token for a token that is already dead: that counts as revoked,
    // so the account can still be deleted (API and admin page).
    fake.on('revoke', oauthError('invalid_token', 'Token expired or revoked'));
    assert.equal((await fetch(`${base}/api/v1/accounts/${deadOne.id}`, { method: 'DELETE', headers: auth })).status, 204);
    const cookie = `ads_oauth_admin=${adminSession.id}`;
    const page = await fetch(`${base}/admin`, { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /dead2@example\.com/);
    const del = await fetch(`${base}/admin/accounts/${deadTwo.id}/delete`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: adminSession.session.csrfToken }).toString(),
    });
    assert.equal(del.status, 303);
    assert.equal((await fetch(`${base}/api/v1/accounts/${deadTwo.id}`, { headers: auth })).status, 404);
    // Any other refusal is not success: nothing is deleted.
    fake.on('revoke', oauthError('invalid_client', 'The OAuth client was not found.', 401));
    assert.notEqual((await fetch(`${base}/api/v1/accounts/${other.id}`, { method: 'DELETE', headers: auth })).status, 204);
    assert.equal((await fetch(`${base}/api/v1/accounts/${other.id}`, { headers: auth })).status, 200);
    assert.deepEqual(
      fake.requestsTo('revoke').map((r) => r.form?.['token']),
      [seeded, 'rt-dead-1', 'rt-dead-2', 'rt-other'],
    );

    run.kill('SIGTERM');
    const exit = await run.waitForExit(20_000);
    assert.equal(exit.code, 0, exit.stderr);
    assert.doesNotMatch(exit.stdout + exit.stderr, new RegExp(`${seeded}|${key}`));
  });
});
