import { AdsOAuthError } from '../../errors.js';
import { defineCommand, type ArgsDef, type ParsedArgs } from '../command.js';
import { exitCodesSection } from '../common-args.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';

const DATABASE_ARG = {
  type: 'string',
  value: 'PATH|URL',
  description: 'SQLite file (default ads-oauth.sqlite) or a postgres:// URL.',
} as const;
const JSON_ARG = { type: 'boolean', description: 'Print JSON.' } as const;
const CLIENT_ARG = { type: 'string', value: 'PATH', description: 'The "web" OAuth client JSON.' } as const;

const serveArgs = {
  'client-secrets-path': CLIENT_ARG,
  'public-url': {
    type: 'string',
    value: 'URL',
    description: 'The public URL (https, or http on loopback); the redirect URI is <URL>/oauth2callback.',
  },
  listen: { type: 'string', value: 'HOST:PORT', description: 'Where to listen (default 127.0.0.1:8080).' },
  database: DATABASE_ARG,
  admin: {
    type: 'list',
    value: 'EMAIL',
    description:
      'May sign in at /admin (repeatable; a verified email of the provider, compared case-insensitively). Without it /admin lets nobody in.',
  },
  issuer: {
    type: 'string',
    value: 'URL',
    description: "Discover the provider at this issuer instead of the authorization endpoint's origin.",
  },
} as const satisfies ArgsDef;

/** The arguments of the management subcommands. */
const manageArgs = { database: DATABASE_ARG, json: JSON_ARG, 'client-secrets-path': CLIENT_ARG } as const satisfies ArgsDef;
type ManageArgs = ParsedArgs<typeof manageArgs> & { name?: string | undefined; id?: string | undefined };

const apiKey = defineCommand({
  meta: { name: 'api-key', description: 'Creates, lists and revokes the API keys of the token broker API.' },
  args: {},
  subCommands: {
    create: defineCommand({
      meta: { name: 'create', description: 'Creates an API key and prints it once (only a hash is stored).' },
      args: { name: { type: 'string', value: 'NAME', description: 'A name for the key.' }, ...manageArgs },
      run: (args, ctx) => manage('create', args, ctx),
    }),
    list: defineCommand({
      meta: { name: 'list', description: 'Lists the API keys (never the keys themselves).' },
      args: manageArgs,
      run: (args, ctx) => manage('list', args, ctx),
    }),
    revoke: defineCommand({
      meta: {
        name: 'revoke',
        description:
          'Revokes an API key. A running serve stops taking it within a second (it takes a key it has verified on trust for that long).',
      },
      args: {
        id: {
          type: 'positional',
          value: 'ID',
          required: 'api-key revoke needs the key id.',
          description: 'The id of the key (see api-key list).',
        },
        ...manageArgs,
      },
      run: (args, ctx) => manage('revoke', args, ctx),
    }),
  },
});

const rotateKeys = defineCommand({
  meta: { name: 'rotate-keys', description: 'Re-encrypts every stored refresh token under the current key of ADS_OAUTH_ENCRYPTION_KEYS.' },
  args: manageArgs,
  run: (args, ctx) => manage('rotate-keys', args, ctx),
});

/** `ads-oauth serve` and its management subcommands. */
export const serve = defineCommand({
  meta: {
    name: 'serve',
    usage: [
      '--client_secrets_path web.json --public-url URL [--listen HOST:PORT] [--database PATH|postgres://…] [--admin EMAIL]… [--issuer URL]',
      'api-key create [--name NAME] | api-key list | api-key revoke ID [--database …] [--json]',
      'rotate-keys [--database …] [--json]',
    ],
    description: `Runs the web-application flow as a multi-user server with a token broker API.

Encryption keys come from ADS_OAUTH_ENCRYPTION_KEYS. Admins (--admin) sign in at <public-url>/admin. Endpoint overrides, as for verify and revoke: ADS_OAUTH_TOKEN_URI (code exchange and refresh), ADS_OAUTH_REVOKE_URI (default: the discovered revocation endpoint), ADS_OAUTH_TOKENINFO_URI, GOOGLE_ADS_API_ENDPOINT. ADS_OAUTH_RATE_LIMIT: requests per client IP per minute on /connect, /oauth2callback and the admin sign-in (default 60). Behind a proxy: HTTPS_PROXY (http://[user:password@]host:port) and NO_PROXY, as for every command.

At start-up serve checks that ADS_OAUTH_ENCRYPTION_KEYS opens the stored accounts: keys that open none of them are refused (exit 3).`,
    sections: [exitCodesSection()],
  },
  args: serveArgs,
  subCommands: { 'api-key': apiKey, 'rotate-keys': rotateKeys },
  run: (args, ctx) => runServe(args, ctx),
});

