import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdsOAuthError, type ErrorCode } from '../../src/errors.js';
import { serverFromClient, type ServerInfo } from '../../src/protocol/authorization-server.js';
import { validateCallback, type ValidatedCallback } from '../../src/protocol/callback.js';
import { parseClientSecrets, type OAuthClientConfig } from '../../src/protocol/client-file.js';
import { createConfiguration, type ConfigurationOptions } from '../../src/protocol/config.js';
import { exchangeCode, refreshAccessToken, revokeToken, tokenEndpointError } from '../../src/protocol/tokens.js';
import type { FetchLike } from '../../src/protocol/types.js';
import { createNodeFetch } from '../../src/transport/node-fetch.js';
import { oauthErrorResponse, startFakeTokenEndpoint, tokenBody, type FakeTokenEndpoint } from '../support/fake-token-endpoint.js';
import { assertNoSecrets as assertNoneOf } from '../support/secrets.js';

const ADWORDS = 'https://www.googleapis.com/auth/adwords';
const CLIENT_ID = '1234-abc.apps.googleusercontent.com';
const SECRET = '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';
const CODE = '4/0AVG7fiQ-the-authorization-code-0123456789';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const STATE = 'state-value-0123456789abcdefghij';
const REDIRECT = 'http://127.0.0.1:8080';
const REFRESH = '1//fake-refresh-token';

let fake: FakeTokenEndpoint;
let client: OAuthClientConfig;
let server: ServerInfo;

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function clientFor(tokenUri: string, authUri = fake.authUri): OAuthClientConfig {
  return parseClientSecrets(
    JSON.stringify({
      installed: {
        client_id: CLIENT_ID,
        project_id: 'p',
        auth_uri: authUri,
        token_uri: tokenUri,
        client_secret: SECRET,
        redirect_uris: ['http://localhost'],
      },
    }),
    'test-client.json',
  );
}

function callbackParams(extra = ''): ValidatedCallback {
  return validateCallback(
    createConfiguration(client, server),
    { state: STATE },
    new URL(`${REDIRECT}/?state=${STATE}&code=${encodeURIComponent(CODE)}${extra}`),
  );
}

function assertNoSecrets(error: AdsOAuthError): void {
  assertNoneOf([error.message, JSON.stringify(error.toJSON())], [CODE, VERIFIER, SECRET, REFRESH, STATE]);
}

async function expectError(promise: Promise<unknown>, code: ErrorCode): Promise<AdsOAuthError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof AdsOAuthError,
    `expected an AdsOAuthError, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`,
  );
  assert.equal(caught.code, code, `${caught.code}: ${caught.message}`);
  assertNoSecrets(caught);
  return caught;
}

before(async () => {
  fake = await startFakeTokenEndpoint();
  client = clientFor(fake.tokenUri);
  server = serverFromClient(client);
});

