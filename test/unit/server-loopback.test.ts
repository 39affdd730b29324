import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import { AdsOAuthError } from '../../src/errors.js';
import { planRedirect } from '../../src/flows/redirect.js';
import type { OAuthClientConfig } from '../../src/protocol/client-file.js';
import { startLoopbackListener, type CallbackDecision, type LoopbackListener } from '../../src/server/loopback.js';
import { escapeHtml, failurePage, PAGE_HEADERS, plainPage, renderPage, successPage } from '../../src/server/pages.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with full control of the Host header, the method and the address dialled. */
function get(port: number, path: string, options: { host?: string; method?: string; address?: string } = {}): Promise<Answer> {
  const address = options.address ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: address,
        family: address.includes(':') ? 6 : 4,
        port,
        path,
        method: options.method ?? 'GET',
        headers: { Host: options.host ?? `127.0.0.1:${port}` },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes and resolves with everything the server answered. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

/** Resolves with the connection error code, or 'connected'. */
function tryConnect(port: number, host: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

function listenNet(port: number, host: string): Promise<NetServer> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen({ port, host, exclusive: true }, () => resolve(srv));
  });
}

const closeNet = (srv: NetServer): Promise<void> => new Promise((resolve) => srv.close(() => resolve()));

async function freePort(hosts: string[] = ['127.0.0.1']): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await listenNet(0, hosts[0]!);
    const port = (first.address() as AddressInfo).port;
    const others: NetServer[] = [];
    let ok = true;
    for (const host of hosts.slice(1)) {
      try {
        others.push(await listenNet(port, host));
      } catch {
        ok = false;
      }
    }
    await Promise.all([first, ...others].map(closeNet));
    if (ok) return port;
  }
  throw new Error('no free port');
}

async function ipv6Loopback(): Promise<boolean> {
  try {
    await closeNet(await listenNet(0, '::1'));
    return true;
  } catch {
    return false;
  }
}

function otherLocalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (!info.internal && info.family === 'IPv4') return info.address;
    }
  }
  return undefined;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const HANDLE = { timeoutMs: 10_000, timeoutMessage: 'Timed out waiting for the browser.' };

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

