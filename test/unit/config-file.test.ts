import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAdsOAuthError } from '../../src/errors.js';
import { processInfo } from '../../src/cli/process-info.js';
import { writeFileAtomic } from '../../src/stores/atomic-write.js';
import { readConfig, updateConfig, validateConfigTarget } from '../../src/stores/config-file.js';
import { acquireLock } from '../../src/stores/lock.js';
import { faultyFs } from '../support/faulty-fs.js';

const root = mkdtempSync(join(tmpdir(), 'ads-oauth-config-'));
chmodSync(root, 0o755); // the read-only-directory case runs a child as another user
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  return dir;
};
const modeOf = (path: string): number => statSync(path).mode & 0o777;
const CHILD = join(import.meta.dirname, '..', 'support', 'kill-writer.ts');
const SECRET = 'GOCSPX-SECRET-must-not-leak';
const TOKEN = '1//0-REFRESH-must-not-leak';
const noSecrets = (error: unknown): boolean =>
  !String((error as Error).message).includes('must-not-leak') &&
  !JSON.stringify((error as { details?: unknown }).details ?? {}).includes('must-not-leak');

describe('updateConfig', () => {
  it('creates a new file with mode 0600, confirms it, and names no placeholder (the developer token is optional)', async () => {
    const path = join(fresh(), 'google-ads.yaml');
    const result = await updateConfig(path, { clientId: 'cid', clientSecret: SECRET, refreshToken: TOKEN });
    assert.equal(result.created, true);
    assert.equal(result.tightened, false);
    assert.equal(result.format.id, 'yaml');
    assert.deepEqual(result.placeholders, []);
    assert.equal(modeOf(path), 0o600);
    assert.equal((await readConfig(path)).values.refreshToken, TOKEN);
    assert.ok(!existsSync(`${path}.lock`), 'the lock is released');
    assert.deepEqual(readdirSync(join(path, '..')), ['google-ads.yaml'], 'no temp files left behind');
  });

  it('mode 0600 for files and 0700 for new directories whatever the umask (000 and 077)', () => {
    for (const mask of ['000', '077']) {
      const dir = join(fresh(), 'a', 'b');
      const path = join(dir, 'ads.properties');
      const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, 'umask', mask, path, 'java'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(modeOf(path), 0o600, `file, umask ${mask}`);
      assert.equal(modeOf(dir), 0o700, `dir, umask ${mask}`);
      assert.equal(modeOf(join(dir, '..')), 0o700, `parent dir, umask ${mask}`);
    }
  });

  it('tightens an existing group/other-readable file to 0600 and says so; keeps a tight mode', async () => {
    const dir = fresh();
    const path = join(dir, 'googleads.properties');
    writeFileSync(path, '# mine\nclientId=old\n');
    chmodSync(path, 0o644);
    const result = await updateConfig(path, { refreshToken: TOKEN });
    assert.equal(result.tightened, true);
    assert.equal(result.created, false);
    assert.equal(modeOf(path), 0o600);
    assert.equal(readFileSync(path, 'utf8'), `# mine\nclientId=old\nrefreshToken=${TOKEN}\n`);
    chmodSync(path, 0o640);
    await updateConfig(path, { refreshToken: 'other' });
    chmodSync(path, 0o700);
    const again = await updateConfig(path, { refreshToken: 'third' });
    assert.equal(again.tightened, false);
    assert.equal(modeOf(path), 0o700, 'an owner-only mode is kept');
  });

  it('refuses a read-only file (0400, 0444) with CONFIG_WRITE and leaves its content and mode', async () => {
    // Before the fix a 0444 file was replaced and made 0600, a 0400 one replaced (root ignores modes).
    for (const readOnly of [0o400, 0o444]) {
      const dir = fresh();
      const path = join(dir, 'google-ads.yaml');
      const before = '# kept read-only on purpose\nclient_id: old\n';
      writeFileSync(path, before);
      chmodSync(path, readOnly);
      const refused = (e: unknown): boolean =>
        isAdsOAuthError(e, 'CONFIG_WRITE') && /read-only/.test((e as Error).message) && (e as Error).message.includes(path) && noSecrets(e);
      await assert.rejects(updateConfig(path, { refreshToken: TOKEN }), refused);
      await assert.rejects(validateConfigTarget(path), refused, 'the pre-flight check refuses it before any consent');
      assert.equal(readFileSync(path, 'utf8'), before);
      assert.equal(modeOf(path), readOnly);
    }
  });

  it('writes through a symlink to its target and keeps the link', async () => {
    const dir = fresh();
    const real = join(dir, 'real.yaml');
    writeFileSync(real, 'client_id: a\n', { mode: 0o600 });
    const link = join(dir, 'google-ads.yaml');
    symlinkSync('real.yaml', link);
    const result = await updateConfig(link, { clientId: 'b' });
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readFileSync(real, 'utf8'), 'client_id: b\n');
    assert.equal(result.path, real);
    // A dangling link: the file it names is created.
    const dangling = join(dir, 'ads.properties');
    symlinkSync('target.properties', dangling);
    await updateConfig(dangling, { clientId: 'c' });
    assert.ok(lstatSync(dangling).isSymbolicLink());
    assert.match(readFileSync(join(dir, 'target.properties'), 'utf8'), /api\.googleads\.clientId=c/);
  });

  it('removes a key with null (revoke --remove)', async () => {
    const path = join(fresh(), '.env');
    await updateConfig(path, { clientId: 'a', refreshToken: TOKEN });
    await updateConfig(path, { refreshToken: null });
    const { values } = await readConfig(path);
    assert.equal(values.refreshToken, undefined);
    assert.equal(values.clientId, 'a');
  });

  it('a missing directory is CONFIG_WRITE naming the path; nothing is created', async () => {
    const path = join(fresh(), 'nope', 'google-ads.yaml');
    await assert.rejects(
      updateConfig(path, { refreshToken: TOKEN }),
      (e) => isAdsOAuthError(e, 'CONFIG_WRITE') && (e as Error).message.includes(path) && noSecrets(e),
    );
    assert.ok(!existsSync(join(path, '..')));
  });

  it('an unparsable existing file is a CONFIG error and stays untouched', async () => {
    const path = join(fresh(), 'appsettings.json');
    writeFileSync(path, '{ "GoogleAdsApi": ');
    await assert.rejects(updateConfig(path, { refreshToken: TOKEN }), (e) => isAdsOAuthError(e, 'CONFIG') && noSecrets(e));
    assert.equal(readFileSync(path, 'utf8'), '{ "GoogleAdsApi": ');
  });

  it('a value the format cannot hold is CONFIG_WRITE without the value, and the old file stays', async () => {
    const path = join(fresh(), '.env');
    writeFileSync(path, 'A=1\n');
    await assert.rejects(
      updateConfig(path, { clientSecret: `x'"\\-must-not-leak` }),
      (e) => isAdsOAuthError(e, 'CONFIG_WRITE') && noSecrets(e),
    );
    assert.equal(readFileSync(path, 'utf8'), 'A=1\n');
  });

  it('keeps bytes that are not UTF-8 byte for byte (ISO-8859-1 ads.properties, cp1252 App.config, 8-bit .ini) and a BOM at the start', async () => {
    // Before, every file was read as UTF-8: each such byte became U+FFFD, and a .env BOM moved inside the file.
    const enc = join(import.meta.dirname, '..', 'fixtures', 'writers', 'encoding');
    const cases: Array<[string, string, Record<string, string>]> = [
      ['java-latin1.before.properties', 'ads.properties', { clientId: 'new-id', clientSecret: 'GOCSPX-café-€' }],
      ['appconfig-cp1252.before.config', 'App.config', { clientId: 'new-id', clientSecret: 'GOCSPX-café-€-☃' }],
      ['php-8bit.before.ini', 'google_ads_php.ini', { clientId: 'new-id', clientSecret: 'GOCSPX-new' }],
      ['dotenv-bom.before.env', '.env', { clientId: 'new-id', clientSecret: 'GOCSPX-new', refreshToken: '1//new' }],
    ];
    for (const [fixture, name, changes] of cases) {
      const path = join(fresh(), name);
      writeFileSync(path, readFileSync(join(enc, fixture)), { mode: 0o600 });
      await updateConfig(path, changes);
      assert.deepEqual(readFileSync(path), readFileSync(join(enc, fixture.replace('.before.', '.after.'))), fixture);
      const { values } = await readConfig(path);
      for (const [field, value] of Object.entries(changes))
        assert.equal(values[field as keyof typeof values], value, `${fixture} ${field}`);
    }
  });

  it('refuses, before any flow, a google-ads.yaml that is not UTF-8, and leaves it as it was', async () => {
    const path = join(fresh(), 'google-ads.yaml');
    const before = Buffer.from('# caf\xe9\nclient_id: old\n', 'latin1');
    writeFileSync(path, before, { mode: 0o600 });
    const notUtf8 = (e: unknown): boolean =>
      isAdsOAuthError(e, 'CONFIG') && /not valid UTF-8/.test((e as Error).message) && (e as Error).message.includes(path);
    await assert.rejects(validateConfigTarget(path), notUtf8);
    await assert.rejects(updateConfig(path, { refreshToken: TOKEN }), notUtf8);
    assert.deepEqual(readFileSync(path), before);
  });

  it('the read-back compares bytes: a write that mangles an untouched byte is caught and the old file restored', async () => {
    // Before, the read-back compared only the managed values, so bytes turned into U+FFFD passed.
    const path = join(fresh(), 'ads.properties');
    const before = Buffer.from('# caf\xe9\napi.googleads.clientId=old\n', 'latin1');
    writeFileSync(path, before, { mode: 0o600 });
    let writes = 0;
    const { nodeFileSystem } = await import('../../src/stores/fs.js');
    const open = (async (file: string, ...rest: unknown[]) => {
      const handle = await (nodeFileSystem.open as (...a: unknown[]) => Promise<import('node:fs/promises').FileHandle>)(file, ...rest);
      if (!file.endsWith('.tmp') || writes++ > 0) return handle;
      // The first temp file is written the way a UTF-8-only writer would: every non-UTF-8 byte becomes U+FFFD.
      const writeFile = async (data: Uint8Array): Promise<void> =>
        handle.writeFile(Buffer.from(Buffer.from(data).toString('utf8'), 'utf8'));
      return new Proxy(handle, {
        get(t, p) {
          if (p === 'writeFile') return writeFile;
          const value = Reflect.get(t, p) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
        },
      });
    }) as unknown as typeof import('node:fs/promises').open;
    await assert.rejects(
      updateConfig(path, { refreshToken: TOKEN }, { fs: { open }, process: processInfo }),
      (e) => isAdsOAuthError(e, 'CONFIG_WRITE') && /did not give the bytes written/.test((e as Error).message) && noSecrets(e),
    );
    assert.deepEqual(readFileSync(path), before, 'the previous content was restored');
  });

  it('a new file whose read-back is wrong is removed, and the message says so (there was no previous content to restore)', async () => {
    const path = join(fresh(), 'google-ads.yaml');
    const { nodeFileSystem } = await import('../../src/stores/fs.js');
    // The temp file is written with the refresh token's last character dropped: the read-back sees another value.
    const open = (async (file: string, ...rest: unknown[]) => {
      const handle = await (nodeFileSystem.open as (...a: unknown[]) => Promise<import('node:fs/promises').FileHandle>)(file, ...rest);
      if (!file.endsWith('.tmp')) return handle;
      const writeFile = async (data: Uint8Array): Promise<void> =>
        handle.writeFile(Buffer.from(Buffer.from(data).toString('utf8').replace(TOKEN, TOKEN.slice(0, -1)), 'utf8'));
      return new Proxy(handle, {
        get(t, p) {
          if (p === 'writeFile') return writeFile;
          const value = Reflect.get(t, p) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
        },
      });
    }) as unknown as typeof import('node:fs/promises').open;
    await assert.rejects(
      updateConfig(path, { refreshToken: TOKEN }, { fs: { open }, process: processInfo }),
      (e) =>
        isAdsOAuthError(e, 'CONFIG_WRITE') &&
        /the new file was removed/.test((e as Error).message) &&
        !/previous content/.test((e as Error).message) &&
        noSecrets(e),
    );
    assert.equal(existsSync(path), false, 'no half-right file is left behind');
  });

  for (const [step, code] of [
    ['open', 'EACCES'],
    ['write', 'ENOSPC'],
    ['sync', 'EIO'],
    ['rename', 'EROFS'],
  ] as const) {
    it(`a failed ${step} (${code}) is CONFIG_WRITE naming path and reason; the old file is intact and no temp file remains`, async () => {
      const dir = fresh();
      const path = join(dir, 'google_ads_php.ini');
      const before = '[OAUTH2]\nclientId = "old"\n';
      writeFileSync(path, before, { mode: 0o600 });
      await assert.rejects(
        updateConfig(path, { clientSecret: SECRET, refreshToken: TOKEN }, { fs: faultyFs(step, code), process: processInfo }),
        (e) => {
          assert.ok(isAdsOAuthError(e, 'CONFIG_WRITE'));
          assert.ok((e as Error).message.includes(path), 'names the path');
          assert.ok((e as Error).message.includes(code), 'names the reason');
          assert.ok(noSecrets(e));
          return true;
        },
      );
      assert.equal(readFileSync(path, 'utf8'), before);
      assert.deepEqual(readdirSync(dir), ['google_ads_php.ini']);
    });
  }

  it('a read-only directory fails with CONFIG_WRITE and leaves the old file intact (as an unprivileged user)', async (t) => {
    const dir = fresh();
    const path = join(dir, 'google-ads.yaml');
    const before = 'client_id: old\n';
    writeFileSync(path, before);
    chmodSync(path, 0o644);
    chmodSync(dir, 0o555);
    try {
      if (process.getuid?.() === 0) {
        // root ignores permissions: run the writer as nobody (the tree must be readable to it).
        const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, 'as-user', path, 'yaml'], {
          encoding: 'utf8',
          uid: 65534,
          gid: 65534,
          cwd: join(import.meta.dirname, '..', '..'),
        });
        if (r.status !== 0 && /EACCES|permission/i.test(r.stderr) && !r.stdout) {
          t.skip('the checkout is not readable by uid 65534 here; the injected EACCES test covers the error path');
          return;
        }
        assert.equal(r.status, 0, r.stderr);
        const result = JSON.parse(r.stdout) as { code: string; message: string };
        assert.equal(result.code, 'CONFIG_WRITE');
        assert.ok(result.message.includes(path));
        assert.ok(!result.message.includes('SECRET'));
      } else {
        await assert.rejects(updateConfig(path, { refreshToken: TOKEN }), (e) => isAdsOAuthError(e, 'CONFIG_WRITE') && noSecrets(e));
      }
      assert.equal(readFileSync(path, 'utf8'), before);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

describe('validateConfigTarget and readConfig', () => {
  it('accepts a missing file in an existing directory, and an existing parsable one', async () => {
    const dir = fresh();
    const v = await validateConfigTarget(join(dir, 'google-ads.yaml'));
    assert.equal(v.exists, false);
    assert.equal(v.format.id, 'yaml');
    writeFileSync(join(dir, 'creds.json'), '{"type": "authorized_user"}');
    const w = await validateConfigTarget(join(dir, 'creds.json'), 'adc');
    assert.equal(w.exists, true);
  });

  it('rejects a missing directory, an unknown format and a broken file before any flow', async () => {
    const dir = fresh();
    await assert.rejects(validateConfigTarget(join(dir, 'missing', 'google-ads.yaml')), (e) => isAdsOAuthError(e, 'CONFIG'));
    await assert.rejects(validateConfigTarget(join(dir, 'creds.json')), (e) => isAdsOAuthError(e, 'USAGE'));
    await assert.rejects(validateConfigTarget(join(dir, 'x.yaml'), 'toml'), (e) => isAdsOAuthError(e, 'USAGE'));
    writeFileSync(
      join(dir, 'google_ads_config.rb'),
      `Google::Ads::GoogleAds::Config.new do |c|\n  c.refresh_token = ENV['${TOKEN}']\nend\n`,
    );
    await assert.rejects(validateConfigTarget(join(dir, 'google_ads_config.rb')), (e) => isAdsOAuthError(e, 'CONFIG') && noSecrets(e));
    writeFileSync(join(dir, 'App.config'), `<configuration><GoogleAdsApi><add key="OAuth2RefreshToken" value="${TOKEN}"></configuration>`);
    await assert.rejects(validateConfigTarget(join(dir, 'App.config')), (e) => isAdsOAuthError(e, 'CONFIG') && noSecrets(e));
  });

  it('readConfig of a missing file is CONFIG', async () => {
    await assert.rejects(readConfig(join(fresh(), 'ads.properties')), (e) => isAdsOAuthError(e, 'CONFIG'));
  });
});

describe('lock', () => {
  it('waits for a holder, then times out with CONFIG_WRITE naming the pid', async () => {
    const path = join(fresh(), 'google-ads.yaml');
    const release = await acquireLock(path, { process: processInfo });
    await assert.rejects(
      updateConfig(path, { refreshToken: TOKEN }, { lockTimeoutMs: 150, process: processInfo }),
      (e) => isAdsOAuthError(e, 'CONFIG_WRITE') && (e as Error).message.includes(String(process.pid)) && noSecrets(e),
    );
    await release();
    await updateConfig(path, { refreshToken: TOKEN }, { lockTimeoutMs: 150, process: processInfo });
  });

  it('takes over a stale lock whose process is gone', async () => {
    const path = join(fresh(), 'google-ads.yaml');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(
      `${path}.lock`,
      JSON.stringify({ pid: Number(dead.stdout), host: (await import('node:os')).hostname(), token: 'x', time: Date.now() }),
    );
    await updateConfig(path, { refreshToken: TOKEN }, { lockTimeoutMs: 2_000, process: processInfo });
    assert.ok(!existsSync(`${path}.lock`));
  });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('concurrency and crashes', () => {
  it('several processes updating different keys at once lose none of them', async () => {
    for (const [file, format] of [
      ['google-ads.yaml', 'yaml'],
      ['App.config', 'appconfig'],
    ] as const) {
      const path = join(fresh(), file);
      const fields = ['clientId', 'clientSecret', 'refreshToken', 'developerToken', 'loginCustomerId'] as const;
      const rounds = 8;
      const results = await Promise.all(fields.map((field) => run(['update', path, format, field, String(rounds), `v-${field}`])));
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      const { values } = await readConfig(path);
      for (const field of fields) assert.equal(values[field], `v-${field}-${rounds}`, `${format} ${field}`);
      assert.ok(!existsSync(`${path}.lock`));
    }
  });

  it('SIGKILL mid-write leaves the old or a new complete file, never a torn one', async () => {
    const { isWhole } = await import('../support/kill-writer.js');
    const dir = fresh();
    const path = join(dir, 'big.txt');
    await writeFileAtomic(path, (await import('../support/kill-writer.js')).selfChecking(0, 4 << 20));
    for (let round = 0; round < 8; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'atomic', path, String(4 << 20)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
      assert.ok(isWhole(readFileSync(path, 'utf8')), `round ${round}: file is whole`);
    }
  });

  it('SIGKILL during updateConfig leaves a parsable file and a stale lock the next writer takes over', async () => {
    const dir = fresh();
    const path = join(dir, 'ads.properties');
    await updateConfig(path, { clientId: 'keep-me', refreshToken: 'first' });
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'loop-update', path, 'java', String(1 << 20)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, Math.random() * 100));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
      const { values } = await readConfig(path);
      assert.equal(values.clientId, 'keep-me');
      assert.ok(values.refreshToken?.startsWith('1//') || values.refreshToken === 'first');
      await updateConfig(path, { developerToken: `dev-${round}` }, { lockTimeoutMs: 5_000, process: processInfo });
      assert.equal((await readConfig(path)).values.developerToken, `dev-${round}`);
    }
  });
});

describe('stray files of killed writers', () => {
  it('a write removes temp and lock files of this target older than a minute, and keeps fresh ones and other files', async () => {
    const { mkdtempSync, writeFileSync, utimesSync, readdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { writeFileAtomic, STRAY_AGE_MS } = await import('../../src/stores/atomic-write.js');
    const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-stray-'));
    try {
      const old = new Date(Date.now() - 2 * STRAY_AGE_MS);
      for (const name of [
        '.google-ads.yaml.0123456789ab.tmp',
        'google-ads.yaml.lock.new-00ff00ff00ff00ff',
        '.other.yaml.0123456789ab.tmp',
        '.google-ads.yaml.notours.tmp',
      ]) {
        writeFileSync(join(dir, name), 'x');
        utimesSync(join(dir, name), old, old);
      }
      writeFileSync(join(dir, '.google-ads.yaml.aaaaaaaaaaaa.tmp'), 'a live writer'); // fresh
      await writeFileAtomic(join(dir, 'google-ads.yaml'), 'client_id: x\n');
      assert.deepEqual(readdirSync(dir).sort(), [
        '.google-ads.yaml.aaaaaaaaaaaa.tmp',
        '.google-ads.yaml.notours.tmp',
        '.other.yaml.0123456789ab.tmp',
        'google-ads.yaml',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
