import { AdsOAuthError } from '../errors.js';
import type { OAuthClientConfig } from '../protocol/client-file.js';
import { requireClient, type Configuration } from '../protocol/config.js';
import { failurePage, successPage } from '../server/pages.js';
import { startLoopbackListener } from '../server/loopback.js';
import { planRedirect } from './redirect.js';
import { AuthorizationSession, flowSignal, isForeignCallback, type FlowOptions, type FlowResult } from './session.js';
import { isLoopbackHost } from '../protocol/urls.js';

/** What {@link runLoopbackFlow} takes beside the {@link Configuration}. */
export interface LoopbackFlowOptions extends FlowOptions {
  /**
   * The loopback redirect URI to serve exactly. Default: planned from the client — for a web
   * client its registered loopback redirect URI, for an installed client `http://127.0.0.1:<port>/`.
   */
  redirectUri?: string;
  /** Listener port for installed clients (ephemeral when absent); for a web client it must be the registered one. */
  port?: number;
  /** How long to wait for the browser, in milliseconds (the CLI's default is 300 000). */
  timeoutMs: number;
}

/**
 * The desktop flow (RFC 8252 §7.3), as Google recommends it for installed apps since the
 * out-of-band flow was retired: a one-shot listener on a loopback address receives the
 * authorization response; the browser's page is answered only after the code exchange, with the
 * truth. The whole run in one call: {@link createAuthorizationRequest} with PKCE,
 * `onAuthorizationUrl` (print it, open a browser), {@link validateCallback} (a callback with the
 * wrong state is answered 400 and the wait goes on) and {@link exchangeCode}. Server metadata is
 * discovered while the user consents unless `discover: false`.
 *
 * The listener binds 127.0.0.1 (or [::1]) only, serves one path, and closes on success, failure,
 * timeout and abort. An installed (Desktop app) client gets `http://127.0.0.1:<port>/` with an
 * ephemeral port unless `port` is given; a web client must have a loopback redirect URI
 * registered, which is served exactly as registered.
 *
 * @param config from {@link discoverConfiguration}; needs a client.
 * @param options scopes, `onAuthorizationUrl`, the wait `timeoutMs`, and the optional redirect
 *   URI, port, signal and events ({@link LoopbackFlowOptions}).
 * @returns the credentials ({@link FlowResult}): refresh token, access token, granted scopes.
 * @throws AdsOAuthError `TIMEOUT` (no callback in time), `INTERRUPTED` (the signal),
 *   `LISTEN_FAILED` (the port is taken), `NO_REDIRECT_URI` (a web client without a loopback
 *   redirect URI), `USAGE` (a port other than the registered one), and whatever
 *   {@link validateCallback} and {@link exchangeCode} throw (`ACCESS_DENIED`, `ISSUER_MISMATCH`,
 *   `SCOPE_NOT_GRANTED`, `NO_REFRESH_TOKEN`, `TOKEN_ENDPOINT`, `NETWORK`, …)
 * @example
 * ```ts
 * import { DEFAULT_SCOPES, discoverConfiguration, readClientSecretsFile, runLoopbackFlow } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * const { refreshToken } = await runLoopbackFlow(config, {
 *   scopes: DEFAULT_SCOPES,
 *   timeoutMs: 300_000,
 *   onAuthorizationUrl: (url) => console.log(`Open this URL in your browser:\n${url.href}`),
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc7636
 * @see https://developers.google.com/identity/protocols/oauth2/native-app
 */
