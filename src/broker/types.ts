import type { CachedAccessToken } from '../stores/accounts/types.js';

/**
 * The token broker of `ads-oauth serve`: hands out short-lived access tokens for stored accounts,
 * from a cache until 5 minutes before expiry, with one upstream refresh per stale token across
 * every request and every instance (single flight in-process, the store's refresh lock across
 * processes).
 */
export interface TokenBroker {
  /**
   * A valid access token for the account.
   *
   * @throws AdsOAuthError `NOT_FOUND` (no such account, or it was revoked), `RECONNECT_REQUIRED`
   *   (the refresh token died; the account is marked `reconnect_required` and the message is the
   *   lifecycle diagnosis), `PROVIDER_UNAVAILABLE` (5xx, timeout: nothing stored changes), `STORE`,
   *   `DECRYPT`
   */
  getAccessToken(accountId: string, options?: { signal?: AbortSignal }): Promise<CachedAccessToken>;
  /** Forgets what the in-process cache holds for an account (after a delete or reconnect). */
  forget(accountId: string): void;
}
