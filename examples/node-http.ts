// The web flow, the encrypted account store and the token broker of ads-oauth in your own
// node:http server: /connect sends the user to Google, /oauth2callback stores their account,
// GET /token/<account id> hands your services a fresh access token.
//
//   export ADS_OAUTH_ENCRYPTION_KEYS="k1:$(openssl rand -base64 32)"   # keep it: it decrypts the store
//   export APP_SECRET="$(openssl rand -base64 24)"                     # what your services send
//   npx tsx examples/node-http.ts client_secret_web.json http://127.0.0.1:3000
//
// The client must be a "Web application" client with http://127.0.0.1:3000/oauth2callback among
// its redirect URIs.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { discoverConfiguration, isAdsOAuthError, readClientSecretsFile, refreshAccessToken } from 'ads-oauth';
import { createTokenBroker, createWebFlow, openAccountStore, parseKeyring } from 'ads-oauth/web';

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

// Your services authenticate with APP_SECRET (hashes compared in constant time).
const expected = createHash('sha256').update(`Bearer ${process.env['APP_SECRET']}`).digest();
const authorized = (header: string | undefined): boolean =>
  !!process.env['APP_SECRET'] &&
  timingSafeEqual(
    createHash('sha256')
      .update(header ?? '')
      .digest(),
    expected,
  );

const http = createServer(async (req, res) => {
  const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
  const path = new URL(request.url, publicUrl).pathname;
  try {
    if (path === '/connect') {
      // 302 to the provider, with a pre-auth cookie that binds the state to this browser.
      const { response } = await flow.start(request);
      res.writeHead(response.status, response.headers).end();
    } else if (path === '/oauth2callback') {
      // Checks state + cookie, iss, exchanges the code, validates the ID token, stores the account.
      const { response, result } = await flow.callback(request);
      const text =
        result.ok && result.flow === 'connect'
          ? `Connected as ${result.account.email} (account ${result.account.id}).`
          : `Not connected: ${result.ok ? 'unexpected flow' : result.error.message}`;
      res.writeHead(result.ok ? 200 : response.status, { ...response.headers, 'content-type': 'text/plain; charset=utf-8' }).end(text);
    } else if (path.startsWith('/token/') && req.method === 'GET') {
      if (!authorized(req.headers.authorization)) return void res.writeHead(401).end();
      const token = await broker.getAccessToken(decodeURIComponent(path.slice('/token/'.length)));
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ access_token: token.token, expires_at: token.expiresAt.toISOString() }));
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<a href="/connect">Connect your Google Ads account</a>');
    }
  } catch (error) {
    // NOT_FOUND, RECONNECT_REQUIRED, PROVIDER_UNAVAILABLE, …: the message never holds a secret.
    const code = isAdsOAuthError(error) ? error.code : 'INTERNAL';
    res.writeHead(code === 'NOT_FOUND' ? 404 : code === 'RECONNECT_REQUIRED' ? 409 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: code.toLowerCase() }));
  }
});
const { port, hostname } = new URL(publicUrl);
http.listen(Number(port || 80), hostname.replace(/^\[|\]$/g, ''), () => console.log(`listening on ${publicUrl}`));
