// `npm run demo -- --auto` from the repository, as a user would run it: builds, starts the local
// Google-like provider, runs the CLI, completes the consent in headless Chromium and ends with the
// refresh token on stdout and the CLI's exit code. Also in paste mode (--auto --headless).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { ROOT, withDistBuildLock } from '../support/cli.js';

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run demo -- ARGS` in its own process group; kills the whole group on a hang. */
function runDemo(args: string[], timeoutMs = 50_000): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1' };
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

describe('npm run demo', { timeout: 150_000 }, () => {
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
});