describe('startLoopbackListener: binding', () => {
  it('binds 127.0.0.1 only, on an ephemeral port, and names the redirect URI', async () => {
    const listener = await startLoopbackListener();
    try {
      assert.deepEqual(listener.addresses, ['127.0.0.1']);
      assert.ok(listener.port > 0 && listener.port < 65536);
      assert.equal(listener.redirectUri, `http://127.0.0.1:${listener.port}/`);
      assert.equal(await tryConnect(listener.port, '127.0.0.1'), 'connected');
      if (await ipv6Loopback())
        assert.notEqual(await tryConnect(listener.port, '::1'), 'connected', 'not on [::1] for an installed client');
    } finally {
      await listener.close();
    }
  });

  it('is not reachable through another interface address of this machine', async (t) => {
    const other = otherLocalAddress();
    if (!other) {
      t.skip('no non-loopback IPv4 interface');
      return;
    }
    const listener = await startLoopbackListener();
    try {
      const result = await tryConnect(listener.port, other);
      assert.notEqual(result, 'connected', `reachable on ${other}:${listener.port}`);
    } finally {
      await listener.close();
    }
  });

  it('picks a different ephemeral port each time', async () => {
    const a = await startLoopbackListener();
    const b = await startLoopbackListener({ port: 0 });
    try {
      assert.notEqual(a.port, b.port);
      assert.ok(b.port > 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('honours port', async () => {
    const port = await freePort();
    const listener = await startLoopbackListener({ port });
    try {
      assert.equal(listener.port, port);
      assert.equal(listener.redirectUri, `http://127.0.0.1:${port}/`);
      assert.equal(await tryConnect(port, '127.0.0.1'), 'connected');
    } finally {
      await listener.close();
    }
  });

  it('a port in use → LISTEN_FAILED naming the port, with the port hint (no CLI flag in the message)', async () => {
    const blocker = await listenNet(0, '127.0.0.1');
    const port = (blocker.address() as AddressInfo).port;
    try {
      const { error } = await settle(startLoopbackListener({ port }));
      assert.ok(error instanceof AdsOAuthError, String(error));
      assert.equal(error.code, 'LISTEN_FAILED');
      assert.equal(error.details['reason'], 'EADDRINUSE');
      assert.ok(error.message.includes(String(port)), error.message);
      assert.doesNotMatch(error.message, /--port/);
      assert.deepEqual(error.hints, ['port']);
    } finally {
      await closeNet(blocker);
    }
  });

  it('a port taken on all interfaces (0.0.0.0) → LISTEN_FAILED', async () => {
    const blocker = await listenNet(0, '0.0.0.0');
    const port = (blocker.address() as AddressInfo).port;
    try {
      const { error } = await settle(startLoopbackListener({ port }));
      assert.ok(error instanceof AdsOAuthError && error.code === 'LISTEN_FAILED', String(error));
    } finally {
      await closeNet(blocker);
    }
  });

  it("a registered redirect URI's port in use → LISTEN_FAILED", async () => {
    const blocker = await listenNet(0, '127.0.0.1');
    const port = (blocker.address() as AddressInfo).port;
    try {
      const { error } = await settle(startLoopbackListener({ redirectUri: `http://127.0.0.1:${port}/oauth2callback` }));
      assert.ok(error instanceof AdsOAuthError && error.code === 'LISTEN_FAILED', String(error));
      assert.ok(error.message.includes(`127.0.0.1:${port}`), error.message);
      // A registered port cannot be moved with --port (web clients): say who holds it instead.
      assert.doesNotMatch(error.message, /--port/);
      assert.ok(!error.hints.includes('port'));
      assert.match(error.message, /another program \(perhaps another run/);
    } finally {
      await closeNet(blocker);
    }
  });

  it('serves a registered redirect URI exactly: its port and path, the string unchanged', async () => {
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/oauth2callback`;
    const listener = await startLoopbackListener({ redirectUri });
    try {
      assert.equal(listener.redirectUri, redirectUri);
      assert.equal(listener.port, port);
      assert.deepEqual(listener.addresses, ['127.0.0.1']);
      const seen: string[] = [];
      const result = listener.handle<string>(async (url) => {
        seen.push(url.pathname + url.search);
        return { done: true, page: successPage(), value: 'ok' };
      }, HANDLE);
      assert.equal((await get(port, '/')).status, 404);
      assert.equal((await get(port, '/oauth2callback/')).status, 404);
      assert.equal((await get(port, '/OAUTH2CALLBACK')).status, 404);
      const answer = await get(port, '/oauth2callback?state=s&code=c');
      assert.equal(answer.status, 200);
      assert.equal(await result, 'ok');
      assert.deepEqual(seen, ['/oauth2callback?state=s&code=c']);
    } finally {
      await listener.close();
    }
  });

  it('a registered redirect URI without a trailing slash is returned as registered and served at /', async () => {
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}`;
    const listener = await startLoopbackListener({ redirectUri });
    try {
      assert.equal(listener.redirectUri, redirectUri);
      const result = listener.handle(async () => ({ done: true, page: successPage(), value: 1 }), HANDLE);
      assert.equal((await get(port, '/?code=c&state=s')).status, 200);
      assert.equal(await result, 1);
    } finally {
      await listener.close();
    }
  });

  it('a registered localhost redirect is served on 127.0.0.1 and on [::1] where available', async () => {
    const v6 = await ipv6Loopback();
    const port = await freePort(v6 ? ['127.0.0.1', '::1'] : ['127.0.0.1']);
    const redirectUri = `http://localhost:${port}/cb`;
    const listener = await startLoopbackListener({ redirectUri });
    try {
      assert.equal(listener.redirectUri, redirectUri);
      assert.deepEqual([...listener.addresses].sort(), v6 ? ['127.0.0.1', '::1'] : ['127.0.0.1']);
      let calls = 0;
      const result = listener.handle(async () => {
        calls += 1;
        return calls < (v6 ? 2 : 1)
          ? { done: false, page: failurePage(400, 'Not this request', 'again') }
          : { done: true, page: successPage(), value: calls };
      }, HANDLE);
      assert.equal((await get(port, '/cb?state=s&code=c', { host: `localhost:${port}` })).status, v6 ? 400 : 200);
      if (v6) assert.equal((await get(port, '/cb?state=s&code=c', { host: `localhost:${port}`, address: '::1' })).status, 200);
      assert.equal(await result, v6 ? 2 : 1);
    } finally {
      await listener.close();
    }
  });

  it('a registered [::1] redirect binds ::1 only', async (t) => {
    if (!(await ipv6Loopback())) {
      t.skip('no IPv6 loopback');
      return;
    }
    const port = await freePort(['::1']);
    const listener = await startLoopbackListener({ redirectUri: `http://[::1]:${port}/cb` });
    try {
      assert.deepEqual(listener.addresses, ['::1']);
      assert.notEqual(await tryConnect(port, '127.0.0.1'), 'connected');
      const result = listener.handle(async () => ({ done: true, page: successPage(), value: 'v6' }), HANDLE);
      assert.equal((await get(port, '/cb?code=c&state=s', { address: '::1', host: `[::1]:${port}` })).status, 200);
      assert.equal(await result, 'v6');
    } finally {
      await listener.close();
    }
  });

  it('close() is idempotent and frees the port', async () => {
    const listener = await startLoopbackListener();
    await listener.close();
    await listener.close();
    assert.notEqual(await tryConnect(listener.port, '127.0.0.1'), 'connected');
  });

  it('close() while handle() is pending settles handle() at once instead of leaving its timer running', async () => {
    const listener = await startLoopbackListener();
    const handled = settle(
      listener.handle(async () => ({ done: true, page: successPage(), value: 1 }), { timeoutMs: 3000, timeoutMessage: 't' }),
    );
    await sleep(50);
    await listener.close();
    // Left pending, handle() would end with its own TIMEOUT; settled by close(), it is INTERRUPTED.
    const { error } = await handled;
    assert.ok(error instanceof AdsOAuthError && error.code === 'INTERRUPTED', String(error));
  });

  it('answers 503 before handle() is called', async () => {
    const listener = await startLoopbackListener();
    try {
      assert.equal((await get(listener.port, '/?code=c&state=s')).status, 503);
    } finally {
      await listener.close();
    }
  });
});

describe('startLoopbackListener: request rules', () => {
  async function withListener(fn: (listener: LoopbackListener, calls: URL[]) => Promise<void>): Promise<void> {
    const listener = await startLoopbackListener();
    const calls: URL[] = [];
    const controller = new AbortController();
    const handled = settle(
      listener.handle<never>(
        async (url) => {
          calls.push(url);
          return { done: false, page: failurePage(400, 'Not this request', 'keep waiting') };
        },
        { ...HANDLE, signal: controller.signal },
      ),
    );
    try {
      await fn(listener, calls);
    } finally {
      controller.abort();
      await handled;
      await listener.close();
    }
  }

  it('a 64 KiB URL → 414, 32 KiB of headers → 431, 10k parameters → 414, garbage → 400: answered with the protective headers, never handed to the flow, and the genuine callback is still served', async () => {
    const listener = await startLoopbackListener();
    const host = `127.0.0.1:${listener.port}`;
    const result = listener.handle<string>(
      async (url) => ({ done: true, page: successPage(), value: url.searchParams.get('code') ?? '' }),
      HANDLE,
    );
    const cases: [string, number][] = [
      [`GET /?state=s&pad=${'A'.repeat(64 * 1024)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 414],
      [`GET /?state=s HTTP/1.1\r\nHost: ${host}\r\nX-Pad: ${'B'.repeat(32 * 1024)}\r\n\r\n`, 431],
      [`GET /?state=s${'&p=1'.repeat(10_000)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 414],
      [`GET /?a=\u00e9\u202e HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 400],
      ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', 400], // a TLS ClientHello
    ];
    for (const [request, status] of cases) {
      const answer = await raw(listener.port, request);
      assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), `${request.slice(0, 40)} → ${answer.slice(0, 80)}`);
      assert.match(answer, /\r\ncontent-security-policy: default-src 'none'/i);
      assert.match(answer, /\r\nx-content-type-options: nosniff/i);
    }
    const page = await get(listener.port, '/?state=s&code=genuine');
    assert.equal(page.status, 200);
    assert.equal(await result, 'genuine');
  });

  it('another path → 404, and the flow never sees it', async () => {
    await withListener(async (listener, calls) => {
      const answer = await get(listener.port, '/favicon.ico');
      assert.equal(answer.status, 404);
      assert.equal((await get(listener.port, '/callback?code=c&state=s')).status, 404);
      assert.equal(calls.length, 0);
    });
  });

  it('another method on the path → 405 with Allow: GET', async () => {
    await withListener(async (listener, calls) => {
      for (const method of ['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) {
        const answer = await get(listener.port, '/?code=c&state=s', { method });
        assert.equal(answer.status, 405, method);
        assert.equal(answer.headers['allow'], 'GET');
      }
      assert.equal(calls.length, 0);
    });
  });

  it('a foreign Host header → 421 (DNS rebinding), before anything else', async () => {
    await withListener(async (listener, calls) => {
      const port = listener.port;
      for (const host of [
        `evil.example:${port}`,
        `127.0.0.1`,
        `127.0.0.1:${port + 1}`,
        `localhost.evil.example:${port}`,
        `127.0.0.1.nip.io:${port}`,
      ]) {
        assert.equal((await get(port, '/?code=c&state=s', { host })).status, 421, `Host: ${host}`);
      }
      // An empty or absent Host is refused too (over a raw socket: Node's client would fill it in).
      assert.match(await raw(port, 'GET /?code=c&state=s HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 (400|421) /);
      assert.match(await raw(port, 'GET /?code=c&state=s HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 (400|421) /);
      assert.equal((await get(port, '/nope', { host: `evil.example:${port}`, method: 'POST' })).status, 421);
      assert.equal(calls.length, 0);
    });
  });

  it('accepts the loopback spellings of its own Host', async () => {
    await withListener(async (listener, calls) => {
      const port = listener.port;
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
        assert.equal((await get(port, '/?code=c&state=s', { host })).status, 400, `Host: ${host}`);
      }
      assert.equal(calls.length, 4);
    });
  });

  it('error answers carry the protective headers', async () => {
    await withListener(async (listener) => {
      for (const answer of [
        await get(listener.port, '/x'),
        await get(listener.port, '/', { method: 'POST' }),
        await get(listener.port, '/', { host: 'evil' }),
      ]) {
        assert.equal(answer.headers['cache-control'], 'no-store');
        assert.equal(answer.headers['referrer-policy'], 'no-referrer');
        assert.match(String(answer.headers['content-security-policy']), /default-src 'none'/);
        assert.match(String(answer.headers['content-type']), /^text\/plain/);
      }
    });
  });
});

describe('startLoopbackListener: handle()', () => {
  it('sends the page only after decide() resolves, with the callback URL intact', async () => {
    const listener = await startLoopbackListener();
    const gate = deferred<CallbackDecision<string>>();
    let received: URL | undefined;
    const result = listener.handle<string>((url) => {
      received = url;
      return gate.promise;
    }, HANDLE);
    let answered = false;
    const answer = get(listener.port, '/?state=abc&code=4%2F0A-xyz&scope=a+b').then((a) => {
      answered = true;
      return a;
    });
    await sleep(300);
    assert.ok(received, 'decide was called');
    assert.equal(received.searchParams.get('code'), '4/0A-xyz');
    assert.equal(received.searchParams.get('state'), 'abc');
    assert.equal(received.searchParams.get('scope'), 'a b');
    assert.equal(answered, false, 'the browser got a page before the flow decided');
    gate.resolve({ done: true, page: successPage(), value: 'credentials' });
    const page = await answer;
    assert.equal(page.status, 200);
    assert.match(page.body, /Authorization complete/);
    assert.equal(await result, 'credentials');
  });

  it('done:false answers and keeps serving; done:true ends it', async () => {
    const listener = await startLoopbackListener();
    const decisions: Array<CallbackDecision<number>> = [
      { done: false, page: failurePage(400, 'Not this request', 'Stale state.') },
      { done: false, page: failurePage(400, 'Not this request', 'Another stale one.') },
      { done: true, page: successPage(), value: 42 },
    ];
    const result = listener.handle<number>(async () => decisions.shift()!, HANDLE);
    const first = await get(listener.port, '/?state=old&code=c');
    assert.equal(first.status, 400);
    assert.match(first.body, /Stale state\./);
    assert.equal((await get(listener.port, '/?state=old2&code=c')).status, 400);
    assert.equal((await get(listener.port, '/?state=new&code=c')).status, 200);
    assert.equal(await result, 42);
    assert.notEqual(await tryConnect(listener.port, '127.0.0.1'), 'connected', 'closed after done');
  });

  it('a second callback while the first is being decided → 409, and the first still wins', async () => {
    const listener = await startLoopbackListener();
    const gate = deferred<CallbackDecision<string>>();
    let calls = 0;
    const result = listener.handle<string>(() => {
      calls += 1;
      return gate.promise;
    }, HANDLE);
    const first = get(listener.port, '/?state=s&code=1');
    await sleep(100);
    const second = await get(listener.port, '/?state=s&code=2');
    assert.equal(second.status, 409);
    assert.equal(calls, 1);
    gate.resolve({ done: true, page: successPage(), value: 'first' });
    assert.equal((await first).status, 200);
    assert.equal(await result, 'first');
  });

  it('decide() throwing an AdsOAuthError → a failure page with its first line, and the same rejection', async () => {
    const listener = await startLoopbackListener();
    const failure = new AdsOAuthError('TOKEN_ENDPOINT', 'The provider refused: invalid_grant <b>.\nSecond line with advice.');
    const result = settle(listener.handle(async () => Promise.reject(failure), HANDLE));
    const page = await get(listener.port, '/?state=s&code=c');
    assert.equal(page.status, 400);
    assert.match(page.body, /Authorization failed/);
    assert.ok(page.body.includes('The provider refused: invalid_grant &#60;b&#62;.'), page.body);
    assert.ok(!page.body.includes('<b>'), 'escaped');
    assert.ok(!page.body.includes('Second line'), 'only the first line is shown');
    assert.equal((await result).error, failure);
    assert.notEqual(await tryConnect(listener.port, '127.0.0.1'), 'connected', 'closed after failure');
  });

  it('ACCESS_DENIED → 403 page', async () => {
    const listener = await startLoopbackListener();
    const result = settle(listener.handle(async () => Promise.reject(new AdsOAuthError('ACCESS_DENIED', 'Access was denied.')), HANDLE));
    assert.equal((await get(listener.port, '/?error=access_denied&state=s')).status, 403);
    assert.equal(((await result).error as AdsOAuthError).code, 'ACCESS_DENIED');
  });

  it('decide() throwing something else → INTERNAL', async () => {
    const listener = await startLoopbackListener();
    const result = settle(listener.handle(async () => Promise.reject(new TypeError('boom')), HANDLE));
    assert.equal((await get(listener.port, '/?state=s&code=c')).status, 400);
    const { error } = await result;
    assert.ok(error instanceof AdsOAuthError);
    assert.equal(error.code, 'INTERNAL');
    assert.match(error.message, /boom/);
  });

  it('timeout → TIMEOUT with the given message, and the listener is closed', async () => {
    const listener = await startLoopbackListener();
    const { error } = await settle(
      listener.handle(async () => ({ done: true, page: successPage(), value: 1 }), {
        timeoutMs: 150,
        timeoutMessage: 'No browser in time.',
      }),
    );
    assert.ok(error instanceof AdsOAuthError);
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.message, 'No browser in time.');
    assert.equal(error.details['timeoutMs'], 150);
    assert.notEqual(await tryConnect(listener.port, '127.0.0.1'), 'connected');
  });

  it('the timeout does not cut off an exchange under way: done:true after the deadline still resolves', async () => {
    const listener = await startLoopbackListener();
    const result = listener.handle<string>(
      async () => {
        await sleep(400);
        return { done: true, page: successPage(), value: 'late but fine' };
      },
      { timeoutMs: 200, timeoutMessage: 't' },
    );
    const page = await get(listener.port, '/?state=s&code=c');
    assert.equal(page.status, 200);
    assert.equal(await result, 'late but fine');
  });

  it('a done:false answer after the deadline ends with TIMEOUT', async () => {
    const listener = await startLoopbackListener();
    const result = settle(
      listener.handle<string>(
        async () => {
          await sleep(400);
          return { done: false, page: failurePage(400, 'Not this request', 'x') };
        },
        { timeoutMs: 200, timeoutMessage: 'too late' },
      ),
    );
    assert.equal((await get(listener.port, '/?state=s&code=c')).status, 400);
    const { error } = await result;
    assert.ok(error instanceof AdsOAuthError && error.code === 'TIMEOUT', String(error));
    assert.notEqual(await tryConnect(listener.port, '127.0.0.1'), 'connected');
  });

  it('abort → INTERRUPTED, and the listener is closed', async () => {
    const listener = await startLoopbackListener();
    const controller = new AbortController();
    const result = settle(
      listener.handle(async () => ({ done: true, page: successPage(), value: 1 }), { ...HANDLE, signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 50);
    const { error } = await result;
    assert.ok(error instanceof AdsOAuthError);
    assert.equal(error.code, 'INTERRUPTED');
    assert.notEqual(await tryConnect(listener.port, '127.0.0.1'), 'connected');
  });

  it('an abort reason that is an AdsOAuthError is the rejection', async () => {
    const listener = await startLoopbackListener();
    const controller = new AbortController();
    const reason = new AdsOAuthError('INTERRUPTED', 'Interrupted (SIGINT).');
    const result = settle(
      listener.handle(async () => ({ done: true, page: successPage(), value: 1 }), { ...HANDLE, signal: controller.signal }),
    );
    controller.abort(reason);
    assert.equal((await result).error, reason);
  });

  it('an already aborted signal rejects at once and closes', async () => {
    const listener = await startLoopbackListener();
    const { error } = await settle(
      listener.handle(async () => ({ done: true, page: successPage(), value: 1 }), { ...HANDLE, signal: AbortSignal.abort() }),
    );
    assert.ok(error instanceof AdsOAuthError && error.code === 'INTERRUPTED');
    assert.notEqual(await tryConnect(listener.port, '127.0.0.1'), 'connected');
  });

  it('abort while decide() is pending still rejects and closes', async () => {
    const listener = await startLoopbackListener();
    const controller = new AbortController();
    const result = settle(listener.handle<number>(() => new Promise(() => {}), { ...HANDLE, signal: controller.signal }));
    const browser = get(listener.port, '/?state=s&code=c').catch((error: unknown) => error);
    await sleep(100);
    controller.abort();
    const { error } = await result;
    assert.ok(error instanceof AdsOAuthError && error.code === 'INTERRUPTED');
    await browser;
    assert.notEqual(await tryConnect(listener.port, '127.0.0.1'), 'connected');
  });

  it('after it resolves, the same port can be bound again immediately', async () => {
    const port = await freePort();
    const listener = await startLoopbackListener({ port });
    const result = listener.handle(async () => ({ done: true, page: successPage(), value: 'done' }), HANDLE);
    await get(port, '/?state=s&code=c');
    assert.equal(await result, 'done');
    const again = await listenNet(port, '127.0.0.1');
    await closeNet(again);
    const second = await startLoopbackListener({ port });
    await second.close();
  });

  it('a genuine callback whose page cannot be sent still ends the flow at once with its outcome (issue 10 defect 6)', async () => {
    for (const outcome of ['resolve', 'reject'] as const) {
      const listener = await startLoopbackListener();
      const started = Date.now();
      let decided = 0;
      const result = settle(
        listener.handle<string>(
          async () => {
            decided += 1;
            await sleep(50); // the exchange
            if (outcome === 'reject') throw new AdsOAuthError('TOKEN_ENDPOINT', 'The exchange failed.');
            return { done: true, page: successPage(), value: 'the token' };
          },
          { timeoutMs: 5_000, timeoutMessage: 'timed out' },
        ),
      );
      // The genuine callback pipelined behind another request on a connection the client closes
      // once the first answer arrives: the callback's answer waits behind it and has nowhere to go.
      const host = `127.0.0.1:${listener.port}`;
      await new Promise<void>((resolve) => {
        const socket = connect({ port: listener.port, host: '127.0.0.1' }, () =>
          socket.write(`GET /nope HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /?state=s&code=c HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
        );
        socket.once('data', () => socket.destroy()); // the first answer arrives: the client goes away
        socket.on('error', () => {});
        socket.on('close', () => resolve());
      });
      const { value, error } = await result;
      const elapsed = Date.now() - started;
      if (decided === 0) {
        // Node did not hand the pipelined request over at all: nothing was exchanged, nothing to prove.
        assert.fail('the pipelined callback never reached the flow; the test does not exercise the defect');
      }
      if (outcome === 'resolve') assert.equal(value, 'the token', String(error));
      else
        assert.ok(
          error instanceof AdsOAuthError && error.code === 'TOKEN_ENDPOINT',
          `an exchange failure is reported as itself, not ${String(error)}`,
        );
      assert.ok(elapsed < 4_000, `the flow ended ${elapsed} ms after start, waiting for a page nobody could receive`);
      assert.notEqual(await tryConnect(listener.port, '127.0.0.1'), 'connected');
    }
  });

  it('the callback page carries the protective headers and closes the connection', async () => {
    const listener = await startLoopbackListener();
    const result = listener.handle(async () => ({ done: true, page: successPage(), value: 1 }), HANDLE);
    const page = await get(listener.port, '/?state=s&code=c');
    await result;
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['connection'], 'close');
    assert.equal(page.headers['content-length'], String(Buffer.byteLength(page.body)));
    assert.equal(page.headers['content-security-policy'], PAGE_HEADERS['Content-Security-Policy']);
  });
});

describe('pages', () => {
  it("the CSP's style hash is the hash of the page's inline style, and nothing else may load", () => {
    for (const page of [successPage(), failurePage(400, 'Authorization failed', 'x'), renderPage('ok', 200, 't', [])]) {
      const style = /<style>([\s\S]*?)<\/style>/.exec(page.body)?.[1];
      assert.ok(style !== undefined, 'an inline style');
      const hash = createHash('sha256').update(style, 'utf8').digest('base64');
      const csp = page.headers['Content-Security-Policy']!;
      assert.ok(csp.includes(`style-src 'sha256-${hash}'`), `${csp}: STYLE_HASH in src/server/pages.ts must be '${hash}'`);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /form-action 'none'/);
      assert.match(csp, /base-uri 'none'/);
      assert.ok(!/unsafe-inline|script-src/.test(csp), csp);
      assert.ok(!/<script/i.test(page.body), 'no script on our pages');
      assert.equal(page.headers['Cache-Control'], 'no-store');
      assert.equal(page.headers['Referrer-Policy'], 'no-referrer');
      assert.match(page.body, /<meta name="referrer" content="no-referrer">/);
    }
  });

  it('escapeHtml escapes markup and quotes', () => {
    const escaped = escapeHtml(`<script>alert("x")</script> & 'y' \`z\``);
    assert.ok(!/[<>"'`]/.test(escaped), escaped);
    assert.ok(!escaped.includes('<script'), escaped);
    assert.equal(escapeHtml('<script>'), '&#60;script&#62;');
    assert.equal(escapeHtml('a & b'), 'a &#38; b');
    assert.equal(escapeHtml('plain text'), 'plain text');
  });

  it('renderPage escapes the title and every paragraph', () => {
    const page = failurePage(400, '<img src=x onerror=alert(1)>', '"><script>alert(1)</script>');
    assert.ok(!page.body.includes('<img'), page.body);
    assert.ok(!page.body.includes('<script>'), page.body);
    assert.equal(page.status, 400);
    assert.match(page.body, /class="fail"/);
  });

  it('plainPage keeps the protective headers and adds extras', () => {
    const page = plainPage(405, 'Method not allowed.', { Allow: 'GET' });
    assert.equal(page.headers['Content-Type'], 'text/plain; charset=utf-8');
    assert.equal(page.headers['Allow'], 'GET');
    assert.equal(page.headers['Cache-Control'], 'no-store');
    assert.equal(page.body, 'Method not allowed.\n');
  });

  it('pages do not share a mutable header object', () => {
    const a = successPage();
    a.headers['X-Test'] = '1';
    assert.equal(successPage().headers['X-Test'], undefined);
    assert.ok(Object.isFrozen(PAGE_HEADERS));
  });
});

describe('planRedirect', () => {
  const client = (kind: 'installed' | 'web', redirectUris: string[]): OAuthClientConfig => ({
    kind,
    clientId: 'id',
    clientSecret: 'secret',
    authUri: new URL('https://accounts.google.com/o/oauth2/auth'),
    tokenUri: new URL('https://oauth2.googleapis.com/token'),
    redirectUris,
    source: '/path/client.json',
  });
  const never = (): number => assert.fail('randomPort must not be called');

  it('installed: loopback on an ephemeral port', () => {
    assert.deepEqual(planRedirect(client('installed', ['http://localhost']), { randomPort: never }), { mode: 'loopback' });
  });

  it('installed with port: loopback on that port', () => {
    assert.deepEqual(planRedirect(client('installed', ['http://localhost']), { port: 8080, randomPort: never }), {
      mode: 'loopback',
      port: 8080,
    });
  });

  it('installed + headless: 127.0.0.1 on a random port where nothing listens', () => {
    assert.deepEqual(planRedirect(client('installed', []), { headless: true, randomPort: () => 49_321 }), {
      mode: 'headless',
      redirectUri: 'http://127.0.0.1:49321/',
    });
  });

  it('installed + headless + port: that port', () => {
    assert.deepEqual(planRedirect(client('installed', []), { headless: true, port: 9000, randomPort: never }), {
      mode: 'headless',
      redirectUri: 'http://127.0.0.1:9000/',
    });
  });

  it('web with a loopback redirect: loopback on it, exactly as registered', () => {
    const plan = planRedirect(client('web', ['https://example.com/cb', 'http://localhost:8080/oauth2callback']), { randomPort: never });
    assert.deepEqual(plan, { mode: 'loopback', redirectUri: 'http://localhost:8080/oauth2callback' });
  });

  it('web with a loopback redirect and a matching port', () => {
    const plan = planRedirect(client('web', ['http://127.0.0.1:8080']), { port: 8080, randomPort: never });
    assert.deepEqual(plan, { mode: 'loopback', redirectUri: 'http://127.0.0.1:8080' });
  });

  it('web with a loopback redirect + headless: paste mode with that redirect', () => {
    const plan = planRedirect(client('web', ['http://127.0.0.1:8080/cb']), { headless: true, randomPort: never });
    assert.deepEqual(plan, { mode: 'headless', redirectUri: 'http://127.0.0.1:8080/cb' });
  });

  it('web with a port that does not match the registered redirect → USAGE', () => {
    assert.throws(
      () => planRedirect(client('web', ['http://127.0.0.1:8080/cb']), { port: 9090, randomPort: never }),
      (error: unknown) =>
        error instanceof AdsOAuthError &&
        error.code === 'USAGE' &&
        error.message.includes('9090') &&
        error.message.includes('http://127.0.0.1:8080/cb'),
    );
  });

  it('web with only an https redirect: headless with it, and a reason that says how to add a loopback one', () => {
    const plan = planRedirect(client('web', ['https://example.com/oauth2callback', 'https://example.com/other']), { randomPort: never });
    assert.equal(plan.mode, 'headless');
    assert.equal(plan.redirectUri, 'https://example.com/oauth2callback');
    assert.ok(plan.mode === 'headless' && plan.reason !== undefined);
    assert.match(plan.reason!, /paste/);
    assert.match(plan.reason!, /http:\/\/127\.0\.0\.1:8080/);
  });

  it('web with no redirect URI at all → NO_REDIRECT_URI naming the file', () => {
    assert.throws(
      () => planRedirect(client('web', []), { randomPort: never }),
      (error: unknown) =>
        error instanceof AdsOAuthError &&
        error.code === 'NO_REDIRECT_URI' &&
        error.message.includes('/path/client.json') &&
        error.details['path'] === '/path/client.json',
    );
  });
});
