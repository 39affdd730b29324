// An instant-consent OAuth 2.0 / OpenID Connect provider for the benchmarks (no dependencies).
// Run it as its own process: `node bench/lib/provider.mjs [--refresh-delay-ms N] [--code-expires-in S]`; it prints one
// JSON line {"port":…,"issuer":…} on stdout once it listens on 127.0.0.1.
//
// - GET  /.well-known/openid-configuration, /jwks
// - GET  /o/oauth2/auth   → 302 straight to redirect_uri?code&state&iss (the user "consents" at once)
// - POST /token           → authorization_code (PKCE S256, client_secret_post or basic, redirect_uri
//                           checked; an RS256 ID token with iss/aud/exp/nonce when openid was asked)
//                           and refresh_token grants (counted; optionally slow, for the herd test)
// - GET  /stats           → {"exchanges":…, "refreshes":…};  POST /stats/reset
//
// Every authorization gets a new subject, so each completed authorization is a new account: the
// bench counts stored accounts against completed authorizations (none lost, none duplicated).
// Clients: any client_id whose secret is "bench-secret-" + client_id (the bench writes the files).
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const refreshDelayMs = flag('--refresh-delay-ms', 0);
// Lifetime of the access token an authorization-code exchange returns (1: stale at once, for the herd).
const codeExpiresIn = flag('--code-expires-in', 3599);

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = randomBytes(8).toString('hex');
const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
const runId = randomBytes(4).toString('hex');
const codes = new Map();
let subjects = 0;
let exchanges = 0;
let refreshes = 0;
let issuer = '';
let discovery = '';

const b64u = (value) => Buffer.from(value).toString('base64url');
function signJwt(claims) {
  const input = `${b64u(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${b64u(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url');
  return `${input}.${signature}`;
}

function send(res, status, body, headers = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

const oauthError = (res, error, status = 400) => send(res, status, { error });

function clientOf(req, form) {
  let id = form.get('client_id');
  let secret = form.get('client_secret');
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const [u, p] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
    id = decodeURIComponent(u ?? '');
    secret = decodeURIComponent(p ?? '');
  }
  return id && secret === `bench-secret-${id}` ? id : undefined;
}

function token(req, res, body) {
  const form = new URLSearchParams(body);
  const clientId = clientOf(req, form);
  if (!clientId) return oauthError(res, 'invalid_client', 401);
  const grant = form.get('grant_type');
  if (grant === 'authorization_code') {
    const entry = codes.get(form.get('code') ?? '');
    codes.delete(form.get('code') ?? '');
    if (!entry || entry.clientId !== clientId || entry.redirectUri !== form.get('redirect_uri')) return oauthError(res, 'invalid_grant');
    if (entry.challenge) {
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== entry.challenge) return oauthError(res, 'invalid_grant');
    }
    exchanges++;
    const now = Math.floor(Date.now() / 1000);
    const sub = `${runId}-${++subjects}`;
    const result = {
      access_token: `ya29.bench-${randomBytes(12).toString('base64url')}`,
      expires_in: codeExpiresIn,
      refresh_token: `1//bench-${randomBytes(18).toString('base64url')}`,
      scope: entry.scope,
      token_type: 'Bearer',
    };
    if (entry.scope.split(' ').includes('openid')) {
      result.id_token = signJwt({
        iss: issuer,
        aud: clientId,
        azp: clientId,
        sub,
        email: `user${sub}@example.test`,
        email_verified: true,
        iat: now,
        exp: now + 3600,
        ...(entry.nonce ? { nonce: entry.nonce } : {}),
      });
    }
    return send(res, 200, result);
  }
  if (grant === 'refresh_token') {
    refreshes++;
    const answer = () =>
      send(res, 200, {
        access_token: `ya29.bench-${randomBytes(12).toString('base64url')}`,
        expires_in: 3599,
        token_type: 'Bearer',
        scope: 'https://www.googleapis.com/auth/adwords openid email',
      });
    if (refreshDelayMs > 0) setTimeout(answer, refreshDelayMs);
    else answer();
    return undefined;
  }
  return oauthError(res, 'unsupported_grant_type');
}

function authorize(res, url) {
  const q = url.searchParams;
  const redirectUri = q.get('redirect_uri');
  const clientId = q.get('client_id');
  if (!redirectUri || !clientId) return send(res, 400, 'missing redirect_uri or client_id');
  const code = randomBytes(24).toString('base64url');
  codes.set(code, {
    clientId,
    redirectUri,
    challenge: q.get('code_challenge'),
    nonce: q.get('nonce'),
    scope: (q.get('scope') ?? '').split(/[ +]/).filter(Boolean).join(' '),
  });
  if (codes.size > 200_000) codes.delete(codes.keys().next().value); // bounded
  const target = new URL(redirectUri);
  target.searchParams.set('code', code);
  if (q.get('state') !== null) target.searchParams.set('state', q.get('state'));
  target.searchParams.set('iss', issuer);
  target.searchParams.set('scope', q.get('scope') ?? '');
  res.writeHead(302, { Location: target.href, 'Content-Length': 0, 'Cache-Control': 'no-store' });
  res.end();
  return undefined;
}

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  const url = new URL(req.url ?? '/', issuer);
  if (req.method === 'POST') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (url.pathname === '/token') token(req, res, body);
      else if (url.pathname === '/revoke') send(res, 200, '');
      else if (url.pathname === '/stats/reset') {
        exchanges = 0;
        refreshes = 0;
        send(res, 200, { ok: true });
      } else send(res, 404, 'not found');
    });
    return;
  }
  if (url.pathname === '/o/oauth2/auth') return authorize(res, url);
  if (url.pathname === '/.well-known/openid-configuration' || url.pathname === '/.well-known/oauth-authorization-server')
    return send(res, 200, discovery);
  if (url.pathname === '/jwks') return send(res, 200, jwks, { 'Content-Type': 'application/json' });
  if (url.pathname === '/stats') return send(res, 200, { exchanges, refreshes, pendingCodes: codes.size });
  return send(res, 404, 'not found');
});
server.maxRequestsPerSocket = 0;
server.listen(Number(process.env.BENCH_PROVIDER_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  issuer = `http://127.0.0.1:${port}`;
  discovery = JSON.stringify({
    issuer,
    authorization_endpoint: `${issuer}/o/oauth2/auth`,
    token_endpoint: `${issuer}/token`,
    revocation_endpoint: `${issuer}/revoke`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    authorization_response_iss_parameter_supported: true,
    scopes_supported: ['openid', 'email', 'https://www.googleapis.com/auth/adwords'],
  });
  process.stdout.write(`${JSON.stringify({ port, issuer })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
