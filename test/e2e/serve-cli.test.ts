// `ads-oauth serve` as users run it (the built CLI): start-up checks, the listening line, /connect,
// api-key create/list/revoke against the running server, SIGTERM → exit 0, and that other
// commands load nothing of Fastify or the database drivers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, spawnCli } from '../support/cli.js';
import { getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';

describe('ads-oauth serve (the CLI)', { timeout: 120_000 }, () => {
  let provider: GoogleLikeProvider;
  let dir: string;
  let webFile: string;
  let installedFile: string;
  let base: string;
  let port: number;
  const keys = `k1:${randomBytes(32).toString('base64')}`;

  before(async () => {
    port = await getFreePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startGoogleLikeProvider({ webRedirectUris: [`${base}/oauth2callback`] });
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-cli-'));
    webFile = await provider.writeClientFile('web', dir);
    installedFile = await provider.writeClientFile('installed', dir);
  });
  after(async () => {
    await provider?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const env = { ADS_OAUTH_ENCRYPTION_KEYS: keys };

  test('start-up refuses an installed client, an unregistered redirect URI, plain http off loopback and missing keys', async () => {
    const installed = await runCli(['serve', '--client_secrets_path', installedFile, '--public-url', base], {
      env,
      cwd: dir,
      bin: 'ads-oauth',
    });
    assert.notEqual(installed.code, 0);
    assert.match(installed.stderr, /installed/);
    const other = await runCli(['serve', '--client-secrets-path', webFile, '--public-url', 'http://127.0.0.1:1/'], {
      env,
      cwd: dir,
      bin: 'ads-oauth',
    });
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /http:\/\/127\.0\.0\.1:1\/oauth2callback/);
    const insecure = await runCli(['serve', '--client_secrets_path', webFile, '--public-url', 'http://example.com'], {
      env,
      cwd: dir,
      bin: 'ads-oauth',
    });
    assert.notEqual(insecure.code, 0);
    assert.match(insecure.stderr, /https/);
    const noKeys = await runCli(['serve', '--client_secrets_path', webFile, '--public-url', base], { cwd: dir, bin: 'ads-oauth' });
    assert.notEqual(noKeys.code, 0);
    assert.match(noKeys.stderr, /openssl rand -base64 32/);
  });

  test('listens, redirects /connect to the provider, accepts a CLI-made API key until it is revoked, exits 0 on SIGTERM', async (t) => {
    const database = join(dir, 'serve.sqlite');
    const run = await spawnCli(
      ['serve', '--client_secrets_path', webFile, '--public-url', base, '--listen', `127.0.0.1:${port}`, '--database', database],
      { env, cwd: dir, t, bin: 'ads-oauth' },
    );
    await run.waitForStderr(new RegExp(`ads-oauth serve listening on ${base.replace(/\./g, '\\.')} \\(sqlite\\)`), 30_000);
    const start = await fetch(`${base}/connect`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    assert.equal(new URL(start.headers.get('location')!).origin, provider.issuer);

    const created = await runCli(
      ['serve', 'api-key', 'create', '--name', 'ci', '--json', '--database', database, '--client_secrets_path', webFile],
      { env, cwd: dir, bin: 'ads-oauth' },
    );
    assert.equal(created.code, 0, created.stderr);
    const { id, key, name } = JSON.parse(created.stdout) as { id: string; key: string; name: string };
    assert.equal(name, 'ci');
    const plain = await runCli(['serve', 'api-key', 'create', '--database', database], { env, cwd: dir, bin: 'ads-oauth' });
    assert.equal(plain.stdout.trim().split('\n').length, 1);
    const listed = await runCli(['serve', 'api-key', 'list', '--json', '--database', database], { env, cwd: dir, bin: 'ads-oauth' });
    assert.ok(listed.stdout.includes(id));
    assert.ok(!listed.stdout.includes(key));

    const ok = await fetch(`${base}/api/v1/accounts`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { accounts: [] });
    assert.equal((await runCli(['serve', 'api-key', 'revoke', id, '--database', database], { env, cwd: dir, bin: 'ads-oauth' })).code, 0);
    // serve takes a key it verified on trust for 1 s (apiKeyRevalidateMs): revoked by another
    // process, it stops within that.
    const revokedAt = Date.now();
    let status = 200;
    while (Date.now() - revokedAt < 5000) {
      status = (await fetch(`${base}/api/v1/accounts`, { headers: { authorization: `Bearer ${key}` } })).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(status, 401);
    assert.ok(Date.now() - revokedAt < 2500, `the revoked key still worked ${Date.now() - revokedAt} ms later`);
    const rotated = await runCli(['serve', 'rotate-keys', '--json', '--database', database, '--client_secrets_path', webFile], {
      env,
      cwd: dir,
      bin: 'ads-oauth',
    });
    assert.equal(rotated.code, 0, rotated.stderr);

    run.kill('SIGTERM');
    const exit = await run.waitForExit(20_000);
    assert.equal(exit.code, 0, exit.stderr);
    assert.doesNotMatch(exit.stdout + exit.stderr, new RegExp(key));
  });

  test('other commands load nothing of fastify or the database drivers', async () => {
    const hook = join(dir, 'hook.mjs');
    const log = join(dir, 'loaded.txt');
    await writeFile(
      hook,
      `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(
        `import { appendFileSync } from 'node:fs'; export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }`,
      )}));\n`,
    );
    for (const command of ['verify', 'revoke', 'generate']) {
      await rm(log, { force: true });
      const result = await runCli([command, '--help'], { env: { NODE_OPTIONS: `--import=${hook}` }, cwd: dir, bin: 'ads-oauth' });
      assert.equal(result.code, 0, result.stderr);
      const { readFile } = await import('node:fs/promises');
      const loaded = await readFile(log, 'utf8');
      // The bin is a small CommonJS bundle (dist/cli/ads-oauth.cjs) that answers --help for a pipe
      // from dist/cli/help.json: the ESM resolve hook sees its URL as the main entry, and nothing
      // else may load.
      assert.match(loaded, /dist\/cli\/ads-oauth\.cjs/);
      assert.doesNotMatch(loaded, /fastify|better-sqlite3|\/pg\/|kysely|server\/serve/, command);
    }
  });
});
