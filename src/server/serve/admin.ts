/**
 * The admin part of `ads-oauth serve`: sign-in with the same provider through the same
 * `/oauth2callback` (the stored pending state says it is an admin sign-in), allowed only for a
 * verified email on the `--admin` list; server-side sessions (the cookie holds only a random id, the
 * store keeps its hash), a new id at every sign-in, an idle and an absolute expiry, and sign-out; and the
 * admin page: accounts (verify, revoke, delete, download a config), API keys (create, revoke).
 *
 * Every state change is a POST that carries the session's CSRF token and comes from our own
 * origin (Origin and Sec-Fetch-Site are checked as well); GET never changes anything.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdsOAuthError } from '../../errors.js';
import type { TokenBroker } from '../../broker/types.js';
import { readCookie, type WebCallbackResult, type WebFlow } from '../../flows/web.js';
import type { VerifyResult } from '../../lifecycle/verify.js';
import type { AccountStore, AdminSession, ApiKeyRecord, StoredAccount } from '../../stores/accounts/types.js';
import { FORMAT_IDS, type FormatId } from '../../writers/catalog.js';
import { escapeHtml, page, widePage } from './html.js';

export interface AdminContext {
  store: AccountStore;
  broker: TokenBroker;
  flow: WebFlow;
  publicUrl: URL;
  /** The OAuth client (throws when the app was made without one). */
  client: () => { clientId: string; clientSecret: string };
  admins: readonly string[];
  /** Absolute lifetime of a session. */
  sessionTtlMs: number;
  /** Idle timeout: each use moves the expiry to now + this (never past the absolute one). */
  sessionIdleMs: number;
  revoke: (refreshToken: string) => Promise<void>;
  verify: (account: StoredAccount) => Promise<VerifyResult>;
}

export interface AdminRoutes {
  /** Finishes an admin sign-in at `/oauth2callback` (the flow's headers are already applied). */
  signedIn(request: FastifyRequest, reply: FastifyReply, result: WebCallbackResult): Promise<FastifyReply>;
}

/** The file name each client library looks for (a download is named so it can be dropped in place). */
const FILE_NAMES: Record<FormatId, { name: string; type: string; label: string }> = {
  yaml: { name: 'google-ads.yaml', type: 'application/yaml', label: 'google-ads.yaml (Python)' },
  java: { name: 'ads.properties', type: 'text/plain', label: 'ads.properties (Java)' },
  php: { name: 'google_ads_php.ini', type: 'text/plain', label: 'google_ads_php.ini (PHP)' },
  ruby: { name: 'google_ads_config.rb', type: 'text/plain', label: 'google_ads_config.rb' },
  perl: { name: 'googleads.properties', type: 'text/plain', label: 'googleads.properties (Perl)' },
  dotenv: { name: 'google-ads.env', type: 'text/plain', label: '.env' },
  appsettings: { name: 'appsettings.json', type: 'application/json', label: 'appsettings.json (.NET)' },
  appconfig: { name: 'App.config', type: 'application/xml', label: 'App.config (.NET)' },
  adc: { name: 'application_default_credentials.json', type: 'application/json', label: 'ADC JSON (gcloud)' },
};

const CHECK_LABELS: Record<string, string> = {
  refresh: 'Refresh',
  tokeninfo: 'tokeninfo',
  scope: 'Google Ads scope',
  client: 'OAuth client',
  ads_api: 'Google Ads API',
};

const NOTICES: Record<string, string> = {
  revoked: 'The account was revoked at the provider. It stays listed as revoked until it is deleted or connects again.',
  deleted: 'The account was deleted (its refresh token was revoked at the provider first).',
  'key-revoked': 'The API key was revoked; calls with it now answer 401.',
};

