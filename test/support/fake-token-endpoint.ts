// A scriptable OAuth token (and revocation) endpoint on 127.0.0.1 for unit tests of the protocol
// layer. Each test queues the next responses (status, headers, body, delay, or a hang-up); every
// request is recorded (method, path, headers, raw body, parsed form) so tests can check exactly
// what was sent and how many times. Requests to other paths get a 404 and do not consume the
// script (e.g. discovery probes). An empty script answers 500 "unscripted request", so a test
// that forgets to script fails loudly.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedResponse {
  /** HTTP status; default 200. */
  status?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** An object is sent as JSON (application/json); a string is sent as is (set content-type in `headers`). */
  body?: string | Record<string, unknown>;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
  /** Destroy the socket instead of answering. */
  hangUp?: boolean;
}

export interface RecordedTokenRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed as application/x-www-form-urlencoded. */
  form: URLSearchParams;
}

export interface FakeTokenEndpoint {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  /** `${origin}/o/oauth2/auth` (nothing is served there; for client files). */
  authUri: string;
  /** `${origin}/token` */
  tokenUri: string;
  /** `${origin}/revoke` */
  revokeUri: string;
  /** Token and revoke requests so far, oldest first. */
  requests: RecordedTokenRequest[];
  /** Requests to any other path. */
  otherRequests: RecordedTokenRequest[];
  /** Appends responses to the script; each request to /token or /revoke consumes one. */
  next(...responses: ScriptedResponse[]): void;
  /** Forgets the script and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/** A token response as Google sends it; `extra` overrides or adds fields (`undefined` removes one). */
export function tokenBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    access_token: 'ya29.fake-access-token',
    expires_in: 3599,
    refresh_token: '1//fake-refresh-token',
    scope: 'https://www.googleapis.com/auth/adwords',
    token_type: 'Bearer',
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete body[key];
    else body[key] = value;
  }
  return body;
}

/** An OAuth error response (RFC 6749 §5.2). */
export function oauthErrorResponse(
  error: string,
  description?: string,
  status = 400,
  headers: Record<string, string> = {},
): ScriptedResponse {
  return { status, headers, body: { error, ...(description !== undefined ? { error_description: description } : {}) } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeTokenEndpoint(): Promise<FakeTokenEndpoint> {
  let script: ScriptedResponse[] = [];
  const requests: RecordedTokenRequest[] = [];
  const otherRequests: RecordedTokenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = req.url ?? '/';
      const record: RecordedTokenRequest = {
        method: req.method ?? 'GET',
        url,
        headers: { ...req.headers },
        body,
        form: new URLSearchParams(body),
      };
      const path = url.split('?')[0];
      if (path !== '/token' && path !== '/revoke') {
        otherRequests.push(record);
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found\n');
        return;
      }
      requests.push(record);
      const scripted = script.shift() ?? { status: 500, headers: { 'Content-Type': 'text/plain' }, body: 'unscripted request' };
      if (scripted.delayMs) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, scripted.delayMs);
          timers.add(timer);
        });
      }
      if (res.destroyed) return;
      if (scripted.hangUp) {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      let payload = '';
      if (typeof scripted.body === 'string') {
        payload = scripted.body;
      } else if (scripted.body !== undefined) {
        payload = JSON.stringify(scripted.body);
        headers['Content-Type'] = 'application/json; charset=utf-8';
      }
      Object.assign(headers, scripted.headers ?? {});
      res.writeHead(scripted.status ?? 200, headers);
      res.end(payload);
    })().catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    authUri: `${origin}/o/oauth2/auth`,
    tokenUri: `${origin}/token`,
    revokeUri: `${origin}/revoke`,
    requests,
    otherRequests,
    next(...responses) {
      script.push(...responses);
    },
    reset() {
      script = [];
      requests.length = 0;
      otherRequests.length = 0;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
