/**
 * A small `fetch` over `node:http`/`node:https`, for a one-shot CLI.
 *
 * Node's global `fetch` (undici) costs a short-lived process about 80 ms and 30 MiB: loading undici,
 * then compiling its llhttp WebAssembly before the process may exit. oauth4webapi accepts a custom
 * fetch, so the CLI passes this one. It buffers bodies (capped), never follows redirects
 * (oauth4webapi asks for `redirect: "manual"`), honours `AbortSignal`, applies a timeout, and uses
 * no keep-alive agent, so nothing holds the event loop open after the answer. `node:https` (TLS,
 * about 8 ms to load) is loaded on the first https request, not at start-up.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { FetchLike } from '../protocol/types.js';
import { proxyFor, type ProxyRoute, type ProxySettings } from './proxy.js';

/** Settings of {@link createNodeFetch}. */
export interface NodeFetchOptions {
  /** Per-request timeout in milliseconds (connect + response). Default 30 000. */
  timeoutMs?: number;
  /** Largest accepted response body in bytes. Default 4 MiB. */
  maxBodyBytes?: number;
  /**
   * The proxies to use ({@link proxySettingsFromEnv} reads `HTTPS_PROXY`, `HTTP_PROXY` and
   * `NO_PROXY`); default none: every request connects directly. The CLI passes its environment's.
   */
  proxy?: ProxySettings;
}

/**
 * Error thrown for transport failures; `code` is the Node error code (ECONNREFUSED, ETIMEDOUT…, or
 * EPROXY), `proxy` the origin of the proxy when the failure was the proxy's (its credentials never).
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly proxy?: string;
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown; proxy?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.proxy !== undefined) this.proxy = options.proxy;
  }
}

/** The request headers as a plain record, lower-cased. */
function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  // A Headers object (the global one, or the CLI bundle's own): told by its tag, so that this
  // check never touches the global `Headers` (which loads undici).
  if (typeof headers === 'object' && (headers as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Headers') {
    (headers as Headers).forEach((value, key) => {
      out[key] = value;
    });
  } else if (Array.isArray(headers)) {
    for (const [key, value] of headers) if (key !== undefined && value !== undefined) out[key.toLowerCase()] = value;
  } else {
    for (const [key, value] of Object.entries(headers)) out[key.toLowerCase()] = String(value);
  }
  return out;
}

/** The request body as bytes: string, URLSearchParams or bytes. */
function bodyBuffer(body: BodyInit | null | undefined): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('ads-oauth fetch: unsupported request body type');
}

let httpsRequest: typeof import('node:https').request | undefined;

/**
 * Creates a small `fetch` over `node:http`/`node:https` for short-lived processes: pass it as the
 * `fetch` of {@link createConfiguration} / {@link discoverConfiguration} to spare a one-shot CLI
 * the start-up cost of Node's global fetch (undici). Bodies are buffered (capped at
 * `maxBodyBytes`), redirects are never followed (the response is returned as is), the request's
 * `AbortSignal` is honoured, and no keep-alive agent holds the event loop open afterwards. Only
 * `http:` and `https:` URLs (`node:https` is loaded on the first https request) and string, URLSearchParams or byte bodies are supported. A long-running
 * server is better served by the global `fetch`.
 *
 * The function it returns rejects with a `TransportError` (`code` = the Node error code, e.g.
 * `ECONNREFUSED`, `ETIMEDOUT`, `EMSGSIZE`) or the signal's reason, as fetch does; the operations
 * of ads-oauth turn those into `AdsOAuthError` `NETWORK` / `INTERRUPTED`.
 *
 * @param options the per-request timeout (default 30 000 ms) and the body cap (default 4 MiB).
 * @returns a {@link FetchLike} function.
 * @example
 * ```ts
 * import { createNodeFetch, discoverConfiguration, readClientSecretsFile } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'), {
 *   fetch: createNodeFetch({ timeoutMs: 15_000 }),
 * });
 * ```
 */
export function createNodeFetch(options: NodeFetchOptions = {}): FetchLike {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const tunnels = new TunnelAgents({ keepAlive: false }, timeoutMs);

  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      let prepared: PreparedRequest;
      let route: ProxyRoute | undefined;
      try {
        prepared = prepareRequest(input, init);
        route = routeFor(prepared.url, options.proxy);
      } catch (error) {
        reject(error);
        return;
      }
      const { url, headers, body, signal } = prepared;
      const https = url.protocol === 'https:';
      if (https && route !== undefined) {
        tunnels.get(route).then((agent) => start(httpsRequest!, agent), reject);
      } else if (https && httpsRequest === undefined) {
        import('node:https').then((module) => {
          httpsRequest ??= module.request;
          start(httpsRequest, false);
        }, reject);
      } else start(https ? httpsRequest! : httpRequest, false);

      function start(send: typeof httpRequest, agent: import('node:http').Agent | false): void {
        // An abort while node:https (or the proxy's tunnel) was loading.
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        exchangeOnce(send, agent, url, init, headers, body, { timeoutMs, maxBodyBytes, ...(route ? { route } : {}) }).then(resolve, reject);
      }
    });
}

/** A proxy that could not be connected to (refused, reset, unknown host). */
export function proxyUnreachable(route: ProxyRoute, code: string, cause: unknown): TransportError {
  return new TransportError(`The proxy ${route.origin} could not be reached (${code}).`, code, { cause, proxy: route.origin });
}

/** The proxy of a request, a bad proxy setting as a `TransportError` (`EPROXY`). */
export function routeFor(url: URL, settings: ProxySettings | undefined): ProxyRoute | undefined {
  try {
    return proxyFor(url, settings);
  } catch (error) {
    throw new TransportError((error as Error).message, 'EPROXY', { cause: error });
  }
}

