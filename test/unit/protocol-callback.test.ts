import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdsOAuthError, type ErrorCode } from '../../src/errors.js';
import { serverFromClient, type ServerInfo } from '../../src/protocol/authorization-server.js';
import { parsePastedCallback, validateCallback } from '../../src/protocol/callback.js';
import { defineClient, type OAuthClientConfig } from '../../src/protocol/client-file.js';
import { createConfiguration } from '../../src/protocol/config.js';

const STATE = 'Jm1nK4oQ7rS0tU3vW6xY9zA2bC5dE8fG1hI4jK7lM0n';
const CODE = '4/0AVG7fiQ-the-authorization-code-value';
const REDIRECT = 'http://127.0.0.1:8080/';

const client: OAuthClientConfig = defineClient({
  kind: 'installed',
  clientId: '1234-abc.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-secret',
  authUri: 'https://accounts.google.com/o/oauth2/auth',
  tokenUri: 'https://oauth2.googleapis.com/token',
  redirectUris: ['http://localhost'],
  source: 'test',
});

/** The server as the client file describes it: Google, no discovery, no RFC 9207 promise. */
const plain: ServerInfo = serverFromClient(client);

/** A discovered server that promises `iss` in every authorization response (RFC 9207). */
const strict: ServerInfo = {
  discovered: true,
  as: {
    issuer: 'https://accounts.google.com',
    authorization_endpoint: client.authUri.href,
    token_endpoint: client.tokenUri.href,
    authorization_response_iss_parameter_supported: true,
  },
};

function callback(query: string): URL {
  return new URL(`${REDIRECT}?${query}`);
}

function rejected(fn: () => unknown, code: ErrorCode, reason?: string): AdsOAuthError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof AdsOAuthError, `expected an AdsOAuthError, got ${String(caught)}`);
  assert.equal(caught.code, code, `${caught.code}: ${caught.message}`);
  if (reason !== undefined) assert.equal(caught.details['reason'], reason, caught.message);
  assert.ok(!caught.message.includes(CODE), 'the message leaks the authorization code');
  assert.ok(!caught.message.includes(STATE), 'the message leaks the state');
  return caught;
}

const validate = (query: string, server: ServerInfo = plain): URLSearchParams =>
  validateCallback(createConfiguration(client, server), { state: STATE }, callback(query));

describe('validateCallback: state', () => {
  it('accepts a callback with the right state and a code, and returns the code', () => {
    const params = validate(`state=${STATE}&code=${encodeURIComponent(CODE)}`);
    assert.equal(params.get('code'), CODE);
    assert.equal(params.get('state'), STATE);
  });

  it('accepts URLSearchParams as well as a URL', () => {
    const params = validateCallback(
      createConfiguration(client, plain),
      { state: STATE },
      new URLSearchParams({ state: STATE, code: CODE }),
    );
    assert.equal(params.get('code'), CODE);
  });

  it('does not modify the URL it was given', () => {
    const url = callback(`state=${STATE}&code=x&iss=https%3A%2F%2Faccounts.google.com`);
    validateCallback(createConfiguration(client, plain), { state: STATE }, url);
    assert.equal(url.searchParams.get('iss'), 'https://accounts.google.com');
  });

  it('state missing → INVALID_CALLBACK state_missing', () => {
    rejected(() => validate(`code=${CODE}`), 'INVALID_CALLBACK', 'state_missing');
  });

  it('state empty → INVALID_CALLBACK state_missing', () => {
    rejected(() => validate(`state=&code=${CODE}`), 'INVALID_CALLBACK', 'state_missing');
  });

  it('state mismatch → INVALID_CALLBACK state_mismatch', () => {
    const error = rejected(() => validate(`state=${STATE}x&code=${CODE}`), 'INVALID_CALLBACK', 'state_mismatch');
    assert.match(error.message, /another/);
  });

  it('state compared exactly (no case folding, no trimming)', () => {
    rejected(() => validate(`state=${STATE.toLowerCase()}&code=${CODE}`), 'INVALID_CALLBACK', 'state_mismatch');
    rejected(() => validate(`state=${STATE}%20&code=${CODE}`), 'INVALID_CALLBACK', 'state_mismatch');
  });

  for (const name of ['state', 'code', 'iss', 'error']) {
    it(`a repeated "${name}" parameter → INVALID_CALLBACK duplicate_parameter`, () => {
      const extra =
        name === 'state' ? `state=${STATE}` : name === 'code' ? 'code=other' : name === 'iss' ? 'iss=a&iss=b' : 'error=a&error=b';
      rejected(() => validate(`state=${STATE}&code=${CODE}&${extra}`), 'INVALID_CALLBACK', 'duplicate_parameter');
    });
  }

  it('no code → INVALID_CALLBACK code_missing', () => {
    rejected(() => validate(`state=${STATE}`), 'INVALID_CALLBACK', 'code_missing');
    rejected(() => validate(`state=${STATE}&code=`), 'INVALID_CALLBACK', 'code_missing');
  });
});

