import { AdsOAuthError, isAdsOAuthError } from '../errors.js';
import type { AccountStore, CachedAccessToken } from '../stores/accounts/types.js';
import type { TokenBroker } from './types.js';

export type { TokenBroker } from './types.js';

/** What the upstream refresh returns (the shape of `refreshAccessToken` in src/protocol/tokens.ts). */
export interface UpstreamRefreshResult {
  /** The new access token. */
  accessToken: string;
  /** Seconds it lives; absent: cached for one minute past `refreshBeforeMs` only. */
  expiresIn?: number;
  /** Its scopes; absent: the account's. */
  scopes?: string[];
  /** A rotated refresh token, stored in place of the old one. */
  refreshToken?: string;
}

/** What {@link createTokenBroker} takes. */
export interface TokenBrokerOptions {
  /** The account store (shared by every instance for the cross-process refresh lock). */
  store: AccountStore;
  /** Refreshes upstream; throws `AdsOAuthError` (`TOKEN_ENDPOINT` with `details.error`, `NETWORK`, `PROVIDER_RESPONSE`). */
  refresh: (refreshToken: string, options: { signal?: AbortSignal }) => Promise<UpstreamRefreshResult>;
  /** The lifecycle diagnosis of a dead refresh token (stored as the status reason and shown to callers). */
  diagnose?: (error: unknown) => string;
  /** The clock in epoch milliseconds (tests). */
  now?: () => number;
  /** Refresh this long before expiry (default 300 000 ms: 5 minutes). */
  refreshBeforeMs?: number;
  /** How long to wait for another instance's refresh (the store's lock), default 30 000 ms. */
  lockWaitMs?: number;
  /**
   * How long a cached token is served without asking the store whether its account still exists
   * and is active (default 1 000 ms). Another instance may have deleted or revoked the account, or
   * found its refresh token dead: after at most this long, this instance answers 404 or 409 too.
   */
  revalidateMs?: number;
}

/**
 * How long before expiry the broker refreshes an access token by default: 5 minutes (300 000 ms),
 * so a token handed out is good for at least that long.
 */
export const DEFAULT_REFRESH_BEFORE_MS = 300_000;
/** How long a cached token is served before the store is asked again whether its account is still active. */
export const DEFAULT_REVALIDATE_MS = 1_000;
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
 *
 * A refresh that fails with `invalid_grant` marks the account `reconnect_required` (with the
 * diagnosis as reason) and throws `RECONNECT_REQUIRED`; a provider failure (5xx, timeout, network)
 * throws `PROVIDER_UNAVAILABLE` and changes nothing stored. A rotated refresh token is stored even
 * when every caller gave up meanwhile. An upstream request is aborted only when every caller
 * waiting for it has aborted.
 *
 * @param options the store, the upstream `refresh` (usually {@link refreshAccessToken} with the
 *   configuration), the optional diagnosis, `refreshBeforeMs` (default
 *   {@link DEFAULT_REFRESH_BEFORE_MS}) and `lockWaitMs` (default 30 000) ({@link TokenBrokerOptions}).
 * @returns the {@link TokenBroker}.
 * @example
 * ```ts
 * import { diagnoseRefreshError, discoverConfiguration, readClientSecretsFile, refreshAccessToken } from 'ads-oauth';
 * import { createTokenBroker, openAccountStore, parseKeyring, ENCRYPTION_KEYS_ENV } from 'ads-oauth/web';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret_web.json'));
 * const store = await openAccountStore({ database: 'accounts.db', keyring: parseKeyring(process.env[ENCRYPTION_KEYS_ENV]), clientId: config.client!.clientId });
 * await store.migrate();
 * const broker = createTokenBroker({
 *   store,
 *   refresh: (refreshToken, { signal }) => refreshAccessToken(config, refreshToken, signal ? { signal } : {}),
 *   diagnose: (error) => diagnoseRefreshError(error).cause,
 * });
 * const { token, expiresAt } = await broker.getAccessToken('acc_…');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function createTokenBroker(options: TokenBrokerOptions): TokenBroker {
  const { store, refresh } = options;
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  const diagnose = options.diagnose ?? (() => DEFAULT_DIAGNOSIS);
  const revalidateMs = options.revalidateMs ?? DEFAULT_REVALIDATE_MS;
  /** Tokens by account, with when the account was last seen active in the store. */
  const cache = new Map<string, { token: CachedAccessToken; checkedAt: number }>();
  const flights = new Map<string, Flight>();

  const fresh = (token: CachedAccessToken | undefined): token is CachedAccessToken =>
    token !== undefined && token.expiresAt.getTime() - now() > refreshBeforeMs;
  const copy = (token: CachedAccessToken): CachedAccessToken => ({
    token: token.token,
    expiresAt: new Date(token.expiresAt),
    scopes: [...token.scopes],
  });

  /** The account, if it may be given a token: 404 when gone or revoked, 409 when it must reconnect. */
  async function activeAccount(accountId: string) {
    const account = await store.getAccount(accountId);
    if (!account || account.status === 'revoked') {
      throw new AdsOAuthError('NOT_FOUND', `No account ${accountId}${account ? ' (it was revoked)' : ''}.`, { details: { accountId } });
    }
    if (account.status === 'reconnect_required') {
      throw new AdsOAuthError('RECONNECT_REQUIRED', account.statusReason ?? DEFAULT_DIAGNOSIS, { details: { accountId } });
    }
    return account;
  }

  async function obtain(accountId: string, signal: AbortSignal): Promise<CachedAccessToken> {
    const account = await activeAccount(accountId);
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
          throw new AdsOAuthError('INTERNAL', `The token refresh of account ${accountId} failed unexpectedly.`, {
            cause: error,
            details: { accountId },
          });
        }
        const refreshedAt = now();
        const lifetimeMs =
          typeof result.expiresIn === 'number' && result.expiresIn > 0
            ? result.expiresIn * 1000
            : refreshBeforeMs + UNKNOWN_LIFETIME_MARGIN_MS;
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
      if (cached && fresh(cached.token)) {
        if (now() - cached.checkedAt < revalidateMs) return copy(cached.token);
        // Served long enough on trust: is the account still there and active (another instance
        // may have deleted or revoked it)?
        try {
          await activeAccount(accountId);
        } catch (error) {
          if (cache.get(accountId) === cached) cache.delete(accountId);
          throw error;
        }
        cached.checkedAt = now();
        return copy(cached.token);
      }
      let flight = flights.get(accountId);
      if (!flight) {
        const controller = new AbortController();
        const promise = obtain(accountId, controller.signal).then(
          (token) => {
            if (flights.get(accountId) === current) {
              flights.delete(accountId);
              cache.set(accountId, { token, checkedAt: now() });
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
