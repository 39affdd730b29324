/**
 * Why a token died: every failure the lifecycle commands can meet, mapped to a cause and a fix.
 *
 * Sources for the token-expiry rules: "Refresh token expiration" in
 * https://developers.google.com/identity/protocols/oauth2 (Testing-status projects with an
 * External user type get refresh tokens that expire in 7 days; unused for six months; password
 * change with Gmail scopes; "a limit of 100 refresh tokens per Google Account per OAuth 2.0
 * client ID", the oldest invalidated without warning; `admin_policy_enforced`; session control
 * policies with `error_subtype: invalid_rapt`), and
 * https://developers.google.com/google-ads/api/docs/get-started/common-errors for the Ads API.
 */
import { AdsOAuthError, isAdsOAuthError, type ErrorCode, type ErrorHint } from '../errors.js';
import type { AdsApiErrorDetails } from '../protocol/ads-api.js';
import { ADWORDS_SCOPE } from '../protocol/scopes.js';
import { isTimeoutError } from '../protocol/http.js';
import type { CheckId, LikelyCause, Problem } from './types.js';

const NEW_TOKEN = 'generate a new refresh token (run the consent again)';

/** The known causes of `invalid_grant` on a refresh, most likely first. */
export const INVALID_GRANT_CAUSES: readonly LikelyCause[] = [
  {
    id: 'testing_mode_7_days',
    cause:
      'The Cloud project\'s OAuth consent screen has user type "External" and publishing status "Testing": Google issues its refresh tokens with a 7-day life. Tokens that die about a week after they were made point here.',
    fix: `In the Google Cloud console open Google Auth Platform > Audience (OAuth consent screen) and click "Publish app" so the status is "In production", then ${NEW_TOKEN}. Tokens made while in Testing keep their 7-day life.`,
  },
  {
    id: 'revoked',
    cause:
      'The access was revoked: by the user (Google Account > Security > Third-party apps, https://myaccount.google.com/connections), by a Google Workspace admin, or by a revocation request (such as `ads-oauth revoke`).',
    fix: `${capitalize(NEW_TOKEN)}. If an admin removed the access, ask them to allow the app first.`,
  },
  {
    id: 'unused_6_months',
    cause: 'The refresh token was not used for six months; Google drops idle tokens.',
    fix: `${capitalize(NEW_TOKEN)}, and use it regularly (a scheduled refresh, such as a regular verification, keeps it alive).`,
  },
  {
    id: 'token_limit',
    cause:
      'Too many refresh tokens: Google keeps at most 100 per Google account per OAuth client ID, and each new one silently revokes the oldest. Re-running the consent for every machine or deployment hits this.',
    fix: `${capitalize(NEW_TOKEN)} and store it wherever the old one was used; reuse one token instead of running the consent again, or give other programs their own OAuth client.`,
  },
  {
    id: 'password_change_gmail',
    cause: 'The user changed their Google password and the token also carries Gmail scopes.',
    fix: `${capitalize(NEW_TOKEN)}; ask only for the adwords scope unless Gmail access is really needed.`,
  },
];

const INVALID_RAPT: LikelyCause = {
  id: 'session_control',
  cause:
    'A Google Cloud session control policy of the user\'s organisation requires signing in again (error_subtype "invalid_rapt"); sessions can be as short as 1 to 24 hours.',
  fix: `${capitalize(NEW_TOKEN)}; for unattended jobs ask the organisation admin to exempt the app or the user from session control.`,
};

