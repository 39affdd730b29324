import { listAccessibleCustomers } from '../protocol/ads-api.js';
import { assertConfiguration, requireClient, type CallOptions, type Configuration } from '../protocol/config.js';
import { ADWORDS_SCOPE } from '../protocol/scopes.js';
import { fetchTokenInfo, type TokenInfo } from '../protocol/tokeninfo.js';
import { refreshAccessToken, type RefreshedAccessToken } from '../protocol/tokens.js';
import { clientMismatchProblem, diagnoseAdsError, diagnoseRefreshError, diagnoseTokeninfoError, scopeMissingProblem } from './diagnosis.js';
import type { AdsCredentials, Check, LifecycleOptions, Problem } from './types.js';

/** What {@link verifyCredentials} takes beside the configuration and the credentials. */
export interface VerifyOptions extends LifecycleOptions {
  /**
   * Whether to call the Google Ads API (`customers:listAccessibleCustomers`). Default: only when
   * the credentials carry a developer token.
   */
  checkAdsApi?: boolean;
  /**
   * Called when the provider rotated the refresh token during the refresh (Google does not; some
   * providers do, and then the old token stops working). The new token is never put in the result.
   */
  onRefreshTokenRotated?: (refreshToken: string) => void | Promise<void>;
}

/** What `verify` found. Secret-free: safe to log or print as JSON. */
export interface VerifyResult {
  /** True only if every check that ran passed. */
  ok: boolean;
  /** Each step, in order, with its outcome (`pass`, `fail`, `skip`). */
  checks: Check[];
  /** Granted scopes (full URLs), from tokeninfo, else from the token response. */
  scopes: string[];
  /** When the fresh access token expires (ISO 8601). */
  expiresAt?: string;
  /** Seconds the fresh access token lives. */
  expiresIn?: number;
  /** The OAuth client tokeninfo attributes the token to (`azp`, else `aud`). */
  clientId?: string;
  /** The user's email, when the token carries the email scope. */
  email?: string;
  /** Accessible customer IDs, when the Ads API check ran and passed. */
  customers?: string[];
  /** True when the provider handed out a new refresh token during the check. */
  refreshTokenRotated?: boolean;
  /** Everything that is wrong, each with cause and fix. Empty when `ok`. */
  problems: Problem[];
  /** The endpoints used (no secrets). */
  endpoints: { token: string; tokeninfo: string; adsApi?: string };
}

