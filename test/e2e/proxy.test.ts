// The built CLI behind an HTTP proxy: `ads-oauth verify` with HTTPS_PROXY reaches the (fake)
// Google endpoints over https only through a CONNECT tunnel of a real local proxy, with TLS to the
// target checked against a test CA (NODE_EXTRA_CA_CERTS) and Basic proxy credentials; NO_PROXY
// sends it direct; a proxy that wants other credentials or is down is named in the error, its
// credentials never. The target hosts (*.proxy.test) exist only for the proxy, which maps them to
// 127.0.0.1: a request that did not go through it could not even resolve them.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startFakeGoogleApis, type FakeGoogleApis } from '../support/fake-google-apis.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST_CLI = join(ROOT, 'dist/cli/ads-oauth.cjs');
const TARGET = 'https://api.proxy.test';
const PROXY_USER = 'ads';
const PROXY_PASSWORD = 'p@ss:w0rd';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function verify(config: string, env: Record<string, string>, json = true): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DIST_CLI, 'verify', '--config', config, ...(json ? ['--json'] : [])], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir(), NODE_NO_WARNINGS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

const listen = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: Server | undefined) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

describe('the CLI behind an HTTP proxy (HTTPS_PROXY, NO_PROXY)', { timeout: 60_000 }, () => {
  let dir: string;
  let fake: FakeGoogleApis;
  let front: Server;
  let proxy: Server;
  let proxyPort: number;
  let frontPort: number;
  let caFile: string;
  let config: string;
  const tunnels: Array<{ authority: string; authorization: string | undefined }> = [];
  const sockets = new Set<Socket>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-proxy-'));
    // A certificate for *.proxy.test, trusted by the CLI through NODE_EXTRA_CA_CERTS only.
    caFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=api.proxy.test',
        '-addext',
        'subjectAltName=DNS:api.proxy.test',
        '-keyout',
        keyFile,
        '-out',
        caFile,
      ],
      { stdio: 'ignore' },
    );
    fake = await startFakeGoogleApis();
    // The https side of the fake: TLS terminated here, each request passed on to the fake as is.
    front = createHttpsServer({ key: await readFile(keyFile), cert: await readFile(caFile) }, (req, res) => {
      const upstream = httpRequest(`${fake.origin}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    frontPort = await listen(front);
    // The proxy: CONNECT only, Basic credentials, every *.proxy.test:443 to the https front.
    const expected = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
    proxy = createHttpServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, client: Socket, head: Buffer) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      const authorization = req.headers['proxy-authorization'];
      tunnels.push({ authority: req.url ?? '', authorization });
      if (authorization !== expected) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      if (!/^[a-z]+\.proxy\.test:443$/.test(req.url ?? '')) {
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const upstream = connect(frontPort, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    proxyPort = await listen(proxy);
    config = join(dir, 'google-ads.yaml');
    await writeFile(
      config,
      `developer_token: devtoken-proxy-123456\nclient_id: ${fake.clientId}\nclient_secret: ${fake.clientSecret}\nrefresh_token: ${fake.refreshToken}\nuse_proto_plus: True\n`,
      { mode: 0o600 },
    );
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await close(proxy);
    await close(front);
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    tunnels.length = 0;
    fake.reset();
  });

  /** The fake's endpoints, as https URLs on a host only the proxy can reach. */
  const endpoints = (): Record<string, string> =>
    Object.fromEntries(Object.entries(fake.env()).map(([k, v]) => [k, v.replace(fake.origin, TARGET)]));
  const proxyUrl = (user = PROXY_USER, password = PROXY_PASSWORD) =>
    `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${proxyPort}`;

  test('verify passes with every call tunnelled through the proxy, TLS to the target checked', async () => {
    const r = await verify(config, { ...endpoints(), NODE_EXTRA_CA_CERTS: caFile, HTTPS_PROXY: proxyUrl() });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { ok: boolean };
    assert.equal(report.ok, true, r.stdout);
    assert.ok(tunnels.length >= 1, 'no tunnel was opened');
    for (const t of tunnels) assert.equal(t.authority, 'api.proxy.test:443');
    const routes = fake.requests.map((q) => q.route);
    for (const route of ['token', 'tokeninfo', 'listAccessibleCustomers'] as const) assert.ok(routes.includes(route), `no ${route} call`);
    assert.ok(!r.stderr.includes(PROXY_PASSWORD) && !r.stdout.includes(PROXY_PASSWORD));
  });

  test('lower-case https_proxy wins over HTTPS_PROXY', async () => {
    const r = await verify(config, {
      ...endpoints(),
      NODE_EXTRA_CA_CERTS: caFile,
      https_proxy: proxyUrl(),
      HTTPS_PROXY: 'http://127.0.0.1:9',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(tunnels.length >= 1);
  });

  test('without the proxy, or with the target in NO_PROXY, the host cannot even be found', async () => {
    for (const env of [{}, { HTTPS_PROXY: proxyUrl(), NO_PROXY: 'localhost,.proxy.test' }]) {
      const r = await verify(config, { ...endpoints(), NODE_EXTRA_CA_CERTS: caFile, ...env });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /api\.proxy\.test/);
      assert.equal(tunnels.length, 0, 'NO_PROXY sent it to the proxy anyway');
    }
  });

  test('wrong proxy credentials: the 407 is named, with the advice, never the password', async () => {
    const wrong = 'not-the-password';
    const r = await verify(config, { ...endpoints(), NODE_EXTRA_CA_CERTS: caFile, HTTPS_PROXY: proxyUrl(PROXY_USER, wrong) }, false);
    assert.equal(r.code, 7, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`The proxy http://127\\.0\\.0\\.1:${proxyPort} refused a tunnel to api\\.proxy\\.test:443: HTTP 407`),
    );
    assert.match(r.stderr, /HTTPS_PROXY/);
    assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong), 'the proxy password was printed');
    assert.equal(fake.requests.length, 0);
  });

  test('a proxy that is down is named as the proxy, not as the endpoint', async () => {
    // Nothing listens on a port freed just now.
    const probe = createHttpServer();
    const down = await listen(probe);
    await close(probe);
    const r = await verify(
      config,
      { ...endpoints(), NODE_EXTRA_CA_CERTS: caFile, HTTPS_PROXY: `http://u:secret@127.0.0.1:${down}` },
      false,
    );
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /The proxy http:\/\/127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\)/);
    assert.ok(!r.stderr.includes('secret'));
  });

  test('an https:// or socks proxy is refused with a message, before any connection', async () => {
    const r = await verify(config, { ...endpoints(), HTTPS_PROXY: 'socks5://127.0.0.1:1080' }, false);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /HTTPS_PROXY names a socks5:\/\/ proxy; ads-oauth speaks to http:\/\/ proxies only/);
  });
});
