// The CLI's V8 code cache (src/cli/bin/load-run.ts) is code: it must be used only from a
// directory and a file that are this user's alone, be written 0600 in a 0700 directory, and be
// off with ADS_OAUTH_CODE_CACHE=0.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const BIN = join(process.cwd(), 'dist/cli/ads-oauth.cjs');
const base = mkdtempSync(join(tmpdir(), 'ads-oauth-cache-'));
after(() => rmSync(base, { recursive: true, force: true }));

function run(cacheHome: string, extra: Record<string, string> = {}) {
  // A verify with a refresh token and no reachable endpoint: a real run of the commands' bundle.
  return spawnSync(process.execPath, [BIN, 'verify', '--refresh-token', '1//x', '--client-id', 'a', '--client-secret', 'b'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: base,
      XDG_CACHE_HOME: cacheHome,
      ADS_OAUTH_TOKEN_URI: 'http://127.0.0.1:9/token',
      ...extra,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('the CLI code cache', { skip: process.platform === 'win32' }, () => {
  it('is written 0600 in a 0700 directory, and a file others can write is not trusted but replaced', () => {
    const home = join(base, 'a');
    run(home);
    const dir = join(home, 'ads-oauth');
    const file = join(dir, 'v8-verify.cache');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // A trusted cache is read, not rewritten.
    const first = statSync(file).mtimeMs;
    run(home);
    assert.equal(statSync(file).mtimeMs, first, 'a good private cache is used as it is');
    // Someone else could have written it: ignored, compiled afresh, and replaced by a private one.
    const planted = readFileSync(file);
    chmodSync(file, 0o666);
    writeFileSync(file, planted);
    run(home);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'an untrusted cache is replaced');
  });

  it('a run from the cache still loads what it imports late (node:https, the browser opener): no dynamic-import failure, no warning', () => {
    const home = join(base, 'late-imports');
    // An https endpoint that refuses: the refresh loads node:https with import() (from the cache
    // on the second and third run), and must fail as a network error, not an internal one.
    const config = join(base, 'late-imports.yaml');
    writeFileSync(config, 'client_id: a.apps.googleusercontent.com\nclient_secret: b\nrefresh_token: 1//x\n', { mode: 0o600 });
    for (let i = 0; i < 3; i++) {
      const r = spawnSync(process.execPath, [BIN, 'verify', '--config', config], {
        env: { PATH: process.env['PATH'] ?? '', HOME: base, XDG_CACHE_HOME: home, ADS_OAUTH_TOKEN_URI: 'https://127.0.0.1:9/token' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.status, 7, r.stderr);
      assert.match(r.stdout, /Refresh at https:\/\/127\.0\.0\.1:9\/token failed: network/, `run ${i + 1}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, /dynamic import|refresh_failed/, `run ${i + 1}`);
      // Without NODE_NO_WARNINGS: nothing experimental is used.
      assert.doesNotMatch(r.stderr, /ExperimentalWarning/, `run ${i + 1}`);
      if (i === 0) assert.ok(existsSync(join(home, 'ads-oauth', 'v8-verify.cache')), 'the first run wrote the cache');
    }
  });

  it('a cache in a directory others can write is not used', () => {
    const home = join(base, 'b');
    run(home);
    const dir = join(home, 'ads-oauth');
    const file = join(dir, 'v8-verify.cache');
    const before = statSync(file).mtimeMs;
    chmodSync(dir, 0o777);
    const r = run(home);
    assert.notEqual(r.status, null);
    assert.equal(statSync(file).mtimeMs, before, 'nothing is written into a shared directory either');
  });

  it('ADS_OAUTH_CODE_CACHE=0 writes nothing', () => {
    const home = join(base, 'c');
    run(home, { ADS_OAUTH_CODE_CACHE: '0' });
    assert.equal(existsSync(join(home, 'ads-oauth')), false);
  });
});
