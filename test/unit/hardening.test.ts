// Regression tests for defects a review found by reproduction: each fails on the code before its fix.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdsOAuthError } from '../../src/errors.js';
import { runLoopbackFlow } from '../../src/flows/loopback.js';
import { planRedirect } from '../../src/flows/redirect.js';
import { validateCallback, type ValidatedCallback } from '../../src/protocol/callback.js';
import { parseClientSecrets, type OAuthClientConfig } from '../../src/protocol/client-file.js';
import { escapeControlCharacters, providerText } from '../../src/protocol/redact.js';
import { createConfiguration } from '../../src/protocol/config.js';
import { exchangeCode } from '../../src/protocol/tokens.js';
import { createNodeFetch } from '../../src/transport/node-fetch.js';
import { startFakeTokenEndpoint, tokenBody, type FakeTokenEndpoint } from '../support/fake-token-endpoint.js';
import { installedClientJson } from '../support/client-file.js';

const ADWORDS = 'https://www.googleapis.com/auth/adwords';
const SECRET = 'GOCSPX-hardening-secret-0123';
const CODE = '4/0AVG7fiQ-hardening-code-0123456789';
const VERIFIER = 'v'.repeat(43);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let fake: FakeTokenEndpoint;
before(async () => {
  fake = await startFakeTokenEndpoint();
});
after(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

function client(kind: 'installed' | 'web' = 'installed', redirectUris: string[] = ['http://localhost']): OAuthClientConfig {
  return parseClientSecrets(
    JSON.stringify({
      [kind]: {
        client_id: 'h.apps.googleusercontent.com',
        client_secret: SECRET,
        auth_uri: fake.authUri,
        token_uri: fake.tokenUri,
        redirect_uris: redirectUris,
      },
    }),
    'h.json',
  );
}

/** A raw HTTP/1.1 request with the request-target exactly as given (no URL normalisation). */
function rawGet(port: number, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    });
    let head = '';
    socket.on('data', (chunk: Buffer) => (head += chunk.toString()));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Callback parameters as validateCallback hands them to exchangeCode (oauth4webapi insists). */
const exchangeParams = (c: OAuthClientConfig): ValidatedCallback =>
  validateCallback(createConfiguration(c), { state: 'st' }, new URLSearchParams({ code: CODE, state: 'st' }));

describe('loopback flow: a stray callback cannot hold up the genuine one', () => {
  it('a wrong-state callback is refused at once even while discovery is still running', async () => {
    fake.next({ body: tokenBody() });
    const nodeFetch = createNodeFetch();
    let releaseDiscovery!: () => void;
    const discoveryGate = new Promise<void>((resolve) => (releaseDiscovery = resolve));
    const slowDiscovery = async (input: string | URL, init?: RequestInit): Promise<Response> => {
      if (String(input).includes('/.well-known/')) await discoveryGate;
      return nodeFetch(input, init);
    };
    const statuses: number[] = [];
    let browsing: Promise<void> = Promise.resolve();
    const result = await runLoopbackFlow(createConfiguration(client(), undefined, { fetch: slowDiscovery }), {
      scopes: [ADWORDS],
      timeoutMs: 10_000,
      onAuthorizationUrl: (url) => {
        const redirect = new URL(url.searchParams.get('redirect_uri')!);
        browsing = (async () => {
          const stray = new URL(redirect);
          stray.searchParams.set('state', 'stale');
          stray.searchParams.set('code', 'nope');
          statuses.push(await get(stray.href)); // must be answered while discovery still hangs
          const genuine = new URL(redirect);
          genuine.searchParams.set('state', url.searchParams.get('state')!);
          genuine.searchParams.set('code', CODE);
          const answer = get(genuine.href);
          releaseDiscovery();
          statuses.push(await answer);
        })();
      },
    });
    await browsing;
    assert.equal(result.refreshToken, '1//fake-refresh-token');
    assert.deepEqual(statuses, [400, 200]);
    assert.equal(fake.requests.length, 1, 'exactly one exchange, of the genuine code');
    assert.equal(fake.requests[0]!.form.get('code'), CODE);
  });
});

