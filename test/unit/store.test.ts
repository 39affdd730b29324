// One suite, run against both engines: a SQLite file and a fresh Postgres schema.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAdsOAuthError, type ErrorCode } from '../../src/errors.js';
import { parseKeyring } from '../../src/stores/accounts/keyring.js';
import { MIGRATIONS } from '../../src/stores/accounts/schema.js';
import type { AccountConnection, AccountStore, PendingAuthorization } from '../../src/stores/accounts/types.js';
import { createEngineFixture, ENGINES, keyValue, runStoreWorker, type EngineFixture } from '../support/store-engines.js';

const HOUR = 3_600_000;

let counter = 0;
/** A connection to save; `accessToken: undefined` leaves the cached access token out. */
function connection(overrides: { [K in keyof AccountConnection]?: AccountConnection[K] | undefined } = {}): AccountConnection {
  counter++;
  const merged: Record<string, unknown> = {
    issuer: 'https://accounts.google.com',
    subject: `1000${counter}`,
    email: `user${counter}@example.com`,
    emailVerified: true,
    scopes: ['https://www.googleapis.com/auth/adwords', 'openid'],
    refreshToken: `1//refresh-${counter}-${'x'.repeat(40)}`,
    accessToken: {
      token: `ya29.access-${counter}`,
      expiresAt: new Date(Date.now() + HOUR),
      scopes: ['https://www.googleapis.com/auth/adwords'],
    },
    ...overrides,
  };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return merged as unknown as AccountConnection;
}

function pending(overrides: Partial<PendingAuthorization> = {}): PendingAuthorization {
  return {
    flow: 'connect',
    codeVerifier: `verifier-${'v'.repeat(43)}`,
    nonce: 'nonce-123',
    redirectUri: 'https://ads.example.com/oauth/callback',
    bindingHash: 'binding-hash',
    returnTo: '/accounts',
    expiresAt: new Date(Date.now() + 600_000),
    ...overrides,
  };
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isAdsOAuthError(error, code), `expected ${code}, got ${String(error)}`);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

function worker(args: string[], keys: string): Promise<Record<string, unknown>> {
  return runStoreWorker(args, keys);
}

