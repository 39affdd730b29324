// The same as examples/node-http.ts on Express 5: the web flow, the encrypted account store and
// the token broker of ads-oauth in your own app.
//
//   export ADS_OAUTH_ENCRYPTION_KEYS="k1:$(openssl rand -base64 32)"   # keep it: it decrypts the store
//   export APP_SECRET="$(openssl rand -base64 24)"                     # what your services send
//   npx tsx examples/express.ts client_secret_web.json http://127.0.0.1:3000
//
// The client must be a "Web application" client with http://127.0.0.1:3000/oauth2callback among
// its redirect URIs.
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { discoverConfiguration, isAdsOAuthError, readClientSecretsFile, refreshAccessToken } from 'ads-oauth';
import { createTokenBroker, createWebFlow, openAccountStore, parseKeyring, type WebRequest, type WebResponse } from 'ads-oauth/web';

const [clientPath = 'client_secret.json', publicUrl = 'http://127.0.0.1:3000'] = process.argv.slice(2);
const client = await readClientSecretsFile(clientPath);
// The client and the provider's discovered metadata (issuer, JWKS: the ID token is validated).
const config = await discoverConfiguration(client);
const store = await openAccountStore({
  database: process.env['DATABASE'] ?? 'accounts.sqlite', // or a postgres:// URL
  keyring: parseKeyring(process.env['ADS_OAUTH_ENCRYPTION_KEYS']),
  clientId: client.clientId,
});
await store.migrate();
const flow = createWebFlow({ config, store, publicUrl });
const broker = createTokenBroker({
  store,
  refresh: (refreshToken, { signal }) => refreshAccessToken(config, refreshToken, signal ? { signal } : {}),
});

/** The flow is framework-agnostic: it reads method, URL and headers, and answers status and headers. */
const toFlow = (req: Request): WebRequest => ({ method: req.method, url: req.originalUrl, headers: req.headers });
const apply = (res: Response, response: WebResponse, status = response.status) => res.status(status).set(response.headers);

const expected = createHash('sha256').update(`Bearer ${process.env['APP_SECRET']}`).digest();
function requireAppSecret(req: Request, res: Response, next: NextFunction) {
  const given = createHash('sha256')
    .update(req.get('authorization') ?? '')
    .digest();
  if (process.env['APP_SECRET'] && timingSafeEqual(given, expected)) return next();
  res.sendStatus(401);
}

const app = express();
app.get('/', (_req, res) => void res.type('html').send('<a href="/connect">Connect your Google Ads account</a>'));

app.get('/connect', async (req, res) => {
  const { response } = await flow.start(toFlow(req)); // 302 to the provider + the pre-auth cookie
  apply(res, response).end();
});

app.get('/oauth2callback', async (req, res) => {
  const { response, result } = await flow.callback(toFlow(req));
  if (result.ok && result.flow === 'connect') {
    apply(res, response, 200).type('text').send(`Connected as ${result.account.email} (account ${result.account.id}).`);
  } else {
    apply(res, response)
      .type('text')
      .send(`Not connected: ${result.ok ? 'unexpected flow' : result.error.message}`);
  }
});

app.get('/token/:id', requireAppSecret, async (req, res) => {
  const token = await broker.getAccessToken(String(req.params['id']));
  res.set('cache-control', 'no-store').json({ access_token: token.token, expires_at: token.expiresAt.toISOString() });
});

// Express 5 passes rejected promises here. NOT_FOUND, RECONNECT_REQUIRED, PROVIDER_UNAVAILABLE, …
app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
  const code = isAdsOAuthError(error) ? error.code : 'INTERNAL';
  res.status(code === 'NOT_FOUND' ? 404 : code === 'RECONNECT_REQUIRED' ? 409 : 503).json({ error: code.toLowerCase() });
});

const { port, hostname } = new URL(publicUrl);
app.listen(Number(port || 80), hostname.replace(/^\[|\]$/g, ''), () => console.log(`listening on ${publicUrl}`));
