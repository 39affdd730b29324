import { processInfo } from '../process-info.js';
import { AdsOAuthError } from '../../errors.js';
import { runHeadlessFlow, headlessInstructions } from '../../flows/headless.js';
import { runLoopbackFlow } from '../../flows/loopback.js';
import { planRedirect } from '../../flows/redirect.js';
import type { FlowEvent, FlowOptions, FlowResult } from '../../flows/session.js';
import { createConfiguration } from '../../protocol/config.js';
import { resolveScopes } from '../../protocol/scopes.js';
import { expandHome, readClientSecretsFile } from '../../stores/client-secrets.js';
import type { updateConfig } from '../../stores/config-file.js';
import { defaultConfigPath, FORMAT_IDS } from '../../writers/catalog.js';
import type { ConfigFormat } from '../../writers/index.js';
import { resolve } from 'node:path';
import { createNodeFetch } from '../../transport/node-fetch.js';
import { formatFlags, intFlag, listFlag, parseCommandArgs, stringFlag, type FlagSpec } from '../args.js';
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
  { name: 'timeout', kind: 'string', value: 'SECONDS', description: 'How long to wait for the browser or the paste, and at most for the code exchange. Default 300.' },
  { name: 'login-hint', kind: 'string', value: 'EMAIL', description: 'Pre-select this Google account on the sign-in screen.' },
  { name: 'config', kind: 'optional-string', value: 'PATH', description: 'Write client_id, client_secret and refresh_token into this client-library config file (checked before the browser opens). Without PATH: $GOOGLE_ADS_CONFIGURATION_FILE_PATH, else ~/google-ads.yaml.' },
  { name: 'format', kind: 'string', value: 'FORMAT', description: `Config format when the file name does not tell: ${FORMAT_IDS.join(', ')}.` },
  { name: 'print-config', kind: 'string', value: 'FORMAT', description: 'Print a complete config snippet in FORMAT (with the client secret) instead of the google-ads.yaml hint.' },
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
  const flags = parseCommandArgs(args, GENERATE_FLAGS, { name: bin, help: () => generateHelp(bin), write: (text) => ctx.stdout.write(text) });
  if (flags === undefined) return ExitCode.OK;
  if (flags['version']) {
    ctx.out(version());
    return ExitCode.OK;
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

  // Everything that can be wrong with the config target is checked before the browser opens.
  const configFlag = flags['config'];
  const formatFlag = stringFlag(flags, 'format');
  if (formatFlag !== undefined && configFlag === undefined) {
    throw new AdsOAuthError('USAGE', '--format goes with --config (for --print-config, name the format there).');
  }
  const printFormat = stringFlag(flags, 'print-config');
  // The writers (and the YAML parser) load only for runs that use them.
  const writers = configFlag !== undefined || printFormat !== undefined ? await import('../../writers/index.js') : undefined;
  const configStore = configFlag !== undefined ? await import('../../stores/config-file.js') : undefined;
  const printAs = printFormat !== undefined ? writers!.getFormat(printFormat) : undefined;
  const configTarget =
    configStore === undefined
      ? undefined
      : await configStore.validateConfigTarget(
          typeof configFlag === 'string' ? resolve(ctx.cwd, expandHome(configFlag, ctx.homedir)) : defaultConfigPath(ctx.env, ctx.homedir),
          formatFlag,
        );

  const client = await readClientSecretsFile(resolve(ctx.cwd, expandHome(path, ctx.homedir)));
  const plan = planRedirect(client, {
    headless: flags['headless'] === true,
    ...(port !== undefined ? { port } : {}),
  });
  // --timeout bounds the code exchange too: a hung token endpoint must not hold the run longer.
  const config = createConfiguration(client, undefined, { fetch: createNodeFetch(), signal: ctx.signal, timeoutMs: timeoutSeconds * 1000 });
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
        if (plan.mode === 'loopback' && status.live) {
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
        ctx.err(plan.mode === 'headless' ? `That address cannot be used: ${event.message}` : `Ignored a callback: ${event.message}`);
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
  // Paste mode asked for with --headless means the browser is elsewhere; paste mode forced by a web
  // client without a loopback redirect still has the browser here, ending on the user's own site.
  const mayOpen = flags['no-open'] !== true && flags['headless'] !== true && ctx.hasDisplay;
  const common: FlowOptions = {
    scopes,
    ...(loginHint ? { loginHint } : {}),
    onEvent,
    onAuthorizationUrl: async (url, info) => {
      ctx.err('Paste this URL in your browser:');
      ctx.err('');
      ctx.err(url.href);
      ctx.err('');
      if (plan.mode === 'headless') ctx.err(headlessInstructions(info.redirectUri));
      if (mayOpen) await openBrowser(url.href, ctx);
    },
  };

  let result: FlowResult;
  try {
    if (plan.mode === 'loopback') {
      result = await runLoopbackFlow(config, {
        ...common,
        ...(plan.port !== undefined ? { port: plan.port } : {}),
        timeoutMs: timeoutSeconds * 1000,
      });
    } else {
      // On a terminal the prompt carries the time left; a live countdown would garble the typing.
      const deadline = Date.now() + timeoutSeconds * 1000;
      const reader = lineReader(ctx, () => `Paste the address here (${formatRemaining(deadline - Date.now())} left): `);
      try {
        result = await runHeadlessFlow(config, {
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

  const snippet = printAs
    ? {
        format: printAs,
        text: writers!.renderSnippet(printAs.id, { clientId: result.clientId, clientSecret: client.clientSecret, refreshToken: result.refreshToken }),
      }
    : undefined;
  if (configTarget === undefined) {
    printResult(ctx, result, { json, ...(snippet ? { snippet } : {}) });
    return ExitCode.OK;
  }
  let written: Awaited<ReturnType<typeof updateConfig>>;
  try {
    written = await configStore!.updateConfig(
      configTarget.path,
      { clientId: client.clientId, clientSecret: client.clientSecret, refreshToken: result.refreshToken },
      { format: configTarget.format.id, process: processInfo },
    );
  } catch (error) {
    // The consent is done and the token is valid: never lose it because a file could not be written.
    printResult(ctx, result, { json, ...(snippet ? { snippet } : {}) });
    // Whatever went wrong now (even a file that stopped parsing during consent) is a failed write.
    throw error instanceof AdsOAuthError && error.code !== 'CONFIG_WRITE'
      ? new AdsOAuthError('CONFIG_WRITE', `${error.message} The refresh token above was not written.`, { cause: error, details: error.details })
      : error;
  }
  printResult(ctx, result, {
    json,
    config: { path: written.path, format: written.format, created: written.created, placeholders: written.placeholders },
    ...(snippet ? { snippet } : {}),
  });
  ctx.err(
    `${written.created ? 'Created' : 'Updated'} ${written.path} (${written.format.id}, for ${written.format.library}): client ID, client secret and refresh token written, mode 0600.`,
  );
  if (written.tightened) ctx.err(`Note: ${written.path} was readable by other users; its permissions are now 0600.`);
  if (written.placeholders.length > 0) {
    ctx.err(`Still to fill in: ${written.placeholders.join(', ')} (placeholders INSERT_…_HERE). See ${written.format.docsUrl}`);
  }
  return ExitCode.OK;
}

const PYTHON_CONFIG_DOCS = 'https://developers.google.com/google-ads/api/docs/client-libs/python/configuration';

function yamlScalar(value: string): string {
  return /^[A-Za-z0-9._/-]+$/.test(value) && !/^[-.]/.test(value) ? value : JSON.stringify(value);
}

interface PrintOptions {
  json: boolean;
  config?: { path: string; format: ConfigFormat; created: boolean; placeholders: string[] };
  /** --print-config: a complete config in this format, with the client secret the user asked for. */
  snippet?: { format: ConfigFormat; text: string };
}

function printResult(ctx: CliContext, result: FlowResult, options: PrintOptions): void {
  if (options.json) {
    ctx.out(
      JSON.stringify({
        refresh_token: result.refreshToken,
        client_id: result.clientId,
        scopes: result.scopes,
        token_uri: result.tokenUri,
        ...(options.config
          ? { config: { path: options.config.path, format: options.config.format.id, created: options.config.created, placeholders: options.config.placeholders } }
          : {}),
        ...(options.snippet ? { snippet: options.snippet.text } : {}),
      }),
    );
    return;
  }
  ctx.out(`Your refresh token is: ${result.refreshToken}`);
  if (options.snippet) {
    ctx.out('');
    ctx.out(`${options.snippet.format.description} (${options.snippet.format.library}):`);
    ctx.out('');
    ctx.stdout.write(options.snippet.text);
    ctx.out('');
    ctx.out(`Configuration guide: ${options.snippet.format.docsUrl}`);
    return;
  }
  if (options.config) {
    ctx.out('');
    ctx.out(`Written to ${options.config.path}.`);
    return;
  }
  ctx.out('');
  ctx.out('Add it to your client library configuration, e.g. google-ads.yaml (or let --config write it for you):');
  ctx.out('');
  ctx.out(`client_id: ${yamlScalar(result.clientId)}`);
  // The client secret stays out of the terminal (it is not what the user asked for); --config writes it.
  ctx.out(`client_secret: INSERT_CLIENT_SECRET_HERE  # the "client_secret" value of your client secrets JSON`);
  ctx.out(`refresh_token: ${yamlScalar(result.refreshToken)}`);
  ctx.out('');
  ctx.out(`Configuration guide: ${PYTHON_CONFIG_DOCS}`);
}
