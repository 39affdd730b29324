// The verify, revoke and customers command functions, run with an in-memory CLI context against
// the fake Google APIs: flags, credential sources, stdout/stderr discipline, --json shapes and the
// error each failure raises (which the dispatcher turns into an exit code).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { customersCommand } from '../../src/cli/commands/customers.js';
import { revokeCommand, revokeEffect } from '../../src/cli/commands/revoke.js';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import type { CliContext } from '../../src/cli/context.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { isAdsOAuthError, type AdsOAuthError } from '../../src/errors.js';
import { ADWORDS_SCOPE, adsError, oauthError, startFakeGoogleApis, type FakeGoogleApis } from '../support/fake-google-apis.js';
import { assertNoSecrets as assertNoneOf } from '../support/secrets.js';

let fake: FakeGoogleApis;
let dir: string;
let secretsPath: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  error?: AdsOAuthError;
}

function sink(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** Runs a command like the dispatcher does: errors become "Error: …" on stderr and an exit code. */
async function run(
  command: (args: string[], ctx: CliContext) => Promise<number>,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; tty?: boolean } = {},
): Promise<Run> {
  const out = sink();
  const err = sink();
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.tty) stdin.isTTY = true;
  if (options.stdin !== undefined) stdin.end(options.stdin);
  else if (!options.tty) stdin.end();
  const ctx: CliContext = {
    env: { ...fake.env(), ...(options.env ?? {}) },
    cwd: dir,
    homedir: dir,
    stdin,
    stdout: out.stream,
    stderr: err.stream,
    signal: new AbortController().signal,
    hasDisplay: false,
    debug: false,
    out: (line) => void out.stream.write(`${line}\n`),
    err: (line) => void err.stream.write(`${line}\n`),
  };
  try {
    const code = await command(args, ctx);
    return { code, stdout: out.text(), stderr: err.text() };
  } catch (error) {
    if (!isAdsOAuthError(error)) throw error;
    ctx.err(`Error: ${error.message}`);
    return { code: exitCodeFor(error.code), stdout: out.text(), stderr: err.text(), error };
  }
}

function assertNoSecrets(r: Run, extra: string[] = []): void {
  assertNoneOf(r, [fake.clientSecret, fake.refreshToken, ...extra], { patterns: [/ya29\.fake-access/] });
}

function onlyJson(stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `stdout must hold exactly one JSON object, got: ${stdout}`);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

before(async () => {
  fake = await startFakeGoogleApis();
  dir = await mkdtemp(join(tmpdir(), 'ads-oauth-lifecycle-'));
  secretsPath = join(dir, 'client_secret.json');
  await writeFile(
    secretsPath,
    JSON.stringify({
      installed: {
        client_id: fake.clientId,
        client_secret: fake.clientSecret,
        auth_uri: `${fake.origin}/auth`,
        token_uri: fake.tokenUri,
        redirect_uris: ['http://localhost'],
      },
    }),
  );
});
after(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

describe('credential sources', () => {
  it('needs --config or --client_secrets_path', async () => {
    const r = await run(verifyCommand, []);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--config \[PATH\].*--client_secrets_path/s);
  });

  it('reads the refresh token from GOOGLE_ADS_REFRESH_TOKEN', async () => {
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath], { env: { GOOGLE_ADS_REFRESH_TOKEN: fake.refreshToken } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fake.requestsTo('token')[0]?.form?.['refresh_token'], fake.refreshToken);
  });

  it('reads the refresh token from the first non-empty line of stdin', async () => {
    const r = await run(verifyCommand, [`--client-secrets-path=${secretsPath}`], { stdin: `\n${fake.refreshToken}\n` });
    assert.equal(r.code, 0, r.stderr);
    assertNoSecrets(r);
  });

  it('refuses to read the token from a terminal', async () => {
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath], { tty: true });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /GOOGLE_ADS_REFRESH_TOKEN/);
  });

  it('fails on empty stdin', async () => {
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath], { stdin: '' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /No refresh token on stdin/);
  });

  it('rejects plain http endpoints that are not loopback', async () => {
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath], {
      env: { GOOGLE_ADS_REFRESH_TOKEN: fake.refreshToken, ADS_OAUTH_TOKENINFO_URI: 'http://example.com/tokeninfo' },
    });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /must use https/);
  });
});

