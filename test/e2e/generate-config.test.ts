// generate-user-credentials --config / --print-config end to end: the built CLI as a real process,
// the Google-like provider (oidc-provider) and a real headless Chromium doing the consent. Checks
// what lands on disk (re-read with the formats' own parsers), permissions, that files are only
// edited where ads-oauth manages keys (CRLF kept), the pre-flight checks that fail before any
// consent URL is printed, a write failure after consent (exit 8, token still printed, old file
// intact), --json with --config, and `ads-oauth config set`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseProperties } from 'dot-properties';
import dotenv from 'dotenv';
import * as ini from 'ini';
import { parse as parseYaml } from 'yaml';
import { completeConsent, launchBrowser, type LaunchedBrowser } from '../support/browser.js';
import { killLeftovers, runCli, spawnCli, type CliExit, type SpawnCliOptions } from '../support/cli.js';
import { ADWORDS_SCOPE, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';

const PASTE = 'Paste this URL in your browser:';

function refreshTokenOf(stdout: string): string {
  const match = stdout.match(/^Your refresh token is: (\S+)$/m);
  assert.ok(match, `no refresh token on stdout:\n${stdout}`);
  return match[1]!;
}

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
const octal = (mode: number): string => `0${mode.toString(8)}`;

/** A usage/input failure that happened before any flow: no URL, nothing on stdout. */
function assertFailedBeforeConsent(exit: CliExit, code: number | 'non-zero'): void {
  if (code === 'non-zero') assert.notEqual(exit.code, 0, exit.stderr);
  else assert.equal(exit.code, code, `exit ${exit.code}\n${exit.stderr}`);
  assert.ok(!exit.stderr.includes(PASTE), `a consent URL was printed:\n${exit.stderr}`);
  assert.ok(!exit.stderr.includes('Waiting up to'), 'a listener was started');
  assert.equal(exit.stdout, '', `stdout: ${exit.stdout}`);
  assert.match(exit.stderr, /^Error: /);
  assert.doesNotMatch(exit.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'a stack trace was printed');
}

/** The lines of a CRLF text, without the final empty one. */
function crlfLines(text: string): string[] {
  assert.ok(!/(^|[^\r])\n/.test(text), 'a bare LF line ending');
  const lines = text.split('\r\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Can this process make a directory unwritable for itself? (root: chattr +i; others: chmod 0555) */
async function makeUnwritable(dir: string): Promise<void> {
  if (process.getuid?.() === 0) execFileSync('chattr', ['+i', dir], { stdio: 'pipe' });
  else await chmod(dir, 0o555);
}
async function makeWritable(dir: string): Promise<void> {
  if (process.getuid?.() === 0) execFileSync('chattr', ['-i', dir], { stdio: 'pipe' });
  else await chmod(dir, 0o700);
}

describe('generate-user-credentials --config with a browser', { timeout: 600_000 }, () => {
  let provider: GoogleLikeProvider;
  let browser: LaunchedBrowser;
  let root: string;
  let clientFile: string;
  let counter = 0;

  before(async () => {
    provider = await startGoogleLikeProvider();
    browser = await launchBrowser();
    root = await mkdtemp(join(tmpdir(), 'ads-oauth-generate-config-'));
    clientFile = await provider.writeClientFile('installed', root);
  });

  after(async () => {
    await killLeftovers();
    await browser?.close();
    await provider?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const secret = (): string => provider.installed.client_secret;

  /** A fresh directory (realpath'd: the CLI reports resolved paths). */
  async function freshDir(name: string): Promise<string> {
    const dir = join(root, `${++counter}-${name}`);
    await mkdir(dir, { recursive: true });
    return realpath(dir);
  }

  /** Spawns the CLI, walks the consent in a fresh tab, and returns the exit. */
  async function runWithConsent(
    args: string[],
    options: SpawnCliOptions & { t: NonNullable<SpawnCliOptions['t']>; afterUrl?: () => Promise<void> },
  ): Promise<CliExit> {
    const cli = await spawnCli([`--client_secrets_path=${clientFile}`, '--no-open', ...args], options);
    const url = await cli.consentUrl();
    await options.afterUrl?.();
    const page = await browser.page();
    try {
      const outcome = await completeConsent(page, url.href, { login: provider.user.login, password: provider.user.password });
      assert.equal(outcome.status, 200, outcome.bodyText);
    } finally {
      await page.close();
    }
    return cli.waitForExit();
  }

  async function refreshAtProvider(refreshToken: string): Promise<void> {
    const response = await fetch(provider.tokenUri, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: provider.installed.client_id,
        client_secret: provider.installed.client_secret,
      }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, 200, `refresh failed: ${JSON.stringify(body)}`);
    assert.equal(typeof body['access_token'], 'string');
  }

  test(
    '--config PATH (new google-ads.yaml): all three values, no developer token asked for, mode 0600, the token works',
    { timeout: 60_000 },
    async (t) => {
      const dir = await freshDir('new-yaml');
      const path = join(dir, 'google-ads.yaml');
      const exit = await runWithConsent(['--config', path], { t });
      assert.equal(exit.code, 0, exit.stderr);
      const token = refreshTokenOf(exit.stdout);

      const parsed = parseYaml(await readFile(path, 'utf8')) as Record<string, unknown>;
      assert.equal(parsed['client_id'], provider.installed.client_id);
      assert.equal(parsed['client_secret'], secret());
      assert.equal(parsed['refresh_token'], token);
      assert.equal('developer_token' in parsed, false, 'no developer token key: sunset on 2026-09-09');
      assert.match(
        await readFile(path, 'utf8'),
        /^# developer_token: INSERT_DEVELOPER_TOKEN_HERE$/m,
        'left as an optional, commented line',
      );
      assert.doesNotMatch(exit.stderr, /Still to fill in/);
      assert.equal(octal(await modeOf(path)), '0600');
      assert.deepEqual(await readdir(dir), ['google-ads.yaml'], 'a lock or temp file was left behind');

      assert.match(exit.stderr, new RegExp(`Created ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(yaml`));
      assert.doesNotMatch(exit.stderr, /INSERT_/);
      assert.match(exit.stdout, /^Written to .*google-ads\.yaml\.$/m);
      assert.ok(!exit.stdout.includes(secret()), 'the client secret is on stdout');
      assert.ok(!exit.stderr.includes(secret()), 'the client secret is on stderr');
      assert.ok(!exit.stderr.includes(token), 'the token is on stderr');
      await refreshAtProvider(token);
    },
  );

  test(
    'existing CRLF ads.properties (0644): only the managed keys change, CRLF kept, tightened to 0600',
    { timeout: 60_000 },
    async (t) => {
      const dir = await freshDir('java-crlf');
      const path = join(dir, 'ads.properties');
      const before = [
        '# My Google Ads settings',
        '# edited by hand, keep this comment',
        '',
        'api.googleads.clientId=old-client.apps.googleusercontent.com',
        'api.googleads.clientSecret=old-secret',
        '',
        '! a bang comment',
        'api.googleads.refreshToken=1//old-refresh-token',
        'api.googleads.developerToken = DEV-TOKEN-abc123',
        'api.googleads.loginCustomerId: 1234567890',
        'some.other.key=value with trailing spaces   ',
        '',
      ].join('\r\n');
      await writeFile(path, before);
      await chmod(path, 0o644);

      const exit = await runWithConsent(['--config', path], { t });
      assert.equal(exit.code, 0, exit.stderr);
      const token = refreshTokenOf(exit.stdout);
      const after = await readFile(path, 'utf8');

      const managed = /^api\.googleads\.(clientId|clientSecret|refreshToken)=/;
      const oldLines = crlfLines(before);
      const newLines = crlfLines(after);
      assert.equal(newLines.length, oldLines.length, after);
      oldLines.forEach((line, i) => {
        const key = line.match(managed)?.[0];
        if (key) assert.ok(newLines[i]!.startsWith(key), `line ${i + 1} should still be ${key}…: ${newLines[i]}`);
        else assert.equal(newLines[i], line, `line ${i + 1} changed`);
      });
      assert.ok(after.endsWith('\r\n'));

      const props = parseProperties(after) as Record<string, string>;
      assert.equal(props['api.googleads.clientId'], provider.installed.client_id);
      assert.equal(props['api.googleads.clientSecret'], secret());
      assert.equal(props['api.googleads.refreshToken'], token);
      assert.equal(props['api.googleads.developerToken'], 'DEV-TOKEN-abc123');
      assert.equal(props['api.googleads.loginCustomerId'], '1234567890');

      assert.equal(octal(await modeOf(path)), '0600');
      assert.match(exit.stderr, /Updated .*ads\.properties \(java/);
      assert.match(exit.stderr, /was readable by other users; its permissions are now 0600/);
      assert.doesNotMatch(exit.stderr, /Still to fill in/, 'nothing to fill in');
      assert.ok(!`${exit.stdout}${exit.stderr}`.includes(secret()), 'the client secret was printed');
    },
  );

  test(
    'existing CRLF google_ads_php.ini (0600): refreshToken added inside [OAUTH2], the rest kept byte for byte',
    { timeout: 60_000 },
    async (t) => {
      const dir = await freshDir('php-crlf');
      const path = join(dir, 'google_ads_php.ini');
      const before = [
        '; PHP client library settings',
        '[GOOGLE_ADS]',
        'developerToken = "DEV-TOKEN-php"',
        '; loginCustomerId = "INSERT_LOGIN_CUSTOMER_ID_HERE"',
        '',
        '[OAUTH2]',
        '; the OAuth client',
        'clientId = "old-client"',
        'clientSecret = "old-secret"',
        '',
        '[CONNECTION]',
        '; grpcChannelIsSecure = true',
        '',
      ].join('\r\n');
      await writeFile(path, before, { mode: 0o600 });
      await chmod(path, 0o600);

      const exit = await runWithConsent(['--config', path], { t });
      assert.equal(exit.code, 0, exit.stderr);
      const token = refreshTokenOf(exit.stdout);
      const after = await readFile(path, 'utf8');

      const managed = /^(clientId|clientSecret|refreshToken) = /;
      const unmanaged = (lines: string[]): string[] => lines.filter((line) => !managed.test(line));
      const newLines = crlfLines(after);
      assert.deepEqual(unmanaged(newLines), unmanaged(crlfLines(before)), 'a line other than the managed keys changed');
      const section = (name: string): number => newLines.indexOf(`[${name}]`);
      const refreshLine = newLines.findIndex((line) => line.startsWith('refreshToken = '));
      assert.ok(refreshLine > section('OAUTH2') && refreshLine < section('CONNECTION'), `refreshToken is not inside [OAUTH2]:\n${after}`);

      const parsed = ini.parse(after) as Record<string, Record<string, string>>;
      assert.equal(parsed['OAUTH2']?.['clientId'], provider.installed.client_id);
      assert.equal(parsed['OAUTH2']?.['clientSecret'], secret());
      assert.equal(parsed['OAUTH2']?.['refreshToken'], token);
      assert.equal(parsed['GOOGLE_ADS']?.['developerToken'], 'DEV-TOKEN-php');
      assert.equal(octal(await modeOf(path)), '0600');
      assert.match(exit.stderr, /Updated .*google_ads_php\.ini \(php/);
      assert.doesNotMatch(exit.stderr, /readable by other users/);
    },
  );

  test(
    '--config without PATH: $GOOGLE_ADS_CONFIGURATION_FILE_PATH (a Ruby file), else ~/google-ads.yaml',
    { timeout: 60_000 },
    async (t) => {
      const dir = await freshDir('default-path');
      const home = join(dir, 'home');
      await mkdir(home);
      await mkdir(join(dir, 'x'));
      const rubyPath = join(dir, 'x', 'google_ads_config.rb');

      const viaEnv = await runWithConsent(['--config'], { t, env: { HOME: home, GOOGLE_ADS_CONFIGURATION_FILE_PATH: rubyPath } });
      assert.equal(viaEnv.code, 0, viaEnv.stderr);
      const rubyToken = refreshTokenOf(viaEnv.stdout);
      const ruby = await readFile(rubyPath, 'utf8');
      const rubyValue = (key: string): string | undefined => ruby.match(new RegExp(`^\\s*c\\.${key} = '([^']*)'$`, 'm'))?.[1];
      assert.match(ruby, /Google::Ads::GoogleAds::Config\.new do \|c\|/);
      assert.equal(rubyValue('client_id'), provider.installed.client_id);
      assert.equal(rubyValue('client_secret'), secret());
      assert.equal(rubyValue('refresh_token'), rubyToken);
      assert.equal(rubyValue('developer_token'), undefined);
      assert.match(ruby, /^ {2}# c\.developer_token = 'INSERT_DEVELOPER_TOKEN_HERE'$/m);
      assert.equal(octal(await modeOf(rubyPath)), '0600');
      assert.match(viaEnv.stderr, /Created .*google_ads_config\.rb \(ruby/);
      assert.doesNotMatch(viaEnv.stderr, /Still to fill in/);
      assert.deepEqual(await readdir(home), [], 'something was written to HOME');

      const viaHome = await runWithConsent(['--config'], { t, env: { HOME: home } });
      assert.equal(viaHome.code, 0, viaHome.stderr);
      const yamlPath = join(home, 'google-ads.yaml');
      const parsed = parseYaml(await readFile(yamlPath, 'utf8')) as Record<string, unknown>;
      assert.equal(parsed['refresh_token'], refreshTokenOf(viaHome.stdout));
      assert.equal(parsed['client_secret'], secret());
      assert.match(viaHome.stderr, /Created .*google-ads\.yaml \(yaml/);
      assert.equal(ruby, await readFile(rubyPath, 'utf8'), 'the Ruby file changed on the second run');
    },
  );

  test('unknown extension: exit 2 before the URL without --format; with --format dotenv it works', { timeout: 60_000 }, async (t) => {
    const dir = await freshDir('conf');
    const path = join(dir, 'settings.conf');

    const refused = await runCli([`--client_secrets_path=${clientFile}`, '--no-open', '--config', path]);
    assertFailedBeforeConsent(refused, 2);
    assert.match(refused.stderr, /--format/);
    assert.match(refused.stderr, /settings\.conf/);
    assert.deepEqual(await readdir(dir), []);

    const exit = await runWithConsent(['--config', path, '--format', 'dotenv'], { t });
    assert.equal(exit.code, 0, exit.stderr);
    const env = dotenv.parse(await readFile(path, 'utf8'));
    assert.equal(env['GOOGLE_ADS_CLIENT_ID'], provider.installed.client_id);
    assert.equal(env['GOOGLE_ADS_CLIENT_SECRET'], secret());
    assert.equal(env['GOOGLE_ADS_REFRESH_TOKEN'], refreshTokenOf(exit.stdout));
    assert.equal(env['GOOGLE_ADS_DEVELOPER_TOKEN'], undefined);
    assert.match(exit.stderr, /Created .*settings\.conf \(dotenv/);
    assert.equal(octal(await modeOf(path)), '0600');
  });

  test('pre-flight: a missing directory or an unparsable google-ads.yaml fails before the URL', { timeout: 60_000 }, async () => {
    const dir = await freshDir('preflight');
    const missing = join(dir, 'missing-dir', 'google-ads.yaml');
    const noDir = await runCli([`--client_secrets_path=${clientFile}`, '--no-open', '--config', missing]);
    assertFailedBeforeConsent(noDir, 'non-zero');
    assert.equal(noDir.code, 3, noDir.stderr);
    assert.ok(noDir.stderr.includes(join(dir, 'missing-dir')), noDir.stderr);
    assert.deepEqual(await readdir(dir), [], 'the directory was created');

    const broken = join(dir, 'google-ads.yaml');
    const content = 'developer_token: abc\nclient_id: [unclosed\n';
    await writeFile(broken, content, { mode: 0o600 });
    const bad = await runCli([`--client_secrets_path=${clientFile}`, '--no-open', '--config', broken]);
    assertFailedBeforeConsent(bad, 3);
    assert.ok(bad.stderr.includes(broken), bad.stderr);
    assert.equal(await readFile(broken, 'utf8'), content, 'the broken file was touched');
    assert.deepEqual(await readdir(dir), ['google-ads.yaml'], 'a lock or temp file was left behind');
  });

  test('pre-flight: an unwritable directory is exit 8 before the URL', { timeout: 60_000 }, async (t) => {
    const dir = await freshDir('preflight-ro');
    try {
      await makeUnwritable(dir);
    } catch (error) {
      t.skip(`cannot make a directory unwritable here: ${(error as Error).message}`);
      return;
    }
    try {
      const exit = await runCli([`--client_secrets_path=${clientFile}`, '--no-open', '--config', join(dir, 'google-ads.yaml')]);
      assertFailedBeforeConsent(exit, 8);
      assert.ok(exit.stderr.includes(dir), exit.stderr);
    } finally {
      await makeWritable(dir);
    }
  });

  test(
    'a write failure after consent: exit 8, the token still printed (and valid), the old file intact',
    { timeout: 60_000 },
    async (t) => {
      const dir = await freshDir('write-fails');
      const path = join(dir, 'google-ads.yaml');
      const old = '# mine\ndeveloper_token: DEV\nclient_id: old-client\nclient_secret: old-secret\nrefresh_token: old-token\n';
      await writeFile(path, old, { mode: 0o600 });
      let locked = false;
      t.after(async () => {
        if (locked) await makeWritable(dir);
      });

      const exit = await runWithConsent(['--config', path], {
        t,
        // Validation passed (the URL is printed); only now does the directory stop taking new files.
        afterUrl: async () => {
          try {
            await makeUnwritable(dir);
            locked = true;
          } catch (error) {
            t.skip(`cannot make a directory unwritable here: ${(error as Error).message}`);
          }
        },
      });
      if (!locked) return;
      assert.equal(exit.code, 8, `exit ${exit.code}\n${exit.stderr}`);
      const token = refreshTokenOf(exit.stdout);
      assert.ok(!exit.stdout.includes('Written to'), exit.stdout);
      assert.match(exit.stderr, /^Error: /m);
      assert.ok(exit.stderr.includes(path), exit.stderr);
      assert.match(exit.stderr, /(permission denied|operation not permitted)/i);
      assert.doesNotMatch(exit.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'a stack trace was printed');
      assert.ok(!`${exit.stdout}${exit.stderr}`.includes(secret()), 'the client secret was printed');
      assert.equal(await readFile(path, 'utf8'), old, 'the old file changed');
      assert.equal(octal(await modeOf(path)), '0600');
      await makeWritable(dir);
      locked = false;
      assert.deepEqual(await readdir(dir), ['google-ads.yaml'], 'a lock or temp file was left behind');
      await refreshAtProvider(token);
    },
  );

  test(
    'a write failure at the rename (the old file immutable) with --json: exit 8, the JSON still printed, no temp or lock file left',
    { timeout: 60_000 },
    async (t) => {
      const dir = await freshDir('rename-fails');
      const path = join(dir, 'ads.properties');
      const old = '# mine\r\napi.googleads.clientId=old\r\napi.googleads.developerToken=DEV\r\n';
      await writeFile(path, old, { mode: 0o600 });
      let locked = false;
      t.after(async () => {
        if (locked) await makeWritable(path);
      });
      const exit = await runWithConsent(['--json', '--config', path], {
        t,
        afterUrl: async () => {
          try {
            await makeUnwritable(path);
            locked = true;
          } catch (error) {
            t.skip(`cannot make a file unwritable here: ${(error as Error).message}`);
          }
        },
      });
      if (!locked) return;
      assert.equal(exit.code, 8, `exit ${exit.code}\n${exit.stderr}`);
      assert.equal(exit.stdout.trim().split('\n').length, 1, `more than one line on stdout:\n${exit.stdout}`);
      const parsed = JSON.parse(exit.stdout) as Record<string, unknown>;
      assert.equal(typeof parsed['refresh_token'], 'string');
      assert.equal(parsed['config'], undefined, 'a config block although nothing was written');
      assert.ok(exit.stderr.includes(path), exit.stderr);
      assert.ok(!exit.stderr.includes(parsed['refresh_token'] as string), 'the token is on stderr');
      assert.ok(!`${exit.stdout}${exit.stderr}`.includes(secret()), 'the client secret was printed');
      await makeWritable(path);
      locked = false;
      assert.equal(await readFile(path, 'utf8'), old, 'the old file changed');
      assert.deepEqual(await readdir(dir), ['ads.properties'], 'a lock or temp file was left behind');
      await refreshAtProvider(parsed['refresh_token'] as string);
    },
  );

  // Exit 3 ("input unusable") otherwise always means "stopped before the consent, no token"; after
  // the consent, with the token on stdout, a config that can no longer be written must be exit 8.
  test(
    'the file turns unparsable during the consent: the token is printed and the exit is 8 (write failed)',
    {
      timeout: 60_000,
    },
    async (t) => {
      const dir = await freshDir('broken-during-consent');
      const path = join(dir, 'google-ads.yaml');
      await writeFile(path, 'developer_token: DEV\n', { mode: 0o600 });
      const broken = 'developer_token: DEV\nclient_id: [unclosed\n';
      const exit = await runWithConsent(['--config', path], { t, afterUrl: () => writeFile(path, broken) });
      refreshTokenOf(exit.stdout);
      assert.equal(await readFile(path, 'utf8'), broken, 'the file was overwritten');
      assert.ok(exit.stderr.includes(path), exit.stderr);
      assert.equal(exit.code, 8, `exit ${exit.code} after the consent although the token was printed\n${exit.stderr}`);
    },
  );

  test(
    'paths: --config ~/… is expanded against HOME; a symlink is followed, its target rewritten and the link kept',
    { timeout: 60_000 },
    async (t) => {
      const dir = await freshDir('paths');
      const home = join(dir, 'home');
      await mkdir(home);
      const viaTilde = await runWithConsent(['--config', '~/google_ads_php.ini'], { t, env: { HOME: home } });
      assert.equal(viaTilde.code, 0, viaTilde.stderr);
      const php = ini.parse(await readFile(join(home, 'google_ads_php.ini'), 'utf8')) as Record<string, Record<string, string>>;
      assert.equal(php['OAUTH2']?.['refreshToken'], refreshTokenOf(viaTilde.stdout));
      assert.deepEqual(await readdir(home), ['google_ads_php.ini']);

      const real = join(dir, 'real');
      await mkdir(real);
      const target = join(real, 'shared.yaml');
      await writeFile(target, '# shared\ndeveloper_token: DEV\n', { mode: 0o600 });
      const link = join(dir, 'google-ads.yaml');
      await symlink(target, link);
      const viaLink = await runWithConsent(['--config', link], { t });
      assert.equal(viaLink.code, 0, viaLink.stderr);
      assert.ok((await lstat(link)).isSymbolicLink(), 'the link was replaced by a file');
      assert.equal(await readlink(link), target);
      const parsed = parseYaml(await readFile(target, 'utf8')) as Record<string, unknown>;
      assert.equal(parsed['refresh_token'], refreshTokenOf(viaLink.stdout));
      assert.equal(parsed['developer_token'], 'DEV');
      assert.equal(octal(await modeOf(target)), '0600');
      assert.deepEqual((await readdir(dir)).sort(), ['google-ads.yaml', 'home', 'real']);
      assert.deepEqual(await readdir(real), ['shared.yaml']);
    },
  );

  test('pre-flight: --config naming a directory is exit 3; --format without --config is exit 2', { timeout: 60_000 }, async () => {
    const dir = await freshDir('is-dir');
    await mkdir(join(dir, 'google-ads.yaml'));
    const exit = await runCli([`--client_secrets_path=${clientFile}`, '--no-open', '--config', join(dir, 'google-ads.yaml')]);
    assertFailedBeforeConsent(exit, 3);
    assert.match(exit.stderr, /not a regular file/);
    const lone = await runCli([`--client_secrets_path=${clientFile}`, '--no-open', '--format', 'yaml']);
    assertFailedBeforeConsent(lone, 2);
  });

  test(
    '--print-config java: a complete ads.properties on stdout, no file written; an unknown format is exit 2 first',
    { timeout: 60_000 },
    async (t) => {
      const dir = await freshDir('print');
      const home = join(dir, 'home');
      const cwd = join(dir, 'cwd');
      await mkdir(home);
      await mkdir(cwd);

      const exit = await runWithConsent(['--print-config', 'java'], { t, env: { HOME: home }, cwd });
      assert.equal(exit.code, 0, exit.stderr);
      const token = refreshTokenOf(exit.stdout);
      const lines = exit.stdout.split('\n');
      const start = lines.findIndex((line) => line.startsWith('# Google Ads API client library for Java'));
      const end = lines.findIndex((line) => line.startsWith('Configuration guide:'));
      assert.ok(start > 0 && end > start, exit.stdout);
      const snippet = lines.slice(start, end).join('\n');
      const props = parseProperties(snippet) as Record<string, string>;
      assert.equal(props['api.googleads.clientId'], provider.installed.client_id);
      assert.equal(props['api.googleads.clientSecret'], secret());
      assert.equal(props['api.googleads.refreshToken'], token);
      assert.equal(props['api.googleads.developerToken'], undefined);
      assert.match(exit.stdout, /https:\/\/developers\.google\.com\/google-ads\/api\/docs\/client-libs\/java\//);
      assert.ok(!exit.stderr.includes(secret()), 'the client secret is on stderr');
      assert.deepEqual(await readdir(home), [], 'a file was written to HOME');
      assert.deepEqual(await readdir(cwd), [], 'a file was written to the working directory');

      const nope = await runCli([`--client_secrets_path=${clientFile}`, '--no-open', '--print-config', 'nope']);
      assertFailedBeforeConsent(nope, 2);
      assert.match(nope.stderr, /Unknown config format "nope"/);
      assert.match(nope.stderr, /yaml, java, php/);
    },
  );

  test('--json --config: stdout is exactly one JSON object with the config block', { timeout: 60_000 }, async (t) => {
    const dir = await freshDir('json');
    const path = join(dir, 'google-ads.yaml');
    const exit = await runWithConsent(['--json', '--config', path], { t });
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.stdout.trim().split('\n').length, 1, `more than one line on stdout:\n${exit.stdout}`);
    const parsed = JSON.parse(exit.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).sort(), ['client_id', 'config', 'refresh_token', 'scopes', 'token_uri']);
    assert.equal(parsed['client_id'], provider.installed.client_id);
    assert.equal(parsed['token_uri'], provider.tokenUri);
    assert.deepEqual(parsed['scopes'], [ADWORDS_SCOPE]);
    assert.equal(typeof parsed['refresh_token'], 'string');
    assert.deepEqual(parsed['config'], { path, format: 'yaml', created: true, placeholders: [] });
    const file = parseYaml(await readFile(path, 'utf8')) as Record<string, unknown>;
    assert.equal(file['refresh_token'], parsed['refresh_token']);
    assert.equal(file['client_secret'], secret());
    assert.ok(!exit.stdout.includes(secret()), 'the client secret is in the JSON');
    assert.match(exit.stderr, /Created .*google-ads\.yaml/, 'the human summary goes to stderr');
    assert.ok(!exit.stderr.includes(parsed['refresh_token'] as string), 'the token is on stderr');
  });

  test('ads-oauth config set: the token from stdin or GOOGLE_ADS_REFRESH_TOKEN, never from argv', { timeout: 60_000 }, async () => {
    const dir = await freshDir('config-set');
    const path = join(dir, 'google-ads.yaml');
    const setArgs = ['config', 'set', '--config', path, '--client_secrets_path', clientFile];
    const quiet = (exit: CliExit, value: string): void => {
      const all = `${exit.stdout}\n${exit.stderr}`;
      assert.ok(!all.includes(value), `the refresh token was echoed:\n${all}`);
      assert.ok(!all.includes(secret()), `the client secret was printed:\n${all}`);
    };

    const fromStdin = `1//0stdin-${Date.now().toString(36)}-Abc_def-ghi`;
    const first = await runCli(setArgs, { bin: 'ads-oauth', stdin: `${fromStdin}\n` });
    assert.equal(first.code, 0, first.stderr);
    quiet(first, fromStdin);
    assert.match(first.stdout, /Created .*google-ads\.yaml \(yaml/);
    let parsed = parseYaml(await readFile(path, 'utf8')) as Record<string, unknown>;
    assert.equal(parsed['refresh_token'], fromStdin);
    assert.equal(parsed['client_id'], provider.installed.client_id);
    assert.equal(parsed['client_secret'], secret());
    assert.equal(octal(await modeOf(path)), '0600');

    const fromEnv = `1//0env-${Date.now().toString(36)}-Xyz`;
    const second = await runCli(setArgs, { bin: 'ads-oauth', env: { GOOGLE_ADS_REFRESH_TOKEN: fromEnv }, stdin: '' });
    assert.equal(second.code, 0, second.stderr);
    quiet(second, fromEnv);
    assert.match(second.stdout, /Updated .*google-ads\.yaml/);
    parsed = parseYaml(await readFile(path, 'utf8')) as Record<string, unknown>;
    assert.equal(parsed['refresh_token'], fromEnv);

    const before = await readFile(path, 'utf8');
    const inArgv = 'ARGV-TOKEN-must-not-be-echoed-42';
    for (const flag of [['--refresh-token', inArgv], [`--refresh_token=${inArgv}`]]) {
      const refused = await runCli([...setArgs, ...flag], { bin: 'ads-oauth', stdin: `${fromStdin}\n` });
      assert.equal(refused.code, 2, `${flag.join(' ')}: exit ${refused.code}\n${refused.stderr}`);
      quiet(refused, inArgv);
      assert.match(refused.stderr, /never taken from the command line/);
      assert.equal(await readFile(path, 'utf8'), before, 'the file changed after a refused run');
    }
  });
});
