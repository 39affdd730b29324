// A real OAuth 2.0 / OpenID Connect authorization server (oidc-provider 9) configured to behave
// like Google's for the parts ads-oauth depends on:
//
// - refresh tokens are asked for with `access_type=offline` (not the `offline_access` scope) and
//   outlive the browser session; `access_type` must be `online` or `offline`;
// - PKCE (S256) is required for every client;
// - installed ("native") clients may redirect to any port on the loopback hosts they registered
//   (host and path must match); web clients need the exact registered redirect URI;
// - the authorization response carries `iss` (RFC 9207);
// - `prompt=consent` shows a consent page listing every requested scope with a checkbox each:
//   unticking one grants the rest only (granular consent), "Deny" ends with `access_denied`;
// - token revocation (RFC 7009) at /revoke, with client authentication;
// - endpoint paths look like Google's: /o/oauth2/auth, /token, /revoke.
//
// Test-only: in-memory storage, one user, two clients, secrets random per instance. Nothing here
// prints a secret.
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';

export const ADWORDS_SCOPE = 'https://www.googleapis.com/auth/adwords';
export const USERINFO_EMAIL_SCOPE = 'https://www.googleapis.com/auth/userinfo.email';

export interface GoogleLikeProvider {
  /** e.g. http://127.0.0.1:PORT */
  issuer: string;
  authUri: string;
  tokenUri: string;
  revokeUri: string;
  user: { login: string; password: string };
  /** Every user (the first is `user`); more with the `users` option. */
  users: Array<{ login: string; password: string; sub: string }>;
  /** How many refresh_token grants the token endpoint has answered (any outcome), so far. */
  refreshGrants(): number;
  installed: { client_id: string; client_secret: string };
  web: { client_id: string; client_secret: string; redirect_uris: string[] };
  /** Google-format client secrets JSON ({"installed": {...}} or {"web": {...}}). */
  clientSecrets(kind: 'installed' | 'web'): object;
  /** Writes clientSecrets(kind) to dir/client_secret_<id>.json with mode 0600 and returns the path. */
  writeClientFile(kind: 'installed' | 'web', dir: string): Promise<string>;
  /**
   * Changes what the ID token and userinfo say about the user from now on (e.g. another `email`,
   * or `email_verified: false`); `{}` goes back to the defaults. The login stays the same.
   */
  setUserClaims(overrides: { email?: string; email_verified?: boolean }): void;
  /** Closes the server and every open socket. */
  close(): Promise<void>;
}

export interface GoogleLikeProviderOptions {
  /** Port to listen on (127.0.0.1); default: an ephemeral one. */
  port?: number;
  /** Exact redirect URIs of the web client; default: ['http://127.0.0.1:<free port>/oauth2callback']. */
  webRedirectUris?: string[];
  /** How many users can sign in (default 1): user N > 1 is ads-user-N@example.com. */
  users?: number;
}

/** Scopes the provider knows, with the wording Google's consent screen uses. Others are dropped. */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  [ADWORDS_SCOPE]: 'See, edit, create and delete your Google Ads accounts and data.',
  [USERINFO_EMAIL_SCOPE]: 'See your primary Google Account email address.',
  openid: 'Associate you with your personal info on Google.',
  email: 'See your primary Google Account email address.',
  profile: "See your personal info, including any personal info you've made publicly available.",
};

const LOOPBACK_REDIRECTS = [
  'http://127.0.0.1/',
  'http://127.0.0.1',
  'http://localhost/',
  'http://localhost',
  'http://[::1]/',
  'http://[::1]',
];

/** A port that was free a moment ago on `host` (the usual small race applies). */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as AddressInfo;
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Minimal typing of the parts of oidc-provider used here (the package ships no declarations).

