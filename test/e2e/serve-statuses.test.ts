// `ads-oauth serve` (the built CLI) on Postgres, with the lifecycle endpoint overrides
// (ADS_OAUTH_TOKEN_URI, ADS_OAUTH_REVOKE_URI) pointed at a relay in front of the Google-like
// provider's token and revocation endpoints, which the test can make fail, and Postgres reached
// through a TCP relay the test can cut:
// - the code exchange, the refreshes and the revocation of a DELETE go to the overridden endpoints;
// - the token endpoint failing (503, a dropped connection, no answer for 30 s) → 503 {"error":"provider_unavailable"}
//   and nothing stored changes;
// - a dead refresh token → 409 {"error":"reconnect_required","message": the lifecycle diagnosis},
//   the account marked reconnect_required, no further upstream call;
// - /readyz → 503 while Postgres refuses connections or the schema is gone; /healthz stays 200.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { openAccountStore, parseKeyring } from '../../src/stores/accounts/index.js';
import { killLeftovers } from '../support/cli.js';
import { getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';
import { httpBrowser, httpConnect } from '../support/http-consent.js';
import { startTokenRelay } from '../support/token-relay.js';
import { apiClient, createApiKey, startServe, type ServeProcess } from '../support/serve-process.js';
import { POSTGRES_URL } from '../support/store-engines.js';

/**
 * A TCP relay to Postgres that can be cut (every connection dropped, new ones refused) and
 * restored, and stalled (Postgres's answers are dropped, so queries hang in flight).
 */
async function startPgRelay() {
  const port = await getFreePort();
  const sockets = new Set<Socket>();
  let server: ReturnType<typeof createNetServer> | undefined;
  let stalled = false;
  const up = () =>
    new Promise<void>((resolve) => {
      stalled = false;
      server = createNetServer((client) => {
        const target = new URL(POSTGRES_URL);
        const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream);
        upstream.on('data', (chunk: Buffer) => void (stalled || client.write(chunk)));
        upstream.on('end', () => client.end());
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
    });
  await up();
  return {
    port,
    up,
    down,
    stall() {
      stalled = true;
    },
  };
}

describe('serve: endpoint overrides, 409, 503 and /readyz', { timeout: 90_000 }, () => {
  let provider: GoogleLikeProvider;
  let relay: Awaited<ReturnType<typeof startTokenRelay>>;
  let pgRelay: Awaited<ReturnType<typeof startPgRelay>>;
  let dir: string;
  let pool: pg.Pool;
  let serve: ServeProcess;
  let api: ReturnType<typeof apiClient>;
  let base: string;
  let clientFile: string;
  const schema = `t_status_${randomBytes(5).toString('hex')}`;
  const keys = `k1:${randomBytes(32).toString('base64')}`;
  const accountIds: string[] = [];

  before(async () => {
    base = `http://127.0.0.1:${await getFreePort()}`;
    provider = await startGoogleLikeProvider({ webRedirectUris: [`${base}/oauth2callback`], users: 3 });
    relay = await startTokenRelay(provider);
    pgRelay = await startPgRelay();
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-status-'));
    clientFile = await provider.writeClientFile('web', dir);
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    await pool.query(`create schema ${schema}`);
    // The test database, reached through the relay, in the test's schema.
    const url = new URL(POSTGRES_URL);
    url.host = `127.0.0.1:${pgRelay.port}`;
    url.searchParams.set('options', `-c search_path=${schema}`);
    const database = url.href;
    serve = await startServe({
      clientFile,
      publicUrl: base,
      port: Number(new URL(base).port),
      database,
      keys,
      cwd: dir,
      env: { ADS_OAUTH_TOKEN_URI: `${relay.origin}/token`, ADS_OAUTH_REVOKE_URI: `${relay.origin}/revoke` },
    });
    api = apiClient(base, await createApiKey(database, keys, dir));
    for (const user of provider.users) {
      const outcome = await httpConnect(httpBrowser(), base, base, user);
      assert.equal(outcome.status, 200, outcome.body);
    }
    const accounts = (await api('/accounts')).body['accounts'] as Array<{ id: string; email: string }>;
    for (const user of provider.users) accountIds.push(accounts.find((a) => a.email === user.login)!.id);
  });

  after(async () => {
    await serve?.stop().catch(() => undefined);
    await killLeftovers();
    await relay?.close();
    await pgRelay?.down();
    await provider?.close();
    if (pool) {
      await pool.query(`drop schema if exists ${schema} cascade`);
      await pool.end();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const row = async (id: string) =>
    (await pool.query(`select * from ${schema}.accounts where id = $1`, [id])).rows[0] as Record<string, unknown>;
  const makeStale = (id: string) =>
    pool.query(`update ${schema}.accounts set access_token_expires_at = $1 where id = $2`, [Date.now() + 60_000, id]);

  test('the code exchanges went to ADS_OAUTH_TOKEN_URI, and so does a refresh', async () => {
    assert.deepEqual(relay.seen, ['token:authorization_code', 'token:authorization_code', 'token:authorization_code']);
    await makeStale(accountIds[0]!);
    const token = await api(`/accounts/${accountIds[0]}/access-token`);
    assert.equal(token.status, 200, token.text);
    assert.equal(relay.seen.at(-1), 'token:refresh_token');
  });

  test('the token endpoint failing → 503 provider_unavailable, nothing stored changes', async () => {
    const id = accountIds[1]!;
    await makeStale(id);
    const before = await row(id);
    for (const mode of ['fail', 'hangup'] as const) {
      relay.mode = mode;
      const calls = relay.seen.length;
      const answer = await api(`/accounts/${id}/access-token`);
      assert.equal(relay.seen.length, calls + 1, 'it did ask the token endpoint');
      assert.equal(answer.status, 503, answer.text);
      assert.equal(answer.body['error'], 'provider_unavailable');
      assert.equal(typeof answer.body['message'], 'string');
      assert.equal(answer.body['access_token'], undefined);
      assert.deepEqual(await row(id), before, `${mode}: the stored record is unchanged`);
    }
    // A token endpoint that never answers: the refresh gives up after its 30-second timeout.
    relay.mode = 'stall';
    const started = Date.now();
    const timedOut = await api(`/accounts/${id}/access-token`).catch((error: unknown) => {
      throw new Error(`${String((error as Error).cause ?? error)} after ${Date.now() - started} ms: ${serve.run.stderr.slice(-3000)}`);
    });
    assert.equal(timedOut.status, 503, timedOut.text);
    assert.equal(timedOut.body['error'], 'provider_unavailable');
    assert.match(String(timedOut.body['message']), /time/i);
    assert.ok(Date.now() - started >= 29_000, 'after the timeout, not before');
    assert.deepEqual(await row(id), before, 'timeout: the stored record is unchanged');
    relay.mode = 'forward';
    const account = await api(`/accounts/${id}`);
    assert.equal(account.body['status'], 'active');
    assert.equal((await api(`/accounts/${id}/access-token`)).status, 200, 'served once the provider is back');
  });

  test('a dead refresh token → 409 reconnect_required with the diagnosis; no further upstream call', async () => {
    const id = accountIds[2]!;
    // The user revoked the app's access at the provider (what "Remove access" in their Google account does).
    const store = await openAccountStore({ database: POSTGRES_URL, schema, keyring: parseKeyring(keys), clientId: provider.web.client_id });
    const refreshToken = (await store.getRefreshToken(id))!;
    await store.close();
    const revoked = await fetch(provider.revokeUri, {
      method: 'POST',
      body: new URLSearchParams({ token: refreshToken, client_id: provider.web.client_id, client_secret: provider.web.client_secret }),
    });
    assert.equal(revoked.status, 200);
    await makeStale(id);
    const answer = await api(`/accounts/${id}/access-token`);
    assert.equal(answer.status, 409, answer.text);
    assert.deepEqual(Object.keys(answer.body).sort(), ['error', 'message']);
    assert.equal(answer.body['error'], 'reconnect_required');
    assert.match(String(answer.body['message']), /invalid_grant.*Testing.*7-day/s, 'the lifecycle diagnosis');
    assert.ok(String(answer.body['message']).includes(`connect the account again at ${base}/connect`), 'web advice');
    assert.doesNotMatch(String(answer.body['message']), /generate-user-credentials/, "not the CLI's advice");
    assert.ok(!answer.text.includes(refreshToken));
    const account = await api(`/accounts/${id}`);
    assert.equal(account.body['status'], 'reconnect_required');
    const calls = relay.seen.length;
    const again = await api(`/accounts/${id}/access-token`);
    assert.equal(again.status, 409);
    assert.equal(relay.seen.length, calls, 'a known-dead token is not sent again');
  });

  test('DELETE revokes at ADS_OAUTH_REVOKE_URI', async () => {
    const id = accountIds[0]!;
    const calls = relay.seen.length;
    const deleted = await api(`/accounts/${id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204, deleted.text);
    assert.deepEqual(relay.seen.slice(calls), ['/revoke']);
    assert.equal((await api(`/accounts/${id}`)).status, 404);
  });

  test('/readyz is 503 while Postgres refuses connections and when the schema is gone; /healthz stays 200', async () => {
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    await pgRelay.down();
    const down = await fetch(`${base}/readyz`).catch((error: unknown) => {
      throw new Error(`the server is gone (${String(error)}): ${serve.run.stderr}`);
    });
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), { status: 'not_ready' });
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const during = await api('/accounts');
    assert.equal(during.status >= 500, true, during.text);
    await pgRelay.up();
    assert.equal((await fetch(`${base}/readyz`)).status, 200, 'ready again once Postgres is back');

    // The connection dies while queries are in flight (a Postgres restart): they fail, the process lives.
    pgRelay.stall();
    const inFlight = [fetch(`${base}/readyz`), api('/accounts')];
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pgRelay.down();
    const [ready, listed] = await Promise.all(inFlight);
    assert.equal((ready as Response).status, 503);
    assert.ok((listed as { status: number }).status >= 500);
    assert.equal((await fetch(`${base}/healthz`).catch(() => undefined))?.status, 200, `the server is still up: ${serve.run.stderr}`);
    await pgRelay.up();
    assert.equal((await fetch(`${base}/readyz`)).status, 200, 'ready again once Postgres is back');

    await pool.query(`drop schema ${schema} cascade`);
    assert.equal((await fetch(`${base}/readyz`)).status, 503, 'the database answers but the store is gone');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });
});