describe('validateCallback: error responses', () => {
  it('error=access_denied with the right state → ACCESS_DENIED', () => {
    const error = rejected(() => validate(`error=access_denied&state=${STATE}`), 'ACCESS_DENIED');
    assert.equal(error.details['error'], 'access_denied');
    assert.match(error.message, /Allow/);
  });

  it('access_denied includes the provider description', () => {
    const error = rejected(() => validate(`error=access_denied&error_description=User+cancelled&state=${STATE}`), 'ACCESS_DENIED');
    assert.match(error.message, /User cancelled/);
  });

  it('another error → AUTHORIZATION_ERROR with the error and a hint', () => {
    const error = rejected(
      () => validate(`error=invalid_scope&error_description=Some+requested+scopes+were+invalid&state=${STATE}`),
      'AUTHORIZATION_ERROR',
    );
    assert.equal(error.details['error'], 'invalid_scope');
    assert.match(error.message, /invalid_scope/);
    assert.match(error.message, /Some requested scopes were invalid/);
    assert.doesNotMatch(error.message, /--scopes/);
    assert.deepEqual(error.hints, ['scopes']);
  });

  it('an unknown error code → AUTHORIZATION_ERROR naming it', () => {
    const error = rejected(() => validate(`error=temporarily_unavailable&state=${STATE}`), 'AUTHORIZATION_ERROR');
    assert.match(error.message, /temporarily_unavailable/);
  });

  it('an error with a wrong state → INVALID_CALLBACK, not ACCESS_DENIED (a forged denial must not end the run)', () => {
    rejected(() => validate('error=access_denied&state=someone-elses'), 'INVALID_CALLBACK', 'state_mismatch');
  });

  it('an error without state → INVALID_CALLBACK state_missing', () => {
    rejected(() => validate('error=access_denied'), 'INVALID_CALLBACK', 'state_missing');
  });

  it('an error alongside a code still ends the flow with the error', () => {
    rejected(() => validate(`error=access_denied&code=${CODE}&state=${STATE}`), 'ACCESS_DENIED');
  });
});

describe('validateCallback: issuer (RFC 9207)', () => {
  it('strict server: the right iss is accepted', () => {
    const params = validate(`state=${STATE}&code=${CODE}&iss=${encodeURIComponent('https://accounts.google.com')}`, strict);
    assert.equal(params.get('code'), CODE);
  });

  it('strict server: another iss → ISSUER_MISMATCH naming the expected issuer', () => {
    const error = rejected(
      () => validate(`state=${STATE}&code=${CODE}&iss=${encodeURIComponent('https://evil.example')}`, strict),
      'ISSUER_MISMATCH',
    );
    assert.equal(error.details['expected'], 'https://accounts.google.com');
    assert.match(error.message, /https:\/\/accounts\.google\.com/);
  });

  it('strict server: iss missing → ISSUER_MISMATCH whose message says it is missing (issue 10, defect 8)', () => {
    const error = rejected(() => validate(`state=${STATE}&code=${CODE}`, strict), 'ISSUER_MISMATCH');
    assert.equal(error.details.reason, 'missing');
    assert.match(error.message, /no "iss" parameter/);
    assert.doesNotMatch(error.message, /does not name/);
  });

  it('strict server: a mismatched iss wins over an error in the response', () => {
    rejected(() => validate(`state=${STATE}&error=access_denied&iss=https%3A%2F%2Fevil.example`, strict), 'ISSUER_MISMATCH');
  });

  it('strict server: the state check still comes first', () => {
    rejected(() => validate(`state=other&code=${CODE}&iss=https%3A%2F%2Fevil.example`, strict), 'INVALID_CALLBACK', 'state_mismatch');
  });

  it('server that does not advertise RFC 9207: a present iss is still compared (RFC 9207 §2.4; issue 10, defect 8)', () => {
    // The authorization server's own iss passes; without discovery the issuer is only known by origin.
    for (const iss of ['https://accounts.google.com', 'https://accounts.google.com/']) {
      const params = validate(`state=${STATE}&code=${CODE}&iss=${encodeURIComponent(iss)}`);
      assert.equal(params.get('code'), CODE);
    }
    // One naming another server is a mix-up: refused before the exchange.
    for (const iss of ['https://evil.example', 'accounts.google.com', 'https://accounts.google.com.evil.example']) {
      const error = rejected(() => validate(`state=${STATE}&code=${CODE}&iss=${encodeURIComponent(iss)}`), 'ISSUER_MISMATCH');
      assert.equal(error.details.reason, 'mismatch');
    }
    // Absent is fine when nothing was promised.
    assert.equal(validate(`state=${STATE}&code=${CODE}`).get('code'), CODE);
  });

  it('a discovered server without the flag: a present iss must be its issuer, exactly', () => {
    const discovered: ServerInfo = { discovered: true, as: { ...strict.as, authorization_response_iss_parameter_supported: false } };
    rejected(() => validate(`state=${STATE}&code=${CODE}&iss=https%3A%2F%2Fevil.example`, discovered), 'ISSUER_MISMATCH');
    assert.equal(
      validate(`state=${STATE}&code=${CODE}&iss=${encodeURIComponent('https://accounts.google.com')}`, discovered).get('code'),
      CODE,
    );
    assert.equal(validate(`state=${STATE}&code=${CODE}`, discovered).get('code'), CODE);
  });
});