describe('loopback listener: the path is matched as sent', () => {
  for (const target of ['//favicon.ico', '/x/../', '/./', 'http://evil.example/?state=s&code=c', '//ignored.example/?state=s&code=c']) {
    it(`GET ${target} → 404, never handed to the flow`, async () => {
      let port = 0;
      let handed = 0;
      const flow = runLoopbackFlow(createConfiguration(client()), {
        scopes: [ADWORDS],
        timeoutMs: 1_500,
        discover: false,
        onAuthorizationUrl: async (url) => {
          port = Number(new URL(url.searchParams.get('redirect_uri')!).port);
        },
        onEvent: (event) => {
          if (event.type === 'callback-rejected' || event.type === 'exchanging') handed++;
        },
      });
      const settled = flow.then(
        () => undefined,
        (error: unknown) => error,
      );
      while (port === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(await rawGet(port, target), 404);
      const error = await settled;
      assert.ok(error instanceof AdsOAuthError && error.code === 'TIMEOUT', String(error));
      assert.equal(handed, 0);
      assert.equal(fake.requests.length, 0);
    });
  }
});

describe('exchangeCode: any OAuth 2.0 provider, and nothing secret in messages', () => {
  it('an ID token whose issuer is not the auth_uri origin does not cost the refresh token (issuer not discovered)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
    const claims = Buffer.from(
      JSON.stringify({
        iss: `${fake.origin}/tenant/v2.0`,
        aud: 'h.apps.googleusercontent.com',
        sub: 'u',
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 600,
      }),
    ).toString('base64url');
    fake.next({ body: tokenBody({ id_token: `${header}.${claims}.c2ln`, scope: `openid ${ADWORDS}` }) });
    const c = client();
    const result = await exchangeCode(createConfiguration(c, undefined), exchangeParams(c), {
      codeVerifier: VERIFIER,
      redirectUri: 'http://127.0.0.1:1/',
      scopes: [ADWORDS],
    });
    assert.equal(result.refreshToken, '1//fake-refresh-token');
  });

  it('a provider that echoes the request body in error_description has the code, verifier and secret redacted', async () => {
    const echoed = `could not parse grant_type=authorization_code&code=${encodeURIComponent(CODE)}&code_verifier=${VERIFIER}&client_secret=${SECRET}`;
    fake.next({ status: 400, body: { error: 'invalid_request', error_description: echoed } });
    const c = client();
    await assert.rejects(
      exchangeCode(createConfiguration(c, undefined), exchangeParams(c), {
        codeVerifier: VERIFIER,
        redirectUri: 'http://127.0.0.1:1/',
        scopes: [ADWORDS],
      }),
      (error: unknown) => {
        assert.ok(error instanceof AdsOAuthError && error.code === 'TOKEN_ENDPOINT', String(error));
        const text = `${error.message} ${JSON.stringify(error.details)}`;
        for (const secret of [CODE, encodeURIComponent(CODE), VERIFIER, SECRET]) assert.ok(!text.includes(secret), `leaked ${secret}`);
        assert.match(error.message, /\[redacted\]/);
        return true;
      },
    );
  });

  it('a connection broken after the code was sent says the code may be spent', async () => {
    fake.next({ hangUp: true });
    const c = client();
    await assert.rejects(
      exchangeCode(createConfiguration(c, undefined, { fetch: createNodeFetch() }), exchangeParams(c), {
        codeVerifier: VERIFIER,
        redirectUri: 'http://127.0.0.1:1/',
        scopes: [ADWORDS],
      }),
      (error: unknown) =>
        error instanceof AdsOAuthError &&
        error.code === 'NETWORK' &&
        /may have been spent/.test(error.message) &&
        error.hints.includes('retry'),
    );
  });
});

describe('planRedirect: the default port', () => {
  it('--port 80 matches a web client registered on http://127.0.0.1/cb (no explicit port)', () => {
    const plan = planRedirect(client('web', ['http://127.0.0.1/cb']), { port: 80, randomPort: () => 50_000 });
    assert.deepEqual(plan, { mode: 'loopback', redirectUri: 'http://127.0.0.1/cb' });
  });
});

