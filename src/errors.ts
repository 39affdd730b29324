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

/**
 * One of {@link ErrorCodes}: what went wrong, stable across versions. Switch on it (the CLI maps
 * each to an exit code); {@link ErrorDetailsMap} gives the type of `details` for each.
 */
export type ErrorCode = (typeof ErrorCodes)[number];

/**
 * What a program (the CLI, a server) could advise, without the library naming any flag: the
 * library says what happened, `cli/hints.ts` turns each hint into the CLI's own advice.
 *
 * - `headless`: the browser seems to be on another machine (paste mode would work);
 * - `timeout`: a longer wait (or request timeout) may help;
 * - `port`: the loopback port was the problem (choose another, or none);
 * - `regenerate`: the refresh token is dead: run the consent again for a new one;
 * - `scopes`: the requested scope list should change;
 * - `retry`: run the whole flow again (e.g. an authorization code was spent);
 * - `network`: check the network, proxy, firewall and endpoint URL;
 * - `login_customer`: set the login customer ID (a manager account).
 */
export type ErrorHint = 'headless' | 'timeout' | 'port' | 'regenerate' | 'scopes' | 'retry' | 'network' | 'login_customer';

/** Details every code may carry beside its own (open, so codes can grow facts without a break). */
export interface OpenDetails {
  readonly [key: string]: unknown;
}

/** Why a callback (received or pasted) was not used. */
export type CallbackReason =
  | 'state_missing'
  | 'state_mismatch'
  | 'duplicate_parameter'
  | 'code_missing'
  | 'invalid'
  | 'empty'
  | 'quoted'
  | 'whitespace'
  | 'not_a_url'
  | 'authorization_url'
  | 'other_redirect'
  | 'truncated'
  | 'eof';

/** The network operation an endpoint error happened in. */
export type EndpointOperation = 'exchange' | 'refresh' | 'revoke' | 'tokeninfo' | 'ads_api' | 'discovery';

/** A reference to the lifecycle diagnosis carried by an error (see `src/lifecycle/diagnosis.ts`). */
export interface ProblemRef {
  code: string;
  check: string;
}

/** Facts of an error from (or on the way to) an endpoint. */
export interface EndpointDetails extends OpenDetails {
  /** The endpoint's origin. */
  endpoint?: string;
  operation?: EndpointOperation;
  /** The HTTP status, when there was an answer. */
  status?: number;
  /** `timeout`, a Node errno (`ECONNREFUSED`), an oauth4webapi code, … */
  reason?: string;
  /** Attempts made (revocation retries). */
  attempts?: number;
  problem?: ProblemRef;
  /** The proxy's origin (never its credentials), when the failure was the proxy's (HTTPS_PROXY). */
  proxy?: string;
}

/** Facts of an OAuth error answer (`error`, `error_description`, …). */
export interface OAuthErrorDetails extends EndpointDetails {
  /** The OAuth `error` code (`invalid_grant`, `invalid_client`, …), redacted. */
  error?: string;
  error_description?: string;
  /** Google's `error_subtype` (e.g. `invalid_rapt`). */
  error_subtype?: string;
}

/** Facts of a Google Ads API failure (see `AdsApiErrorDetails` in `src/protocol/ads-api.ts`). */
export interface AdsApiDetails extends OpenDetails {
  httpStatus?: number;
  status?: string;
  message?: string;
  errors?: ReadonlyArray<{ type: string; code: string; message?: string }>;
  reason?: string;
  requestId?: string;
  problem?: ProblemRef;
}

/** Facts of a file or store failure. */
export interface PathDetails extends OpenDetails {
  path?: string;
  reason?: string;
  field?: string;
  key?: string;
}

/**
 * The type of `details` for each code, as oauth4webapi types its error bodies: switch on
 * `error.code` after {@link isAdsOAuthError} and read typed fields, no casts.
 */
export interface ErrorDetailsMap {
  USAGE: OpenDetails & { port?: number; registered?: string };
  CLIENT_FILE: PathDetails;
  INSECURE_ENDPOINT: OpenDetails & { url?: string; field?: string };
  NO_REDIRECT_URI: PathDetails;
  LISTEN_FAILED: OpenDetails & { port?: number; reason?: string; registered?: string };
  TIMEOUT: OpenDetails & { timeoutMs?: number; mode?: 'loopback' | 'headless' };
  ACCESS_DENIED: OAuthErrorDetails;
  AUTHORIZATION_ERROR: OAuthErrorDetails;
  INVALID_CALLBACK: OpenDetails & { reason?: CallbackReason };
  ISSUER_MISMATCH: OpenDetails & { expected?: string; reason?: 'mismatch' | 'missing' };
  NO_REFRESH_TOKEN: OpenDetails;
  SCOPE_NOT_GRANTED: OpenDetails & { missing?: string[]; granted?: string[] };
  TOKEN_ENDPOINT: OAuthErrorDetails;
  /** From an OAuth endpoint (`status` a number) or the Ads API (`httpStatus`, `status` the canonical name). */
  PROVIDER_RESPONSE: Omit<EndpointDetails, 'status'> & Omit<AdsApiDetails, 'status' | 'reason'> & { status?: number | string };
  NETWORK: EndpointDetails;
  CONFIG: PathDetails;
  CONFIG_WRITE: PathDetails;
  ADS_API: AdsApiDetails;
  VERIFY_FAILED: OpenDetails & { problems?: ProblemRef[] };
  INTERRUPTED: EndpointDetails;
  STORE: PathDetails;
  DECRYPT: OpenDetails & { kid?: string; kind?: string; reason?: string };
  NOT_FOUND: OpenDetails & { accountId?: string; id?: string };
  RECONNECT_REQUIRED: OpenDetails & { accountId?: string };
  PROVIDER_UNAVAILABLE: OpenDetails & { accountId?: string };
  UNAUTHORIZED: OpenDetails;
  FORBIDDEN: OpenDetails;
  RATE_LIMITED: OpenDetails;
  INTERNAL: OpenDetails;
}

