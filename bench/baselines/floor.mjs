// The floor of the serve bench: a node:http server that does only what no server can avoid —
// /connect redirects to the provider with a state in a cookie, /oauth2callback checks the state,
// exchanges the code (one POST on a keep-alive agent) and answers "Connected as <email>"; no
// store, no ID-token validation, no framework. What the provider and the driver cost.
// Usage: node bench/baselines/floor.mjs CLIENT.json PUBLIC_URL   (prints {"port":…} when listening)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';

const client = JSON.parse(readFileSync(process.argv[2], 'utf8')).web;
const publicUrl = new URL(process.argv[3]);
const redirectUri = `${publicUrl.origin}/oauth2callback`;
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const pending = new Map();
const SCOPE = 'https://www.googleapis.com/auth/adwords openid email';

function exchange(code) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: client.client_id,
    client_secret: client.client_secret,
  }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      client.token_uri,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          accept: 'application/json',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`token endpoint ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const server = createServer((req, res) => {
  const url = new URL(req.url, publicUrl);
  if (url.pathname === '/connect') {
    const state = randomBytes(16).toString('base64url');
    pending.set(state, true);
    const auth = new URL(client.auth_uri);
    auth.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: SCOPE,
      state,
      access_type: 'offline',
    }).toString();
    res.writeHead(302, {
      Location: auth.href,
      'Set-Cookie': `floor_state=${state}; Path=/oauth2callback; HttpOnly; SameSite=Lax`,
      'Content-Length': 0,
    });
    res.end();
    return;
  }
  if (url.pathname === '/oauth2callback') {
    const state = url.searchParams.get('state');
    const cookie = /(?:^|;\s*)floor_state=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (!state || state !== cookie || !pending.delete(state)) {
      res.writeHead(400, { 'Content-Length': 9 }).end('bad state');
      return;
    }
    exchange(url.searchParams.get('code')).then(
      (tokens) => {
        const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString());
        const body = `<!doctype html><p>Connected as ${claims.email}.</p>`;
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Length': Buffer.byteLength(body),
          'Set-Cookie': 'floor_state=; Path=/oauth2callback; Max-Age=0',
        });
        res.end(body);
      },
      (error) => res.writeHead(502).end(String(error.message)),
    );
    return;
  }
  res.writeHead(404, { 'Content-Length': 9 }).end('not found');
});
server.listen(Number(publicUrl.port), '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('SIGTERM', () => process.exit(0));
