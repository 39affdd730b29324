import type { ErrorCode, ErrorHint } from '../errors.js';

/**
 * What the lifecycle operations need to act for a user beside the {@link Configuration} (which
 * holds the OAuth client): the user's refresh token and, for the Google Ads API, the optional
 * developer token and login customer ID.
 */
export interface AdsCredentials {
  /** The user's refresh token. A secret. */
  refreshToken: string;
  /**
   * The Google Ads developer token. Google sunset developer tokens on 2026-09-09 (the header is
   * now optional and ignored); it is still sent when present, for older set-ups.
   */
  developerToken?: string;
  /** The manager account to act through (`login-customer-id`), 10 digits. */
  loginCustomerId?: string;
}

/**
 * Options every lifecycle operation takes beside the {@link Configuration} (which holds the
 * fetch, the timeout and the endpoints).
 */
export interface LifecycleOptions {
  /** Cancels this operation (beside the configuration's own signal). */
  signal?: AbortSignal;
}

/** One possible reason for a problem, with what to do about it. */
export interface LikelyCause {
  /** Stable identifier, e.g. `testing_mode_7_days`. */
  id: string;
  /** What happened, for people. */
  cause: string;
  /** What to do about it. */
  fix: string;
}

/**
 * One thing that is wrong, with its cause and fix. `code` is the provider's own error name where
 * there is one (`invalid_grant`, `NOT_ADS_USER`, `USER_PERMISSION_DENIED`), otherwise a lower-case
 * name of this tool (`network`, `scope_missing`, `client_mismatch`).
 */
export interface Problem {
  /** The provider's error name, or this tool's lower-case name (see above). */
  code: string;
  /** The {@link ErrorCode} a caller would get as an exception; it decides the CLI exit code. */
  errorCode: ErrorCode;
  /** Which step found it. */
  check: CheckId;
  /** What happened, in one line, when several causes are possible (then `causes` lists them). */
  summary?: string;
  /** The most likely cause. */
  cause: string;
  /** What to do about the most likely cause. */
  fix: string;
  /** Every known cause, most likely first (for `invalid_grant`, all five). */
  causes?: LikelyCause[];
  /** Secret-free facts: HTTP status, provider message, request ID… */
  details?: Record<string, unknown>;
  /** What a caller could advise beside `fix` (see {@link ErrorHint}). */
  hints?: ErrorHint[];
}

/**
 * The step of a lifecycle operation: `refresh` (grant_type=refresh_token), `tokeninfo`, `scope`
 * (the adwords scope is granted), `client` (the token belongs to the configured client),
 * `ads_api` (the Google Ads API answers), `revoke`, `customers`.
 */
export type CheckId = 'refresh' | 'tokeninfo' | 'scope' | 'client' | 'ads_api' | 'revoke' | 'customers';

/** One step of {@link verifyCredentials} and its outcome. */
export interface Check {
  /** Which step. */
  id: CheckId;
  /** `skip` when an earlier failure made the step pointless. */
  status: 'pass' | 'fail' | 'skip';
  /** One line for people. */
  summary: string;
}