/** The details type of one code (or of a union of codes). */
export type ErrorDetails<C extends ErrorCode = ErrorCode> = ErrorDetailsMap[C];

/** The options of the {@link AdsOAuthError} constructor. */
export interface AdsOAuthErrorOptions<C extends ErrorCode = ErrorCode> {
  /** The underlying error, kept for `--debug`; never shown to users otherwise. */
  cause?: unknown;
  /** Structured, secret-free facts for JSON output and programmatic handling. */
  details?: ErrorDetails<C>;
  /** What a caller could advise; see {@link ErrorHint}. */
  hints?: readonly ErrorHint[];
}

/**
 * The one error type of ads-oauth: every operation of `ads-oauth` and `ads-oauth/web` rejects
 * with it (anything else is a bug). `code` says what happened and never changes meaning;
 * `message` is written for the person running the program and says what to do; `details` holds
 * secret-free facts typed per code ({@link ErrorDetailsMap}); `hints` what a caller could advise.
 * Neither the message nor the details ever contain a token, code, verifier or client secret.
 *
 * @example
 * ```ts
 * import { AdsOAuthError, discoverConfiguration, readClientSecretsFile, refreshAccessToken } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * try {
 *   await refreshAccessToken(config, process.env.REFRESH_TOKEN ?? '');
 * } catch (error) {
 *   if (error instanceof AdsOAuthError) console.error(error.code, error.message);
 *   else throw error;
 * }
 * ```
 */
export class AdsOAuthError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'AdsOAuthError';
  /** What went wrong; see {@link ErrorCodes}. */
  readonly code: C;
  /** Secret-free facts of this failure, typed by `code` ({@link ErrorDetailsMap}); `{}` when none. */
  readonly details: ErrorDetails<C>;
  /** What a caller could advise (the CLI prints flag advice for each); empty when nothing. */
  readonly hints: readonly ErrorHint[];

  /**
   * @param code the stable error code.
   * @param message what happened and what to do, for people; never a secret.
   * @param options the cause, the typed details and the hints.
   */
  constructor(code: C, message: string, options: AdsOAuthErrorOptions<C> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? ({} as ErrorDetails<C>);
    this.hints = [...new Set(options.hints ?? [])];
  }

  /** A JSON-safe view: code, message, details and hints. */
  toJSON(): { code: C; message: string; details: ErrorDetails<C>; hints?: readonly ErrorHint[] } {
    return { code: this.code, message: this.message, details: this.details, ...(this.hints.length > 0 ? { hints: this.hints } : {}) };
  }
}

/** An {@link AdsOAuthError} of one of the codes `C`, narrowed by `code`. */
export type AdsOAuthErrorOf<C extends ErrorCode> = C extends ErrorCode ? AdsOAuthError<C> : never;

/**
 * Tells whether a caught value is an {@link AdsOAuthError}, optionally of one of the given codes;
 * the type guard narrows `code`, and with it `details`, so no cast is needed.
 *
 * @param value anything caught.
 * @param codes the codes to accept; none: any code.
 * @returns true for an {@link AdsOAuthError} whose code is one of `codes` (or any, without codes).
 * @example
 * ```ts
 * import { isAdsOAuthError, discoverConfiguration, readClientSecretsFile, refreshAccessToken } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * try {
 *   await refreshAccessToken(config, process.env.REFRESH_TOKEN ?? '');
 * } catch (error) {
 *   if (isAdsOAuthError(error, 'TOKEN_ENDPOINT') && error.details.error === 'invalid_grant') {
 *     console.error('The refresh token is dead: run the consent again.');
 *   } else throw error;
 * }
 * ```
 */
export function isAdsOAuthError<C extends ErrorCode = ErrorCode>(value: unknown, ...codes: C[]): value is AdsOAuthErrorOf<C> {
  return value instanceof AdsOAuthError && (codes.length === 0 || (codes as ErrorCode[]).includes(value.code));
}