describe("validateCallback: Google's extra parameters", () => {
  it('tolerates scope, authuser, prompt and hd', () => {
    const query = new URLSearchParams({
      state: STATE,
      code: CODE,
      scope: 'https://www.googleapis.com/auth/adwords openid',
      authuser: '0',
      hd: 'example.com',
      prompt: 'consent',
    });
    const params = validate(query.toString());
    assert.equal(params.get('code'), CODE);
    assert.equal(params.get('scope'), 'https://www.googleapis.com/auth/adwords openid');
  });

  it('tolerates them on a strict server too', () => {
    const params = validate(`state=${STATE}&code=${CODE}&scope=x&authuser=1&prompt=none&iss=https%3A%2F%2Faccounts.google.com`, strict);
    assert.equal(params.get('code'), CODE);
  });

  it('refuses implicit-flow tokens in the callback', () => {
    rejected(() => validate(`state=${STATE}&code=${CODE}&id_token=eyJ`), 'INVALID_CALLBACK');
  });
});

describe('parsePastedCallback', () => {
  const good = `${REDIRECT}?state=${STATE}&code=${encodeURIComponent(CODE)}&scope=https://www.googleapis.com/auth/adwords`;

  function bad(input: string, reason: string, redirectUri = REDIRECT): AdsOAuthError {
    let caught: unknown;
    try {
      parsePastedCallback(input, redirectUri);
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof AdsOAuthError, `expected an AdsOAuthError for ${JSON.stringify(input)}`);
    assert.equal(caught.code, 'INVALID_CALLBACK');
    assert.equal(caught.details['reason'], reason, caught.message);
    assert.ok(!caught.message.includes(CODE), 'the message leaks the code');
    return caught;
  }

  it('returns the URL for a good paste', () => {
    const url = parsePastedCallback(good, REDIRECT);
    assert.equal(url.searchParams.get('code'), CODE);
    assert.equal(url.searchParams.get('state'), STATE);
  });

  it('trims leading and trailing whitespace and line breaks', () => {
    const url = parsePastedCallback(`  \t${good}\r\n`, REDIRECT);
    assert.equal(url.searchParams.get('code'), CODE);
  });

  it('accepts an error callback (access_denied) for validateCallback to report', () => {
    const url = parsePastedCallback(`${REDIRECT}?error=access_denied&state=${STATE}`, REDIRECT);
    assert.equal(url.searchParams.get('error'), 'access_denied');
  });

  it('accepts a registered redirect without a trailing slash', () => {
    const url = parsePastedCallback(`http://127.0.0.1:8080/?state=${STATE}&code=x`, 'http://127.0.0.1:8080');
    assert.equal(url.searchParams.get('code'), 'x');
  });

  it('empty', () => {
    bad('', 'empty');
    bad('   \n', 'empty');
  });

  it('quoted', () => {
    bad(`"${good}"`, 'quoted');
    bad(`'${good}'`, 'quoted');
    bad(`\`${good}\``, 'quoted');
    bad(`${good}"`, 'quoted');
  });

  it('whitespace or a line break inside', () => {
    const cut = `${good.slice(0, 40)}\n${good.slice(40)}`;
    assert.match(bad(cut, 'whitespace').message, /one line/);
    bad(`${good.slice(0, 40)} ${good.slice(40)}`, 'whitespace');
  });

  it('not a URL', () => {
    const error = bad(CODE, 'not_a_url');
    assert.ok(error.message.includes(REDIRECT), 'the message shows what the address starts with');
    bad('127.0.0.1:8080/?code=x', 'not_a_url');
  });

  it('the authorization URL instead of the redirected address', () => {
    const consent = `https://accounts.google.com/o/oauth2/auth?client_id=abc&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&state=${STATE}&scope=x`;
    assert.match(bad(consent, 'authorization_url').message, /consent URL/);
  });

  it('another redirect: other port, other host, other path, other scheme', () => {
    bad(`http://127.0.0.1:8081/?state=${STATE}&code=x`, 'other_redirect');
    bad(`http://localhost:8080/?state=${STATE}&code=x`, 'other_redirect');
    bad(`http://127.0.0.1:8080/other?state=${STATE}&code=x`, 'other_redirect');
    bad(`https://127.0.0.1:8080/?state=${STATE}&code=x`, 'other_redirect');
    bad(`http://localhost:8080/cb?state=${STATE}&code=x`, 'other_redirect', 'http://localhost:8080/oauth2callback');
  });

  it('truncated: no code (and no error)', () => {
    assert.match(bad(`${REDIRECT}?state=${STATE}`, 'truncated').message, /"code"/);
    bad(`${REDIRECT}?sta`, 'truncated');
    bad(REDIRECT, 'truncated');
  });

  it('truncated: a code but no state', () => {
    assert.match(bad(`${REDIRECT}?code=${encodeURIComponent(CODE)}`, 'truncated').message, /"state"/);
  });
});
