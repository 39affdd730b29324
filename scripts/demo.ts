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
//   npm run demo -- --lifecycle      then runs `ads-oauth verify`, `customers` and `revoke` on the
//                                    new token (tokeninfo and the Ads API are local stand-ins)
//   npm run demo -- --config         writes google-ads.yaml into the demo's temp dir (never to
//                                    ~/google-ads.yaml: the demo's credentials die with it);
//                                    `--config PATH` writes to PATH, which the user chose
//   npm run demo -- serve            `ads-oauth serve` on SQLite in a temp dir with a loopback
//                                    public URL and a web client of the demo provider; prints what
//                                    to open and an API key for the broker; runs until Ctrl-C
//                                    (`--port N` picks the port, `--logs` shows its JSON logs)
//   npm run demo -- serve --auto     the same, then connects in headless Chromium, asks the broker
//                                    for an access token, and exits
//
// Exits with the CLI's exit code and closes the provider, the browser and the temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { completeConsent, launchBrowser, type LaunchedBrowser } from '../test/support/browser.js';
import { startFakeGoogleApis, type FakeGoogleApis } from '../test/support/fake-google-apis.js';
import { getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../test/support/google-like-provider.js';

const CLI = fileURLToPath(new URL('../dist/cli/generate-user-credentials.cjs', import.meta.url));
const ADS_OAUTH = fileURLToPath(new URL('../dist/cli/ads-oauth.cjs', import.meta.url));
const CONSENT_URL = /Paste this URL in your browser:\r?\n\r?\n(\S+)\r?\n/;

const say = (line = ''): void => void process.stderr.write(`${line}\n`);

/**
 * Finds `--config` in the CLI arguments. Bare `--config` would write to the user's real default
 * config ($GOOGLE_ADS_CONFIGURATION_FILE_PATH or ~/google-ads.yaml): it is rewritten to a file in
 * the demo's temp dir. An explicit PATH stays, resolved against the directory npm was run from.
 */
function placeConfig(args: string[], tempDir: string, userCwd: string): { args: string[]; path?: string; explicit: boolean } {
  const out: string[] = [];
  let path: string | undefined;
  let explicit = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--config') {
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        path = resolve(userCwd, next);
        explicit = true;
        i += 1;
      } else {
        path = join(tempDir, 'google-ads.yaml');
      }
      out.push(`--config=${path}`);
    } else if (arg.startsWith('--config=')) {
      const value = arg.slice('--config='.length);
      path = value ? resolve(userCwd, value) : join(tempDir, 'google-ads.yaml');
      explicit = value !== '';
      out.push(`--config=${path}`);
    } else {
      out.push(arg);
    }
  }
  return path === undefined ? { args: out, explicit } : { args: out, path, explicit };
}

/** Runs a command with inherited output; resolves with its exit code. */
function runShown(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolveCode) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.once('exit', (code, signal) => resolveCode(code ?? 128 + (signal ? constants.signals[signal] : 1)));
    child.once('error', (error) => {
      say(`[demo] could not start ${args[0]}: ${error.message}`);
      resolveCode(1);
    });
  });
}

/**
 * `--lifecycle`: the real `ads-oauth verify`, `customers` and `revoke` on the config file the CLI
 * just wrote. The token and revocation endpoints are the demo provider's; tokeninfo and the
 * Google Ads API are local stand-ins (test/support/fake-google-apis.ts), as they cannot run here.
 */