function where(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * Checks that a refresh token works, and explains why when it does not. Always refreshes
 * (grant_type=refresh_token): a cached access token proves nothing. Then asks tokeninfo for the
 * token's scopes, expiry and client, checks the adwords scope and the client, and, with a developer
 * token (or `checkAdsApi`), calls the Google Ads API (`customers:listAccessibleCustomers`).
 * Never throws for a failed check: failures are in `problems`, each with its likely causes and
 * fixes (for `invalid_grant`: Testing-mode 7-day tokens, revocation, six months unused, the limit
 * of 100 refresh tokens per account per client, a password change with Gmail scopes). A refresh
 * is a use, so a regular verification also keeps a token from expiring unused.
 *
 * Google sunset developer tokens on 2026-09-09: the header is optional and ignored, so the Ads API
 * check runs without one when `checkAdsApi` is true.
 *
 * @param config from {@link discoverConfiguration} or {@link createConfiguration}; needs the client
 *   the token was issued to (the `client` check compares it with tokeninfo's).
 * @param credentials the refresh token, and for the Ads API check the optional developer token
 *   and login customer ID ({@link AdsCredentials}).
 * @param options `checkAdsApi` (default: only with a developer token), a signal, and
 *   `onRefreshTokenRotated` to store a rotated token ({@link VerifyOptions}).
 * @returns the secret-free {@link VerifyResult}: `ok`, the checks, the problems, scopes, expiry.
 * @throws AdsOAuthError `USAGE` only (not a configuration, no client); an error thrown by
 *   `onRefreshTokenRotated` propagates
 * @example
 * ```ts
 * import { discoverConfiguration, readClientSecretsFile, verifyCredentials } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * const result = await verifyCredentials(config, { refreshToken: process.env.REFRESH_TOKEN! });
 * if (!result.ok) for (const p of result.problems) console.error(p.code, p.cause, p.fix);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://developers.google.com/google-ads/api/docs/oauth/overview
 */
export async function verifyCredentials(
  config: Configuration,
  credentials: AdsCredentials,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  assertConfiguration(config, 'verifyCredentials');
  const client = requireClient(config, 'verifyCredentials');
  const endpoints = {
    tokenUri: config.endpoints.token,
    tokeninfoUri: config.endpoints.tokeninfo,
    adsApiBase: config.endpoints.adsApiBase,
    apiVersion: config.endpoints.apiVersion,
  };
  const request: CallOptions = options.signal ? { signal: options.signal } : {};
  const checkAds = options.checkAdsApi ?? Boolean(credentials.developerToken);
  const result: VerifyResult = {
    ok: false,
    checks: [],
    scopes: [],
    problems: [],
    endpoints: { token: where(endpoints.tokenUri), tokeninfo: where(endpoints.tokeninfoUri) },
  };
  if (checkAds) result.endpoints.adsApi = `${endpoints.adsApiBase.href.replace(/\/+$/, '')}/${endpoints.apiVersion}`;
  const skip = (id: Check['id'], summary: string): void => void result.checks.push({ id, status: 'skip', summary });
  const fail = (p: Problem, summary: string): void => {
    result.problems.push(p);
    result.checks.push({ id: p.check, status: 'fail', summary });
  };

  // 1. Refresh.
  let refreshed: RefreshedAccessToken;
  try {
    refreshed = await refreshAccessToken(config, credentials.refreshToken, request);
  } catch (error) {
    const p = diagnoseRefreshError(error);
    fail(p, `Refresh at ${where(endpoints.tokenUri)} failed: ${p.code}`);
    skip('tokeninfo', 'Skipped: no access token.');
    skip('scope', 'Skipped: no access token.');
    skip('client', 'Skipped: no access token.');
    if (checkAds) skip('ads_api', 'Skipped: no access token.');
    return result;
  }
  result.checks.push({ id: 'refresh', status: 'pass', summary: `Refreshed an access token at ${where(endpoints.tokenUri)}.` });
  if (refreshed.expiresIn !== undefined) {
    result.expiresIn = refreshed.expiresIn;
    result.expiresAt = new Date(Date.now() + refreshed.expiresIn * 1000).toISOString();
  }
  if (refreshed.scopes) result.scopes = refreshed.scopes;
  if (refreshed.refreshToken !== undefined) {
    result.refreshTokenRotated = true;
    await options.onRefreshTokenRotated?.(refreshed.refreshToken);
  }

  // 2. tokeninfo.
  let info: TokenInfo | undefined;
  try {
    info = await fetchTokenInfo(config, refreshed.accessToken, request);
    result.checks.push({ id: 'tokeninfo', status: 'pass', summary: `tokeninfo at ${where(endpoints.tokeninfoUri)} described the token.` });
    if (info.scopes.length > 0) result.scopes = info.scopes;
    if (info.expiresAt) result.expiresAt = info.expiresAt.toISOString();
    if (info.expiresIn !== undefined) result.expiresIn = info.expiresIn;
    if (info.clientId !== undefined) result.clientId = info.clientId;
    if (info.email !== undefined) result.email = info.email;
  } catch (error) {
    const p = diagnoseTokeninfoError(error);
    fail(p, `tokeninfo at ${where(endpoints.tokeninfoUri)} failed: ${p.code}`);
  }

  // 3. The adwords scope.
  let scopeOk = false;
  if (result.scopes.length === 0 && info === undefined) {
    skip('scope', 'Skipped: tokeninfo failed and the token response listed no scopes.');
  } else if (result.scopes.includes(ADWORDS_SCOPE)) {
    scopeOk = true;
    result.checks.push({ id: 'scope', status: 'pass', summary: `The Google Ads scope (${ADWORDS_SCOPE}) is granted.` });
  } else {
    fail(scopeMissingProblem(result.scopes), `The Google Ads scope (${ADWORDS_SCOPE}) is missing.`);
  }

  // 4. The client.
  if (info === undefined) {
    skip('client', 'Skipped: tokeninfo failed.');
  } else if (info.clientId === undefined) {
    skip('client', 'Skipped: tokeninfo named no client (no azp or aud).');
  } else {
    const candidates = [info.authorizedParty, info.audience].filter((v): v is string => v !== undefined);
    if (candidates.includes(client.clientId)) {
      result.clientId = client.clientId;
      result.checks.push({ id: 'client', status: 'pass', summary: `The token belongs to the configured client ${client.clientId}.` });
    } else {
      fail(clientMismatchProblem(client.clientId, info.clientId), `The token belongs to client ${info.clientId}, not ${client.clientId}.`);
    }
  }

  // 5. The Google Ads API.
  if (checkAds) {
    if (!scopeOk && result.scopes.length > 0) {
      skip('ads_api', 'Skipped: the token lacks the Google Ads scope.');
    } else {
      try {
        const customers = await listAccessibleCustomers(
          config,
          { accessToken: refreshed.accessToken, ...(credentials.developerToken ? { developerToken: credentials.developerToken } : {}) },
          request,
        );
        result.customers = customers;
        result.checks.push({
          id: 'ads_api',
          status: 'pass',
          summary: `The Google Ads API (${endpoints.apiVersion}) lists ${customers.length} accessible customer${customers.length === 1 ? '' : 's'}.`,
        });
      } catch (error) {
        const p = diagnoseAdsError(error, 'ads_api');
        fail(p, `The Google Ads API refused listAccessibleCustomers: ${p.code}`);
      }
    }
  }

  result.ok = result.problems.length === 0 && result.checks.some((c) => c.id === 'refresh' && c.status === 'pass');
  return result;
}
