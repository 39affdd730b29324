import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdsOAuthError } from '../../src/errors.js';
import { headlessInstructions, runHeadlessFlow, type HeadlessFlowOptions } from '../../src/flows/headless.js';
import { runLoopbackFlow, type LoopbackFlowOptions } from '../../src/flows/loopback.js';
import { AuthorizationSession, isForeignCallback, type FlowEvent } from '../../src/flows/session.js';
import { parseClientSecrets, type OAuthClientConfig } from '../../src/protocol/client-file.js';
import { createConfiguration } from '../../src/protocol/config.js';
import type { FetchLike } from '../../src/protocol/types.js';
import { createNodeFetch } from '../../src/transport/node-fetch.js';
import { oauthErrorResponse, startFakeTokenEndpoint, tokenBody, type FakeTokenEndpoint } from '../support/fake-token-endpoint.js';

const ADWORDS = 'https://www.googleapis.com/auth/adwords';
const SECRET = 'GOCSPX-flow-secret-0123456789';
const CODE = '4/0AVG7fiQ-flow-code-0123456789';

let fake: FakeTokenEndpoint;

function makeClient(kind: 'installed' | 'web' = 'installed', redirectUris: string[] = ['http://localhost']): OAuthClientConfig {
  return parseClientSecrets(
    JSON.stringify({
      [kind]: {
        client_id: 'flow-client.apps.googleusercontent.com',
        project_id: 'p',
        auth_uri: fake.authUri,
        token_uri: fake.tokenUri,
        client_secret: SECRET,
        redirect_uris: redirectUris,
      },
    }),
    'flow-client.json',
  );
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The browser's GET of the redirect URI. */
function browserGet(url: string): Promise<Answer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** What the provider would redirect the browser to, for an authorization URL. */
function redirectFor(authorizationUrl: URL, params: Record<string, string>): string {
  const redirect = authorizationUrl.searchParams.get('redirect_uri')!;
  const url = new URL(redirect);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.href;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the loopback flow; once the consent URL is out, plays the browser with `visits`
 * (each a function of the authorization URL giving the redirect to follow) and collects the pages.
 */
async function loopback(
  visits: Array<(auth: URL) => string>,
  setup: Partial<LoopbackFlowOptions> & { client?: OAuthClientConfig; fetch?: FetchLike } = {},
): Promise<{
  result: Awaited<ReturnType<typeof runLoopbackFlow>> | undefined;
  error: unknown;
  pages: Answer[];
  events: FlowEvent[];
  auth: URL | undefined;
}> {
  const pages: Answer[] = [];
  const events: FlowEvent[] = [];
  let auth: URL | undefined;
  let browsing: Promise<void> = Promise.resolve();
  const { client = makeClient(), fetch: fetchImpl, ...extra } = setup;
  const flow = runLoopbackFlow(createConfiguration(client, undefined, fetchImpl ? { fetch: fetchImpl } : {}), {
    scopes: [ADWORDS],
    discover: false,
    timeoutMs: 5_000,
    onAuthorizationUrl: (url) => {
      auth = url;
      browsing = (async () => {
        await sleep(20);
        for (const visit of visits) pages.push(await browserGet(visit(url)));
      })();
    },
    onEvent: (event) => events.push(event),
    ...extra,
  });
  let result;
  let error: unknown;
  try {
    result = await flow;
  } catch (caught) {
    error = caught;
  }
  await browsing.catch(() => {});
  return { result, error, pages, events, auth };
}

before(async () => {
  fake = await startFakeTokenEndpoint();
});

after(async () => {
  await fake.close();
});

beforeEach(() => fake.reset());

describe('runLoopbackFlow', () => {
  it('exchanges the code, then tells the browser it worked', async () => {
    fake.next({ body: tokenBody() });
    const { result, error, pages, events, auth } = await loopback([
      (a) => redirectFor(a, { state: a.searchParams.get('state')!, code: CODE, scope: ADWORDS }),
    ]);
    assert.equal(error, undefined, String(error));
    assert.ok(result && auth);
    assert.equal(result.refreshToken, '1//fake-refresh-token');
    assert.equal(result.clientId, 'flow-client.apps.googleusercontent.com');
    assert.equal(result.tokenUri, fake.tokenUri);
    assert.equal(result.redirectUri, auth.searchParams.get('redirect_uri'));
    assert.match(result.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(pages.length, 1);
    assert.equal(pages[0]!.status, 200);
    assert.match(pages[0]!.body, /Authorization complete/);
    // The token request repeats the redirect URI and proves the PKCE challenge.
    assert.equal(fake.requests.length, 1);
    const form = fake.requests[0]!.form;
    assert.equal(form.get('redirect_uri'), auth.searchParams.get('redirect_uri'));
    assert.equal(form.get('code'), CODE);
    const challenge = createHash('sha256').update(form.get('code_verifier')!).digest('base64url');
    assert.equal(challenge, auth.searchParams.get('code_challenge'));
    assert.deepEqual(
      events.map((e) => e.type),
      ['waiting', 'exchanging'],
    );
  });

  it('answers a callback from another run with 400, keeps waiting, and never sends its code', async () => {
    fake.next({ body: tokenBody() });
    const { result, error, pages, events } = await loopback([
      (a) => redirectFor(a, { state: 'stale-state-from-an-old-tab', code: 'stale-code' }),
      (a) => redirectFor(a, { state: a.searchParams.get('state')!, code: CODE }),
    ]);
    assert.equal(error, undefined, String(error));
    assert.ok(result);
    assert.equal(pages[0]!.status, 400);
    assert.match(pages[0]!.body, /Not this request/);
    assert.match(pages[0]!.body, /Still waiting/);
    assert.equal(pages[1]!.status, 200);
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0]!.form.get('code'), CODE);
    const rejected = events.find((e) => e.type === 'callback-rejected');
    assert.ok(rejected && rejected.type === 'callback-rejected' && rejected.reason === 'state_mismatch');
  });

  it('a failed exchange shows a failure page, never "complete", and rejects with the cause', async () => {
    fake.next(oauthErrorResponse('invalid_grant', 'Bad Request'));
    const { error, pages } = await loopback([(a) => redirectFor(a, { state: a.searchParams.get('state')!, code: CODE })]);
    assert.ok(error instanceof AdsOAuthError && error.code === 'TOKEN_ENDPOINT', String(error));
    assert.equal(pages[0]!.status, 400);
    assert.match(pages[0]!.body, /Authorization failed/);
    assert.ok(!/Authorization complete/.test(pages[0]!.body));
    assert.ok(!pages[0]!.body.includes(CODE));
  });

  it('no refresh token → failure page and NO_REFRESH_TOKEN', async () => {
    fake.next({ body: tokenBody({ refresh_token: undefined }) });
    const { error, pages } = await loopback([(a) => redirectFor(a, { state: a.searchParams.get('state')!, code: CODE })]);
    assert.ok(error instanceof AdsOAuthError && error.code === 'NO_REFRESH_TOKEN', String(error));
    assert.equal(pages[0]!.status, 400);
    assert.ok(!/Authorization complete/.test(pages[0]!.body));
  });

  it('access_denied → 403 page and ACCESS_DENIED, without calling the token endpoint', async () => {
    const { error, pages } = await loopback([(a) => redirectFor(a, { state: a.searchParams.get('state')!, error: 'access_denied' })]);
    assert.ok(error instanceof AdsOAuthError && error.code === 'ACCESS_DENIED', String(error));
    assert.equal(pages[0]!.status, 403);
    assert.equal(fake.requests.length, 0);
  });

  it('a forged access_denied with a wrong state does not end the run', async () => {
    fake.next({ body: tokenBody() });
    const { result, pages } = await loopback([
      (a) => redirectFor(a, { state: 'forged', error: 'access_denied' }),
      (a) => redirectFor(a, { state: a.searchParams.get('state')!, code: CODE }),
    ]);
    assert.ok(result);
    assert.deepEqual(
      pages.map((p) => p.status),
      [400, 200],
    );
  });

  it('times out with a message naming the redirect URI and the likely causes', async () => {
    const { error, auth } = await loopback([], { timeoutMs: 200 });
    assert.ok(error instanceof AdsOAuthError && error.code === 'TIMEOUT', String(error));
    assert.ok(error.message.includes(auth!.searchParams.get('redirect_uri')!), error.message);
    assert.match(error.message, /redirect_uri_mismatch/);
    assert.doesNotMatch(error.message, /--headless|--timeout/);
    assert.deepEqual(error.hints, ['headless', 'timeout']);
  });

  it('a web client is served on its registered loopback redirect URI, exactly', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createNetServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const registered = `http://127.0.0.1:${port}/oauth2callback`;
    fake.next({ body: tokenBody() });
    const { result, error, auth } = await loopback([(a) => redirectFor(a, { state: a.searchParams.get('state')!, code: CODE })], {
      client: makeClient('web', ['https://example.com/cb', registered]),
      redirectUri: registered,
    });
    assert.equal(error, undefined, String(error));
    assert.equal(auth!.searchParams.get('redirect_uri'), registered);
    assert.equal(result!.redirectUri, registered);
    assert.equal(fake.requests[0]!.form.get('redirect_uri'), registered);
  });

  it('works with createNodeFetch() for the token call', async () => {
    fake.next({ body: tokenBody() });
    const { result, error } = await loopback([(a) => redirectFor(a, { state: a.searchParams.get('state')!, code: CODE })], {
      fetch: createNodeFetch(),
    });
    assert.equal(error, undefined, String(error));
    assert.ok(result);
  });

  it('with discovery on and no metadata published, falls back to the client file', async () => {
    fake.next({ body: tokenBody() });
    const { result, error } = await loopback([(a) => redirectFor(a, { state: a.searchParams.get('state')!, code: CODE })], {
      discover: true,
    });
    assert.equal(error, undefined, String(error));
    assert.ok(result);
    assert.ok(
      fake.otherRequests.some((r) => r.url.includes('.well-known')),
      'discovery was attempted',
    );
  });

  it('an abort ends the wait with INTERRUPTED and frees the port', async () => {
    const controller = new AbortController();
    let redirect: string | undefined;
    const flow = runLoopbackFlow(createConfiguration(makeClient()), {
      scopes: [ADWORDS],
      discover: false,
      timeoutMs: 5_000,
      signal: controller.signal,
      onAuthorizationUrl: (url) => {
        redirect = url.searchParams.get('redirect_uri')!;
        setTimeout(() => controller.abort(), 50);
      },
    });
    await assert.rejects(flow, (error: unknown) => error instanceof AdsOAuthError && error.code === 'INTERRUPTED');
    await assert.rejects(browserGet(redirect!), /ECONNREFUSED/);
  });
  it("the configuration's own signal ends the wait too (INTERRUPTED, port freed)", async () => {
    const controller = new AbortController();
    let redirect: string | undefined;
    const flow = runLoopbackFlow(createConfiguration(makeClient(), undefined, { signal: controller.signal }), {
      scopes: [ADWORDS],
      discover: false,
      timeoutMs: 5_000,
      onAuthorizationUrl: (url) => {
        redirect = url.searchParams.get('redirect_uri')!;
        setTimeout(() => controller.abort(), 50);
      },
    });
    await assert.rejects(flow, (error: unknown) => error instanceof AdsOAuthError && error.code === 'INTERRUPTED');
    await assert.rejects(browserGet(redirect!), /ECONNREFUSED/);
  });

  it('a web client without a redirect given: the registered loopback redirect URI is planned, not a random port', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createNetServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const registered = `http://127.0.0.1:${port}/cb`;
    fake.next({ body: tokenBody() });
    const { result, error, auth } = await loopback([(a) => redirectFor(a, { state: a.searchParams.get('state')!, code: CODE })], {
      client: makeClient('web', ['https://example.com/cb', registered]),
    });
    assert.equal(error, undefined, String(error));
    assert.equal(auth!.searchParams.get('redirect_uri'), registered);
    assert.equal(result!.redirectUri, registered);
  });
});

