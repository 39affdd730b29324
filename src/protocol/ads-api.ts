/**
 * The few Google Ads API REST calls ads-oauth makes, through an injected fetch:
 * `customers:listAccessibleCustomers` and a GAQL `googleAds:search` on `customer`.
 *
 * Headers: `Authorization: Bearer <access token>`, `developer-token` (only when one is configured:
 * Google sunset developer tokens on 2026-09-09 and now ignores the header), `login-customer-id`
 * (10 digits, no hyphens) when acting through a manager account.
 *
 * Error bodies follow the Google API error model:
 * `{"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "...", "details": [
 *   {"@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
 *    "errors": [{"errorCode": {"authorizationError": "USER_PERMISSION_DENIED"}, "message": "..."}],
 *    "requestId": "..."},
 *   {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED", ...}]}}`.
 *
 * @see https://developers.google.com/google-ads/api/rest/overview
 * @see https://developers.google.com/google-ads/api/docs/get-started/handle-errors
 */
import { providerText, redact } from './redact.js';
import { AdsOAuthError } from '../errors.js';
import { assertConfiguration, callRequest, type CallOptions, type Configuration } from './config.js';
import { sendRequest, type RequestOptions } from './http.js';

/**
 * The Google Ads API version this release calls (the latest active version when it was written).
 * Override with `--api-version` / `endpoints.apiVersion`.
 *
 * @see https://developers.google.com/google-ads/api/docs/sunset-dates
 */
export const GOOGLE_ADS_API_VERSION = 'v26';

/** The Google Ads API base URL (no version, no trailing slash). */
export const GOOGLE_ADS_API_ENDPOINT = 'https://googleads.googleapis.com';

/** Accepts `26`, `v26`, `V26`; returns `v26`. */
export function normalizeApiVersion(value: string): string {
  const match = /^v?(\d{1,3})$/i.exec(value.trim());
  if (!match) {
    throw new AdsOAuthError(
      'USAGE',
      `The Google Ads API version must look like v${GOOGLE_ADS_API_VERSION.slice(1)} or ${GOOGLE_ADS_API_VERSION.slice(1)} (got ${JSON.stringify(value)}).`,
    );
  }
  return `v${match[1]}`;
}

/** Strips hyphens and spaces from a customer ID (`123-456-7890` → `1234567890`) and checks it. */
export function normalizeCustomerId(value: string, what = 'customer ID'): string {
  const digits = value.trim().replace(/[-\s]/g, '');
  if (!/^\d{10}$/.test(digits)) {
    throw new AdsOAuthError(
      'USAGE',
      `The ${what} must be 10 digits, with or without hyphens (e.g. 123-456-7890); got ${JSON.stringify(value)}.`,
    );
  }
  return digits;
}

/** The credentials of an Ads API call (where it goes comes from the {@link Configuration}). */
export interface AdsApiAuth {
  accessToken: string;
  developerToken?: string;
}

/** Where and how to call the Ads API. */
interface AdsApiTarget extends AdsApiAuth {
  /** Base URL without version, e.g. `https://googleads.googleapis.com`. */
  base: URL;
  /** e.g. `v26`. */
  version: string;
}

function targetOf(config: Configuration, auth: AdsApiAuth, where: string): AdsApiTarget {
  assertConfiguration(config, where);
  if (auth === null || typeof auth !== 'object' || typeof auth.accessToken !== 'string' || auth.accessToken === '') {
    throw new AdsOAuthError('USAGE', `${where}: the credentials need an "accessToken" string.`);
  }
  return {
    base: config.endpoints.adsApiBase,
    version: config.endpoints.apiVersion,
    accessToken: auth.accessToken,
    ...(auth.developerToken ? { developerToken: auth.developerToken } : {}),
  };
}

/** One error of a GoogleAdsFailure: `errorCode: {authorizationError: "USER_PERMISSION_DENIED"}`. */
export interface AdsErrorEntry {
  /** The error family, e.g. `authorizationError`. */
  type: string;
  /** The enum value, e.g. `USER_PERMISSION_DENIED`. */
  code: string;
  message?: string;
}

