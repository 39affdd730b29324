/**
 * The HTTP app of `ads-oauth serve` on Fastify 5: the connect pages (through the framework-agnostic
 * web flow of src/flows/web.ts), the token broker API, health checks and security headers.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AdsOAuthError, type ErrorCode } from '../../errors.js';
import type { TokenBroker } from '../../broker/types.js';
import type { WebFlow } from '../../flows/web.js';
import type { Configuration } from '../../protocol/config.js';
import type { VerifyResult } from '../../lifecycle/verify.js';
import type { AccountStore, StoredAccount } from '../../stores/accounts/types.js';
import { registerAdmin, type AdminRoutes } from './admin.js';
import { STYLE_HASH, page } from './html.js';

export { page } from './html.js';

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
  /**
   * The configuration of the OAuth client (its endpoints resolved: the CLI fills them from
   * ADS_OAUTH_TOKEN_URI, ADS_OAUTH_REVOKE_URI, ADS_OAUTH_TOKENINFO_URI and GOOGLE_ADS_API_ENDPOINT):
   * verify refreshes with it and calls its tokeninfo and Ads API, downloaded configs carry its
   * client. Without it, verify and the config download answer an error.
   */
  config?: Configuration;
  /** Whether verify also calls the Google Ads API (listAccessibleCustomers); default true. */
  verifyAdsApi?: boolean;
  /** Emails allowed to sign in at /admin (compared case-insensitively; only `email_verified` ones). */
  admins?: readonly string[];
  /** Wrong API keys one address may send a minute before it gets 429; default 20. */
  apiKeyFailuresPerMinute?: number;
  /** Absolute lifetime of an admin session; default 8 hours. */
  adminSessionTtlMs?: number;
  /** An admin session unused for this long ends; default 1 hour. */
  adminSessionIdleMs?: number;
}

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

/**
 * Request log lines without the query string: the callback's carries the authorization code and
 * the state, which must never reach a log. A caller's own serializers win.
 */
function withSafeSerializers(logger: boolean | object): boolean | object {
  if (logger === false) return false;
  const base = logger === true ? {} : (logger as { serializers?: object });
  return {
    ...base,
    serializers: {
      req: (req: { method?: string; url?: string; ip?: string }) => ({
        method: req.method,
        url: (req.url ?? '').split('?')[0],
        remoteAddress: req.ip,
      }),
      ...(base.serializers ?? {}),
    },
  };
}