/**
 * The tunnel agents of one transport, one per proxy (and its credentials); `node:https` and the
 * tunnel code (src/transport/proxy-agent.ts) load with the first one.
 */
export class TunnelAgents {
  readonly #agents = new Map<string, Promise<import('node:https').Agent>>();
  constructor(
    private readonly agentOptions: import('node:https').AgentOptions,
    private readonly connectTimeoutMs: number,
  ) {}
  get(route: ProxyRoute): Promise<import('node:https').Agent> {
    const key = `${route.origin} ${route.authorization ?? ''}`;
    let agent = this.#agents.get(key);
    if (agent === undefined) {
      agent = Promise.all([import('./proxy-agent.js'), import('node:https')]).then(([{ createTunnelAgent }, module]) => {
        httpsRequest ??= module.request;
        return createTunnelAgent(route, { ...this.agentOptions, connectTimeoutMs: this.connectTimeoutMs });
      });
      this.#agents.set(key, agent);
    }
    return agent;
  }
  /** Closes the agents' idle sockets. */
  destroy(): void {
    for (const agent of this.#agents.values())
      void agent.then(
        (a) => a.destroy(),
        () => undefined,
      );
  }
}

/** The `Headers` and `Response` classes a transport builds its answers with. */
export interface WebClasses {
  Headers: new () => { append(name: string, value: string): void };
  Response: new (body: Uint8Array<ArrayBuffer> | null, init: { status: number; statusText: string; headers: never }) => Response;
}

/**
 * One request and its buffered answer, the part both transports share: the timeout, the abort
 * signal (its own reason, as fetch rejects), the body cap, and a `Response` built from the bytes
 * (`Headers`/`Response` are whatever the module sees: the global ones, or the CLI bundle's own).
 */
export function exchangeOnce(
  send: typeof httpRequest,
  agent: import('node:http').Agent | false,
  url: URL,
  init: RequestInit,
  headers: Record<string, string>,
  body: Buffer | undefined,
  limits: { timeoutMs: number; maxBodyBytes: number; route?: ProxyRoute },
  web: WebClasses = { Headers, Response },
): Promise<Response> {
  const route = limits.route;
  const signal = init.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    // An http: URL through a proxy: the request goes to the proxy with the absolute URL (an https:
    // one goes through the tunnel `agent` makes, unchanged).
    const viaProxy = route !== undefined && url.protocol === 'http:';
    const req = viaProxy
      ? send({
          method: init.method ?? 'GET',
          host: route.host,
          port: route.port,
          path: url.href,
          setHost: false,
          headers: { ...headers, host: url.host, ...(route.authorization ? { 'proxy-authorization': route.authorization } : {}) },
          agent,
        })
      : send(url, { method: init.method ?? 'GET', headers, agent });
    const timer = setTimeout(() => {
      req.destroy(new TransportError(`No answer from ${url.origin} within ${limits.timeoutMs} ms.`, 'ETIMEDOUT'));
    }, limits.timeoutMs);
    const onAbort = (): void => {
      req.destroy(signal?.reason instanceof Error ? signal.reason : new DOMException('The request was aborted.', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: NodeJS.ErrnoException) => {
      finish(() => {
        // An abort keeps its own reason (a TimeoutError / AbortError DOMException), as fetch does.
        if (signal?.aborted) return reject(signal.reason);
        const code = typeof error.code === 'string' ? error.code : 'EIO';
        if (error instanceof TransportError) return reject(error);
        if (viaProxy) return reject(proxyUnreachable(route, code, error));
        reject(new TransportError(`${url.origin}: ${code}`, code, { cause: error }));
      });
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBodyBytes) {
          req.destroy(new TransportError(`${url.origin}: response body larger than ${limits.maxBodyBytes} bytes.`, 'EMSGSIZE'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (error) => finish(() => reject(new TransportError(`${url.origin}: ${error.message}`, 'EIO', { cause: error }))));
      res.on('end', () => {
        const responseHeaders = new web.Headers();
        for (const [key, value] of Object.entries(res.headers)) {
          if (value === undefined) continue;
          for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
        }
        const status = res.statusCode ?? 502;
        const nullBody = status === 204 || status === 205 || status === 304;
        finish(() => {
          try {
            resolve(
              new web.Response(nullBody ? null : chunks.length === 1 ? (chunks[0] as Buffer<ArrayBuffer>) : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage ?? '',
                headers: responseHeaders as never,
              }),
            );
          } catch (error) {
            // e.g. a status outside 200–599, which a Response cannot carry.
            reject(new TransportError(`${url.origin}: invalid HTTP response (status ${status}).`, 'EPROTO', { cause: error }));
          }
        });
      });
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** A request ready to send: its URL (http or https only), header record and body bytes. */
export interface PreparedRequest {
  url: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
  signal: AbortSignal | undefined;
}

/**
 * Checks and converts what a fetch call was given (both transports): throws a `TypeError` for
 * another scheme or body type, or the signal's reason when it is already aborted.
 */
export function prepareRequest(input: string | URL, init: RequestInit): PreparedRequest {
  const url = new URL(String(input));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`ads-oauth fetch: unsupported protocol ${url.protocol}`);
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw signal.reason ?? new TransportError('The request was aborted.', 'ABORT_ERR');
  const headers = headerRecord(init.headers);
  const body = bodyBuffer(init.body);
  if (body !== undefined) headers['content-length'] = String(body.length);
  return { url, headers, body, signal };
}