interface OidcClient {
  clientId: string;
  clientName?: string;
  grantTypeAllowed(grantType: string): boolean;
}
interface OidcGrantSource {
  kind: string;
  expiresWithSession?: boolean;
}
interface OidcGrant {
  addOIDCScope(scope: string): void;
  rejectOIDCScope(scope: string): void;
  save(): Promise<string>;
}
interface InteractionDetails {
  uid: string;
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  params: Record<string, string | undefined>;
  session?: { accountId?: string };
  lastSubmission?: Record<string, unknown>;
}
interface InteractionResult {
  [key: string]: unknown;
}
interface OidcProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: InteractionResult,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => OidcGrant;
  Client: { find(id: string): Promise<OidcClient | undefined> };
  on(event: string, listener: (...args: unknown[]) => void): void;
  use(middleware: (ctx: KoaCtx, next: () => Promise<void>) => Promise<void>): void;
}
interface KoaCtx {
  body: unknown;
  oidc?: { route?: string; params?: Record<string, unknown> };
}
interface OidcCtx {
  oidc: { params: Record<string, unknown> };
}
interface PromptLike {
  name: string;
}
interface PolicyLike {
  add(prompt: PromptLike, index?: number): void;
}
interface OidcProviderModule {
  default: new (issuer: string, configuration: Record<string, unknown>) => OidcProviderInstance;
  errors: { InvalidRequest: new (description: string) => Error };
  interactionPolicy: {
    base(): PolicyLike;
    Prompt: new (info: { name: string; requestable: boolean }) => PromptLike;
  };
}

// oidc-provider prints "Unsupported runtime" on import under Node 20 and a notice for the
// in-memory adapter; both are expected here and would only be noise in test output.
const EXPECTED_WARNINGS = [/Unsupported runtime/, /development-only in-memory adapter/];

async function quietly<T>(fn: () => Promise<T> | T): Promise<T> {
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (text.includes('oidc-provider') && EXPECTED_WARNINGS.some((re) => re.test(text))) return;
    original.apply(console, args);
  };
  try {
    return await fn();
  } finally {
    console.warn = original;
  }
}

let modulePromise: Promise<OidcProviderModule> | undefined;
function loadOidcProvider(): Promise<OidcProviderModule> {
  // A non-literal specifier keeps TypeScript from looking for declarations that do not exist.
  const specifier = 'oidc-provider';
  modulePromise ??= quietly(() => import(specifier) as Promise<OidcProviderModule>);
  return modulePromise;
}

// ---------------------------------------------------------------------------------------------

