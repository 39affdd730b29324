/**
 * The HTTP app of `ads-oauth serve` on Fastify 5: the connect pages (through the framework-agnostic
 * web flow of src/flows/web.ts), the token broker API, health checks and security headers.
 */
import { createHash } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AdsOAuthError, type ErrorCode } from '../../errors.js';
import type { TokenBroker } from '../../broker/types.js';
import type { WebFlow } from '../../flows/web.js';
import type { AccountStore, StoredAccount } from '../../stores/accounts/types.js';

export interface ServeAppOptions {
  flow: WebFlow;
  store: AccountStore;
  broker: TokenBroker;
  publicUrl: string | URL;
  /** Revokes a refresh token at the provider (DELETE of an account). */
  revoke: (refreshToken: string) => Promise<void>;
  /** Fastify's logger option (pino); default off. */
  logger?: boolean | object;
  rateLimit?: { max: number; timeWindowMs: number };
}

const STYLE = `body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
main{max-width:36rem;margin:8vh 1rem;padding:1.5rem 1.25rem;background:#fff;border:1px solid #d0d7de;border-radius:12px}
@media (min-width:40rem){main{margin:8vh auto;padding:2rem 2.5rem}}
h1{font-size:1.35rem;margin:0 0 .75rem}.ok h1{color:#1a7f37}.fail h1{color:#cf222e}
p{margin:.5rem 0}a.button{display:inline-block;margin-top:1rem;padding:.75rem 1.25rem;background:#0969da;color:#fff;border-radius:8px;text-decoration:none;font-weight:600}
a.button:focus-visible{outline:3px solid #1f2328;outline-offset:2px}`;
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** One table from error code to HTTP status for the whole server. */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  USAGE: 400,
  INVALID_CALLBACK: 400,
  ISSUER_MISMATCH: 400,
  SCOPE_NOT_GRANTED: 400,
  NO_REFRESH_TOKEN: 400,
  ACCESS_DENIED: 403,
  AUTHORIZATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RECONNECT_REQUIRED: 409,
  RATE_LIMITED: 429,
  TOKEN_ENDPOINT: 502,
  PROVIDER_RESPONSE: 503,
  NETWORK: 503,
  PROVIDER_UNAVAILABLE: 503,
  STORE: 503,
  DECRYPT: 500,
  INTERNAL: 500,
};