after(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

const transports: Array<[string, FetchLike | undefined]> = [
  ['global fetch', undefined],
  ['createNodeFetch()', createNodeFetch()],
];

for (const [name, fetchImpl] of transports) {
  const opts = (extra: { timeoutMs?: number; signal?: AbortSignal } = {}) => ({ ...(fetchImpl ? { fetch: fetchImpl } : {}), ...extra });
  const cfg = (extra: ConfigurationOptions = {}) => createConfiguration(client, undefined, { ...opts(), ...extra });
  const exchange = (
    scopes: readonly string[] = [ADWORDS],
    extra: { timeoutMs?: number; signal?: AbortSignal } = {},
    useClient = client,
    useServer = server,
  ) =>
    exchangeCode(createConfiguration(useClient, useServer, opts(extra)), callbackParams(), {
      codeVerifier: VERIFIER,
      redirectUri: REDIRECT,
      scopes,
    });

  describe(`exchangeCode (${name})`, () => {
    it('returns the refresh token, access token, expiry and granted scopes', async () => {
      fake.next({ body: tokenBody({ scope: `${ADWORDS} openid` }) });
      const result = await exchange();
      assert.equal(result.refreshToken, REFRESH);
      assert.equal(result.accessToken, 'ya29.fake-access-token');
      assert.equal(result.expiresIn, 3599);
      assert.deepEqual(result.scopes, [ADWORDS, 'openid']);
      assert.equal(result.idToken, undefined);
    });

    it('sends one POST with grant_type, code, exact redirect_uri, code_verifier and client_secret_post', async () => {
      fake.next({ body: tokenBody() });
      await exchange();
      assert.equal(fake.requests.length, 1);
      const [request] = fake.requests;
      assert.equal(request!.method, 'POST');
      assert.equal(request!.url, '/token');
      assert.match(String(request!.headers['content-type']), /^application\/x-www-form-urlencoded/);
      const form = request!.form;
      assert.equal(form.get('grant_type'), 'authorization_code');
      assert.equal(form.get('code'), CODE);
      assert.equal(form.get('redirect_uri'), REDIRECT, 'redirect_uri must be byte-for-byte the one sent (no slash added)');
      assert.equal(form.get('code_verifier'), VERIFIER);
      assert.equal(form.get('client_id'), CLIENT_ID);
      assert.equal(form.get('client_secret'), SECRET);
      assert.equal(request!.headers['authorization'], undefined, 'client_secret_post, not Basic');
      for (const key of new Set(form.keys())) assert.equal(form.getAll(key).length, 1, key);
      assert.equal(form.has('state'), false, 'the state stays out of the token request');
    });

    it('uses the requested scopes when the response has no scope', async () => {
      fake.next({ body: tokenBody({ scope: undefined }) });
      const result = await exchange([ADWORDS, 'openid']);
      assert.deepEqual(result.scopes, [ADWORDS, 'openid']);
    });

    it('no refresh_token → NO_REFRESH_TOKEN, pointing at myaccount connections and the client type', async () => {
      fake.next({ body: tokenBody({ refresh_token: undefined }) });
      const error = await expectError(exchange(), 'NO_REFRESH_TOKEN');
      assert.ok(error.message.includes('https://myaccount.google.com/connections'), error.message);
      assert.match(error.message, /Desktop app/);
      assert.match(error.message, /client type/);
      assert.equal(fake.requests.length, 1);
    });

    it('an empty refresh_token → a provider error or NO_REFRESH_TOKEN, never success', async () => {
      fake.next({ body: tokenBody({ refresh_token: '' }) });
      await assert.rejects(
        exchange(),
        (error: unknown) => error instanceof AdsOAuthError && ['NO_REFRESH_TOKEN', 'PROVIDER_RESPONSE'].includes(error.code),
      );
    });

    it('a requested scope not granted → SCOPE_NOT_GRANTED naming it', async () => {
      const email = 'https://www.googleapis.com/auth/userinfo.email';
      fake.next({ body: tokenBody({ scope: `openid ${email}` }) });
      const error = await expectError(exchange([ADWORDS, 'openid', 'email']), 'SCOPE_NOT_GRANTED');
      assert.ok(error.message.includes(ADWORDS), error.message);
      assert.ok(!error.message.includes(`${email},`), 'granted aliases are not reported');
      assert.deepEqual(error.details['missing'], [ADWORDS]);
      assert.deepEqual(error.details['granted'], ['openid', email]);
      assert.match(error.message, /tick/);
    });

    const oauthErrors: Array<[string, number, RegExp]> = [
      ['invalid_grant', 400, /already used|expired/],
      ['invalid_client', 401, /client ID or secret|Download the client JSON/],
      ['redirect_uri_mismatch', 400, /not registered|Authorized redirect URIs/],
      ['unauthorized_client', 400, /Desktop app/],
    ];
    for (const [code, status, hint] of oauthErrors) {
      it(`${code} (HTTP ${status}) → TOKEN_ENDPOINT with details.error and a hint`, async () => {
        fake.next(oauthErrorResponse(code, 'Bad Request', status));
        const error = await expectError(exchange(), 'TOKEN_ENDPOINT');
        assert.equal(error.details['error'], code);
        assert.equal(error.details['status'], status);
        assert.equal(error.details['operation'], 'exchange');
        assert.ok(error.message.includes(code), error.message);
        assert.match(error.message, hint);
        assert.ok(error.message.includes(`${fake.origin}/token`), 'the message names the endpoint');
        assert.equal(fake.requests.length, 1);
      });
    }

    it('redirect_uri_mismatch names the redirect URI that was sent', async () => {
      fake.next(oauthErrorResponse('redirect_uri_mismatch', 'Bad Request'));
      const error = await expectError(exchange(), 'TOKEN_ENDPOINT');
      assert.ok(error.message.includes(REDIRECT), error.message);
    });

    it('invalid_client with a WWW-Authenticate challenge (RFC 6749 §5.2) → TOKEN_ENDPOINT, not a network error', async () => {
      fake.next(
        oauthErrorResponse('invalid_client', 'The OAuth client was not found.', 401, { 'WWW-Authenticate': 'Basic realm="token"' }),
      );
      const error = await expectError(exchange(), 'TOKEN_ENDPOINT');
      assert.equal(error.details['status'], 401);
    });

    for (const status of [500, 502, 503]) {
      it(`HTTP ${status} → PROVIDER_RESPONSE "having trouble", made exactly once`, async () => {
        fake.next({ status, headers: { 'Content-Type': 'text/html' }, body: '<html><body>Server Error</body></html>' });
        const error = await expectError(exchange(), 'PROVIDER_RESPONSE');
        assert.match(error.message, /trouble/);
        assert.ok(error.message.includes(`HTTP ${status}`), error.message);
        assert.match(error.message, /may have been spent: it cannot be used again/);
        assert.deepEqual(error.hints, ['retry']);
        assert.equal(error.details['status'], status);
        // Let any retry arrive before counting.
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(fake.requests.length, 1, 'a code exchange is never retried');
      });
    }

    it('HTTP 503 with a JSON error body → PROVIDER_RESPONSE, once', async () => {
      fake.next(oauthErrorResponse('temporarily_unavailable', 'try later', 503));
      const error = await expectError(exchange(), 'PROVIDER_RESPONSE');
      assert.match(error.message, /trouble/);
      assert.equal(fake.requests.length, 1);
    });

    it('an HTML page with 200 → PROVIDER_RESPONSE "not JSON"', async () => {
      fake.next({
        status: 200,
        headers: { 'Content-Type': 'text/html; charset=utf-8' },
        body: '<!doctype html><title>Captive portal</title>',
      });
      const error = await expectError(exchange(), 'PROVIDER_RESPONSE');
      assert.match(error.message, /not JSON/);
      assert.match(error.message, /HTTP 200/);
    });

    it('JSON with a wrong content type → PROVIDER_RESPONSE "not JSON"', async () => {
      fake.next({ status: 400, headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ error: 'invalid_grant' }) });
      const error = await expectError(exchange(), 'PROVIDER_RESPONSE');
      assert.match(error.message, /not JSON/);
    });

    it('a 200 without access_token → PROVIDER_RESPONSE', async () => {
      fake.next({ body: tokenBody({ access_token: undefined }) });
      await expectError(exchange(), 'PROVIDER_RESPONSE');
    });

    it('a slow endpoint with timeoutMs: 200 → NETWORK, reason timeout', async () => {
      fake.next({ body: tokenBody(), delayMs: 3_000 });
      const error = await expectError(exchange([ADWORDS], { timeoutMs: 200 }), 'NETWORK');
      assert.equal(error.details['reason'], 'timeout');
      assert.match(error.message, /timed out/);
    });

    it('a slow endpoint with timeoutMs and a signal times out even after a garbage collection (Node 20 AbortSignal.any)', async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      fake.next({ body: tokenBody(), delayMs: 5_000 });
      const started = Date.now();
      const pending = refreshAccessToken(cfg({ timeoutMs: 300 }), REFRESH, { signal: new AbortController().signal });
      await new Promise((resolve) => setTimeout(resolve, 100));
      gc();
      const error = await expectError(pending, 'NETWORK');
      assert.equal(error.details['reason'], 'timeout');
      assert.ok(Date.now() - started < 3_000, `timed out after ${Date.now() - started} ms`);
    });

    it('connection refused → NETWORK', async () => {
      const port = await closedPort();
      const refused = clientFor(`http://127.0.0.1:${port}/token`);
      const error = await expectError(exchange([ADWORDS], {}, refused, serverFromClient(refused)), 'NETWORK');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.equal(error.details['operation'], 'exchange');
    });

    it('the connection dropped without an answer → NETWORK', async () => {
      fake.next({ hangUp: true });
      await expectError(exchange(), 'NETWORK');
      assert.equal(fake.requests.length, 1);
    });

    it('an aborted signal → INTERRUPTED', async () => {
      fake.next({ body: tokenBody(), delayMs: 3_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await expectError(exchange([ADWORDS], { signal: controller.signal }), 'INTERRUPTED');
    });
  });

  describe(`refreshAccessToken (${name})`, () => {
    it('returns a fresh access token and sends grant_type=refresh_token with client_secret_post', async () => {
      fake.next({ body: tokenBody({ refresh_token: undefined, access_token: 'ya29.new' }) });
      const result = await refreshAccessToken(cfg(), REFRESH);
      assert.equal(result.accessToken, 'ya29.new');
      assert.equal(result.expiresIn, 3599);
      assert.deepEqual(result.scopes, [ADWORDS]);
      assert.equal(result.refreshToken, undefined);
      assert.equal(fake.requests.length, 1);
      const form = fake.requests[0]!.form;
      assert.equal(form.get('grant_type'), 'refresh_token');
      assert.equal(form.get('refresh_token'), REFRESH);
      assert.equal(form.get('client_id'), CLIENT_ID);
      assert.equal(form.get('client_secret'), SECRET);
    });

    it("ignores the ID token Google sends with the refresh of an openid grant (its iss is accounts.google.com, not the token endpoint's origin)", async () => {
      const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const idToken = `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ iss: 'https://accounts.google.com', aud: CLIENT_ID, sub: '1', iat: now, exp: now + 3600 })}.c2ln`;
      fake.next({
        body: tokenBody({
          refresh_token: undefined,
          access_token: 'ya29.with-id-token',
          scope: `openid email ${ADWORDS}`,
          id_token: idToken,
        }),
      });
      const result = await refreshAccessToken(cfg(), REFRESH);
      assert.equal(result.accessToken, 'ya29.with-id-token');
    });

    it('reports a rotated refresh token, and only when it changed', async () => {
      fake.next({ body: tokenBody({ refresh_token: '1//rotated' }) }, { body: tokenBody() });
      const rotated = await refreshAccessToken(cfg(), REFRESH);
      assert.equal(rotated.refreshToken, '1//rotated');
      const same = await refreshAccessToken(cfg(), REFRESH);
      assert.equal(same.refreshToken, undefined);
    });

    it('invalid_grant → TOKEN_ENDPOINT with the refresh advice', async () => {
      fake.next(oauthErrorResponse('invalid_grant', 'Token has been expired or revoked.'));
      const error = await expectError(refreshAccessToken(cfg(), REFRESH), 'TOKEN_ENDPOINT');
      assert.equal(error.details['error'], 'invalid_grant');
      assert.equal(error.details['operation'], 'refresh');
      assert.match(error.message, /Token has been expired or revoked/);
      assert.deepEqual(error.hints, ['regenerate']);
    });

    it('unauthorized_client on refresh → the "another client" advice', async () => {
      fake.next(oauthErrorResponse('unauthorized_client', 'Unauthorized'));
      const error = await expectError(refreshAccessToken(cfg(), REFRESH), 'TOKEN_ENDPOINT');
      assert.match(error.message, /another OAuth client/);
    });
  });

  describe(`revokeToken (${name})`, () => {
    it('sends the token with client authentication and a type hint', async () => {
      fake.next({ status: 200, body: {} });
      await revokeToken(cfg({ endpoints: { revocationUri: new URL(fake.revokeUri) } }), REFRESH, { tokenTypeHint: 'refresh_token' });
      assert.equal(fake.requests.length, 1);
      const request = fake.requests[0]!;
      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/revoke');
      assert.equal(request.form.get('token'), REFRESH);
      assert.equal(request.form.get('client_id'), CLIENT_ID);
      assert.equal(request.form.get('client_secret'), SECRET);
      assert.equal(request.form.get('token_type_hint'), 'refresh_token');
    });

    it('sends no type hint when none is given', async () => {
      fake.next({ status: 200, body: '' });
      await revokeToken(cfg({ endpoints: { revocationUri: new URL(fake.revokeUri) } }), REFRESH);
      assert.equal(fake.requests[0]!.form.has('token_type_hint'), false);
    });

    it('an OAuth error → TOKEN_ENDPOINT with operation revoke', async () => {
      fake.next(oauthErrorResponse('invalid_token', 'Token expired or revoked'));
      const error = await expectError(
        revokeToken(cfg({ endpoints: { revocationUri: new URL(fake.revokeUri) } }), REFRESH),
        'TOKEN_ENDPOINT',
      );
      assert.equal(error.details['operation'], 'revoke');
      assert.equal(error.details['error'], 'invalid_token');
    });
  });
}