for (const kind of ENGINES) {
  describe(`account store (${kind})`, () => {
    const keys = keyValue('k1');
    const keyring = parseKeyring(keys);
    let fx: EngineFixture;
    let store: AccountStore;
    before(async () => {
      fx = await createEngineFixture(kind, keyring);
      store = await fx.open();
    });
    after(async () => {
      await fx.cleanup();
    });

    it('reports its engine and answers a ping', async () => {
      assert.equal(store.kind, kind);
      await store.ping();
    });

    it('connects an account, and the same subject again replaces the token in the same record', async () => {
      const first = connection();
      const saved = await store.saveConnection(first);
      assert.equal(saved.created, true);
      assert.match(saved.account.id, /^acc_[A-Za-z0-9_-]{22}$/);
      assert.equal(saved.account.status, 'active');
      assert.deepEqual(saved.account.scopes, ['https://www.googleapis.com/auth/adwords', 'openid']);
      assert.equal(await store.getRefreshToken(saved.account.id), first.refreshToken);

      await store.setStatus(saved.account.id, 'reconnect_required', 'invalid_grant: revoked');
      const again = await store.saveConnection({
        ...first,
        refreshToken: '1//newer-refresh-token',
        email: 'renamed@example.com',
        scopes: ['openid'],
      });
      assert.equal(again.created, false);
      assert.equal(again.account.id, saved.account.id);
      assert.equal(again.account.status, 'active');
      assert.equal(again.account.statusReason, null);
      assert.equal(again.account.email, 'renamed@example.com');
      assert.deepEqual(again.account.scopes, ['openid']);
      assert.equal(await store.getRefreshToken(saved.account.id), '1//newer-refresh-token');
      const rows = await fx.query<{ n: number | string }>('select count(*) as n from accounts where subject = ?', [first.subject]);
      assert.equal(Number(rows[0]!.n), 1);
    });

    it('gets, finds and lists accounts; unknown ids are undefined', async () => {
      const a = (await store.saveConnection(connection())).account;
      const b = (await store.saveConnection(connection({ email: null, emailVerified: false }))).account;
      assert.deepEqual(await store.getAccount(a.id), a);
      assert.deepEqual(await store.findAccount(b.issuer, b.subject), b);
      assert.equal((await store.getAccount(b.id))?.email, null);
      assert.equal((await store.getAccount(b.id))?.emailVerified, false);
      const ids = (await store.listAccounts()).map((x) => x.id);
      assert.ok(ids.includes(a.id) && ids.includes(b.id));
      assert.equal(await store.getAccount('acc_doesnotexistdoesnotex'), undefined);
      assert.equal(await store.getAccount("' or 1=1 --"), undefined);
      assert.equal(await store.findAccount(a.issuer, 'nobody'), undefined);
      assert.equal(await store.getRefreshToken('acc_doesnotexistdoesnotex'), undefined);
    });

    it('keeps tokens only as ciphertext, and they decrypt', async () => {
      const c = connection();
      const { account } = await store.saveConnection(c);
      const [row] = await fx.query<Record<string, unknown>>('select * from accounts where id = ?', [account.id]);
      const raw = JSON.stringify(row);
      assert.ok(!raw.includes(c.refreshToken) && !raw.includes(c.accessToken!.token), 'a token is in the row in clear');
      assert.equal(row!['refresh_token_kid'], 'k1');
      assert.equal(await store.getRefreshToken(account.id), c.refreshToken);
      const cached = await store.getCachedAccessToken(account.id);
      assert.equal(cached?.token, c.accessToken!.token);
      assert.equal(cached?.expiresAt.getTime(), c.accessToken!.expiresAt.getTime());
      assert.deepEqual(cached?.scopes, ['https://www.googleapis.com/auth/adwords']);
    });

    it('records a refresh (with a rotated refresh token) and a status', async () => {
      const { account } = await store.saveConnection(connection({ accessToken: undefined }));
      assert.equal(await store.getCachedAccessToken(account.id), undefined);
      const refreshedAt = new Date(Date.now() - 1000);
      const expiresAt = new Date(Date.now() + HOUR);
      await store.recordRefresh(account.id, {
        accessToken: { token: 'ya29.fresh', expiresAt, scopes: ['openid'] },
        refreshedAt,
        rotatedRefreshToken: '1//rotated',
      });
      assert.equal((await store.getCachedAccessToken(account.id))?.token, 'ya29.fresh');
      assert.equal(await store.getRefreshToken(account.id), '1//rotated');
      assert.equal((await store.getAccount(account.id))?.lastRefreshedAt?.getTime(), refreshedAt.getTime());
      await store.setStatus(account.id, 'revoked', 'revoked by an admin');
      const revoked = await store.getAccount(account.id);
      assert.equal(revoked?.status, 'revoked');
      assert.equal(revoked?.statusReason, 'revoked by an admin');
      assert.equal(await store.getCachedAccessToken(account.id), undefined, 'a revoked account keeps no access token');
      await rejectsWith(
        store.recordRefresh('acc_doesnotexistdoesnotex', { accessToken: { token: 't', expiresAt, scopes: [] }, refreshedAt }),
        'NOT_FOUND',
      );
      await rejectsWith(store.setStatus('acc_doesnotexistdoesnotex', 'revoked', null), 'NOT_FOUND');
      assert.equal(await store.deleteAccount(account.id), true);
      assert.equal(await store.deleteAccount(account.id), false);
      assert.equal(await store.getAccount(account.id), undefined);
    });

    it('refuses to decrypt with a wrong key, and names the missing key id', async () => {
      const c = connection();
      const { account } = await store.saveConnection(c);
      const sameKidOtherKey = await fx.open({ keyring: parseKeyring(keyValue('k1')) });
      await rejectsWith(
        sameKidOtherKey.getRefreshToken(account.id),
        'DECRYPT',
        new RegExp(`key id "k1".*${account.id}|${account.id}.*key id "k1"`),
      );
      const otherKid = await fx.open({ keyring: parseKeyring(keyValue('k9')) });
      await rejectsWith(otherKid.getRefreshToken(account.id), 'DECRYPT', /"k1", which is not in ADS_OAUTH_ENCRYPTION_KEYS/);
      await assert.rejects(otherKid.getCachedAccessToken(account.id), (e: unknown) => {
        assert.ok(isAdsOAuthError(e, 'DECRYPT'));
        assert.ok(!e.message.includes(c.accessToken!.token) && !e.message.includes(keys.split(':')[1]!));
        return true;
      });
    });

    it('refuses a tampered ciphertext', async () => {
      const { account } = await store.saveConnection(connection());
      const [row] = await fx.query<{ refresh_token_ct: string }>('select refresh_token_ct from accounts where id = ?', [account.id]);
      const bytes = Buffer.from(row!.refresh_token_ct, 'base64url');
      bytes[20] = bytes[20]! ^ 1;
      await fx.query('update accounts set refresh_token_ct = ? where id = ?', [bytes.toString('base64url'), account.id]);
      await rejectsWith(store.getRefreshToken(account.id), 'DECRYPT', /does not authenticate/);
      await fx.query('update accounts set refresh_token_ct = ? where id = ?', ['AAAA', account.id]);
      await rejectsWith(store.getRefreshToken(account.id), 'DECRYPT');
    });

    it("refuses a ciphertext copied onto another account, or read with another OAuth client's id", async () => {
      const victim = (await store.saveConnection(connection())).account;
      const attacker = (await store.saveConnection(connection())).account;
      const [row] = await fx.query<{ refresh_token_ct: string; refresh_token_kid: string }>(
        'select refresh_token_ct, refresh_token_kid from accounts where id = ?',
        [victim.id],
      );
      await fx.query('update accounts set refresh_token_ct = ?, refresh_token_kid = ? where id = ?', [
        row!.refresh_token_ct,
        row!.refresh_token_kid,
        attacker.id,
      ]);
      await rejectsWith(store.getRefreshToken(attacker.id), 'DECRYPT');
      // Nor can the refresh-token ciphertext stand in for the access token of the same account.
      await fx.query('update accounts set access_token_ct = ?, access_token_kid = ? where id = ?', [
        row!.refresh_token_ct,
        row!.refresh_token_kid,
        victim.id,
      ]);
      await rejectsWith(store.getCachedAccessToken(victim.id), 'DECRYPT');
      const otherClient = await fx.open({ clientId: 'client-2.apps.example.com' });
      await rejectsWith(otherClient.getRefreshToken(victim.id), 'DECRYPT');
      assert.ok(await store.getRefreshToken(victim.id));
    });

    it('consumes a pending authorization once, refuses an expired one, and keeps only the state hash', async () => {
      const p = pending();
      await store.savePending('state-abc', p);
      const raw = JSON.stringify(await fx.query('select * from pending_authorizations'));
      assert.ok(!raw.includes('state-abc') && !raw.includes(p.codeVerifier) && !raw.includes(p.nonce));
      assert.deepEqual(await store.consumePending('state-abc'), p);
      assert.equal(await store.consumePending('state-abc'), undefined);
      await store.savePending('state-old', pending({ expiresAt: new Date(Date.now() + 1000) }));
      assert.equal(await store.consumePending('state-old', new Date(Date.now() + 2000)), undefined);
      assert.equal(await store.consumePending('state-old'), undefined, 'an expired state is gone, not kept for later');
      assert.equal(await store.consumePending('never-saved'), undefined);
      assert.equal(await store.consumePending(''), undefined);
    });

    it('lets exactly one of two stores consume one state', async () => {
      const other = await fx.open();
      for (let i = 0; i < 10; i++) {
        await store.savePending(`race-${i}`, pending({ flow: 'admin' }));
        const results = await Promise.all([store.consumePending(`race-${i}`), other.consumePending(`race-${i}`)]);
        assert.equal(results.filter(Boolean).length, 1, `state ${i}: ${results.filter(Boolean).length} winners`);
      }
    });

    it('purges expired pending authorizations and admin sessions', async () => {
      await store.savePending('purge-me', pending({ expiresAt: new Date(Date.now() + 1000) }));
      await store.savePending('keep-me', pending({ expiresAt: new Date(Date.now() + HOUR) }));
      const { id } = await store.createAdminSession({ email: 'admin@example.com', ttlMs: 1000 });
      const purged = await store.purgeExpired(new Date(Date.now() + 60_000));
      assert.ok(purged >= 2, `purged ${purged}`);
      assert.equal(await store.getAdminSession(id), undefined);
      assert.ok(await store.consumePending('keep-me'));
    });

    it('creates, verifies and revokes API keys, keeping only their hash', async () => {
      const { record, key } = await store.createApiKey('reporting service');
      assert.match(key, /^aok_[A-Za-z0-9_-]{43}$/);
      assert.equal(record.name, 'reporting service');
      assert.equal(record.revokedAt, null);
      const raw = JSON.stringify(await fx.query('select * from api_keys'));
      assert.ok(!raw.includes(key) && !raw.includes(key.slice(4)), 'the API key is in the table');
      const verified = await store.verifyApiKey(key);
      assert.equal(verified?.id, record.id);
      assert.ok(verified?.lastUsedAt instanceof Date);
      assert.equal(await store.verifyApiKey(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`), undefined);
      assert.equal(await store.verifyApiKey('not a key'), undefined);
      assert.ok((await store.listApiKeys()).some((k) => k.id === record.id));
      assert.equal(await store.revokeApiKey(record.id), true);
      assert.equal(await store.revokeApiKey(record.id), false);
      assert.equal(await store.verifyApiKey(key), undefined);
      assert.ok((await store.listApiKeys()).find((k) => k.id === record.id)?.revokedAt instanceof Date);
      const unnamed = await store.createApiKey(null);
      assert.equal((await store.verifyApiKey(unnamed.key))?.name, null);
    });

    it('a verified API key is taken on trust for apiKeyRevalidateMs: revoked here it stops at once, revoked elsewhere within the window', async () => {
      const here = await fx.open({ apiKeyRevalidateMs: 300 });
      const elsewhere = await fx.open();
      const { record, key } = await here.createApiKey('broker client');
      assert.equal((await here.verifyApiKey(key))?.id, record.id);
      // Revoked through another store on the same database (the CLI, a second instance).
      assert.equal(await elsewhere.revokeApiKey(record.id), true);
      assert.equal(await elsewhere.verifyApiKey(key), undefined);
      assert.equal((await here.verifyApiKey(key))?.id, record.id, 'within the window the verified key is taken on trust');
      await new Promise((resolve) => setTimeout(resolve, 350));
      assert.equal(await here.verifyApiKey(key), undefined, 'after the window the database is asked, and the key is gone');

      // Revoked through the store that verified it: at once.
      const second = await here.createApiKey(null);
      assert.ok(await here.verifyApiKey(second.key));
      assert.equal(await here.revokeApiKey(second.record.id), true);
      assert.equal(await here.verifyApiKey(second.key), undefined);

      // 0: every verification asks the database.
      const strict = await fx.open({ apiKeyRevalidateMs: 0 });
      const third = await strict.createApiKey(null);
      assert.ok(await strict.verifyApiKey(third.key));
      assert.equal(await elsewhere.revokeApiKey(third.record.id), true);
      assert.equal(await strict.verifyApiKey(third.key), undefined);
    });

    it('an API key taken on trust costs no database read; a wrong key is asked about every time', async () => {
      const counted = await fx.open({ apiKeyRevalidateMs: 60_000 });
      const { record, key } = await counted.createApiKey(null);
      assert.ok(await counted.verifyApiKey(key));
      // Tamper with the stored hash: a store that asks the database no longer finds the key.
      await fx.query('update api_keys set key_hash = ? where id = ?', [`tampered-${record.id}`, record.id]);
      assert.ok(await counted.verifyApiKey(key), 'answered from the verified keys, not the database');
      assert.equal(await (await fx.open()).verifyApiKey(key), undefined);
      const wrong = `aok_${'B'.repeat(43)}`;
      assert.equal(await counted.verifyApiKey(wrong), undefined);
      assert.equal(await counted.verifyApiKey(wrong), undefined);
    });

    it('keeps admin sessions server-side until they expire or are deleted', async () => {
      const { id, session } = await store.createAdminSession({ email: 'admin@example.com', ttlMs: 60_000 });
      assert.match(id, /^[A-Za-z0-9_-]{43}$/);
      const raw = JSON.stringify(await fx.query('select * from admin_sessions'));
      assert.ok(!raw.includes(id) && !raw.includes(session.csrfToken));
      assert.deepEqual(await store.getAdminSession(id), session);
      assert.equal(await store.getAdminSession(id, new Date(Date.now() + 61_000)), undefined);
      assert.equal(await store.getAdminSession('forged'), undefined);
      await store.deleteAdminSession(id);
      assert.equal(await store.getAdminSession(id), undefined);
    });

    it("slides a live admin session's expiry (idle timeout), never revives an expired one", async () => {
      const { id } = await store.createAdminSession({ email: 'admin@example.com', ttlMs: 1_000 });
      const later = new Date(Date.now() + 120_000);
      await store.touchAdminSession(id, later);
      assert.equal((await store.getAdminSession(id, new Date(Date.now() + 60_000)))?.expiresAt.getTime(), later.getTime());
      assert.equal(await store.getAdminSession(id, new Date(later.getTime() + 1)), undefined);
      // Expired (as of `now`): touching does nothing.
      await store.touchAdminSession(id, new Date(later.getTime() + 600_000), new Date(later.getTime() + 1));
      assert.equal(await store.getAdminSession(id, new Date(later.getTime() + 1)), undefined);
      await store.touchAdminSession('forged', later);
    });

    it('holds the refresh lock of one account across two stores, not of others', async () => {
      const other = await fx.open();
      const { account } = await store.saveConnection(connection());
      const events: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = store.withRefreshLock(account.id, async () => {
        events.push('first in');
        await held;
        events.push('first out');
        return 1;
      });
      while (!events.includes('first in')) await new Promise((resolve) => setTimeout(resolve, 10));
      await rejectsWith(
        other.withRefreshLock(account.id, async () => 0, { waitMs: 200 }),
        'STORE',
        /refresh lock/,
      );
      assert.equal(await other.withRefreshLock('acc_someotheraccountxxxxx', async () => 'other account', { waitMs: 200 }), 'other account');
      const second = other.withRefreshLock(account.id, async () => {
        events.push('second in');
        return 2;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      release();
      assert.deepEqual(await Promise.all([first, second]), [1, 2]);
      assert.deepEqual(events, ['first in', 'first out', 'second in']);
      // Released on error too.
      await assert.rejects(
        store.withRefreshLock(account.id, async () => Promise.reject(new Error('boom'))),
        /boom/,
      );
      assert.equal(await other.withRefreshLock(account.id, async () => 'free', { waitMs: 1000 }), 'free');
    });

    it('rotates every ciphertext to the current key while another store writes', async () => {
      const k1 = keyValue('k1');
      const k2 = keyValue('k2');
      const fxr = await createEngineFixture(kind, parseKeyring(k1));
      try {
        const old = await fxr.open();
        const ids: string[] = [];
        for (let i = 0; i < 150; i++) ids.push((await old.saveConnection(connection({ refreshToken: `1//rt-${i}` }))).account.id);
        await old.savePending('rotate-state', pending());
        const session = await old.createAdminSession({ email: 'admin@example.com', ttlMs: HOUR });
        // One damaged row: skipped and reported, not a reason to stop.
        const damaged = (await old.saveConnection(connection({ accessToken: undefined }))).account.id;
        await fxr.query('update accounts set refresh_token_ct = ? where id = ?', ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', damaged]);

        const rotator = await fxr.open({ keyring: parseKeyring(`${k2},${k1}`) });
        const writer = await fxr.open({ keyring: parseKeyring(`${k2},${k1}`) });
        let stop = false;
        let writes = 0;
        const writing = (async () => {
          while (!stop) {
            const id = ids[writes % ids.length]!;
            await writer.recordRefresh(id, {
              accessToken: { token: `ya29.during-${writes}`, expiresAt: new Date(Date.now() + HOUR), scopes: [] },
              refreshedAt: new Date(),
              rotatedRefreshToken: `1//written-during-rotation-${writes}`,
            });
            writes++;
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        let result: { reencrypted: number; undecryptable: string[] };
        try {
          result = await rotator.rotateKeys();
        } finally {
          stop = true;
          await writing;
        }
        assert.ok(result.reencrypted > 0, 'nothing re-encrypted');
        assert.deepEqual(result.undecryptable, [damaged]);
        assert.ok(writes > 0, 'the writer did not write during the rotation');

        const kids = await fxr.query<{ kid: string }>(
          `select refresh_token_kid as kid from accounts where id <> '${damaged}' union all select access_token_kid from accounts where access_token_kid is not null union all select secret_kid from pending_authorizations union all select csrf_kid from admin_sessions`,
        );
        assert.deepEqual([...new Set(kids.map((r) => r.kid))], ['k2']);
        // Every write made during the rotation survived it.
        for (let w = Math.max(0, writes - ids.length); w < writes; w++) {
          assert.equal(await rotator.getRefreshToken(ids[w % ids.length]!), `1//written-during-rotation-${w}`);
        }
        // k1 is no longer needed.
        const k2only = await fxr.open({ keyring: parseKeyring(k2) });
        assert.ok(await k2only.getRefreshToken(ids[ids.length - 1]!));
        assert.ok(await k2only.consumePending('rotate-state'));
        assert.equal((await k2only.getAdminSession(session.id))?.csrfToken, session.session.csrfToken);
        assert.deepEqual(await rotator.rotateKeys(), { reencrypted: 0, undecryptable: [damaged] });
        // The old store (k1 only) cannot read the rotated rows any more, and says which key it lacks.
        await rejectsWith(old.getRefreshToken(ids[0]!), 'DECRYPT', /"k2"/);
      } finally {
        await fxr.cleanup();
      }
    });

    it('checkKeys: tells a wrong or missing key from one damaged record, and changes nothing', async () => {
      const c1 = keyValue('c1');
      const fxk = await createEngineFixture(kind, parseKeyring(c1));
      try {
        const right = await fxk.open();
        assert.deepEqual(await right.checkKeys(), { accounts: 0, kids: [] });
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await right.saveConnection(connection({ refreshToken: `1//check-${i}` }))).account.id);
        assert.deepEqual(await right.checkKeys(), {
          accounts: 5,
          kids: [{ kid: 'c1', accounts: 5, inKeyring: true, sampled: 3, opened: 3 }],
        });
        // Another key under the same id opens none; a keyring without the id tries none.
        const wrong = await fxk.open({ keyring: parseKeyring(keyValue('c1')) });
        assert.deepEqual((await wrong.checkKeys()).kids, [{ kid: 'c1', accounts: 5, inKeyring: true, sampled: 3, opened: 0 }]);
        const other = await fxk.open({ keyring: parseKeyring(keyValue('c9')) });
        assert.deepEqual((await other.checkKeys()).kids, [{ kid: 'c1', accounts: 5, inKeyring: false, sampled: 0, opened: 0 }]);
        // One damaged record among the most recent ones: the key still opens the others.
        const newest = ids[ids.length - 1]!;
        await fxk.query('update accounts set refresh_token_ct = ? where id = ?', ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', newest]);
        const damaged = await right.checkKeys(10);
        assert.deepEqual(damaged.kids, [{ kid: 'c1', accounts: 5, inKeyring: true, sampled: 5, opened: 4 }]);
        // A second key id: counted on its own.
        const c2 = keyValue('c2');
        const both = await fxk.open({ keyring: parseKeyring(`${c2},${c1}`) });
        await both.saveConnection(connection({ refreshToken: '1//under-c2' }));
        assert.deepEqual(await both.checkKeys(10), {
          accounts: 6,
          kids: [
            { kid: 'c1', accounts: 5, inKeyring: true, sampled: 5, opened: 4 },
            { kid: 'c2', accounts: 1, inKeyring: true, sampled: 1, opened: 1 },
          ],
        });
        assert.equal(await right.getRefreshToken(ids[0]!), '1//check-0', 'nothing was re-encrypted or changed');
      } finally {
        await fxk.cleanup();
      }
    });

    it('keeps everything across close and reopen, and migrating again changes nothing', async () => {
      const k = keyValue('r1');
      const fx2 = await createEngineFixture(kind, parseKeyring(k));
      try {
        const s1 = await fx2.open();
        const { account } = await s1.saveConnection(connection({ refreshToken: '1//survives' }));
        const { key } = await s1.createApiKey('survivor');
        const { id } = await s1.createAdminSession({ email: 'admin@example.com', ttlMs: HOUR });
        await s1.savePending('survives', pending());
        await s1.close();
        await rejectsWith(s1.ping(), 'STORE', /closed/);
        const s2 = await fx2.open();
        await s2.migrate();
        assert.deepEqual(await s2.getAccount(account.id), account);
        assert.equal(await s2.getRefreshToken(account.id), '1//survives');
        assert.equal((await s2.verifyApiKey(key))?.name, 'survivor');
        assert.equal((await s2.getAdminSession(id))?.email, 'admin@example.com');
        assert.ok(await s2.consumePending('survives'));
        const versions = await fx2.query<{ version: number }>('select version from ads_oauth_migrations');
        assert.deepEqual(
          versions.map((v) => Number(v.version)).sort((a, b) => a - b),
          MIGRATIONS.map((m) => m.version),
        );
      } finally {
        await fx2.cleanup();
      }
    });

    it('keeps pending authorizations in an unlogged table on Postgres, and every other table logged', async () => {
      if (kind !== 'postgres') {
        // SQLite has one kind of table; migration 2 is recorded there and changes nothing.
        const tables = await fx.query<{ name: string }>(
          "select name from sqlite_master where type = 'table' and name = 'pending_authorizations'",
        );
        assert.equal(tables.length, 1);
        return;
      }
      /** pg_class's relpersistence of a table or index of this schema: 'p' logged, 'u' unlogged. */
      const persistenceOf = async (name: string): Promise<string | undefined> =>
        (
          await fx.query<{ relpersistence: string }>(
            'select c.relpersistence from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relname = ?',
            [name],
          )
        )[0]?.relpersistence;
      const rows = await fx.query<{ relname: string; relpersistence: string }>(
        "select c.relname, c.relpersistence from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relkind = 'r' order by c.relname",
      );
      const persistence = Object.fromEntries(rows.map((r) => [r.relname, r.relpersistence]));
      assert.deepEqual(persistence, {
        accounts: 'p',
        admin_sessions: 'p',
        ads_oauth_migrations: 'p',
        api_keys: 'p',
        pending_authorizations: 'u',
        refresh_leases: 'p',
      });
      // Its index goes with it (an unlogged table's indexes are unlogged too).
      assert.equal(await persistenceOf('pending_authorizations_expires_at_idx'), 'u');
      await store.savePending('unlogged', pending());
      assert.ok(await store.consumePending('unlogged'));
      assert.equal(await store.consumePending('unlogged'), undefined);

      // A database of version 1 (a deployment before migration 2), with a consent under way:
      // migrating keeps the row, and the table ends unlogged.
      await fx.query('alter table pending_authorizations set logged');
      await fx.query('delete from ads_oauth_migrations where version = 2');
      await store.savePending('in-flight', pending());
      await store.migrate();
      assert.equal(await persistenceOf('pending_authorizations'), 'u');
      assert.ok(await store.consumePending('in-flight'), 'the consent under way during the upgrade can still finish');

      // A table a publication replicates stays logged (unlogged, Postgres refuses it by name and
      // stops sending it under FOR TABLES IN SCHEMA), and serve still starts.
      const publication = `ads_oauth_test_${Math.random().toString(36).slice(2, 10)}`;
      await fx.query('alter table pending_authorizations set logged');
      await fx.query('delete from ads_oauth_migrations where version = 2');
      await fx.query(`create publication ${publication} for table pending_authorizations`);
      try {
        await store.migrate();
        assert.equal(await persistenceOf('pending_authorizations'), 'p');
        await store.savePending('published', pending());
        assert.ok(await store.consumePending('published'));
      } finally {
        await fx.query(`drop publication ${publication}`);
      }
    });

    it('migrates concurrently: two stores and two processes on one fresh database', async () => {
      const k = keyValue('m1');
      const fx2 = await createEngineFixture(kind, parseKeyring(k));
      const fx3 = await createEngineFixture(kind, parseKeyring(k));
      try {
        const [a, b] = await Promise.all([fx2.open({ migrate: false }), fx2.open({ migrate: false })]);
        await Promise.all([a.migrate(), b.migrate()]);
        const { account } = await a.saveConnection(connection());
        assert.ok(await b.getRefreshToken(account.id));

        const start = String(Date.now() + 1500);
        const results = await Promise.all([0, 1, 2].map(() => worker(['migrate', fx3.database, fx3.schema ?? '-', start], k)));
        assert.deepEqual(results, [{ migrated: true }, { migrated: true }, { migrated: true }]);
        const versions = await fx3.query<{ version: number }>('select version from ads_oauth_migrations');
        assert.deepEqual(
          versions.map((v) => Number(v.version)).sort((a, b) => a - b),
          MIGRATIONS.map((m) => m.version),
        );
        const s = await fx3.open();
        assert.equal((await s.saveConnection(connection())).created, true);
      } finally {
        await fx2.cleanup();
        await fx3.cleanup();
      }
    });

    it('reports database failures as STORE without SQL parameters', async () => {
      await fx.query('drop table api_keys');
      await assert.rejects(store.verifyApiKey(`aok_${'A'.repeat(43)}`), (e: unknown) => {
        assert.ok(isAdsOAuthError(e, 'STORE'), String(e));
        assert.match(e.message, /failed to verify an API key/);
        assert.ok(!e.message.includes('A'.repeat(43)));
        assert.ok(e.cause);
        return true;
      });
    });
  });
}

describe('account store: opening', () => {
  it('reports an unreachable Postgres as STORE, without the password', async () => {
    const { openAccountStore } = await import('../../src/stores/accounts/index.js');
    const store = await openAccountStore({
      database: 'postgres://u:s3cret-pw@127.0.0.1:1/db',
      keyring: parseKeyring(keyValue()),
      clientId: 'c',
    });
    await assert.rejects(store.migrate(), (e: unknown) => {
      assert.ok(isAdsOAuthError(e, 'STORE'), String(e));
      assert.ok(!e.message.includes('s3cret-pw'));
      return true;
    });
    await store.close();
  });

  it('refuses a bad schema name and a schema for SQLite', async () => {
    const { openAccountStore } = await import('../../src/stores/accounts/index.js');
    const keyring = parseKeyring(keyValue());
    await rejectsWith(openAccountStore({ database: 'postgres://127.0.0.1/test', keyring, clientId: 'c', schema: 'x; drop' }), 'USAGE');
    await rejectsWith(openAccountStore({ database: '/tmp/never.db', keyring, clientId: 'c', schema: 'x' }), 'USAGE');
  });
});
