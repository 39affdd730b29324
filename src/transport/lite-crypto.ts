/**
 * A `crypto` for the bundled CLI (scripts/bundle-cli.mjs), beside lite-web.ts: esbuild *injects*
 * it for the free identifier `crypto` in dist/cli/run.cjs only (ours and oauth4webapi's), so that a
 * run of the CLI never makes Node's WebCrypto. No global is replaced; the library (dist/index.js)
 * and `serve` keep the real one.
 *
 * In Node 20 the first touch of `globalThis.crypto` loads the WebCrypto modules (the Crypto and
 * SubtleCrypto classes, webidl), and `subtle.digest` runs on the thread pool: the PKCE verifier and
 * challenge alone cost 3–5 ms of the time to the consent URL here, against ≈ 1 ms for node:crypto's
 * randomFillSync and createHash, which the CLI has loaded anyway (bench/NOTES.md, round 4).
 *
 * `getRandomValues` is randomFillSync with WebCrypto's checks (an integer typed array, at most
 * 65,536 bytes: else the real one throws its own errors); `subtle.digest` of SHA-1/-256/-384/-512
 * is createHash's (the same bytes, as an ArrayBuffer, asynchronously); every other use, and any
 * other algorithm, goes to the real `globalThis.crypto`, made then.
 */
import { createHash, randomFillSync, randomUUID } from 'node:crypto';

const real = (): Crypto => globalThis.crypto;

const DIGESTS: Readonly<Record<string, string>> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

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

async function digest(algorithm: AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer> {
  const name = typeof algorithm === 'string' ? algorithm : (algorithm as { name?: unknown } | null)?.name;
  const hash = typeof name === 'string' ? DIGESTS[name.toUpperCase()] : undefined;
  const bytes = bytesOf(data);
  if (hash === undefined || bytes === undefined) return real().subtle.digest(algorithm, data);
  const out = createHash(hash).update(bytes).digest();
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
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
    randomFillSync(array);
    return array;
  },
  randomUUID: (): `${string}-${string}-${string}-${string}-${string}` => randomUUID(),
  subtle,
} as unknown as Crypto;

export { liteCrypto as crypto };
