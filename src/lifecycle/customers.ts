import { AdsOAuthError } from '../errors.js';
import { fetchCustomerDetails, listAccessibleCustomers, normalizeCustomerId, type AdsApiAuth, type CustomerDetails } from '../protocol/ads-api.js';
import { assertConfiguration, type CallOptions, type Configuration } from '../protocol/config.js';
import { refreshAccessToken } from '../protocol/tokens.js';
import { diagnoseAdsError, diagnoseRefreshError, formatProblem } from './diagnosis.js';
import type { AdsCredentials, LifecycleOptions, Problem } from './types.js';

export interface ListCustomersOptions extends LifecycleOptions {
  /** Also fetch descriptive name, manager flag, currency… per customer (GAQL on `customer`). */
  details?: boolean;
  /** Parallel detail queries. Default 4. */
  concurrency?: number;
}

/** One accessible customer. Detail fields are present only with `details`. */
export interface CustomerEntry extends Partial<Omit<CustomerDetails, 'id'>> {
  /** 10 digits, no hyphens. */
  id: string;
  resourceName: string;
}

/** A customer whose details could not be read. */
export interface CustomerFailure {
  id: string;
  problem: Problem;
}

export interface ListCustomersResult {
  customers: CustomerEntry[];
  /** Per-customer detail failures (the list itself succeeded). */
  failures: CustomerFailure[];
  apiVersion: string;
}

function requestOptions(options: LifecycleOptions): CallOptions {
  return options.signal ? { signal: options.signal } : {};
}

/** Refreshes and returns an access token, or throws an error carrying the diagnosis. */
export async function accessTokenFor(config: Configuration, credentials: Pick<AdsCredentials, 'refreshToken'>, options: LifecycleOptions = {}): Promise<string> {
  assertConfiguration(config, 'accessTokenFor');
  try {
    const refreshed = await refreshAccessToken(config, credentials.refreshToken, requestOptions(options));
    return refreshed.accessToken;
  } catch (error) {
    const p = diagnoseRefreshError(error);
    const base = error instanceof AdsOAuthError ? error : undefined;
    throw new AdsOAuthError(p.errorCode, `The token refresh failed.\n${formatProblem(p)}`, {
      cause: base?.cause ?? error,
      details: { ...(base?.details ?? {}), problem: { code: p.code, check: p.check } },
      hints: p.hints ?? [],
    });
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/**
 * Lists the customers the user can access directly (`customers:listAccessibleCustomers`), with
 * `details` also their name, manager flag, currency, time zone and test flag. Each detail query
 * first uses the customer itself as `login-customer-id` (right for direct access); if that is
 * refused with USER_PERMISSION_DENIED and a login customer is configured, it is retried through
 * that manager. Per-customer failures are collected, not thrown.
 *
 * @throws AdsOAuthError when the refresh or the list call fails (`TOKEN_ENDPOINT`, `ADS_API`,
 *   `NETWORK`, `PROVIDER_RESPONSE`); the message carries the diagnosis.
 */
export async function listCustomers(config: Configuration, credentials: AdsCredentials, options: ListCustomersOptions = {}): Promise<ListCustomersResult> {
  assertConfiguration(config, 'listCustomers');
  const accessToken = await accessTokenFor(config, credentials, options);
  const target: AdsApiAuth = { accessToken, ...(credentials.developerToken ? { developerToken: credentials.developerToken } : {}) };
  const request = requestOptions(options);
  let ids: string[];
  try {
    ids = await listAccessibleCustomers(config, target, request);
  } catch (error) {
    const p = diagnoseAdsError(error, 'customers');
    const base = error instanceof AdsOAuthError ? error : undefined;
    throw new AdsOAuthError(p.errorCode, `Listing the accessible customers failed.\n${formatProblem(p)}`, {
      cause: base?.cause ?? error,
      details: { ...(base?.details ?? {}), problem: { code: p.code, check: p.check } },
      hints: p.hints ?? [],
    });
  }
  const customers: CustomerEntry[] = ids.map((id) => ({ id, resourceName: `customers/${id}` }));
  const failures: CustomerFailure[] = [];
  if (options.details && customers.length > 0) {
    const login = credentials.loginCustomerId ? normalizeCustomerId(credentials.loginCustomerId, 'login customer ID') : undefined;
    await mapLimit(customers, options.concurrency ?? 4, async (entry) => {
      let details: CustomerDetails | undefined;
      try {
        details = await fetchCustomerDetails(config, target, entry.id, entry.id, request);
      } catch (first) {
        const firstProblem = diagnoseAdsError(first, 'customers');
        if (firstProblem.code === 'USER_PERMISSION_DENIED' && login !== undefined && login !== entry.id) {
          try {
            details = await fetchCustomerDetails(config, target, entry.id, login, request);
          } catch (second) {
            failures.push({ id: entry.id, problem: diagnoseAdsError(second, 'customers') });
          }
        } else {
          failures.push({ id: entry.id, problem: firstProblem });
        }
      }
      if (details) {
        const { id: _id, ...rest } = details;
        Object.assign(entry, rest);
      }
    });
    failures.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
  }
  return { customers, failures, apiVersion: config.endpoints.apiVersion };
}
