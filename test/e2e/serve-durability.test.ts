// Durability of `ads-oauth serve` (the built CLI) on SQLite: a restart keeps every account and its
// tokens; a wrong ADS_OAUTH_ENCRYPTION_KEYS is refused at start-up, a key id it lacks (while others
// open) is a warning, and such a record or a tampered ciphertext answers 500 {"error":"decrypt"}
// with a clear message, never a token; `ads-oauth serve rotate-keys` with a server running and
// serving (new key prepended), then the old key removed and a restart: tokens still served.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { killLeftovers, runCli } from '../support/cli.js';
import { getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';
import { httpBrowser, httpConnect } from '../support/http-consent.js';
import { apiClient, createApiKey, startServe, type ServeProcess } from '../support/serve-process.js';

const key = (kid: string) => `${kid}:${randomBytes(32).toString('base64')}`;

describe('serve: durability, wrong keys, tampering and rotate-keys', { timeout: 120_000 }, () => {
  let provider: GoogleLikeProvider;
  let dir: string;
  let database: string;
  let clientFile: string;
  let base: string;
  let port: number;
  let serve: ServeProcess | undefined;
  let api: ReturnType<typeof apiClient>;
  let apiKey: string;
  const k1 = key('k1');
  const ids: string[] = [];
  const tokens = new Map<string, string>();

  const start = async (keys: string) => {
    serve = await startServe({ clientFile, publicUrl: base, port, database, keys, cwd: dir });
  };
  const stop = async () => {
    await serve?.stop();
    serve = undefined;
  };
  const sql = <T = Record<string, unknown>>(text: string, ...params: unknown[]): T[] => {
    const db = new Sqlite(database);
    try {
      const statement = db.prepare(text);
      return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
    } finally {
      db.close();
    }
  };
  const makeStale = (id: string) => sql('update accounts set access_token_expires_at = ? where id = ?', Date.now() + 60_000, id);

  before(async () => {
    port = await getFreePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startGoogleLikeProvider({ webRedirectUris: [`${base}/oauth2callback`], users: 3 });
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-durable-'));
    database = join(dir, 'serve.sqlite');
    clientFile = await provider.writeClientFile('web', dir);
    await start(k1);
    apiKey = await createApiKey(database, k1, dir);
    api = apiClient(base, apiKey);
    for (const user of provider.users) {
      const outcome = await httpConnect(httpBrowser(), base, base, user);
      assert.equal(outcome.status, 200, outcome.body);
    }
    const accounts = (await api('/accounts')).body['accounts'] as Array<{ id: string; email: string }>;
    for (const user of provider.users) ids.push(accounts.find((a) => a.email === user.login)!.id);
    for (const id of ids) {
      const token = await api(`/accounts/${id}/access-token`);
      assert.equal(token.status, 200, token.text);
      tokens.set(id, String(token.body['access_token']));
    }
  });

  after(async () => {
    await stop().catch(() => undefined);
    await killLeftovers();
    await provider?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A 500 that says it cannot decrypt, and holds no token. */
  function assertDecryptFailure(answer: Awaited<ReturnType<typeof api>>, kid: RegExp) {
    assert.equal(answer.status, 500, answer.text);
    assert.equal(answer.body['error'], 'decrypt');
    assert.match(String(answer.body['message']), /Cannot decrypt/);
    assert.match(String(answer.body['message']), kid);
    assert.equal(answer.body['access_token'], undefined);
    for (const token of tokens.values()) assert.ok(!answer.text.includes(token));
  }

  test('a restart keeps every account, its cached token and its refresh token', async () => {
    await stop();
    makeStale(ids[0]!); // this one must be refreshed with the stored refresh token after the restart
    await start(k1);
    const accounts = (await api('/accounts')).body['accounts'] as Array<{ id: string }>;
    assert.deepEqual(accounts.map((a) => a.id).sort(), [...ids].sort());
    const grants = provider.refreshGrants();
    for (const id of ids.slice(1)) {
      const token = await api(`/accounts/${id}/access-token`);
      assert.equal(token.status, 200, token.text);
      assert.equal(token.body['access_token'], tokens.get(id), 'the cached token survived the restart');
    }
    assert.equal(provider.refreshGrants(), grants);
    const refreshed = await api(`/accounts/${ids[0]}/access-token`);
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(provider.refreshGrants(), grants + 1);
    assert.notEqual(refreshed.body['access_token'], tokens.get(ids[0]!));
    tokens.set(ids[0]!, String(refreshed.body['access_token']));
  });

  test('a restart deletes expired pending authorizations (abandoned connects), not live ones', async () => {
    for (let i = 0; i < 3; i++) await (await fetch(`${base}/connect`, { redirect: 'manual' })).body?.cancel();
    const pending = sql<{ state_hash: string }>('select state_hash from pending_authorizations');
    assert.equal(pending.length, 3);
    sql(
      'update pending_authorizations set expires_at = ? where state_hash in (?, ?)',
      Date.now() - 1000,
      pending[0]!.state_hash,
      pending[1]!.state_hash,
    );
    await stop();
    await start(k1);
    const left = sql<{ state_hash: string }>('select state_hash from pending_authorizations');
    assert.deepEqual(
      left.map((r) => r.state_hash),
      [pending[2]!.state_hash],
    );
  });

  /** serve run with `keys` against the database: its exit, when it does not start. */
  const refusedStart = async (keys: string) =>
    runCli(['serve', '--client_secrets_path', clientFile, '--public-url', base, '--listen', `127.0.0.1:${port}`, '--database', database], {
      bin: 'ads-oauth',
      cwd: dir,
      env: { ADS_OAUTH_ENCRYPTION_KEYS: keys },
    });

  test('a wrong key (same id, or another id) is refused at start-up, before anyone asks for a token', async () => {
    await stop();
    for (const [wrong, names] of [
      [key('k1'), /key id "k1" opens none of the 3 most recently updated of its 3 accounts/],
      [key('k9'), /key id "k1", which 3 accounts use, is not in ADS_OAUTH_ENCRYPTION_KEYS/],
    ] as const) {
      const before = provider.refreshGrants();
      const exit = await refusedStart(wrong);
      assert.equal(exit.code, 3, `exit ${exit.code}: ${exit.stderr}`);
      assert.match(exit.stderr, /ADS_OAUTH_ENCRYPTION_KEYS does not open the stored accounts/);
      assert.match(exit.stderr, names);
      assert.match(exit.stderr, /serve did not start/);
      assert.doesNotMatch(exit.stderr, /listening on/);
      assert.equal(provider.refreshGrants(), before, 'no refresh with a token that did not decrypt');
      for (const token of tokens.values()) assert.ok(!exit.stderr.includes(token) && !exit.stdout.includes(token));
    }
    await start(k1);
    assert.equal((await api(`/accounts/${ids[1]}/access-token`)).status, 200, 'the right key serves it again');
  });

  test('a key id the keyring lacks, while the others open: serve starts, warns, and that account answers 500 decrypt', async () => {
    await stop();
    sql("update accounts set refresh_token_kid = 'k7', access_token_kid = 'k7' where id = ?", ids[1]);
    try {
      await start(k1);
      assert.match(serve!.run.stderr, /Warning: key id "k7", which 1 account use, is not in ADS_OAUTH_ENCRYPTION_KEYS/);
      assert.match(serve!.run.stderr, /ads-oauth serve rotate-keys/);
      assertDecryptFailure(await api(`/accounts/${ids[1]}/access-token`), /"k7", which is not in ADS_OAUTH_ENCRYPTION_KEYS/);
      assert.equal((await api(`/accounts/${ids[0]}/access-token`)).status, 200, 'the other accounts are served');
    } finally {
      await stop();
      sql("update accounts set refresh_token_kid = 'k1', access_token_kid = 'k1' where id = ?", ids[1]);
      await start(k1);
    }
    assert.equal((await api(`/accounts/${ids[1]}/access-token`)).status, 200);
  });

  test('a tampered ciphertext answers 500 decrypt; the other accounts are served', async () => {
    const [row] = sql<{ refresh_token_ct: string; access_token_ct: string }>(
      'select refresh_token_ct, access_token_ct from accounts where id = ?',
      ids[2],
    );
    const flip = (ct: string) => {
      const raw = Buffer.from(ct, 'base64url');
      raw[20]! ^= 0x01;
      return raw.toString('base64url');
    };
    sql('update accounts set access_token_ct = ? where id = ?', flip(row!.access_token_ct), ids[2]);
    assertDecryptFailure(await api(`/accounts/${ids[2]}/access-token`), /does not authenticate/);
    sql(
      'update accounts set access_token_ct = ?, refresh_token_ct = ? where id = ?',
      row!.access_token_ct,
      flip(row!.refresh_token_ct),
      ids[2],
    );
    makeStale(ids[2]!);
    assertDecryptFailure(await api(`/accounts/${ids[2]}/access-token`), /refresh token.*does not authenticate/s);
    assert.equal((await api(`/accounts/${ids[0]}/access-token`)).status, 200);
  });

  test('rotate-keys while a server runs and serves; then the old key is removed: tokens still served', async () => {
    const k2 = key('k2');
    await stop();
    await start(`${k2},${k1}`); // the new key first; the old one still reads what it wrote
    makeStale(ids[0]!);
    const env = { ADS_OAUTH_ENCRYPTION_KEYS: `${k2},${k1}` };
    const [rotated, ...served] = await Promise.all([
      runCli(['serve', 'rotate-keys', '--json', '--database', database, '--client_secrets_path', clientFile], {
        bin: 'ads-oauth',
        cwd: dir,
        env,
      }),
      ...Array.from({ length: 10 }, () => api(`/accounts/${ids[0]}/access-token`)),
    ]);
    assert.equal(rotated!.code, 0, rotated!.stderr);
    const result = JSON.parse(rotated!.stdout) as { reencrypted: number; undecryptable: string[] };
    assert.deepEqual(result.undecryptable, [ids[2]], 'the tampered account is reported, not re-encrypted');
    assert.ok(result.reencrypted >= 2, rotated!.stdout);
    for (const answer of served) assert.equal((answer as { status: number }).status, 200);
    const kids = sql<{ id: string; refresh_token_kid: string; access_token_kid: string }>(
      'select id, refresh_token_kid, access_token_kid from accounts',
    );
    for (const row of kids.filter((r) => r.id !== ids[2]))
      assert.deepEqual([row.refresh_token_kid, row.access_token_kid], ['k2', 'k2'], row.id);

    await stop();
    makeStale(ids[0]!);
    await start(k2); // k1 is gone
    const grants = provider.refreshGrants();
    assert.equal((await api(`/accounts/${ids[1]}/access-token`)).status, 200, 'the cached access token decrypts under k2');
    assert.equal(provider.refreshGrants(), grants);
    const refreshed = await api(`/accounts/${ids[0]}/access-token`);
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(provider.refreshGrants(), grants + 1, 'refreshed with the refresh token re-encrypted under k2');
    assertDecryptFailure(await api(`/accounts/${ids[2]}/access-token`), /"k1"/);
  });
});
