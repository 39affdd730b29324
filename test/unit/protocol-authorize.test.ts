import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { AdsOAuthError } from '../../src/errors.js';
import { createAuthorizationRequest } from '../../src/protocol/authorize.js';
import { defineClient } from '../../src/protocol/client-file.js';
import { createConfiguration, type Configuration } from '../../src/protocol/config.js';
import { ADWORDS_SCOPE, DEFAULT_SCOPES, missingScopes, normalizeScopes, resolveScopes } from '../../src/protocol/scopes.js';

const EMAIL = 'https://www.googleapis.com/auth/userinfo.email';
const PROFILE = 'https://www.googleapis.com/auth/userinfo.profile';

function client(authUri = 'https://accounts.google.com/o/oauth2/auth'): Configuration {
  return createConfiguration(
    defineClient({
      kind: 'installed',
      clientId: '1234-abc.apps.googleusercontent.com',
      clientSecret: 'GOCSPX-never-in-the-url',
      authUri,
      redirectUris: ['http://localhost'],
      source: 'test',
    }),
  );
}

const b64url = (buffer: Buffer): string => buffer.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

describe('createAuthorizationRequest', () => {
  it('builds the URL Google needs for a refresh token', async () => {
    const redirectUri = 'http://127.0.0.1:53123/';
    const request = await createAuthorizationRequest(client(), { redirectUri, scopes: [ADWORDS_SCOPE] });
    const url = request.url;
    assert.equal(url.origin + url.pathname, 'https://accounts.google.com/o/oauth2/auth');
    const p = url.searchParams;
    assert.equal(p.get('client_id'), '1234-abc.apps.googleusercontent.com');
    assert.equal(p.get('response_type'), 'code');
    assert.equal(p.get('access_type'), 'offline');
    assert.equal(p.get('prompt'), 'consent');
    assert.equal(p.get('include_granted_scopes'), 'true');
    assert.equal(p.get('code_challenge_method'), 'S256');
    assert.equal(p.get('redirect_uri'), redirectUri);
    assert.equal(p.get('scope'), ADWORDS_SCOPE);
    assert.equal(p.get('state'), request.state);
    // Every parameter appears once.
    for (const key of new Set(p.keys())) assert.equal(p.getAll(key).length, 1, key);
  });

  it('never puts the client secret in the URL', async () => {
    const request = await createAuthorizationRequest(client(), { redirectUri: 'http://127.0.0.1:1/', scopes: [ADWORDS_SCOPE] });
    assert.ok(!request.url.href.includes('GOCSPX'));
    assert.equal(request.url.searchParams.get('client_secret'), null);
  });

  it('sends code_challenge = BASE64URL(SHA256(verifier)) and keeps the verifier out of the URL', async () => {
    const request = await createAuthorizationRequest(client(), { redirectUri: 'http://127.0.0.1:1/', scopes: [ADWORDS_SCOPE] });
    const expected = b64url(createHash('sha256').update(request.codeVerifier, 'ascii').digest());
    assert.equal(request.url.searchParams.get('code_challenge'), expected);
    assert.ok(!request.url.href.includes(request.codeVerifier));
  });

  it('computes the challenge with the codeChallenge option when given (serve: a synchronous node:crypto hash)', async () => {
    const seen: string[] = [];
    const request = await createAuthorizationRequest(client(), {
      redirectUri: 'http://127.0.0.1:1/',
      scopes: [ADWORDS_SCOPE],
      codeChallenge: (verifier) => {
        seen.push(verifier);
        return createHash('sha256').update(verifier).digest('base64url');
      },
    });
    assert.deepEqual(seen, [request.codeVerifier]);
    assert.equal(request.url.searchParams.get('code_challenge'), b64url(createHash('sha256').update(request.codeVerifier).digest()));
  });

  it('uses a verifier of 43 to 128 unreserved characters (RFC 7636 §4.1)', async () => {
    for (let i = 0; i < 20; i++) {
      const { codeVerifier } = await createAuthorizationRequest(client(), { redirectUri: 'http://127.0.0.1:1/', scopes: [ADWORDS_SCOPE] });
      assert.match(codeVerifier, /^[A-Za-z0-9\-._~]{43,128}$/);
    }
  });

  it('uses a state of at least 128 bits (22+ base64url characters), fresh every call', async () => {
    const states = new Set<string>();
    const verifiers = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const request = await createAuthorizationRequest(client(), { redirectUri: 'http://127.0.0.1:1/', scopes: [ADWORDS_SCOPE] });
      assert.match(request.state, /^[A-Za-z0-9_-]{22,}$/);
      states.add(request.state);
      verifiers.add(request.codeVerifier);
    }
    assert.equal(states.size, 50);
    assert.equal(verifiers.size, 50);
  });

  it('state and verifier are unrelated', async () => {
    const request = await createAuthorizationRequest(client(), { redirectUri: 'http://127.0.0.1:1/', scopes: [ADWORDS_SCOPE] });
    assert.notEqual(request.state, request.codeVerifier);
  });

  it('sends login_hint only when given', async () => {
    const without = await createAuthorizationRequest(client(), { redirectUri: 'http://127.0.0.1:1/', scopes: [ADWORDS_SCOPE] });
    assert.equal(without.url.searchParams.has('login_hint'), false);
    const empty = await createAuthorizationRequest(client(), {
      redirectUri: 'http://127.0.0.1:1/',
      scopes: [ADWORDS_SCOPE],
      loginHint: '',
    });
    assert.equal(empty.url.searchParams.has('login_hint'), false);
    const withHint = await createAuthorizationRequest(client(), {
      redirectUri: 'http://127.0.0.1:1/',
      scopes: [ADWORDS_SCOPE],
      loginHint: 'ads+manager@example.com',
    });
    assert.equal(withHint.url.searchParams.get('login_hint'), 'ads+manager@example.com');
  });

  it('joins scopes with single spaces, in order', async () => {
    const scopes = [ADWORDS_SCOPE, 'openid', EMAIL];
    const request = await createAuthorizationRequest(client(), { redirectUri: 'http://127.0.0.1:1/', scopes });
    assert.equal(request.url.searchParams.get('scope'), `${ADWORDS_SCOPE} openid ${EMAIL}`);
    // Encoded as form data: spaces as "+" or "%20", never commas.
    assert.match(request.url.search, /scope=https%3A%2F%2Fwww\.googleapis\.com%2Fauth%2Fadwords(\+|%20)openid/);
    assert.deepEqual(request.scopes, scopes);
    assert.notEqual(request.scopes, scopes, 'the request keeps its own copy of the scope list');
  });

  it('sends the redirect URI exactly (no trailing slash added, path kept)', async () => {
    for (const redirectUri of [
      'http://127.0.0.1:8080',
      'http://localhost:8080/oauth2callback',
      'http://[::1]:9000/cb?x=1',
      'https://example.com/a%20b',
    ]) {
      const request = await createAuthorizationRequest(client(), { redirectUri, scopes: [ADWORDS_SCOPE] });
      assert.equal(request.url.searchParams.get('redirect_uri'), redirectUri);
      assert.equal(request.redirectUri, redirectUri);
    }
  });

  it("keeps the auth_uri's own query parameters", async () => {
    const request = await createAuthorizationRequest(client('https://login.example.com/authorize?p=B2C_1_signin&tenant=acme'), {
      redirectUri: 'http://127.0.0.1:1/',
      scopes: [ADWORDS_SCOPE],
    });
    assert.equal(request.url.searchParams.get('p'), 'B2C_1_signin');
    assert.equal(request.url.searchParams.get('tenant'), 'acme');
    assert.equal(request.url.pathname, '/authorize');
    assert.equal(request.url.searchParams.get('response_type'), 'code');
  });

  it('cannot be made to drop PKCE or offline access through auth_uri or extraParams', async () => {
    const request = await createAuthorizationRequest(
      client('https://accounts.google.com/o/oauth2/auth?response_type=token&code_challenge_method=plain&access_type=online'),
      {
        redirectUri: 'http://127.0.0.1:1/',
        scopes: [ADWORDS_SCOPE],
        extraParams: { hd: 'example.com', prompt: 'none', state: 'attacker', code_challenge_method: 'plain', client_id: 'other' },
      },
    );
    const p = request.url.searchParams;
    assert.equal(p.get('hd'), 'example.com');
    assert.equal(p.get('response_type'), 'code');
    assert.equal(p.get('code_challenge_method'), 'S256');
    assert.equal(p.get('access_type'), 'offline');
    assert.equal(p.get('prompt'), 'consent');
    assert.equal(p.get('state'), request.state);
    assert.notEqual(request.state, 'attacker');
    assert.equal(p.get('client_id'), '1234-abc.apps.googleusercontent.com');
    assert.equal(p.getAll('response_type').length, 1);
  });

  it('refuses an empty scope list with USAGE', async () => {
    await assert.rejects(
      createAuthorizationRequest(client(), { redirectUri: 'http://127.0.0.1:1/', scopes: [] }),
      (error: unknown) => error instanceof AdsOAuthError && error.code === 'USAGE' && /scope/.test(error.message),
    );
  });
});

