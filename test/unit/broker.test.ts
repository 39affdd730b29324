// The token broker on real stores (SQLite file, Postgres schema); only the upstream refresh is injected.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createTokenBroker, type UpstreamRefreshResult } from '../../src/broker/index.js';
import { AdsOAuthError, isAdsOAuthError } from '../../src/errors.js';
import { parseKeyring } from '../../src/stores/accounts/keyring.js';
import type { AccountStore } from '../../src/stores/accounts/types.js';
import { createEngineFixture, ENGINES, keyValue, runStoreWorker, type EngineFixture } from '../support/store-engines.js';

const HOUR = 3_600_000;
let counter = 0;

async function connect(store: AccountStore, accessExpiresInMs?: number): Promise<string> {
  counter++;
  const { account } = await store.saveConnection({
    issuer: 'https://accounts.google.com',
    subject: `sub-${counter}`,
    email: null,
    emailVerified: false,
    scopes: ['https://www.googleapis.com/auth/adwords'],
    refreshToken: `1//rt-${counter}`,
    ...(accessExpiresInMs === undefined
      ? {}
      : { accessToken: { token: `ya29.initial-${counter}`, expiresAt: new Date(Date.now() + accessExpiresInMs), scopes: [] } }),
  });
  return account.id;
}

function countingRefresh(
  result: (n: number, refreshToken: string) => UpstreamRefreshResult = (n) => ({ accessToken: `ya29.refreshed-${n}`, expiresIn: 3600 }),
) {
  const calls: string[] = [];
  return {
    calls,
    refresh: async (refreshToken: string): Promise<UpstreamRefreshResult> => {
      calls.push(refreshToken);
      await sleep(50);
      return result(calls.length, refreshToken);
    },
  };
}

function worker(args: string[], keys: string): Promise<{ refreshes: number; tokens: string[] }> {
  return runStoreWorker(args, keys);
}

