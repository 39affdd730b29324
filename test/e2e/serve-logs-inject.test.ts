// The serve app's request log (pino, one JSON line a request) never holds the callback's code or
// state: the request serializer drops the query string.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTokenBroker } from '../../src/broker/index.js';
import { createWebFlow } from '../../src/flows/web.js';
import { parseClientSecrets } from '../../src/protocol/client-file.js';
import { createServeApp } from '../../src/server/serve/app.js';
import { openAccountStore, parseKeyring } from '../../src/stores/accounts/index.js';
import { createConfiguration } from '../../src/protocol/config.js';

test('serve: request logs carry the path, never the query (code, state)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-logs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const publicUrl = 'http://127.0.0.1:8080';
  const client = parseClientSecrets(
    JSON.stringify({ web: { client_id: 'c.apps.googleusercontent.com', client_secret: 's', auth_uri: 'https://accounts.example.test/o/oauth2/auth', token_uri: 'https://oauth2.example.test/token', redirect_uris: [`${publicUrl}/oauth2callback`] } }),
    'web.json',
  );
  const server = { discovered: true, as: { issuer: 'https://accounts.example.test', authorization_endpoint: client.authUri.href, token_endpoint: client.tokenUri.href } };
  const store = await openAccountStore({ database: join(dir, 's.sqlite'), keyring: parseKeyring(`k1:${randomBytes(32).toString('base64')}`), clientId: client.clientId });
  await store.migrate();
  t.after(() => store.close());
  const lines: string[] = [];
  const config = createConfiguration(client, server);
  const flow = createWebFlow({ config, store, publicUrl });
  const broker = createTokenBroker({ store, refresh: async () => { throw new Error('not called'); } });
  const app = await createServeApp({ flow, store, broker, publicUrl, revoke: async () => undefined, logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } } });
  t.after(() => app.close());

  const code = `4/0A${randomBytes(12).toString('hex')}`;
  const state = randomBytes(16).toString('base64url');
  const response = await app.inject({ method: 'GET', url: `/oauth2callback?state=${state}&code=${code}` });
  assert.equal(response.statusCode, 400);
  const logged = lines.join('');
  assert.match(logged, /"url":"\/oauth2callback"/);
  assert.ok(!logged.includes(code), 'no code in the log');
  assert.ok(!logged.includes(state), 'no state in the log');
});