describe('runHeadlessFlow', () => {
  async function headless(lines: Array<(auth: URL) => string | null>, extra: Partial<HeadlessFlowOptions> = {}) {
    let auth: URL | undefined;
    const events: FlowEvent[] = [];
    const queue = [...lines];
    const options: HeadlessFlowOptions = {
      scopes: [ADWORDS],
      discover: false,
      redirectUri: 'http://127.0.0.1:49999/',
      retry: true,
      timeoutMs: 5_000,
      onAuthorizationUrl: (url) => {
        auth = url;
      },
      onEvent: (event) => events.push(event),
      readLine: async () => {
        const next = queue.shift();
        return next ? next(auth!) : null;
      },
      ...extra,
    };
    let result;
    let error: unknown;
    try {
      result = await runHeadlessFlow(createConfiguration(makeClient()), options);
    } catch (caught) {
      error = caught;
    }
    return { result, error, events, auth };
  }

  const good = (a: URL): string => redirectFor(a, { state: a.searchParams.get('state')!, code: CODE });

  it('exchanges the pasted address', async () => {
    fake.next({ body: tokenBody() });
    const { result, error, auth } = await headless([(a) => `  ${good(a)}\n`]);
    assert.equal(error, undefined, String(error));
    assert.equal(result!.refreshToken, '1//fake-refresh-token');
    assert.equal(auth!.searchParams.get('redirect_uri'), 'http://127.0.0.1:49999/');
    assert.equal(fake.requests[0]!.form.get('redirect_uri'), 'http://127.0.0.1:49999/');
  });

  it('asks again after a bad paste when retry is on', async () => {
    fake.next({ body: tokenBody() });
    const { result, events } = await headless([(a) => `"${good(a)}"`, (a) => a.href, good]);
    assert.ok(result);
    const reasons = events.filter((e) => e.type === 'callback-rejected').map((e) => (e.type === 'callback-rejected' ? e.reason : ''));
    assert.deepEqual(reasons, ['quoted', 'authorization_url']);
    assert.equal(fake.requests.length, 1);
  });

  it('fails on the first bad paste when retry is off', async () => {
    const { error } = await headless([(a) => `"${good(a)}"`, good], { retry: false });
    assert.ok(error instanceof AdsOAuthError && error.code === 'INVALID_CALLBACK', String(error));
    assert.equal(error.details['reason'], 'quoted');
    assert.equal(fake.requests.length, 0);
  });

  it('an address from another run gets a clear message and never reaches the token endpoint', async () => {
    const { error } = await headless([(a) => redirectFor(a, { state: 'old-run', code: CODE })], { retry: false });
    assert.ok(error instanceof AdsOAuthError && error.code === 'INVALID_CALLBACK', String(error));
    assert.match(error.message, /another run/);
    assert.equal(fake.requests.length, 0);
  });

  it('end of input → INVALID_CALLBACK eof', async () => {
    const { error } = await headless([]);
    assert.ok(error instanceof AdsOAuthError && error.code === 'INVALID_CALLBACK' && error.details['reason'] === 'eof', String(error));
  });

  it('access_denied pasted → ACCESS_DENIED (ends even with retry on)', async () => {
    const { error } = await headless([(a) => redirectFor(a, { state: a.searchParams.get('state')!, error: 'access_denied' }), good]);
    assert.ok(error instanceof AdsOAuthError && error.code === 'ACCESS_DENIED', String(error));
  });

  it('no paste in time → TIMEOUT', async () => {
    const { error } = await headless([], { timeoutMs: 150, readLine: () => new Promise(() => {}) });
    assert.ok(error instanceof AdsOAuthError && error.code === 'TIMEOUT', String(error));
  });

  it('abort → INTERRUPTED', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const { error } = await headless([], { signal: controller.signal, readLine: () => new Promise(() => {}) });
    assert.ok(error instanceof AdsOAuthError && error.code === 'INTERRUPTED', String(error));
  });

  it('the instructions name the redirect URI', () => {
    assert.ok(headlessInstructions('http://127.0.0.1:49999/').includes('http://127.0.0.1:49999/'));
  });
});