describe('normalizeScopes', () => {
  it('splits comma- and space-separated values, drops empties and duplicates, keeps first order', () => {
    assert.deepEqual(normalizeScopes([`${ADWORDS_SCOPE}, openid`, 'email  profile', '', ' , ', 'openid', ADWORDS_SCOPE]), [
      ADWORDS_SCOPE,
      'openid',
      'email',
      'profile',
    ]);
  });

  it('handles tabs and newlines', () => {
    assert.deepEqual(normalizeScopes(['a\tb\nc']), ['a', 'b', 'c']);
  });

  it('returns an empty list for nothing', () => {
    assert.deepEqual(normalizeScopes([]), []);
    assert.deepEqual(normalizeScopes(['', ' ']), []);
  });
});

describe('resolveScopes', () => {
  it('defaults to the adwords scope', () => {
    assert.deepEqual(resolveScopes({}), [ADWORDS_SCOPE]);
    assert.deepEqual(DEFAULT_SCOPES, [ADWORDS_SCOPE]);
  });

  it('additional scopes extend the default', () => {
    assert.deepEqual(resolveScopes({ additional: ['openid,email'] }), [ADWORDS_SCOPE, 'openid', 'email']);
  });

  it('scopes replace the default', () => {
    assert.deepEqual(resolveScopes({ scopes: ['https://www.googleapis.com/auth/drive'] }), ['https://www.googleapis.com/auth/drive']);
  });

  it('an empty scopes list keeps the default', () => {
    assert.deepEqual(resolveScopes({ scopes: [] }), [ADWORDS_SCOPE]);
  });

  it('scopes plus additional, deduplicated', () => {
    assert.deepEqual(resolveScopes({ scopes: ['a b'], additional: ['b', 'c'] }), ['a', 'b', 'c']);
  });

  it('does not return the shared default array', () => {
    const scopes = resolveScopes({});
    scopes.push('mutated');
    assert.deepEqual(resolveScopes({}), [ADWORDS_SCOPE]);
  });
});

