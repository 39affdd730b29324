// The adversarial catalogue for `ads-oauth serve` (issue 10), the cases no other suite covers,
// against a real serve process on SQLite and the oidc-provider peer:
// - return_to values that would redirect off the app;
// - one user connecting in several browsers at once → one live record;
// - API keys brute-forced → 429 after a few wrong keys from one address, a near miss as slow as
//   any wrong key (looked up by hash only);
// - a slowloris (200 sockets dribbling headers) and a request flood from another address while a
//   genuine user connects: /healthz keeps answering and the genuine login finishes.
// (Login CSRF, replays across instances, store outages, wrong keys, key rotation and the admin
// pages' CSRF are in test/e2e/serve-*.test.ts and test/campaign/serve-campaign.test.ts.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { safeReturnTo } from '../../src/flows/web.js';
import { killLeftovers } from '../support/cli.js';
import { getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';
import { httpBrowser, httpConnect } from '../support/http-consent.js';
import { apiClient, createApiKey, startServe, type ServeProcess } from '../support/serve-process.js';
import { count, recordFigures } from './campaign.js';

const SLOWLORIS = count(200, 200);
const FLOOD = count(1_000, 5_000);

describe('serve catalogue', { timeout: 10 * 60_000 }, () => {
  test('return_to: only a path on this app survives; //evil, /\\evil, https://evil, javascript:, %2F%2Fevil and friends are dropped', () => {
    const base = 'https://ads.example.com';
    for (const hostile of [
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      '%2F%2Fevil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      ' //evil.example',
      '/\u0000x',
      'http:/evil',
      '',
      '///evil.example',
    ]) {
      assert.equal(safeReturnTo(hostile, base), null, JSON.stringify(hostile));
    }
    for (const fine of ['/admin', '/admin?tab=keys', '/%2F%2Fevil.example', '/accounts/acc_1#top'])
      assert.equal(safeReturnTo(fine, base), fine, fine);
  });

  describe('against a running serve', () => {
    let provider: GoogleLikeProvider;
    let dir: string;
    let publicUrl: string;
    let serve: ServeProcess;
    let apiKey: string;
    const keys = `k1:${randomBytes(32).toString('base64')}`;
    const figures: Record<string, unknown> = {};

    before(async () => {
      const port = await getFreePort();
      publicUrl = `http://127.0.0.1:${port}`;
      provider = await startGoogleLikeProvider({ webRedirectUris: [`${publicUrl}/oauth2callback`], users: 3 });
      dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-catalogue-'));
      const clientFile = await provider.writeClientFile('web', dir);
      const database = join(dir, 'serve.sqlite');
      serve = await startServe({ clientFile, publicUrl, port, database, keys, cwd: dir });
      apiKey = await createApiKey(database, keys, dir);
    });
    after(async () => {
      await serve?.stop().catch(() => undefined);
      await killLeftovers();
      await provider?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
      recordFigures('serve-catalogue', figures);
    });

    test('one user connecting in five browsers at once ends as one live record', async () => {
      const user = provider.users[0]!;
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () =>
          httpConnect(httpBrowser(), serve.origin, publicUrl, { login: user.login, password: user.password }),
        ),
      );
      for (const outcome of outcomes) assert.equal(outcome.status, 200, outcome.body);
      const listed = await apiClient(serve.origin, apiKey)('/accounts');
      const mine = (listed.body['accounts'] as Array<{ id: string; subject: string; status: string }>).filter(
        (a) => a.subject === user.sub,
      );
      assert.equal(mine.length, 1, 'one record per Google account');
      assert.equal(mine[0]!.status, 'active');
      const token = await apiClient(serve.origin, apiKey)(`/accounts/${mine[0]!.id}/access-token`);
      assert.equal(token.status, 200, token.text);
    });

    test('brute-forced API keys: 401 for a few wrong keys, then 429 for that address; a near miss is looked up like any wrong key', async () => {
      // A fresh source address of the loopback /8, so the other tests' requests do not count.
      const from = '127.0.0.7';
      const call = (key: string): Promise<number> =>
        new Promise((resolve, reject) => {
          const req = httpRequest(
            `${serve.origin}/api/v1/accounts`,
            { localAddress: from, headers: { authorization: `Bearer ${key}` }, agent: false },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end();
        });
      const nearMiss = apiKey.slice(0, -1) + (apiKey.endsWith('A') ? 'B' : 'A');
      const statuses: number[] = [];
      for (let i = 0; i < 25; i += 1) statuses.push(await call(i % 2 === 0 ? nearMiss : `ak_${randomBytes(32).toString('base64url')}`));
      figures['bruteForce'] = {
        attempts: statuses.length,
        unauthorized: statuses.filter((s) => s === 401).length,
        limited: statuses.filter((s) => s === 429).length,
      };
      assert.deepEqual(statuses.slice(0, 20), new Array(20).fill(401));
      assert.deepEqual(statuses.slice(20), new Array(5).fill(429));
      assert.equal(await call(apiKey), 429, 'the address is blocked, even with the right key, until its minute is over');
      // Another address is not affected.
      assert.equal((await apiClient(serve.origin, apiKey)('/accounts')).status, 200);
    });

    test(`a slowloris (${SLOWLORIS} sockets) and a flood of ${FLOOD} requests from another address: /healthz answers and a genuine login finishes`, async () => {
      const sockets: Socket[] = [];
      for (let i = 0; i < SLOWLORIS; i += 1) {
        const socket = connect({ port: Number(new URL(serve.origin).port), host: '127.0.0.1', localAddress: '127.0.0.9' });
        socket.on('error', () => {});
        socket.write('GET /connect HTTP/1.1\r\nHost: x\r\n');
        sockets.push(socket);
      }
      const drip = setInterval(() => {
        for (const s of sockets) if (!s.destroyed) s.write('X-Drip: 1\r\n');
      }, 1_000);
      let flooded = 0;
      const statuses: Record<number, number> = {};
      const flood = (async () => {
        await Promise.all(
          Array.from({ length: 50 }, async () => {
            while (flooded < FLOOD) {
              flooded += 1;
              const status = await new Promise<number>((resolve) => {
                const req = httpRequest(`${serve.origin}/connect`, { localAddress: '127.0.0.8', agent: false }, (res) => {
                  res.resume();
                  res.on('end', () => resolve(res.statusCode ?? 0));
                });
                req.on('error', () => resolve(0));
                req.end();
              });
              statuses[status] = (statuses[status] ?? 0) + 1;
            }
          }),
        );
      })();
      try {
        const healthStarted = Date.now();
        const health = await fetch(`${serve.origin}/healthz`);
        const healthMs = Date.now() - healthStarted;
        assert.equal(health.status, 200);
        const user = provider.users[1]!;
        const started = Date.now();
        const outcome = await httpConnect(httpBrowser(), serve.origin, publicUrl, { login: user.login, password: user.password });
        const loginMs = Date.now() - started;
        assert.equal(outcome.status, 200, outcome.body);
        assert.match(outcome.body, /Connected as/);
        await flood;
        figures['slowlorisAndFlood'] = {
          slowlorisSockets: SLOWLORIS,
          floodRequests: flooded,
          floodStatuses: statuses,
          healthzMs: healthMs,
          genuineLoginMs: loginMs,
        };
        assert.ok((statuses[429] ?? 0) > 0, `the flood was rate-limited: ${JSON.stringify(statuses)}`);
        assert.equal(statuses[500] ?? 0, 0);
        assert.equal((await fetch(`${serve.origin}/healthz`)).status, 200);
      } finally {
        clearInterval(drip);
        for (const s of sockets) s.destroy();
        await flood.catch(() => undefined);
      }
    });
  });
});
