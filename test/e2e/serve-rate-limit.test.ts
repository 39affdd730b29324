// Per-IP rate limits on /connect and /oauth2callback (and none on the home page), and HSTS when the
// public URL is https. The app runs on a real SQLite store; no provider call is made.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTokenBroker } from '../../src/broker/index.js';
import { createWebFlow } from '../../src/flows/web.js';
import { createConfiguration } from '../../src/protocol/config.js';
import { parseClientSecrets } from '../../src/protocol/client-file.js';
import { createServeApp } from '../../src/server/serve/app.js';
import { openAccountStore, parseKeyring } from '../../src/stores/accounts/index.js';

test('serve: /connect and /oauth2callback are rate-limited per IP; HSTS on https', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-rl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const publicUrl = 'https://ads.example.test';
  const client = parseClientSecrets(
    JSON.stringify({ web: { client_id: 'c.apps.googleusercontent.com', client_secret: 's', auth_uri: 'https://accounts.example.test/o/oauth2/auth', token_uri: 'https://oauth2.example.test/token', redirect_uris: [`${publicUrl}/oauth2callback`] } }),
    'web.json',
  );
  const server = { discovered: true, as: { issuer: 'https://accounts.example.test', authorization_endpoint: client.authUri.href, token_endpoint: client.tokenUri.href } };
  const store = await openAccountStore({ database: join(dir, 's.sqlite'), keyring: parseKeyring(`k1:${randomBytes(32).toString('base64')}`), clientId: client.clientId });
  await store.migrate();
  t.after(() => store.close());
  const flow = createWebFlow({ config: createConfiguration(client, server), store, publicUrl });
  const broker = createTokenBroker({ store, refresh: async () => { throw new Error('not called'); } });
  const app = await createServeApp({ flow, store, broker, publicUrl, revoke: async () => undefined, rateLimit: { max: 3, timeWindowMs: 60_000 } });
  t.after(() => app.close());

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