function fmtTime(date: Date | null): string {
  if (!date) return '<span class="muted">never</span>';
  const iso = date.toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

function shortScope(scope: string): string {
  const match = /^https:\/\/www\.googleapis\.com\/auth\/(.+)$/.exec(scope);
  return match ? match[1]! : scope;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function registerAdmin(app: FastifyInstance, ctx: AdminContext): AdminRoutes {
  const { store, publicUrl } = ctx;
  const https = publicUrl.protocol === 'https:';
  const basePath = publicUrl.pathname.replace(/\/+$/, '');
  const cookiePath = basePath || '/';
  // `__Host-` pins the cookie to this exact origin (Secure, Path=/, no Domain); with a path prefix
  // only `__Secure-` applies.
  const cookieName = https ? (basePath ? '__Secure-ads_oauth_admin' : '__Host-ads_oauth_admin') : 'ads_oauth_admin';
  const admins = new Set(ctx.admins.map((email) => email.trim().toLowerCase()));
  const url = (path: string) => `${basePath}${path}`;

  // Failures of the admin routes answer a page, not Fastify's JSON; the message is one of ours
  // (secret-free) or a generic one.
  app.setErrorHandler(async (error, request, reply) => {
    const status =
      error instanceof AdsOAuthError
        ? error.code === 'STORE' || error.code === 'NETWORK'
          ? 503
          : error.code === 'NOT_FOUND'
            ? 404
            : 500
        : typeof (error as { statusCode?: unknown }).statusCode === 'number' && (error as { statusCode: number }).statusCode >= 400
          ? (error as { statusCode: number }).statusCode
          : 500;
    if (status >= 500) request.log.error({ err: error }, 'admin request failed');
    const message =
      error instanceof AdsOAuthError && error.code !== 'INTERNAL'
        ? error.message
        : status < 500 && error instanceof Error
          ? error.message
          : 'Something went wrong on the server.';
    return html(
      reply,
      status,
      page(
        'fail',
        status === 429 ? 'Too many requests' : 'Something went wrong',
        [message, 'Reload the admin page to see the current state, then try again.'],
        `<a class="button" href="${escapeHtml(url('/admin'))}">Back to admin</a>`,
      ),
    );
  });

  function sessionCookie(value: string, maxAgeSeconds: number): string {
    return `${cookieName}=${value}; Path=${cookiePath}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${https ? '; Secure' : ''}`;
  }

  function html(reply: FastifyReply, status: number, body: string) {
    return reply.code(status).type('text/html; charset=utf-8').send(body);
  }

  async function currentSession(request: FastifyRequest): Promise<{ id: string; session: AdminSession } | undefined> {
    const id = readCookie(request.headers, cookieName);
    if (!id) return undefined;
    const now = new Date();
    const session = await store.getAdminSession(id, now);
    // A session of an email since removed from --admin is no longer honoured.
    if (!session || !admins.has(session.email.toLowerCase())) return undefined;
    // The absolute lifetime counts from the sign-in; the idle one from the last use.
    const absolute = session.createdAt.getTime() + ctx.sessionTtlMs;
    if (absolute <= now.getTime()) {
      await store.deleteAdminSession(id);
      return undefined;
    }
    await store.touchAdminSession(id, new Date(Math.min(absolute, now.getTime() + ctx.sessionIdleMs)), now);
    return { id, session };
  }

  /** Same-origin form posts only: a foreign Origin or a cross-site fetch is refused before the token is looked at. */
  function fromOurOrigin(request: FastifyRequest): boolean {
    const origin = request.headers['origin'];
    // With Referrer-Policy: no-referrer a browser sends `Origin: null` on form posts; Sec-Fetch-Site still tells.
    if (origin !== undefined && origin !== 'null' && origin !== publicUrl.origin) return false;
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    return true;
  }

  function forbidden(reply: FastifyReply, title: string, text: string) {
    return html(reply, 403, page('fail', title, [text], `<a class="button" href="${escapeHtml(url('/admin'))}">Back to admin</a>`));
  }

  type Body = Record<string, string | undefined>;
  /**
   * The session of a POST whose CSRF token and origin check out, else undefined after answering
   * 403 (nothing changed).
   */
  async function authorizePost(request: FastifyRequest, reply: FastifyReply): Promise<AdminSession | undefined> {
    const current = await currentSession(request);
    if (!current) {
      await forbidden(
        reply,
        'Signed out',
        'Your admin session has ended (or you never signed in). Nothing was changed. Sign in again and repeat the action.',
      );
      return undefined;
    }
    const body = (request.body ?? {}) as Body;
    const token = typeof body['csrf'] === 'string' ? body['csrf'] : '';
    if (!fromOurOrigin(request) || !token || !sameSecret(token, current.session.csrfToken)) {
      await forbidden(
        reply,
        'Request refused',
        'This form did not come from your admin page (its security token is missing or wrong). Nothing was changed. Reload the admin page and try again.',
      );
      return undefined;
    }
    return current.session;
  }

  const csrfField = (session: AdminSession) => `<input type="hidden" name="csrf" value="${escapeHtml(session.csrfToken)}">`;

  function shell(session: AdminSession, title: string, body: string): string {
    const signOut = `<form method="post" action="${escapeHtml(url('/admin/sign-out'))}">${csrfField(session)}<button type="submit">Sign out</button></form>`;
    return widePage(
      title,
      `<header class="bar"><p class="brand">ads-oauth admin</p><div class="actions"><p class="muted">Signed in as <strong>${escapeHtml(session.email)}</strong></p>${signOut}</div></header>${body}`,
    );
  }

  const backLink = `<p><a href="${escapeHtml(url('/admin'))}">← Back to admin</a></p>`;

  function accountRows(session: AdminSession, accounts: readonly StoredAccount[]): string {
    const options = FORMAT_IDS.map((id) => `<option value="${id}">${escapeHtml(FILE_NAMES[id].label)}</option>`).join('');
    return accounts
      .map((a, i) => {
        const name = escapeHtml(a.email ?? a.subject);
        const base = url(`/admin/accounts/${encodeURIComponent(a.id)}`);
        const scopes = a.scopes.map((s) => `<span title="${escapeHtml(s)}">${escapeHtml(shortScope(s))}</span>`).join(', ');
        const reason = a.statusReason ? `<div class="muted">${escapeHtml(a.statusReason)}</div>` : '';
        return `<tr>
<th scope="row">${name}<div class="muted"><code>${escapeHtml(a.id)}</code></div></th>
<td data-label="Scopes">${scopes}</td>
<td data-label="Status"><span class="status status-${escapeHtml(a.status)}">${escapeHtml(a.status.replace('_', ' '))}</span>${reason}</td>
<td data-label="Connected">${fmtTime(a.connectedAt)}</td>
<td data-label="Last refreshed">${fmtTime(a.lastRefreshedAt)}</td>
<td data-label="Actions"><div class="actions">
<form method="post" action="${escapeHtml(base)}/verify">${csrfField(session)}<button type="submit" aria-label="Verify ${name}">Verify</button></form>
${a.status === 'revoked' ? '' : `<form method="post" action="${escapeHtml(base)}/config" class="actions">${csrfField(session)}<label class="sr-only" for="format-${i}">Config format for ${name}</label><select id="format-${i}" name="format">${options}</select><button type="submit" aria-label="Download config for ${name}">Download config</button></form>`}
${a.status === 'revoked' ? '' : `<a class="btn danger" href="${escapeHtml(base)}/revoke" aria-label="Revoke ${name}">Revoke…</a>`}
<a class="btn danger" href="${escapeHtml(base)}/delete" aria-label="Delete ${name}">Delete…</a>
</div></td></tr>`;
      })
      .join('\n');
  }

  function keyRows(session: AdminSession, keys: readonly ApiKeyRecord[]): string {
    return keys
      .map((k) => {
        const label = escapeHtml(k.name ?? '(no name)');
        const action = k.revokedAt
          ? `<span class="muted">revoked ${fmtTime(k.revokedAt)}</span>`
          : `<form method="post" action="${escapeHtml(url(`/admin/api-keys/${encodeURIComponent(k.id)}/revoke`))}">${csrfField(session)}<button type="submit" class="danger" aria-label="Revoke API key ${label}">Revoke key</button></form>`;
        return `<tr><th scope="row">${label}<div class="muted"><code>${escapeHtml(k.id)}</code></div></th><td data-label="Created">${fmtTime(k.createdAt)}</td><td data-label="Last used">${fmtTime(k.lastUsedAt)}</td><td data-label="Status">${k.revokedAt ? '<span class="status status-revoked">revoked</span>' : '<span class="status status-active">live</span>'}</td><td data-label="Action">${action}</td></tr>`;
      })
      .join('\n');
  }

  async function adminPage(session: AdminSession, notice?: string): Promise<string> {
    const [accounts, keys] = await Promise.all([store.listAccounts(), store.listApiKeys()]);
    const accountsHtml = accounts.length
      ? `<table class="cards"><caption class="sr-only">Connected accounts</caption><thead><tr><th scope="col">Account</th><th scope="col">Scopes</th><th scope="col">Status</th><th scope="col">Connected</th><th scope="col">Last refreshed</th><th scope="col">Actions</th></tr></thead><tbody>${accountRows(session, accounts)}</tbody></table>`
      : `<p>No account is connected yet. Users connect at <a href="${escapeHtml(url('/'))}">${escapeHtml(publicUrl.href)}</a>.</p>`;
    const keysHtml = keys.length
      ? `<table class="cards"><caption class="sr-only">API keys</caption><thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th><th scope="col">Action</th></tr></thead><tbody>${keyRows(session, keys)}</tbody></table>`
      : '<p>No API keys yet.</p>';
    const create = `<form method="post" action="${escapeHtml(url('/admin/api-keys'))}" class="field">${csrfField(session)}<label for="key-name">Name of the new key</label><input type="text" id="key-name" name="name" maxlength="100" autocomplete="off" placeholder="e.g. reporting-service"><button type="submit" class="primary">Create API key</button></form>`;
    const noticeHtml = notice ? `<p class="notice" role="status">${escapeHtml(notice)}</p>` : '';
    return shell(
      session,
      'Admin',
      `<h1>Accounts and API keys</h1>${noticeHtml}
<h2 id="accounts">Connected accounts (${accounts.length})</h2>${accountsHtml}
<h2 id="api-keys">API keys</h2><p class="muted">Services call the token broker API with <code>Authorization: Bearer &lt;api key&gt;</code>.</p>${keysHtml}${create}`,
    );
  }

  async function accountOr404(reply: FastifyReply, id: string): Promise<StoredAccount | undefined> {
    const account = await store.getAccount(id);
    if (!account) await html(reply, 404, page('fail', 'No such account', ['It may have been deleted already.'], backLink));
    return account;
  }

  // ---------------------------------------------------------------- sign-in and out

  app.get('/admin', async (request, reply) => {
    const current = await currentSession(request);
    if (!current) return reply.redirect(url('/admin/sign-in'), 302);
    const query = request.query as Record<string, string | undefined>;
    const notice = query['notice'] ? NOTICES[query['notice']] : undefined;
    return html(reply, 200, await adminPage(current.session, notice));
  });

  // Starts an admin sign-in (a pending state in the store, like /connect): identification only.
  app.get('/admin/sign-in', { config: { rateLimit: {} } }, async (request, reply) => {
    const { response } = await ctx.flow.start(
      { method: request.method, url: request.url, headers: request.headers },
      { flow: 'admin', returnTo: '/admin' },
    );
    for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
    const location = new URL(response.location!);
    // "Sign in with another account" after a refusal: the provider's account chooser.
    if ((request.query as Record<string, string | undefined>)['choose'] === 'account')
      location.searchParams.set('prompt', 'select_account');
    return reply.redirect(location.href, 302);
  });

  app.post('/admin/sign-out', async (request, reply) => {
    const session = await authorizePost(request, reply);
    if (!session) return reply;
    await store.deleteAdminSession(readCookie(request.headers, cookieName) ?? '');
    reply.header('set-cookie', sessionCookie('', 0));
    return html(
      reply,
      200,
      page(
        'plain',
        'Signed out',
        ['Your admin session has ended.'],
        `<a class="button" href="${escapeHtml(url('/admin'))}">Sign in again</a>`,
      ),
    );
  });

  async function signedIn(request: FastifyRequest, reply: FastifyReply, result: WebCallbackResult): Promise<FastifyReply> {
    // Whatever happens, a session that came with this browser is ended: no fixation, and a
    // failed or refused sign-in leaves nobody signed in.
    const previous = readCookie(request.headers, cookieName);
    if (previous) {
      await store.deleteAdminSession(previous).catch(() => undefined);
      reply.header('set-cookie', sessionCookie('', 0));
    }
    const retry = `<a class="button" href="${escapeHtml(url('/admin/sign-in'))}">Try again</a>`;
    const another = `<a class="button" href="${escapeHtml(url('/admin/sign-in?choose=account'))}">Sign in with another account</a>`;
    if (!result.ok) {
      return html(reply, reply.statusCode >= 400 ? reply.statusCode : 400, page('fail', 'Not signed in', [result.error.message], retry));
    }
    if (result.flow !== 'admin') throw new AdsOAuthError('INTERNAL', 'Not an admin sign-in.');
    const email = result.email ?? '';
    if (!result.emailVerified || !email) {
      return html(
        reply,
        403,
        page(
          'fail',
          'Not allowed',
          [
            `The provider has not verified the email address ${email || '(none)'} of this Google account, so it cannot sign in as an admin.`,
          ],
          another,
        ),
      );
    }
    if (!admins.has(email.toLowerCase())) {
      return html(
        reply,
        403,
        page(
          'fail',
          'Not allowed',
          [`${email} is not an admin of this server.`, 'An operator can add it with --admin EMAIL when starting ads-oauth serve.'],
          another,
        ),
      );
    }
    const { id } = await store.createAdminSession({ email, ttlMs: Math.min(ctx.sessionIdleMs, ctx.sessionTtlMs) });
    reply.header('set-cookie', sessionCookie(id, Math.floor(ctx.sessionTtlMs / 1000)));
    return reply.code(303).redirect(url(result.returnTo ?? '/admin'), 303);
  }

  // ---------------------------------------------------------------- accounts

  app.post<{ Params: { id: string } }>('/admin/accounts/:id/verify', async (request, reply) => {
    const session = await authorizePost(request, reply);
    if (!session) return reply;
    const account = await accountOr404(reply, request.params.id);
    if (!account) return reply;
    const result = await ctx.verify(account);
    const checks = result.checks
      .map((c) => {
        const state =
          c.status === 'pass'
            ? '<span class="pass">Passed</span>'
            : c.status === 'fail'
              ? '<span class="fail-check">Failed</span>'
              : '<span class="muted">Skipped</span>';
        const summary = c.summary.replace(/^Skipped:\s*/, '');
        return `<li><strong>${escapeHtml(CHECK_LABELS[c.id] ?? c.id)}</strong> — ${state}: ${escapeHtml(summary)}</li>`;
      })
      .join('');
    const problems = result.problems
      .map((p) => {
        const causes =
          p.causes && p.causes.length > 1
            ? `<p>Possible causes, most likely first:</p><ol>${p.causes.map((c) => `<li>${escapeHtml(c.cause)} <em>Fix:</em> ${escapeHtml(c.fix)}</li>`).join('')}</ol>`
            : `<p>${escapeHtml(p.cause)} <em>Fix:</em> ${escapeHtml(p.fix)}</p>`;
        return `<li><strong>${escapeHtml(p.code)}</strong>${p.summary ? `: ${escapeHtml(p.summary)}` : ''}${causes}</li>`;
      })
      .join('');
    const facts = [
      result.scopes.length ? `<li>Scopes: ${escapeHtml(result.scopes.join(' '))}</li>` : '',
      result.expiresAt ? `<li>Fresh access token expires ${escapeHtml(result.expiresAt)}</li>` : '',
      result.customers
        ? `<li>Accessible customers: ${result.customers.length ? escapeHtml(result.customers.join(', ')) : 'none'}</li>`
        : '',
    ].join('');
    const title = result.ok ? 'Verification passed' : 'Verification failed';
    return html(
      reply,
      200,
      shell(
        session,
        title,
        `<h1 class="${result.ok ? 'pass' : 'fail-check'}">${title}</h1><p>Account <strong>${escapeHtml(account.email ?? account.subject)}</strong> (<code>${escapeHtml(account.id)}</code>)</p>
<h2>Checks</h2><ul class="checks">${checks}</ul>${facts ? `<h2>Details</h2><ul>${facts}</ul>` : ''}${problems ? `<h2>Problems</h2><ul>${problems}</ul>` : ''}${backLink}`,
      ),
    );
  });

  function confirmPage(session: AdminSession, account: StoredAccount, action: 'revoke' | 'delete'): string {
    const name = escapeHtml(account.email ?? account.subject);
    const grant =
      'At Google, revoking a token ends the whole grant: every refresh token this Google account gave this app stops working, including copies in downloaded config files and in other servers using the same OAuth client.';
    const text =
      action === 'revoke'
        ? `<p>This revokes the refresh token of <strong>${name}</strong> at the provider.</p><p class="warn">${grant}</p><p>The account stays listed as revoked; the user can connect again later.</p>`
        : `<p>This deletes <strong>${name}</strong> from this server.${account.status === 'revoked' ? '' : ' Its refresh token is revoked at the provider first.'}</p>${account.status === 'revoked' ? '' : `<p class="warn">${grant}</p>`}`;
    const label = action === 'revoke' ? 'Revoke access' : 'Delete account';
    return shell(
      session,
      `${label}?`,
      `<h1>${label}?</h1>${text}<form method="post" action="${escapeHtml(url(`/admin/accounts/${encodeURIComponent(account.id)}/${action}`))}" class="actions">${csrfField(session)}<button type="submit" class="danger">${label}</button><a class="btn" href="${escapeHtml(url('/admin'))}">Cancel</a></form>`,
    );
  }

  for (const action of ['revoke', 'delete'] as const) {
    // The confirmation page (GET: changes nothing).
    app.get<{ Params: { id: string } }>(`/admin/accounts/:id/${action}`, async (request, reply) => {
      const current = await currentSession(request);
      if (!current) return reply.redirect(url('/admin/sign-in'), 302);
      const account = await accountOr404(reply, request.params.id);
      if (!account) return reply;
      return html(reply, 200, confirmPage(current.session, account, action));
    });
    app.post<{ Params: { id: string } }>(`/admin/accounts/:id/${action}`, async (request, reply) => {
      const session = await authorizePost(request, reply);
      if (!session) return reply;
      const account = await accountOr404(reply, request.params.id);
      if (!account) return reply;
      const refreshToken = await store.getRefreshToken(account.id);
      if (refreshToken && account.status !== 'revoked') {
        try {
          await ctx.revoke(refreshToken);
        } catch (error) {
          const message = error instanceof AdsOAuthError ? error.message : 'The provider could not be reached.';
          return html(
            reply,
            502,
            page(
              'fail',
              'Not revoked',
              [`The provider did not confirm the revocation, so nothing was changed: ${message}`, 'Try again in a minute.'],
              backLink,
            ),
          );
        }
      }
      if (action === 'revoke') await store.setStatus(account.id, 'revoked', `Revoked by admin ${session.email}.`);
      else await store.deleteAccount(account.id);
      ctx.broker.forget(account.id);
      return reply.redirect(url(`/admin?notice=${action === 'revoke' ? 'revoked' : 'deleted'}`), 303);
    });
  }

  // The config file holds the refresh token: POST with the CSRF token, an attachment, never cached.
  app.post<{ Params: { id: string } }>('/admin/accounts/:id/config', async (request, reply) => {
    const session = await authorizePost(request, reply);
    if (!session) return reply;
    const account = await accountOr404(reply, request.params.id);
    if (!account) return reply;
    const format = String(((request.body ?? {}) as Body)['format'] ?? '');
    if (!(FORMAT_IDS as readonly string[]).includes(format)) {
      return html(reply, 400, page('fail', 'Unknown format', [`Choose one of: ${FORMAT_IDS.join(', ')}.`], backLink));
    }
    const refreshToken = await store.getRefreshToken(account.id);
    if (!refreshToken) return html(reply, 404, page('fail', 'No such account', ['It may have been deleted already.'], backLink));
    const { renderSnippet } = await import('../../writers/index.js');
    const client = ctx.client();
    const text = renderSnippet(format as FormatId, { clientId: client.clientId, clientSecret: client.clientSecret, refreshToken });
    const file = FILE_NAMES[format as FormatId];
    return reply
      .code(200)
      .header('Content-Type', `${file.type}; charset=utf-8`)
      .header('Content-Disposition', `attachment; filename="${file.name}"`)
      .header('Cache-Control', 'no-store')
      .send(text);
  });

  // ---------------------------------------------------------------- API keys

  app.post('/admin/api-keys', async (request, reply) => {
    const session = await authorizePost(request, reply);
    if (!session) return reply;
    const name =
      String(((request.body ?? {}) as Body)['name'] ?? '')
        .trim()
        .slice(0, 100) || null;
    const { record, key } = await store.createApiKey(name);
    return html(
      reply,
      200,
      shell(
        session,
        'API key created',
        `<h1 class="pass">API key created</h1><p>Key <strong>${escapeHtml(record.name ?? '(no name)')}</strong> (<code>${escapeHtml(record.id)}</code>):</p>
<code class="secret" id="api-key">${escapeHtml(key)}</code><p class="warn">Copy it now: it is shown only this once. Only a hash of it is stored.</p>${backLink}`,
      ),
    );
  });

  app.post<{ Params: { id: string } }>('/admin/api-keys/:id/revoke', async (request, reply) => {
    const session = await authorizePost(request, reply);
    if (!session) return reply;
    if (!(await store.revokeApiKey(request.params.id))) {
      return html(reply, 404, page('fail', 'No such API key', ['It may have been revoked already.'], backLink));
    }
    return reply.redirect(url('/admin?notice=key-revoked'), 303);
  });

  return { signedIn };
}
