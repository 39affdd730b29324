// generate-user-credentials with unusable client secrets files, spawned as a real process: every
// problem is exit 3 with one paragraph on stderr that names the file, no stack trace, nothing on
// stdout, no listener started and no part of a secret from the file printed. No browser needed.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { killLeftovers, runCli, spawnCli, type CliExit } from '../support/cli.js';

const TOKEN_URI = 'https://oauth2.googleapis.com/token';
const AUTH_URI = 'https://accounts.google.com/o/oauth2/auth';
/** An old-style client secret (no GOCSPX- prefix): every character of it is secret. */
const SECRET = 'Xy7Qw9Lp2Rk4Tz8Vn3Bm6Jc1';

function installed(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    installed: {
      client_id: '123456789012-abcdefabcdefabcdefabcdefabcdefab.apps.googleusercontent.com',
      project_id: 'p',
      auth_uri: AUTH_URI,
      token_uri: TOKEN_URI,
      client_secret: SECRET,
      redirect_uris: ['http://localhost'],
      ...overrides,
    },
  };
}

/** Exit 3, one paragraph naming `path`, no stack, nothing on stdout, no flow started. */
function assertInputError(exit: CliExit, path: string, message: RegExp): void {
  assert.equal(exit.code, 3, `exit ${exit.code}\n${exit.stderr}`);
  assert.equal(exit.stdout, '', `stdout: ${exit.stdout}`);
  assert.ok(exit.stderr.includes(path), `the message does not name ${path}:\n${exit.stderr}`);
  assert.match(exit.stderr, message);
  assert.match(exit.stderr, /^Error: /);
  assert.equal(exit.stderr.trim().split(/\n\s*\n/).length, 1, `more than one paragraph:\n${exit.stderr}`);
  assert.doesNotMatch(exit.stderr, /^ {4}at /m, 'a stack trace was printed');
  assert.ok(!exit.stderr.includes('Paste this URL'), 'a flow was started');
}

/** No run of 6 characters of the secret appears in the output. */
function assertNoSecretFragment(exit: CliExit, secret: string): void {
  const all = `${exit.stdout}\n${exit.stderr}`;
  for (let i = 0; i + 6 <= secret.length; i++) {
    const fragment = secret.slice(i, i + 6);
    assert.ok(!all.includes(fragment), `a fragment of the client secret (${fragment}…) was printed:\n${all}`);
  }
}

