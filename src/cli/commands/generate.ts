import { randomInt } from 'node:crypto';
import { AdsOAuthError } from '../../errors.js';
import { runHeadlessFlow, headlessInstructions } from '../../flows/headless.js';
import { runLoopbackFlow } from '../../flows/loopback.js';
import { planRedirect } from '../../flows/redirect.js';
import type { FlowEvent, FlowOptions, FlowResult } from '../../flows/session.js';
import { resolveScopes } from '../../protocol/scopes.js';
import { readClientSecretsFile } from '../../stores/client-secrets.js';
import { createNodeFetch } from '../../transport/node-fetch.js';
import { formatFlags, intFlag, listFlag, parseArgs, stringFlag, type FlagSpec } from '../args.js';
import type { CliContext } from '../context.js';
import { EXIT_CODE_HELP, ExitCode } from '../exit-codes.js';
import { formatRemaining, lineReader, openBrowser, statusLine } from '../terminal.js';
import { version } from '../version.js';

export const GENERATE_FLAGS: readonly FlagSpec[] = [
  { name: 'client-secrets-path', kind: 'string', value: 'PATH', description: 'OAuth client JSON downloaded from the Google Cloud console (installed or web). Required.' },
  { name: 'additional-scopes', kind: 'list', value: 'SCOPE', description: 'Extra scopes beside https://www.googleapis.com/auth/adwords (space- or comma-separated).' },
  { name: 'scopes', kind: 'list', value: 'SCOPE', description: 'Replace the default scope list.' },
  { name: 'port', kind: 'string', value: 'N', description: 'Loopback port for the redirect (installed clients). Default: a free ephemeral port.' },
  { name: 'no-open', kind: 'boolean', description: 'Never launch a browser; just print the URL.' },
  { name: 'headless', kind: 'boolean', description: 'No listener: open the URL anywhere, then paste the address the browser ends on (SSH, containers).' },
  { name: 'timeout', kind: 'string', value: 'SECONDS', description: 'How long to wait for the browser or the paste. Default 300.' },
  { name: 'login-hint', kind: 'string', value: 'EMAIL', description: 'Pre-select this Google account on the sign-in screen.' },
  { name: 'json', kind: 'boolean', description: 'Print the result as one JSON object on stdout; human text goes to stderr.' },
  { name: 'debug', kind: 'boolean', description: 'Show error causes and stack traces (never secrets).' },
  { name: 'help', kind: 'boolean', short: 'h', description: 'Show this help.' },
  { name: 'version', kind: 'boolean', description: 'Show the version.' },
];

export function generateHelp(bin: string): string {
  return `Usage: ${bin} --client_secrets_path=PATH [options]

Gets an OAuth 2.0 refresh token for the Google Ads API (or any Google API / OAuth 2.0 provider)
with the authorization code flow and PKCE. Installed ("Desktop app") clients redirect to a one-shot
listener on http://127.0.0.1:<port>/; web clients use their registered loopback redirect URI.

Options (snake_case spellings such as --client_secrets_path are accepted too):
${formatFlags(GENERATE_FLAGS)}

Output: the refresh token and a google-ads.yaml snippet on stdout; the consent URL, progress,
warnings and errors on stderr.

${EXIT_CODE_HELP}
`;
}

