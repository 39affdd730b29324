// Two real `ads-oauth serve` processes (the built CLI) sharing one Postgres schema, as behind a load
// balancer: the public URL is an address neither listens on, and the test routes each request to an
// instance. A state issued by /connect on one instance is consumed by /oauth2callback on the other;
// 100 users connecting at once (each a headless HTTP "browser" with its own cookie jar, through the
// provider's real login and consent forms) end as 100 accounts, each bound to its own Google
// account; 2 × 100 concurrent broker calls for one stale token make exactly one refresh at the
// provider.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { killLeftovers } from '../support/cli.js';
import { getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';
import { httpBrowser, httpConnect } from '../support/http-consent.js';
import { apiClient, createApiKey, postgresSchema, startServe, type ServeProcess } from '../support/serve-process.js';

const USERS = 101; // one for the cross-instance test, 100 for the concurrent connects

describe('serve: two instances on one Postgres schema', { timeout: 120_000 }, () => {
  let provider: GoogleLikeProvider;
  let dir: string;
  let pg: Awaited<ReturnType<typeof postgresSchema>>;
  let database: string;
  let publicUrl: string;
  let a: ServeProcess;
  let b: ServeProcess;
  let api: { a: ReturnType<typeof apiClient>; b: ReturnType<typeof apiClient> };
  const keys = `k1:${randomBytes(32).toString('base64')}`;

  before(async () => {
    publicUrl = `http://127.0.0.1:${await getFreePort()}`; // the "load balancer": nothing listens here
    provider = await startGoogleLikeProvider({ webRedirectUris: [`${publicUrl}/oauth2callback`], users: USERS });
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-multi-'));
    const clientFile = await provider.writeClientFile('web', dir);
    pg = await postgresSchema('t_multi');
    database = pg.url;
    // Both start at once: the migrations must cope.
    const [portA, portB] = [await getFreePort(), await getFreePort()];
    [a, b] = await Promise.all([
      startServe({ clientFile, publicUrl, port: portA, database, keys, cwd: dir }),
      startServe({ clientFile, publicUrl, port: portB, database, keys, cwd: dir }),
    ]);
    assert.match(a.run.stderr, /\(postgres\)/);
    const apiKey = await createApiKey(database, keys, dir);
    api = { a: apiClient(a.origin, apiKey), b: apiClient(b.origin, apiKey) };
  });

  after(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await killLeftovers();
    await provider?.close();
    await pg?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const user = (n: number) => provider.users[n]!;

  test('a state issued on instance A is consumed on instance B, once', async () => {
    const browser = httpBrowser();
    const outcome = await httpConnect(browser, a.origin, publicUrl, { ...user(0), callbackOrigin: b.origin });
    assert.equal(outcome.status, 200, outcome.body);
    assert.match(outcome.body, /Connected as ads-user@example\.com/);
    // The same callback again, on either instance, in the same browser: the state is gone everywhere.
    for (const origin of [a.origin, b.origin]) {
      const replay = await browser.request(new URL(new URL(outcome.callbackUrl).pathname + new URL(outcome.callbackUrl).search, origin));
      assert.equal(replay.status, 400);
      assert.doesNotMatch(await replay.text(), /Connected as/);
    }
    const listed = await api.b('/accounts');
    assert.equal(listed.status, 200);
    const accounts = listed.body['accounts'] as Array<Record<string, unknown>>;
    assert.equal(accounts.length, 1);
    assert.equal(accounts[0]!['subject'], user(0).sub);
  });

  test('100 concurrent connects over both instances store 100 accounts, none cross-bound', async () => {
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: USERS - 1 }, (_, i) => {
        const u = user(i + 1);
        const [connectOn, callbackOn] = i % 2 === 0 ? [a, b] : [b, a];
        return httpConnect(httpBrowser(), connectOn.origin, publicUrl, {
          login: u.login,
          password: u.password,
          callbackOrigin: callbackOn.origin,
        });
      }),
    );
    const elapsed = Date.now() - started;
    outcomes.forEach((outcome, i) => {
      assert.equal(outcome.status, 200, `user ${i + 1}: ${outcome.body}`);
      // Each browser is told about its own Google account, not someone else's.
      assert.match(outcome.body, new RegExp(`Connected as ${user(i + 1).login.replace(/\./g, '\\.')}\\.`));
    });
    const listed = await api.a('/accounts');
    const accounts = listed.body['accounts'] as Array<{ id: string; email: string; subject: string; status: string }>;
    assert.equal(accounts.length, USERS);
    const bySubject = new Map(accounts.map((account) => [account.subject, account]));
    assert.equal(bySubject.size, USERS, 'one account per Google account');
    for (const u of provider.users) {
      const account = bySubject.get(u.sub);
      assert.ok(account, `an account for ${u.login}`);
      assert.equal(account.email, u.login, 'the email and sub of one user');
      assert.equal(account.status, 'active');
    }
    // Every stored refresh token is that user's: the access token it gives names the same user.
    const sample = [accounts[3]!, accounts[50]!, accounts[99]!];
    for (const account of sample) {
      const token = await api.b(`/accounts/${account.id}/access-token`);
      assert.equal(token.status, 200, token.text);
      const info = await fetch(`${provider.issuer}/v1/userinfo`, {
        headers: { authorization: `Bearer ${String(token.body['access_token'])}` },
      });
      assert.equal(((await info.json()) as { sub: string }).sub, account.subject);
    }
    process.stderr.write(`# 100 concurrent connects in ${elapsed} ms\n`);
  });

  test('2 × 100 concurrent broker calls for one stale token: exactly one refresh at the provider', async () => {
    const listed = await api.a('/accounts');
    const account = (listed.body['accounts'] as Array<{ id: string; subject: string }>).find((x) => x.subject === user(0).sub)!;
    // The access token cached at connect time is made stale (expires in 1 minute, within the 5-minute margin).
    const updated = await pg.pool.query(`update ${pg.schema}.accounts set access_token_expires_at = $1 where id = $2`, [
      Date.now() + 60_000,
      account.id,
    ]);
    assert.equal(updated.rowCount, 1);
    const before = provider.refreshGrants();
    const calls = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? api.a : api.b)(`/accounts/${account.id}/access-token`)),
    );
    assert.equal(provider.refreshGrants() - before, 1, 'one upstream refresh for 200 calls on two instances');
    for (const call of calls) assert.equal(call.status, 200, call.text);
    const tokens = new Set(calls.map((call) => call.body['access_token']));
    assert.equal(tokens.size, 1, 'every caller got the one new token');
    const [token] = [...tokens] as string[];
    const expiresAt = Date.parse(String(calls[0]!.body['expires_at']));
    assert.ok(expiresAt - Date.now() > 30 * 60_000, 'a fresh token, not the stale one');
    const info = await fetch(`${provider.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(info.status, 200);
    const refreshed = await api.b(`/accounts/${account.id}`);
    assert.ok(refreshed.body['last_refreshed_at'], 'the refresh is recorded in the shared store');
    // And the next round is served from the caches: no refresh at all.
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? api.a : api.b)(`/accounts/${account.id}/access-token`)));
    assert.equal(provider.refreshGrants() - before, 1);
  });
  test('an account deleted on instance A is no longer served by instance B (after at most a second), though B had it cached', async () => {
    const listed = await api.a('/accounts');
    const account = (listed.body['accounts'] as Array<{ id: string; subject: string }>).find((x) => x.subject === user(5).sub)!;
    const cached = await api.b(`/accounts/${account.id}/access-token`);
    assert.equal(cached.status, 200, cached.text);
    const deleted = await api.a(`/accounts/${account.id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204, deleted.text);
    await new Promise((r) => setTimeout(r, 1_100));
    const after = await api.b(`/accounts/${account.id}/access-token`);
    assert.equal(after.status, 404, after.text);
  });
});
