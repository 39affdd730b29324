// The proxy rules (src/transport/proxy.ts) and both transports through a real local proxy: an
// http: URL as an absolute-form request, an https: one through a CONNECT tunnel with TLS to the
// target (src/transport/proxy-agent.ts), pooled tunnels reused by serve's fetch.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpsRequest } from 'node:https';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNodeFetch } from '../../src/transport/node-fetch.js';
import { createPooledFetch } from '../../src/transport/pooled-fetch.js';
import { createTunnelAgent } from '../../src/transport/proxy-agent.js';
import { bypassesProxy, parseProxy, proxyFor, proxySettingsFromEnv } from '../../src/transport/proxy.js';

describe('proxy rules', () => {
  it('reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY, the lower-case one first; HTTP_PROXY not under CGI', () => {
    assert.deepEqual(proxySettingsFromEnv({ HTTPS_PROXY: 'http://a:1', https_proxy: 'http://b:2', NO_PROXY: 'x' }), {
      httpsProxy: 'http://b:2',
      httpProxy: undefined,
      noProxy: 'x',
    });
    assert.equal(proxySettingsFromEnv({ HTTP_PROXY: 'http://evil:1', REQUEST_METHOD: 'GET' }).httpProxy, undefined);
    assert.equal(proxySettingsFromEnv({ http_proxy: 'http://ok:1', REQUEST_METHOD: 'GET' }).httpProxy, 'http://ok:1');
    assert.deepEqual(proxySettingsFromEnv({ HTTPS_PROXY: '  ' }), { httpsProxy: undefined, httpProxy: undefined, noProxy: undefined });
  });

  it('parses a proxy: scheme-less means http, port 80 by default, credentials as Basic, never in the origin', () => {
    assert.deepEqual(parseProxy('proxy.example.com:3128'), {
      host: 'proxy.example.com',
      port: 3128,
      origin: 'http://proxy.example.com:3128',
    });
    assert.deepEqual(parseProxy('http://proxy'), { host: 'proxy', port: 80, origin: 'http://proxy:80' });
    const withAuth = parseProxy('http://us%40er:p%3Ass@[::1]:8080');
    assert.equal(withAuth.host, '::1');
    assert.equal(withAuth.origin, 'http://[::1]:8080');
    assert.equal(withAuth.authorization, `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    assert.throws(() => parseProxy('https://proxy:443'), /https:\/\/ proxy; ads-oauth speaks to http:\/\/ proxies only/);
    assert.throws(() => parseProxy('socks5://proxy:1080', 'HTTP_PROXY'), /HTTP_PROXY names a socks5:\/\/ proxy/);
    assert.throws(() => parseProxy('http://'), /not a proxy URL|no proxy host/);
  });

  it('loopback hosts are always direct; NO_PROXY hosts, suffixes, ports, IPs and CIDR ranges too', () => {
    const cases: Array<[string, number, string | undefined, boolean]> = [
      ['localhost', 443, undefined, true],
      ['app.localhost', 443, undefined, true],
      ['127.8.9.1', 443, undefined, true],
      ['::1', 443, undefined, true],
      ['oauth2.googleapis.com', 443, undefined, false],
      ['oauth2.googleapis.com', 443, '*', true],
      ['oauth2.googleapis.com', 443, 'googleapis.com', true],
      ['googleapis.com', 443, 'googleapis.com', true],
      ['notgoogleapis.com', 443, 'googleapis.com', false],
      ['oauth2.googleapis.com', 443, '.googleapis.com', true],
      ['googleapis.com', 443, '.googleapis.com', false],
      ['oauth2.googleapis.com', 443, '*.googleapis.com', true],
      ['oauth2.googleapis.com', 443, 'example.com, OAUTH2.googleapis.com ', true],
      ['oauth2.googleapis.com', 443, 'oauth2.googleapis.com:8443', false],
      ['oauth2.googleapis.com', 8443, 'oauth2.googleapis.com:8443', true],
      ['10.1.2.3', 443, '10.0.0.0/8', true],
      ['11.1.2.3', 443, '10.0.0.0/8', false],
      ['10.1.2.3', 443, '10.1.2.3', true],
      ['fd00::5', 443, 'fd00::/8', true],
      ['fd00::5', 443, '[fd00::5]:443', true],
      ['10.1.2.3', 443, '10.0.0.0/99', false],
    ];
    for (const [host, port, noProxy, direct] of cases) {
      assert.equal(bypassesProxy(host, port, noProxy), direct, `${host}:${port} with NO_PROXY=${noProxy}`);
    }
  });

  it('picks the proxy by scheme: https: URLs HTTPS_PROXY, http: URLs HTTP_PROXY', () => {
    const settings = { httpsProxy: 'http://s:1', httpProxy: 'http://p:2' };
    assert.equal(proxyFor(new URL('https://oauth2.googleapis.com/token'), settings)?.origin, 'http://s:1');
    assert.equal(proxyFor(new URL('http://example.com/'), settings)?.origin, 'http://p:2');
    assert.equal(proxyFor(new URL('http://example.com/'), { httpsProxy: 'http://s:1' }), undefined);
    assert.equal(proxyFor(new URL('https://127.0.0.1:8443/'), settings), undefined);
    assert.equal(proxyFor(new URL('https://[::1]/'), settings), undefined);
    assert.equal(proxyFor(new URL('https://oauth2.googleapis.com/'), undefined), undefined);
  });
});

describe('the transports through a local proxy', () => {
  let dir: string;
  let ca: Buffer;
  let front: Server;
  let proxy: Server;
  let frontPort: number;
  let proxyPort: number;
  const tunnels: string[] = [];
  const forwarded: Array<{ url: string; host: string | undefined; auth: string | undefined }> = [];
  const sockets = new Set<Socket>();
  const listen = (server: Server) =>
    new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ads-oauth-proxy-unit-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'].concat([
        '-subj',
        '/CN=tokens.proxy.test',
        '-addext',
        'subjectAltName=DNS:tokens.proxy.test',
        '-keyout',
        key,
        '-out',
        cert,
      ]),
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert);
    front = createServer({ key: readFileSync(key), cert: ca }, (req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ over: 'tls', path: req.url, host: req.headers.host }));
    });
    frontPort = await listen(front);
    proxy = createHttpServer((req: IncomingMessage, res) => {
      // An absolute-form request (an http: URL through the proxy): answered by the proxy itself.
      forwarded.push({ url: req.url ?? '', host: req.headers.host, auth: req.headers['proxy-authorization'] });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ over: 'proxy', url: req.url }));
    });
    proxy.on('connect', (req: IncomingMessage, client: Socket) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      tunnels.push(req.url ?? '');
      const upstream = connect(frontPort, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    proxyPort = await listen(proxy);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => proxy.close(r));
    await new Promise((r) => front.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('an http: URL goes to the proxy as an absolute-form request, with the Host of the target and the credentials', async () => {
    forwarded.length = 0;
    const fetch = createNodeFetch({ proxy: { httpProxy: `http://u:pw@127.0.0.1:${proxyPort}` } });
    const res = await fetch('http://api.proxy.test:8080/token?x=1', { method: 'POST', body: 'a=b' });
    assert.deepEqual(await res.json(), { over: 'proxy', url: 'http://api.proxy.test:8080/token?x=1' });
    assert.deepEqual(forwarded, [
      { url: 'http://api.proxy.test:8080/token?x=1', host: 'api.proxy.test:8080', auth: `Basic ${Buffer.from('u:pw').toString('base64')}` },
    ]);
  });

  it('an https: URL goes through a CONNECT tunnel, TLS checked against the target name', async () => {
    tunnels.length = 0;
    const agent = createTunnelAgent(parseProxy(`http://127.0.0.1:${proxyPort}`), { ca, connectTimeoutMs: 5_000 });
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest('https://tokens.proxy.test/token', { agent }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(JSON.parse(body), { over: 'tls', path: '/token', host: 'tokens.proxy.test' });
    assert.deepEqual(tunnels, ['tokens.proxy.test:443']);
    // A certificate for another name is refused, tunnel or not.
    await assert.rejects(
      new Promise((resolve, reject) => {
        const req = httpsRequest('https://other.proxy.test/', { agent }, resolve);
        req.on('error', reject);
        req.end();
      }),
      /altnames|ERR_TLS_CERT_ALTNAME_INVALID|does not match/,
    );
    agent.destroy();
  });

  it("serve's pooled fetch keeps its tunnel: sequential requests share one CONNECT", async () => {
    tunnels.length = 0;
    const fetch = createPooledFetch({ proxy: { httpsProxy: `http://127.0.0.1:${proxyPort}` } });
    try {
      // The test CA is not in Node's store: the request fails TLS, but only after the tunnel opened.
      await assert.rejects(fetch('https://tokens.proxy.test/a'), /self[- ]signed|certificate|UNABLE_TO_VERIFY|DEPTH_ZERO/i);
      assert.deepEqual(tunnels, ['tokens.proxy.test:443']);
    } finally {
      fetch.close();
    }
  });

  it('a proxy that is down rejects with the proxy named', async () => {
    const probe = createHttpServer();
    const port = await listen(probe);
    await new Promise((r) => probe.close(r));
    for (const fetch of [
      createNodeFetch({ proxy: { httpsProxy: `http://u:secret@127.0.0.1:${port}` } }),
      createPooledFetch({ proxy: { httpProxy: `http://127.0.0.1:${port}` } }),
    ]) {
      const url = 'close' in fetch ? 'http://api.proxy.test/' : 'https://api.proxy.test/';
      await assert.rejects(fetch(url), (error: Error & { code?: string; proxy?: string }) => {
        assert.equal(error.code, 'ECONNREFUSED');
        assert.equal(error.proxy, `http://127.0.0.1:${port}`);
        assert.match(error.message, /The proxy http:\/\/127\.0\.0\.1:\d+ could not be reached/);
        assert.ok(!error.message.includes('secret'));
        return true;
      });
      if ('close' in fetch) (fetch as { close(): void }).close();
    }
  });
});
