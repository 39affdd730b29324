// The least a Node program can do for the loopback flow, no dependencies: read the client file,
// listen on 127.0.0.1:0, print the consent URL (PKCE S256 + state), take the callback, one
// node:http token POST, print the refresh token, answer the browser, exit.
// Usage: node bench/baselines/minimal-flow.mjs CLIENT_SECRETS.json
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';

const file = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const client = file.installed ?? file.web;
const verifier = randomBytes(32).toString('base64url');
const state = randomBytes(32).toString('base64url');
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.searchParams.get('state') !== state || !url.searchParams.get('code')) {
    res.writeHead(400).end('bad callback');
    return;
  }
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: url.searchParams.get('code'),
    code_verifier: verifier,
    redirect_uri: redirectUri,
    client_id: client.client_id,
    client_secret: client.client_secret,
  }).toString();
  const post = request(
    client.token_uri,
    { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
    (tokenRes) => {
      let text = '';
      tokenRes.setEncoding('utf8');
      tokenRes.on('data', (c) => (text += c));
      tokenRes.on('end', () => {
        const tokens = JSON.parse(text);
        const ok = tokenRes.statusCode === 200 && typeof tokens.refresh_token === 'string';
        res.writeHead(ok ? 200 : 502, { 'content-type': 'text/html', connection: 'close' });
        res.end(ok ? 'Done. You can close this tab.' : 'Failed.', () => {
          if (ok) process.stdout.write(`Your refresh token is: ${tokens.refresh_token}\n`);
          else process.stderr.write(`token endpoint: ${tokenRes.statusCode}\n`);
          process.exit(ok ? 0 : 1);
        });
      });
    },
  );
  post.on('error', (e) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
  post.end(body);
});
let redirectUri = '';
server.listen(0, '127.0.0.1', () => {
  redirectUri = `http://127.0.0.1:${server.address().port}/`;
  const auth = new URL(client.auth_uri);
  const q = auth.searchParams;
  q.set('client_id', client.client_id);
  q.set('redirect_uri', redirectUri);
  q.set('response_type', 'code');
  q.set('scope', 'https://www.googleapis.com/auth/adwords');
  q.set('access_type', 'offline');
  q.set('prompt', 'consent');
  q.set('state', state);
  q.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
  q.set('code_challenge_method', 'S256');
  process.stderr.write(`Paste this URL in your browser:\n\n${auth.href}\n\n`);
});
