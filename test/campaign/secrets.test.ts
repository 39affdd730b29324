// The secrets catalogue (issue 10): sentinel tokens, codes, verifiers and client secrets never
// appear in stdout, stderr, --debug output, error messages or any file but the one asked for,
// while every endpoint echoes back everything it was sent (headers, query and body) in its error
// text, as a hostile or badly configured provider might. Real CLI processes, the fake Google APIs
// (tokeninfo and the Ads API cannot run here).
import assert from 'node:assert/strict';
import { readdir, readFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killLeftovers, spawnCli, type CliExit } from '../support/cli.js';
import { startFakeGoogleApis, type FakeGoogleApis, type RecordedRequest, type Responder } from '../support/fake-google-apis.js';
import { assertNoSecrets } from '../support/secrets.js';
import { recordFigures } from './campaign.js';
import { installedClientJson } from '../support/client-file.js';

const ACCESS = 'ya29.SENTINEL-access-token-0123456789';
const CODE = '4/0ASENTINEL-authorization-code-0123';

/** Everything the request carried, as a hostile provider would echo it. */
const echo = (r: RecordedRequest): string => `${r.method} ${r.url} ${JSON.stringify(r.headers)} ${r.body}`;
const echoOAuthError =
  (status = 400): Responder =>
  (r) => ({ status, json: { error: 'invalid_request', error_description: `you sent: ${echo(r)}` } });