async function openStore(ctx: CliContext, database: string | undefined, clientId: string) {
  const { openAccountStore, parseKeyring } = await import('../../stores/accounts/index.js');
  const keyring = parseKeyring(ctx.env['ADS_OAUTH_ENCRYPTION_KEYS']);
  const store = await openAccountStore({ database: database ?? `${ctx.cwd}/ads-oauth.sqlite`, keyring, clientId });
  await store.migrate();
  return store;
}

/**
 * At start-up, before anyone connects: does ADS_OAUTH_ENCRYPTION_KEYS open the stored refresh
 * tokens ({@link AccountStore.checkKeys})? A keyring that opens none of them (a wrong key, or the
 * right key under a new id) is refused: otherwise serve would start and fail every token request
 * and every verify, one by one. A key id that is missing, or whose sample opens none while other
 * ids open theirs, is a warning: those accounts fail until the key is back, the others work.
 */
async function checkStoredKeys(store: import('../../stores/accounts/types.js').AccountStore, ctx: CliContext): Promise<void> {
  const check = await store.checkKeys();
  const problems = check.kids.filter((k) => !k.inKeyring || (k.sampled > 0 && k.opened === 0));
  if (problems.length === 0) return;
  const plural = (n: number) => `${n} account${n === 1 ? '' : 's'}`;
  const describe = (k: (typeof problems)[number]) =>
    k.inKeyring
      ? `key id "${k.kid}" opens none of the ${k.sampled} most recently updated of its ${plural(k.accounts)} (the key under that id is not the one that encrypted them)`
      : `key id "${k.kid}", which ${plural(k.accounts)} use, is not in ADS_OAUTH_ENCRYPTION_KEYS`;
  if (!check.kids.some((k) => k.opened > 0)) {
    const first = problems[0]!;
    throw new AdsOAuthError(
      'DECRYPT',
      `ADS_OAUTH_ENCRYPTION_KEYS does not open the stored accounts: ${problems.map(describe).join('; ')}. Start serve with the keys the database was written with (the current one first, older ones after it). serve did not start.`,
      { details: { kid: first.kid, kind: 'refresh_token', reason: first.inKeyring ? 'authentication_failed' : 'unknown_kid' } },
    );
  }
  for (const k of problems) {
    ctx.err(
      `Warning: ${describe(k)}: their token requests fail until that key is back in ADS_OAUTH_ENCRYPTION_KEYS (after the current one); then \`ads-oauth serve rotate-keys\` moves them to the current key.`,
    );
  }
}