describe('ads-oauth verify', () => {
  const env = (): Record<string, string> => ({ GOOGLE_ADS_REFRESH_TOKEN: fake.refreshToken });

  it('a tokeninfo endpoint that echoes the request does not put the access token on stderr or in --json (issue 10, defect 4)', async () => {
    let sent = '';
    fake.on('tokeninfo', (request) => {
      sent = request.form?.['access_token'] ?? '';
      return {
        status: 400,
        json: { error: `invalid_token ${request.body}`, error_description: `Invalid Value: ${request.body} (access_token=${sent})` },
      };
    });
    for (const extra of [[], ['--json']]) {
      const r = await run(verifyCommand, ['--client_secrets_path', secretsPath, ...extra], { env: env() });
      assert.equal(r.code, 9, r.stderr);
      assert.ok(sent.startsWith('ya29.'), 'the access token was sent');
      assert.ok(!r.stderr.includes(sent) && !r.stdout.includes(sent), `the access token leaked: ${r.stderr}${r.stdout}`);
      assert.ok(!r.stderr.includes(encodeURIComponent(sent)) && !r.stdout.includes(encodeURIComponent(sent)));
      assert.match(`${r.stderr}${r.stdout}`, /\[redacted\]/);
    }
  });

  it('prints the checks and exits 0 when everything holds', async () => {
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PASS\s+refresh/);
    assert.match(r.stdout, /PASS\s+scope/);
    assert.match(r.stdout, new RegExp(`Client:\\s+${fake.clientId.replace(/\./g, '\\.')}`));
    assert.match(r.stdout, /The refresh token works\./);
    assert.equal(r.stderr, '');
    assertNoSecrets(r);
  });

  it('--json: exactly one object, field by field', async () => {
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath, '--json'], {
      env: { ...env(), GOOGLE_ADS_DEVELOPER_TOKEN: 'devtoken-abcdef' },
    });
    assert.equal(r.code, 0, r.stderr);
    const j = onlyJson(r.stdout);
    assert.equal(j['ok'], true);
    assert.deepEqual(j['scopes'], [ADWORDS_SCOPE]);
    assert.equal(j['clientId'], fake.clientId);
    assert.equal(j['expiresIn'], 3599);
    assert.equal(typeof j['expiresAt'], 'string');
    assert.deepEqual(j['customers'], ['1234567890', '9876543210']);
    assert.deepEqual(j['problems'], []);
    assert.deepEqual(
      (j['checks'] as { id: string; status: string }[]).map((c) => `${c.id}:${c.status}`),
      ['refresh:pass', 'tokeninfo:pass', 'scope:pass', 'client:pass', 'ads_api:pass'],
    );
    assert.deepEqual(j['endpoints'], { token: fake.tokenUri, tokeninfo: fake.tokeninfoUri, adsApi: `${fake.adsEndpoint}/v26` });
    assert.equal(fake.requestsTo('listAccessibleCustomers')[0]?.headers['developer-token'], 'devtoken-abcdef');
    assertNoSecrets(r, ['devtoken-abcdef']);
  });

  it('invalid_grant: exit 9, JSON with the five causes, message naming the provider error on stderr', async () => {
    fake.on('token', oauthError('invalid_grant', 'Token has been expired or revoked.'));
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath, '--json'], { env: env() });
    assert.equal(r.code, 9);
    const j = onlyJson(r.stdout);
    assert.equal(j['ok'], false);
    const problems = j['problems'] as {
      code: string;
      errorCode: string;
      check: string;
      cause: string;
      fix: string;
      causes: { id: string }[];
      details: Record<string, unknown>;
    }[];
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.code, 'invalid_grant');
    assert.equal(problems[0]!.errorCode, 'TOKEN_ENDPOINT');
    assert.equal(problems[0]!.check, 'refresh');
    assert.deepEqual(
      problems[0]!.causes.map((c) => c.id),
      ['testing_mode_7_days', 'revoked', 'unused_6_months', 'token_limit', 'password_change_gmail'],
    );
    assert.equal(problems[0]!.details['error'], 'invalid_grant');
    assert.equal(problems[0]!.details['status'], 400);
    assert.match(r.stderr, /^Error: The refresh token does not work\.\n\[invalid_grant\]/);
    assert.match(
      r.stderr,
      /\[invalid_grant\] The provider refused the refresh token \(invalid_grant: "Token has been expired or revoked\."\): it expired or was revoked\.\n {2}Possible causes, most likely first:\n {4}1\. .*Testing/,
    );
    assert.match(r.stderr, /4\. Too many refresh tokens: Google keeps at most 100/);
    assert.match(r.stderr, /5\. The user changed their Google password/);
    assert.ok(!/at .*\.ts:\d+/.test(r.stderr), 'no stack trace');
    assertNoSecrets(r);
  });

  for (const [error, status] of [
    ['invalid_client', 401],
    ['unauthorized_client', 400],
    ['invalid_scope', 400],
  ] as const) {
    it(`${error}: exit 9 with cause and fix`, async () => {
      fake.on('token', oauthError(error, undefined, status));
      const r = await run(verifyCommand, ['--client_secrets_path', secretsPath], { env: env() });
      assert.equal(r.code, 9);
      assert.match(r.stderr, new RegExp(`\\[${error}\\]`));
      assert.match(r.stderr, /Fix: /);
      assert.match(r.stdout, /FAIL\s+refresh/);
    });
  }

  it('network failure only: exit 7 so scripts can retry', async () => {
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath, '--json'], {
      env: { ...env(), ADS_OAUTH_TOKEN_URI: 'http://127.0.0.1:9/token' },
    });
    assert.equal(r.code, 7);
    const j = onlyJson(r.stdout);
    assert.equal((j['problems'] as { code: string }[])[0]?.code, 'network');
  });

  it('slow token endpoint: --timeout turns it into a timeout problem within the limit', async () => {
    fake.on('token', { delayMs: 2500, json: {} });
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath, '--timeout', '1'], { env: env() });
    assert.equal(r.code, 7);
    assert.match(r.stderr, /\[timeout\]/);
  });

  it('missing adwords scope: exit 9', async () => {
    fake.on('tokeninfo', { json: { azp: fake.clientId, aud: fake.clientId, scope: 'openid', expires_in: '10' } });
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath], { env: env() });
    assert.equal(r.code, 9);
    assert.match(r.stderr, /The refresh token works only partly/);
    assert.match(r.stderr, /\[scope_missing\]/);
  });

  it('client mismatch: exit 9', async () => {
    fake.on('tokeninfo', { json: { azp: 'someone-else', aud: 'someone-else', scope: ADWORDS_SCOPE } });
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath, '--json'], { env: env() });
    assert.equal(r.code, 9);
    const problems = onlyJson(r.stdout)['problems'] as { code: string; details: unknown }[];
    assert.equal(problems[0]?.code, 'client_mismatch');
    assert.deepEqual(problems[0]?.details, { expected: fake.clientId, actual: 'someone-else' });
  });

  for (const [family, code, httpStatus, status] of [
    ['authorizationError', 'DEVELOPER_TOKEN_NOT_APPROVED', 403, 'PERMISSION_DENIED'],
    ['authorizationError', 'USER_PERMISSION_DENIED', 403, 'PERMISSION_DENIED'],
    ['authenticationError', 'NOT_ADS_USER', 401, 'UNAUTHENTICATED'],
  ] as const) {
    it(`Ads API ${code}: exit 9, --json problem field by field`, async () => {
      fake.on('listAccessibleCustomers', adsError(httpStatus, status, { [family]: code }, 'denied'));
      const r = await run(verifyCommand, ['--client_secrets_path', secretsPath, '--json', '--ads-api'], { env: env() });
      assert.equal(r.code, 9);
      const j = onlyJson(r.stdout);
      const [p] = j['problems'] as {
        code: string;
        errorCode: string;
        check: string;
        cause: string;
        fix: string;
        details: Record<string, unknown>;
      }[];
      assert.equal(p!.code, code);
      assert.equal(p!.errorCode, 'ADS_API');
      assert.equal(p!.check, 'ads_api');
      assert.ok(p!.cause.length > 20 && p!.fix.length > 20);
      assert.equal(p!.details['httpStatus'], httpStatus);
      assert.equal(p!.details['status'], status);
      assert.deepEqual(p!.details['errors'], [`${family}: ${code}`]);
      assert.equal(p!.details['requestId'], 'fake-request-id');
      assert.equal(fake.requestsTo('listAccessibleCustomers')[0]?.headers['developer-token'], undefined);
      assert.match(r.stderr, new RegExp(`\\[${code}\\]`));
    });
  }

  it('--api-version picks the Ads API version', async () => {
    const r = await run(verifyCommand, ['--client_secrets_path', secretsPath, '--ads-api', '--api-version', '24'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fake.requestsTo('listAccessibleCustomers')[0]?.url, '/v24/customers:listAccessibleCustomers');
  });

  it('--help goes to stdout and names every environment variable', async () => {
    const r = await run(verifyCommand, ['--help']);
    assert.equal(r.code, 0);
    for (const name of [
      'ADS_OAUTH_TOKEN_URI',
      'ADS_OAUTH_REVOKE_URI',
      'ADS_OAUTH_TOKENINFO_URI',
      'GOOGLE_ADS_API_ENDPOINT',
      'GOOGLE_ADS_REFRESH_TOKEN',
    ]) {
      assert.match(r.stdout, new RegExp(name));
    }
  });
});

