// A relay in front of the Google-like provider's token and revocation endpoints, for pointing
// ADS_OAUTH_TOKEN_URI / ADS_OAUTH_REVOKE_URI at: it records every call (the grant type, the form
// sent and the answer) and can be made to fail (503, or a dropped connection).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GoogleLikeProvider } from './google-like-provider.js';

/** `stall`: the request is read and never answered (a token endpoint that hangs). */
export type RelayMode = 'forward' | 'fail' | 'hangup' | 'stall';

export interface TokenRelay {
  origin: string;
  /** `token:<grant_type>` or `/revoke`, one per call. */
  seen: string[];
  /** Each call's form and the provider's answer body (for tests that look for leaked secrets). */
  exchanges: Array<{ form: URLSearchParams; response: string }>;
  mode: RelayMode;
  close(): Promise<void>;
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startTokenRelay(provider: GoogleLikeProvider): Promise<TokenRelay> {
  const seen: string[] = [];
  const exchanges: TokenRelay['exchanges'] = [];
  let mode: RelayMode = 'forward';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const form = new URLSearchParams(body);
      seen.push(path === '/token' ? `token:${form.get('grant_type')}` : path);
      if (mode === 'hangup') return void req.socket.destroy();
      if (mode === 'stall') return;
      if (mode === 'fail') {
        res.writeHead(503, { 'content-type': 'text/html' });
        return void res.end('<html><body>Service Unavailable</body></html>');
      }
      const upstream = await fetch(path === '/token' ? provider.tokenUri : provider.revokeUri, {
        method: 'POST',
        body,
        headers: {
          'content-type': String(req.headers['content-type']),
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        },
      });
      const text = await upstream.text();
      exchanges.push({ form, response: text });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    exchanges,
    get mode() {
      return mode;
    },
    set mode(value: RelayMode) {
      mode = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
