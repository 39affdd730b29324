import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdsOAuthError } from '../../src/errors.js';
import { firstLoopbackRedirect, parseClientSecrets, type OAuthClientConfig } from '../../src/protocol/client-file.js';
import { allowsInsecure, isLoopbackHost, parseEndpoint } from '../../src/protocol/urls.js';

const SOURCE = '/home/me/Downloads/client_secret_1234.json';
const SECRET = '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';

/** An "installed" (Desktop app) client file, field for field as the Cloud console downloads it. */
function installedFile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    installed: {
      client_id: '123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com',
      project_id: 'my-ads-project-123456',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_secret: SECRET,
      redirect_uris: ['http://localhost'],
      ...overrides,
    },
  };
}

/** A "web" (Web application) client file as downloaded. */
function webFile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    web: {
      client_id: '123456789012-webwebwebwebwebwebwebwebwebweb01.apps.googleusercontent.com',
      project_id: 'my-ads-project-123456',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_secret: SECRET,
      redirect_uris: ['https://example.com/oauth2callback', 'http://localhost:8080/oauth2callback', 'http://127.0.0.1:8080'],
      javascript_origins: ['https://example.com', 'http://localhost:8080'],
      ...overrides,
    },
  };
}

/** Parses and expects an AdsOAuthError; returns it after the checks every message must pass. */
function parseError(text: string, code: 'CLIENT_FILE' | 'INSECURE_ENDPOINT' = 'CLIENT_FILE', secrets: string[] = [SECRET]): AdsOAuthError {
  let caught: unknown;
  try {
    parseClientSecrets(text, SOURCE);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof AdsOAuthError, `expected an AdsOAuthError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(caught.message.includes(SOURCE), `message does not name the file: ${caught.message}`);
  for (const secret of secrets) {
    assert.ok(!caught.message.includes(secret), `message leaks the client secret: ${caught.message}`);
    assert.ok(!JSON.stringify(caught.toJSON()).includes(secret), 'toJSON leaks the client secret');
  }
  return caught;
}

const json = (value: unknown): string => JSON.stringify(value, null, 2);

describe('parseClientSecrets: files as Google downloads them', () => {
  it('reads an installed (Desktop app) client with every field', () => {
    const client = parseClientSecrets(json(installedFile()), SOURCE);
    assert.equal(client.kind, 'installed');
    assert.equal(client.clientId, '123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com');
    assert.equal(client.clientSecret, SECRET);
    assert.equal(client.projectId, 'my-ads-project-123456');
    assert.ok(client.authUri instanceof URL);
    assert.equal(client.authUri.href, 'https://accounts.google.com/o/oauth2/auth');
    assert.equal(client.tokenUri.href, 'https://oauth2.googleapis.com/token');
    assert.deepEqual(client.redirectUris, ['http://localhost']);
    assert.equal(client.source, SOURCE);
  });

  it('reads a web client with javascript_origins, keeping redirect URIs as registered strings', () => {
    const client = parseClientSecrets(json(webFile()), SOURCE);
    assert.equal(client.kind, 'web');
    assert.equal(client.clientSecret, SECRET);
    assert.deepEqual(client.redirectUris, [
      'https://example.com/oauth2callback',
      'http://localhost:8080/oauth2callback',
      'http://127.0.0.1:8080',
    ]);
  });

  it('reads the compact one-line form the console actually writes', () => {
    const client = parseClientSecrets(JSON.stringify(installedFile()), SOURCE);
    assert.equal(client.kind, 'installed');
  });

  it('accepts a UTF-8 byte-order mark (files saved by Windows editors)', () => {
    const client = parseClientSecrets(`\uFEFF${json(installedFile())}`, SOURCE);
    assert.equal(client.kind, 'installed');
    assert.equal(client.clientSecret, SECRET);
  });

  it('accepts a file without redirect_uris or project_id', () => {
    const file = installedFile();
    const body = file['installed'] as Record<string, unknown>;
    delete body['redirect_uris'];
    delete body['project_id'];
    const client = parseClientSecrets(json(file), SOURCE);
    assert.deepEqual(client.redirectUris, []);
    assert.equal(client.projectId, undefined);
    assert.ok(!('projectId' in client));
  });

  it('trims whitespace around the client ID and secret', () => {
    const client = parseClientSecrets(
      json(installedFile({ client_id: '  abc.apps.googleusercontent.com\n', client_secret: ` ${SECRET} ` })),
      SOURCE,
    );
    assert.equal(client.clientId, 'abc.apps.googleusercontent.com');
    assert.equal(client.clientSecret, SECRET);
  });

  it('uses a default source name in messages when none is given', () => {
    assert.throws(
      () => parseClientSecrets(''),
      (error: unknown) => error instanceof AdsOAuthError && error.message.startsWith('client secrets:'),
    );
  });
});

describe('parseClientSecrets: unusable files', () => {
  it('an empty file', () => {
    const error = parseError('');
    assert.match(error.message, /empty/);
    assert.equal(error.details['path'], SOURCE);
  });

  it('a file of only whitespace', () => {
    assert.match(parseError('  \n\t\r\n ').message, /empty/);
  });

  it('not JSON, with the Cloud console hint', () => {
    const error = parseError('client_id=abc\nclient_secret=def');
    assert.match(error.message, /not valid JSON/);
    assert.match(error.message, /Download it again from the Google Cloud console/);
  });

  it('truncated JSON', () => {
    assert.match(parseError(json(installedFile()).slice(0, 120)).message, /not valid JSON/);
  });

  it('JSON that is an array', () => {
    assert.match(parseError(json([installedFile()])).message, /JSON object/);
  });

  it('JSON that is null, a string or a number', () => {
    for (const text of ['null', '"installed"', '42']) assert.match(parseError(text).message, /JSON object/);
  });

  it('a service-account key, with how to create an OAuth client instead', () => {
    const key = {
      type: 'service_account',
      project_id: 'my-ads-project-123456',
      private_key_id: 'abc123',
      private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQ...\n-----END PRIVATE KEY-----\n',
      client_email: 'ads@my-ads-project-123456.iam.gserviceaccount.com',
      client_id: '112233445566778899',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
    };
    const error = parseError(json(key), 'CLIENT_FILE', ['MIIEvQ']);
    assert.match(error.message, /service-account key/);
    assert.match(error.message, /OAuth client ID/);
    assert.match(error.message, /Desktop app/);
  });

  it('a private_key without a type is still recognised as a service-account key', () => {
    assert.match(parseError(json({ private_key: 'x', client_email: 'a@b' })).message, /service-account key/);
  });

  it('an authorized_user file (it already holds a refresh token)', () => {
    const file = {
      type: 'authorized_user',
      client_id: 'abc.apps.googleusercontent.com',
      client_secret: SECRET,
      refresh_token: '1//refresh-value',
    };
    const error = parseError(json(file), 'CLIENT_FILE', [SECRET, '1//refresh-value']);
    assert.match(error.message, /authorized_user/);
    assert.match(error.message, /not an OAuth client secrets file/);
  });

  it('neither installed nor web: the message lists the keys found', () => {
    const error = parseError(json({ client_id: 'abc', client_secret: SECRET, other: 1 }));
    assert.match(error.message, /"installed"/);
    assert.match(error.message, /"web"/);
    assert.match(error.message, /found keys: client_id, client_secret, other/);
  });

  it('an empty object: the message says no keys were found', () => {
    assert.match(parseError('{}').message, /found keys: none/);
  });

  it('"installed" that is not an object', () => {
    for (const value of ['abc', 42, [], null]) {
      const message = parseError(json({ installed: value })).message;
      assert.match(message, /"installed"|found keys/, message);
    }
  });

  for (const field of ['client_id', 'client_secret', 'auth_uri', 'token_uri']) {
    it(`missing ${field}`, () => {
      const file = installedFile();
      delete (file['installed'] as Record<string, unknown>)[field];
      const error = parseError(json(file));
      assert.ok(error.message.includes(`"installed.${field}" is missing or empty`), error.message);
    });

    it(`empty ${field} (and blank)`, () => {
      for (const value of ['', '   ']) {
        const error = parseError(json(installedFile({ [field]: value })));
        assert.ok(error.message.includes(`"installed.${field}" is missing or empty`), error.message);
      }
    });

    it(`${field} that is not a string`, () => {
      const error = parseError(json(installedFile({ [field]: 12345 })));
      assert.ok(error.message.includes(`installed.${field}`), error.message);
    });
  }

  it('names "web." in messages for web clients', () => {
    const error = parseError(json(webFile({ client_secret: '' })));
    assert.ok(error.message.includes('"web.client_secret" is missing or empty'), error.message);
  });

  it('redirect_uris that is not an array', () => {
    assert.match(parseError(json(webFile({ redirect_uris: 'http://127.0.0.1:8080' }))).message, /redirect_uris" must be an array/);
  });

  it('drops non-string and empty redirect URIs', () => {
    const client = parseClientSecrets(json(webFile({ redirect_uris: ['', 42, null, 'http://127.0.0.1:9000/cb'] })), SOURCE);
    assert.deepEqual(client.redirectUris, ['http://127.0.0.1:9000/cb']);
  });

  it('a malformed JSON file never quotes the client secret (V8 quotes source text around the error)', () => {
    // A hand-edited file where the secret lost its quotes: V8's message is
    // `Unexpected token 's', ..."t_secret":s3cr3t-v"... is not valid JSON`.
    const secret = 's3cr3t-v';
    parseError(`{"installed":{"client_id":"abc","client_secret":${secret}}}`, 'CLIENT_FILE', [secret]);
  });
});

