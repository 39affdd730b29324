// Checks that cannot be skipped: only validated callbacks are exchanged, only parsed or defined
// clients and made configurations are accepted, and plain-JS mistakes are USAGE errors that say so.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdsOAuthError, type ErrorCode } from '../../src/errors.js';
import { verifyCredentials } from '../../src/lifecycle/verify.js';
import { validateCallback } from '../../src/protocol/callback.js';
import { defineClient, isClientConfig, parseClientSecrets, type OAuthClientConfig } from '../../src/protocol/client-file.js';
import { createConfiguration, discoverConfiguration, type Configuration } from '../../src/protocol/config.js';
import { fetchTokenInfo } from '../../src/protocol/tokeninfo.js';
import { exchangeCode, refreshAccessToken, revokeToken } from '../../src/protocol/tokens.js';
import type { FetchLike } from '../../src/protocol/types.js';

const STATE = 'state-0123456789abcdefghijklmnop';

let calls = 0;
const spy: FetchLike = async () => {
  calls += 1;
  return new Response('{}', { status: 500 });
};

function client(): OAuthClientConfig {
  return parseClientSecrets(
    JSON.stringify({
      installed: {
        client_id: 'c.apps.googleusercontent.com',
        client_secret: 'GOCSPX-brand',
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: 'https://oauth2.googleapis.com/token',
        redirect_uris: ['http://localhost'],
      },
    }),
    'c.json',
  );
}

function config(): Configuration {
  return createConfiguration(client(), undefined, { fetch: spy });
}

/** Runs `fn` (sync or async) and returns the AdsOAuthError it throws, checking its code. */
async function thrown(fn: () => unknown, code: ErrorCode, message?: RegExp): Promise<AdsOAuthError> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof AdsOAuthError, `expected an AdsOAuthError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

const request = { codeVerifier: 'v'.repeat(43), redirectUri: 'http://127.0.0.1:1/', scopes: ['https://www.googleapis.com/auth/adwords'] };

describe('exchangeCode accepts only a ValidatedCallback', () => {
  it('a hand-made URLSearchParams is refused with USAGE, nothing sent', async () => {
    calls = 0;
    const forged = new URLSearchParams({ code: 'c', state: STATE }) as never;
    await thrown(() => exchangeCode(config(), forged, request), 'USAGE', /validateCallback/);
    assert.equal(calls, 0);
  });

  it('a copy of a validated callback is refused too; the validated one itself goes through', async () => {
    calls = 0;
    const cfg = config();
    const validated = validateCallback(cfg, { state: STATE }, new URLSearchParams({ code: 'c', state: STATE }));
    await thrown(() => exchangeCode(cfg, new URLSearchParams(validated) as never, request), 'USAGE');
    assert.equal(calls, 0);
    // The genuine one reaches the token endpoint (the spy answers 500).
    await thrown(() => exchangeCode(cfg, validated, request), 'PROVIDER_RESPONSE');
    assert.equal(calls, 1);
  });

  it('validateCallback refuses a string where a URL belongs', async () => {
    await thrown(
      () => validateCallback(config(), { state: STATE }, `http://127.0.0.1:1/?state=${STATE}&code=c` as never),
      'USAGE',
      /not a string \(use new URL/,
    );
  });
});

describe('a client config comes only from the parser or defineClient', () => {
  it('parseClientSecrets and defineClient brand (and freeze) what they return', () => {
    const parsed = client();
    assert.ok(isClientConfig(parsed));
    assert.ok(Object.isFrozen(parsed));
    assert.throws(() => {
      (parsed as { tokenUri: URL }).tokenUri = new URL('http://evil.example/token');
    }, TypeError);
    assert.ok(isClientConfig(defineClient({ clientId: 'a', clientSecret: 'b' })));
  });

  it('a plain object (or a spread copy) is a USAGE error naming the right constructors', async () => {
    await thrown(
      () => createConfiguration({ ...client() }),
      'USAGE',
      /parseClientSecrets, readClientSecretsFile or defineClient \(got a plain object\)/,
    );
    await thrown(() => createConfiguration('client.json' as never), 'USAGE', /got string/);
  });

  it('defineClient checks its fields as the parser checks a file', async () => {
    await thrown(() => defineClient({ clientId: '', clientSecret: 'b' }), 'USAGE', /"clientId" must be a non-empty string/);
    await thrown(
      () => defineClient({ clientId: 'a', clientSecret: 'b', tokenUri: 42 as never }),
      'USAGE',
      /"tokenUri" must be a URL or a string/,
    );
    await thrown(() => defineClient({ clientId: 'a', clientSecret: 'b', tokenUri: 'not a url' }), 'USAGE', /not a valid URL/);
    await thrown(() => defineClient({ clientId: 'a', clientSecret: 'b', tokenUri: 'http://oauth.example.com/token' }), 'INSECURE_ENDPOINT');
    assert.equal(
      defineClient({ clientId: 'a', clientSecret: 'b', tokenUri: new URL('http://127.0.0.1:9/token') }).tokenUri.href,
      'http://127.0.0.1:9/token',
    );
  });
});

