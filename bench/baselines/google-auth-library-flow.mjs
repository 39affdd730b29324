// The same loopback flow with google-auth-library's OAuth2Client (devDependency ^10): node:http
// listener, generateAuthUrl with PKCE, getToken, exit. What a Node developer would write.
// Usage: node bench/baselines/google-auth-library-flow.mjs CLIENT_SECRETS.json
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { OAuth2Client } from 'google-auth-library';

const file = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const c = file.installed ?? file.web;
const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.searchParams.get('state') !== state || !url.searchParams.get('code')) {
    res.writeHead(400).end('bad callback');
    return;
  }
  try {
    const { tokens } = await client.getToken({ code: url.searchParams.get('code'), codeVerifier: codes.codeVerifier });
    res.writeHead(200, { 'content-type': 'text/html', connection: 'close' });
    res.end('Done. You can close this tab.', () => {
      process.stdout.write(`Your refresh token is: ${tokens.refresh_token}\n`);
      process.exit(0);
    });
  } catch (error) {
    res.writeHead(502).end('Failed.');
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
});
let client;
let codes;
let state;
server.listen(0, '127.0.0.1', async () => {
  const redirectUri = `http://127.0.0.1:${server.address().port}/`;
  client = new OAuth2Client({
    clientId: c.client_id,
    clientSecret: c.client_secret,
    redirectUri,
    endpoints: { oauth2AuthBaseUrl: c.auth_uri, oauth2TokenUrl: c.token_uri },
  });
  codes = await client.generateCodeVerifierAsync();
  state = randomBytes(32).toString('base64url');
  const url = client.generateAuthUrl({
    access_type: 'offline',
    prompt: 'consent',
    scope: ['https://www.googleapis.com/auth/adwords'],
    state,
    code_challenge: codes.codeChallenge,
    code_challenge_method: 'S256',
  });
  process.stderr.write(`Paste this URL in your browser:\n\n${url}\n\n`);
});
