import { setTimeout as sleep } from 'node:timers/promises';
import * as oauth from 'oauth4webapi';
import { AdsOAuthError } from '../errors.js';
import { requestSignal, type RequestOptions } from '../protocol/http.js';
import { assertSecureEndpoint, isTimeoutError } from '../protocol/tokeninfo.js';
import { revokeToken, tokenEndpointError } from '../protocol/tokens.js';
import { resolveEndpoints } from './endpoints.js';
import type { LifecycleOptions } from './types.js';

/** What to revoke: the token and, when known, the client it belongs to. */
export interface RevokeCredentials {
  refreshToken: string;
  /** With both, the request authenticates (client_secret_post), as RFC 7009 servers require. */
  clientId?: string;
  clientSecret?: string;
}

export interface RevokeOptions extends LifecycleOptions {
  /**
   * Pauses before each retry of a 5xx or timed-out attempt; its length is the number of retries.
   * Default `[250, 500, 1000]`: at most 3 retries with backoff.
   */
  retryDelaysMs?: readonly number[];
}

export interface RevokeResult {
  /** True when the token is no longer valid, whether this call or an earlier event killed it. */
  revoked: true;
  /** The provider said the token was already invalid (`invalid_token`/`invalid_grant`, HTTP 400). */
  alreadyInvalid: boolean;
  /** Human note for the already-invalid case. */
  note?: string;
  /** Attempts made (1 + retries). */
  attempts: number;
  /** Whether the request authenticated the client. */
  clientAuthenticated: boolean;
  endpoint: string;
}

/** The default retry pauses: 3 retries. */
export const DEFAULT_REVOKE_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1000];

function retryable(error: unknown): boolean {
  if (!(error instanceof AdsOAuthError)) return false;
  if (error.code === 'NETWORK') return isTimeoutError(error);
  if (error.code === 'PROVIDER_RESPONSE') {
    const status = error.details['status'];
    return typeof status === 'number' && status >= 500;
  }
  if (error.code === 'TOKEN_ENDPOINT') {
    const status = error.details['status'];
    return typeof status === 'number' && status >= 500;
  }
  return false;
}

function alreadyInvalid(error: unknown): boolean {
  if (!(error instanceof AdsOAuthError) || error.code !== 'TOKEN_ENDPOINT') return false;
  const code = error.details['error'];
  return error.details['status'] === 400 && (code === 'invalid_token' || code === 'invalid_grant');
}

/**
 * Revocation without client authentication (Google's endpoint takes the token alone). The shared
 * `revokeToken` cannot do this: oauth4webapi insists on a non-empty client_id. The response still
 * goes through oauth4webapi's processor.
 */
async function revokeUnauthenticated(uri: URL, token: string, options: RequestOptions): Promise<void> {
  assertSecureEndpoint(uri, 'revocation endpoint');
  const fetchImpl = options.fetch ?? ((input: string | URL, init?: RequestInit) => fetch(input, init));
  const signal = requestSignal(options);
  try {
    const response = await fetchImpl(uri.href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' },
      body: new URLSearchParams({ token, token_type_hint: 'refresh_token' }).toString(),
      redirect: 'manual',
      signal,
    });
    await oauth.processRevocationResponse(response);
  } catch (error) {
    throw tokenEndpointError(error, 'revoke', uri, { secrets: [token] });
  }
}

/**
 * Revokes a refresh token (RFC 7009: POST `token=…`). Google's endpoint takes the token alone;
 * with the client known, the request also authenticates it (client_secret_post). A token that is
 * already invalid (`invalid_token` or `invalid_grant` with HTTP 400) counts as revoked, with a
 * note. 5xx answers and timeouts are retried with backoff, at most 3 times.
 *
 * @throws AdsOAuthError `TOKEN_ENDPOINT` (other refusals, e.g. `invalid_client`),
 *   `PROVIDER_RESPONSE`, `NETWORK`, `INTERRUPTED`
 */
export async function revokeRefreshToken(credentials: RevokeCredentials, options: RevokeOptions = {}): Promise<RevokeResult> {
  const endpoints = resolveEndpoints(options.endpoints);
  const uri = endpoints.revokeUri;
  const client =
    credentials.clientId && credentials.clientSecret ? { clientId: credentials.clientId, clientSecret: credentials.clientSecret } : undefined;
  const request: RequestOptions & { tokenTypeHint: 'refresh_token' } = {
    tokenTypeHint: 'refresh_token',
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const delays = options.retryDelaysMs ?? DEFAULT_REVOKE_RETRY_DELAYS_MS;
  const base = { revoked: true as const, clientAuthenticated: client !== undefined, endpoint: `${uri.origin}${uri.pathname}` };
  for (let attempt = 1; ; attempt++) {
    try {
      if (client) await revokeToken(uri, credentials.refreshToken, client, request);
      else await revokeUnauthenticated(uri, credentials.refreshToken, request);
      return { ...base, alreadyInvalid: false, attempts: attempt };
    } catch (error) {
      if (alreadyInvalid(error)) {
        const code = (error as AdsOAuthError).details['error'];
        return {
          ...base,
          alreadyInvalid: true,
          attempts: attempt,
          note: `The provider answered ${String(code)}: the token was already expired or revoked, so there is nothing left to revoke.`,
        };
      }
      const delay = delays[attempt - 1];
      if (!retryable(error) || delay === undefined) {
        if (error instanceof AdsOAuthError && attempt > 1) {
          throw new AdsOAuthError(error.code, `${error.message} (gave up after ${attempt} attempts)`, {
            cause: error.cause ?? error,
            details: { ...error.details, attempts: attempt },
          });
        }
        throw error;
      }
      try {
        await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
      } catch (abort) {
        throw new AdsOAuthError('INTERRUPTED', 'The token revocation was cancelled.', { cause: abort });
      }
    }
  }
}
