/**
 * A `crypto` for the bundled CLI (scripts/bundle-cli.mjs), beside lite-web.ts: esbuild *injects*
 * it for the free identifier `crypto` in dist/cli/run.cjs only (ours and oauth4webapi's), so that a
 * run of the CLI never makes Node's WebCrypto, and loads no `node:crypto` before it needs one (TLS,
 * `--config`'s temporary names and lock). No global is replaced; the library (dist/index.js) and
 * `serve` keep the real one.
 *
 * In Node 20 the first touch of `globalThis.crypto` loads the WebCrypto modules (the Crypto and
 * SubtleCrypto classes, webidl), and `subtle.digest` runs on the thread pool: the PKCE verifier and
 * challenge alone cost 3–5 ms of the time to the consent URL here (bench/NOTES.md, round 4); and
 * `node:crypto` itself is ≈ 1.5 ms of a run whose provider is plain http (round 5: an https one
 * loads it anyway, for TLS, while the user consents).
 *
 * `getRandomValues` reads the kernel's random device (/dev/urandom, its device number checked),
 * with WebCrypto's checks (an integer typed array, at most 65,536 bytes: else the real one throws
 * its own errors); where that device cannot be read or is not that device (macOS, Windows, a
 * sandbox) it is the real `getRandomValues`.
 * `subtle.digest` of SHA-256 is sha256.ts's (the PKCE challenge), of SHA-1/-384/-512 node:crypto's,
 * loaded then; every other use, and any other algorithm, goes to the real `globalThis.crypto`,
 * made then.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { platform } from 'node:os';
import { sha256 } from './sha256.js';

const real = (): Crypto => globalThis.crypto;

/** Digests handed to node:crypto (SHA-256 is sha256.ts's). */
const OTHER_DIGESTS: Readonly<Record<string, string>> = { 'SHA-1': 'sha1', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

type IntegerArray =
  Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

function isIntegerArray(value: unknown): value is IntegerArray {
  return (
    value instanceof Int8Array ||
    value instanceof Uint8Array ||
    value instanceof Uint8ClampedArray ||
    value instanceof Int16Array ||
    value instanceof Uint16Array ||
    value instanceof Int32Array ||
    value instanceof Uint32Array ||
    value instanceof BigInt64Array ||
    value instanceof BigUint64Array
  );
}

function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/** A fresh ArrayBuffer with exactly these bytes (WebCrypto's digest resolves to one). */
function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function digest(algorithm: AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer> {
  const name = typeof algorithm === 'string' ? algorithm : (algorithm as { name?: unknown } | null)?.name;
  const upper = typeof name === 'string' ? name.toUpperCase() : undefined;
  const bytes = bytesOf(data);
  if (upper === undefined || bytes === undefined) return real().subtle.digest(algorithm, data);
  if (upper === 'SHA-256') return arrayBufferOf(sha256(bytes));
  const hash = OTHER_DIGESTS[upper];
  if (hash === undefined) return real().subtle.digest(algorithm, data);
  const { createHash } = await import('node:crypto');
  return arrayBufferOf(createHash(hash).update(bytes).digest());
}

/**
 * The device number (`stat.rdev`) of the kernel's random device, /dev/urandom, where the kernel
 * fixes it: Linux 1:9 (Documentation/admin-guide/devices.txt). Any other device at that path
 * (/dev/zero bound over it in a sandbox, say) and any other system (macOS picks the number of its
 * random device at boot; Windows has none): WebCrypto's getRandomValues.
 */
const URANDOM_RDEV: Readonly<Record<string, number>> = { linux: (1 << 8) | 9 };

/**
 * Fills `bytes` from the kernel's random device: the generator getrandom(2), which OpenSSL and so
 * WebCrypto use, serves as well (the device does not wait for it to be seeded at boot, which a
 * run that needs a person at a browser does not meet). False, with `bytes` to be filled otherwise,
 * where the device cannot be opened or read, or is not that device.
 */
function fillFromKernel(bytes: Uint8Array): boolean {
  const expected = URANDOM_RDEV[platform()];
  if (expected === undefined) return false;
  let fd: number;
  try {
    fd = openSync('/dev/urandom', 'r');
  } catch {
    return false;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isCharacterDevice() || stat.rdev !== expected) return false;
    for (let offset = 0; offset < bytes.length;) {
      const read = readSync(fd, bytes, offset, bytes.length - offset, null);
      if (read <= 0) return false;
      offset += read;
    }
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

const delegate =
  <K extends keyof SubtleCrypto>(method: K) =>
  (...args: unknown[]): unknown =>
    (real().subtle[method] as (...a: unknown[]) => unknown)(...args);

/** `crypto.subtle`: digest here, the rest Node's. */
const subtle = {
  digest,
  encrypt: delegate('encrypt'),
  decrypt: delegate('decrypt'),
  sign: delegate('sign'),
  verify: delegate('verify'),
  generateKey: delegate('generateKey'),
  deriveKey: delegate('deriveKey'),
  deriveBits: delegate('deriveBits'),
  importKey: delegate('importKey'),
  exportKey: delegate('exportKey'),
  wrapKey: delegate('wrapKey'),
  unwrapKey: delegate('unwrapKey'),
} as unknown as SubtleCrypto;

/** The injected `crypto` (see above). */
const liteCrypto = {
  getRandomValues<T extends ArrayBufferView | null>(array: T): T {
    if (!isIntegerArray(array) || array.byteLength > 65_536) return (real().getRandomValues as (a: unknown) => T)(array);
    if (!fillFromKernel(new Uint8Array(array.buffer, array.byteOffset, array.byteLength))) real().getRandomValues(array);
    return array;
  },
  randomUUID: (): `${string}-${string}-${string}-${string}-${string}` => real().randomUUID(),
  subtle,
} as unknown as Crypto;

export { liteCrypto as crypto };
