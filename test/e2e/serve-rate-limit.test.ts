// Per-IP rate limits on /connect and /oauth2callback (and none on the home page), and HSTS when the
// public URL is https. The app runs on a real SQLite store; no provider call is made.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inProcessServe } from '../support/serve-app.js';

test('serve: /connect and /oauth2callback are rate-limited per IP; HSTS on https', async (t) => {
  const publicUrl = 'https://ads.example.test';
  const { app } = await inProcessServe(t, { publicUrl, app: { rateLimit: { max: 3, timeWindowMs: 60_000 } } });

  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await app.inject({ method: 'GET', url: '/connect' })).statusCode);
  assert.deepEqual(statuses, [302, 302, 302, 429]);
  const callbacks: number[] = [];
  for (let i = 0; i < 4; i++) callbacks.push((await app.inject({ method: 'GET', url: '/oauth2callback?state=x&code=y' })).statusCode);
  assert.deepEqual(callbacks, [400, 400, 400, 429]);
  for (let i = 0; i < 5; i++) assert.equal((await app.inject({ method: 'GET', url: '/' })).statusCode, 200);

  const home = await app.inject({ method: 'GET', url: '/' });
  assert.match(String(home.headers['strict-transport-security']), /max-age=\d+/);
  const connect = await app.inject({ method: 'GET', url: '/connect', remoteAddress: '10.0.0.9' });
  assert.equal(connect.statusCode, 302);
  assert.match(String(connect.headers['set-cookie']), /^__Secure-ads_oauth_preauth=.*; Secure/);
});
