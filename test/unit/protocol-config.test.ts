import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineClient } from '../../src/protocol/client-file.js';
import { callRequest, createConfiguration, GOOGLE_REVOKE_URI, withServer } from '../../src/protocol/config.js';

const client = () =>
  defineClient({ clientId: 'a', clientSecret: 'b', authUri: 'http://127.0.0.1:9/auth', tokenUri: 'http://127.0.0.1:9/token' });

describe('createConfiguration', () => {
  it("resolves the endpoints: the client's token endpoint, Google's for the rest, overrides win", () => {
    const plain = createConfiguration(client());
    assert.equal(plain.endpoints.token.href, 'http://127.0.0.1:9/token');
    assert.equal(plain.endpoints.revocation.href, GOOGLE_REVOKE_URI);
    assert.equal(plain.endpoints.apiVersion.startsWith('v'), true);
    assert.equal(plain.server.as.revocation_endpoint, undefined, 'a revocation endpoint nobody named is not advertised');
    const custom = createConfiguration(client(), undefined, {
      endpoints: { tokenUri: new URL('http://127.0.0.1:8/t'), revocationUri: new URL('http://127.0.0.1:8/r'), apiVersion: '25' },
    });
    assert.equal(custom.endpoints.token.href, 'http://127.0.0.1:8/t');
    assert.equal(custom.server.as.token_endpoint, 'http://127.0.0.1:8/t');
    assert.equal(custom.server.as.revocation_endpoint, 'http://127.0.0.1:8/r');
    assert.equal(custom.endpoints.apiVersion, 'v25');
  });

  it('withServer keeps the overrides and takes the new server', () => {
    const base = createConfiguration(client(), undefined, {
      timeoutMs: 1234,
      endpoints: { revocationUri: new URL('http://127.0.0.1:8/r') },
    });
    const discovered = withServer(base, {
      discovered: true,
      as: {
        issuer: 'http://127.0.0.1:9',
        authorization_endpoint: 'http://127.0.0.1:9/auth',
        token_endpoint: 'http://127.0.0.1:9/token',
        revocation_endpoint: 'http://127.0.0.1:9/revoke',
      },
    });
    assert.equal(discovered.server.discovered, true);
    assert.equal(discovered.endpoints.revocation.href, 'http://127.0.0.1:8/r');
    assert.equal(discovered.request.timeoutMs, 1234);
  });

  it("callRequest combines the configuration's signal with the call's", () => {
    const a = new AbortController();
    const b = new AbortController();
    const config = createConfiguration(client(), undefined, { signal: a.signal, timeoutMs: 50 });
    const request = callRequest(config, { signal: b.signal });
    assert.equal(request.timeoutMs, 50);
    assert.equal(request.signal?.aborted, false);
    b.abort();
    assert.equal(request.signal?.aborted, true);
    assert.equal(callRequest(config).signal, a.signal);
  });
});
