import { AdsOAuthError, isAdsOAuthError } from '../errors.js';
import type { AccountStore, CachedAccessToken } from '../stores/accounts/types.js';
import type { TokenBroker } from './types.js';

export type { TokenBroker } from './types.js';

/** What the upstream refresh returns (the shape of `refreshAccessToken` in src/protocol/tokens.ts). */
export interface UpstreamRefreshResult {
  accessToken: string;
  expiresIn?: number;
  scopes?: string[];
  refreshToken?: string;
}

export interface TokenBrokerOptions {
  store: AccountStore;
  /** Refreshes upstream; throws `AdsOAuthError` (`TOKEN_ENDPOINT` with `details.error`, `NETWORK`, `PROVIDER_RESPONSE`). */
  refresh: (refreshToken: string, options: { signal?: AbortSignal }) => Promise<UpstreamRefreshResult>;
  /** The lifecycle diagnosis of a dead refresh token (stored as the status reason and shown to callers). */
  diagnose?: (error: unknown) => string;
  now?: () => number;
  /** Refresh this long before expiry (default 300 000 ms: 5 minutes). */
  refreshBeforeMs?: number;
  /** How long to wait for another instance's refresh (the store's lock), default 30 000 ms. */
  lockWaitMs?: number;
}

export const DEFAULT_REFRESH_BEFORE_MS = 300_000;
/** When the provider does not say how long a token lives, it is cached for one minute only. */
const UNKNOWN_LIFETIME_MARGIN_MS = 60_000;

const DEFAULT_DIAGNOSIS =
  'The refresh token no longer works (invalid_grant): it was revoked, expired, or replaced by newer grants. The user must connect the account again.';

interface Flight {
  promise: Promise<CachedAccessToken>;
  controller: AbortController;
  waiters: number;
}

/** True for the refresh errors that mean "the provider is down or slow", where nothing is stored. */
function isProviderUnavailable(error: unknown): boolean {
  if (isAdsOAuthError(error, 'NETWORK', 'PROVIDER_RESPONSE', 'TIMEOUT')) return true;
  if (isAdsOAuthError(error, 'TOKEN_ENDPOINT')) {
    const status = error.details.status;
    const code = error.details.error;
    return (typeof status === 'number' && status >= 500) || code === 'temporarily_unavailable' || code === 'server_error';
  }
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError';
}

function isInvalidGrant(error: unknown): boolean {
  return isAdsOAuthError(error, 'TOKEN_ENDPOINT') && error.details.error === 'invalid_grant';
}

/** Resolves with `promise`, or rejects when `signal` aborts first (the promise itself goes on). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    onAbort();
    return Promise.reject(interrupted(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort();
      reject(interrupted(signal.reason));
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

function interrupted(reason: unknown): AdsOAuthError {
  return new AdsOAuthError('INTERRUPTED', 'The access-token request was cancelled.', { cause: reason });
}

/**
 * A token broker over an account store: an in-process cache, one refresh per account at a time
 * in this process (callers share one promise) and across processes (the store's refresh lock,
 * inside which the store is read again, since another instance may have just refreshed).
 *
 * The cache answers without asking the store; an account revoked through another instance keeps
 * being served from this instance's cache until its token is within `refreshBeforeMs` of expiry.
 */
