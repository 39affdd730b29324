import { setTimeout as sleep } from 'node:timers/promises';
import { AdsOAuthError, isAdsOAuthError } from '../errors.js';
import { assertConfiguration, type Configuration } from '../protocol/config.js';
import { isTimeoutError } from '../protocol/http.js';
import { revokeToken } from '../protocol/tokens.js';
import type { LifecycleOptions } from './types.js';

/** What {@link revokeRefreshToken} takes beside the configuration and the token. */
export interface RevokeOptions extends LifecycleOptions {
  /**
   * Pauses before each retry of a 5xx or timed-out attempt; its length is the number of retries.
   * Default `[250, 500, 1000]`: at most 3 retries with backoff.
   */
  retryDelaysMs?: readonly number[];
}

/** What {@link revokeRefreshToken} did. Secret-free. */
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
  /** The revocation endpoint used (origin and path). */
  endpoint: string;
}

/** The default retry pauses: 3 retries. */
export const DEFAULT_REVOKE_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1000];

function retryable(error: unknown): boolean {
  if (isAdsOAuthError(error, 'NETWORK')) return isTimeoutError(error);
  if (isAdsOAuthError(error, 'PROVIDER_RESPONSE', 'TOKEN_ENDPOINT')) {
    const status = error.details.status;
    return typeof status === 'number' && status >= 500;
  }
  return false;
}

function alreadyInvalid(error: unknown): error is AdsOAuthError<'TOKEN_ENDPOINT'> {
  if (!isAdsOAuthError(error, 'TOKEN_ENDPOINT')) return false;
  const code = error.details.error;
  return error.details.status === 400 && (code === 'invalid_token' || code === 'invalid_grant');
}

/**
 * Revokes a refresh token (RFC 7009: POST `token=…`) at the configuration's revocation endpoint.
 * Google's endpoint takes the token alone; with a client in the configuration, the request also
 * authenticates it (client_secret_post), as RFC 7009 servers require. A token that is
 * already invalid (`invalid_token` or `invalid_grant` with HTTP 400) counts as revoked, with a
 * note. 5xx answers and timeouts are retried with backoff, at most 3 times by default.
 *
 * Revoking ends the whole grant at Google, not only this token: every refresh and access token
 * the user gave this client stops working, on every machine that holds one. Revoke a token only
 * when nothing should use that grant any more.
 *
 * @param config from {@link createConfiguration} or {@link discoverConfiguration}; a `null` client
 *   revokes without client authentication (Google's endpoint allows it).
 * @param refreshToken the refresh token to revoke (sent with `token_type_hint=refresh_token`).
 * @param options a signal, and `retryDelaysMs` (the pauses before each retry; default
 *   `[250, 500, 1000]`) ({@link RevokeOptions}).
 * @returns the {@link RevokeResult}: always `revoked: true`, `alreadyInvalid` when there was
 *   nothing left to revoke, the attempts made.
 * @throws AdsOAuthError `TOKEN_ENDPOINT` (other refusals, e.g. `invalid_client`),
 *   `PROVIDER_RESPONSE`, `NETWORK` (after the retries, `details.attempts`), `INTERRUPTED`,
 *   `INSECURE_ENDPOINT`, `USAGE`
 * @example
 * ```ts
 * import { discoverConfiguration, readClientSecretsFile, revokeRefreshToken } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * const result = await revokeRefreshToken(config, process.env.REFRESH_TOKEN!);
 * console.log(result.alreadyInvalid ? result.note : 'Revoked.');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 * @see https://developers.google.com/identity/protocols/oauth2/native-app#tokenrevoke
 */
export async function revokeRefreshToken(config: Configuration, refreshToken: string, options: RevokeOptions = {}): Promise<RevokeResult> {
  assertConfiguration(config, 'revokeRefreshToken');
  const uri = config.endpoints.revocation;
  const request = { tokenTypeHint: 'refresh_token' as const, ...(options.signal ? { signal: options.signal } : {}) };
  const delays = options.retryDelaysMs ?? DEFAULT_REVOKE_RETRY_DELAYS_MS;
  const base = { revoked: true as const, clientAuthenticated: config.client !== null, endpoint: `${uri.origin}${uri.pathname}` };
  for (let attempt = 1; ; attempt++) {
    try {
      await revokeToken(config, refreshToken, request);
      return { ...base, alreadyInvalid: false, attempts: attempt };
    } catch (error) {
      if (alreadyInvalid(error)) {
        const code = error.details.error ?? 'invalid_token';
        return {
          ...base,
          alreadyInvalid: true,
          attempts: attempt,
          note: `The provider answered ${code}: the token was already expired or revoked, so there is nothing left to revoke.`,
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
