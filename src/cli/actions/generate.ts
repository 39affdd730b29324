// The work of `generate-user-credentials` / `ads-oauth generate`, in four parts: the options
// (./generate-options.ts), the event printer, the flow runner and the credential saver.
import { AdsOAuthError } from '../../errors.js';
import { headlessInstructions, runHeadlessFlow } from '../../flows/headless.js';
import { runLoopbackFlow } from '../../flows/loopback.js';
import { planRedirect, type RedirectPlan } from '../../flows/redirect.js';
import type { FlowEvent, FlowOptions, FlowResult } from '../../flows/session.js';
import type { OAuthClientConfig } from '../../protocol/client-file.js';
import { createConfiguration, type Configuration } from '../../protocol/config.js';
import { readClientSecretsFileSync } from '../../stores/client-secrets.js';
import type { updateConfig, validateConfigTarget } from '../../stores/config-file.js';
import { createNodeFetch } from '../../transport/node-fetch.js';
import { proxySettingsFromEnv } from '../../transport/proxy.js';
import type { ConfigFormat } from '../../writers/index.js';
import type { GenerateArgs } from '../commands/generate.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { processInfo } from '../process-info.js';
import { formatRemaining, lineReader, openBrowser, statusLine } from '../terminal.js';
import { parseGenerateOptions, type GenerateOptions } from './generate-options.js';

/** The run: options, then everything checkable before the browser opens, the flow, the save. */
export async function runGenerate(args: GenerateArgs, ctx: CliContext): Promise<number> {
  const options = parseGenerateOptions(args, ctx);
  // The writers (and the YAML parser) load only for runs that use them.
  const writers = options.config !== undefined || options.printFormat !== undefined ? await import('../../writers/index.js') : undefined;
  const printAs = options.printFormat !== undefined ? writers!.getFormat(options.printFormat) : undefined;
  // Everything that can be wrong with the config target is checked before the browser opens.
  const configStore = options.config !== undefined ? await import('../../stores/config-file.js') : undefined;
  const target =
    options.config && configStore ? await configStore.validateConfigTarget(options.config.path, options.config.format) : undefined;

  const client = readClientSecretsFileSync(options.clientSecretsPath);
  const plan = planRedirect(client, { headless: options.headless, ...(options.port !== undefined ? { port: options.port } : {}) });
  // --timeout bounds the code exchange too: a hung token endpoint must not hold the run longer.
  const config = createConfiguration(client, undefined, {
    fetch: createNodeFetch({ proxy: proxySettingsFromEnv(ctx.env) }),
    signal: ctx.signal,
    timeoutMs: options.timeoutSeconds * 1000,
  });
  if (plan.mode === 'headless' && plan.reason) ctx.err(`Note: ${plan.reason}`);

  const result = await runFlow(config, plan, options, ctx);
  const snippet = printAs
    ? {
        format: printAs,
        text: writers!.renderSnippet(printAs.id, {
          clientId: result.clientId,
          clientSecret: client.clientSecret,
          refreshToken: result.refreshToken,
        }),
      }
    : undefined;
  if (target === undefined || configStore === undefined) {
    printResult(ctx, result, { json: options.json, ...(snippet ? { snippet } : {}) });
    return ExitCode.OK;
  }
  await saveCredentials(ctx, { target, update: configStore.updateConfig }, client, result, {
    json: options.json,
    ...(snippet ? { snippet } : {}),
  });
  return ExitCode.OK;
}

/** How the event printer shows a flow: which mode, and whether stderr can redraw a status line. */
export interface EventView {
  mode: RedirectPlan['mode'];
  /** A live status line (a terminal that can redraw): the countdown replaces the "Waiting" line. */
  live: boolean;
  timeoutSeconds: number;
}

/** The lines (for stderr) a flow event prints; `waiting` prints none when a live countdown shows it. */
export function flowEventLines(event: FlowEvent, view: EventView): string[] {
  switch (event.type) {
    case 'waiting':
      return view.mode === 'loopback' && !view.live
        ? [`Waiting up to ${view.timeoutSeconds} s for the browser to return to ${event.redirectUri}`]
        : [];
    case 'callback-rejected':
      return [view.mode === 'headless' ? `That address cannot be used: ${event.message}` : `Ignored a callback: ${event.message}`];
    case 'exchanging':
      return ['Authorization received; exchanging the code for tokens…'];
  }
}