describe('CLI output to a reader that went away', () => {
  it('a closed stdout (EPIPE) ends the process quietly with exit 141 (the output reached no one), without a stack trace', async () => {
    const child = spawn(process.execPath, [`${ROOT}dist/cli/generate-user-credentials.cjs`, '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the help is written
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 141, stderr);
    assert.doesNotMatch(stderr, /\bat .*\.js:\d+/);
  });
});

describe('terminal escape sequences from outside are shown, never obeyed (issue 10 defect 5)', () => {
  const HOSTILE = 'bad\x1b]0;owned\x07 \x1b[2J\x1b[31mred\x9b1m \u202eevil\u202c end';
  const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

  it('escapeControlCharacters and providerText turn ESC, BEL, C1 and bidi overrides into visible escapes', () => {
    assert.equal(escapeControlCharacters('a\x1b[2Jb\x07c\tline\nnext\x9b\u202e'), 'a\\x1b[2Jb\\x07c\tline\nnext\\x9b\\u202e');
    const text = providerText(HOSTILE, []);
    assert.doesNotMatch(text, RAW);
    assert.match(text, /\\x1b\]0;owned\\x07/);
  });

  it('a token endpoint error_description with escapes reaches the message escaped', async () => {
    fake.next({ status: 400, body: { error: 'invalid_grant\x1b[2J', error_description: HOSTILE } });
    const error = await exchangeCode(createConfiguration(client()), exchangeParams(client()), {
      redirectUri: 'http://127.0.0.1:1/',
      codeVerifier: VERIFIER,
      scopes: [ADWORDS],
    }).catch((e: unknown) => e);
    assert.ok(error instanceof AdsOAuthError);
    assert.doesNotMatch(error.message, RAW);
    assert.match(error.message, /\\x1b/);
  });

  for (const field of ['refresh_token', 'access_token'] as const) {
    it(`a ${field} with control characters is refused, never printed or saved`, async () => {
      fake.next({ body: tokenBody({ [field]: `1//tok\x1b]8;;https://evil.example\x07en` }) });
      const error = await exchangeCode(createConfiguration(client()), exchangeParams(client()), {
        redirectUri: 'http://127.0.0.1:1/',
        codeVerifier: VERIFIER,
        scopes: [ADWORDS],
      }).catch((e: unknown) => e);
      assert.ok(error instanceof AdsOAuthError, String(error));
      assert.equal(error.code, 'PROVIDER_RESPONSE');
      assert.match(error.message, new RegExp(`${field} with characters that RFC 6749 does not allow`));
      assert.match(error.message, /code is spent/);
    });
  }

  it('the CLI prints a hostile provider error with the escapes visible (a real process, verify)', async () => {
    fake.next({ status: 400, body: { error: 'invalid_request', error_description: HOSTILE } });
    const dir = await mkdtemp(join(tmpdir(), 'ads-oauth-esc-'));
    const secrets = join(dir, 'client.json');
    await writeFile(
      secrets,
      installedClientJson({
        clientId: 'h.apps.googleusercontent.com',
        clientSecret: SECRET,
        authUri: fake.authUri,
        tokenUri: fake.tokenUri,
      }),
    );
    try {
      const child = spawn(process.execPath, [`${ROOT}dist/cli/ads-oauth.cjs`, 'verify', '--client_secrets_path', secrets], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, NODE_NO_WARNINGS: '1', ADS_OAUTH_TOKEN_URI: fake.tokenUri },
      });
      child.stdin.end('1//hostile-test-refresh-token\n');
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('latin1')));
      child.stderr.on('data', (c: Buffer) => (out += c.toString('latin1')));
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      assert.notEqual(code, 0, out);
      assert.ok(fake.requests.length >= 1, out);
      assert.match(out, /owned/, out);
      assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f]/, JSON.stringify(out));
      assert.doesNotMatch(out, /\x1b|\x07/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
