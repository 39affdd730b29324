import type { ErrorCode, ErrorHint } from '../errors.js';

/**
 * What the lifecycle operations need to act for a user beside the {@link Configuration} (which
 * holds the OAuth client): the user's refresh token and, for the Google Ads API, the optional
 * developer token and login customer ID.
 */
export interface AdsCredentials {
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
  cause: string;
  fix: string;
}

/**
 * One thing that is wrong, with its cause and fix. `code` is the provider's own error name where
 * there is one (`invalid_grant`, `NOT_ADS_USER`, `USER_PERMISSION_DENIED`), otherwise a lower-case
 * name of this tool (`network`, `scope_missing`, `client_mismatch`).
 */
export interface Problem {
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

export type CheckId = 'refresh' | 'tokeninfo' | 'scope' | 'client' | 'ads_api' | 'revoke' | 'customers';

export interface Check {
  id: CheckId;
  status: 'pass' | 'fail' | 'skip';
  /** One line for people. */
  summary: string;
}