describe('ads-oauth revoke', () => {
  it('revokes with client auth and confirms on stdout', async () => {
    const r = await run(revokeCommand, ['--client_secrets_path', secretsPath], { stdin: fake.refreshToken });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `Revoked the refresh token at ${fake.revokeUri}.\nRFC 7009 lets the provider end the whole grant with it (Google does): other refresh tokens from the same consent may have stopped working too.\n`,
    );
    const [call] = fake.requestsTo('revoke');
    assert.equal(call!.form?.['token'], fake.refreshToken);
    assert.equal(call!.form?.['client_secret'], fake.clientSecret);
    assertNoSecrets(r);
  });

  it('says that at Google it ended the whole grant, on every machine (stdout and --json)', async () => {
    assert.match(
      revokeEffect('https://oauth2.googleapis.com/revoke'),
      /ended the whole grant: every refresh token this Google account gave this OAuth client, on every machine/,
    );
    assert.match(revokeEffect('https://accounts.google.com/o/oauth2/revoke'), /whole grant/);
    assert.doesNotMatch(revokeEffect('https://evil-google.com.example/revoke'), /this Google account/);
    const r = await run(revokeCommand, ['--client_secrets_path', secretsPath, '--json'], { stdin: fake.refreshToken });
    assert.equal(r.code, 0, r.stderr);
    assert.match(String(onlyJson(r.stdout)['effect']), /end the whole grant/);
    const help = await run(revokeCommand, ['--help']);
    assert.match(
      help.stdout,
      /At Google this ends the\s+whole grant: every\s+refresh token that Google account gave this OAuth client, on\s+every machine/,
    );
  });

  it('--json for an already-invalid token: success with a note', async () => {
    fake.on('revoke', oauthError('invalid_token', 'Token expired or revoked'));
    const r = await run(revokeCommand, ['--client_secrets_path', secretsPath, '--json'], { stdin: fake.refreshToken });
    assert.equal(r.code, 0);
    const j = onlyJson(r.stdout);
    assert.equal(j['revoked'], true);
    assert.equal(j['alreadyInvalid'], true);
    assert.match(String(j['note']), /already expired or revoked/);
    assert.equal(j['attempts'], 1);
    assert.equal(j['clientAuthenticated'], true);
    assert.equal(j['endpoint'], fake.revokeUri);
    assert.equal(j['effect'], undefined, 'nothing was ended by revoking a dead token');
    assert.match(r.stderr, /^Note: /);
  });

  it('retries 5xx and reports the attempts', async () => {
    fake.on('revoke', { status: 503, body: 'busy' }, { json: {} });
    const r = await run(revokeCommand, ['--client_secrets_path', secretsPath, '--json'], { stdin: fake.refreshToken });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(onlyJson(r.stdout)['attempts'], 2);
  });

  it('a refusal exits 6 with the provider error named', async () => {
    fake.on('revoke', oauthError('invalid_client', 'Unauthorized', 401));
    const r = await run(revokeCommand, ['--client_secrets_path', secretsPath], { stdin: fake.refreshToken });
    assert.equal(r.code, 6);
    assert.match(r.stderr, /invalid_client/);
    assert.equal(r.stdout, '');
    assertNoSecrets(r);
  });

  it('--remove needs --config', async () => {
    const r = await run(revokeCommand, ['--client_secrets_path', secretsPath, '--remove'], { stdin: fake.refreshToken });
    assert.equal(r.code, 2);
    assert.equal(fake.requestsTo('revoke').length, 0);
  });
});

