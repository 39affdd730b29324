import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isAdsOAuthError } from '../../src/errors.js';
import {
  GOOGLE_ADS_API_VERSION,
  INVALID_GRANT_CAUSES,
  listCustomers,
  revokeRefreshToken,
  verifyCredentials,
  type AdsCredentials,
} from '../../src/lifecycle/index.js';
import { defineClient } from '../../src/protocol/client-file.js';
import { createConfiguration, type Configuration, type EndpointOverrides } from '../../src/protocol/config.js';
import { parseAdsError } from '../../src/protocol/ads-api.js';
import { createNodeFetch } from '../../src/transport/node-fetch.js';
import {
  ADWORDS_SCOPE,
  adsError,
  oauthError,
  rpcErrorInfo,
  startFakeGoogleApis,
  type FakeGoogleApis,
} from '../support/fake-google-apis.js';
import { assertNoSecrets as assertNoneOf } from '../support/secrets.js';

let fake: FakeGoogleApis;
let endpoints: EndpointOverrides;
const fetch = createNodeFetch();

function creds(extra: Partial<AdsCredentials> = {}): AdsCredentials {
  return { refreshToken: fake.refreshToken, ...extra };
}

/** The configuration of the fake's client (or of none), with the fake's endpoints. */
function cfg(options: { endpoints?: EndpointOverrides; timeoutMs?: number; client?: null } = {}): Configuration {
  const client = options.client === null ? null : defineClient({ clientId: fake.clientId, clientSecret: fake.clientSecret });
  return createConfiguration(client, undefined, {
    fetch,
    endpoints: options.endpoints ?? endpoints,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}

function assertNoSecrets(text: string, extra: string[] = []): void {
  assertNoneOf(text, [fake.clientSecret, fake.refreshToken, ...extra], { patterns: [/ya29\.fake-access/] });
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

before(async () => {
  fake = await startFakeGoogleApis();
  endpoints = {
    tokenUri: new URL(fake.tokenUri),
    revocationUri: new URL(fake.revokeUri),
    tokeninfoUri: new URL(fake.tokeninfoUri),
    adsApiBase: new URL(fake.adsEndpoint),
  };
});
after(() => fake.close());
beforeEach(() => fake.reset());

describe('verifyCredentials', () => {
  it('passes every check and reports scopes, expiry and client', async () => {
    const result = await verifyCredentials(cfg(), creds());
    assert.equal(result.ok, true);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.scopes, [ADWORDS_SCOPE]);
    assert.equal(result.clientId, fake.clientId);
    assert.equal(result.expiresIn, 3599);
    assert.ok(result.expiresAt && Date.parse(result.expiresAt) > Date.now());
    assert.deepEqual(
      result.checks.map((c) => [c.id, c.status]),
      [
        ['refresh', 'pass'],
        ['tokeninfo', 'pass'],
        ['scope', 'pass'],
        ['client', 'pass'],
      ],
    );
    assert.equal(result.customers, undefined, 'no Ads API call without a developer token');
    assert.equal(fake.requestsTo('listAccessibleCustomers').length, 0);
    assertNoSecrets(JSON.stringify(result));
  });

  it('refreshes on every run with grant_type=refresh_token, and sends the access token to tokeninfo in the body only', async () => {
    await verifyCredentials(cfg(), creds());
    await verifyCredentials(cfg(), creds());
    const tokens = fake.requestsTo('token');
    assert.equal(tokens.length, 2);
    assert.equal(tokens[0]!.form?.['grant_type'], 'refresh_token');
    assert.equal(tokens[0]!.form?.['refresh_token'], fake.refreshToken);
    const info = fake.requestsTo('tokeninfo');
    assert.equal(info.length, 2);
    assert.equal(info[0]!.method, 'POST');
    assert.match(info[0]!.form?.['access_token'] ?? '', /^ya29\.fake-access/);
    assert.equal(info[0]!.url, '/tokeninfo', 'no token in the URL');
  });

  it('explains invalid_grant with all five causes, most likely first', async () => {
    fake.on('token', oauthError('invalid_grant', 'Token has been expired or revoked.'));
    const result = await verifyCredentials(cfg(), creds());
    assert.equal(result.ok, false);
    const [p] = result.problems;
    assert.equal(result.problems.length, 1);
    assert.equal(p!.code, 'invalid_grant');
    assert.equal(p!.errorCode, 'TOKEN_ENDPOINT');
    assert.equal(p!.check, 'refresh');
    assert.deepEqual(
      p!.causes?.map((c) => c.id),
      ['testing_mode_7_days', 'revoked', 'unused_6_months', 'token_limit', 'password_change_gmail'],
    );
    assert.deepEqual(p!.causes, [...INVALID_GRANT_CAUSES]);
    assert.match(p!.cause, /7-day/);
    assert.equal(
      p!.summary,
      'The provider refused the refresh token (invalid_grant: "Token has been expired or revoked."): it expired or was revoked.',
    );
    assert.match(p!.fix, /In production/);
    assert.match(p!.causes![3]!.cause, /100 per Google account per OAuth client ID/);
    assert.equal(p!.details?.['error_description'], 'Token has been expired or revoked.');
    assert.deepEqual(
      result.checks.map((c) => [c.id, c.status]),
      [
        ['refresh', 'fail'],
        ['tokeninfo', 'skip'],
        ['scope', 'skip'],
        ['client', 'skip'],
      ],
    );
    assert.equal(fake.requestsTo('tokeninfo').length, 0);
  });

  it('puts a session-control policy first when Google says error_subtype=invalid_rapt', async () => {
    fake.on('token', oauthError('invalid_grant', 'reauth related error (invalid_rapt)', 400, { error_subtype: 'invalid_rapt' }));
    const result = await verifyCredentials(cfg(), creds());
    const p = result.problems[0]!;
    assert.equal(p.code, 'invalid_grant');
    assert.equal(p.causes?.[0]?.id, 'session_control');
    assert.equal(p.details?.['error_subtype'], 'invalid_rapt');
  });

  for (const [error, status, pattern] of [
    ['invalid_client', 401, /client was deleted|secret is wrong/],
    ['unauthorized_client', 400, /belongs to another OAuth client/],
    ['invalid_scope', 400, /scopes of this grant/],
    ['admin_policy_enforced', 400, /Workspace admin/],
  ] as const) {
    it(`maps ${error} to a cause and a fix`, async () => {
      fake.on('token', oauthError(error, 'x', status));
      const result = await verifyCredentials(cfg(), creds());
      const p = result.problems[0]!;
      assert.equal(p.code, error);
      assert.equal(p.errorCode, 'TOKEN_ENDPOINT');
      assert.match(p.cause, pattern);
      assert.ok(p.fix.length > 10);
      assertNoSecrets(JSON.stringify(result));
    });
  }

  it('reports an unreachable token endpoint as a network problem', async () => {
    const port = await closedPort();
    const result = await verifyCredentials(
      cfg({ endpoints: { ...endpoints, tokenUri: new URL(`http://127.0.0.1:${port}/token`) } }),
      creds(),
    );
    const p = result.problems[0]!;
    assert.equal(p.code, 'network');
    assert.equal(p.errorCode, 'NETWORK');
    assert.match(p.cause, /ECONNREFUSED/);
    assert.match(p.fix, /nothing about the token/);
    // The CLI's and serve's transports follow HTTPS_PROXY: the advice names it.
    assert.match(p.fix, /HTTPS_PROXY=http:\/\/host:port/);
  });

  it('reports a slow token endpoint as a timeout', async () => {
    fake.on('token', { delayMs: 1500, json: {} });
    const result = await verifyCredentials(cfg({ timeoutMs: 200 }), creds());
    assert.equal(result.problems[0]?.code, 'timeout');
    assert.equal(result.problems[0]?.errorCode, 'NETWORK');
  });

  it('reports a 5xx token endpoint as a provider problem', async () => {
    fake.on('token', { status: 503, body: '<html>unavailable</html>', contentType: 'text/html' });
    const result = await verifyCredentials(cfg(), creds());
    assert.equal(result.problems[0]?.code, 'provider_response');
    assert.equal(result.problems[0]?.errorCode, 'PROVIDER_RESPONSE');
  });

  it('finds the adwords scope missing and skips the Ads API', async () => {
    fake.on('tokeninfo', {
      json: { azp: fake.clientId, aud: fake.clientId, scope: 'https://www.googleapis.com/auth/userinfo.email', expires_in: '3599' },
    });
    const result = await verifyCredentials(cfg(), creds({ developerToken: 'devtoken-abcdef' }));
    assert.equal(result.ok, false);
    assert.deepEqual(result.scopes, ['https://www.googleapis.com/auth/userinfo.email']);
    assert.equal(result.problems[0]?.code, 'scope_missing');
    assert.equal(result.problems[0]?.errorCode, 'VERIFY_FAILED');
    assert.equal(result.checks.find((c) => c.id === 'ads_api')?.status, 'skip');
    assert.equal(fake.requestsTo('listAccessibleCustomers').length, 0);
  });

  it('finds a token that belongs to another client', async () => {
    fake.on('tokeninfo', {
      json: { azp: 'other.apps.googleusercontent.com', aud: 'other.apps.googleusercontent.com', scope: ADWORDS_SCOPE, expires_in: '100' },
    });
    const result = await verifyCredentials(cfg(), creds());
    const p = result.problems[0]!;
    assert.equal(p.code, 'client_mismatch');
    assert.deepEqual(p.details, { expected: fake.clientId, actual: 'other.apps.googleusercontent.com' });
    assert.equal(result.clientId, 'other.apps.googleusercontent.com');
  });

  it('reports a tokeninfo refusal', async () => {
    fake.on('tokeninfo', oauthError('invalid_token', 'Invalid Value'));
    const result = await verifyCredentials(cfg(), creds());
    assert.equal(result.problems[0]?.code, 'invalid_token');
    assert.equal(result.problems[0]?.check, 'tokeninfo');
    // The token response named the scope, so the scope check still ran.
    assert.equal(result.checks.find((c) => c.id === 'scope')?.status, 'pass');
  });

  it('calls the Ads API with a developer token and lists customers', async () => {
    const result = await verifyCredentials(cfg(), creds({ developerToken: 'devtoken-abcdef' }));
    assert.equal(result.ok, true);
    assert.deepEqual(result.customers, ['1234567890', '9876543210']);
    const [call] = fake.requestsTo('listAccessibleCustomers');
    assert.equal(call!.url, `/${GOOGLE_ADS_API_VERSION}/customers:listAccessibleCustomers`);
    assert.equal(call!.headers['developer-token'], 'devtoken-abcdef');
    assert.match(String(call!.headers['authorization']), /^Bearer ya29\.fake-access/);
    assertNoSecrets(JSON.stringify(result), ['devtoken-abcdef']);
  });

  it('can call the Ads API without a developer token (sunset), sending no developer-token header', async () => {
    const result = await verifyCredentials(cfg({ endpoints: { ...endpoints, apiVersion: '25' } }), creds(), { checkAdsApi: true });
    assert.equal(result.ok, true);
    const [call] = fake.requestsTo('listAccessibleCustomers');
    assert.equal(call!.url, '/v25/customers:listAccessibleCustomers');
    assert.equal(call!.headers['developer-token'], undefined);
  });

  for (const [name, answer, code, pattern] of [
    [
      'DEVELOPER_TOKEN_NOT_APPROVED',
      adsError(403, 'PERMISSION_DENIED', { authorizationError: 'DEVELOPER_TOKEN_NOT_APPROVED' }),
      'DEVELOPER_TOKEN_NOT_APPROVED',
      /test accounts only/,
    ],
    [
      'CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION',
      adsError(403, 'PERMISSION_DENIED', { authorizationError: 'CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION' }),
      'CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION',
      /test accounts only/,
    ],
    [
      'USER_PERMISSION_DENIED',
      adsError(403, 'PERMISSION_DENIED', { authorizationError: 'USER_PERMISSION_DENIED' }),
      'USER_PERMISSION_DENIED',
      /login-customer-id/,
    ],
    ['NOT_ADS_USER', adsError(401, 'UNAUTHENTICATED', { authenticationError: 'NOT_ADS_USER' }), 'NOT_ADS_USER', /not a Google Ads user/],
    ['SERVICE_DISABLED', rpcErrorInfo(403, 'PERMISSION_DENIED', 'SERVICE_DISABLED'), 'SERVICE_DISABLED', /not enabled/],
    [
      'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
      rpcErrorInfo(403, 'PERMISSION_DENIED', 'ACCESS_TOKEN_SCOPE_INSUFFICIENT'),
      'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
      /lacks the Google Ads scope/,
    ],
  ] as const) {
    it(`maps the Ads API error ${name}`, async () => {
      fake.on('listAccessibleCustomers', answer);
      const result = await verifyCredentials(cfg(), creds({ developerToken: 'devtoken-abcdef' }));
      assert.equal(result.ok, false);
      const p = result.problems[0]!;
      assert.equal(p.code, code);
      assert.equal(p.errorCode, 'ADS_API');
      assert.equal(p.check, 'ads_api');
      assert.match(p.cause, pattern);
      assert.equal(result.checks.find((c) => c.id === 'ads_api')?.status, 'fail');
      assertNoSecrets(JSON.stringify(result), ['devtoken-abcdef']);
    });
  }

  it('never lets a provider message echo a secret into the result', async () => {
    fake.on(
      'listAccessibleCustomers',
      adsError(403, 'PERMISSION_DENIED', { authorizationError: 'DEVELOPER_TOKEN_PROHIBITED' }, 'token devtoken-abcdef is prohibited'),
    );
    const result = await verifyCredentials(cfg(), creds({ developerToken: 'devtoken-abcdef' }));
    assert.equal(result.problems[0]?.code, 'DEVELOPER_TOKEN_PROHIBITED');
    assert.match(JSON.stringify(result), /\[redacted\]/);
    assertNoSecrets(JSON.stringify(result), ['devtoken-abcdef']);
  });
});

describe('revokeRefreshToken', () => {
  it('posts the token with client_secret_post when the client is known', async () => {
    const result = await revokeRefreshToken(cfg(), fake.refreshToken);
    assert.deepEqual(result, { revoked: true, alreadyInvalid: false, attempts: 1, clientAuthenticated: true, endpoint: fake.revokeUri });
    const [call] = fake.requestsTo('revoke');
    assert.equal(call!.form?.['token'], fake.refreshToken);
    assert.equal(call!.form?.['client_id'], fake.clientId);
    assert.equal(call!.form?.['client_secret'], fake.clientSecret);
    assert.equal(call!.form?.['token_type_hint'], 'refresh_token');
    assert.equal(call!.url, '/revoke');
  });

  it('posts the token alone when the client is unknown (Google accepts that)', async () => {
    const result = await revokeRefreshToken(cfg({ client: null }), fake.refreshToken);
    assert.equal(result.clientAuthenticated, false);
    const [call] = fake.requestsTo('revoke');
    assert.equal(call!.form?.['token'], fake.refreshToken);
    assert.equal(call!.form?.['client_secret'], undefined);
  });

  for (const error of ['invalid_token', 'invalid_grant']) {
    it(`counts ${error} (HTTP 400) as already revoked, with a note`, async () => {
      fake.on('revoke', oauthError(error, 'Token expired or revoked'));
      const result = await revokeRefreshToken(cfg(), fake.refreshToken);
      assert.equal(result.alreadyInvalid, true);
      assert.match(result.note ?? '', /already expired or revoked/);
      assert.equal(fake.requestsTo('revoke').length, 1);
    });
  }

  it('retries a 5xx with backoff and succeeds', async () => {
    fake.on('revoke', { status: 503, body: 'busy' }, { status: 500, json: { error: 'server_error' } }, { status: 200, json: {} });
    const result = await revokeRefreshToken(cfg(), fake.refreshToken, { retryDelaysMs: [10, 20, 40] });
    assert.equal(result.attempts, 3);
    assert.equal(result.alreadyInvalid, false);
  });

  it('gives up after 3 retries', async () => {
    fake.on('revoke', { status: 503, body: 'busy' });
    await assert.rejects(revokeRefreshToken(cfg(), fake.refreshToken, { retryDelaysMs: [5, 5, 5] }), (error: unknown) => {
      assert.ok(isAdsOAuthError(error, 'PROVIDER_RESPONSE'));
      assert.match(error.message, /gave up after 4 attempts/);
      assertNoSecrets(error.message);
      return true;
    });
    assert.equal(fake.requestsTo('revoke').length, 4);
  });

  it('retries a timeout', async () => {
    fake.on('revoke', { delayMs: 800, json: {} }, { json: {} });
    const result = await revokeRefreshToken(cfg({ timeoutMs: 150 }), fake.refreshToken, { retryDelaysMs: [10] });
    assert.equal(result.attempts, 2);
  });

  it('does not retry a refusal such as invalid_client', async () => {
    fake.on('revoke', oauthError('invalid_client', 'bad client', 401));
    await assert.rejects(revokeRefreshToken(cfg(), fake.refreshToken, { retryDelaysMs: [5, 5, 5] }), (error: unknown) => {
      assert.ok(isAdsOAuthError(error, 'TOKEN_ENDPOINT'));
      assert.equal(error.details['error'], 'invalid_client');
      return true;
    });
    assert.equal(fake.requestsTo('revoke').length, 1);
  });
});

describe('listCustomers', () => {
  it('lists accessible customer IDs', async () => {
    const result = await listCustomers(cfg(), creds());
    assert.deepEqual(result.customers, [
      { id: '1234567890', resourceName: 'customers/1234567890' },
      { id: '9876543210', resourceName: 'customers/9876543210' },
    ]);
    assert.deepEqual(result.failures, []);
    assert.equal(fake.requestsTo('search').length, 0);
  });

  it('adds details with one GAQL query per customer, each customer as its own login-customer-id', async () => {
    const result = await listCustomers(cfg(), creds({ developerToken: 'devtoken-abcdef' }), { details: true });
    assert.deepEqual(result.customers, [
      {
        id: '1234567890',
        resourceName: 'customers/1234567890',
        descriptiveName: 'Acme Manager',
        manager: true,
        currencyCode: 'EUR',
        timeZone: 'Europe/Berlin',
        testAccount: false,
      },
      {
        id: '9876543210',
        resourceName: 'customers/9876543210',
        descriptiveName: 'Acme Shop',
        manager: false,
        currencyCode: 'USD',
        timeZone: 'America/New_York',
        testAccount: true,
      },
    ]);
    const searches = fake.requestsTo('search');
    assert.equal(searches.length, 2);
    for (const s of searches) {
      assert.equal(s.headers['login-customer-id'], s.customerId);
      assert.equal(s.headers['developer-token'], 'devtoken-abcdef');
      assert.match(String((s.json as { query: string }).query), /FROM customer/);
    }
  });

  it('retries a denied customer through the configured manager, and reports customers that still fail', async () => {
    fake.on('listAccessibleCustomers', {
      json: { resourceNames: ['customers/1234567890', 'customers/1111111111', 'customers/2222222222'] },
    });
    fake.on('search', (req) => {
      if (req.customerId === '1111111111' && req.headers['login-customer-id'] === '1234567890') {
        return { json: { results: [{ customer: { id: '1111111111', descriptiveName: 'Via manager', currencyCode: 'GBP' } }] } };
      }
      if (req.customerId === '1234567890')
        return { json: { results: [{ customer: { id: '1234567890', descriptiveName: 'Manager', manager: true } }] } };
      return adsError(403, 'PERMISSION_DENIED', { authorizationError: 'USER_PERMISSION_DENIED' });
    });
    const result = await listCustomers(cfg(), creds({ loginCustomerId: '123-456-7890' }), { details: true });
    assert.equal(result.customers[1]?.descriptiveName, 'Via manager');
    assert.equal(result.customers[1]?.manager, false);
    assert.equal(result.failures.length, 1);
    assert.equal(result.failures[0]?.id, '2222222222');
    assert.equal(result.failures[0]?.problem.code, 'USER_PERMISSION_DENIED');
    assert.equal(result.customers[2]?.descriptiveName, undefined);
  });

  it('throws with the diagnosis when the refresh fails', async () => {
    fake.on('token', oauthError('invalid_grant', 'Token has been expired or revoked.'));
    await assert.rejects(listCustomers(cfg(), creds()), (error: unknown) => {
      assert.ok(isAdsOAuthError(error, 'TOKEN_ENDPOINT'));
      assert.match(error.message, /invalid_grant/);
      assert.match(error.message, /Possible causes, most likely first/);
      assertNoSecrets(error.message);
      return true;
    });
  });

  it('throws ADS_API with the diagnosis when the list is refused', async () => {
    fake.on('listAccessibleCustomers', adsError(401, 'UNAUTHENTICATED', { authenticationError: 'NOT_ADS_USER' }));
    await assert.rejects(listCustomers(cfg(), creds()), (error: unknown) => {
      assert.ok(isAdsOAuthError(error, 'ADS_API'));
      assert.match(error.message, /NOT_ADS_USER/);
      return true;
    });
  });
});

describe('parseAdsError', () => {
  it('reads the GoogleAdsFailure and ErrorInfo parts and tolerates junk', () => {
    const parsed = parseAdsError(
      403,
      JSON.stringify({
        error: {
          code: 403,
          status: 'PERMISSION_DENIED',
          message: 'no',
          details: [
            {
              '@type': 'x.GoogleAdsFailure',
              errors: [{ errorCode: { authorizationError: 'USER_PERMISSION_DENIED' }, message: 'denied' }],
              requestId: 'r1',
            },
            { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SOMETHING' },
          ],
        },
      }),
    );
    assert.deepEqual(parsed, {
      httpStatus: 403,
      status: 'PERMISSION_DENIED',
      message: 'no',
      errors: [{ type: 'authorizationError', code: 'USER_PERMISSION_DENIED', message: 'denied' }],
      reason: 'SOMETHING',
      requestId: 'r1',
    });
    assert.deepEqual(parseAdsError(502, '<html>'), { httpStatus: 502, errors: [] });
    assert.deepEqual(parseAdsError(500, '{"error": null}'), { httpStatus: 500, errors: [] });
  });
});
