// examples/node-http.ts and examples/express.ts run as a user would run them (tsx), against the
// Google-like provider: the user connects in headless Chromium, then the example's token endpoint
// hands out an access token the provider accepts. (tsconfig includes examples/: tsc type-checks them.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, completeConsent, type LaunchedBrowser } from '../support/browser.js';
import { ROOT } from '../support/cli.js';
import { getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';

describe('examples/', { timeout: 90_000 }, () => {
  let browser: LaunchedBrowser;
  let dir: string;
  before(async () => {
    browser = await launchBrowser();
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-examples-'));
  });
  after(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const example of ['node-http', 'express']) {
    test(`examples/${example}.ts: connect in Chromium, then an access token from the broker`, async (t) => {
      const base = `http://127.0.0.1:${await getFreePort()}`;
      const provider: GoogleLikeProvider = await startGoogleLikeProvider({ webRedirectUris: [`${base}/oauth2callback`] });
      t.after(() => provider.close());
      const clientFile = await provider.writeClientFile('web', dir);
      const appSecret = randomBytes(18).toString('base64url');
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'examples', `${example}.ts`), clientFile, base], {
        cwd: ROOT, // where tsx resolves
        env: {
          PATH: process.env['PATH'],
          NODE_NO_WARNINGS: '1',
          ADS_OAUTH_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
          APP_SECRET: appSecret,
          DATABASE: join(dir, `${example}.sqlite`),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      t.after(() => void child.kill('SIGKILL'));
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${output}`)), 30_000);
        const check = () => {
          if (output.includes(`listening on ${base}`)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', check);
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`exited ${code}: ${output}`));
        });
      });

      // The browser's /connect sets the pre-auth cookie in its context; the consent follows.
      const start = await browser.context.request.get(`${base}/connect`, { maxRedirects: 0 });
      assert.equal(start.status(), 302);
      const page = await browser.page();
      let outcome;
      try {
        outcome = await completeConsent(page, start.headers()['location']!, { ...provider.user });
      } finally {
        await page.close();
      }
      assert.equal(outcome.status, 200, outcome.bodyText);
      const id = /Connected as ads-user@example\.com \(account (acc_[\w-]+)\)/.exec(outcome.bodyText)?.[1];
      assert.ok(id, outcome.bodyText);

      assert.equal((await fetch(`${base}/token/${id}`)).status, 401, 'the token endpoint needs the app secret');
      const answer = await fetch(`${base}/token/${id}`, { headers: { authorization: `Bearer ${appSecret}` } });
      assert.equal(answer.status, 200);
      const { access_token } = (await answer.json()) as { access_token: string };
      const userinfo = await fetch(`${provider.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${access_token}` } });
      assert.equal(userinfo.status, 200);
      assert.equal(((await userinfo.json()) as { email: string }).email, provider.user.login);
      const unknown = await fetch(`${base}/token/acc_nope`, { headers: { authorization: `Bearer ${appSecret}` } });
      assert.equal(unknown.status, 404);
      // A replayed callback is refused, never "connected".
      const replay = await fetch(outcome.finalUrl);
      assert.equal(replay.status, 400);
      assert.doesNotMatch(await replay.text(), /Connected as/);
      child.kill('SIGTERM');
    });
  }
});
