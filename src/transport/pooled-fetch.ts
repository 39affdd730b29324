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
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FetchLike } from '../protocol/types.js';
import { Headers as LiteHeaders, Response as LiteResponse } from './lite-web.js';
import { exchangeOnce, prepareRequest, routeFor, TunnelAgents, type PreparedRequest, type WebClasses } from './node-fetch.js';
import type { ProxyRoute, ProxySettings } from './proxy.js';

// Answers are built with lite-web's classes, not undici's: building an undici Response (its body
// extraction, web streams and brand checks) was about a twentieth of serve's CPU per
// authorization (issue 9). oauth4webapi accepts them (same `Symbol.toStringTag`) and validates
// them exactly as real ones; test/unit/transport-lite-web.test.ts holds both side by side.
const LITE: WebClasses = { Headers: LiteHeaders, Response: LiteResponse as unknown as WebClasses['Response'] };

export interface PooledFetchOptions {
  /** Per-request timeout in milliseconds (connect + response). Default 30 000. */
  timeoutMs?: number;
  /** Largest accepted response body in bytes. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Most sockets per origin (default 64); further requests queue for a free one. */
  maxSockets?: number;
  /**
   * Most idle sockets kept per origin (default: `maxSockets`). Fewer than `maxSockets` means that
   * after a burst every socket above the limit is closed on release and opened again (a TCP and,
   * at Google, a TLS handshake) by the next burst: in serve's bench at 200 concurrent browsers a
   * limit of 16 cost 10–20% of the throughput (issue 9). Idle ones still close after `idleTimeoutMs`.
   */
  maxFreeSockets?: number;
  /** An idle socket is closed after this many ms (default 4 000: under common servers' 5 s keep-alive). */
  idleTimeoutMs?: number;
  /** The proxies to use (`proxySettingsFromEnv`); default none. Tunnels are pooled like direct sockets. */
  proxy?: ProxySettings;
}

/** A fetch function that also closes its idle sockets. */
export type PooledFetch = FetchLike & { close(): void };

/** Creates a keep-alive fetch over node:http/node:https. */
export function createPooledFetch(options: PooledFetchOptions = {}): PooledFetch {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxSockets = options.maxSockets ?? 64;
  const agentOptions = {
    keepAlive: true,
    maxSockets,
    maxFreeSockets: options.maxFreeSockets ?? maxSockets,
    // On the agent, `timeout` closes a socket idle that long (free sockets included).
    timeout: options.idleTimeoutMs ?? 4_000,
    scheduling: 'lifo' as const,
  };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  const tunnels = new TunnelAgents(agentOptions, timeoutMs);

  const pooledFetch = (input: string | URL, init: RequestInit = {}): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      let prepared: PreparedRequest;
      try {
        prepared = prepareRequest(input, init);
      } catch (error) {
        reject(error);
        return;
      }
      let route: ProxyRoute | undefined;
      try {
        route = routeFor(prepared.url, options.proxy);
      } catch (error) {
        reject(error);
        return;
      }
      const { url, headers, body } = prepared;
      const https = url.protocol === 'https:';
      const send = (agent: import('node:http').Agent) =>
        exchangeOnce(
          https ? httpsRequest : httpRequest,
          agent,
          url,
          init,
          headers,
          body,
          { timeoutMs, maxBodyBytes, ...(route ? { route } : {}) },
          LITE,
        ).then(resolve, reject);
      if (https && route !== undefined) tunnels.get(route).then(send, reject);
      else void send(https ? httpsAgent : httpAgent);
    });
  return Object.assign(pooledFetch, {
    close(): void {
      httpAgent.destroy();
      httpsAgent.destroy();
      tunnels.destroy();
    },
  });
}