describe('generate-user-credentials: unusable client secrets files', { timeout: 120_000 }, () => {
  let dir: string;
  const file = async (name: string, content: string | object): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2), { mode: 0o600 });
    return path;
  };
  const run = (path: string, extra: string[] = []) => runCli([`--client_secrets_path=${path}`, '--no-open', ...extra]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-client-file-'));
  });
  after(async () => {
    await killLeftovers();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<{ name: string; make: () => Promise<string>; message: RegExp }> = [
    { name: 'missing', make: async () => join(dir, 'does-not-exist.json'), message: /no such file/ },
    {
      name: 'a directory',
      make: async () => {
        const path = join(dir, 'a-directory');
        await mkdir(path, { recursive: true });
        return path;
      },
      message: /this is a directory/,
    },
    { name: 'empty', make: () => file('empty.json', ''), message: /the file is empty/ },
    { name: 'whitespace only', make: () => file('blank.json', '  \n\n '), message: /the file is empty/ },
    { name: 'not JSON', make: () => file('not-json.json', 'client_id = abc\nclient_secret = xyz\n'), message: /not valid JSON/ },
    { name: 'a JSON array', make: () => file('array.json', '[1, 2]'), message: /does not hold a JSON object/ },
    {
      name: 'a service-account key',
      make: () =>
        file('sa.json', {
          type: 'service_account',
          project_id: 'p',
          private_key_id: 'abc',
          private_key: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----\n`,
          client_email: 'sa@p.iam.gserviceaccount.com',
          client_id: '1234',
        }),
      message: /service-account key, not an OAuth client/,
    },
    {
      name: 'an authorized_user file',
      make: () => file('authorized-user.json', { type: 'authorized_user', client_id: 'x', client_secret: SECRET, refresh_token: '1//abc' }),
      message: /authorized_user credentials file/,
    },
    {
      name: 'neither installed nor web',
      make: () => file('neither.json', { other: { client_id: 'x', client_secret: SECRET } }),
      message: /top-level "installed" \(Desktop app\) or "web".*found keys: other/,
    },
    {
      name: '"installed" not an object',
      make: () => file('installed-string.json', { installed: 'x' }),
      message: /"installed" must be a JSON object/,
    },
    {
      name: 'missing client_secret',
      make: () => file('no-secret.json', installed({ client_secret: undefined })),
      message: /"installed\.client_secret" is missing or empty/,
    },
    {
      name: 'missing client_id',
      make: () => file('no-id.json', installed({ client_id: '' })),
      message: /"installed\.client_id" is missing or empty/,
    },
    {
      name: 'an http token_uri on a non-loopback host',
      make: () => file('http-token-uri.json', installed({ token_uri: 'http://oauth2.example.com/token' })),
      message: /"installed\.token_uri" must use https/,
    },
    {
      name: 'an http auth_uri on a non-loopback host',
      make: () => file('http-auth-uri.json', installed({ auth_uri: 'http://accounts.example.com/o/oauth2/auth' })),
      message: /"installed\.auth_uri" must use https/,
    },
    {
      name: 'a web client with no redirect URIs',
      make: () =>
        file('web-no-redirects.json', {
          web: {
            client_id: 'w.apps.googleusercontent.com',
            client_secret: SECRET,
            auth_uri: AUTH_URI,
            token_uri: TOKEN_URI,
            redirect_uris: [],
          },
        }),
      message: /no registered redirect URIs/,
    },
    {
      name: 'a web client without redirect_uris at all',
      make: () =>
        file('web-no-redirect-field.json', {
          web: { client_id: 'w.apps.googleusercontent.com', client_secret: SECRET, auth_uri: AUTH_URI, token_uri: TOKEN_URI },
        }),
      message: /no registered redirect URIs/,
    },
  ];

  for (const c of cases) {
    test(`client file ${c.name}: exit 3 naming the path`, { timeout: 60_000 }, async () => {
      const path = await c.make();
      const exit = await run(path);
      assertInputError(exit, path, c.message);
      assertNoSecretFragment(exit, SECRET);
    });
  }

  test('a client file error with --debug names the path too and prints no secret', { timeout: 60_000 }, async () => {
    const path = await file('debug-no-secret.json', installed({ client_secret: '' }));
    const exit = await run(path, ['--debug']);
    assert.equal(exit.code, 3, exit.stderr);
    assert.ok(exit.stderr.includes(path));
    assert.match(exit.stderr, /\[debug\] code=CLIENT_FILE/);
  });

  // Hand-edited files: V8's JSON.parse messages quote the text around the error, which may be
  // the client secret itself.
  test('a broken JSON file does not echo part of the client secret in the error', { timeout: 60_000 }, async () => {
    const text = `{"installed": {"client_id": "1234-abc.apps.googleusercontent.com", "client_secret": ${SECRET}, "token_uri": "${TOKEN_URI}"}}`;
    const path = await file('unquoted-secret.json', text);
    const exit = await run(path);
    assertInputError(exit, path, /not valid JSON/);
    assertNoSecretFragment(exit, SECRET);
  });

  test('--client_secrets_path is required: exit 2 (usage)', { timeout: 60_000 }, async () => {
    const exit = await runCli(['--no-open']);
    assert.equal(exit.code, 2, exit.stderr);
    assert.match(exit.stderr, /--client_secrets_path is required/);
    assert.equal(exit.stdout, '');
  });

  test('a ~/ path is expanded against HOME', { timeout: 60_000 }, async (t) => {
    const home = join(dir, 'home');
    await mkdir(home, { recursive: true });
    await writeFile(
      join(home, 'client.json'),
      JSON.stringify(installed({ auth_uri: 'http://127.0.0.1:9/o/oauth2/auth', token_uri: 'http://127.0.0.1:9/token' })),
    );
    const cli = await spawnCli(['--client_secrets_path=~/client.json', '--no-open'], { t, env: { HOME: home } });
    const url = await cli.consentUrl();
    assert.equal(url.origin, 'http://127.0.0.1:9');
    cli.kill('SIGTERM');
    assert.equal((await cli.waitForExit()).code, 130);
  });
});
