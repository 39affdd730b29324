// `npm run demo -- serve` as a person on a laptop runs it: the demo provider and `ads-oauth serve`
// together on SQLite with a loopback public URL. With --auto it connects in headless Chromium and
// checks the broker's token; without, it prints what to open and an API key, and the test follows
// those instructions (a headless HTTP browser, then the printed API key), then stops it with SIGINT.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { ROOT, withDistBuildLock } from '../support/cli.js';
import { httpBrowser, httpConnect } from '../support/http-consent.js';

function startDemo(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['DISPLAY'];
  delete env['WAYLAND_DISPLAY'];
  delete env['NODE_NO_WARNINGS']; // so a runtime warning would show
  const child = spawn('npm', ['run', 'demo', '--', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const killGroup = (signal: NodeJS.Signals = 'SIGKILL'): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const closed = new Promise<{ code: number | null }>((resolve) => child.once('close', (code) => resolve({ code })));
  const timer = setTimeout(() => killGroup(), 50_000);
  void closed.then(() => {
    clearTimeout(timer);
    killGroup();
  });
  return {
    output: () => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
    stderr: () => stderr,
    killGroup,
    closed,
    async waitFor(pattern: RegExp, ms = 40_000): Promise<RegExpMatchArray> {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = stderr.match(pattern);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`no ${pattern}:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

describe('npm run demo -- serve', { timeout: 120_000 }, () => {
  test('--auto: connects in Chromium, the broker serves a token the provider accepts, exit 0', { timeout: 60_000 }, async () => {
    const demo = await withDistBuildLock(async () => {
      const run = startDemo(['serve', '--auto']);
      await run.closed;
      return run;
    });
    const { code } = await demo.closed;
    assert.equal(code, 0, demo.output());
    const stderr = demo.stderr();
    assert.match(stderr, /ads-oauth serve listening on http:\/\/127\.0\.0\.1:\d+ \(sqlite\)/);
    assert.match(stderr, /LOCAL Google-like OAuth 2\.0 provider/);
    assert.match(stderr, /Open http:\/\/127\.0\.0\.1:\d+\/ in your browser/);
    assert.match(stderr, /API key \(for the broker\): aok_\S+/);
    assert.match(stderr, /\[demo\] 200: Connected as ads-user@example\.com/);
    assert.match(stderr, /access-token: 200, .*the provider accepts it/);
    assert.doesNotMatch(stderr, /Deprecation|Warning/i, 'no runtime warnings in front of the user');
  });

  test('interactive: the printed URL, login and API key work; Ctrl-C stops it', { timeout: 60_000 }, async () => {
    await withDistBuildLock(async () => {
      const demo = startDemo(['serve']);
      try {
        const open = (await demo.waitFor(/Open (http:\/\/127\.0\.0\.1:\d+)\/ in your browser/))[1]!;
        const login = (await demo.waitFor(/login: +(\S+)/))[1]!;
        const password = (await demo.waitFor(/password: +(\S+)/))[1]!;
        const apiKey = (await demo.waitFor(/API key \(for the broker\): (\S+)/))[1]!;
        await demo.waitFor(/Press Ctrl-C to stop/);
        const home = await fetch(`${open}/`);
        assert.match(await home.text(), /Connect your Google Ads account/);
        const outcome = await httpConnect(httpBrowser(), open, open, { login, password });
        assert.equal(outcome.status, 200, outcome.body);
        assert.match(outcome.body, /Connected as ads-user@example\.com/);
        const headers = { authorization: `Bearer ${apiKey}` };
        const { accounts } = (await (await fetch(`${open}/api/v1/accounts`, { headers })).json()) as { accounts: Array<{ id: string }> };
        assert.equal(accounts.length, 1);
        const token = await fetch(`${open}/api/v1/accounts/${accounts[0]!.id}/access-token`, { headers });
        assert.equal(token.status, 200);
        demo.killGroup('SIGINT'); // what Ctrl-C in the terminal does
        await Promise.race([
          demo.closed,
          new Promise((_, reject) => setTimeout(() => reject(new Error(`still running after SIGINT:\n${demo.output()}`)), 15_000)),
        ]);
        assert.ok((await fetch(`${open}/healthz`).catch(() => undefined)) === undefined, 'the server is gone');
      } finally {
        demo.killGroup();
      }
    });
  });
});
