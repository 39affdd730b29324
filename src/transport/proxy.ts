/**
 * Which outgoing requests go through an HTTP proxy, as `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`
 * say (the conventions curl, Go and Python's requests share; Google's own
 * generate_user_credentials honours them through requests). Rules only, no I/O: the tunnel itself
 * is `proxy-agent.ts`, loaded on the first proxied request, so that a run without a proxy never
 * loads it.
 *
 * - `https:` URLs use `HTTPS_PROXY` (or `https_proxy`), `http:` URLs `HTTP_PROXY` (or `http_proxy`;
 *   the upper-case one is ignored when `REQUEST_METHOD` is set, as under CGI, where a client's
 *   `Proxy:` header would become it).
 * - Loopback hosts (`localhost`, `*.localhost`, `127.0.0.0/8`, `::1`) are always reached directly.
 * - `NO_PROXY` is a comma-separated list: `*` (nothing is proxied), a host (`example.com` matches it
 *   and its subdomains), `.example.com` or `*.example.com` (subdomains only), `host:port`, an IP
 *   address, or a CIDR range (`10.0.0.0/8`, `fd00::/8`).
 * - A proxy is an `http://` URL (`proxy:3128` means `http://proxy:3128`; port 80 by default), with
 *   optional `user:password@` sent as `Proxy-Authorization: Basic`. Its credentials never appear
 *   in a message: errors name the proxy's origin only.
 */
import { BlockList, isIP } from 'node:net';

/** What the environment says about proxies ({@link proxySettingsFromEnv}). */
export interface ProxySettings {
  /** The proxy of `https:` requests. */
  httpsProxy?: string | undefined;
  /** The proxy of `http:` requests. */
  httpProxy?: string | undefined;
  /** Hosts reached directly (the `NO_PROXY` syntax). */
  noProxy?: string | undefined;
}

/** A parsed proxy: where to connect, and the `Proxy-Authorization` to send. */
export interface ProxyRoute {
  /** Host name or address (IPv6 without brackets) and port of the proxy. */
  host: string;
  port: number;
  /** `http://host:port`, without credentials: what messages show. */
  origin: string;
  /** `Basic …` when the proxy URL has credentials. */
  authorization?: string;
}

/**
 * Reads `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (either case; the lower-case one wins) from
 * `env`, for the `proxy` option of `createNodeFetch`: what the CLI and `serve` do. The global
 * `fetch` of Node 20 does not read these variables.
 *
 * @param env the environment (`process.env`).
 * @returns the proxy settings; each field undefined when its variable is unset.
 * @example
 * ```ts
 * import { createNodeFetch, discoverConfiguration, proxySettingsFromEnv, readClientSecretsFile } from 'ads-oauth';
 *
 * const fetch = createNodeFetch({ proxy: proxySettingsFromEnv(process.env) });
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'), { fetch });
 * console.log(config.server.as.token_endpoint);
 * ```
 */
export function proxySettingsFromEnv(env: Readonly<Record<string, string | undefined>>): ProxySettings {
  const pick = (...names: string[]): string | undefined => {
    for (const name of names) {
      const value = env[name]?.trim();
      if (value) return value;
    }
    return undefined;
  };
  const cgi = env['REQUEST_METHOD'] !== undefined;
  return {
    httpsProxy: pick('https_proxy', 'HTTPS_PROXY'),
    httpProxy: cgi ? pick('http_proxy') : pick('http_proxy', 'HTTP_PROXY'),
    noProxy: pick('no_proxy', 'NO_PROXY'),
  };
}

/** Thrown for a proxy value that is not an `http://` URL; `code` is `EPROXY`. */
export class ProxyConfigError extends Error {
  override readonly name = 'ProxyConfigError';
  readonly code = 'EPROXY';
}

/** Parses a proxy value (`http://user:pass@host:port`, or `host:port`). */
export function parseProxy(value: string, variable = 'HTTPS_PROXY'): ProxyRoute {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ProxyConfigError(`${variable} is not a proxy URL (such as http://proxy.example.com:3128).`);
  }
  if (url.protocol !== 'http:') {
    throw new ProxyConfigError(`${variable} names a ${url.protocol.replace(/:$/, '')}:// proxy; ads-oauth speaks to http:// proxies only.`);
  }
  if (!url.hostname) throw new ProxyConfigError(`${variable} has no proxy host.`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : 80;
  const route: ProxyRoute = { host, port, origin: `http://${url.hostname}:${port}` };
  if (url.username || url.password) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    route.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  }
  return route;
}

/** 127.0.0.0/8 and ::1, made on first use: a BlockList loads node:net's blocklist and socket-address modules, which a run without a proxy never needs. */
let loopback: BlockList | undefined;

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  if (family === 0) return false;
  if (loopback === undefined) {
    loopback = new BlockList();
    loopback.addSubnet('127.0.0.0', 8, 'ipv4');
    loopback.addAddress('::1', 'ipv6');
  }
  return loopback.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether `NO_PROXY` says `host` (lower case, no brackets) on `port` is reached directly. */
export function bypassesProxy(host: string, port: number, noProxy: string | undefined): boolean {
  if (isLoopback(host)) return true;
  if (!noProxy) return false;
  const family = isIP(host);
  for (const raw of noProxy.split(',')) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const slash = entry.indexOf('/');
    if (slash > 0) {
      const base = entry.slice(0, slash).replace(/^\[|\]$/g, '');
      const bits = Number(entry.slice(slash + 1));
      const baseFamily = isIP(base);
      if (family !== 0 && baseFamily === family && Number.isInteger(bits)) {
        const list = new BlockList();
        try {
          list.addSubnet(base, bits, family === 4 ? 'ipv4' : 'ipv6');
          if (list.check(host, family === 4 ? 'ipv4' : 'ipv6')) return true;
        } catch {
          // a prefix length out of range: not a match
        }
      }
      continue;
    }
    // host:port (an IPv6 address with a port is written [addr]:port)
    const portMatch = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (portMatch) {
      if (Number(portMatch[2]) !== port) continue;
      entry = portMatch[1]!;
    }
    entry = entry.replace(/^\[|\]$/g, '');
    if (isIP(entry) !== 0) {
      if (entry === host) return true;
      continue;
    }
    if (entry.startsWith('*.')) entry = entry.slice(1);
    if (entry.startsWith('.')) {
      if (host.endsWith(entry)) return true;
    } else if (host === entry || host.endsWith(`.${entry}`)) {
      return true;
    }
  }
  return false;
}

/**
 * The proxy a request to `url` goes through, or undefined for a direct connection.
 *
 * @throws ProxyConfigError when the applicable proxy variable is not an `http://` URL.
 */
export function proxyFor(url: URL, settings: ProxySettings | undefined): ProxyRoute | undefined {
  if (settings === undefined) return undefined;
  const https = url.protocol === 'https:';
  const value = https ? settings.httpsProxy : settings.httpProxy;
  if (!value) return undefined;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : https ? 443 : 80;
  if (bypassesProxy(host, port, settings.noProxy)) return undefined;
  return parseProxy(value, https ? 'HTTPS_PROXY' : 'HTTP_PROXY');
}
