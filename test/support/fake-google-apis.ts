// A local fake of the Google endpoints the lifecycle commands call, on 127.0.0.1: the token
// endpoint (refresh grant), the revocation endpoint, tokeninfo, and the Google Ads REST API
// (customers:listAccessibleCustomers and googleAds:search). Each test sets the behaviour per
// route: a queue of canned answers (the last one repeats), each with an optional delay, or a
// function of the request. Every request is recorded (method, path, headers, body) so tests can
// check what was sent, and that no secret ended up in a URL.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ADWORDS_SCOPE = 'https://www.googleapis.com/auth/adwords';

export type Route = 'token' | 'revoke' | 'tokeninfo' | 'listAccessibleCustomers' | 'search';

export interface RecordedRequest {
  route: Route | 'unknown';
  method: string;
  /** Path and query, e.g. `/v26/customers:listAccessibleCustomers`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body as form fields, when it is form-encoded. */
  form?: Record<string, string>;
  /** The body as JSON, when it is JSON. */
  json?: unknown;
  /** For search: the customer ID in the path. */
  customerId?: string;
}

export interface CannedResponse {
  status?: number;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (with `contentType`). */
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
  /** Destroy the connection instead of answering. */
  hangUp?: boolean;
}

export type Responder = CannedResponse | ((request: RecordedRequest) => CannedResponse);

