import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { configCommand } from '../../src/cli/commands/config.js';
import type { CliContext } from '../../src/cli/context.js';
import { isAdsOAuthError } from '../../src/errors.js';
import { getFormat } from '../../src/writers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-config-cmd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SECRETS = join(dir, 'client_secret.json');
writeFileSync(
  SECRETS,
  JSON.stringify({
    installed: {
      client_id: 'cid-123.apps.googleusercontent.com',
      client_secret: 'GOCSPX-cmd-secret',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      redirect_uris: ['http://localhost'],
    },
  }),
);

function context(stdin: string, env: Record<string, string | undefined> = {}): { ctx: CliContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const ctx: CliContext = {
    env,
    cwd: dir,
    homedir: dir,
    stdin: Readable.from([stdin]),
    stdout,
    stderr,
    signal: new AbortController().signal,
    hasDisplay: false,
    debug: false,
    out: (line) => void (out += `${line}\n`),
    err: (line) => void (err += `${line}\n`),
  };
  return { ctx, out: () => out, err: () => err };
}

describe('ads-oauth config set', () => {
  it('writes client ID, secret and the stdin refresh token; nothing left to fill in (the developer token is optional)', async () => {
    const { ctx, out, err } = context('1//0stdin-token\n');
    const code = await configCommand(['set', '--config', 'ads.properties', '--client_secrets_path', SECRETS], ctx);
    assert.equal(code, 0);
    const values = getFormat('java').read(readFileSync(join(dir, 'ads.properties'), 'utf8'));
    assert.deepEqual(
      { clientId: values.clientId, clientSecret: values.clientSecret, refreshToken: values.refreshToken },
      { clientId: 'cid-123.apps.googleusercontent.com', clientSecret: 'GOCSPX-cmd-secret', refreshToken: '1//0stdin-token' },
    );
    assert.equal(statSync(join(dir, 'ads.properties')).mode & 0o777, 0o600);
    assert.match(out(), /Created .*ads\.properties \(java/);
    assert.doesNotMatch(err(), /Still to fill in|developerToken/, 'the sunset developer token is not asked for');
    assert.ok(!out().includes('1//0stdin-token') && !err().includes('1//0stdin-token'), 'the token is not echoed');
  });

  it('takes the token from GOOGLE_ADS_REFRESH_TOKEN, defaults the path, prints JSON', async () => {
    const { ctx, out } = context('', { GOOGLE_ADS_REFRESH_TOKEN: '1//0env-token' });
    assert.equal(await configCommand(['set', '--config', '--client_secrets_path', SECRETS, '--json'], ctx), 0);
    const result = JSON.parse(out()) as { path: string; format: string; placeholders: string[] };
    assert.equal(result.path, join(dir, 'google-ads.yaml'));
    assert.equal(result.format, 'yaml');
    assert.deepEqual(result.placeholders, []);
    assert.equal(getFormat('yaml').read(readFileSync(result.path, 'utf8')).refreshToken, '1//0env-token');
  });

  it('a .env that starts with a UTF-8 BOM and a managed key: the key is updated in place and the BOM stays first', async () => {
    // Before, the key behind the BOM was not recognised: the new lines went above it and the BOM into the file.
    const path = join(dir, 'bom.env');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('GOOGLE_ADS_REFRESH_TOKEN=old\n# caf\xe9\n', 'latin1')]),
    );
    const { ctx } = context('1//0bom-token\n');
    assert.equal(await configCommand(['set', '--config', path, '--client_secrets_path', SECRETS], ctx), 0);
    const bytes = readFileSync(path);
    assert.deepEqual(
      bytes,
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(
          'GOOGLE_ADS_CLIENT_ID=cid-123.apps.googleusercontent.com\nGOOGLE_ADS_CLIENT_SECRET=GOCSPX-cmd-secret\nGOOGLE_ADS_REFRESH_TOKEN=1//0bom-token\n# caf\xe9\n',
          'latin1',
        ),
      ]),
    );
  });

  it('refuses a refresh token on the command line, and an empty stdin', async () => {
    await assert.rejects(
      configCommand(['set', '--config', 'x.yaml', '--client_secrets_path', SECRETS, '--refresh_token=1//0argv'], context('').ctx),
      (e) => isAdsOAuthError(e, 'USAGE') && !(e as Error).message.includes('1//0argv'),
    );
    await assert.rejects(configCommand(['set', '--config', 'y.yaml', '--client_secrets_path', SECRETS], context('').ctx), (e) =>
      isAdsOAuthError(e, 'USAGE'),
    );
  });

  it('validates the target before reading the token (unknown format, missing directory)', async () => {
    await assert.rejects(configCommand(['set', '--config', 'creds.json', '--client_secrets_path', SECRETS], context('t\n').ctx), (e) =>
      isAdsOAuthError(e, 'USAGE'),
    );
    await assert.rejects(
      configCommand(['set', '--config', 'no/such/dir/.env', '--client_secrets_path', SECRETS], context('t\n').ctx),
      (e) => isAdsOAuthError(e, 'CONFIG'),
    );
    await assert.rejects(configCommand(['set', '--config', 'a.env'], context('t\n').ctx), (e) => isAdsOAuthError(e, 'USAGE'));
    await assert.rejects(configCommand(['get', '--config', 'a.env'], context('t\n').ctx), (e) => isAdsOAuthError(e, 'USAGE'));
  });

  it('accepts --debug like every command', async () => {
    const { ctx } = context('1//0debug-token\n');
    assert.equal(await configCommand(['set', '--config', 'debug.yaml', '--client_secrets_path', SECRETS, '--debug'], ctx), 0);
  });

  it('refuses --config= with an empty value instead of writing to the working directory', async () => {
    await assert.rejects(
      configCommand(['set', '--config=', '--client_secrets_path', SECRETS], context('1//0t\n').ctx),
      (e) => isAdsOAuthError(e, 'USAGE') && /empty value/.test((e as Error).message),
    );
  });

  it('takes the token out of a pasted "Your refresh token is:" line, and says so', async () => {
    const { ctx, err } = context('Your refresh token is: 1//0pasted-token\n');
    assert.equal(await configCommand(['set', '--config', 'pasted.yaml', '--client_secrets_path', SECRETS], ctx), 0);
    assert.equal(getFormat('yaml').read(readFileSync(join(dir, 'pasted.yaml'), 'utf8')).refreshToken, '1//0pasted-token');
    assert.match(err(), /labelled line/);
    assert.ok(!err().includes('1//0pasted-token'));
  });

  it('refuses a pasted value with spaces and no known label, without echoing it', async () => {
    await assert.rejects(
      configCommand(['set', '--config', 'spaces.yaml', '--client_secrets_path', SECRETS], context('here it is 1//0secret-bit\n').ctx),
      (e) => isAdsOAuthError(e, 'USAGE') && /contains spaces/.test((e as Error).message) && !(e as Error).message.includes('secret-bit'),
    );
  });
});

