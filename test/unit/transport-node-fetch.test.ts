import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createNodeFetch, TransportError } from '../../src/transport/node-fetch.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NODE_FETCH_MODULE = pathToFileURL(join(REPO, 'src/transport/node-fetch.ts')).href;

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: Server;
let origin: string;
const seen: Seen[] = [];
const timers = new Set<NodeJS.Timeout>();

function later(ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    timers.delete(timer);
    fn();
  }, ms);
  timers.add(timer);
}

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://x');
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body });
  switch (url.pathname) {
    case '/echo':
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
      return;
    case '/teapot':
      res.writeHead(418, 'I am a teapot', [
        ['Content-Type', 'text/plain'],
        ['X-One', 'a'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ]);
      res.end('short and stout');
      return;
    case '/empty':
      res.writeHead(204);
      res.end();
      return;
    case '/redirect':
      res.writeHead(302, { Location: '/echo', 'Content-Type': 'text/plain' });
      res.end('moved');
      return;
    case '/big': {
      const size = Number(url.searchParams.get('size'));
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(Buffer.alloc(size, 0x61));
      return;
    }
    case '/slow':
      later(Number(url.searchParams.get('ms') ?? 2000), () => {
        if (res.destroyed) return;
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('late');
      });
      return;
    case '/slow-body':
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first part ');
      later(Number(url.searchParams.get('ms') ?? 2000), () => {
        if (!res.destroyed) res.end('second part');
      });
      return;
    case '/binary':
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(Buffer.from([0, 1, 2, 254, 255]));
      return;
    case '/status':
      res.writeHead(Number(url.searchParams.get('code')), { 'Content-Type': 'text/plain' });
      res.end('odd status');
      return;
    default:
      res.writeHead(404);
      res.end();
  }
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createNetServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const timer of timers) clearTimeout(timer);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

