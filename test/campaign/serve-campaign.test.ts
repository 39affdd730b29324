// `ads-oauth serve` under the campaign (issue 10, "Fuzzing and load: serve"): two real serve
// processes on one Postgres schema, users connecting through the provider's real login and consent
// forms (headless HTTP browsers, one cookie jar each), then every callback replayed, then the store
// failing one write in ten (a Postgres trigger: a real database error, not a mock).
//
// Figures: connects → accounts stored, cross-bound accounts, replays accepted, injected store
// failures → false successes.
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
import { count, recordFigures } from './campaign.js';

const CONNECTS = count(30, 1_000);
const FAULTY = count(30, 300);
const CONCURRENCY = 25;

/** Runs `tasks` with at most `limit` at a time, in order of start. */
async function pooled<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

describe(
  `serve campaign: ${CONNECTS} connects over two instances, every callback replayed, ${FAULTY} connects with 10% store failures`,
  { timeout: 30 * 60_000 },
  () => {
    let provider: GoogleLikeProvider;
    let dir: string;
    let pg: Awaited<ReturnType<typeof postgresSchema>>;
    let publicUrl: string;
    let a: ServeProcess;
    let b: ServeProcess;
    let api: ReturnType<typeof apiClient>;
    const keys = `k1:${randomBytes(32).toString('base64')}`;
    const callbacks: { url: string; instance: ServeProcess }[] = [];
    const figures: Record<string, number> = {};

    before(async () => {
      publicUrl = `http://127.0.0.1:${await getFreePort()}`;
      provider = await startGoogleLikeProvider({ webRedirectUris: [`${publicUrl}/oauth2callback`], users: CONNECTS + FAULTY });
      dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-campaign-'));
      const clientFile = await provider.writeClientFile('web', dir);
      pg = await postgresSchema('t_campaign');
      // Every virtual browser comes from 127.0.0.1: the per-IP limit is raised for the campaign.
      const env = { ADS_OAUTH_RATE_LIMIT: '1000000' };
      [a, b] = await Promise.all([
        startServe({ clientFile, publicUrl, port: await getFreePort(), database: pg.url, keys, cwd: dir, env }),
        startServe({ clientFile, publicUrl, port: await getFreePort(), database: pg.url, keys, cwd: dir, env }),
      ]);
      api = apiClient(a.origin, await createApiKey(pg.url, keys, dir));
    });

    after(async () => {
      await Promise.allSettled([a?.stop(), b?.stop()]);
      await killLeftovers();
      await provider?.close();
      await pg?.drop();
      if (dir) await rm(dir, { recursive: true, force: true });
      recordFigures('serve', figures);
    });

    const accounts = async (): Promise<Array<{ id: string; email: string; subject: string }>> => {
      const listed = await api('/accounts');
      assert.equal(listed.status, 200, listed.text);
      return listed.body['accounts'] as Array<{ id: string; email: string; subject: string }>;
    };

    test(`${CONNECTS} connects, each started on one instance and finished on the other: every one stored, none cross-bound`, async () => {
      const outcomes = await pooled(CONNECTS, CONCURRENCY, async (i) => {
        const user = provider.users[i]!;
        const [start, finish] = i % 2 === 0 ? [a, b] : [b, a];
        const outcome = await httpConnect(httpBrowser(), start.origin, publicUrl, {
          login: user.login,
          password: user.password,
          callbackOrigin: finish.origin,
        });
        callbacks.push({ url: outcome.callbackUrl, instance: finish });
        return { outcome, user };
      });
      const failed = outcomes.filter(
        ({ outcome, user }) => outcome.status !== 200 || !outcome.body.includes(`Connected as ${user.login}.`),
      );
      const stored = await accounts();
      const bySubject = new Map(stored.map((account) => [account.subject, account]));
      const crossBound = outcomes.filter(({ user }) => bySubject.get(user.sub)?.email !== user.login).length;
      Object.assign(figures, {
        connects: CONNECTS,
        connectsSucceeded: CONNECTS - failed.length,
        accountsStored: stored.length,
        crossBound,
      });
      assert.deepEqual(
        failed.map(({ outcome }) => outcome.body.slice(0, 200)),
        [],
      );
      assert.equal(stored.length, CONNECTS);
      assert.equal(crossBound, 0);
    });

    test('every callback replayed (in a fresh browser, on both instances): none accepted, nothing new stored', async () => {
      let accepted = 0;
      await pooled(callbacks.length * 2, CONCURRENCY, async (i) => {
        const { url } = callbacks[i >> 1]!;
        const target = new URL(new URL(url).pathname + new URL(url).search, (i % 2 === 0 ? a : b).origin);
        const replay = await httpBrowser().request(target);
        const body = await replay.text();
        if (replay.status === 200 || /Connected as/.test(body)) accepted += 1;
      });
      figures['replays'] = callbacks.length * 2;
      figures['replaysAccepted'] = accepted;
      assert.equal(accepted, 0);
      assert.equal((await accounts()).length, CONNECTS);
    });

    test(`${FAULTY} connects while the store fails one account write in ten: no false success`, async () => {
      // A real database error on 10% of the writes to accounts (Postgres raises it inside the insert).
      await pg.pool.query(`create or replace function ${pg.schema}.flaky() returns trigger language plpgsql as $$
      begin if random() < 0.1 then raise exception 'injected store failure'; end if; return new; end $$`);
      await pg.pool.query(
        `create trigger flaky before insert or update on ${pg.schema}.accounts for each row execute function ${pg.schema}.flaky()`,
      );
      try {
        const results = await pooled(FAULTY, CONCURRENCY, async (i) => {
          const user = provider.users[CONNECTS + i]!;
          const outcome = await httpConnect(httpBrowser(), (i % 2 === 0 ? a : b).origin, publicUrl, {
            login: user.login,
            password: user.password,
            callbackOrigin: (i % 2 === 0 ? b : a).origin,
          });
          return { user, said: outcome.status === 200 && outcome.body.includes('Connected as'), status: outcome.status };
        });
        await pg.pool.query(`drop trigger flaky on ${pg.schema}.accounts`);
        const bySubject = new Map((await accounts()).map((account) => [account.subject, account]));
        const falseSuccesses = results.filter((r) => r.said && !bySubject.has(r.user.sub)).length;
        const failures = results.filter((r) => !r.said);
        const storedAfterFailure = failures.filter((r) => bySubject.has(r.user.sub)).length;
        Object.assign(figures, {
          faultyConnects: FAULTY,
          storeFailuresAnswered503: failures.filter((r) => r.status === 503).length,
          falseSuccesses,
          failuresThatStoredAnyway: storedAfterFailure,
        });
        assert.equal(falseSuccesses, 0, 'never "Connected" without a stored account');
        assert.ok(
          failures.every((r) => r.status === 503),
          `a store failure is a retryable 503: ${failures.map((r) => r.status).join(', ')}`,
        );
        assert.equal(storedAfterFailure, 0, 'a failed write stored nothing');
        if (FAULTY >= 100) assert.ok(failures.length > 0, 'the trigger fired at least once');
      } finally {
        await pg.pool.query(`drop trigger if exists flaky on ${pg.schema}.accounts`);
      }
    });
  },
);
