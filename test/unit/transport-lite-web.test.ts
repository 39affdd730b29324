// The CLI bundle's own Headers/Response (src/transport/lite-web.ts), checked against Node's real
// ones (undici) side by side, and through oauth4webapi, which the bundle gives them to.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { Headers as LiteHeaders, Response as LiteResponse } from '../../src/transport/lite-web.js';
import { createNodeFetch } from '../../src/transport/node-fetch.js';

type AnyHeaders = {
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
};
const entries = (h: unknown): [string, string][] => [...(h as AnyHeaders).entries()];

function outcome(fn: () => unknown): unknown {
  try {
    const value = fn();
    return { ok: value };
  } catch (error) {
    return { threw: (error as Error).constructor.name };
  }
}

const INITS: unknown[] = [
  undefined,
  {},
  { 'Content-Type': 'application/json', 'X-A': ' padded\t' },
  [
    ['X-B', '1'],
    ['x-b', '2'],
    ['Set-Cookie', 'a=1'],
    ['set-cookie', 'b=2'],
    ['Accept', 'text/html'],
  ],
  { 'bad name': 'x' },
  { 'x-ok': 'line\r\nInjected: yes' },
  { 'x-ok': 'nul\0' },
  { 'x-ok': 'é' },
  { 'x-ok': '\u2028' },
  [['only-one']],
  [['a', 'b', 'c']],
  { '': 'empty name' },
];