export interface FakeGoogleApis {
  /** http://127.0.0.1:PORT */
  origin: string;
  tokenUri: string;
  revokeUri: string;
  tokeninfoUri: string;
  /** The Ads API base URL (no version), for GOOGLE_ADS_API_ENDPOINT. */
  adsEndpoint: string;
  /** The client the default tokeninfo answer names (azp and aud). */
  clientId: string;
  clientSecret: string;
  /** The refresh token the default token answer accepts; any other gets invalid_grant. */
  refreshToken: string;
  /** Every request so far, oldest first. */
  requests: RecordedRequest[];
  /** Requests of one route. */
  requestsTo(route: Route): RecordedRequest[];
  /** Replaces the behaviour of a route: answers in order, the last one repeating. */
  on(route: Route, ...responders: Responder[]): void;
  /** Environment variables pointing ads-oauth at this fake. */
  env(): Record<string, string>;
  /** Back to the default behaviour, and forget recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/** An OAuth error body (RFC 6749 §5.2). */
export function oauthError(error: string, description?: string, status = 400, extra: Record<string, unknown> = {}): CannedResponse {
  return { status, json: { error, ...(description ? { error_description: description } : {}), ...extra } };
}

/** A Google Ads API error body with one GoogleAdsFailure error, e.g. `{authorizationError: 'USER_PERMISSION_DENIED'}`. */
export function adsError(
  httpStatus: number,
  status: string,
  errorCode: Record<string, string>,
  message = 'The request failed.',
  version = 'v26',
): CannedResponse {
  return {
    status: httpStatus,
    headers: { 'request-id': `req-${randomBytes(4).toString('hex')}` },
    json: {
      error: {
        code: httpStatus,
        message,
        status,
        details: [
          {
            '@type': `type.googleapis.com/google.ads.googleads.${version}.errors.GoogleAdsFailure`,
            errors: [{ errorCode, message }],
            requestId: 'fake-request-id',
          },
        ],
      },
    },
  };
}

/** A Google API error with a google.rpc.ErrorInfo reason (e.g. SERVICE_DISABLED). */
export function rpcErrorInfo(httpStatus: number, status: string, reason: string, message = 'The request failed.'): CannedResponse {
  return {
    status: httpStatus,
    json: {
      error: {
        code: httpStatus,
        message,
        status,
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com', metadata: {} }],
      },
    },
  };
}

export interface CustomerRow {
  id: string;
  descriptiveName?: string;
  manager?: boolean;
  currencyCode?: string;
  timeZone?: string;
  testAccount?: boolean;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function routeOf(method: string, path: string): { route: Route | 'unknown'; customerId?: string } {
  if (method === 'POST' && path === '/token') return { route: 'token' };
  if (method === 'POST' && path === '/revoke') return { route: 'revoke' };
  if (path === '/tokeninfo') return { route: 'tokeninfo' };
  if (method === 'GET' && /^\/v\d+\/customers:listAccessibleCustomers$/.test(path)) return { route: 'listAccessibleCustomers' };
  const search = /^\/v\d+\/customers\/(\d+)\/googleAds:search$/.exec(path);
  if (method === 'POST' && search) return { route: 'search', customerId: search[1]! };
  return { route: 'unknown' };
}

export interface FakeGoogleApisOptions {
  clientId?: string;
  /** Customers and their detail rows; default two: a manager and a client. */
  customers?: CustomerRow[];
}

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
export async function startFakeGoogleApis(options: FakeGoogleApisOptions = {}): Promise<FakeGoogleApis> {
  const clientId = options.clientId ?? `${randomBytes(6).toString('hex')}.apps.googleusercontent.com`;
  const clientSecret = `GOCSPX-${randomBytes(12).toString('hex')}`;
  const refreshToken = `1//fake-${randomBytes(16).toString('hex')}`;
  const customers: CustomerRow[] = options.customers ?? [
    { id: '1234567890', descriptiveName: 'Acme Manager', manager: true, currencyCode: 'EUR', timeZone: 'Europe/Berlin' },
    {
      id: '9876543210',
      descriptiveName: 'Acme Shop',
      manager: false,
      currencyCode: 'USD',
      timeZone: 'America/New_York',
      testAccount: true,
    },
  ];
  let counter = 0;

  const defaults: Record<Route, Responder> = {
    token: (req) => {
      const form = req.form ?? {};
      if (form['grant_type'] !== 'refresh_token') return oauthError('unsupported_grant_type');
      if (form['client_id'] !== clientId || form['client_secret'] !== clientSecret)
        return oauthError('invalid_client', 'The OAuth client was not found.', 401);
      if (form['refresh_token'] !== refreshToken) return oauthError('invalid_grant', 'Token has been expired or revoked.');
      counter += 1;
      return {
        json: {
          access_token: `ya29.fake-access-${counter}-${randomBytes(8).toString('hex')}`,
          expires_in: 3599,
          scope: ADWORDS_SCOPE,
          token_type: 'Bearer',
        },
      };
    },
    revoke: () => ({ status: 200, json: {} }),
    tokeninfo: () => ({
      json: {
        azp: clientId,
        aud: clientId,
        scope: ADWORDS_SCOPE,
        exp: String(Math.floor(Date.now() / 1000) + 3599),
        expires_in: '3599',
        access_type: 'offline',
      },
    }),
    listAccessibleCustomers: () => ({ json: { resourceNames: customers.map((c) => `customers/${c.id}`) } }),
    search: (req) => {
      const row = customers.find((c) => c.id === req.customerId);
      if (!row)
        return adsError(
          403,
          'PERMISSION_DENIED',
          { authorizationError: 'USER_PERMISSION_DENIED' },
          "User doesn't have permission to access customer.",
        );
      const customer: Record<string, unknown> = { resourceName: `customers/${row.id}`, id: row.id };
      if (row.descriptiveName !== undefined) customer['descriptiveName'] = row.descriptiveName;
      if (row.manager) customer['manager'] = true; // proto3 JSON omits false
      if (row.currencyCode !== undefined) customer['currencyCode'] = row.currencyCode;
      if (row.timeZone !== undefined) customer['timeZone'] = row.timeZone;
      if (row.testAccount) customer['testAccount'] = true;
      return {
        json: {
          results: [{ customer }],
          fieldMask: 'customer.id,customer.descriptiveName,customer.manager,customer.currencyCode,customer.timeZone,customer.testAccount',
          requestId: 'fake',
        },
      };
    },
  };
  const queues = new Map<Route, Responder[]>();
  const requests: RecordedRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const { route, customerId } = routeOf(req.method ?? 'GET', url.pathname);
    const recorded: RecordedRequest = { route, method: req.method ?? 'GET', url: req.url ?? '/', headers: { ...req.headers }, body };
    if (customerId) recorded.customerId = customerId;
    const type = String(req.headers['content-type'] ?? '');
    if (type.includes('application/x-www-form-urlencoded')) recorded.form = Object.fromEntries(new URLSearchParams(body));
    if (type.includes('application/json') && body) {
      try {
        recorded.json = JSON.parse(body);
      } catch {
        /* leave undefined */
      }
    }
    requests.push(recorded);
    let responder: Responder | undefined;
    if (route !== 'unknown') {
      const queue = queues.get(route);
      responder = queue && queue.length > 0 ? (queue.length > 1 ? queue.shift() : queue[0]) : defaults[route];
    }
    const answer: CannedResponse =
      responder === undefined
        ? { status: 404, json: { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } } }
        : typeof responder === 'function'
          ? responder(recorded)
          : responder;
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (answer.hangUp) {
      req.socket.destroy();
      return;
    }
    if (res.destroyed) return;
    const status = answer.status ?? 200;
    const payload = answer.body ?? (answer.json === undefined ? '' : JSON.stringify(answer.json));
    const contentType = answer.contentType ?? (answer.body !== undefined ? 'text/plain' : 'application/json; charset=utf-8');
    res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...(answer.headers ?? {}) });
    res.end(payload);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    tokenUri: `${origin}/token`,
    revokeUri: `${origin}/revoke`,
    tokeninfoUri: `${origin}/tokeninfo`,
    adsEndpoint: origin,
    clientId,
    clientSecret,
    refreshToken,
    requests,
    requestsTo: (route) => requests.filter((r) => r.route === route),
    on: (route, ...responders) => {
      queues.set(route, [...responders]);
    },
    env: () => ({
      ADS_OAUTH_TOKEN_URI: `${origin}/token`,
      ADS_OAUTH_REVOKE_URI: `${origin}/revoke`,
      ADS_OAUTH_TOKENINFO_URI: `${origin}/tokeninfo`,
      GOOGLE_ADS_API_ENDPOINT: origin,
    }),
    reset: () => {
      queues.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
