// `npm run demo -- --auto` from the repository, as a user would run it: builds, starts the local
// Google-like provider, runs the CLI, completes the consent in headless Chromium and ends with the
// refresh token on stdout and the CLI's exit code. Also in paste mode (--auto --headless).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT, withDistBuildLock } from '../support/cli.js';

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run demo -- ARGS` in its own process group; kills the whole group on a hang. */
function runDemo(args: string[], timeoutMs = 50_000, extraEnv: NodeJS.ProcessEnv = {}): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1', ...extraEnv };
  delete env['GOOGLE_ADS_CONFIGURATION_FILE_PATH'];
  delete env['DISPLAY'];
  delete env['WAYLAND_DISPLAY'];
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', 'demo', '--', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      stderr += `\n[test] killed after ${timeoutMs} ms\n`;
      killGroup();
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      killGroup(); // nothing of the demo may outlive it
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('npm run demo', { timeout: 300_000 }, () => {
  test('npm run demo -- --auto: exit 0 with the refresh token', { timeout: 60_000 }, async () => {
    const result = await withDistBuildLock(() => runDemo(['--auto']));
    const output = `--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
    assert.equal(result.code, 0, output);
    assert.match(result.stdout, /^Your refresh token is: \S+$/m, output);
    assert.match(result.stderr, /LOCAL Google-like OAuth 2\.0 provider, not Google/, output);
    assert.match(result.stderr, /login: {4}ads-user@example\.com/);
    assert.match(result.stderr, /password: pw-/);
    assert.match(result.stderr, /Paste this URL in your browser:/, 'the CLI stderr is shown');
    assert.ok(!result.stdout.includes('Paste this URL'));
  });

  test('npm run demo -- --auto --headless: the final address is pasted to the CLI', { timeout: 60_000 }, async () => {
    const result = await withDistBuildLock(() => runDemo(['--auto', '--headless']));
    const output = `--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
    assert.equal(result.code, 0, output);
    assert.match(result.stdout, /^Your refresh token is: \S+$/m, output);
    assert.match(result.stderr, /Copy the full address from the browser's address bar/, output);
  });

  test('npm run demo -- --auto --config: writes in its temp dir, never over ~/google-ads.yaml', { timeout: 60_000 }, async () => {
    const home = await mkdtemp(join(tmpdir(), 'ads-oauth-demo-home-'));
    try {
      const real = join(home, 'google-ads.yaml');
      const original =
        'developer_token: REAL-DEV-TOKEN\nclient_id: real.apps.googleusercontent.com\nclient_secret: real-secret\nrefresh_token: 1//real-refresh\nuse_proto_plus: true\n';
      await writeFile(real, original, { mode: 0o600 });
      const before = await stat(real);
      const result = await withDistBuildLock(() => runDemo(['--auto', '--config'], 50_000, { HOME: home, USERPROFILE: home }));
      const output = `--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
      assert.equal(result.code, 0, output);
      assert.equal(await readFile(real, 'utf8'), original, 'the real ~/google-ads.yaml was changed');
      assert.equal((await stat(real)).mtimeMs, before.mtimeMs);
      const said = /Config file: (\S+google-ads\.yaml) \(the demo's temp dir/.exec(result.stderr);
      assert.ok(said, output);
      assert.ok(!said[1]!.startsWith(home), said[1]);
      assert.match(result.stderr, new RegExp(`Created ${said[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), output);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  test('npm run demo -- --auto --lifecycle: verify OK, customers listed, revoked, exit 0', { timeout: 90_000 }, async () => {
    const home = await mkdtemp(join(tmpdir(), 'ads-oauth-demo-home-'));
    try {
      const result = await withDistBuildLock(() => runDemo(['--auto', '--lifecycle'], 80_000, { HOME: home, USERPROFILE: home }));
      const output = `--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
      assert.equal(result.code, 0, output);
      assert.match(result.stderr, /tokeninfo and the Google Ads API: LOCAL STAND-INS/, output);
      // Each command is printed before it runs, and its result follows.
      const order = ['$ ads-oauth verify --config', '$ ads-oauth customers --config', '$ ads-oauth revoke --config'].map((c) =>
        result.stderr.indexOf(c),
      );
      assert.ok(order.every((i) => i >= 0) && order[0]! < order[1]! && order[1]! < order[2]!, output);
      assert.match(result.stderr, /\[demo\] ads-oauth verify: exit 0\n/, output);
      assert.match(result.stdout, /^The refresh token works\.$/m, output);
      assert.match(result.stdout, /^PASS {2}ads_api /m, output);
      assert.match(result.stdout, /^1234567890$/m, 'the customers list');
      assert.match(result.stdout, /^9876543210$/m, 'the customers list');
      assert.match(result.stdout, /^Revoked the refresh token at http:\/\/127\.0\.0\.1:\d+\/revoke\.$/m, output);
      // The revoke was real: the demo provider refuses the token afterwards.
      assert.match(result.stdout, /^FAIL {2}refresh .*invalid_grant/m, output);
      assert.match(result.stderr, /Lifecycle done/, output);
      assert.ok(!(await readdir(home)).includes('google-ads.yaml'), 'a google-ads.yaml was written to HOME');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
