import { AdsOAuthError } from '../errors.js';
import { firstLoopbackRedirect, type OAuthClientConfig } from '../protocol/client-file.js';

/** A random port of the IANA ephemeral range (49152–65535), where nothing listens in paste mode. */
function randomEphemeralPort(): number {
  const [value] = crypto.getRandomValues(new Uint32Array(1));
  return 49152 + (value! % (65536 - 49152));
}

/** How a run gets the authorization response back. */
export type RedirectPlan =
  /** Listen on loopback. `redirectUri` set: serve it exactly (web); else bind `port` (installed). */
  | { mode: 'loopback'; redirectUri?: string; port?: number }
  /** Nothing listens; the user pastes the address the browser ends on. */
  | { mode: 'headless'; redirectUri: string; reason?: string };

const ADD_LOOPBACK_HINT =
  'For the smoother flow, add http://127.0.0.1:8080 under "Authorized redirect URIs" of this client in the Google Cloud console (APIs & Services > Credentials), or create a "Desktop app" client instead.';

/**
 * Decides the redirect URI and mode for a client:
 * - installed: `http://127.0.0.1:<port>/` (ephemeral unless `port`), or in headless mode a random
 *   port where nothing listens;
 * - web: the first registered loopback redirect, exactly as registered; with none, the first
 *   registered redirect in headless mode (the browser lands on the user's own site); with no
 *   registered redirect at all, a `NO_REDIRECT_URI` error.
 *
 * `randomPort` supplies the headless port for installed clients (default: a random port of the
 * ephemeral range, 49152–65535).
 */
export function planRedirect(
  client: OAuthClientConfig,
  options: { headless?: boolean; port?: number; randomPort?: () => number } = {},
): RedirectPlan {
  if (client.kind === 'installed') {
    if (options.headless) {
      return { mode: 'headless', redirectUri: `http://127.0.0.1:${options.port ?? (options.randomPort ?? randomEphemeralPort)()}/` };
    }
    return { mode: 'loopback', ...(options.port !== undefined ? { port: options.port } : {}) };
  }
  const loopback = firstLoopbackRedirect(client);
  if (loopback !== undefined) {
    if (options.port !== undefined && (new URL(loopback).port || '80') !== String(options.port)) {
      throw new AdsOAuthError(
        'USAGE',
        `Port ${options.port} does not match this web client's registered redirect URI ${loopback}: web clients must use the redirect URI exactly as registered.`,
        { details: { port: options.port, registered: loopback }, hints: ['port'] },
      );
    }
    return options.headless ? { mode: 'headless', redirectUri: loopback } : { mode: 'loopback', redirectUri: loopback };
  }
  const first = client.redirectUris[0];
  if (first === undefined) {
    throw new AdsOAuthError(
      'NO_REDIRECT_URI',
      `${client.source}: this "web" OAuth client has no registered redirect URIs, so the provider has nowhere to send you back to. ${ADD_LOOPBACK_HINT} Then download the JSON again.`,
      { details: { path: client.source } },
    );
  }
  return {
    mode: 'headless',
    redirectUri: first,
    reason: `This web client has no loopback redirect URI registered, so nothing on this machine can receive the answer: switching to paste mode with its first registered redirect URI (${first}). ${ADD_LOOPBACK_HINT}`,
  };
}