export async function runLoopbackFlow(config: Configuration, options: LoopbackFlowOptions): Promise<FlowResult> {
  const client = requireClient(config, 'runLoopbackFlow');
  const target = loopbackTarget(client, options);
  const signal = flowSignal(config, options);
  const listener = await startLoopbackListener(target);
  try {
    const session = await AuthorizationSession.start(config, options, listener.redirectUri);
    const deadline = Date.now() + options.timeoutMs;
    // Serving starts before the URL is handed out: a browser that comes back at once (a consent
    // already given, a fast provider) must find the listener ready, not "not ready".
    const outcome = listener.handle<FlowResult>(
      async (callback) => {
        try {
          const value = await session.complete(callback);
          return { done: true, page: successPage(), value };
        } catch (error) {
          if (isForeignCallback(error)) {
            options.onEvent?.({ type: 'callback-rejected', reason: error.details.reason ?? 'invalid', message: error.message });
            return {
              done: false,
              page: failurePage(400, 'Not this request', `${error.message} Still waiting for the authorization response.`),
            };
          }
          throw error;
        }
      },
      {
        timeoutMs: options.timeoutMs,
        ...(signal ? { signal } : {}),
        timeoutMessage: timeoutMessage(client, options, listener.redirectUri),
        timeoutHints: ['headless', 'timeout'],
      },
    );
    outcome.catch(() => undefined); // observed below; never an unhandled rejection meanwhile
    try {
      await options.onAuthorizationUrl(session.request.url, { redirectUri: listener.redirectUri });
    } catch (error) {
      await listener.close();
      await outcome.catch(() => undefined);
      throw error;
    }
    options.onEvent?.({ type: 'waiting', redirectUri: listener.redirectUri, deadline });
    return await outcome;
  } finally {
    await listener.close();
  }
}

/**
 * Where the listener goes: the caller's redirect URI, else the client's plan ({@link planRedirect}):
 * a web client's registered loopback redirect URI exactly (the provider refuses any other), an
 * installed client's `port` or an ephemeral one.
 *
 * @throws AdsOAuthError `NO_REDIRECT_URI` for a web client without a loopback redirect URI, `USAGE`
 *   for a `port` that is not the registered one
 */
function loopbackTarget(client: OAuthClientConfig, options: LoopbackFlowOptions): { redirectUri?: string; port?: number } {
  if (options.redirectUri !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(String(options.redirectUri));
    } catch {
      // reported below
    }
    if (!parsed || parsed.protocol !== 'http:' || !isLoopbackHost(parsed.hostname)) {
      throw new AdsOAuthError(
        'USAGE',
        `runLoopbackFlow: "redirectUri" must be an http URL on a loopback host (such as http://127.0.0.1:8080/), not ${JSON.stringify(String(options.redirectUri)).slice(0, 80)}.`,
      );
    }
    return { redirectUri: options.redirectUri };
  }
  const plan = planRedirect(client, options.port !== undefined ? { port: options.port } : {});
  if (plan.mode === 'headless') {
    throw new AdsOAuthError(
      'NO_REDIRECT_URI',
      `${client.source}: this "web" OAuth client has no loopback redirect URI registered, so nothing on this machine can receive the authorization response (its first redirect URI is ${plan.redirectUri}). Register one such as http://127.0.0.1:8080 under "Authorized redirect URIs" in the Google Cloud console, or use a "Desktop app" client.`,
      { details: { path: client.source }, hints: ['headless'] },
    );
  }
  return {
    ...(plan.redirectUri !== undefined ? { redirectUri: plan.redirectUri } : {}),
    ...(plan.port !== undefined ? { port: plan.port } : {}),
  };
}

function timeoutMessage(client: OAuthClientConfig, options: LoopbackFlowOptions, redirectUri: string): string {
  const seconds = Math.round(options.timeoutMs / 1000);
  return [
    `Timed out after ${seconds} s waiting for the browser to return to ${redirectUri}. Likely causes:`,
    '  1. The consent was not finished: the browser tab is still open at the sign-in or consent screen.',
    client.kind === 'web'
      ? `  2. redirect_uri_mismatch: the browser showed "Error 400: redirect_uri_mismatch". ${redirectUri} must be listed exactly under "Authorized redirect URIs" of this web client.`
      : '  2. redirect_uri_mismatch: the browser showed "Error 400: redirect_uri_mismatch"; loopback redirects work only with a "Desktop app" client.',
    '  3. The wrong client type, or the browser runs on another machine (over SSH, in a container), where nothing can reach this listener.',
  ].join('\n');
}