/** Prints flow events on stderr, with a live countdown while the loopback flow waits on a terminal. */
export function eventPrinter(ctx: CliContext, view: Omit<EventView, 'live'>): { onEvent(event: FlowEvent): void; stop(): void } {
  const status = statusLine(ctx);
  let countdown: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (countdown) clearInterval(countdown);
    countdown = undefined;
    status.clear();
  };
  return {
    onEvent(event) {
      if (event.type === 'waiting' && view.mode === 'loopback' && status.live) {
        const tick = (): void =>
          status.update(`Waiting for the browser… ${formatRemaining(event.deadline - Date.now())} left (Ctrl-C to cancel)`);
        tick();
        countdown = setInterval(tick, 1000);
        countdown.unref();
      }
      if (event.type === 'exchanging') stop();
      else if (event.type === 'callback-rejected') status.clear();
      for (const line of flowEventLines(event, { ...view, live: status.live })) ctx.err(line);
    },
    stop,
  };
}

/** Runs the loopback or paste flow the plan chose, printing the consent URL and the events. */
export async function runFlow(config: Configuration, plan: RedirectPlan, options: GenerateOptions, ctx: CliContext): Promise<FlowResult> {
  const printer = eventPrinter(ctx, { mode: plan.mode, timeoutSeconds: options.timeoutSeconds });
  const timeoutMs = options.timeoutSeconds * 1000;
  // Paste mode asked for with --headless means the browser is elsewhere; paste mode forced by a web
  // client without a loopback redirect still has the browser here, ending on the user's own site.
  const mayOpen = options.open && ctx.hasDisplay;
  const common: FlowOptions = {
    scopes: options.scopes,
    ...(options.loginHint ? { loginHint: options.loginHint } : {}),
    onEvent: printer.onEvent,
    onAuthorizationUrl: async (url, info) => {
      ctx.err('Paste this URL in your browser:');
      ctx.err('');
      ctx.err(url.href);
      ctx.err('');
      if (plan.mode === 'headless') ctx.err(headlessInstructions(info.redirectUri));
      if (mayOpen) await openBrowser(url.href, ctx);
    },
  };
  try {
    if (plan.mode === 'loopback') {
      return await runLoopbackFlow(config, { ...common, ...(plan.port !== undefined ? { port: plan.port } : {}), timeoutMs });
    }
    // On a terminal the prompt carries the time left; a live countdown would garble the typing.
    const deadline = Date.now() + timeoutMs;
    const reader = lineReader(ctx, () => `Paste the address here (${formatRemaining(deadline - Date.now())} left): `);
    try {
      return await runHeadlessFlow(config, {
        ...common,
        redirectUri: plan.redirectUri,
        readLine: () => reader.readLine(),
        retry: Boolean(ctx.stdin.isTTY),
        timeoutMs,
      });
    } finally {
      reader.close();
    }
  } finally {
    printer.stop();
  }
}

/**
 * Writes the credentials into the config file checked before the flow, then prints the result.
 * If the write fails the token is printed anyway (the consent is done and the token is valid),
 * and the failure is a `CONFIG_WRITE` error.
 */
export async function saveCredentials(
  ctx: CliContext,
  store: { target: Awaited<ReturnType<typeof validateConfigTarget>>; update: typeof updateConfig },
  client: OAuthClientConfig,
  result: FlowResult,
  print: Omit<PrintOptions, 'config'>,
): Promise<void> {
  let written: Awaited<ReturnType<typeof updateConfig>>;
  try {
    written = await store.update(
      store.target.path,
      { clientId: client.clientId, clientSecret: client.clientSecret, refreshToken: result.refreshToken },
      { format: store.target.format.id, process: processInfo },
    );
  } catch (error) {
    printResult(ctx, result, print);
    // Whatever went wrong now (even a file that stopped parsing during consent) is a failed write.
    throw error instanceof AdsOAuthError && error.code !== 'CONFIG_WRITE'
      ? new AdsOAuthError('CONFIG_WRITE', `${error.message} The refresh token above was not written.`, {
          cause: error,
          details: error.details,
        })
      : error;
  }
  printResult(ctx, result, {
    ...print,
    config: { path: written.path, format: written.format, created: written.created, placeholders: written.placeholders },
  });
  ctx.err(
    `${written.created ? 'Created' : 'Updated'} ${written.path} (${written.format.id}, for ${written.format.library}): client ID, client secret and refresh token written, mode 0600.`,
  );
  if (written.tightened) ctx.err(`Note: ${written.path} was readable by other users; its permissions are now 0600.`);
  if (written.placeholders.length > 0) {
    ctx.err(`Still to fill in: ${written.placeholders.join(', ')} (placeholders INSERT_…_HERE). See ${written.format.docsUrl}`);
  }
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
          ? {
              config: {
                path: options.config.path,
                format: options.config.format.id,
                created: options.config.created,
                placeholders: options.config.placeholders,
              },
            }
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