async function runServe(flags: ParsedArgs<typeof serveArgs>, ctx: CliContext): Promise<number> {
  const clientPath = flags.clientSecretsPath;
  const publicUrlText = flags.publicUrl;
  if (!clientPath || !publicUrlText) throw new AdsOAuthError('USAGE', 'serve needs --client_secrets_path and --public-url.');
  const admins = flags.admin;
  const badAdmin = admins.find((email) => !/^[^\s@]+@[^\s@]+$/.test(email.trim()));
  if (badAdmin !== undefined) throw new AdsOAuthError('USAGE', `--admin needs an email address, not "${badAdmin}".`);
  const publicUrl = new URL(publicUrlText);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(publicUrl.hostname);
  if (publicUrl.protocol !== 'https:' && !(publicUrl.protocol === 'http:' && loopback)) {
    throw new AdsOAuthError('INSECURE_ENDPOINT', `--public-url must be https (http only on a loopback host): ${publicUrl.href}`);
  }
  const { readClientSecretsFile } = await import('../../stores/client-secrets.js');
  const { defineClient } = await import('../../protocol/client-file.js');
  const fileClient = await readClientSecretsFile(clientPath);
  const tokenOverride = ctx.env['ADS_OAUTH_TOKEN_URI'];
  const client = tokenOverride ? defineClient({ ...fileClient, tokenUri: tokenOverride, source: fileClient.source }) : fileClient;
  if (client.kind !== 'web') {
    throw new AdsOAuthError(
      'CLIENT_FILE',
      `${clientPath} is an "installed" (Desktop app) client; serve needs a "Web application" client, whose redirect URIs a server can receive.`,
    );
  }
  const redirectUri = `${publicUrl.href.replace(/\/+$/, '')}/oauth2callback`;
  if (!client.redirectUris.includes(redirectUri)) {
    throw new AdsOAuthError(
      'NO_REDIRECT_URI',
      `The client's redirect URIs do not include ${redirectUri}. Add exactly this URI to the client's "Authorized redirect URIs" in the Cloud console, download the JSON again, and restart.`,
    );
  }
  const env = ctx.env;
  const store = await openStore(ctx, flags.database, client.clientId);
  try {
    await checkStoredKeys(store, ctx);
  } catch (error) {
    await store.close();
    throw error;
  }

  const [
    { discoverConfiguration },
    { createWebFlow },
    { createTokenBroker },
    { refreshAccessToken, revokeToken },
    { createServeApp },
    { diagnoseRefreshError },
    { createBatchedLogStream },
  ] = await Promise.all([
    import('../../protocol/config.js'),
    import('../../flows/web.js'),
    import('../../broker/index.js'),
    import('../../protocol/tokens.js'),
    import('../../server/serve/app.js'),
    import('../../lifecycle/diagnosis.js'),
    import('../../server/serve/log-stream.js'),
  ]);
  const { issuer } = flags;
  // The endpoint overrides of the lifecycle commands (token, revocation, tokeninfo, Ads API) apply
  // here too: the broker's refresh, DELETE's revocation and the verify of /admin and the API.
  const { resolveCliEndpoints } = await import('../credentials.js');
  // Provider calls (exchange, refresh, revocation, tokeninfo) over kept-alive node:http(s) sockets:
  // the global fetch cost about 1 ms of CPU per authorization (issue 9).
  const [{ createPooledFetch }, { proxySettingsFromEnv }] = await Promise.all([
    import('../../transport/pooled-fetch.js'),
    import('../../transport/proxy.js'),
  ]);
  // Behind a proxy: HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as the CLI's other commands.
  const fetch = createPooledFetch({ proxy: proxySettingsFromEnv(env) });
  const config = await discoverConfiguration(client, {
    ...(issuer ? { issuer: new URL(issuer) } : {}),
    endpoints: resolveCliEndpoints(env, {}),
    fetch,
  });
  if (!config.server.discovered)
    throw new AdsOAuthError(
      'PROVIDER_RESPONSE',
      `Could not read the provider's discovery document at ${issuer ?? client.authUri.origin}; pass --issuer.`,
    );
  const canRevoke = config.server.as.revocation_endpoint !== undefined;
  const flow = createWebFlow({ config, store, publicUrl });
  const broker = createTokenBroker({
    store,
    refresh: (token, { signal }) => refreshAccessToken(config, token, signal ? { signal } : {}),
    // The lifecycle diagnosis, with its advice ("generate a new refresh token (run …)") said
    // the web way: the user connects the account again.
    diagnose: (error) => {
      const p = diagnoseRefreshError(error);
      const again = `connect the account again at ${publicUrl.href.replace(/\/+$/, '')}/connect`;
      const fix = p.fix.replace(/(g)enerate a new refresh token \(run [^)]*\)/gi, (_m, g: string) =>
        g === 'G' ? again[0]!.toUpperCase() + again.slice(1) : again,
      );
      return [p.summary, p.cause, fix].filter(Boolean).join(' ');
    },
  });
  // One write of the request log per event-loop turn, not one a line.
  const log = createBatchedLogStream(ctx.stdout);
  const app = await createServeApp({
    flow,
    store,
    broker,
    publicUrl,
    config,
    admins,
    revoke: async (token) => {
      if (canRevoke) await revokeToken(config, token, { tokenTypeHint: 'refresh_token' });
    },
    logger: { redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], stream: log },
    ...rateLimitFrom(ctx.env['ADS_OAUTH_RATE_LIMIT']),
  });
  const [host, port] = (() => {
    const listen = flags.listen ?? '127.0.0.1:8080';
    const i = listen.lastIndexOf(':');
    return [listen.slice(0, i).replace(/^\[|\]$/g, ''), Number(listen.slice(i + 1))] as const;
  })();
  // Expired pending authorizations (abandoned connects) and admin sessions are deleted at start-up
  // and every 10 minutes; a failure is retried at the next round.
  await store.purgeExpired().catch(() => undefined);
  const purger = setInterval(() => void store.purgeExpired().catch(() => undefined), 10 * 60_000);
  purger.unref();
  // Open the Postgres pool's connections before the first user needs one (a ping each, at once).
  if (store.kind === 'postgres') {
    const { DEFAULT_POOL_SIZE } = await import('../../stores/accounts/index.js');
    await Promise.all(Array.from({ length: DEFAULT_POOL_SIZE }, () => store.ping().catch(() => undefined)));
  }
  await app.listen({ host, port });
  ctx.err(`ads-oauth serve listening on ${publicUrl.href.replace(/\/+$/, '')} (${store.kind})`);
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(purger);
  await app.close();
  log.flush();
  fetch.close();
  await store.close();
  return ExitCode.OK;
}