describe('createNodeFetch: requests', () => {
  const fetch = createNodeFetch();

  it('GET: returns status, JSON body and sends the given headers', async () => {
    const response = await fetch(`${origin}/echo?x=1`, { headers: { Accept: 'application/json', 'X-Custom': 'yes' } });
    assert.ok(response instanceof Response);
    assert.equal(response.status, 200);
    assert.equal(response.ok, true);
    const echo = (await response.json()) as Seen;
    assert.equal(echo.method, 'GET');
    assert.equal(echo.url, '/echo?x=1');
    assert.equal(echo.headers['accept'], 'application/json');
    assert.equal(echo.headers['x-custom'], 'yes');
    assert.equal(echo.body, '');
  });

  it('accepts a URL object and a Headers instance', async () => {
    const headers = new Headers({ 'User-Agent': 'ads-oauth-test' });
    headers.append('X-List', 'a');
    const response = await fetch(new URL('/echo', origin), { headers });
    const echo = (await response.json()) as Seen;
    assert.equal(echo.headers['user-agent'], 'ads-oauth-test');
    assert.equal(echo.headers['x-list'], 'a');
  });

  it('accepts headers as an array of pairs', async () => {
    const response = await fetch(`${origin}/echo`, { headers: [['X-Pair', 'p']] });
    const echo = (await response.json()) as Seen;
    assert.equal(echo.headers['x-pair'], 'p');
  });

  it('POST with a URLSearchParams body: form-encoded, with content-length', async () => {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: '4/0A b+c', redirect_uri: 'http://127.0.0.1:8080' });
    const response = await fetch(`${origin}/echo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      body,
    });
    const echo = (await response.json()) as Seen;
    assert.equal(echo.method, 'POST');
    assert.equal(echo.body, body.toString());
    assert.equal(new URLSearchParams(echo.body).get('code'), '4/0A b+c');
    assert.equal(echo.headers['content-length'], String(Buffer.byteLength(body.toString())));
    assert.equal(echo.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
  });

  it('POST with a string and a Uint8Array body', async () => {
    const text = (await (await fetch(`${origin}/echo`, { method: 'POST', body: 'héllo' })).json()) as Seen;
    assert.equal(text.body, 'héllo');
    assert.equal(text.headers['content-length'], String(Buffer.byteLength('héllo')));
    const bytes = (await (await fetch(`${origin}/echo`, { method: 'POST', body: new TextEncoder().encode('bytes') })).json()) as Seen;
    assert.equal(bytes.body, 'bytes');
  });

  it('passes status, status text, headers (repeated ones too) and body through', async () => {
    const response = await fetch(`${origin}/teapot`);
    assert.equal(response.status, 418);
    assert.equal(response.statusText, 'I am a teapot');
    assert.equal(response.ok, false);
    assert.equal(response.headers.get('content-type'), 'text/plain');
    assert.equal(response.headers.get('x-one'), 'a');
    assert.deepEqual(response.headers.getSetCookie(), ['a=1', 'b=2']);
    assert.equal(await response.text(), 'short and stout');
  });

  it('keeps binary bodies byte for byte', async () => {
    const response = await fetch(`${origin}/binary`);
    assert.deepEqual([...new Uint8Array(await response.arrayBuffer())], [0, 1, 2, 254, 255]);
  });

  it('204: a null body', async () => {
    const response = await fetch(`${origin}/empty`);
    assert.equal(response.status, 204);
    assert.equal(response.body, null);
    assert.equal(await response.text(), '');
  });

  it('does not follow redirects: a 302 is returned as is', async () => {
    const before = seen.length;
    const response = await fetch(`${origin}/redirect`, { redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/echo');
    assert.equal(await response.text(), 'moved');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(seen.length - before, 1, 'the Location was not requested');
  });

  it('refuses protocols other than http and https', async () => {
    const error = await rejection(fetch('file:///etc/passwd'));
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /unsupported protocol/);
  });
});

describe('createNodeFetch: limits and failures', () => {
  it('accepts a body up to maxBodyBytes', async () => {
    const fetch = createNodeFetch({ maxBodyBytes: 1024 });
    const response = await fetch(`${origin}/big?size=1024`);
    assert.equal((await response.arrayBuffer()).byteLength, 1024);
  });

  it('rejects a body over maxBodyBytes with TransportError EMSGSIZE', async () => {
    const fetch = createNodeFetch({ maxBodyBytes: 1024 });
    const error = await rejection(fetch(`${origin}/big?size=200000`));
    assert.ok(error instanceof TransportError, String(error));
    assert.equal(error.code, 'EMSGSIZE');
    assert.equal(error.name, 'TransportError');
  });

  it('the default cap is 4 MiB', async () => {
    const fetch = createNodeFetch();
    const ok = await fetch(`${origin}/big?size=${4 * 1024 * 1024}`);
    assert.equal((await ok.arrayBuffer()).byteLength, 4 * 1024 * 1024);
    const error = await rejection(fetch(`${origin}/big?size=${4 * 1024 * 1024 + 1}`));
    assert.ok(error instanceof TransportError && error.code === 'EMSGSIZE', String(error));
  });

  it('times out with TransportError ETIMEDOUT', async () => {
    const fetch = createNodeFetch({ timeoutMs: 150 });
    const error = await rejection(fetch(`${origin}/slow?ms=3000`));
    assert.ok(error instanceof TransportError, String(error));
    assert.equal(error.code, 'ETIMEDOUT');
  });

  it('the timeout also covers a body that stalls after the headers', async () => {
    const fetch = createNodeFetch({ timeoutMs: 200 });
    const error = await rejection(fetch(`${origin}/slow-body?ms=3000`));
    assert.ok(error instanceof Error, String(error));
  });

  it('an AbortSignal aborts the request with an AbortError', async () => {
    const fetch = createNodeFetch();
    const controller = new AbortController();
    later(50, () => controller.abort());
    const error = await rejection(fetch(`${origin}/slow?ms=3000`, { signal: controller.signal }));
    assert.equal((error as Error).name, 'AbortError');
  });

  it('an already aborted signal rejects without sending anything', async () => {
    const fetch = createNodeFetch();
    // A marked URL: a slow request of an earlier test arriving late must not count.
    const error = await rejection(fetch(`${origin}/echo?already-aborted`, { signal: AbortSignal.abort() }));
    assert.equal((error as Error).name, 'AbortError');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(seen.filter((s) => s.url.includes('already-aborted')).length, 0);
  });

  it('AbortSignal.timeout rejects with the signal reason, a TimeoutError (like fetch)', async () => {
    const fetch = createNodeFetch();
    const error = await rejection(fetch(`${origin}/slow?ms=3000`, { signal: AbortSignal.timeout(100) }));
    assert.equal((error as Error).name, 'TimeoutError');
  });

  it('an abort reason that is an Error is the rejection itself', async () => {
    const fetch = createNodeFetch();
    const controller = new AbortController();
    const reason = new Error('user pressed Ctrl-C');
    later(50, () => controller.abort(reason));
    assert.equal(await rejection(fetch(`${origin}/slow?ms=3000`, { signal: controller.signal })), reason);
  });

  it('an abort reason that is not an Error is the rejection itself (as fetch does)', async () => {
    const fetch = createNodeFetch();
    const controller = new AbortController();
    later(50, () => controller.abort('cancelled by caller'));
    assert.equal(await rejection(fetch(`${origin}/slow?ms=3000`, { signal: controller.signal })), 'cancelled by caller');
  });

  it('connection refused → TransportError with code ECONNREFUSED', async () => {
    const fetch = createNodeFetch();
    const port = await closedPort();
    const error = await rejection(fetch(`http://127.0.0.1:${port}/token`));
    assert.ok(error instanceof TransportError, String(error));
    assert.equal(error.code, 'ECONNREFUSED');
    assert.ok(error.message.includes(`127.0.0.1:${port}`), error.message);
  });

  it('a response after the timeout does not resolve a second time (settles once)', async () => {
    const fetch = createNodeFetch({ timeoutMs: 100 });
    const error = await rejection(fetch(`${origin}/slow?ms=300`));
    assert.ok(error instanceof TransportError);
    await new Promise((resolve) => setTimeout(resolve, 400));
  });
});