async function lifecycle(provider: GoogleLikeProvider, fakes: FakeGoogleApis, configPath: string): Promise<number> {
  const env: Record<string, string> = {
    ADS_OAUTH_TOKEN_URI: provider.tokenUri,
    ADS_OAUTH_REVOKE_URI: provider.revokeUri,
    ADS_OAUTH_TOKENINFO_URI: fakes.tokeninfoUri,
    GOOGLE_ADS_API_ENDPOINT: fakes.adsEndpoint,
    GOOGLE_ADS_DEVELOPER_TOKEN: 'demo-developer-token',
  };
  say();
  say('┌──────────────────────────────────────────────────────────────────────────────');
  say('│ --lifecycle: the real ads-oauth verify, customers and revoke on that token.');
  say(`│ Token and revocation endpoints: the demo provider (${provider.issuer}).`);
  say(`│ tokeninfo and the Google Ads API: LOCAL STAND-INS at ${fakes.origin}, not Google`);
  say('│ (they answer for the demo client with two made-up accounts).');
  say('│ Environment for the commands below:');
  for (const [name, value] of Object.entries(env)) say(`│   ${name}=${value}`);
  say('└──────────────────────────────────────────────────────────────────────────────');
  const childEnv = { ...process.env, ...env };
  const steps: Array<{ command: string; expectOk: boolean; note?: string }> = [
    { command: 'verify', expectOk: true },
    { command: 'customers', expectOk: true },
    { command: 'revoke', expectOk: true },
    { command: 'verify', expectOk: false, note: 'after revoke the provider refuses the refresh token, so this must fail' },
  ];
  for (const step of steps) {
    say();
    say(`$ ads-oauth ${step.command} --config ${configPath}${step.note ? `    # ${step.note}` : ''}`);
    const code = await runShown([ADS_OAUTH, step.command, `--config=${configPath}`], childEnv);
    const ok = code === 0;
    say(
      `[demo] ads-oauth ${step.command}: exit ${code}${ok === step.expectOk ? '' : step.expectOk ? ' (expected 0)' : ' (expected a failure)'}`,
    );
    if (ok !== step.expectOk) return code === 0 ? 1 : code;
  }
  say();
  say('[demo] Lifecycle done: verify OK, customers listed, token revoked (and refused afterwards).');
  return 0;
}

/** Runs a bin with captured output; resolves with its exit code and output. */
function runCaptured(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** `npm run demo -- serve [--auto] [--port N] [--logs]`: the demo provider and `ads-oauth serve` together. */
async function serveDemo(argv: string[]): Promise<number> {
  const auto = argv.includes('--auto');
  const logs = argv.includes('--logs');
  const portIndex = argv.indexOf('--port');
  const unknown = argv.filter((arg, i) => !['--auto', '--logs', '--port'].includes(arg) && !(portIndex >= 0 && i === portIndex + 1));
  if (unknown.length > 0) {
    say(`[demo] serve takes --auto, --logs and --port N, not ${unknown.join(' ')}`);
    return 2;
  }
  const port = portIndex >= 0 ? Number(argv[portIndex + 1]) : await getFreePort();
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    say('[demo] --port needs a port number');
    return 2;
  }
  const publicUrl = `http://127.0.0.1:${port}`;
  let provider: GoogleLikeProvider | undefined;
  let browser: LaunchedBrowser | undefined;
  let dir: string | undefined;
  let child: ChildProcess | undefined;
  const onSignal = (): void => void child?.kill('SIGTERM');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    provider = await startGoogleLikeProvider({ webRedirectUris: [`${publicUrl}/oauth2callback`] });
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-demo-serve-'));
    const clientFile = await provider.writeClientFile('web', dir);
    const database = join(dir, 'serve.sqlite');
    const env = { ...process.env, ADS_OAUTH_ENCRYPTION_KEYS: `demo:${randomBytes(32).toString('base64')}` };
    const created = await runCaptured([ADS_OAUTH, 'serve', 'api-key', 'create', '--name', 'demo', '--database', database], env);
    if (created.code !== 0) {
      process.stderr.write(created.stderr);
      return created.code ?? 1;
    }
    const apiKey = created.stdout.trim();

    const args = [
      ADS_OAUTH,
      'serve',
      '--client_secrets_path',
      clientFile,
      '--public-url',
      publicUrl,
      '--listen',
      `127.0.0.1:${port}`,
      '--database',
      database,
    ];
    child = spawn(process.execPath, args, { stdio: ['ignore', logs ? 'inherit' : 'ignore', 'pipe'], env });
    const running = child;
    const exited = new Promise<number>((resolveCode) => {
      running.once('exit', (code, signal) => resolveCode(code ?? 128 + (signal ? constants.signals[signal] : 1)));
      running.once('error', () => resolveCode(1));
    });
    let stderr = '';
    running.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    const listening = await Promise.race([
      new Promise<boolean>((resolveListening) => {
        const check = (): void => {
          if (stderr.includes('ads-oauth serve listening on')) resolveListening(true);
        };
        running.stderr!.on('data', check);
        check();
      }),
      exited.then(() => false),
    ]);
    if (!listening) return await exited;

    say();
    say('┌──────────────────────────────────────────────────────────────────────────────');
    say('│ ads-oauth demo: `ads-oauth serve` with a LOCAL Google-like OAuth 2.0 provider,');
    say(`│ not Google (${provider.issuer}, oidc-provider, only for this demo).`);
    say('│');
    say(`│ Open ${publicUrl}/ in your browser and press "Connect Google Ads".`);
    say("│ Sign in on the provider's consent screen with these demo credentials:");
    say(`│   login:    ${provider.user.login}`);
    say(`│   password: ${provider.user.password}`);
    say('│');
    say(`│ API key (for the broker): ${apiKey}`);
    say(`│   curl -H "Authorization: Bearer ${apiKey}" ${publicUrl}/api/v1/accounts`);
    say(`│   curl -H "Authorization: Bearer ${apiKey}" ${publicUrl}/api/v1/accounts/<id>/access-token`);
    say('│');
    say(`│ Database: ${database} (SQLite, in a temp dir deleted at the end)`);
    say(auto ? '│ --auto: connecting in headless Chromium, then asking the broker for a token.' : '│ Press Ctrl-C to stop.');
    say('└──────────────────────────────────────────────────────────────────────────────');

    if (!auto) return await exited;
    const launched = await launchBrowser();
    browser = launched;
    const start = await launched.context.request.get(`${publicUrl}/connect`, { maxRedirects: 0 });
    const page = await launched.page();
    const outcome = await completeConsent(page, start.headers()['location'] ?? '', {
      login: provider.user.login,
      password: provider.user.password,
    });
    await page.close().catch(() => {});
    say(
      `[demo] ${outcome.status ?? '-'}: ${outcome.bodyText.split('\n').find((line) => line.includes('Connected as')) ?? outcome.bodyText.slice(0, 200)}`,
    );
    const headers = { authorization: `Bearer ${apiKey}` };
    const { accounts } = (await (await fetch(`${publicUrl}/api/v1/accounts`, { headers })).json()) as {
      accounts: Array<{ id: string; email: string }>;
    };
    const account = accounts[0];
    let ok = false;
    if (account) {
      const answer = await fetch(`${publicUrl}/api/v1/accounts/${account.id}/access-token`, { headers });
      const token = (await answer.json()) as { access_token?: string; expires_at?: string };
      // The token itself is not printed; the provider's userinfo says whether it works.
      const userinfo = token.access_token
        ? await fetch(`${provider.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${token.access_token}` } })
        : undefined;
      ok = answer.status === 200 && userinfo?.status === 200;
      say(
        `[demo] GET /api/v1/accounts/${account.id}/access-token: ${answer.status}, expires ${token.expires_at ?? '-'}; the provider ${ok ? 'accepts' : 'does not accept'} it`,
      );
    } else {
      say('[demo] no account was stored');
    }
    running.kill('SIGTERM');
    const code = await exited;
    return ok ? code : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await browser?.close().catch(() => {});
    await provider?.close().catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'serve') {
    if (!existsSync(ADS_OAUTH)) {
      say(`${ADS_OAUTH} is missing: run \`npm run build\` first (\`npm run demo\` does).`);
      return 1;
    }
    return serveDemo(argv.slice(1));
  }
  const auto = argv.includes('--auto');
  const withLifecycle = argv.includes('--lifecycle');
  let cliArgs = argv.filter((arg) => arg !== '--auto' && arg !== '--lifecycle');
  const headless = cliArgs.includes('--headless');
  if (auto && !cliArgs.includes('--no-open')) cliArgs.push('--no-open');

  if (!existsSync(CLI) || !existsSync(ADS_OAUTH)) {
    say(`${CLI} is missing: run \`npm run build\` first (\`npm run demo\` does).`);
    return 1;
  }

  let provider: GoogleLikeProvider | undefined;
  let fakes: FakeGoogleApis | undefined;
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
    // Bare --config goes to the temp dir, and so does the default the CLI would fall back to.
    const userCwd = process.env['INIT_CWD'] ?? process.cwd();
    const placed = placeConfig(cliArgs, dir, userCwd);
    cliArgs = placed.args;
    let configPath = placed.path;
    if (withLifecycle && configPath === undefined) {
      configPath = join(dir, 'google-ads.yaml');
      cliArgs.push(`--config=${configPath}`);
    }
    if (withLifecycle) fakes = await startFakeGoogleApis({ clientId: provider.installed.client_id });

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
    if (configPath !== undefined) {
      say(
        placed.explicit
          ? `│ Config file: ${configPath} (the path you gave; its credentials work only while the demo runs).`
          : `│ Config file: ${configPath} (the demo's temp dir, deleted at the end; ~/google-ads.yaml is not touched).`,
      );
    }
    if (auto)
      say(`│ --auto: the consent is completed for you in headless Chromium${headless ? ' and the address is pasted to stdin' : ''}.`);
    say('└──────────────────────────────────────────────────────────────────────────────');
    say();

    const args = [CLI, `--client_secrets_path=${clientFile}`, ...cliArgs];
    child = spawn(process.execPath, args, {
      stdio: auto ? ['pipe', 'inherit', 'pipe'] : 'inherit',
      env: { ...process.env, GOOGLE_ADS_CONFIGURATION_FILE_PATH: join(dir, 'google-ads.yaml') },
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
    const code = await exited;
    if (code !== 0 || !withLifecycle) return code;
    child = undefined;
    return await lifecycle(provider, fakes!, configPath!);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await browser?.close().catch(() => {});
    await provider?.close().catch(() => {});
    await fakes?.close().catch(() => {});
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
