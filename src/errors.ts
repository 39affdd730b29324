/**
 * The one error type of ads-oauth. Every failure the library or the CLI reports is an
 * {@link AdsOAuthError} with a stable {@link ErrorCode} and a message a user can act on.
 * The CLI maps codes to exit codes (see `src/cli/exit-codes.ts`); library callers switch on `code`.
 *
 * Messages never contain authorization codes, access tokens, refresh tokens, PKCE verifiers or
 * client secrets.
 */

/** Stable error codes. Adding one is a minor change; renaming or removing one is breaking. */
export const ErrorCodes = [
  /** Bad command-line flags or library arguments. */
  'USAGE',
  /** The OAuth client secrets file is missing, unreadable, not JSON or not an OAuth client. */
  'CLIENT_FILE',
  /** An endpoint is not https and not on a loopback host. */
  'INSECURE_ENDPOINT',
  /** A web client has no redirect URI that this flow can use. */
  'NO_REDIRECT_URI',
  /** The loopback listener could not be started. */
  'LISTEN_FAILED',
  /** No authorization response arrived before the timeout. */
  'TIMEOUT',
  /** The user (or the provider) refused the authorization request (`error=access_denied`). */
  'ACCESS_DENIED',
  /** The authorization response carried an `error` other than `access_denied`. */
  'AUTHORIZATION_ERROR',
  /** A pasted or received callback URL is malformed, truncated or from another run. */
  'INVALID_CALLBACK',
  /** The callback's `iss` parameter names another authorization server (RFC 9207 mix-up defence). */
  'ISSUER_MISMATCH',
  /** The token response has no refresh token. */
  'NO_REFRESH_TOKEN',
  /** The user did not grant every requested scope (granular consent). */
  'SCOPE_NOT_GRANTED',
  /** The token, revocation or tokeninfo endpoint answered with an OAuth error (`invalid_grant`, …). */
  'TOKEN_ENDPOINT',
  /** The provider answered with something that is not a valid OAuth response (5xx, HTML, bad JSON). */
  'PROVIDER_RESPONSE',
  /** The provider could not be reached (DNS, connection refused, TLS, timeout). */
  'NETWORK',
  /** A configuration file (google-ads.yaml, ads.properties, …) cannot be used. */
  'CONFIG',
  /** Writing a configuration file failed; the old file is intact. */
  'CONFIG_WRITE',
  /** The Google Ads API refused a request. */
  'ADS_API',
  /** A check after the flow failed (e.g. `verify` found the adwords scope missing). */
  'VERIFY_FAILED',
  /** The user interrupted the run (Ctrl-C, SIGTERM). */
  'INTERRUPTED',
  /** A store (SQLite, Postgres, disk) failed. */
  'STORE',
  /** A stored ciphertext did not authenticate: wrong or missing key, tampered or moved row. */
  'DECRYPT',
  /** `serve`: no such account (or API key, or admin session). */
  'NOT_FOUND',
  /** `serve`: the account's refresh token died; the user must connect again. */
  'RECONNECT_REQUIRED',
  /** `serve`: the provider failed (5xx, timeout); nothing stored changed. */
  'PROVIDER_UNAVAILABLE',
  /** `serve`: a request without valid credentials (API key, admin session, CSRF token). */
  'UNAUTHORIZED',
  /** `serve`: authenticated but not allowed (an admin not on the --admin list). */
  'FORBIDDEN',
  /** `serve`: too many requests from one client. */
  'RATE_LIMITED',
  /** A bug in ads-oauth. */
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

export interface AdsOAuthErrorOptions {
  /** The underlying error, kept for `--debug`; never shown to users otherwise. */
  cause?: unknown;
  /** Structured, secret-free facts for JSON output and programmatic handling. */
  details?: Record<string, unknown>;
}

export class AdsOAuthError extends Error {
  override readonly name = 'AdsOAuthError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AdsOAuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** A JSON-safe view: code, message and details. */
  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** True for an {@link AdsOAuthError}, optionally with one of the given codes. */
export function isAdsOAuthError(value: unknown, ...codes: ErrorCode[]): value is AdsOAuthError {
  return value instanceof AdsOAuthError && (codes.length === 0 || codes.includes(value.code));
}