describe('the endpoint must be https or loopback even when the ServerInfo is built by hand', () => {
  it('refuses a plain-http token endpoint on a non-loopback host without sending anything', async () => {
    const handBuilt: ServerInfo = { discovered: false, as: { issuer: 'http://example.com', token_endpoint: 'http://example.com/token' } };
    let called = 0;
    const spy: FetchLike = async () => {
      called += 1;
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    await assert.rejects(
      exchangeCode(createConfiguration(client, handBuilt, { fetch: spy }), callbackParams(), {
        codeVerifier: VERIFIER,
        redirectUri: REDIRECT,
        scopes: [ADWORDS],
      }),
      (error: unknown) => error instanceof AdsOAuthError && error.code !== 'NO_REFRESH_TOKEN',
    );
    assert.equal(called, 0, 'the code and secret must not be sent over plain http');
  });
});

describe('tokenEndpointError', () => {
  const endpoint = new URL('https://oauth2.googleapis.com/token');

  it('keeps an AdsOAuthError as it is', () => {
    const original = new AdsOAuthError('NO_REFRESH_TOKEN', 'x');
    assert.equal(tokenEndpointError(original, 'exchange', endpoint), original);
  });

  it('maps Node and undici network failures to NETWORK', () => {
    const undici = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const error = tokenEndpointError(undici, 'refresh', endpoint);
    assert.equal(error.code, 'NETWORK');
    assert.equal(error.details['reason'], 'ECONNREFUSED');
    assert.equal(tokenEndpointError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), 'refresh', endpoint).code, 'NETWORK');
  });

  it('an unexpected plain error is INTERNAL', () => {
    assert.equal(tokenEndpointError(new Error('weird'), 'refresh', endpoint).code, 'INTERNAL');
  });

  it("a programming error from oauth4webapi (a TypeError with an ERR_* code) is not reported as 'Could not reach'", () => {
    const coded = Object.assign(new TypeError('only requests to HTTPS are allowed'), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.notEqual(tokenEndpointError(coded, 'exchange', endpoint).code, 'NETWORK');
  });
});