/** `generate-user-credentials` / `ads-oauth generate`. */
export async function generateCommand(args: string[], ctx: CliContext, bin = 'generate-user-credentials'): Promise<number> {
  const { flags, positionals } = parseArgs(args, GENERATE_FLAGS);
  if (flags['help']) {
    ctx.stdout.write(generateHelp(bin));
    return ExitCode.OK;
  }
  if (flags['version']) {
    ctx.out(version());
    return ExitCode.OK;
  }
  if (positionals.length > 0) {
    throw new AdsOAuthError('USAGE', `Unexpected argument ${JSON.stringify(positionals[0])}. Flags take the form --name=value. See --help.`);
  }
  const path = stringFlag(flags, 'client-secrets-path');
  if (!path) {
    throw new AdsOAuthError(
      'USAGE',
      `--client_secrets_path is required: the OAuth client JSON from the Google Cloud console, e.g. ${bin} --client_secrets_path=~/client_secret_XXX.apps.googleusercontent.com.json`,
    );
  }
  const port = intFlag(flags, 'port', 1, 65535);
  const timeoutSeconds = intFlag(flags, 'timeout', 1, 86_400) ?? 300;
  const scopes = resolveScopes({ scopes: listFlag(flags, 'scopes') ?? [], additional: listFlag(flags, 'additional-scopes') ?? [] });
  const json = flags['json'] === true;
  const loginHint = stringFlag(flags, 'login-hint');

  const client = await readClientSecretsFile(path);
  const plan = planRedirect(client, {
    headless: flags['headless'] === true,
    ...(port !== undefined ? { port } : {}),
    randomPort: () => randomInt(49152, 65536),
  });
  if (plan.mode === 'headless' && plan.reason) ctx.err(`Note: ${plan.reason}`);

  const status = statusLine(ctx);
  let countdown: NodeJS.Timeout | undefined;
  const stopCountdown = (): void => {
    if (countdown) clearInterval(countdown);
    countdown = undefined;
    status.clear();
  };
  const onEvent = (event: FlowEvent): void => {
    switch (event.type) {
      case 'waiting':
        if (plan.mode === 'loopback' && ctx.stderr.isTTY) {
          const tick = (): void => status.update(`Waiting for the browser… ${formatRemaining(event.deadline - Date.now())} left (Ctrl-C to cancel)`);
          tick();
          countdown = setInterval(tick, 1000);
          countdown.unref();
        } else if (plan.mode === 'loopback') {
          ctx.err(`Waiting up to ${timeoutSeconds} s for the browser to return to ${event.redirectUri}`);
        }
        break;
      case 'callback-rejected':
        status.clear();
        ctx.err(`Ignored a callback: ${event.message}`);
        break;
      case 'exchanging':
        stopCountdown();
        ctx.err('Authorization received; exchanging the code for tokens…');
        break;
      case 'notice':
        ctx.err(event.message);
        break;
    }
  };
  const mayOpen = flags['no-open'] !== true && plan.mode === 'loopback' && ctx.hasDisplay;
  const common: FlowOptions = {
    client,
    scopes,
    ...(loginHint ? { loginHint } : {}),
    fetch: createNodeFetch(),
    signal: ctx.signal,
    onEvent,
    onAuthorizationUrl: async (url, info) => {
      ctx.err('Paste this URL in your browser:');
      ctx.err('');
      ctx.err(url.href);
      ctx.err('');
      if (plan.mode === 'headless') ctx.err(headlessInstructions(info.redirectUri));
      else if (mayOpen) await openBrowser(url.href, ctx);
    },
  };

  let result: FlowResult;
  try {
    if (plan.mode === 'loopback') {
      result = await runLoopbackFlow({
        ...common,
        ...(plan.redirectUri !== undefined ? { redirectUri: plan.redirectUri } : {}),
        ...(plan.port !== undefined ? { port: plan.port } : {}),
        timeoutMs: timeoutSeconds * 1000,
      });
    } else {
      const reader = lineReader(ctx, 'Paste the address here: ');
      try {
        result = await runHeadlessFlow({
          ...common,
          redirectUri: plan.redirectUri,
          readLine: () => reader.readLine(),
          retry: Boolean(ctx.stdin.isTTY),
          timeoutMs: timeoutSeconds * 1000,
        });
      } finally {
        reader.close();
      }
    }
  } finally {
    stopCountdown();
  }

  printResult(ctx, result, json);
  return ExitCode.OK;
}

const PYTHON_CONFIG_DOCS = 'https://developers.google.com/google-ads/api/docs/client-libs/python/configuration';

function yamlScalar(value: string): string {
  return /^[A-Za-z0-9._\/-]+$/.test(value) && !/^[-.]/.test(value) ? value : JSON.stringify(value);
}

function printResult(ctx: CliContext, result: FlowResult, json: boolean): void {
  if (json) {
    ctx.out(
      JSON.stringify({
        refresh_token: result.refreshToken,
        client_id: result.clientId,
        scopes: result.scopes,
        token_uri: result.tokenUri,
      }),
    );
    return;
  }
  ctx.out(`Your refresh token is: ${result.refreshToken}`);
  ctx.out('');
  ctx.out('Add it to your client library configuration, e.g. google-ads.yaml:');
  ctx.out('');
  ctx.out(`client_id: ${yamlScalar(result.clientId)}`);
  // The client secret stays out of the terminal (it is not what the user asked for); --config writes it.
  ctx.out(`client_secret: INSERT_CLIENT_SECRET_HERE  # the "client_secret" value of your client secrets JSON`);
  ctx.out(`refresh_token: ${yamlScalar(result.refreshToken)}`);
  ctx.out('');
  ctx.out(`Configuration guide: ${PYTHON_CONFIG_DOCS}`);
}