describe('parseClientSecrets: endpoint security', () => {
  it('rejects a plain-http auth_uri on a non-loopback host with INSECURE_ENDPOINT', () => {
    const error = parseError(json(installedFile({ auth_uri: 'http://accounts.google.com/o/oauth2/auth' })), 'INSECURE_ENDPOINT');
    assert.match(error.message, /installed\.auth_uri/);
    assert.match(error.message, /https/);
    assert.equal(error.details['url'], 'http://accounts.google.com');
  });

  it('rejects a plain-http token_uri on a non-loopback host with INSECURE_ENDPOINT', () => {
    const error = parseError(json(installedFile({ token_uri: 'http://oauth2.googleapis.com/token' })), 'INSECURE_ENDPOINT');
    assert.match(error.message, /installed\.token_uri/);
  });

  it('rejects a LAN address and a lookalike name over http', () => {
    for (const uri of [
      'http://192.168.1.10/token',
      'http://10.0.0.1:8080/token',
      'http://127.0.0.1.nip.io/token',
      'http://localhost.evil.com/token',
    ]) {
      parseError(json(installedFile({ token_uri: uri })), 'INSECURE_ENDPOINT');
    }
  });

  it('rejects other schemes', () => {
    for (const uri of ['ftp://accounts.google.com/token', 'file:///etc/passwd', 'javascript:alert(1)']) {
      parseError(json(installedFile({ token_uri: uri })), 'INSECURE_ENDPOINT');
    }
  });

  it('accepts plain http on 127.0.0.1, localhost and [::1] (local providers, tests)', () => {
    for (const origin of ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://[::1]:9000', 'http://LOCALHOST']) {
      const client = parseClientSecrets(json(installedFile({ auth_uri: `${origin}/auth`, token_uri: `${origin}/token` })), SOURCE);
      assert.equal(client.tokenUri.href, new URL(`${origin}/token`).href);
      assert.equal(allowsInsecure(client.tokenUri), true);
    }
  });

  it('a URL that does not parse', () => {
    const error = parseError(json(installedFile({ token_uri: 'not a url' })));
    assert.match(error.message, /installed\.token_uri" is not a valid URL/);
    assert.match(error.message, /"not a url"/);
  });

  it('keeps the query of auth_uri (some providers put a tenant or a policy there)', () => {
    const client = parseClientSecrets(json(installedFile({ auth_uri: 'https://login.example.com/authorize?p=B2C_1_signin' })), SOURCE);
    assert.equal(client.authUri.searchParams.get('p'), 'B2C_1_signin');
  });
});

describe('parseEndpoint', () => {
  it('names the source and the field', () => {
    assert.throws(
      () => parseEndpoint('http://example.com/x', 'token_uri', 'ADS_OAUTH_TOKEN_URI'),
      (error: unknown) =>
        error instanceof AdsOAuthError &&
        error.code === 'INSECURE_ENDPOINT' &&
        error.message.startsWith('ADS_OAUTH_TOKEN_URI: "token_uri" must use https') &&
        error.details['field'] === 'token_uri',
    );
    assert.throws(
      () => parseEndpoint(undefined, 'token_uri', 'env'),
      (error: unknown) => error instanceof AdsOAuthError && error.code === 'CLIENT_FILE',
    );
  });

  it('returns the parsed URL for https', () => {
    assert.equal(parseEndpoint('https://oauth2.googleapis.com/token', 'token_uri', 'x').href, 'https://oauth2.googleapis.com/token');
  });
});

describe('isLoopbackHost', () => {
  const cases: Array<[string, boolean]> = [
    ['127.0.0.1', true],
    ['127.0.0.2', true],
    ['127.255.255.254', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['localhost.', false],
    ['evil-localhost.com', false],
    ['localhost.evil.com', false],
    ['127.0.0.1.nip.io', false],
    ['127.0.0.1.evil.com', false],
    ['128.0.0.1', false],
    ['1127.0.0.1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['::ffff:127.0.0.1', false],
    ['192.168.0.1', false],
    ['example.com', false],
    ['', false],
  ];
  for (const [host, expected] of cases) {
    it(`${JSON.stringify(host)} → ${expected}`, () => {
      assert.equal(isLoopbackHost(host), expected);
    });
  }

  it('URL-normalised forms of loopback addresses count (127.1, 0x7f.1, [0:0::1])', () => {
    for (const text of ['http://127.1/', 'http://0x7f.0.0.1/', 'http://[0:0:0:0:0:0:0:1]/', 'http://2130706433/']) {
      assert.equal(isLoopbackHost(new URL(text).hostname), true, text);
    }
  });
});

describe('firstLoopbackRedirect', () => {
  const client = (redirectUris: string[]): OAuthClientConfig => ({
    kind: 'web',
    clientId: 'id',
    clientSecret: 'secret',
    authUri: new URL('https://accounts.google.com/o/oauth2/auth'),
    tokenUri: new URL('https://oauth2.googleapis.com/token'),
    redirectUris,
    source: SOURCE,
  });

  it('returns the registered string byte for byte (path kept)', () => {
    assert.equal(firstLoopbackRedirect(client(['http://localhost:8080/oauth2callback'])), 'http://localhost:8080/oauth2callback');
  });

  it('returns a URI without a trailing slash without adding one', () => {
    const result = firstLoopbackRedirect(client(['http://127.0.0.1:8080']));
    assert.equal(result, 'http://127.0.0.1:8080');
    assert.notEqual(result, new URL('http://127.0.0.1:8080').href);
  });

  it('keeps the registered spelling (case, default port, IPv6 brackets)', () => {
    assert.equal(firstLoopbackRedirect(client(['http://LocalHost:80/CallBack'])), 'http://LocalHost:80/CallBack');
    assert.equal(firstLoopbackRedirect(client(['http://[::1]:9004/cb'])), 'http://[::1]:9004/cb');
  });

  it('skips https loopback, non-loopback and unparsable entries, in order', () => {
    assert.equal(
      firstLoopbackRedirect(
        client([
          'https://127.0.0.1:8443/cb',
          'http://example.com/cb',
          'not a url',
          'http://127.0.0.1.nip.io/cb',
          'http://127.0.0.1:9000/second',
          'http://localhost:9001/third',
        ]),
      ),
      'http://127.0.0.1:9000/second',
    );
  });

  it('returns undefined when nothing is loopback', () => {
    assert.equal(firstLoopbackRedirect(client(['https://example.com/oauth2callback'])), undefined);
    assert.equal(firstLoopbackRedirect(client([])), undefined);
  });
});