async function manage(action: 'create' | 'list' | 'revoke' | 'rotate-keys', args: ManageArgs, ctx: CliContext): Promise<number> {
  const { json } = args;
  // Every ciphertext is bound to the client id: rotate-keys needs the server's client.
  const clientPath = args.clientSecretsPath;
  let clientId = ctx.env['ADS_OAUTH_CLIENT_ID'];
  if (clientPath) clientId = (await (await import('../../stores/client-secrets.js')).readClientSecretsFile(clientPath)).clientId;
  if (!clientId && action === 'rotate-keys')
    throw new AdsOAuthError('USAGE', "rotate-keys needs the server's --client_secrets_path (or ADS_OAUTH_CLIENT_ID).");
  const store = await openStore(ctx, args.database, clientId || 'ads-oauth-serve');
  try {
    if (action === 'rotate-keys') {
      const result = await store.rotateKeys();
      ctx.out(json ? JSON.stringify(result) : `re-encrypted ${result.reencrypted} records`);
    } else if (action === 'create') {
      const { record, key } = await store.createApiKey(args.name ?? null);
      ctx.out(json ? JSON.stringify({ id: record.id, name: record.name, key }) : key);
    } else if (action === 'list') {
      const keys = await store.listApiKeys();
      if (json) ctx.out(JSON.stringify({ api_keys: keys }));
      else for (const k of keys) ctx.out(`${k.id}\t${k.name ?? ''}\t${k.revokedAt ? 'revoked' : 'live'}`);
    } else {
      const id = args.id!;
      if (!(await store.revokeApiKey(id))) throw new AdsOAuthError('NOT_FOUND', `No live API key ${id}.`);
      ctx.out(json ? JSON.stringify({ id, revoked: true }) : `revoked ${id}`);
    }
  } finally {
    await store.close();
  }
  return ExitCode.OK;
}

/** ADS_OAUTH_RATE_LIMIT: a positive whole number of requests per client IP per minute. */
function rateLimitFrom(value: string | undefined): { rateLimit?: { max: number; timeWindowMs: number } } {
  if (value === undefined || value === '') return {};
  if (!/^[1-9]\d{0,8}$/.test(value)) {
    throw new AdsOAuthError(
      'USAGE',
      `ADS_OAUTH_RATE_LIMIT must be a positive whole number of requests per IP per minute, not "${value.slice(0, 20)}".`,
    );
  }
  return { rateLimit: { max: Number(value), timeWindowMs: 60_000 } };
}