describe('ads-oauth customers', () => {
  const env = (): Record<string, string> => ({ GOOGLE_ADS_REFRESH_TOKEN: fake.refreshToken });

  it('prints one customer ID per line', async () => {
    const r = await run(customersCommand, ['--client_secrets_path', secretsPath], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1234567890\n9876543210\n');
  });

  it('--json --details: one object with customers and failures', async () => {
    fake.on('listAccessibleCustomers', {
      json: { resourceNames: ['customers/1234567890', 'customers/9876543210', 'customers/5555555555'] },
    });
    const r = await run(customersCommand, ['--client_secrets_path', secretsPath, '--json', '--details'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const j = onlyJson(r.stdout);
    assert.deepEqual(j['customers'], [
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
      { id: '5555555555', resourceName: 'customers/5555555555' },
    ]);
    const failures = j['failures'] as { id: string; problem: { code: string } }[];
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.id, '5555555555');
    assert.equal(failures[0]!.problem.code, 'USER_PERMISSION_DENIED');
    assert.equal(j['apiVersion'], 'v26');
    assert.match(r.stderr, /Could not read the details of customer 5555555555/);
  });

  it('--details prints a table', async () => {
    const r = await run(customersCommand, ['--client_secrets_path', secretsPath, '--details'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      '1234567890  123-456-7890  manager  EUR  Europe/Berlin  "Acme Manager"\n9876543210  987-654-3210  client  USD  America/New_York  test account  "Acme Shop"\n',
    );
  });

  it('a refused list exits 6 with the diagnosis', async () => {
    fake.on('listAccessibleCustomers', adsError(401, 'UNAUTHENTICATED', { authenticationError: 'NOT_ADS_USER' }));
    const r = await run(customersCommand, ['--client_secrets_path', secretsPath, '--json'], { env: env() });
    assert.equal(r.code, 6);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /\[NOT_ADS_USER\]/);
  });

  it('an invalid_grant refresh exits 6 with the likely causes', async () => {
    fake.on('token', oauthError('invalid_grant'));
    const r = await run(customersCommand, ['--client_secrets_path', secretsPath], { env: env() });
    assert.equal(r.code, 6);
    assert.match(r.stderr, /Possible causes, most likely first/);
  });

  it('--set-login-customer-id needs --config', async () => {
    const r = await run(customersCommand, ['--client_secrets_path', secretsPath, '--set-login-customer-id', '1234567890'], { env: env() });
    assert.equal(r.code, 2);
  });
});

// Config-file cases need src/stores/config-file.ts (written by another developer).
describe('config files', () => {
  let configPath: string;
  beforeEach(async () => {
    configPath = join(dir, 'google-ads.yaml');
    await writeFile(
      configPath,
      [
        '# my settings',
        `developer_token: devtoken-abcdef`,
        `client_id: ${fake.clientId}`,
        `client_secret: ${fake.clientSecret}`,
        `refresh_token: ${fake.refreshToken}`,
        'use_proto_plus: True',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  });

  it('verify --config PATH reads every credential, developer token included', async () => {
    const r = await run(verifyCommand, ['--config', configPath, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(onlyJson(r.stdout)['customers'], ['1234567890', '9876543210']);
    assertNoSecrets(r, ['devtoken-abcdef']);
  });

  it('verify --config without a path uses GOOGLE_ADS_CONFIGURATION_FILE_PATH', async () => {
    const r = await run(verifyCommand, ['--config', '--json'], { env: { GOOGLE_ADS_CONFIGURATION_FILE_PATH: configPath } });
    assert.equal(r.code, 0, r.stderr);
  });

  it('revoke --remove revokes, then removes refresh_token and keeps the rest', async () => {
    const r = await run(revokeCommand, ['--config', configPath, '--remove', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = onlyJson(r.stdout);
    assert.deepEqual(j['removed'], { path: configPath, key: 'refresh_token' });
    const text = await readFile(configPath, 'utf8');
    assert.ok(!text.includes('refresh_token'));
    assert.match(text, /# my settings/);
    assert.match(text, /use_proto_plus: True/);
    assert.equal(fake.requestsTo('revoke')[0]?.form?.['token'], fake.refreshToken);
  });

  it('customers --set-login-customer-id ID writes login_customer_id', async () => {
    const r = await run(customersCommand, ['--config', configPath, '--set-login-customer-id', '123-456-7890', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(onlyJson(r.stdout)['loginCustomerId'], { id: '1234567890', path: configPath, key: 'login_customer_id' });
    assert.match(await readFile(configPath, 'utf8'), /login_customer_id: ["']?1234567890["']?\n/);
  });

  it('customers --set-login-customer-id on a terminal lets the user pick', async () => {
    const r = await run(customersCommand, ['--config', configPath, '--set-login-customer-id'], { tty: true, stdin: 'x\n1\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, / 1\. 123-456-7890 {2}manager {2}EUR {2}Europe\/Berlin {2}"Acme Manager"/);
    assert.match(r.stderr, /Enter a number from 1 to 2/);
    assert.match(r.stderr, /Wrote login_customer_id = 1234567890/);
    assert.match(await readFile(configPath, 'utf8'), /login_customer_id: ["']?1234567890["']?\n/);
  });

  it('customers --set-login-customer-id with an ADC file (no such key) is refused before any API call', async () => {
    const adcPath = join(dirname(configPath), 'adc.json');
    await writeFile(
      adcPath,
      JSON.stringify({
        type: 'authorized_user',
        client_id: fake.clientId,
        client_secret: fake.clientSecret,
        refresh_token: fake.refreshToken,
      }),
    );
    fake.reset();
    const r = await run(customersCommand, ['--config', adcPath, '--format', 'adc', '--set-login-customer-id', '1234567890']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no key for the login customer ID/i);
    assert.equal(fake.requests.length, 0, 'no token or Ads API request was made');
  });

  it('customers --set-login-customer-id without ID off a terminal is a usage error', async () => {
    const r = await run(customersCommand, ['--config', configPath, '--set-login-customer-id']);
    assert.equal(r.code, 2);
  });

  it('a config without a refresh token names the key', async () => {
    await writeFile(
      configPath,
      `client_id: ${fake.clientId}\nclient_secret: ${fake.clientSecret}\nrefresh_token: INSERT_REFRESH_TOKEN_HERE\n`,
    );
    const r = await run(verifyCommand, ['--config', configPath]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /has no refresh_token/);
  });
});