/** The API's stable `error` strings. */
function apiCode(code: ErrorCode): string {
  if (code === 'NETWORK' || code === 'PROVIDER_RESPONSE') return 'provider_unavailable';
  return code.toLowerCase();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function page(kind: 'ok' | 'fail' | 'plain', title: string, paragraphs: readonly string[], extraHtml = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main class="${kind}"><h1>${escapeHtml(title)}</h1>${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}${extraHtml}</main></body></html>`;
}

/** The protocol layer's messages speak to CLI users ("run the command again"); the pages speak to browser users. */
function webMessage(error: AdsOAuthError): string {
  switch (error.code) {
    case 'ACCESS_DENIED':
      return 'Access was denied on the Google consent screen, so nothing was connected. Press "Try again" and choose Allow, signed in with the Google account that has access to Google Ads.';
    case 'SCOPE_NOT_GRANTED':
      return 'The Google Ads permission was left unticked on the consent screen, so nothing was connected. Press "Try again" and tick every box.';
    default:
      return error.message;
  }
}

function accountJson(account: StoredAccount) {
  return {
    id: account.id,
    email: account.email,
    subject: account.subject,
    scopes: account.scopes,
    status: account.status,
    connected_at: account.connectedAt.toISOString(),
    last_refreshed_at: account.lastRefreshedAt ? account.lastRefreshedAt.toISOString() : null,
  };
}

/**
 * One log line per request, when it completes. Fastify's default adds an "incoming request" line,
 * a "Route GET:<url with its query> not found" line for a 404 and a line for each 4xx error.
 * A 5xx still adds its error line (with the error, whose message holds no secret).
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override routeNotFound(): void {}
  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode >= 500) reply.log.error({ req: request, res: reply, err: error }, error.message);
  }
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

export async function createServeApp(options: ServeAppOptions): Promise<FastifyInstance> {
  const publicUrl = new URL(String(options.publicUrl));
  const https = publicUrl.protocol === 'https:';
  // The path without its query (a callback's query holds the code and the state), no headers.
  const logger = options.logger === true ? {} : options.logger || undefined;
  const app = Fastify({
    logger: logger
      ? { ...logger, serializers: { req: (r: FastifyRequest) => ({ method: r.method, url: r.url.split('?')[0], remoteAddress: r.ip }), ...(logger as { serializers?: object }).serializers } }
      : false,
    logController: new OneLinePerRequest(),
    trustProxy: false,
    forceCloseConnections: true,
  });
  await app.register(import('@fastify/cookie'));
  await app.register(import('@fastify/formbody'));
  await app.register(import('@fastify/rate-limit'), {
    global: false,
    max: options.rateLimit?.max ?? 60,
    timeWindow: options.rateLimit?.timeWindowMs ?? 60_000,
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('Content-Security-Policy', `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    if (https) reply.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    const path = request.url.split('?')[0] ?? '';
    if (path !== '/' && path !== '/healthz') reply.header('Cache-Control', 'no-store');
    return payload;
  });

  function html(reply: FastifyReply, status: number, body: string) {
    return reply.code(status).type('text/html; charset=utf-8').send(body);
  }

  function flowRequest(request: FastifyRequest) {
    return { method: request.method, url: request.url, headers: request.headers };
  }

  function apply(reply: FastifyReply, response: { status: number; headers: Record<string, string | string[]> }) {
    for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
    reply.code(response.status);
  }

  app.get('/', async (_request, reply) =>
    html(reply, 200, page('plain', 'Connect your Google Ads account', ['Sign in with Google and allow access to Google Ads. You can disconnect at any time.'], '<a class="button" href="connect">Connect Google Ads</a>')),
  );

  app.get('/connect', { config: { rateLimit: {} } }, async (request, reply) => {
    const { response } = await options.flow.start(flowRequest(request));
    apply(reply, response);
    return reply.redirect(response.location!, 302);
  });

  app.get('/oauth2callback', { config: { rateLimit: {} } }, async (request, reply) => {
    const { response, result } = await options.flow.callback(flowRequest(request));
    apply(reply, response);
    if (result.ok && result.flow === 'connect') {
      return html(reply, 200, page('ok', 'Connected', [`Connected as ${result.account.email ?? result.account.subject}.`, 'You can close this window.']));
    }
    if (result.ok) {
      return html(reply, 403, page('fail', 'Not allowed', ['Admin sign-in is not available here.']));
    }
    const retry = '<a class="button" href="connect">Try again</a>';
    return html(reply, response.status, page('fail', 'Not connected', [webMessage(result.error)], retry));
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await options.store.ping();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'not_ready' });
    }
  });

  // The token broker API: Bearer API keys.
  app.register(async (api) => {
    api.addHook('onRequest', async (request, reply) => {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const record = match ? await options.store.verifyApiKey(match[1]!) : undefined;
      if (!record) {
        return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'unauthorized', message: 'A valid API key is needed: Authorization: Bearer <api key>.' });
      }
      return undefined;
    });
    api.setErrorHandler(async (error, _request, reply) => {
      const e = error instanceof AdsOAuthError ? error : new AdsOAuthError('INTERNAL', 'Internal error.', { cause: error });
      return reply.code(HTTP_STATUS[e.code] ?? 500).send({ error: apiCode(e.code), message: e.code === 'INTERNAL' ? 'Internal error.' : e.message });
    });
    const getAccount = async (id: string) => {
      const account = await options.store.getAccount(id);
      if (!account) throw new AdsOAuthError('NOT_FOUND', 'No such account.');
      return account;
    };
    api.get('/accounts', async () => ({ accounts: (await options.store.listAccounts()).map(accountJson) }));
    api.get<{ Params: { id: string } }>('/accounts/:id', async (request) => accountJson(await getAccount(request.params.id)));
    api.get<{ Params: { id: string } }>('/accounts/:id/access-token', async (request) => {
      const token = await options.broker.getAccessToken(request.params.id);
      return { access_token: token.token, expires_at: token.expiresAt.toISOString(), scopes: token.scopes };
    });
    api.delete<{ Params: { id: string } }>('/accounts/:id', async (request, reply) => {
      const account = await getAccount(request.params.id);
      const refreshToken = await options.store.getRefreshToken(account.id);
      if (refreshToken && account.status !== 'revoked') await options.revoke(refreshToken);
      await options.store.deleteAccount(account.id);
      options.broker.forget(account.id);
      return reply.code(204).send();
    });
  }, { prefix: '/api/v1' });

  return app;
}
