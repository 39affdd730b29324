/**
 * The one HTTP layer of the protocol code: every request the library sends goes through the
 * helpers here, so there is one request-options builder ({@link httpOptions} for oauth4webapi,
 * {@link sendRequest} for plain JSON endpoints), one timeout+abort signal ({@link requestSignal}),
 * one network-error classifier ({@link transportError}) and one insecure-endpoint check
 * ({@link assertSecureEndpoint}, with {@link insecureEndpointError} as its one message).
 */
import * as oauth from 'oauth4webapi';
import { AdsOAuthError } from '../errors.js';
import type { FetchLike } from './types.js';
import { allowsInsecure } from './urls.js';

/** Options every network call of the protocol layer takes. */
export interface RequestOptions {
  /** A fetch implementation. Defaults to the global `fetch`; the CLI passes a lighter one. */
  fetch?: FetchLike;
  /** Milliseconds before a request is abandoned. Default 30 000. */
  timeoutMs?: number;
  /** Cancels the request. */
  signal?: AbortSignal;
}

/** The default per-request timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;

const KEEP_TIMEOUT = Symbol('ads-oauth.timeout');

/**
 * The signal of one request: the caller's signal (if any) combined with the request timeout.
 *
 * Node 20's AbortSignal.any() holds its sources weakly: once nothing else references the timeout
 * signal, a garbage collection drops it and the timeout never fires (a request to an endpoint that
 * hangs then hangs for ever). The combined signal keeps it alive.
 */
export function requestSignal(options: Pick<RequestOptions, 'timeoutMs' | 'signal'> = {}): AbortSignal {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (!options.signal) return timeout;
  const signal = AbortSignal.any([options.signal, timeout]);
  Object.defineProperty(signal, KEEP_TIMEOUT, { value: timeout });
  return signal;
}

/** The one INSECURE_ENDPOINT error: `what` names the endpoint, `source` where its URL came from. */
export function insecureEndpointError(url: URL, what: string, source?: string): AdsOAuthError<'INSECURE_ENDPOINT'> {
  return new AdsOAuthError(
    'INSECURE_ENDPOINT',
    `${source ? `${source}: "${what}"` : `The ${what}`} must use https (got ${url.protocol}//${url.host}). Plain http is accepted only for loopback hosts (127.0.0.1, ::1, localhost), where nothing crosses a network.`,
    { details: { url: url.origin, ...(source ? { field: what } : {}) } },
  );
}

/** Throws INSECURE_ENDPOINT unless the URL is https or http on a loopback host. */
export function assertSecureEndpoint(url: URL, what: string): void {
  if (url.protocol === 'https:' || allowsInsecure(url)) return;
  throw insecureEndpointError(url, what);
}

/** Builds oauth4webapi's per-request options for one endpoint (after {@link assertSecureEndpoint}). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function httpOptions(endpoint: URL, options: RequestOptions = {}, what = 'endpoint'): oauth.HttpRequestOptions<any, any> {
  assertSecureEndpoint(endpoint, what);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const result: oauth.HttpRequestOptions<any, any> = { signal: requestSignal(options) };
  if (options.fetch) result[oauth.customFetch] = options.fetch as never;
  // Plain http only ever for loopback endpoints (checked above).
  if (allowsInsecure(endpoint)) result[oauth.allowInsecureRequests] = true;
  return result;
}

/** True when an error (or anything in its cause chain) is a timeout. */
export function isTimeoutError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth++) {
    const e = current as { name?: unknown; code?: unknown; details?: { reason?: unknown }; cause?: unknown };
    if (e.name === 'TimeoutError') return true;
    if (e.code === 'ETIMEDOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT' || e.code === 'UND_ERR_HEADERS_TIMEOUT') return true;
    // DOMException TIMEOUT_ERR, as a transport may copy it into its own `code`.
    if (e.code === 23) return true;
    if (e.details?.reason === 'timeout') return true;
    current = e.cause;
  }
  return false;
}

/** The Node errno / undici code of a transport failure, from the error or its cause. */
function networkCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  return code;
}

/** True for what a transport throws when the request did not complete (as opposed to a bug). */
export function isTransportFailure(error: unknown): boolean {
  if (isTimeoutError(error)) return true;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TransportError' || name === 'AbortError') return true;
  const code = networkCode(error);
  return typeof code === 'string' && /^(E[A-Z0-9_]+|UND_ERR_[A-Z_]+|ABORT_ERR)$/.test(code) && !code.startsWith('ERR_');
}

