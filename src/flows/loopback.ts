import { failurePage, successPage } from '../server/pages.js';
import { startLoopbackListener } from '../server/loopback.js';
import { AuthorizationSession, isForeignCallback, type FlowOptions, type FlowResult } from './session.js';

export interface LoopbackFlowOptions extends FlowOptions {
  /** Registered loopback redirect URI to serve exactly (web clients). */
  redirectUri?: string;
  /** Listener port for installed clients; ephemeral when absent. */
  port?: number;
  /** How long to wait for the browser, in milliseconds. */
  timeoutMs: number;
}

/**
 * The desktop flow (RFC 8252): a one-shot listener on loopback receives the authorization
 * response; the browser's page is answered only after the code exchange, with the truth.
 */
export async function runLoopbackFlow(options: LoopbackFlowOptions): Promise<FlowResult> {
  const listener = await startLoopbackListener({
    ...(options.redirectUri !== undefined ? { redirectUri: options.redirectUri } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  try {
    const session = await AuthorizationSession.start(options, listener.redirectUri);
    await options.onAuthorizationUrl(session.request.url, { redirectUri: listener.redirectUri });
    options.onEvent?.({ type: 'waiting', redirectUri: listener.redirectUri, deadline: Date.now() + options.timeoutMs });
    return await listener.handle<FlowResult>(
      async (callback) => {
        try {
          const value = await session.complete(callback);
          return { done: true, page: successPage(), value };
        } catch (error) {
          if (isForeignCallback(error)) {
            options.onEvent?.({ type: 'callback-rejected', reason: error.details.reason ?? 'invalid', message: error.message });
            return { done: false, page: failurePage(400, 'Not this request', `${error.message} Still waiting for the authorization response.`) };
          }
          throw error;
        }
      },
      {
        timeoutMs: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        timeoutMessage: timeoutMessage(options, listener.redirectUri),
        timeoutHints: ['headless', 'timeout'],
      },
    );
  } finally {
    await listener.close();
  }
}

function timeoutMessage(options: LoopbackFlowOptions, redirectUri: string): string {
  const seconds = Math.round(options.timeoutMs / 1000);
  return [
    `Timed out after ${seconds} s waiting for the browser to return to ${redirectUri}. Likely causes:`,
    '  1. The consent was not finished: the browser tab is still open at the sign-in or consent screen.',
    options.client.kind === 'web'
      ? `  2. redirect_uri_mismatch: the browser showed "Error 400: redirect_uri_mismatch". ${redirectUri} must be listed exactly under "Authorized redirect URIs" of this web client.`
      : '  2. redirect_uri_mismatch: the browser showed "Error 400: redirect_uri_mismatch"; loopback redirects work only with a "Desktop app" client.',
    '  3. The wrong client type, or the browser runs on another machine (over SSH, in a container), where nothing can reach this listener.',
  ].join('\n');
}