/** The parsed, secret-free content of an Ads API error response. */
export interface AdsApiErrorDetails {
  httpStatus: number;
  /** Canonical status, e.g. `PERMISSION_DENIED`. */
  status?: string;
  message?: string;
  errors: AdsErrorEntry[];
  /** `google.rpc.ErrorInfo.reason`, e.g. `SERVICE_DISABLED`, `ACCESS_TOKEN_SCOPE_INSUFFICIENT`. */
  reason?: string;
  requestId?: string;
}

function adsUrl(target: Pick<AdsApiTarget, 'base' | 'version'>, path: string): URL {
  const base = target.base.href.replace(/\/+$/, '');
  return new URL(`${base}/${target.version}/${path}`);
}

function headers(target: AdsApiTarget, loginCustomerId?: string): Record<string, string> {
  const out: Record<string, string> = {
    authorization: `Bearer ${target.accessToken}`,
    accept: 'application/json',
  };
  if (target.developerToken) out['developer-token'] = target.developerToken;
  if (loginCustomerId) out['login-customer-id'] = loginCustomerId;
  return out;
}

/** Removes every given secret from a string (provider messages may echo what was sent). */
export { redact };

/** Parses a Google API error body; tolerant of every missing part. */
export function parseAdsError(httpStatus: number, text: string, secrets: readonly (string | undefined)[] = []): AdsApiErrorDetails {
  const result: AdsApiErrorDetails = { httpStatus, errors: [] };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return result;
  }
  const error = (body as { error?: unknown } | null)?.error;
  if (error === null || typeof error !== 'object') return result;
  const e = error as { status?: unknown; message?: unknown; details?: unknown };
  if (typeof e.status === 'string') result.status = e.status;
  if (typeof e.message === 'string') result.message = providerText(e.message, secrets, 500);
  const details = Array.isArray(e.details) ? e.details : [];
  for (const detail of details) {
    if (detail === null || typeof detail !== 'object') continue;
    const d = detail as { errors?: unknown; requestId?: unknown; reason?: unknown; '@type'?: unknown };
    if (typeof d.requestId === 'string') result.requestId = d.requestId;
    if (typeof d.reason === 'string' && result.reason === undefined) result.reason = d.reason;
    for (const item of Array.isArray(d.errors) ? d.errors : []) {
      if (item === null || typeof item !== 'object') continue;
      const it = item as { errorCode?: unknown; message?: unknown };
      const codes =
        it.errorCode !== null && typeof it.errorCode === 'object' ? Object.entries(it.errorCode as Record<string, unknown>) : [];
      for (const [type, code] of codes) {
        if (typeof code !== 'string') continue;
        result.errors.push({
          type,
          code,
          ...(typeof it.message === 'string' ? { message: providerText(it.message, secrets, 500) } : {}),
        });
      }
    }
  }
  return result;
}

/** The AdsOAuthError for a non-2xx Ads API answer; `details` holds {@link AdsApiErrorDetails}. */
export function adsApiError(what: string, details: AdsApiErrorDetails): AdsOAuthError {
  const first = details.errors[0];
  const name = first ? `${first.type}: ${first.code}` : (details.reason ?? details.status ?? `HTTP ${details.httpStatus}`);
  const text = first?.message ?? details.message;
  const code = details.httpStatus >= 500 && !first ? 'PROVIDER_RESPONSE' : 'ADS_API';
  return new AdsOAuthError(
    code,
    `The Google Ads API refused ${what}: ${name}${text ? ` (${text})` : ''}${details.requestId ? ` [request-id ${details.requestId}]` : ''}.`,
    { details: { ...details } },
  );
}

async function send(target: AdsApiTarget, url: URL, init: RequestInit, what: string, options: RequestOptions): Promise<unknown> {
  const { response, text } = await sendRequest(url, init, what, options, {
    endpointName: 'Google Ads API endpoint',
    details: { operation: 'ads_api' },
  });
  if (response.status < 200 || response.status >= 300) {
    const details = parseAdsError(response.status, text, [target.accessToken, target.developerToken]);
    const requestId = response.headers.get('request-id');
    if (requestId && !details.requestId) details.requestId = requestId;
    throw adsApiError(what, details);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AdsOAuthError(
      'PROVIDER_RESPONSE',
      `The Google Ads API answered ${what} with something that is not JSON (HTTP ${response.status}). Check GOOGLE_ADS_API_ENDPOINT.`,
      {
        details: { httpStatus: response.status },
      },
    );
  }
}