for (const kind of ENGINES) {
  describe(`token broker (${kind})`, () => {
    const keys = keyValue('k1');
    let fx: EngineFixture;
    let store: AccountStore;
    before(async () => {
      fx = await createEngineFixture(kind, parseKeyring(keys));
      store = await fx.open();
    });
    after(async () => {
      await fx.cleanup();
    });

    it('answers from the stored token, then from its cache, without refreshing', async () => {
      const id = await connect(store, HOUR);
      const { calls, refresh } = countingRefresh();
      const broker = createTokenBroker({ store, refresh });
      const first = await broker.getAccessToken(id);
      assert.equal(first.token, `ya29.initial-${counter}`);
      await store.setStatus(id, 'revoked', 'gone'); // the cache answers without asking the store
      assert.equal((await broker.getAccessToken(id)).token, first.token);
      assert.equal(calls.length, 0);
      broker.forget(id);
      await assert.rejects(broker.getAccessToken(id), (e: unknown) => isAdsOAuthError(e, 'NOT_FOUND'));
    });

    it('a cached token is served on trust for revalidateMs only: then an account deleted, revoked or dead elsewhere answers 404 / 409 here too', async () => {
      let clock = Date.now();
      const { calls, refresh } = countingRefresh();
      const broker = createTokenBroker({ store, refresh, now: () => clock, revalidateMs: 1_000 });
      // Deleted by another instance (its own broker forgot it; this one did not hear of it).
      const deleted = await connect(store, HOUR);
      await broker.getAccessToken(deleted);
      await store.deleteAccount(deleted);
      clock += 500;
      assert.ok((await broker.getAccessToken(deleted)).token, 'within the window: the cache answers');
      clock += 600;
      await assert.rejects(broker.getAccessToken(deleted), (e: unknown) => isAdsOAuthError(e, 'NOT_FOUND'));
      // Revoked elsewhere.
      const revoked = await connect(store, HOUR);
      await broker.getAccessToken(revoked);
      await store.setStatus(revoked, 'revoked', 'revoked by an admin');
      clock += 1_100;
      await assert.rejects(broker.getAccessToken(revoked), (e: unknown) => isAdsOAuthError(e, 'NOT_FOUND'));
      // Found dead by another instance's refresh.
      const dead = await connect(store, HOUR);
      await broker.getAccessToken(dead);
      await store.setStatus(dead, 'reconnect_required', 'The refresh token was revoked.');
      clock += 1_100;
      await assert.rejects(
        broker.getAccessToken(dead),
        (e: unknown) => isAdsOAuthError(e, 'RECONNECT_REQUIRED') && e.message.includes('revoked'),
      );
      // An active account: checked, then served from the cache again.
      const live = await connect(store, HOUR);
      const first = await broker.getAccessToken(live);
      clock += 1_100;
      assert.equal((await broker.getAccessToken(live)).token, first.token);
      assert.equal(calls.length, 0, 'never a refresh for any of it');
    });

    it('answers a fresh stored token without taking the refresh lock (a database write); a stale one takes it once', async () => {
      const freshId = await connect(store, HOUR);
      const staleId = await connect(store, 60_000);
      const locks: string[] = [];
      const counting = new Proxy(store, {
        get(target, key, receiver) {
          if (key === 'withRefreshLock') {
            return (id: string, fn: () => Promise<unknown>, options?: { waitMs?: number }) => {
              locks.push(id);
              return target.withRefreshLock(id, fn, options);
            };
          }
          const value = Reflect.get(target, key, receiver) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const { calls, refresh } = countingRefresh();
      const broker = createTokenBroker({ store: counting, refresh });
      assert.equal((await broker.getAccessToken(freshId)).token, `ya29.initial-${counter - 1}`);
      assert.deepEqual(locks, []);
      assert.equal((await broker.getAccessToken(staleId)).token, 'ya29.refreshed-1');
      assert.deepEqual(locks, [staleId]);
      assert.equal(calls.length, 1);
    });

    it('refreshes a stale token once for 100 concurrent calls', async () => {
      const id = await connect(store, 60_000); // inside the 5-minute margin
      const { calls, refresh } = countingRefresh();
      const broker = createTokenBroker({ store, refresh });
      const tokens = await Promise.all(Array.from({ length: 100 }, () => broker.getAccessToken(id)));
      assert.equal(calls.length, 1);
      assert.equal(calls[0], `1//rt-${counter}`);
      assert.deepEqual([...new Set(tokens.map((t) => t.token))], ['ya29.refreshed-1']);
      const stored = await store.getCachedAccessToken(id);
      assert.equal(stored?.token, 'ya29.refreshed-1');
      assert.ok((await store.getAccount(id))?.lastRefreshedAt instanceof Date);
      await broker.getAccessToken(id);
      assert.equal(calls.length, 1);
    });

    it('refreshes once for two brokers on two stores of one database, 2×100 calls', async () => {
      const other = await fx.open();
      const id = await connect(store);
      const a = countingRefresh();
      const b = countingRefresh();
      const brokerA = createTokenBroker({ store, refresh: a.refresh });
      const brokerB = createTokenBroker({ store: other, refresh: b.refresh });
      const tokens = await Promise.all([
        ...Array.from({ length: 100 }, () => brokerA.getAccessToken(id)),
        ...Array.from({ length: 100 }, () => brokerB.getAccessToken(id)),
      ]);
      assert.equal(a.calls.length + b.calls.length, 1);
      assert.equal(new Set(tokens.map((t) => t.token)).size, 1);
    });

    it('refreshes once for two brokers in two processes', { timeout: 120_000 }, async () => {
      const id = await connect(store);
      const start = String(Date.now() + 2000);
      const results = await Promise.all([0, 1].map(() => worker(['broker', fx.database, fx.schema ?? '-', start, id, '100'], keys)));
      assert.equal(results[0]!.refreshes + results[1]!.refreshes, 1, JSON.stringify(results));
      assert.equal(new Set(results.flatMap((r) => r.tokens)).size, 1, JSON.stringify(results));
    });

    it('marks the account reconnect_required on invalid_grant, with the diagnosis', async () => {
      const id = await connect(store);
      let calls = 0;
      const broker = createTokenBroker({
        store,
        refresh: async () => {
          calls++;
          throw new AdsOAuthError('TOKEN_ENDPOINT', 'refused: invalid_grant', { details: { error: 'invalid_grant', status: 400 } });
        },
        diagnose: (error) => `diagnosed: ${(error as Error).message}`,
      });
      const results = await Promise.allSettled([broker.getAccessToken(id), broker.getAccessToken(id)]);
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        assert.ok(isAdsOAuthError(r.reason, 'RECONNECT_REQUIRED'));
        assert.equal(r.reason.message, 'diagnosed: refused: invalid_grant');
      }
      assert.equal(calls, 1);
      const account = await store.getAccount(id);
      assert.equal(account?.status, 'reconnect_required');
      assert.equal(account?.statusReason, 'diagnosed: refused: invalid_grant');
      // Known dead: no further upstream call, the stored reason is the answer.
      await assert.rejects(
        broker.getAccessToken(id),
        (e: unknown) => isAdsOAuthError(e, 'RECONNECT_REQUIRED') && e.message === 'diagnosed: refused: invalid_grant',
      );
      assert.equal(calls, 1);
    });

    it('answers PROVIDER_UNAVAILABLE on 5xx and network failures, changing nothing, and caches no failure', async () => {
      const id = await connect(store, 60_000);
      const before = await store.getAccount(id);
      const beforeToken = await store.getCachedAccessToken(id);
      const failures = [
        new AdsOAuthError('PROVIDER_RESPONSE', 'HTTP 503', { details: { status: 503 } }),
        new AdsOAuthError('NETWORK', 'timed out', { details: { reason: 'timeout' } }),
        new AdsOAuthError('TOKEN_ENDPOINT', 'server_error', { details: { error: 'server_error', status: 500 } }),
      ];
      let calls = 0;
      const broker = createTokenBroker({
        store,
        refresh: async () => {
          const failure = failures[calls++];
          if (failure) throw failure;
          return { accessToken: 'ya29.after-outage', expiresIn: 3600, refreshToken: '1//rotated-after-outage' };
        },
      });
      for (let i = 0; i < failures.length; i++) {
        await assert.rejects(
          broker.getAccessToken(id),
          (e: unknown) => isAdsOAuthError(e, 'PROVIDER_UNAVAILABLE') && e.cause === failures[i],
        );
        assert.deepEqual(await store.getAccount(id), before);
        assert.deepEqual(await store.getCachedAccessToken(id), beforeToken);
      }
      assert.equal((await broker.getAccessToken(id)).token, 'ya29.after-outage');
      assert.equal(calls, 4);
      assert.equal(await store.getRefreshToken(id), '1//rotated-after-outage', 'the rotated refresh token is stored');
    });

    it('stores a rotated refresh token and uses it next time', async () => {
      const id = await connect(store);
      const seen: string[] = [];
      let now = Date.now();
      const broker = createTokenBroker({
        store,
        now: () => now,
        refresh: async (refreshToken) => {
          seen.push(refreshToken);
          return { accessToken: `ya29.r${seen.length}`, expiresIn: 3600, refreshToken: `1//rotated-${seen.length}`, scopes: ['b', 'a'] };
        },
      });
      const first = await broker.getAccessToken(id);
      assert.deepEqual(first.scopes, ['a', 'b']);
      assert.equal(await store.getRefreshToken(id), '1//rotated-1');
      now += HOUR; // stale now
      assert.equal((await broker.getAccessToken(id)).token, 'ya29.r2');
      assert.deepEqual(seen, [`1//rt-${counter}`, '1//rotated-1']);
    });

    it('answers NOT_FOUND for an unknown, deleted or revoked account', async () => {
      const { refresh, calls } = countingRefresh();
      const broker = createTokenBroker({ store, refresh });
      await assert.rejects(broker.getAccessToken('acc_doesnotexistdoesnotex'), (e: unknown) => isAdsOAuthError(e, 'NOT_FOUND'));
      const id = await connect(store);
      await store.setStatus(id, 'revoked', 'by admin');
      await assert.rejects(broker.getAccessToken(id), (e: unknown) => isAdsOAuthError(e, 'NOT_FOUND'));
      assert.equal(calls.length, 0);
    });

    it('lets one caller give up without cancelling the refresh the others wait for', async () => {
      const id = await connect(store);
      const { calls, refresh } = countingRefresh();
      const broker = createTokenBroker({ store, refresh });
      const controller = new AbortController();
      const impatient = broker.getAccessToken(id, { signal: controller.signal });
      const patient = broker.getAccessToken(id);
      controller.abort();
      await assert.rejects(impatient, (e: unknown) => isAdsOAuthError(e, 'INTERRUPTED'));
      assert.equal((await patient).token, 'ya29.refreshed-1');
      assert.equal(calls.length, 1);
    });
  });
}