describe('ads-oauth config show', () => {
  it('lists which keys are set, missing or placeholders; shows the client ID but never a secret', async () => {
    const path = join(dir, 'show.yaml');
    writeFileSync(
      path,
      'client_id: cid-show.apps.googleusercontent.com\nclient_secret: GOCSPX-show-secret\nrefresh_token: 1//0show-token\nlogin_customer_id: INSERT_LOGIN_CUSTOMER_ID_HERE\n',
    );
    const human = context('');
    assert.equal(await configCommand(['show', '--config', path], human.ctx), 0);
    assert.match(human.out(), /show\.yaml \(yaml, for /);
    assert.match(human.out(), /client_id +cid-show\.apps\.googleusercontent\.com/);
    assert.match(human.out(), /client_secret +set/);
    assert.match(human.out(), /refresh_token +set/);
    assert.match(human.out(), /login_customer_id +placeholder/);
    assert.match(human.out(), /developer_token +missing/);
    const json = context('');
    assert.equal(await configCommand(['show', '--config', path, '--json'], json.ctx), 0);
    const parsed = JSON.parse(json.out()) as {
      format: string;
      fields: Array<{ field: string; key: string; status: string; value?: string }>;
    };
    assert.equal(parsed.format, 'yaml');
    assert.deepEqual(
      parsed.fields.find((f) => f.field === 'clientId'),
      { field: 'clientId', key: 'client_id', status: 'set', value: 'cid-show.apps.googleusercontent.com' },
    );
    assert.deepEqual(
      parsed.fields.find((f) => f.field === 'refreshToken'),
      { field: 'refreshToken', key: 'refresh_token', status: 'set' },
    );
    for (const text of [human.out(), human.err(), json.out(), json.err()]) {
      assert.ok(!text.includes('GOCSPX-show-secret') && !text.includes('1//0show-token'), text);
    }
  });

  it('a missing file is a CONFIG error', async () => {
    await assert.rejects(configCommand(['show', '--config', join(dir, 'absent.yaml')], context('').ctx), (e) =>
      isAdsOAuthError(e, 'CONFIG'),
    );
  });
});
