import type { ErrorCode } from '../errors.js';

/**
 * Exit codes of both bins. Stable: scripts may depend on them. Documented in the README.
 */
export const ExitCode = {
  OK: 0,
  /** A bug, or a failure with no better code. */
  FAILURE: 1,
  /** Bad flags or arguments. */
  USAGE: 2,
  /** An input is unusable: client secrets, config file, redirect set-up, a pasted address. */
  INPUT: 3,
  /** The wait for the browser timed out. */
  TIMEOUT: 4,
  /** Consent did not give what is needed: denied, a scope unticked, no refresh token. */
  CONSENT: 5,
  /** The provider refused or answered badly (token endpoint, callback, Ads API). */
  PROVIDER: 6,
  /** The network or the local listener failed. */
  NETWORK: 7,
  /** Writing the configuration (or a store) failed; after a finished flow the token was still printed. */
  WRITE: 8,
  /** `verify` ran but found a problem. */
  VERIFY: 9,
  /** Interrupted by Ctrl-C or SIGTERM. */
  INTERRUPTED: 130,
  /**
   * The reader of stdout (or stderr) went away before the result was printed (`… | true`): the
   * user never got it. 128 + SIGPIPE, what a shell reports for a process killed by a closed pipe.
   */
  OUTPUT_CLOSED: 141,
} as const;

const byCode: Record<ErrorCode, number> = {
  USAGE: ExitCode.USAGE,
  CLIENT_FILE: ExitCode.INPUT,
  INSECURE_ENDPOINT: ExitCode.INPUT,
  NO_REDIRECT_URI: ExitCode.INPUT,
  CONFIG: ExitCode.INPUT,
  // Fatal only in paste mode (the loopback listener turns bad callbacks away and keeps waiting).
  INVALID_CALLBACK: ExitCode.INPUT,
  TIMEOUT: ExitCode.TIMEOUT,
  ACCESS_DENIED: ExitCode.CONSENT,
  // The authorization server refused the request (invalid_scope, unauthorized_client…): the README's "provider".
  AUTHORIZATION_ERROR: ExitCode.PROVIDER,
  SCOPE_NOT_GRANTED: ExitCode.CONSENT,
  NO_REFRESH_TOKEN: ExitCode.CONSENT,
  ISSUER_MISMATCH: ExitCode.PROVIDER,
  TOKEN_ENDPOINT: ExitCode.PROVIDER,
  PROVIDER_RESPONSE: ExitCode.PROVIDER,
  ADS_API: ExitCode.PROVIDER,
  NETWORK: ExitCode.NETWORK,
  LISTEN_FAILED: ExitCode.NETWORK,
  CONFIG_WRITE: ExitCode.WRITE,
  STORE: ExitCode.WRITE,
  DECRYPT: ExitCode.INPUT,
  NOT_FOUND: ExitCode.INPUT,
  RECONNECT_REQUIRED: ExitCode.PROVIDER,
  PROVIDER_UNAVAILABLE: ExitCode.PROVIDER,
  UNAUTHORIZED: ExitCode.INPUT,
  FORBIDDEN: ExitCode.INPUT,
  RATE_LIMITED: ExitCode.PROVIDER,
  VERIFY_FAILED: ExitCode.VERIFY,
  INTERRUPTED: ExitCode.INTERRUPTED,
  INTERNAL: ExitCode.FAILURE,
};

/** The exit code for an error code. */
export function exitCodeFor(code: ErrorCode): number {
  return byCode[code];
}

/** The exit-code table of every `--help` (and the README's). */
export const EXIT_CODE_ROWS: ReadonlyArray<readonly [string, string]> = [
  ['0', 'success'],
  ['1', 'unexpected failure (a bug: please report it with --debug output)'],
  ['2', 'usage: unknown or malformed flags'],
  ['3', 'input: the client secrets file, config file, redirect set-up or pasted address is unusable'],
  ['4', 'timeout: no answer from the browser (or the paste) in time'],
  ['5', 'consent: access denied, a scope left unticked, or no refresh token issued'],
  ['6', 'provider: the token endpoint, the authorization server or the Ads API refused or answered badly'],
  ['7', 'network: the provider could not be reached, or the local listener could not start'],
  ['8', 'write: the config file cannot be written (after a finished flow the token was still printed)'],
  ['9', 'verify: the token works only partly, or not at all (see the listed causes)'],
  ['130', 'interrupted (Ctrl-C or SIGTERM)'],
  ['141', 'output closed: the reader of stdout or stderr went away before the result was printed'],
];