function randomString(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

function googleLikeClientId(): string {
  const digits = String(randomInt(100_000_000, 999_999_999)) + String(randomInt(100, 999));
  const tail = randomBytes(16).toString('hex');
  return `${digits}-${tail}.apps.googleusercontent.com`;
}

function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(buf);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;padding:24px 0;min-height:100vh;display:flex;align-items:center;justify-content:center;
    background:#f0f4f9;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f1f1f}
  main{background:#fff;border-radius:28px;padding:36px 40px;width:min(480px,94vw);
    box-shadow:0 1px 3px rgba(0,0,0,.08),0 4px 16px rgba(0,0,0,.06)}
  .brand{font-weight:600;letter-spacing:.2px;color:#444746;margin-bottom:18px}
  .brand b{color:#1a73e8}
  h1{font-size:24px;font-weight:400;margin:0 0 6px}
  p.sub{margin:0 0 22px;color:#444746}
  label.field{display:block;margin:0 0 14px}
  label.field span{display:block;font-size:13px;color:#444746;margin-bottom:4px}
  input[type=text],input[type=email],input[type=password]{width:100%;padding:12px 14px;font-size:16px;
    border:1px solid #747775;border-radius:8px;outline:none}
  input:focus{border-color:#0b57d0;box-shadow:0 0 0 1px #0b57d0}
  ul.scopes{list-style:none;padding:0;margin:0 0 20px;border-top:1px solid #e3e3e3}
  ul.scopes li{border-bottom:1px solid #e3e3e3}
  ul.scopes label{display:flex;gap:12px;align-items:flex-start;padding:12px 2px;cursor:pointer}
  ul.scopes input{margin-top:4px;width:18px;height:18px;accent-color:#0b57d0;flex:none}
  ul.scopes code{display:block;font-size:12px;color:#5f6368;word-break:break-all}
  .actions{display:flex;justify-content:flex-end;gap:10px;margin-top:18px}
  button{font:inherit;font-weight:500;padding:10px 24px;border-radius:20px;cursor:pointer;border:1px solid transparent}
  button.primary{background:#0b57d0;color:#fff}
  button.primary:hover{background:#0a4fbf}
  button.secondary{background:#fff;color:#0b57d0;border-color:#747775}
  .error{background:#fce8e6;color:#b3261e;border-radius:8px;padding:10px 14px;margin:0 0 16px}
  .who{display:inline-block;border:1px solid #c4c7c5;border-radius:16px;padding:2px 12px;margin-bottom:18px;font-size:14px}
  .fine{font-size:12px;color:#5f6368;margin-top:18px}
`;

function page(kind: string, title: string, body: string): string {
  const pageId = randomString(6);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} - Test Accounts</title>
<style>${STYLE}</style></head>
<body><main data-interaction="${escapeHtml(kind)}" data-page="${pageId}">
<div class="brand"><b>Test</b> Accounts &middot; local OAuth 2.0 server</div>
${body}
</main></body></html>`;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.end(html);
}

// ---------------------------------------------------------------------------------------------

export async function startGoogleLikeProvider(options: GoogleLikeProviderOptions = {}): Promise<GoogleLikeProvider> {
  const oidc = await loadOidcProvider();
  const Provider = oidc.default;

  // Listen first: the issuer identifier needs the real port.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const newSub = (): string => String(randomInt(100_000_000, 999_999_999)) + String(randomInt(100_000_000, 999_999_999));
  const user = { login: 'ads-user@example.com', password: `pw-${randomString(12)}`, sub: newSub() };
  const users = [user];
  for (let n = 2; n <= (options.users ?? 1); n++)
    users.push({ login: `ads-user-${n}@example.com`, password: `pw-${randomString(12)}`, sub: newSub() });
  const bySub = new Map(users.map((u) => [u.sub, u]));
  let refreshGrants = 0;
  let claimOverrides: { email?: string; email_verified?: boolean } = {};
  const installed = { client_id: googleLikeClientId(), client_secret: `GOCSPX-${randomString(21)}` };
  const webRedirectUris = options.webRedirectUris ?? [`http://127.0.0.1:${await getFreePort()}/oauth2callback`];
  const web = {
    client_id: googleLikeClientId(),
    client_secret: `GOCSPX-${randomString(21)}`,
    redirect_uris: [...webRedirectUris],
  };

  const routes = {
    authorization: '/o/oauth2/auth',
    token: '/token',
    revocation: '/revoke',
    userinfo: '/v1/userinfo',
    jwks: '/oauth2/v3/certs',
  };
  const authUri = `${issuer}${routes.authorization}`;
  const tokenUri = `${issuer}${routes.token}`;
  const revokeUri = `${issuer}${routes.revocation}`;

  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const policy = oidc.interactionPolicy.base();
  // Google accepts prompt=select_account; with a single account it is a "Continue as" page.
  policy.add(new oidc.interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 1);

  const configuration: Record<string, unknown> = {
    clients: [
      {
        client_id: installed.client_id,
        client_secret: installed.client_secret,
        client_name: 'ads-oauth test (installed app)',
        application_type: 'native',
        redirect_uris: LOOPBACK_REDIRECTS,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
      {
        client_id: web.client_id,
        client_secret: web.client_secret,
        client_name: 'ads-oauth test (web app)',
        application_type: 'web',
        redirect_uris: web.redirect_uris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    // Only authenticated clients; a client registered with client_secret_post may also use
    // client_secret_basic (oidc-provider treats the two as interchangeable).
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    scopes: Object.keys(SCOPE_DESCRIPTIONS),
    // Google puts the scope's claims (email, email_verified) in the ID token too.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      [USERINFO_EMAIL_SCOPE]: ['email', 'email_verified'],
      profile: ['name'],
    },
    extraParams: {
      access_type(_ctx: unknown, value: unknown) {
        if (value !== undefined && value !== 'online' && value !== 'offline') {
          throw new oidc.errors.InvalidRequest(`Invalid access_type: ${String(value)}`);
        }
      },
      include_granted_scopes: null,
      enable_granular_consent: null,
      hd: null,
    },
    // Called at the authorization endpoint with the request at hand: an offline request gets a
    // code (and later tokens) that do not die with the browser session.
    expiresWithSession(ctx: OidcCtx) {
      return ctx.oidc.params.access_type !== 'offline';
    },
    // Called at the token endpoint with the authorization code: offline <=> !expiresWithSession.
    issueRefreshToken(_ctx: unknown, client: OidcClient, source: OidcGrantSource) {
      return client.grantTypeAllowed('refresh_token') && source.kind === 'AuthorizationCode' && source.expiresWithSession !== true;
    },
    // Google does not rotate refresh tokens.
    rotateRefreshToken: false,
    pkce: { required: () => true },
    findAccount(_ctx: unknown, sub: string) {
      const found = bySub.get(sub);
      if (!found) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: found.login, email_verified: true, name: 'Ads Test User', ...(found === user ? claimOverrides : {}) }),
      };
    },
    features: {
      devInteractions: { enabled: false },
      revocation: {
        enabled: true,
        allowedPolicy(_ctx: unknown, client: OidcClient, token: { clientId: string }) {
          return token.clientId === client.clientId;
        },
      },
    },
    interactions: {
      policy,
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    responseTypes: ['code'],
    clientBasedCORS: () => false,
    routes,
    jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256', kid: randomString(8) }] },
    cookies: { keys: [randomString(32), randomString(32)] },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 600,
      IdToken: 3600,
      RefreshToken: 180 * 24 * 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 180 * 24 * 3600,
    },
    async renderError(ctx: { type: string; body: string }, out: Record<string, unknown>) {
      ctx.type = 'html';
      const rows = Object.entries(out)
        .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: <span data-key="${escapeHtml(k)}">${escapeHtml(v)}</span></p>`)
        .join('');
      ctx.body = page(
        'error',
        'Error',
        `<h1>Access blocked: this request is invalid</h1>
<div class="error" role="alert">${rows}</div>
<p class="fine">The application sent a request this server cannot accept.</p>`,
      );
    },
  };

  const provider = await quietly(() => new Provider(issuer, configuration));
  // Google answers a refresh with a new access token only; oidc-provider (not rotating) echoes
  // the same refresh token back. Drop the echo so clients see what Google sends.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === 'token' && ctx.oidc.params?.['grant_type'] === 'refresh_token') refreshGrants++;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (
      ctx.oidc?.route === 'token' &&
      ctx.oidc.params?.['grant_type'] === 'refresh_token' &&
      body &&
      typeof body === 'object' &&
      body['refresh_token'] === ctx.oidc.params['refresh_token']
    ) {
      delete body['refresh_token'];
    }
  });
  const providerCallback = provider.callback();

  async function interactions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    const [, , uid, action] = url.pathname.split('/');
    let details: InteractionDetails;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      send(
        res,
        400,
        page(
          'error',
          'Session expired',
          `<h1>This sign-in request has expired</h1>
<div class="error" role="alert">Start again from the application.</div>`,
        ),
      );
      return;
    }
    if (details.uid !== uid) {
      send(res, 400, page('error', 'Error', '<h1>Interaction mismatch</h1>'));
      return;
    }
    const client = await provider.Client.find(details.params.client_id ?? '');
    const clientName = client?.clientName ?? details.params.client_id ?? 'an application';
    const base = `/interaction/${escapeHtml(uid)}`;
    const requested = (details.params.scope ?? '').split(' ').filter((s) => s in SCOPE_DESCRIPTIONS);

    const loginPage = (error?: string): string =>
      page(
        'login',
        'Sign in',
        `<h1>Sign in</h1>
<p class="sub">to continue to <strong>${escapeHtml(clientName)}</strong></p>
${error ? `<div class="error" role="alert" data-error="login">${escapeHtml(error)}</div>` : ''}
<form id="login-form" method="post" action="${base}/login" autocomplete="off">
  <label class="field" for="login"><span>Email</span>
    <input type="email" id="login" name="login" required autofocus value="${escapeHtml(details.params.login_hint ?? '')}"></label>
  <label class="field" for="password"><span>Password</span>
    <input type="password" id="password" name="password" required></label>
  <div class="actions"><button type="submit" id="signin" class="primary">Next</button></div>
</form>`,
      );

    if (req.method === 'GET' && action === undefined) {
      switch (details.prompt.name) {
        case 'login':
          send(res, 200, loginPage());
          return;
        case 'select_account':
          send(
            res,
            200,
            page(
              'select_account',
              'Choose an account',
              `<h1>Choose an account</h1>
<p class="sub">to continue to <strong>${escapeHtml(clientName)}</strong></p>
<form id="select-account-form" method="post" action="${base}/select">
  <div class="who">${escapeHtml(user.login)}</div>
  <div class="actions"><button type="submit" id="continue" class="primary">Continue</button></div>
</form>`,
            ),
          );
          return;
        case 'consent': {
          const items = requested
            .map(
              (scope, i) => `<li><label for="scope-${i}">
  <input type="checkbox" id="scope-${i}" name="scope" value="${escapeHtml(scope)}" checked>
  <span>${escapeHtml(SCOPE_DESCRIPTIONS[scope])}<code>${escapeHtml(scope)}</code></span></label></li>`,
            )
            .join('\n');
          send(
            res,
            200,
            page(
              'consent',
              'Consent',
              `<h1>${escapeHtml(clientName)} wants access to your Google Account</h1>
<div class="who">${escapeHtml(user.login)}</div>
<p class="sub">Select what <strong>${escapeHtml(clientName)}</strong> can access</p>
<form id="consent-form" method="post" action="${base}/consent">
  <ul class="scopes">${items}</ul>
  <div class="actions">
    <button type="submit" id="deny" name="action" value="deny" class="secondary">Deny</button>
    <button type="submit" id="allow" name="action" value="allow" class="primary">Allow</button>
  </div>
</form>
<p class="fine">Unticked permissions are not granted. You can revoke access at any time.</p>`,
            ),
          );
          return;
        }
        default:
          send(res, 400, page('error', 'Error', `<h1>Unsupported prompt ${escapeHtml(details.prompt.name)}</h1>`));
          return;
      }
    }

    if (req.method !== 'POST') {
      res.statusCode = 405;
      res.end();
      return;
    }
    const form = await readForm(req);

    if (action === 'login' && details.prompt.name === 'login') {
      const who = users.find((u) => u.login === form.get('login'));
      if (!who || form.get('password') !== who.password) {
        send(res, 200, loginPage('Wrong email or password. Try again.'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: who.sub } }, { mergeWithLastSubmission: false });
      return;
    }
    if (action === 'select' && details.prompt.name === 'select_account') {
      await provider.interactionFinished(req, res, { select_account: {} }, { mergeWithLastSubmission: true });
      return;
    }
    if (action === 'consent' && details.prompt.name === 'consent') {
      if (form.get('action') !== 'allow') {
        await provider.interactionFinished(
          req,
          res,
          {
            error: 'access_denied',
            error_description: 'The user denied access to the requested scopes.',
          },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      const ticked = new Set(form.getAll('scope').filter((s) => requested.includes(s)));
      if (ticked.size === 0) {
        await provider.interactionFinished(
          req,
          res,
          {
            error: 'access_denied',
            error_description: 'The user did not grant any of the requested scopes.',
          },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      const accountId = details.session?.accountId;
      if (!accountId) {
        send(res, 400, page('error', 'Error', '<h1>Not signed in</h1>'));
        return;
      }
      // A fresh grant holding exactly what was ticked this time (prompt=consent re-asks anyway).
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id ?? '' });
      grant.addOIDCScope([...ticked].join(' '));
      const rejected = requested.filter((s) => !ticked.has(s));
      if (rejected.length > 0) grant.rejectOIDCScope(rejected.join(' '));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    send(res, 400, page('error', 'Error', '<h1>Unexpected form submission</h1>'));
  }

  handler = (req, res) => {
    if ((req.url ?? '').startsWith('/interaction/')) {
      interactions(req, res).catch(() => {
        if (!res.headersSent) send(res, 500, page('error', 'Error', '<h1>Something went wrong</h1>'));
        else res.destroy();
      });
      return;
    }
    providerCallback(req, res);
  };

  function clientSecrets(kind: 'installed' | 'web'): object {
    const c = kind === 'installed' ? installed : web;
    return {
      [kind]: {
        client_id: c.client_id,
        project_id: 'ads-oauth-test',
        auth_uri: authUri,
        token_uri: tokenUri,
        auth_provider_x509_cert_url: `${issuer}${routes.jwks}`,
        client_secret: c.client_secret,
        redirect_uris: kind === 'installed' ? ['http://localhost'] : [...web.redirect_uris],
      },
    };
  }

  let closed: Promise<void> | undefined;
  return {
    issuer,
    authUri,
    tokenUri,
    revokeUri,
    user: { login: user.login, password: user.password },
    users: users.map((u) => ({ ...u })),
    refreshGrants: () => refreshGrants,
    installed: { ...installed },
    web: { ...web, redirect_uris: [...web.redirect_uris] },
    clientSecrets,
    setUserClaims(overrides) {
      claimOverrides = { ...overrides };
    },
    async writeClientFile(kind, dir) {
      const c = kind === 'installed' ? installed : web;
      const path = join(dir, `client_secret_${c.client_id}.json`);
      await writeFile(path, `${JSON.stringify(clientSecrets(kind), null, 2)}\n`, { mode: 0o600 });
      await chmod(path, 0o600);
      return path;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
