import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPooledFetch } from '../../src/transport/pooled-fetch.js';
import { TransportError } from '../../src/transport/node-fetch.js';

let server: Server;
let origin: string;
const sockets = new Set<Socket>();
const ports: number[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      ports.push(req.socket.remotePort ?? 0);
      if (req.url === '/hang') return;
      if (req.url === '/empty') {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(req.url === '/bad' ? 400 : 200, { 'Content-Type': 'application/json', 'Set-Cookie': ['a=1', 'b=2'] });
      res.end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] ?? null }));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

describe('createPooledFetch', () => {
  it('posts a form body and returns status, headers and JSON as fetch would', async () => {
    const fetch = createPooledFetch();
    try {
      const res = await fetch(`${origin}/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'x' }),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
      assert.deepEqual(await res.json(), { method: 'POST', body: 'grant_type=x', type: 'application/x-www-form-urlencoded' });
      const bad = await fetch(`${origin}/bad`);
      assert.equal(bad.status, 400);
      const empty = await fetch(`${origin}/empty`);
      assert.equal(empty.status, 204);
      assert.equal(empty.body, null);
    } finally {
      fetch.close();
    }
  });

  it('keeps the socket alive between requests (one connection for sequential calls)', async () => {
    const fetch = createPooledFetch();
    try {
      ports.length = 0;
      for (let i = 0; i < 5; i++) await (await fetch(`${origin}/x`)).text();
      assert.equal(ports.length, 5);
      assert.equal(new Set(ports).size, 1, `remote ports: ${ports.join(',')}`);
    } finally {
      fetch.close();
    }
  });

  it('keeps every socket of a burst for the next one (no reconnects under load)', async () => {
    const fetch = createPooledFetch();
    let connections = 0;
    const count = () => void (connections += 1);
    server.on('connection', count);
    // 40 requests started in one tick: the agent opens a socket for each.
    const burst = () => Promise.all(Array.from({ length: 40 }, () => fetch(`${origin}/x`).then((r) => r.text())));
    try {
      await burst();
      assert.equal(connections, 40);
      await burst();
      assert.equal(connections, 40, 'the second burst reused the sockets of the first');
    } finally {
      server.off('connection', count);
      fetch.close();
    }
  });

  it('applies its timeout and honours an abort signal', async () => {
    const fetch = createPooledFetch({ timeoutMs: 100 });
    try {
      await assert.rejects(fetch(`${origin}/hang`), (e: unknown) => e instanceof TransportError && e.code === 'ETIMEDOUT');
      const controller = new AbortController();
      const pending = fetch(`${origin}/hang`, { signal: controller.signal });
      setTimeout(() => controller.abort(new DOMException('gone', 'AbortError')), 20);
      await assert.rejects(pending, (e: unknown) => (e as Error).name === 'AbortError');
      await assert.rejects(fetch('ftp://127.0.0.1/x'), TypeError);
    } finally {
      fetch.close();
    }
  });
});
