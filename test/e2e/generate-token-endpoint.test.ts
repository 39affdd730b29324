// generate-user-credentials against a token endpoint that misbehaves after a genuine callback
// (issue 10, defect 7): the exit code and the advice must say what happened. The callback is
// pasted (--headless), so no browser is needed; the token endpoint is a scripted local fake.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test, type TestContext } from 'node:test';
import { killLeftovers, spawnCli, type CliExit } from '../support/cli.js';
import { startFakeTokenEndpoint, tokenBody, type FakeTokenEndpoint } from '../support/fake-token-endpoint.js';

const CODE = '4/0AVG7fiQ-pasted-code-0123456789';

describe('generate-user-credentials: a misbehaving token endpoint', { timeout: 180_000 }, () => {
  let fake: FakeTokenEndpoint;
  let dir: string;
  let clientFile: string;

  before(async () => {
    fake = await startFakeTokenEndpoint();
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-token-endpoint-'));
    clientFile = join(dir, 'client.json');
    const installed = {
      client_id: 'te.apps.googleusercontent.com',
      client_secret: 'GOCSPX-token-endpoint-secret',
      auth_uri: fake.authUri,
      token_uri: fake.tokenUri,
      redirect_uris: ['http://localhost'],
    };
    await writeFile(clientFile, JSON.stringify({ installed }));
  });
  beforeEach(() => fake.reset());
  after(async () => {
    await killLeftovers();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Starts a headless run and pastes the answer `params` (with this run's state) for the redirect URI. */
  async function pasteAnswer(
    t: TestContext,
    params: Record<string, string>,
    extra: string[] = [],
  ): Promise<{ exit: CliExit; elapsedMs: number }> {
    const cli = await spawnCli([`--client_secrets_path=${clientFile}`, '--headless', ...extra], { t });
    const url = await cli.consentUrl();
    const answer = new URL(url.searchParams.get('redirect_uri')!);
    answer.searchParams.set('state', url.searchParams.get('state')!);
    for (const [key, value] of Object.entries(params)) answer.searchParams.set(key, value);
    const started = Date.now();
    cli.end(`${answer.href}\n`);
    const exit = await cli.waitForExit(60_000);
    return { exit, elapsedMs: Date.now() - started };
  }

  function assertNoToken(exit: CliExit): void {
    assert.ok(!exit.stdout.includes('refresh token is'), exit.stdout);
    assert.ok(!exit.stderr.includes(CODE), 'the code was printed');
    assert.doesNotMatch(exit.stderr, /^\s+at /m, 'a stack trace was printed');
  }

  test('a 6 MiB token response: exit 6 (a provider answer, not the network), and the code may be spent', async (t) => {
    fake.next({ body: tokenBody({ padding: 'x'.repeat(6 * 1024 * 1024) }) });
    const { exit } = await pasteAnswer(t, { code: CODE });
    assert.equal(exit.code, 6, exit.stderr);
    assert.match(exit.stderr, /too large/);
    assert.match(exit.stderr, /may have been spent/);
    assert.doesNotMatch(exit.stderr, /[Cc]heck your network/);
    assert.match(exit.stderr, /Run the command again/);
    assert.equal(fake.requests.length, 1, 'the code is sent exactly once');
    assertNoToken(exit);
  });

  test('token_type "mac": exit 6 with a clear provider error, not 1', async (t) => {
    fake.next({ body: tokenBody({ token_type: 'mac' }) });
    const { exit } = await pasteAnswer(t, { code: CODE });
    assert.equal(exit.code, 6, exit.stderr);
    assert.match(exit.stderr, /token_type "mac"/);
    assert.doesNotMatch(exit.stderr, /unexpected failure/);
    assertNoToken(exit);
  });

  test('a hung token endpoint: --timeout bounds the exchange, exit 7, and the code may be spent', async (t) => {
    fake.next({ delayMs: 45_000, body: tokenBody() });
    const { exit, elapsedMs } = await pasteAnswer(t, { code: CODE }, ['--timeout', '3']);
    assert.equal(exit.code, 7, exit.stderr);
    assert.ok(elapsedMs < 15_000, `the exchange waited ${elapsedMs} ms despite --timeout 3`);
    assert.match(exit.stderr, /code exchange timed out/);
    assert.match(exit.stderr, /within 3 s/);
    assert.match(exit.stderr, /may have been spent/);
    assert.match(exit.stderr, /--timeout SECONDS/);
    assert.equal(fake.requests.length, 1, 'never retried');
    assertNoToken(exit);
  });

  test('an authorization error such as invalid_scope exits 6 (provider), as the README says, with the scopes advice', async (t) => {
    const { exit } = await pasteAnswer(t, { error: 'invalid_scope', error_description: 'Some requested scopes were invalid.' });
    assert.equal(exit.code, 6, exit.stderr);
    assert.match(exit.stderr, /invalid_scope/);
    assert.match(exit.stderr, /--scopes \/ --additional_scopes/);
    assert.equal(fake.requests.length, 0, 'nothing reached the token endpoint');
    assertNoToken(exit);
  });

  test('access_denied still exits 5 (consent)', async (t) => {
    const { exit } = await pasteAnswer(t, { error: 'access_denied' });
    assert.equal(exit.code, 5, exit.stderr);
    assert.match(exit.stderr, /Run the command again/);
  });
});
