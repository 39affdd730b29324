/**
 * A `fetch` over `node:http`/`node:https` with keep-alive agents, for a long-running server.
 *
 * `serve` calls the provider's token endpoint on every callback and every broker refresh. Through
 * Node's global `fetch` (undici plus web streams) that cost about 1 ms of CPU per authorization, a
 * fifth of serve's CPU (issue 9); a plain `http.request` over a kept-alive socket skips the
 * TCP (and TLS) handshake and the streams machinery. oauth4webapi still validates every answer: it
 * only needs a `Response`, which this builds from the buffered body.
 *
 * Like {@link createNodeFetch} (the CLI's one-shot variant), it buffers bodies (capped), never
 * follows redirects, honours `AbortSignal` and applies a timeout. Unlike it, idle sockets stay open
 * (unref'd, so they never hold the process) until {@link PooledFetch.close}.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FetchLike } from '../protocol/types.js';
import { TransportError } from './node-fetch.js';

export interface PooledFetchOptions {
  /** Per-request timeout in milliseconds (connect + response). Default 30 000. */
  timeoutMs?: number;
  /** Largest accepted response body in bytes. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Most sockets per origin (default 64); further requests queue for a free one. */
  maxSockets?: number;
  /** Most idle sockets kept per origin (default 16). */
  maxFreeSockets?: number;
  /** An idle socket is closed after this many ms (default 4 000: under common servers' 5 s keep-alive). */
  idleTimeoutMs?: number;
}

/** A fetch function that also closes its idle sockets. */
export type PooledFetch = FetchLike & { close(): void };

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  if (headers instanceof Headers) {
    headers.forEach((value, key) => {
      out[key] = value;
    });
  } else if (Array.isArray(headers)) {
    for (const [key, value] of headers) if (key !== undefined && value !== undefined) out[key.toLowerCase()] = value;
  } else {
    for (const [key, value] of Object.entries(headers)) out[key.toLowerCase()] = String(value);
  }
  return out;
}

function bodyBuffer(body: BodyInit | null | undefined): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('pooled-fetch: unsupported request body type');
}

/** Creates a keep-alive fetch over node:http/node:https. */
export function createPooledFetch(options: PooledFetchOptions = {}): PooledFetch {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 64,
    maxFreeSockets: options.maxFreeSockets ?? 16,
    // On the agent, `timeout` closes a socket idle that long (free sockets included).
    timeout: options.idleTimeoutMs ?? 4_000,
    scheduling: 'lifo' as const,
  };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);

  const pooledFetch = (input: string | URL, init: RequestInit = {}): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(String(input));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        reject(new TypeError(`pooled-fetch: unsupported protocol ${url.protocol}`));
        return;
      }
      const signal = init.signal ?? undefined;
      if (signal?.aborted) {
        reject(signal.reason ?? new TransportError('The request was aborted.', 'ABORT_ERR'));
        return;
      }
      const headers = headerRecord(init.headers);
      const body = bodyBuffer(init.body);
      if (body !== undefined) headers['content-length'] = String(body.length);
      const https = url.protocol === 'https:';
      const send = https ? httpsRequest : httpRequest;
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const req = send(url, { method: init.method ?? 'GET', headers, agent: https ? httpsAgent : httpAgent });
      const timer = setTimeout(() => {
        req.destroy(new TransportError(`No answer from ${url.origin} within ${timeoutMs} ms.`, 'ETIMEDOUT'));
      }, timeoutMs);
      const onAbort = (): void => {
        req.destroy(signal?.reason instanceof Error ? signal.reason : new DOMException('The request was aborted.', 'AbortError'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: NodeJS.ErrnoException) => {
        finish(() => {
          if (signal?.aborted) return reject(signal.reason);
          const code = typeof error.code === 'string' ? error.code : 'EIO';
          reject(error instanceof TransportError ? error : new TransportError(`${url.origin}: ${code}`, code, { cause: error }));
        });
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) {
            req.destroy(new TransportError(`${url.origin}: response body larger than ${maxBodyBytes} bytes.`, 'EMSGSIZE'));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => finish(() => reject(new TransportError(`${url.origin}: ${error.message}`, 'EIO', { cause: error }))));
        res.on('end', () => {
          const raw = res.rawHeaders;
          const responseHeaders: [string, string][] = [];
          for (let i = 0; i + 1 < raw.length; i += 2) responseHeaders.push([raw[i]!, raw[i + 1]!]);
          const status = res.statusCode ?? 502;
          const nullBody = status === 204 || status === 205 || status === 304;
          finish(() => {
            try {
              resolve(
                new Response(nullBody ? null : chunks.length === 1 ? (chunks[0] as Buffer<ArrayBuffer>) : Buffer.concat(chunks), {
                  status,
                  statusText: res.statusMessage ?? '',
                  headers: responseHeaders,
                }),
              );
            } catch (error) {
              reject(new TransportError(`${url.origin}: invalid HTTP response (status ${status}).`, 'EPROTO', { cause: error }));
            }
          });
        });
      });
      if (body !== undefined) req.end(body);
      else req.end();
    });
  return Object.assign(pooledFetch, {
    close(): void {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  });
}
