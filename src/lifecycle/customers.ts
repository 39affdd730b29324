import { AdsOAuthError } from '../errors.js';
import {
  fetchCustomerDetails,
  listAccessibleCustomers,
  normalizeCustomerId,
  type AdsApiAuth,
  type CustomerDetails,
} from '../protocol/ads-api.js';
import { assertConfiguration, type CallOptions, type Configuration } from '../protocol/config.js';
import { refreshAccessToken } from '../protocol/tokens.js';
import { diagnoseAdsError, diagnoseRefreshError, formatProblem } from './diagnosis.js';
import type { AdsCredentials, LifecycleOptions, Problem } from './types.js';

/** What {@link listCustomers} takes beside the configuration and the credentials. */
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
  /** `customers/<id>`, as the API names it. */
  resourceName: string;
}

/** A customer whose details could not be read. */
export interface CustomerFailure {
  /** The customer ID, 10 digits. */
  id: string;
  /** Why its details could not be read, with cause and fix. */
  problem: Problem;
}

/** What {@link listCustomers} found. Secret-free. */
export interface ListCustomersResult {
  /** The accessible customers, in the API's order. */
  customers: CustomerEntry[];
  /** Per-customer detail failures (the list itself succeeded). */
  failures: CustomerFailure[];
  /** The Google Ads API version used, e.g. `v26`. */
  apiVersion: string;
}

function requestOptions(options: LifecycleOptions): CallOptions {
  return options.signal ? { signal: options.signal } : {};
}

/** Refreshes and returns an access token, or throws an error carrying the diagnosis. */
export async function accessTokenFor(
  config: Configuration,
  credentials: Pick<AdsCredentials, 'refreshToken'>,
  options: LifecycleOptions = {},
): Promise<string> {
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
 * The access token comes from a refresh of `credentials.refreshToken` (a network call each
 * time). Developer tokens were sunset on 2026-09-09 (the header is optional and ignored); one is
 * still sent when given.
 *
 * @param config from {@link discoverConfiguration} or {@link createConfiguration}; needs the client
 *   the token was issued to.
 * @param credentials the refresh token, and the optional developer token and login customer ID
 *   (the manager to retry detail queries through) ({@link AdsCredentials}).
 * @param options `details`, `concurrency` (default 4) and a signal ({@link ListCustomersOptions}).
 * @returns the customers, the per-customer failures and the API version.
 * @throws AdsOAuthError when the refresh or the list call fails (`TOKEN_ENDPOINT`, `ADS_API`,
 *   `NETWORK`, `PROVIDER_RESPONSE`, `INTERRUPTED`), with `details.problem` and the diagnosis in
 *   the message; `USAGE` (not a configuration, no client, a malformed login customer ID)
 * @example
 * ```ts
 * import { discoverConfiguration, listCustomers, readClientSecretsFile } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * const { customers } = await listCustomers(config, { refreshToken: process.env.REFRESH_TOKEN! }, { details: true });
 * for (const c of customers) console.log(c.id, c.descriptiveName);
 * ```
 * @see https://developers.google.com/google-ads/api/docs/oauth/overview
 */
export async function listCustomers(
  config: Configuration,
  credentials: AdsCredentials,
  options: ListCustomersOptions = {},
): Promise<ListCustomersResult> {
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
