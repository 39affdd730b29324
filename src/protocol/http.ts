import * as oauth from 'oauth4webapi';
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

const KEEP_TIMEOUT = Symbol('ads-oauth.timeout');

/**
 * The signal of one request: its timeout (default 30 s), combined with the caller's signal if any.
 *
 * Node 20's AbortSignal.any() holds its sources weakly: once nothing else references the timeout
 * signal, a garbage collection drops it and the timeout never fires (a request to an endpoint that
 * hangs then hangs for ever). The combined signal keeps it alive.
 */
export function requestSignal(options: Pick<RequestOptions, 'timeoutMs' | 'signal'>): AbortSignal {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  if (!options.signal) return timeout;
  const signal = AbortSignal.any([options.signal, timeout]);
  Object.defineProperty(signal, KEEP_TIMEOUT, { value: timeout });
  return signal;
}

/** Builds oauth4webapi's per-request options for one endpoint. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function httpOptions(endpoint: URL, options: RequestOptions = {}): oauth.HttpRequestOptions<any, any> {
  const signal = requestSignal(options);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const result: oauth.HttpRequestOptions<any, any> = { signal };
  if (options.fetch) result[oauth.customFetch] = options.fetch as never;
  // Plain http only ever for loopback endpoints (checked when the URL was parsed, and again here).
  if (allowsInsecure(endpoint)) result[oauth.allowInsecureRequests] = true;
  return result;
}