/**
 * `GET /vN/customers:listAccessibleCustomers` → the 10-digit IDs of the customers the user can
 * access directly (`{"resourceNames": ["customers/1234567890", …]}`).
 *
 * @throws AdsOAuthError `ADS_API` (details: {@link AdsApiErrorDetails}), `PROVIDER_RESPONSE`, `NETWORK`
 */
export async function listAccessibleCustomers(config: Configuration, auth: AdsApiAuth, call: CallOptions = {}): Promise<string[]> {
  const target = targetOf(config, auth, 'listAccessibleCustomers');
  const options = callRequest(config, call);
  const url = adsUrl(target, 'customers:listAccessibleCustomers');
  const body = await send(target, url, { method: 'GET', headers: headers(target) }, 'the accessible-customers request', options);
  const names = (body as { resourceNames?: unknown } | null)?.resourceNames;
  if (names !== undefined && !Array.isArray(names)) {
    throw new AdsOAuthError('PROVIDER_RESPONSE', 'The Google Ads API answered listAccessibleCustomers without a resourceNames list.', {
      details: {},
    });
  }
  const ids: string[] = [];
  for (const name of names ?? []) {
    const match = typeof name === 'string' ? /^customers\/(\d+)$/.exec(name) : null;
    if (match?.[1] && !ids.includes(match[1])) ids.push(match[1]);
  }
  return ids;
}

/** Descriptive fields of one customer, from GAQL on `customer`. */
export interface CustomerDetails {
  id: string;
  descriptiveName?: string;
  manager?: boolean;
  currencyCode?: string;
  timeZone?: string;
  testAccount?: boolean;
}

/** The GAQL query `customers --details` runs for each customer. */
export const CUSTOMER_DETAILS_QUERY =
  'SELECT customer.id, customer.descriptive_name, customer.manager, customer.currency_code, customer.time_zone, customer.test_account FROM customer LIMIT 1';

/**
 * `POST /vN/customers/{id}/googleAds:search` with `{"query": …}` → the customer row
 * (`{"results": [{"customer": {"id": "…", "descriptiveName": "…", "manager": false, "currencyCode": "EUR", …}}]}`).
 *
 * @throws AdsOAuthError `ADS_API`, `PROVIDER_RESPONSE`, `NETWORK`
 */
export async function fetchCustomerDetails(
  config: Configuration,
  auth: AdsApiAuth,
  customerId: string,
  loginCustomerId: string | undefined,
  call: CallOptions = {},
): Promise<CustomerDetails> {
  const target = targetOf(config, auth, 'fetchCustomerDetails');
  const options = callRequest(config, call);
  const url = adsUrl(target, `customers/${customerId}/googleAds:search`);
  const body = await send(
    target,
    url,
    {
      method: 'POST',
      headers: { ...headers(target, loginCustomerId), 'content-type': 'application/json' },
      body: JSON.stringify({ query: CUSTOMER_DETAILS_QUERY }),
    },
    `the details query for customer ${customerId}`,
    options,
  );
  const results = (body as { results?: unknown } | null)?.results;
  const row = Array.isArray(results) ? (results[0] as { customer?: Record<string, unknown> } | undefined) : undefined;
  const customer = row?.customer ?? {};
  const details: CustomerDetails = { id: customerId };
  if (typeof customer['descriptiveName'] === 'string') details.descriptiveName = customer['descriptiveName'];
  // proto3 JSON omits false booleans: a returned row without `manager` means false.
  if (row !== undefined) details.manager = customer['manager'] === true;
  if (typeof customer['currencyCode'] === 'string') details.currencyCode = customer['currencyCode'];
  if (typeof customer['timeZone'] === 'string') details.timeZone = customer['timeZone'];
  if (row !== undefined) details.testAccount = customer['testAccount'] === true;
  return details;
}