describe('missingScopes', () => {
  it('undefined granted scope means everything was granted (RFC 6749 §5.1)', () => {
    assert.deepEqual(missingScopes([ADWORDS_SCOPE, 'openid'], undefined), []);
  });

  it('an empty granted scope means nothing was granted', () => {
    assert.deepEqual(missingScopes([ADWORDS_SCOPE], ''), [ADWORDS_SCOPE]);
  });

  it('lists the requested scopes absent from the granted string, in request order', () => {
    assert.deepEqual(missingScopes([ADWORDS_SCOPE, 'openid', EMAIL], `openid  ${ADWORDS_SCOPE}`), [EMAIL]);
  });

  it('treats email/profile and their full URLs as the same scope, both ways', () => {
    assert.deepEqual(missingScopes([EMAIL, PROFILE], 'email profile'), []);
    assert.deepEqual(missingScopes(['email', 'profile'], `${EMAIL} ${PROFILE}`), []);
    assert.deepEqual(missingScopes(['email', PROFILE], `${EMAIL}`), [PROFILE]);
  });

  it('does not treat a prefix or a similar scope as granted', () => {
    assert.deepEqual(missingScopes([ADWORDS_SCOPE], 'https://www.googleapis.com/auth/adwords.readonly'), [ADWORDS_SCOPE]);
    assert.deepEqual(missingScopes(['https://www.googleapis.com/auth/adwords.readonly'], ADWORDS_SCOPE), [
      'https://www.googleapis.com/auth/adwords.readonly',
    ]);
  });

  it('extra granted scopes (include_granted_scopes) do not matter', () => {
    assert.deepEqual(missingScopes([ADWORDS_SCOPE], `openid ${ADWORDS_SCOPE} https://www.googleapis.com/auth/drive`), []);
  });
});
