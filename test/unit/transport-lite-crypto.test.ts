// The CLI bundle's own `crypto` (src/transport/lite-crypto.ts), checked against Node's WebCrypto
// side by side: the same digests, the same checks and errors on getRandomValues, the rest handed to
// the real one. test/e2e (the built CLI against oidc-provider, which checks PKCE S256) uses it for
// real; the module list of a run shows WebCrypto never loads (cli-canned.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { crypto as lite } from '../../src/transport/lite-crypto.js';

const real = globalThis.crypto;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const hex = (b: ArrayBuffer): string => Buffer.from(b).toString('hex');

async function outcome(fn: () => unknown): Promise<unknown> {
  try {
    const value = await fn();
    return { ok: value instanceof ArrayBuffer ? hex(value) : value };
  } catch (error) {
    return { threw: (error as Error).name };
  }
}

describe('lite crypto (the bundled CLI\u2019s `crypto`)', () => {
  it('subtle.digest: the bytes of WebCrypto for SHA-1/256/384/512, by name or object, from any BufferSource', async () => {
    const text = new TextEncoder().encode('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
    const inputs: BufferSource[] = [text, text.buffer, new DataView(text.buffer, 3, 10), new Uint16Array(4), new Uint8Array(0)];
    for (const algorithm of ['SHA-256', 'sha-256', { name: 'SHA-1' }, 'SHA-384', { name: 'SHA-512' }]) {
      for (const data of inputs) {
        const ours = await lite.subtle.digest(algorithm, data);
        assert.ok(ours instanceof ArrayBuffer);
        assert.equal(hex(ours), hex(await real.subtle.digest(algorithm, data)), JSON.stringify(algorithm));
      }
    }
  });

  it('subtle.digest: an unknown algorithm or bad data fails as WebCrypto fails (it is handed over)', async () => {
    assert.deepEqual(
      await outcome(() => lite.subtle.digest('MD5', new Uint8Array(1))),
      await outcome(() => real.subtle.digest('MD5', new Uint8Array(1))),
    );
    assert.deepEqual(
      await outcome(() => lite.subtle.digest('SHA-256', 'text' as unknown as BufferSource)),
      await outcome(() => real.subtle.digest('SHA-256', 'text' as unknown as BufferSource)),
    );
  });

  it('getRandomValues fills and returns the same integer array; WebCrypto\u2019s errors for floats and more than 65,536 bytes', async () => {
    for (const array of [new Uint8Array(32), new Uint32Array(1), new BigUint64Array(2), new Int16Array(8)]) {
      assert.equal(lite.getRandomValues(array), array);
    }
    const a = lite.getRandomValues(new Uint8Array(64));
    const b = lite.getRandomValues(new Uint8Array(64));
    assert.notDeepEqual(a, b);
    assert.ok(a.some((x) => x !== 0));
    for (const bad of [new Float32Array(4), new Uint8Array(65_537), new DataView(new ArrayBuffer(4))]) {
      assert.deepEqual(
        await outcome(() => lite.getRandomValues(bad as Uint8Array)),
        await outcome(() => real.getRandomValues(bad as Uint8Array)),
      );
      assert.equal(((await outcome(() => lite.getRandomValues(bad as Uint8Array))) as { threw?: string }).threw !== undefined, true);
    }
  });

  it('the rest of subtle is WebCrypto\u2019s: an HMAC key imported and used through lite signs as the real one', async () => {
    const secret = new TextEncoder().encode('client-secret');
    const data = new TextEncoder().encode('header.payload');
    const key = await lite.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const realKey = await real.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    assert.equal(hex(await lite.subtle.sign('HMAC', key, data)), hex(await real.subtle.sign('HMAC', realKey, data)));
  });

  it('getRandomValues draws from /dev/urandom where there is one, and from WebCrypto where not (Windows)', (t) => {
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    const real = t.mock.method(globalThis.crypto, 'getRandomValues');
    const fromDevice = lite.getRandomValues(new Uint8Array(32));
    assert.ok(fromDevice.some((x) => x !== 0));
    assert.equal(real.mock.callCount(), 0, 'the device, not WebCrypto');
    Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
    try {
      const array = new Uint32Array(4);
      assert.equal(lite.getRandomValues(array), array);
      assert.equal(real.mock.callCount(), 1, 'handed to WebCrypto');
      assert.ok(array.some((x) => x !== 0));
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
    lite.getRandomValues(new Uint8Array(8));
    assert.equal(real.mock.callCount(), 1, 'back on the device');
  });

  it('getRandomValues refuses another device at /dev/urandom (/dev/zero bound over it) and asks WebCrypto', (t) => {
    // A mount namespace of its own (root, util-linux's unshare): the rest of the machine keeps its device.
    const script = [
      "import { crypto } from './src/transport/lite-crypto.ts';",
      'const bytes = crypto.getRandomValues(new Uint8Array(32));',
      'process.stdout.write(JSON.stringify({ zeros: bytes.every((b) => b === 0) }));',
    ].join('\n');
    const run = spawnSync(
      'unshare',
      [
        '-m',
        'sh',
        '-c',
        `mount --bind /dev/zero /dev/urandom && head -c 8 /dev/urandom | od -An -tx1 >&2 && exec "$0" --import tsx --input-type=module -e "$1"`,
        process.execPath,
        script,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    if (run.error || (run.status !== 0 && /unshare|mount|Operation not permitted|permission/i.test(run.stderr))) {
      t.skip(`no mount namespace here: ${(run.error?.message ?? run.stderr).trim().slice(0, 120)}`);
      return;
    }
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /^\s*(00 ){7}00\s*$/m, 'inside, /dev/urandom reads zeros');
    assert.deepEqual(JSON.parse(run.stdout), { zeros: false });
  });

  it('randomUUID is a version 4 UUID', () => {
    assert.match(lite.randomUUID(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
