// The serve app in-process (Fastify's inject, no socket) on a real SQLite store, with a web client
// and a discovered server that are never called: for the serve tests that exercise the app's own
// rules (rate limits, headers, logs, admin sessions) rather than a provider.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createTokenBroker } from '../../src/broker/index.js';
import { createWebFlow } from '../../src/flows/web.js';
import { parseClientSecrets } from '../../src/protocol/client-file.js';
import { createConfiguration, type Configuration } from '../../src/protocol/config.js';
import { createServeApp, type ServeAppOptions } from '../../src/server/serve/app.js';
import { openAccountStore, parseKeyring } from '../../src/stores/accounts/index.js';
import type { AccountStore } from '../../src/stores/accounts/types.js';

export interface InProcessServe {
  app: FastifyInstance;
  store: AccountStore;
  config: Configuration;
  publicUrl: string;
}

/**
 * An app for `publicUrl` (default http://127.0.0.1:8080). `wrapStore` may put a proxy around the
 * real store (to make one method fail); `options` are passed to createServeApp. Everything is
 * closed and removed when the test ends.
 */
export async function inProcessServe(
  t: { after(fn: () => unknown): void },
  options: { publicUrl?: string; wrapStore?: (store: AccountStore) => AccountStore; app?: Partial<ServeAppOptions> } = {},
): Promise<InProcessServe> {
  const publicUrl = options.publicUrl ?? 'http://127.0.0.1:8080';
  const dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-app-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const client = parseClientSecrets(
    JSON.stringify({
      web: {
        client_id: 'c.apps.googleusercontent.com',
        client_secret: 's',
        auth_uri: 'https://accounts.example.test/o/oauth2/auth',
        token_uri: 'https://oauth2.example.test/token',
        redirect_uris: [`${publicUrl}/oauth2callback`],
      },
    }),
    'web.json',
  );
  const server = {
    discovered: true,
    as: { issuer: 'https://accounts.example.test', authorization_endpoint: client.authUri.href, token_endpoint: client.tokenUri.href },
  };
  const real = await openAccountStore({
    database: join(dir, 's.sqlite'),
    keyring: parseKeyring(`k1:${randomBytes(32).toString('base64')}`),
    clientId: client.clientId,
  });
  await real.migrate();
  t.after(() => real.close());
  const store = options.wrapStore ? options.wrapStore(real) : real;
  const config = createConfiguration(client, server);
  const flow = createWebFlow({ config, store, publicUrl });
  const broker = createTokenBroker({
    store,
    refresh: async () => {
      throw new Error('not called');
    },
  });
  const app = await createServeApp({ flow, store, broker, publicUrl, revoke: async () => undefined, config, ...options.app });
  t.after(() => app.close());
  return { app, store, config, publicUrl };
}