export function createTokenBroker(options: TokenBrokerOptions): TokenBroker {
  const { store, refresh } = options;
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  const diagnose = options.diagnose ?? (() => DEFAULT_DIAGNOSIS);
  const cache = new Map<string, CachedAccessToken>();
  const flights = new Map<string, Flight>();

  const fresh = (token: CachedAccessToken | undefined): token is CachedAccessToken =>
    token !== undefined && token.expiresAt.getTime() - now() > refreshBeforeMs;
  const copy = (token: CachedAccessToken): CachedAccessToken => ({ token: token.token, expiresAt: new Date(token.expiresAt), scopes: [...token.scopes] });

  async function obtain(accountId: string, signal: AbortSignal): Promise<CachedAccessToken> {
    const account = await store.getAccount(accountId);
    if (!account || account.status === 'revoked') {
      throw new AdsOAuthError('NOT_FOUND', `No account ${accountId}${account ? ' (it was revoked)' : ''}.`, { details: { accountId } });
    }
    if (account.status === 'reconnect_required') {
      throw new AdsOAuthError('RECONNECT_REQUIRED', account.statusReason ?? DEFAULT_DIAGNOSIS, { details: { accountId } });
    }
    // Read first: a token that another instance (or this one, before a restart) stored and that is
    // still fresh needs no lock, which is a database write. Only a refresh takes the lock.
    const known = await store.getCachedAccessToken(accountId);
    if (fresh(known)) return known;
    return store.withRefreshLock(
      accountId,
      async () => {
        // Another instance may have refreshed while this one waited for the lock.
        const stored = await store.getCachedAccessToken(accountId);
        if (fresh(stored)) return stored;
        const refreshToken = await store.getRefreshToken(accountId);
        if (refreshToken === undefined) throw new AdsOAuthError('NOT_FOUND', `No account ${accountId}.`, { details: { accountId } });
        let result: UpstreamRefreshResult;
        try {
          result = await refresh(refreshToken, { signal });
        } catch (error) {
          if (isInvalidGrant(error)) {
            const reason = diagnose(error);
            await store.setStatus(accountId, 'reconnect_required', reason);
            throw new AdsOAuthError('RECONNECT_REQUIRED', reason, { cause: error, details: { accountId } });
          }
          if (isProviderUnavailable(error)) {
            const message = error instanceof Error ? error.message : 'The token endpoint failed.';
            throw new AdsOAuthError('PROVIDER_UNAVAILABLE', `Could not refresh the access token of account ${accountId}: ${message}`, {
              cause: error,
              details: { accountId },
            });
          }
          if (error instanceof AdsOAuthError) throw error;
          throw new AdsOAuthError('INTERNAL', `The token refresh of account ${accountId} failed unexpectedly.`, { cause: error, details: { accountId } });
        }
        const refreshedAt = now();
        const lifetimeMs =
          typeof result.expiresIn === 'number' && result.expiresIn > 0 ? result.expiresIn * 1000 : refreshBeforeMs + UNKNOWN_LIFETIME_MARGIN_MS;
        const token: CachedAccessToken = {
          token: result.accessToken,
          expiresAt: new Date(refreshedAt + lifetimeMs),
          scopes: result.scopes ? [...result.scopes].sort() : account.scopes,
        };
        // Recorded even if every caller gave up meanwhile: a rotated refresh token must not be lost.
        await store.recordRefresh(accountId, {
          accessToken: token,
          refreshedAt: new Date(refreshedAt),
          ...(result.refreshToken && result.refreshToken !== refreshToken ? { rotatedRefreshToken: result.refreshToken } : {}),
        });
        return token;
      },
      ...(options.lockWaitMs !== undefined ? [{ waitMs: options.lockWaitMs }] : []),
    );
  }

  return {
    async getAccessToken(accountId: string, callOptions: { signal?: AbortSignal } = {}): Promise<CachedAccessToken> {
      const cached = cache.get(accountId);
      if (fresh(cached)) return copy(cached);
      let flight = flights.get(accountId);
      if (!flight) {
        const controller = new AbortController();
        const promise = obtain(accountId, controller.signal).then(
          (token) => {
            if (flights.get(accountId) === current) {
              flights.delete(accountId);
              cache.set(accountId, token);
            }
            return token;
          },
          (error: unknown) => {
            // A failure is not cached: the next call tries again.
            if (flights.get(accountId) === current) flights.delete(accountId);
            throw error;
          },
        );
        const current: Flight = { promise, controller, waiters: 0 };
        flight = current;
        flights.set(accountId, current);
      }
      const joined = flight;
      joined.waiters++;
      let left = false;
      const leave = (): void => {
        if (left) return;
        left = true;
        joined.waiters--;
        // The upstream request is cancelled only when every caller waiting for it has gone.
        if (joined.waiters === 0) joined.controller.abort(callOptions.signal?.reason);
      };
      try {
        return copy(await raceAbort(joined.promise, callOptions.signal, leave));
      } finally {
        if (!left) {
          left = true;
          joined.waiters--;
        }
      }
    },

    forget(accountId: string): void {
      cache.delete(accountId);
      // A flight under way for it no longer fills the cache.
      flights.delete(accountId);
    },
  };
}