const ADMIN_POLICY: LikelyCause = {
  id: 'admin_policy_enforced',
  cause: "A Google Workspace admin restricted a service this token's scopes need (admin_policy_enforced).",
  fix: `Ask the admin to trust the app (Admin console > Security > Access and data control > API controls), then ${NEW_TOKEN}.`,
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function problem(
  code: string,
  errorCode: ErrorCode,
  check: CheckId,
  cause: string,
  fix: string,
  extra: { causes?: readonly LikelyCause[]; details?: Record<string, unknown>; summary?: string } = {},
): Problem {
  const hints: ErrorHint[] = [];
  const all = [fix, ...(extra.causes ?? []).map((c) => c.fix)].join(' ');
  if (all.toLowerCase().includes(NEW_TOKEN)) hints.push('regenerate');
  if (all.includes('login_customer_id')) hints.push('login_customer');
  if (errorCode === 'NETWORK') hints.push('network');
  return {
    code,
    errorCode,
    check,
    ...(extra.summary ? { summary: extra.summary } : {}),
    cause,
    fix,
    ...(extra.causes ? { causes: [...extra.causes] } : {}),
    ...(extra.details && Object.keys(extra.details).length > 0 ? { details: extra.details } : {}),
    ...(hints.length > 0 ? { hints } : {}),
  };
}

function endpointFacts(error: AdsOAuthError): Record<string, unknown> {
  const d = error.details;
  const facts: Record<string, unknown> = {};
  for (const key of ['error', 'error_description', 'error_subtype', 'status', 'operation', 'endpoint', 'reason']) {
    if (d[key] !== undefined) facts[key] = d[key];
  }
  return facts;
}

/** A transport or provider failure that has nothing to do with the token itself. */
function transportProblem(error: AdsOAuthError, check: CheckId, endpointHint: string): Problem | undefined {
  if (error.code === 'NETWORK') {
    const timeout = isTimeoutError(error);
    return problem(
      timeout ? 'timeout' : 'network',
      'NETWORK',
      check,
      timeout ? `No answer in time: ${error.message}` : error.message,
      `Check the network connection and firewall${endpointHint ? `, and ${endpointHint}` : ''} (behind a proxy: HTTPS_PROXY=http://host:port, NO_PROXY for hosts to reach directly). This says nothing about the token itself.`,
      { details: endpointFacts(error) },
    );
  }
  if (error.code === 'PROVIDER_RESPONSE') {
    return problem(
      'provider_response',
      'PROVIDER_RESPONSE',
      check,
      error.message,
      `Try again in a minute${endpointHint ? `; if it persists, check ${endpointHint}` : ''}.`,
      {
        details: endpointFacts(error),
      },
    );
  }
  if (error.code === 'INTERRUPTED') {
    return problem('interrupted', 'INTERRUPTED', check, error.message, 'Run it again.');
  }
  if (error.code === 'INSECURE_ENDPOINT') {
    return problem(
      'insecure_endpoint',
      'INSECURE_ENDPOINT',
      check,
      error.message,
      'Use an https URL (plain http only for 127.0.0.1, ::1 or localhost).',
    );
  }
  return undefined;
}

function asAdsError(error: unknown): AdsOAuthError {
  if (error instanceof AdsOAuthError) return error;
  return new AdsOAuthError('INTERNAL', `Unexpected failure: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/**
 * Explains why a refresh (grant_type=refresh_token) failed: turns the error
 * {@link refreshAccessToken} threw into a {@link Problem} with the most likely cause, the fix and,
 * for `invalid_grant`, every known cause most likely first: a Testing-mode project with external
 * users (7-day tokens), revocation (by the user, an admin or a revocation request, which ends the
 * whole grant), six months unused, the limit of 100 refresh tokens per Google account per OAuth
 * client (the oldest dies silently), a password change with Gmail scopes; `invalid_rapt` (session
 * control) and `admin_policy_enforced` are told apart. Transport failures get their own problems
 * (`network`, `timeout`, …). Pure: no network call, never throws.
 *
 * @param raw whatever `refreshAccessToken` threw (anything else becomes an `INTERNAL` problem).
 * @returns the diagnosis; `errorCode` is the {@link ErrorCode} to report.
 * @example
 * ```ts
 * import { diagnoseRefreshError, discoverConfiguration, readClientSecretsFile, refreshAccessToken } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * try {
 *   await refreshAccessToken(config, process.env.REFRESH_TOKEN!);
 * } catch (error) {
 *   const problem = diagnoseRefreshError(error);
 *   console.error(`${problem.code}: ${problem.cause}\nFix: ${problem.fix}`);
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://developers.google.com/identity/protocols/oauth2/native-app
 */
export function diagnoseRefreshError(raw: unknown): Problem {
  const error = asAdsError(raw);
  const transport = transportProblem(error, 'refresh', 'the token endpoint (token_uri of the client file, or ADS_OAUTH_TOKEN_URI)');
  if (transport) return transport;
  if (error.code !== 'TOKEN_ENDPOINT') {
    return problem(
      'refresh_failed',
      error.code,
      'refresh',
      error.message,
      'Run it again; if it persists, it may be a bug in ads-oauth: please report it.',
    );
  }
  const oauthError = error as AdsOAuthError<'TOKEN_ENDPOINT'>;
  const code = oauthError.details.error ?? 'unknown';
  const subtype = oauthError.details.error_subtype;
  const details: Record<string, unknown> = { ...endpointFacts(error), ...(subtype ? { error_subtype: subtype } : {}) };
  switch (code) {
    case 'invalid_grant': {
      const description = oauthError.details.error_description ? `: "${oauthError.details.error_description}"` : '';
      const summary = `The provider refused the refresh token (invalid_grant${description}): it expired or was revoked.`;
      if (subtype === 'invalid_rapt') {
        return problem('invalid_grant', 'TOKEN_ENDPOINT', 'refresh', INVALID_RAPT.cause, INVALID_RAPT.fix, {
          causes: [INVALID_RAPT, ...INVALID_GRANT_CAUSES],
          details,
          summary,
        });
      }
      const first = INVALID_GRANT_CAUSES[0]!;
      return problem('invalid_grant', 'TOKEN_ENDPOINT', 'refresh', first.cause, first.fix, {
        causes: INVALID_GRANT_CAUSES,
        details,
        summary,
      });
    }
    case 'admin_policy_enforced':
      return problem('admin_policy_enforced', 'TOKEN_ENDPOINT', 'refresh', ADMIN_POLICY.cause, ADMIN_POLICY.fix, {
        causes: [ADMIN_POLICY],
        details,
      });
    case 'invalid_client':
      return problem(
        'invalid_client',
        'TOKEN_ENDPOINT',
        'refresh',
        'The token endpoint does not accept this client ID and secret: the secret is wrong or was reset, the OAuth client was deleted, or the token belongs to another client.',
        `Download the client JSON again (Google Cloud console > APIs & Services > Credentials > your OAuth client) and use the client_id and client_secret the token was made with. If the client was deleted, create a new one and ${NEW_TOKEN}.`,
        {
          summary: 'The token endpoint refused the OAuth client (invalid_client).',
          causes: [
            {
              id: 'wrong_secret',
              cause: 'The client secret is wrong or was reset in the Cloud console.',
              fix: 'Download the client JSON again and use its client_secret.',
            },
            {
              id: 'client_deleted',
              cause: 'The OAuth client was deleted (or its project was shut down).',
              fix: `Create a new OAuth client (Desktop app) and ${NEW_TOKEN}.`,
            },
            {
              id: 'other_client',
              cause:
                'The refresh token was issued to another OAuth client: a refresh token works only with the client_id it was made with.',
              fix: `Use that client's ID and secret, or ${NEW_TOKEN} with this client.`,
            },
          ],
          details,
        },
      );
    case 'unauthorized_client':
      return problem(
        'unauthorized_client',
        'TOKEN_ENDPOINT',
        'refresh',
        'The refresh token belongs to another OAuth client (a refresh token works only with the client_id it was issued to), or this client may no longer use the refresh grant.',
        `Use the client_id and client_secret the token was created with, or ${NEW_TOKEN} with this client.`,
        { details },
      );
    case 'invalid_scope':
      return problem(
        'invalid_scope',
        'TOKEN_ENDPOINT',
        'refresh',
        'The provider refused the scopes of this grant: a scope is unknown, no longer allowed for this client, or was not part of the original consent.',
        `${capitalize(NEW_TOKEN)} with only the Google Ads scope (${ADWORDS_SCOPE}).`,
        { details },
      );
    case 'invalid_request':
      return problem(
        'invalid_request',
        'TOKEN_ENDPOINT',
        'refresh',
        `The provider rejected the refresh request as malformed: ${error.message}`,
        'Check that the refresh token was copied whole (no quotes or spaces); if it persists, please report it.',
        {
          details,
        },
      );
    default:
      return problem(code, 'TOKEN_ENDPOINT', 'refresh', error.message, "See the provider's message above.", { details });
  }
}

/** The diagnosis of a failed tokeninfo call. */
export function diagnoseTokeninfoError(raw: unknown): Problem {
  const error = asAdsError(raw);
  const transport = transportProblem(error, 'tokeninfo', 'the tokeninfo endpoint (ADS_OAUTH_TOKENINFO_URI)');
  if (transport) return transport;
  const code = (isAdsOAuthError(error, 'TOKEN_ENDPOINT') ? error.details.error : undefined) ?? 'tokeninfo_failed';
  return problem(
    code,
    error.code,
    'tokeninfo',
    `The refresh worked, but tokeninfo rejected the new access token: ${error.message}`,
    'Check that ADS_OAUTH_TOKENINFO_URI belongs to the same provider as the token endpoint (unset it for Google).',
    { details: endpointFacts(error) },
  );
}

interface AdsCauseFix {
  cause: string;
  fix: string;
}

const APPLY_ACCESS =
  'Apply for Explorer or Basic access on the Google Ads API Overview page of the Cloud project that owns your OAuth client (https://console.cloud.google.com/google/ads-apis/overview); since the developer-token sunset (2026-09-09) access levels belong to Cloud projects. Until then use Google Ads test accounts only.';

/** Cause and fix per Ads API error enum value (or ErrorInfo reason). */
const ADS_ERRORS: Record<string, AdsCauseFix> = {
  NOT_ADS_USER: {
    cause: 'The Google account that authorized this token is not a Google Ads user: it has access to no Google Ads account.',
    fix: `Add this Google account as a user of your Google Ads (manager) account (Admin > Access and security), or ${NEW_TOKEN} signed in as a user who has access.`,
  },
  USER_PERMISSION_DENIED: {
    cause:
      'The user may not access this customer. When the access goes through a manager account, the login-customer-id header must name that manager account.',
    fix: "Set login_customer_id to the manager account's ID, or use a Google account with direct access to the customer.",
  },
  DEVELOPER_TOKEN_NOT_APPROVED: {
    cause: 'API access is approved for test accounts only, and this request reached a production account.',
    fix: APPLY_ACCESS,
  },
  CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION: {
    cause: 'The Google Cloud project that owns this OAuth client is approved for test accounts only.',
    fix: APPLY_ACCESS,
  },
  DEVELOPER_TOKEN_PROHIBITED: {
    cause: 'The developer token may not be used with the Cloud project that owns this OAuth client.',
    fix: 'Remove developer_token from the configuration (developer tokens were sunset on 2026-09-09), or use the Cloud project the token was approved for.',
  },
  DEVELOPER_TOKEN_INVALID: {
    cause: 'The developer token is not valid.',
    fix: 'Remove developer_token from the configuration (developer tokens were sunset on 2026-09-09), or copy it again from the API Center of your manager account.',
  },
  DEVELOPER_TOKEN_NOT_ON_ALLOWLIST: {
    cause: 'The developer token is not on the allow-list of the feature being used.',
    fix: 'Ask Google Ads API support for access, or remove developer_token from the configuration.',
  },
  PROJECT_DISABLED: {
    cause: 'The Google Cloud project that owns this OAuth client may not use the Google Ads API.',
    fix: "Check the project's Google Ads API access on https://console.cloud.google.com/google/ads-apis/overview.",
  },
  SERVICE_DISABLED: {
    cause: 'The Google Ads API is not enabled in the Cloud project that owns this OAuth client.',
    fix: 'Enable it: https://console.cloud.google.com/apis/library/googleads.googleapis.com (in that project), then wait a few minutes before the next call.',
  },
  ACCESS_TOKEN_SCOPE_INSUFFICIENT: {
    cause: `The access token lacks the Google Ads scope (${ADWORDS_SCOPE}).`,
    fix: `${capitalize(NEW_TOKEN)} and keep the Google Ads box ticked on the consent screen.`,
  },
  CUSTOMER_NOT_ENABLED: {
    cause: 'The Google Ads account is not yet enabled, or was deactivated or cancelled.',
    fix: 'Finish the account set-up (billing) in the Google Ads UI, or use another customer.',
  },
  CUSTOMER_NOT_FOUND: {
    cause: 'No Google Ads account has this customer ID (or it was created moments ago).',
    fix: 'Check the customer ID (10 digits, no hyphens); new accounts can take a few minutes to appear.',
  },
  MISSING_TOS: {
    cause: 'The Google Ads API Terms of Service have not been accepted.',
    fix: 'Accept them at https://ads.google.com/aw/apicenter.',
  },
  TWO_STEP_VERIFICATION_NOT_ENROLLED: {
    cause: 'An administrator requires 2-Step Verification for this Google Ads account, and the user has not turned it on.',
    fix: `Turn on 2-Step Verification for the Google account, then ${NEW_TOKEN}.`,
  },
  ADVANCED_PROTECTION_NOT_ENROLLED: {
    cause: 'An administrator requires Advanced Protection for this Google Ads account.',
    fix: `Enrol the Google account in Advanced Protection (https://landing.google.com/advancedprotection), then ${NEW_TOKEN}.`,
  },
  OAUTH_TOKEN_INVALID: {
    cause: 'The Google Ads API did not accept the access token that was just issued.',
    fix: "Check that the token endpoint and GOOGLE_ADS_API_ENDPOINT belong together (both Google's, unless testing).",
  },
  OAUTH_TOKEN_EXPIRED: {
    cause: 'The access token expired before the call (the clock may be off).',
    fix: 'Check the system clock.',
  },
  OAUTH_TOKEN_REVOKED: {
    cause: 'The grant was revoked while the command ran.',
    fix: `${capitalize(NEW_TOKEN)}.`,
  },
  OAUTH_TOKEN_DISABLED: {
    cause: 'The OAuth token was disabled.',
    fix: `${capitalize(NEW_TOKEN)}.`,
  },
  INVALID_LOGIN_CUSTOMER_ID: {
    cause: 'The login-customer-id is not a valid customer ID.',
    fix: 'Set login_customer_id to 10 digits without hyphens.',
  },
  INVALID_LOGIN_CUSTOMER_ID_SERVING_CUSTOMER_ID_COMBINATION: {
    cause: 'The login customer (manager) does not manage this customer.',
    fix: 'Set login_customer_id to a manager account above this customer, or remove it for direct access.',
  },
  RESOURCE_EXHAUSTED: {
    cause: 'A Google Ads API quota or rate limit was reached.',
    fix: 'Wait before the next call; daily operation limits reset at midnight Pacific time.',
  },
};

/** The diagnosis of a failed Google Ads API call. */
export function diagnoseAdsError(raw: unknown, check: CheckId = 'ads_api'): Problem {
  const error = asAdsError(raw);
  const transport = transportProblem(error, check, 'GOOGLE_ADS_API_ENDPOINT');
  if (transport && error.code !== 'PROVIDER_RESPONSE') return transport;
  const details = error.details as Partial<AdsApiErrorDetails>;
  const errors = Array.isArray(details.errors) ? details.errors : [];
  const facts: Record<string, unknown> = {};
  if (details.httpStatus !== undefined) facts['httpStatus'] = details.httpStatus;
  if (details.status !== undefined) facts['status'] = details.status;
  if (errors.length > 0) facts['errors'] = errors.map((e) => `${e.type}: ${e.code}`);
  if (details.reason !== undefined) facts['reason'] = details.reason;
  if (details.requestId !== undefined) facts['requestId'] = details.requestId;
  if (details.message !== undefined) facts['message'] = details.message;
  const candidates = [
    ...errors.map((e) => e.code),
    details.reason,
    details.status === 'RESOURCE_EXHAUSTED' ? 'RESOURCE_EXHAUSTED' : undefined,
  ];
  for (const code of candidates) {
    if (code === undefined) continue;
    const known = ADS_ERRORS[code];
    if (known) return problem(code, 'ADS_API', check, known.cause, known.fix, { details: facts });
  }
  if (transport) return { ...transport, details: { ...facts, ...(transport.details ?? {}) } };
  const first = errors[0];
  const code = first?.code ?? details.reason ?? details.status ?? 'ads_api_error';
  return problem(
    code,
    error.code === 'ADS_API' ? 'ADS_API' : error.code,
    check,
    error.message,
    'See the Google Ads API message; https://developers.google.com/google-ads/api/docs/get-started/common-errors explains most codes.',
    {
      details: facts,
    },
  );
}

/** The problem for a token granted without the Google Ads scope. */
export function scopeMissingProblem(scopes: readonly string[]): Problem {
  return problem(
    'scope_missing',
    'VERIFY_FAILED',
    'scope',
    `The token was granted without the Google Ads scope (${ADWORDS_SCOPE}); it has ${scopes.length > 0 ? scopes.join(', ') : 'no scopes'}. The box was left unticked on the consent screen, or the token was made for other scopes.`,
    `${capitalize(NEW_TOKEN)} and keep the Google Ads box ticked.`,
    { details: { scopes: [...scopes] } },
  );
}

/** The problem for a token that tokeninfo attributes to another client. */
export function clientMismatchProblem(expected: string, actual: string): Problem {
  return problem(
    'client_mismatch',
    'VERIFY_FAILED',
    'client',
    `tokeninfo says the access token belongs to OAuth client ${actual}, not to the configured ${expected}.`,
    'Use the client_id and client_secret the token was made with (check the config file and the client secrets file point to the same client).',
    { details: { expected, actual } },
  );
}

/** Renders a problem for people, several lines, no trailing newline. */
export function formatProblem(p: Problem): string {
  if (p.causes && p.causes.length > 1) {
    const lines = [`[${p.code}] ${p.summary ?? p.cause}`, '  Possible causes, most likely first:'];
    p.causes.forEach((c, i) => {
      lines.push(`    ${i + 1}. ${c.cause}`);
      lines.push(`       Fix: ${c.fix}`);
    });
    return lines.join('\n');
  }
  return [`[${p.code}] ${p.cause}`, `  Fix: ${p.fix}`].join('\n');
}

/**
 * One error summing up a list of problems, for the CLI's stderr and exit code. The code is the
 * transient one (NETWORK, PROVIDER_RESPONSE) when every problem is transient, so scripts can
 * retry; otherwise `fallback` (VERIFY_FAILED for verify).
 */
export function problemsError(headline: string, problems: readonly Problem[], fallback: ErrorCode): AdsOAuthError {
  const transient = problems.every(
    (p) => p.errorCode === 'NETWORK' || p.errorCode === 'PROVIDER_RESPONSE' || p.errorCode === 'INTERRUPTED',
  );
  const code: ErrorCode = problems.length > 0 && transient ? problems[0]!.errorCode : fallback;
  const body = problems.map(formatProblem).join('\n');
  return new AdsOAuthError(code, body ? `${headline}\n${body}` : headline, {
    details: { problems: problems.map((p) => ({ code: p.code, check: p.check })) },
    hints: problems.flatMap((p) => p.hints ?? []),
  });
}
