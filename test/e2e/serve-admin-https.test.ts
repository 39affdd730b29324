// The admin routes behind an https public URL, without a provider (app.inject, real SQLite store):
// the session cookie is `__Host-` and Secure, the Origin check expects the https origin, the
// sign-in is rate-limited per IP like /connect, and a store failure answers an HTML error page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdsOAuthError } from '../../src/errors.js';
import type { AccountStore } from '../../src/stores/accounts/types.js';
import { inProcessServe } from '../support/serve-app.js';

test('serve admin on https: __Host- session cookie, https Origin, rate-limited sign-in, HTML error pages', async (t) => {
  const publicUrl = 'https://ads.example.test';
  let failLists = false;
  const { app, store } = await inProcessServe(t, {
    publicUrl,
    // The real store, except that listing accounts can be made to fail.
    wrapStore: (real) =>
      new Proxy(real, {
        get(target, name) {
          if (name === 'listAccounts' && failLists)
            return async () => {
              throw new AdsOAuthError('STORE', 'The database did not answer (list accounts).');
            };
          const value = Reflect.get(target, name, target) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }) as AccountStore,
    app: { admins: ['root@example.test'], rateLimit: { max: 3, timeWindowMs: 60_000 } },
  });

  const { id, session } = await store.createAdminSession({ email: 'root@example.test', ttlMs: 60_000 });
  const ok = await app.inject({ method: 'GET', url: '/admin', headers: { cookie: `__Host-ads_oauth_admin=${id}` } });
  assert.equal(ok.statusCode, 200);
  assert.match(ok.body, /Signed in as <strong>root@example\.test<\/strong>/);
  assert.match(String(ok.headers['strict-transport-security']), /max-age=/);
  // The same id under the name without the prefix is not the session cookie.
  assert.equal((await app.inject({ method: 'GET', url: '/admin', headers: { cookie: `ads_oauth_admin=${id}` } })).statusCode, 302);

  const form = (csrf: string, origin: string) => ({
    method: 'POST' as const,
    url: '/admin/api-keys',
    headers: { cookie: `__Host-ads_oauth_admin=${id}`, origin, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf, name: 'k' }).toString(),
  });
  assert.equal((await app.inject(form(session.csrfToken, 'http://ads.example.test'))).statusCode, 403); // not our origin: http
  assert.equal((await app.inject(form(session.csrfToken, publicUrl))).statusCode, 200);
  assert.equal((await store.listApiKeys()).length, 1);

  const out = await app.inject({
    method: 'POST',
    url: '/admin/sign-out',
    headers: { cookie: `__Host-ads_oauth_admin=${id}`, origin: publicUrl, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `csrf=${encodeURIComponent(session.csrfToken)}`,
  });
  assert.equal(out.statusCode, 200);
  assert.match(String(out.headers['set-cookie']), /^__Host-ads_oauth_admin=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax; Secure$/);
  assert.equal(await store.getAdminSession(id), undefined);

  const starts: number[] = [];
  for (let i = 0; i < 4; i++) starts.push((await app.inject({ method: 'GET', url: '/admin/sign-in' })).statusCode);
  assert.deepEqual(starts, [302, 302, 302, 429]);
  const limited = await app.inject({ method: 'GET', url: '/admin/sign-in' });
  assert.match(String(limited.headers['content-type']), /text\/html/);
  assert.match(limited.body, /Too many requests/);

  const again = await store.createAdminSession({ email: 'root@example.test', ttlMs: 60_000 });
  failLists = true;
  const broken = await app.inject({ method: 'GET', url: '/admin', headers: { cookie: `__Host-ads_oauth_admin=${again.id}` } });
  assert.equal(broken.statusCode, 503);
  assert.match(String(broken.headers['content-type']), /text\/html/);
  assert.match(broken.body, /The database did not answer/);
  assert.equal(broken.headers['cache-control'], 'no-store');
});

test('serve admin sessions: an idle timeout that slides on use, and an absolute lifetime that does not', async (t) => {
  const { app, store } = await inProcessServe(t, {
    app: { admins: ['root@example.test'], adminSessionIdleMs: 600, adminSessionTtlMs: 1_500 },
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const get = async (id: string) =>
    (await app.inject({ method: 'GET', url: '/admin', headers: { cookie: `ads_oauth_admin=${id}` } })).statusCode;

  // Used every 300 ms: alive past its first 600 ms (it slides), then gone at the absolute 1.5 s.
  const busy = await store.createAdminSession({ email: 'root@example.test', ttlMs: 600 });
  const started = Date.now();
  const seen: number[] = [];
  while (Date.now() - started < 1_200) {
    seen.push(await get(busy.id));
    await sleep(300);
  }
  assert.deepEqual([...new Set(seen)], [200], JSON.stringify(seen));
  await sleep(Math.max(0, 1_600 - (Date.now() - started)));
  assert.equal(await get(busy.id), 302);

  // Left alone: gone after the idle time.
  const idle = await store.createAdminSession({ email: 'root@example.test', ttlMs: 600 });
  assert.equal(await get(idle.id), 200);
  await sleep(900);
  assert.equal(await get(idle.id), 302);
});