/** Runs a TypeScript snippet in a child process (through tsx); resolves with its output and timing. */
function runChild(
  source: string,
  budgetMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-node-fetch-'));
  const file = join(dir, 'child.mts');
  writeFileSync(file, source);
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), budgetMs);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('createNodeFetch: process lifetime and robustness', () => {
  it('a process that made one request exits promptly, not after the server keep-alive timeout', async () => {
    const keepAlive = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'keep-alive' });
      res.end('{"ok":true}');
    });
    keepAlive.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => keepAlive.listen(0, '127.0.0.1', resolve));
    const port = (keepAlive.address() as AddressInfo).port;
    try {
      const result = await runChild(
        `import { createNodeFetch } from ${JSON.stringify(NODE_FETCH_MODULE)};
const response = await createNodeFetch()('http://127.0.0.1:${port}/');
console.log(response.status, await response.text());
`,
        10_000,
      );
      assert.equal(result.signal, null, `the child was killed after ${result.ms} ms: it did not exit by itself`);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), '200 {"ok":true}');
    } finally {
      await new Promise<void>((resolve) => {
        keepAlive.close(() => resolve());
        keepAlive.closeAllConnections();
      });
    }
  });

  it('a status outside 200–599 rejects instead of throwing an uncaught exception', async () => {
    const odd = createServer((_req, res) => {
      res.writeHead(600, { 'Content-Type': 'text/plain' });
      res.end('odd');
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    const port = (odd.address() as AddressInfo).port;
    try {
      const result = await runChild(
        `import { createNodeFetch } from ${JSON.stringify(NODE_FETCH_MODULE)};
process.on('uncaughtException', (error) => { console.log('uncaught', error.message); process.exit(3); });
const timer = setTimeout(() => { console.log('never settled'); process.exit(4); }, 3000);
try {
  const response = await createNodeFetch()('http://127.0.0.1:${port}/');
  console.log('resolved', response.status);
} catch (error) {
  console.log('rejected', (error as Error).name);
}
clearTimeout(timer);
`,
        10_000,
      );
      assert.equal(result.code, 0, `${result.stdout} ${result.stderr}`);
      assert.match(result.stdout, /^rejected/);
    } finally {
      await new Promise<void>((resolve) => {
        odd.close(() => resolve());
        odd.closeAllConnections();
      });
    }
  });
});