/** Codes meaning the endpoint was reached and answered, but the answer could not be taken in. */
const ANSWERED = new Set(['EMSGSIZE', 'EPROTO', 'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'HPE_INVALID_CONSTANT']);

export interface TransportContext {
  /** The caller's own signal: when it fired, the failure is INTERRUPTED rather than NETWORK. */
  signal?: AbortSignal;
  /** The timeout in force, for the message. */
  timeoutMs?: number;
  /** A sentence added to every message (e.g. "The authorization code may have been spent."). */
  spent?: string;
  /** How the endpoint is named in an INSECURE_ENDPOINT message, e.g. "tokeninfo endpoint". */
  endpointName?: string;
  /** Extra secret-free details. */
  details?: { operation?: 'exchange' | 'refresh' | 'revoke' | 'tokeninfo' | 'ads_api' | 'discovery' };
}

/**
 * The one network-error classifier: maps what fetch threw to `INTERRUPTED` (the caller's signal),
 * `NETWORK` (timeout, DNS, refused, reset: `details.reason` is `timeout` or the errno) or
 * `PROVIDER_RESPONSE` (the endpoint answered but the answer was unusable: too large, not HTTP).
 * `what` names the call, e.g. "tokeninfo request".
 */
export function transportError(error: unknown, call: string, endpoint: URL, context: TransportContext = {}): AdsOAuthError {
  if (error instanceof AdsOAuthError) return error;
  const what = call.replace(/^the /, '');
  const spent = context.spent ? ` ${context.spent}` : '';
  const operation = context.details?.operation;
  const base = { endpoint: endpoint.origin, ...(operation ? { operation } : {}) };
  if (context.signal?.aborted === true && !isTimeoutError(context.signal.reason)) {
    return new AdsOAuthError('INTERRUPTED', `The ${what} was cancelled.${spent}`, { cause: error, details: base });
  }
  const proxy = (error as { proxy?: unknown } | null)?.proxy;
  if ((typeof proxy === 'string' || networkCode(error) === 'EPROXY') && error instanceof Error) {
    // The proxy failed, not the endpoint: its own message says how (refused, 407, no tunnel).
    return new AdsOAuthError('NETWORK', `Could not reach ${endpoint.origin} for the ${what}: ${error.message}${spent}`, {
      cause: error,
      details: { ...base, reason: networkCode(error) ?? 'EPROXY', ...(typeof proxy === 'string' ? { proxy } : {}) },
      hints: context.spent ? ['network', 'retry'] : ['network'],
    });
  }
  if (isTimeoutError(error)) {
    const after = context.timeoutMs !== undefined ? ` within ${formatSeconds(context.timeoutMs)}` : ' in time';
    return new AdsOAuthError('NETWORK', `The ${what} timed out: ${endpoint.origin} did not answer${after}.${spent}`, {
      cause: error,
      details: { ...base, reason: 'timeout' },
      hints: context.spent ? ['timeout', 'retry'] : ['network'],
    });
  }
  const code = networkCode(error);
  if (code !== undefined && ANSWERED.has(code)) {
    const problem =
      code === 'EMSGSIZE' || code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE'
        ? 'an answer too large to be an OAuth response'
        : 'something that is not valid HTTP';
    return new AdsOAuthError(
      'PROVIDER_RESPONSE',
      `The ${what} failed: ${endpoint.origin} answered with ${problem}. Check that the endpoint URL is right.${spent}`,
      {
        cause: error,
        details: { ...base, reason: code },
        ...(context.spent ? { hints: ['retry'] as const } : {}),
      },
    );
  }
  if ((error as { name?: unknown } | null)?.name === 'AbortError') {
    return new AdsOAuthError('INTERRUPTED', `The ${what} was cancelled.${spent}`, { cause: error, details: base });
  }
  return new AdsOAuthError('NETWORK', `Could not reach ${endpoint.origin} for the ${what}${code ? ` (${code})` : ''}.${spent}`, {
    cause: error,
    details: { ...base, reason: code ?? 'network' },
    hints: context.spent ? ['network', 'retry'] : ['network'],
  });
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/**
 * Sends one request (after {@link assertSecureEndpoint}) with the timeout and signal of
 * `options`, never following redirects; returns the response and its body text.
 */
export async function sendRequest(
  url: URL,
  init: RequestInit,
  what: string,
  options: RequestOptions = {},
  context: Omit<TransportContext, 'signal' | 'timeoutMs'> = {},
): Promise<{ response: Response; text: string }> {
  assertSecureEndpoint(url, context.endpointName ?? 'endpoint');
  const fetchImpl: FetchLike = options.fetch ?? ((input, requestInit) => fetch(input, requestInit));
  try {
    const response = await fetchImpl(url.href, { ...init, signal: requestSignal(options), redirect: 'manual' });
    const text = await response.text();
    return { response, text };
  } catch (error) {
    throw transportError(error, what, url, {
      ...context,
      ...(options.signal ? { signal: options.signal } : {}),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }
}