describe('lite Headers', () => {
  it('builds, combines, validates and iterates as the real Headers do', () => {
    for (const init of INITS) {
      const real = outcome(() => entries(new Headers(init as HeadersInit)));
      const lite = outcome(() => entries(new LiteHeaders(init as never)));
      assert.deepEqual(lite, real, `init ${JSON.stringify(init)}`);
    }
  });

  it('get/set/append/has/delete/getSetCookie/forEach agree with the real Headers', () => {
    const ops = (h: Headers | LiteHeaders): unknown[] => {
      const log: unknown[] = [];
      h.append('Accept', 'application/json');
      h.append('accept', 'application/jwt');
      h.set('User-Agent', 'x/1');
      h.append('Set-Cookie', 'a=1');
      h.append('Set-Cookie', 'b=2');
      log.push(h.get('ACCEPT'), h.get('set-cookie'), h.get('missing'), h.has('user-agent'), h.has('nope'), h.getSetCookie());
      h.delete('User-Agent');
      log.push(h.has('user-agent'));
      const seen: string[] = [];
      h.forEach((value, key) => seen.push(`${key}=${value}`));
      log.push(seen, Object.fromEntries(entries(h)), [...(h as unknown as AnyHeaders).keys()], [...(h as unknown as AnyHeaders).values()]);
      log.push(
        outcome(() => h.set('bad name', 'x')),
        outcome(() => h.get('bad name')),
        outcome(() => h.append('x', 'a\nb')),
      );
      return log;
    };
    assert.deepEqual(ops(new LiteHeaders()), ops(new Headers()));
  });

  it('copies from a real Headers and from itself, set-cookie kept apart', () => {
    const real = new Headers([
      ['x-a', '1'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
    const lite = new LiteHeaders(real);
    assert.deepEqual(entries(lite), entries(real));
    assert.deepEqual(entries(new LiteHeaders(lite)), entries(real));
    assert.deepEqual(entries(new Headers(lite as unknown as HeadersInit)), entries(real));
  });

  it('carries the tag oauth4webapi checks', () => {
    assert.equal(Object.prototype.toString.call(new LiteHeaders()), '[object Headers]');
    assert.equal(
      Object.getPrototypeOf(new LiteHeaders())[Symbol.toStringTag],
      (Headers.prototype as unknown as Record<symbol, unknown>)[Symbol.toStringTag],
    );
  });
});

describe('lite Response', () => {
  const cases: [unknown, ResponseInit | undefined][] = [
    ['hello', undefined],
    ['{"a":1}', { status: 201, statusText: 'Created', headers: { 'content-type': 'application/json' } }],
    [new Uint8Array([104, 105]), { status: 400 }],
    [null, { status: 204 }],
    ['body', { status: 204 }],
    [null, { status: 199 }],
    [null, { status: 600 }],
    [null, { status: 200.5 }],
    ['x', { status: 200, statusText: 'bad\ntext' }],
    [new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0xff]).buffer, undefined],
  ];

  it('constructs, validates and reads as the real Response does', async () => {
    for (const [body, init] of cases) {
      const describeIt = async (make: () => Response | LiteResponse): Promise<unknown> => {
        let r: Response | LiteResponse;
        try {
          r = make();
        } catch (error) {
          return { threw: (error as Error).constructor.name };
        }
        const clone = r.clone();
        return {
          status: r.status,
          statusText: r.statusText,
          ok: r.ok,
          headers: entries(r.headers as AnyHeaders),
          bodyNull: r.body === null,
          text: await r.text(),
          used: r.bodyUsed,
          again: await r.text().then(
            () => 'read twice',
            (e: Error) => e.constructor.name,
          ),
          cloneAfterUse: outcome(() => r.clone()) instanceof Object && 'threw' in (outcome(() => r.clone()) as object),
          cloneBytes: [...new Uint8Array(await clone.arrayBuffer())],
        };
      };
      const real = await describeIt(() => new Response(body as BodyInit, init));
      const lite = await describeIt(() => new LiteResponse(body as never, init as never));
      assert.deepEqual(lite, real, `case ${JSON.stringify([body, init])}`);
    }
  });

  it('json(), the body stream and its cancel as the real Response', async () => {
    const lite = new LiteResponse('{"error":"invalid_grant"}', { status: 400, headers: { 'content-type': 'application/json' } });
    assert.deepEqual(await lite.clone().json(), { error: 'invalid_grant' });
    assert.equal(lite.bodyUsed, false);
    await lite.body?.cancel();
    assert.equal(lite.bodyUsed, true);
    const streamed = new LiteResponse('abc');
    const chunks: number[] = [];
    for await (const chunk of streamed.body! as unknown as AsyncIterable<Uint8Array>) chunks.push(...chunk);
    assert.deepEqual(chunks, [97, 98, 99]);
    assert.equal(streamed.bodyUsed, true);
    await assert.rejects(streamed.text(), TypeError);
    assert.equal(Object.prototype.toString.call(lite), '[object Response]');
  });
});

describe('oauth4webapi takes the lite Response as it takes the real one', () => {
  const as: oauth.AuthorizationServer = { issuer: 'http://127.0.0.1', token_endpoint: 'http://127.0.0.1/token' };
  const client: oauth.Client = { client_id: 'c' };
  const bodies: [number, Record<string, unknown> | string, Record<string, string>][] = [
    [
      200,
      { access_token: 'at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt', scope: 'a b' },
      { 'content-type': 'application/json' },
    ],
    [200, { access_token: 'at', token_type: 'bearer', expires_in: '60' }, { 'content-type': 'application/json;charset=utf-8' }],
    [200, { token_type: 'Bearer' }, { 'content-type': 'application/json' }],
    [200, { access_token: 'at', token_type: 'mac' }, { 'content-type': 'application/json' }],
    [200, { access_token: 'at', token_type: 'Bearer' }, { 'content-type': 'text/plain' }],
    [200, 'not json', { 'content-type': 'application/json' }],
    [400, { error: 'invalid_grant', error_description: 'Bad Request' }, { 'content-type': 'application/json' }],
    [401, { error: 'invalid_client' }, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="x"' }],
    [500, 'oops', { 'content-type': 'text/plain' }],
  ];

  async function process(response: Response): Promise<unknown> {
    try {
      const result = await oauth.processRefreshTokenResponse(as, client, response);
      return { ok: { ...result } };
    } catch (error) {
      const e = error as { name: string; code?: string; error?: string; status?: number };
      return { name: e.name, code: e.code, error: e.error, status: e.status };
    }
  }

  it('same result or the same error for each token endpoint answer', async () => {
    for (const [status, body, headers] of bodies) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const real = await process(new Response(text, { status, headers }));
      const lite = await process(new LiteResponse(text, { status, headers }) as unknown as Response);
      assert.deepEqual(lite, real, `answer ${status} ${text}`);
    }
  });
});

describe('createNodeFetch over real HTTP (127.0.0.1) with the lite classes', () => {
  let server: Server;
  let origin: string;
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        res.writeHead(200, [
          ['Content-Type', 'application/json'],
          ['Set-Cookie', 'a=1'],
          ['Set-Cookie', 'b=2'],
        ]);
        res.end(JSON.stringify({ headers: req.headers, body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends a lite Headers object as the request headers', async () => {
    const fetch = createNodeFetch();
    const res = await fetch(`${origin}/x`, {
      method: 'POST',
      headers: new LiteHeaders({ 'X-Test': 'yes' }) as unknown as Headers,
      body: 'a=b',
    });
    const json = (await res.json()) as { headers: Record<string, string>; body: string };
    assert.equal(json.headers['x-test'], 'yes');
    assert.equal(json.body, 'a=b');
    assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
  });
});