export async function createServeApp(options: ServeAppOptions): Promise<FastifyInstance> {
  const publicUrl = new URL(String(options.publicUrl));
  const https = publicUrl.protocol === 'https:';
  const app = Fastify({
    logger: withSafeSerializers(options.logger ?? false),
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
    reply.header(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    );
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

  /**
   * The lifecycle verify of one stored account. A refresh token that died (invalid_grant) marks an
   * active account `reconnect_required`, as the broker would.
   */
  /**
   * Revokes a stored refresh token. A token the provider calls already invalid (HTTP 400
   * `invalid_token`/`invalid_grant`, which Google answers for a dead token) counts as revoked, as
   * in `ads-oauth revoke`: otherwise an account whose token died could never be deleted.
   */
  async function revokeStored(refreshToken: string): Promise<void> {
    try {
      await options.revoke(refreshToken);
    } catch (error) {
      const code = error instanceof AdsOAuthError ? error.details['error'] : undefined;
      if (error instanceof AdsOAuthError && error.details['status'] === 400 && (code === 'invalid_token' || code === 'invalid_grant'))
        return;
      throw error;
    }
  }

  function requireConfig(): Configuration & { client: NonNullable<Configuration['client']> } {
    const config = options.config;
    if (!config?.client)
      throw new AdsOAuthError('INTERNAL', 'createServeApp was started without the configuration of its OAuth client (options.config).');
    return config as Configuration & { client: NonNullable<Configuration['client']> };
  }

  async function verifyAccount(account: StoredAccount): Promise<VerifyResult> {
    const config = requireConfig();
    const refreshToken = await options.store.getRefreshToken(account.id);
    if (!refreshToken) throw new AdsOAuthError('NOT_FOUND', 'No such account.');
    const { verifyCredentials } = await import('../../lifecycle/verify.js');
    const result = await options.store.withRefreshLock(account.id, () =>
      verifyCredentials(config, { refreshToken }, { checkAdsApi: options.verifyAdsApi ?? true }),
    );
    const dead = result.problems.find((p) => p.check === 'refresh' && p.code === 'invalid_grant');
    if (dead && account.status === 'active') {
      await options.store.setStatus(account.id, 'reconnect_required', `${dead.cause} ${dead.fix}`.trim());
      options.broker.forget(account.id);
    }
    return result;
  }

  // In its own encapsulated context, for its HTML error handler.
  let admin!: AdminRoutes;
  await app.register(async (scope) => {
    admin = registerAdmin(scope, {
      store: options.store,
      broker: options.broker,
      flow: options.flow,
      publicUrl,
      client: () => requireConfig().client,
      admins: options.admins ?? [],
      sessionTtlMs: options.adminSessionTtlMs ?? 8 * 3600_000,
      sessionIdleMs: options.adminSessionIdleMs ?? 3600_000,
      revoke: revokeStored,
      verify: verifyAccount,
    });
  });

  app.get('/', async (_request, reply) =>
    html(
      reply,
      200,
      page(
        'plain',
        'Connect your Google Ads account',
        ['Sign in with Google and allow access to Google Ads. You can disconnect at any time.'],
        '<a class="button" href="connect">Connect Google Ads</a>',
      ),
    ),
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
      return html(
        reply,
        200,
        page('ok', 'Connected', [`Connected as ${result.account.email ?? result.account.subject}.`, 'You can close this window.']),
      );
    }
    if (result.ok || result.flow === 'admin') return admin.signedIn(request, reply, result);
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

  // Brute force against the API keys: after `max` wrong keys from one address within a minute,
  // that address gets 429 until the minute is over (per instance; a guess is one of 2^256 anyway).
  const apiKeyFailures = failureLimiter(options.apiKeyFailuresPerMinute ?? 20, 60_000);

  // The token broker API: Bearer API keys.
  app.register(
    async (api) => {
      api.addHook('onRequest', async (request, reply) => {
        const blockedFor = apiKeyFailures.blockedFor(request.ip);
        if (blockedFor > 0) {
          return reply
            .code(429)
            .header('Retry-After', String(Math.ceil(blockedFor / 1000)))
            .send({
              error: 'rate_limited',
              message: `Too many requests with a wrong API key from this address; try again in ${Math.ceil(blockedFor / 1000)} s.`,
            });
        }
        const header = request.headers.authorization ?? '';
        const match = /^Bearer\s+(\S+)$/i.exec(header);
        // Looked up by its SHA-256 only: no comparison on the key itself, so a near miss takes as
        // long as any other wrong key.
        const record = match ? await options.store.verifyApiKey(match[1]!) : undefined;
        if (!record) {
          apiKeyFailures.note(request.ip);
          return reply
            .code(401)
            .header('WWW-Authenticate', 'Bearer')
            .send({ error: 'unauthorized', message: 'A valid API key is needed: Authorization: Bearer <api key>.' });
        }
        return undefined;
      });
      api.setErrorHandler(async (error, _request, reply) => {
        const e: AdsOAuthError =
          error instanceof AdsOAuthError ? error : new AdsOAuthError('INTERNAL', 'Internal error.', { cause: error });
        return reply
          .code(HTTP_STATUS[e.code] ?? 500)
          .send({ error: apiCode(e.code), message: e.code === 'INTERNAL' ? 'Internal error.' : e.message });
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
      api.post<{ Params: { id: string } }>('/accounts/:id/verify', async (request) => verifyAccount(await getAccount(request.params.id)));
      api.delete<{ Params: { id: string } }>('/accounts/:id', async (request, reply) => {
        const account = await getAccount(request.params.id);
        const refreshToken = await options.store.getRefreshToken(account.id);
        if (refreshToken && account.status !== 'revoked') await revokeStored(refreshToken);
        await options.store.deleteAccount(account.id);
        options.broker.forget(account.id);
        return reply.code(204).send();
      });
    },
    { prefix: '/api/v1' },
  );

  return app;
}

/** Counts failures per key (a client address) in fixed windows; bounded in memory. */
function failureLimiter(max: number, windowMs: number): { note(key: string): void; blockedFor(key: string): number } {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    note(key) {
      const now = Date.now();
      const entry = windows.get(key);
      if (!entry || entry.resetAt <= now) {
        if (windows.size >= 10_000) for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
        windows.set(key, { count: 1, resetAt: now + windowMs });
      } else {
        entry.count += 1;
      }
    },
    blockedFor(key) {
      const entry = windows.get(key);
      const left = entry ? entry.resetAt - Date.now() : 0;
      return entry && entry.count >= max && left > 0 ? left : 0;
    },
  };
}
