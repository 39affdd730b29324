import { isAdsOAuthError, type AdsOAuthError } from '../errors.js';
import { discoverServer, serverFromClient, type ServerInfo } from '../protocol/authorization-server.js';
import { createAuthorizationRequest, type AuthorizationRequest } from '../protocol/authorize.js';
import { checkCallbackState, validateCallback } from '../protocol/callback.js';
import type { OAuthClientConfig } from '../protocol/client-file.js';
import type { RequestOptions } from '../protocol/http.js';
import { exchangeCode, type UserCredentials } from '../protocol/tokens.js';
import type { FetchLike } from '../protocol/types.js';

/** Progress of a flow, for a CLI or UI to show. Carries no secrets. */
export type FlowEvent =
  | { type: 'waiting'; redirectUri: string; deadline: number }
  | { type: 'callback-rejected'; reason: string; message: string }
  | { type: 'exchanging' }
  | { type: 'notice'; message: string };

export interface FlowOptions {
  client: OAuthClientConfig;
  scopes: readonly string[];
  loginHint?: string;
  /** Fetch for the token endpoint and discovery; defaults to the global fetch. */
  fetch?: FetchLike;
  signal?: AbortSignal;
  /** Look up the server's metadata (RFC 9207 support) while the user consents. Default true. */
  discover?: boolean;
  /** Receives the consent URL once: print it, open a browser. */
  onAuthorizationUrl: (url: URL, info: { redirectUri: string }) => void | Promise<void>;
  onEvent?: (event: FlowEvent) => void;
}

/** What a flow returns: the credentials and where they came from. */
export interface FlowResult extends UserCredentials {
  clientId: string;
  tokenUri: string;
  redirectUri: string;
}

/**
 * One authorization attempt: the request, the server metadata (discovered in the background
 * while the user consents) and the completion step shared by the loopback and paste flows.
 */
export class AuthorizationSession {
  private constructor(
    readonly options: FlowOptions,
    readonly request: AuthorizationRequest,
    private readonly server: Promise<ServerInfo>,
  ) {}

  static async start(options: FlowOptions, redirectUri: string): Promise<AuthorizationSession> {
    const request = await createAuthorizationRequest(options.client, {
      redirectUri,
      scopes: options.scopes,
      ...(options.loginHint ? { loginHint: options.loginHint } : {}),
    });
    const server =
      options.discover === false
        ? Promise.resolve(serverFromClient(options.client))
        : discoverServer(options.client, requestOptions(options));
    return new AuthorizationSession(options, request, server);
  }

  /**
   * Validates a callback (state first, so foreign or stale callbacks never reach the token
   * endpoint) and exchanges its code. Throws `INVALID_CALLBACK` for callbacks that are not this
   * run's — callers may keep waiting — and other codes for failures that end the run.
   */
  async complete(callback: URL): Promise<FlowResult> {
    // Turn foreign callbacks away before waiting for discovery: they must not hold up the real one.
    checkCallbackState(this.request, callback);
    const server = await this.server;
    const params = validateCallback(this.request, server, this.options.client, callback);
    this.options.onEvent?.({ type: 'exchanging' });
    const credentials = await exchangeCode(server, this.options.client, params, this.request, requestOptions(this.options));
    return {
      ...credentials,
      clientId: this.options.client.clientId,
      tokenUri: this.options.client.tokenUri.href,
      redirectUri: this.request.redirectUri,
    };
  }
}

function requestOptions(options: FlowOptions): RequestOptions {
  return { ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.signal ? { signal: options.signal } : {}) };
}

/** Callbacks that are not this run's: answer and keep waiting rather than end the run. */
export function isForeignCallback(error: unknown): error is AdsOAuthError<'INVALID_CALLBACK'> {
  return isAdsOAuthError(error, 'INVALID_CALLBACK');
}
