// `npm run demo [-- ARGS]`: try generate-user-credentials without a Google Cloud project.
//
// Starts a local Google-like OAuth 2.0 provider (oidc-provider, from the test harness) on
// 127.0.0.1, writes an installed ("Desktop app") client file for it into a temp dir, prints the
// demo user's login and password, and runs the built CLI against it:
//
//   npm run demo                     you consent in your own browser (the CLI opens it when it can)
//   npm run demo -- --no-open        the CLI only prints the URL; other CLI flags pass through too
//   npm run demo -- --auto           the consent is done for you in headless Chromium
//   npm run demo -- --auto --headless  the same in paste mode: the final address is fed to stdin
//
// Exits with the CLI's exit code and closes the provider, the browser and the temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { completeConsent, launchBrowser, type LaunchedBrowser } from '../test/support/browser.js';
import { startGoogleLikeProvider, type GoogleLikeProvider } from '../test/support/google-like-provider.js';

const CLI = fileURLToPath(new URL('../dist/cli/generate-user-credentials.js', import.meta.url));
const CONSENT_URL = /Paste this URL in your browser:\r?\n\r?\n(\S+)\r?\n/;

const say = (line = ''): void => void process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const auto = argv.includes('--auto');
  const cliArgs = argv.filter((arg) => arg !== '--auto');
  const headless = cliArgs.includes('--headless');
  if (auto && !cliArgs.includes('--no-open')) cliArgs.push('--no-open');

  if (!existsSync(CLI)) {
    say(`${CLI} is missing: run \`npm run build\` first (\`npm run demo\` does).`);
    return 1;
  }

  let provider: GoogleLikeProvider | undefined;
  let browser: LaunchedBrowser | undefined;
  let dir: string | undefined;
  let child: ChildProcess | undefined;
  // Ctrl-C reaches the CLI too (same process group): let it end the run and report 130.
  const onSigint = (): void => {};
  const onSigterm = (): void => void child?.kill('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);

  try {
    // The browser starts while the provider does.
    const browserPromise = auto ? launchBrowser() : undefined;
    browserPromise?.catch(() => {}); // reported where awaited
    provider = await startGoogleLikeProvider();
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-demo-'));
    const clientFile = await provider.writeClientFile('installed', dir);

    say('┌──────────────────────────────────────────────────────────────────────────────');
    say('│ ads-oauth demo: a LOCAL Google-like OAuth 2.0 provider, not Google.');
    say(`│ It runs at ${provider.issuer} (oidc-provider), only for this demo; the`);
    say('│ refresh token you get works against it alone. No Google account is involved.');
    say('│');
    say('│ Sign in on its consent screen with these demo credentials:');
    say(`│   login:    ${provider.user.login}`);
    say(`│   password: ${provider.user.password}`);
    say('│');
    say(`│ Client file: ${clientFile}`);
    say(`│ Running: generate-user-credentials --client_secrets_path=<client file>${cliArgs.length ? ` ${cliArgs.join(' ')}` : ''}`);
    if (auto) say(`│ --auto: the consent is completed for you in headless Chromium${headless ? ' and the address is pasted to stdin' : ''}.`);
    say('└──────────────────────────────────────────────────────────────────────────────');
    say();

    const args = [CLI, `--client_secrets_path=${clientFile}`, ...cliArgs];
    child = spawn(process.execPath, args, {
      stdio: auto ? ['pipe', 'inherit', 'pipe'] : 'inherit',
    });
    const running = child;
    const exited = new Promise<number>((resolve) => {
      running.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 1)));
      running.once('error', (error) => {
        say(`[demo] could not start the CLI: ${error.message}`);
        resolve(1);
      });
    });

    if (auto) {
      running.stdin?.on('error', () => {});
      let stderr = '';
      let onOutput = (): void => {};
      running.stderr!.on('data', (chunk: Buffer) => {
        process.stderr.write(chunk);
        stderr += chunk.toString('utf8');
        onOutput();
      });
      /** Resolves with the first match of `pattern` on the CLI's stderr. */
      const waitFor = (pattern: RegExp): Promise<RegExpMatchArray> =>
        new Promise((resolve, reject) => {
          const check = (): void => {
            const match = stderr.match(pattern);
            if (match) resolve(match);
          };
          const previous = onOutput;
          onOutput = () => {
            previous();
            check();
          };
          check();
          void exited.then(() => reject(new Error(`the CLI exited before printing ${pattern}`)));
        });
      try {
        const url = (await waitFor(CONSENT_URL))[1]!;
        // Let the CLI finish its own lines (the wait notice, or the paste instructions) first.
        await Promise.race([
          waitFor(headless ? /Copy the full address[^\n]*\n/ : /Waiting up to [^\n]*\n/),
          new Promise((resolve) => setTimeout(resolve, 1_500).unref()),
        ]);
        browser = await browserPromise!;
        const page = await browser.page();
        say('[demo] Signing in and pressing Allow in headless Chromium…');
        const outcome = await completeConsent(page, url, { login: provider.user.login, password: provider.user.password });
        say(`[demo] The browser was sent to ${new URL(outcome.finalUrl).origin}${new URL(outcome.finalUrl).pathname}`);
        if (headless) {
          say('[demo] Pasting that address into the CLI…');
          running.stdin?.end(`${outcome.finalUrl}\n`);
        } else {
          running.stdin?.end();
        }
        await page.close().catch(() => {});
      } catch (error) {
        if (child.exitCode === null && child.signalCode === null) {
          say(`[demo] ${(error as Error).message}`);
          child.kill('SIGTERM');
        }
      }
    }
    return await exited;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await browser?.close().catch(() => {});
    await provider?.close().catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    say(`[demo] ${(error as Error)?.stack ?? String(error)}`);
    process.exitCode = 1;
  },
);