describe('AuthorizationSession', () => {
  it('shows the consent URL before the discovery request is sent', async () => {
    fake.next({ body: tokenBody() });
    const order: string[] = [];
    const fetchImpl: FetchLike = async (input, init) => {
      order.push(`fetch ${new URL(String(input)).pathname}`);
      return createNodeFetch()(input, init);
    };
    let browsing: Promise<unknown> = Promise.resolve();
    const result = await runLoopbackFlow(createConfiguration(makeClient(), undefined, { fetch: fetchImpl }), {
      scopes: [ADWORDS],
      timeoutMs: 5_000,
      onAuthorizationUrl: (url) => {
        order.push('url');
        browsing = browserGet(redirectFor(url, { state: url.searchParams.get('state')!, code: CODE }));
      },
    });
    await browsing;
    assert.ok(result.refreshToken);
    assert.equal(order[0], 'url', `order: ${order.join(', ')}`);
    assert.ok(
      order.some((o) => o.includes('.well-known')),
      `discovery was attempted: ${order.join(', ')}`,
    );
  });

  it('validates state before any token request', async () => {
    const session = await AuthorizationSession.start(
      createConfiguration(makeClient()),
      { scopes: [ADWORDS], discover: false, onAuthorizationUrl: () => {} },
      'http://127.0.0.1:1/',
    );
    await assert.rejects(session.complete(new URL(`http://127.0.0.1:1/?state=wrong&code=${CODE}`)), (error: unknown) =>
      isForeignCallback(error),
    );
    assert.equal(fake.requests.length, 0);
    assert.equal(isForeignCallback(new AdsOAuthError('ACCESS_DENIED', 'x')), false);
  });
});
