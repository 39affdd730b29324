import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdsOAuthError } from '../../src/errors.js';
import { discoverServer, serverFromClient } from '../../src/protocol/authorization-server.js';
import { validateCallback } from '../../src/protocol/callback.js';
import { createConfiguration } from '../../src/protocol/config.js';
import { parseClientSecrets, type OAuthClientConfig } from '../../src/protocol/client-file.js';
import { createNodeFetch } from '../../src/transport/node-fetch.js';

type Doc = { status?: number; body?: unknown; contentType?: string; delayMs?: number };

let server: Server;
let origin: string;
let docs: Record<string, Doc> = {};
const hits: string[] = [];
const timers = new Set<NodeJS.Timeout>();

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.push(path);
    const doc = docs[path];
    const answer = (): void => {
      if (res.destroyed) return;
      if (!doc) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found');
        return;
      }
      res.writeHead(doc.status ?? 200, { 'Content-Type': doc.contentType ?? 'application/json' });
      res.end(typeof doc.body === 'string' ? doc.body : JSON.stringify(doc.body));
    };
    if (doc?.delayMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, doc.delayMs);
      timers.add(timer);
    } else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const timer of timers) clearTimeout(timer);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

beforeEach(() => {
  docs = {};
  hits.length = 0;
});

function client(): OAuthClientConfig {
  return parseClientSecrets(
    JSON.stringify({
      installed: {
        client_id: 'id.apps.googleusercontent.com',
        client_secret: 'GOCSPX-x',
        auth_uri: `${origin}/o/oauth2/auth`,
        token_uri: `${origin}/token`,
        redirect_uris: ['http://localhost'],
      },
    }),
    'c.json',
  );
}

describe('serverFromClient', () => {
  it('uses the auth_uri origin as issuer and the file endpoints, without discovery', () => {
    const google = parseClientSecrets(
      JSON.stringify({
        installed: {
          client_id: 'a',
          client_secret: 'b',
          auth_uri: 'https://accounts.google.com/o/oauth2/auth',
          token_uri: 'https://oauth2.googleapis.com/token',
        },
      }),
    );
    const info = serverFromClient(google, { revocationEndpoint: new URL('https://oauth2.googleapis.com/revoke') });
    assert.equal(info.discovered, false);
    assert.equal(info.as.issuer, 'https://accounts.google.com');
    assert.equal(info.as.authorization_endpoint, 'https://accounts.google.com/o/oauth2/auth');
    assert.equal(info.as.token_endpoint, 'https://oauth2.googleapis.com/token');
    assert.equal(info.as.revocation_endpoint, 'https://oauth2.googleapis.com/revoke');
    assert.equal(info.as.authorization_response_iss_parameter_supported, undefined);
    assert.equal('revocation_endpoint' in serverFromClient(google).as, false);
  });
});

for (const [name, fetchImpl] of [
  ['global fetch', undefined],
  ['createNodeFetch()', createNodeFetch()],
] as const) {
  describe(`discoverServer (${name})`, () => {
    const opts = (extra: { timeoutMs?: number } = {}) => ({ ...(fetchImpl ? { fetch: fetchImpl } : {}), ...extra });

    it('uses OpenID metadata whose issuer is the auth_uri origin, keeping the file endpoints', async () => {
      docs['/.well-known/openid-configuration'] = {
        body: {
          issuer: origin,
          authorization_endpoint: 'http://127.0.0.1:1/elsewhere',
          token_endpoint: 'http://127.0.0.1:1/steal',
          authorization_response_iss_parameter_supported: true,
        },
      };
      const info = await discoverServer(client(), opts());
      assert.equal(info.discovered, true);
      assert.equal(info.as.issuer, origin);
      assert.equal(info.as.authorization_response_iss_parameter_supported, true);
      assert.equal(info.as.token_endpoint, `${origin}/token`, 'the client file wins');
      assert.equal(info.as.authorization_endpoint, `${origin}/o/oauth2/auth`);
    });

    it('falls back to RFC 8414 metadata', async () => {
      docs['/.well-known/oauth-authorization-server'] = { body: { issuer: origin, authorization_response_iss_parameter_supported: true } };
      const info = await discoverServer(client(), opts());
      assert.equal(info.discovered, true);
      assert.deepEqual(hits, ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']);
    });

    it('ignores metadata naming another issuer', async () => {
      docs['/.well-known/openid-configuration'] = {
        body: { issuer: 'https://evil.example', authorization_response_iss_parameter_supported: true },
      };
      const info = await discoverServer(client(), opts());
      assert.equal(info.discovered, false);
      assert.equal(info.as.issuer, origin);
    });

    it('falls back when nothing is published, or it is not JSON', async () => {
      assert.equal((await discoverServer(client(), opts())).discovered, false);
      docs['/.well-known/openid-configuration'] = { body: '<html>', contentType: 'text/html' };
      assert.equal((await discoverServer(client(), opts())).discovered, false);
    });

    it('falls back quickly when the server is slow', async () => {
      docs['/.well-known/openid-configuration'] = { body: { issuer: origin }, delayMs: 3_000 };
      docs['/.well-known/oauth-authorization-server'] = { body: { issuer: origin }, delayMs: 3_000 };
      const info = await discoverServer(client(), opts({ timeoutMs: 150 }));
      assert.equal(info.discovered, false);
    });

    it('a discovered RFC 9207 server makes the callback check strict', async () => {
      docs['/.well-known/openid-configuration'] = { body: { issuer: origin, authorization_response_iss_parameter_supported: true } };
      const c = client();
      const info = await discoverServer(c, opts());
      assert.throws(
        () => validateCallback(createConfiguration(c, info), { state: 's' }, new URL('http://127.0.0.1:1/?state=s&code=c')),
        (error: unknown) => error instanceof AdsOAuthError && error.code === 'ISSUER_MISMATCH',
      );
      const ok = validateCallback(
        createConfiguration(c, info),
        { state: 's' },
        new URL(`http://127.0.0.1:1/?state=s&code=c&iss=${encodeURIComponent(origin)}`),
      );
      assert.equal(ok.get('code'), 'c');
    });
  });
}

describe('discoverServer on an unreachable server', () => {
  it('gives up after the first failed request instead of waiting on a second well-known path', async () => {
    const urls: string[] = [];
    const refusing = async (input: string | URL): Promise<Response> => {
      urls.push(String(input));
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    };
    const info = await discoverServer(client(), { fetch: refusing });
    assert.equal(info.discovered, false);
    assert.equal(info.as.issuer, client().authUri.origin);
    assert.deepEqual(urls.length, 1, `requested: ${urls.join(', ')}`);
  });
});
