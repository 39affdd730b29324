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