const echoAdsError: Responder = (r) => ({
  status: 403,
  json: { error: { code: 403, status: 'PERMISSION_DENIED', message: `you sent: ${echo(r)}`, details: [] } },
});
const accessTokenFor: Responder = () => ({
  json: { access_token: ACCESS, expires_in: 3599, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/adwords' },
});

let fake: FakeGoogleApis;
let dir: string;
let home: string;
let clientFile: string;
let config: string;
const checked = { runs: 0, echoedRequests: 0, leaks: 0 };

before(async () => {
  fake = await startFakeGoogleApis();
  dir = await mkdtemp(join(tmpdir(), 'ads-oauth-secrets-'));
  home = join(dir, 'home');
  clientFile = join(dir, 'client.json');
  config = join(dir, 'google-ads.yaml');
  await writeFile(
    clientFile,
    installedClientJson({
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      authUri: `${fake.origin}/auth`,
      tokenUri: fake.tokenUri,
    }),
  );
});
after(async () => {
  await killLeftovers();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
  recordFigures('secrets', { runs: checked.runs, echoingResponses: checked.echoedRequests, leaks: checked.leaks });
});

/** Every secret a run could hold: the fixed sentinels and whatever the CLI generated (the PKCE verifier). */
function secretsOf(): string[] {
  const verifiers = fake.requests.map((r) => r.form?.['code_verifier']).filter((v): v is string => Boolean(v));
  return [fake.clientSecret, fake.refreshToken, ACCESS, CODE, ...verifiers];
}

function assertNothingLeaked(exit: CliExit, allowed: string[] = []): void {
  checked.runs += 1;
  checked.echoedRequests += fake.requests.length;
  const secrets = secretsOf().filter((s) => !allowed.includes(s));
  try {
    assertNoSecrets(exit, secrets, { noStackTrace: false });
  } catch (error) {
    checked.leaks += 1;
    throw error;
  }
}

/** Every file under `root` but `except`: none may hold a secret. */
async function assertNoFileHolds(root: string, except: string[]): Promise<void> {
  const walk = async (path: string): Promise<string[]> => {
    const info = await stat(path).catch(() => undefined);
    if (!info) return [];
    if (!info.isDirectory()) return [path];
    const names = await readdir(path);
    return (await Promise.all(names.map((n) => walk(join(path, n))))).flat();
  };
  for (const file of await walk(root)) {
    if (except.includes(file)) continue;
    const text = await readFile(file, 'utf8');
    assertNoSecrets(text, [fake.refreshToken, ACCESS, CODE, ...secretsOf().slice(4)]);
  }
}

const cliEnv = (): Record<string, string> => ({ ...fake.env(), HOME: home, ADS_OAUTH_DEBUG: '1' });

describe('secrets stay secret while every endpoint echoes its request', { timeout: 180_000 }, () => {
  it('generate --headless --debug: a token endpoint that echoes the code, verifier and secret → nothing of them printed', async (t) => {
    fake.reset();
    fake.on('token', echoOAuthError(400));
    const cli = await spawnCli([`--client_secrets_path=${clientFile}`, '--headless', '--debug', '--timeout', '30'], { t, env: cliEnv() });
    const url = await cli.consentUrl();
    cli.end(
      `${url.searchParams.get('redirect_uri')}?state=${encodeURIComponent(url.searchParams.get('state')!)}&code=${encodeURIComponent(CODE)}\n`,
    );
    const exit = await cli.waitForExit(30_000);
    assert.notEqual(exit.code, 0);
    assert.equal(fake.requestsTo('token').length, 1);
    assert.ok(fake.requestsTo('token')[0]!.form?.['code_verifier'], 'the echo carried a verifier to look for');
    assertNothingLeaked(exit);
  });

  it('generate --json --config: the refresh token goes to stdout and the config file only; the access token nowhere', async (t) => {
    fake.reset();
    fake.on('token', () => ({
      json: {
        access_token: ACCESS,
        refresh_token: fake.refreshToken,
        expires_in: 3599,
        token_type: 'Bearer',
        scope: 'https://www.googleapis.com/auth/adwords',
      },
    }));
    const cli = await spawnCli([`--client_secrets_path=${clientFile}`, '--headless', '--timeout', '30', '--json', '--config', config], {
      t,
      env: { ...cliEnv(), ADS_OAUTH_DEBUG: '' },
    });
    const url = await cli.consentUrl();
    cli.end(
      `${url.searchParams.get('redirect_uri')}?state=${encodeURIComponent(url.searchParams.get('state')!)}&code=${encodeURIComponent(CODE)}\n`,
    );
    const exit = await cli.waitForExit(30_000);
    assert.equal(exit.code, 0, exit.stderr);
    assert.ok(exit.stdout.includes(fake.refreshToken));
    assertNoSecrets(exit.stderr, [fake.refreshToken]);
    assertNothingLeaked(exit, [fake.refreshToken, fake.clientSecret]);
    assert.ok((await readFile(config, 'utf8')).includes(fake.refreshToken));
    assert.equal((await stat(config)).mode & 0o777, 0o600);
    await assertNoFileHolds(dir, [config, clientFile]);
  });

  it('verify --debug: the token endpoint echoes the refresh token and the secret → redacted', async () => {
    fake.reset();
    fake.on('token', echoOAuthError(400));
    const cli = await spawnCli(['verify', `--client_secrets_path=${clientFile}`, '--debug', '--json'], { bin: 'ads-oauth', env: cliEnv() });
    cli.end(`${fake.refreshToken}\n`);
    const exit = await cli.waitForExit(30_000);
    assert.notEqual(exit.code, 0);
    assertNothingLeaked(exit);
  });

  it('verify --debug: tokeninfo echoes the fresh access token → redacted (issue 10 defect 4)', async () => {
    fake.reset();
    fake.on('token', accessTokenFor);
    fake.on('tokeninfo', echoOAuthError(400));
    const cli = await spawnCli(['verify', `--client_secrets_path=${clientFile}`, '--debug', '--json'], { bin: 'ads-oauth', env: cliEnv() });
    cli.end(`${fake.refreshToken}\n`);
    const exit = await cli.waitForExit(30_000);
    assert.ok(fake.requestsTo('tokeninfo').length >= 1, exit.stderr);
    assertNothingLeaked(exit);
  });

  it('customers --debug: the Ads API echoes the Authorization header → redacted', async () => {
    fake.reset();
    fake.on('token', accessTokenFor);
    fake.on('listAccessibleCustomers', echoAdsError);
    const cli = await spawnCli(['customers', `--client_secrets_path=${clientFile}`, '--debug'], { bin: 'ads-oauth', env: cliEnv() });
    cli.end(`${fake.refreshToken}\n`);
    const exit = await cli.waitForExit(30_000);
    assert.notEqual(exit.code, 0);
    assert.ok(fake.requestsTo('listAccessibleCustomers').length >= 1, exit.stderr);
    assertNothingLeaked(exit);
  });

  it('revoke --debug: the revocation endpoint echoes the token and the secret → redacted', async () => {
    fake.reset();
    fake.on('revoke', echoOAuthError(401));
    const cli = await spawnCli(['revoke', `--client_secrets_path=${clientFile}`, '--debug', '--json'], { bin: 'ads-oauth', env: cliEnv() });
    cli.end(`${fake.refreshToken}\n`);
    const exit = await cli.waitForExit(30_000);
    assert.notEqual(exit.code, 0);
    assert.ok(fake.requestsTo('revoke').length >= 1);
    assertNothingLeaked(exit);
  });
});