describe('plain-JS mistakes are USAGE errors that say so', () => {
  it('a server whose "as.issuer" is a URL object, not a string: USAGE, not INTERNAL from oauth4webapi', async () => {
    const server = { discovered: true, as: { issuer: new URL('https://accounts.google.com') } };
    await thrown(
      () => createConfiguration(client(), server as never),
      'USAGE',
      /"as\.issuer" must be the issuer identifier, a string \(got a plain object\)/,
    );
  });

  it('strings where URLs belong in the endpoints or the issuer', async () => {
    await thrown(
      () => createConfiguration(client(), undefined, { endpoints: { tokenUri: 'https://oauth2.googleapis.com/token' as never } }),
      'USAGE',
      /"endpoints\.tokenUri" must be a URL object/,
    );
    await thrown(
      () => discoverConfiguration(client(), { issuer: 'https://accounts.google.com' as never }),
      'USAGE',
      /"issuer" must be a URL object/,
    );
  });

  it('every operation refuses a non-configuration first argument', async () => {
    const plain = { client: client(), server: { discovered: false, as: { issuer: 'x' } }, endpoints: {}, request: {} };
    await thrown(
      () => refreshAccessToken(plain as never, '1//t'),
      'USAGE',
      /refreshAccessToken: the first argument must be a Configuration/,
    );
    await thrown(() => revokeToken(new URL('https://oauth2.googleapis.com/revoke') as never, '1//t'), 'USAGE', /revokeToken/);
    await thrown(() => fetchTokenInfo(plain as never, 'ya29.x'), 'USAGE', /fetchTokenInfo/);
    await thrown(
      () => verifyCredentials({ clientId: 'a', clientSecret: 'b', refreshToken: 'c' } as never, { refreshToken: 'c' }),
      'USAGE',
      /verifyCredentials/,
    );
  });

  it('an empty token is a USAGE error before any request, for every token operation', async () => {
    const before = calls;
    await thrown(() => refreshAccessToken(config(), ''), 'USAGE', /non-empty string/);
    await thrown(() => revokeToken(config(), ''), 'USAGE', /non-empty string/);
    await thrown(() => fetchTokenInfo(config(), ''), 'USAGE', /fetchTokenInfo: the access token must be a non-empty string/);
    await thrown(() => fetchTokenInfo(config(), undefined as never), 'USAGE', /non-empty string/);
    assert.equal(calls, before, 'no request was sent');
  });

  it('a configuration is read-only', () => {
    const cfg = config();
    assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.endpoints) && Object.isFrozen(cfg.server.as));
  });
});

describe('malformed URLs from plain-JS callers of the flows are USAGE errors, not TypeErrors', () => {
  it('runLoopbackFlow: a redirectUri that is not an http loopback URL', async () => {
    const { runLoopbackFlow } = await import('../../src/flows/loopback.js');
    const before = calls;
    for (const redirectUri of ['not a url', 'https://127.0.0.1:8080/', 'http://example.com/cb']) {
      await assert.rejects(
        runLoopbackFlow(config(), { redirectUri, scopes: [], timeoutMs: 1_000, onAuthorizationUrl: () => undefined }),
        (e: unknown) => e instanceof AdsOAuthError && e.code === 'USAGE' && /redirectUri/.test(e.message),
        redirectUri,
      );
    }
    assert.equal(calls, before, 'nothing was sent');
  });

  it('createWebFlow: a publicUrl that does not parse', async () => {
    const { createWebFlow } = await import('../../src/flows/web.js');
    const web = parseClientSecrets(
      JSON.stringify({
        web: {
          client_id: 'w.apps.googleusercontent.com',
          client_secret: 's',
          auth_uri: 'https://accounts.example.test/auth',
          token_uri: 'https://oauth2.example.test/token',
          redirect_uris: ['https://ads.example.test/oauth2callback'],
        },
      }),
      'w.json',
    );
    const discovered = createConfiguration(web, { discovered: true, as: { issuer: 'https://accounts.example.test' } });
    assert.throws(
      () => createWebFlow({ config: discovered, store: {} as never, publicUrl: 'ads.example.test' }),
      (e: unknown) => e instanceof AdsOAuthError && e.code === 'USAGE' && /publicUrl/.test(e.message),
    );
  });
});
