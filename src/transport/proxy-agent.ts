/**
 * The tunnel of an `https:` request through an HTTP proxy (`CONNECT host:443`, then TLS to the
 * target over the tunnel, its certificate checked as on a direct connection). Loaded on the first
 * proxied request only (it loads `node:https` and `node:tls`). Rules of which requests go through
 * a proxy: `proxy.ts`.
 */
import { request as httpRequest, type ClientRequestArgs, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { proxyUnreachable, TransportError } from './node-fetch.js';
import type { ProxyRoute } from './proxy.js';

/**
 * An `https.Agent` whose connections are tunnels through `route`. `connectTimeoutMs` bounds the
 * proxy's answer to CONNECT; the request's own timeout still bounds the whole exchange.
 */
export function createTunnelAgent(route: ProxyRoute, options: AgentOptions & { connectTimeoutMs: number }): HttpsAgent {
  const { connectTimeoutMs, ...agentOptions } = options;
  return new (class TunnelAgent extends HttpsAgent {
    override createConnection(
      target: ClientRequestArgs,
      callback?: (err: Error | null, stream: Duplex) => void,
    ): Duplex | null | undefined {
      const done = callback ?? (() => undefined);
      const host = String(target.host ?? target.hostname ?? 'localhost').replace(/^\[|\]$/g, '');
      const port = Number(target.port ?? 443);
      const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      const connect = httpRequest({
        host: route.host,
        port: route.port,
        method: 'CONNECT',
        path: authority,
        setHost: false,
        headers: { host: authority, ...(route.authorization ? { 'proxy-authorization': route.authorization } : {}) },
        agent: false,
      });
      const timer = setTimeout(() => {
        connect.destroy(
          new TransportError(
            `The proxy ${route.origin} did not open a tunnel to ${authority} within ${connectTimeoutMs} ms.`,
            'ETIMEDOUT',
            {
              proxy: route.origin,
            },
          ),
        );
      }, connectTimeoutMs);
      connect.once('connect', (res: IncomingMessage, socket: Socket, head: Buffer) => {
        clearTimeout(timer);
        if (res.statusCode !== 200) {
          socket.destroy();
          const auth = res.statusCode === 407 ? ' (407: it wants credentials, as http://user:password@host:port in HTTPS_PROXY)' : '';
          done(
            new TransportError(`The proxy ${route.origin} refused a tunnel to ${authority}: HTTP ${res.statusCode}${auth}.`, 'EPROXY', {
              proxy: route.origin,
            }),
            socket,
          );
          return;
        }
        if (head.length > 0) socket.unshift(head);
        const tls = tlsConnect({
          ...(target as ConnectionOptions),
          socket,
          servername: isIP(host) !== 0 ? '' : (target as { servername?: string }).servername || host,
        });
        done(null, tls);
      });
      connect.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const code = typeof error.code === 'string' ? error.code : 'EPROXY';
        done(error instanceof TransportError ? error : proxyUnreachable(route, code, error), undefined as unknown as Duplex);
      });
      connect.end();
      return undefined;
    }
  })(agentOptions);
}
