import { AdsOAuthError } from '../errors.js';
import { insecureEndpointError } from './http.js';

/** Hostnames that always resolve to this machine: the only ones where plain http is acceptable. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  // Only the name itself: "*.localhost" may go to DNS rather than to loopback (seen on this kind of machine).
  if (host === 'localhost') return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  // 127.0.0.0/8, as URL parsing normalises it (dotted quad).
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True for an http(s) URL on a loopback host. */
export function isLoopbackUrl(url: URL): boolean {
  return isLoopbackHost(url.hostname);
}

/**
 * Parses an endpoint URL and enforces transport security: `https:` everywhere, plain `http:` only
 * for loopback hosts (tests, local providers). `what` names the endpoint in the message, `source`
 * says where it came from (a file path, an environment variable).
 */
export function parseEndpoint(value: unknown, what: string, source: string): URL {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AdsOAuthError('CLIENT_FILE', `${source}: "${what}" is missing or empty.`, { details: { field: what } });
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AdsOAuthError('CLIENT_FILE', `${source}: "${what}" is not a valid URL (${JSON.stringify(value)}).`, {
      details: { field: what },
    });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackUrl(url)) return url;
  throw insecureEndpointError(url, what, source);
}

/** Whether requests to this URL may use plain http (loopback only). */
export function allowsInsecure(url: URL): boolean {
  return url.protocol === 'http:' && isLoopbackUrl(url);
}
