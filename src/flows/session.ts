import { isAdsOAuthError, type AdsOAuthError } from '../errors.js';
import { discoverServer } from '../protocol/authorization-server.js';
import { createAuthorizationRequest, type AuthorizationRequest } from '../protocol/authorize.js';
import { checkCallbackState, validateCallback } from '../protocol/callback.js';
import { assertConfiguration, requireClient, withServer, type Configuration } from '../protocol/config.js';
import { exchangeCode, type UserCredentials } from '../protocol/tokens.js';

/**
 * Progress of a flow, for a CLI or UI to show. Carries no secrets.
 *
 * - `waiting`: the consent URL is out; the flow waits for `redirectUri` until `deadline` (epoch ms);
 * - `callback-rejected`: a callback that is not this run's (wrong state, a bad paste) was turned
 *   away and the flow keeps waiting (`reason` is `details.reason` of the `INVALID_CALLBACK`);
 * - `exchanging`: the code is being exchanged at the token endpoint;
 * - `notice`: anything else worth a line.
 */
export type FlowEvent =
  | { type: 'waiting'; redirectUri: string; deadline: number }
  | { type: 'callback-rejected'; reason: string; message: string }
  | { type: 'exchanging' };

/**
 * What a flow takes beside the {@link Configuration} (client, fetch, request timeout — which the
 * code exchange honours — and signal).
 */
export interface FlowOptions {
  /** The scopes to request (e.g. {@link DEFAULT_SCOPES}); every one must be granted. */
  scopes: readonly string[];
  /** The user's email, to preselect the account (`login_hint`). */
  loginHint?: string;
  /** Cancels the flow (beside the configuration's own signal). */
  signal?: AbortSignal;
  /** Look up the server's metadata (RFC 9207 support) while the user consents. Default true. */
  discover?: boolean;
  /** Receives the consent URL once: print it, open a browser. */
  onAuthorizationUrl: (url: URL, info: { redirectUri: string }) => void | Promise<void>;
  /** Receives progress ({@link FlowEvent}). */
  onEvent?: (event: FlowEvent) => void;
}

/** What a flow returns: the credentials and where they came from. */
export interface FlowResult extends UserCredentials {
  /** The client the tokens were issued to. */
  clientId: string;
  /** The token endpoint used (the refresh token is redeemed there). */
  tokenUri: string;
  /** The redirect URI the authorization used. */
  redirectUri: string;
}

/**
 * One authorization attempt: the request, the server metadata (discovered in the background
 * while the user consents) and the completion step shared by the loopback and paste flows.
 */
export class AuthorizationSession {
  private constructor(
    readonly config: Configuration,
    readonly options: FlowOptions,
    readonly request: AuthorizationRequest,
    private readonly discovered: Promise<Configuration>,
  ) {}

  static async start(config: Configuration, options: FlowOptions, redirectUri: string): Promise<AuthorizationSession> {
    assertConfiguration(config, 'AuthorizationSession.start');
    const client = requireClient(config, 'AuthorizationSession.start');
    const request = await createAuthorizationRequest(config, {
      redirectUri,
      scopes: options.scopes,
      ...(options.loginHint ? { loginHint: options.loginHint } : {}),
    });
    const signal = flowSignal(config, options);
    // Discovery starts on the next turn of the event loop, after the caller has shown the consent
    // URL (it does so as soon as this resolves): building its request (node:http's client code,
    // oauth4webapi's request path) is work the user need not wait through (issue 9).
    const discovered =
      options.discover === false || config.server.discovered
        ? Promise.resolve(config)
        : new Promise<void>((resolve) => setImmediate(resolve))
            .then(() =>
              discoverServer(client, {
                ...(config.request.fetch ? { fetch: config.request.fetch } : {}),
                ...(signal ? { signal } : {}),
                timeoutMs: 5_000,
              }),
            )
            .then((server) => (server.discovered ? withServer(config, server) : config));
    return new AuthorizationSession(config, options, request, discovered);
  }

  /**
   * Validates a callback (state first, so foreign or stale callbacks never reach the token
   * endpoint) and exchanges its code. Throws `INVALID_CALLBACK` for callbacks that are not this
   * run's — callers may keep waiting — and other codes for failures that end the run.
   */
  async complete(callback: URL): Promise<FlowResult> {
    // Turn foreign callbacks away before waiting for discovery: they must not hold up the real one.
    checkCallbackState(this.request, callback);
    const config = await this.discovered;
    const params = validateCallback(config, this.request, callback);
    this.options.onEvent?.({ type: 'exchanging' });
    const credentials = await exchangeCode(config, params, this.request, this.options.signal ? { signal: this.options.signal } : {});
    return {
      ...credentials,
      clientId: requireClient(config, 'AuthorizationSession').clientId,
      tokenUri: config.endpoints.token.href,
      redirectUri: this.request.redirectUri,
    };
  }
}

/** The signal that ends a flow: the configuration's and the flow's own, whichever fires first. */
export function flowSignal(config: Configuration, options: Pick<FlowOptions, 'signal'>): AbortSignal | undefined {
  const signals = [config.request.signal, options.signal].filter((s): s is AbortSignal => s !== undefined);
  return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
}

/** Callbacks that are not this run's: answer and keep waiting rather than end the run. */
export function isForeignCallback(error: unknown): error is AdsOAuthError<'INVALID_CALLBACK'> {
  return isAdsOAuthError(error, 'INVALID_CALLBACK');
}
