// sha256.ts, the bundled CLI's SHA-256 (its PKCE challenge), against node:crypto and FIPS 180-4.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sha256 } from '../../src/transport/sha256.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('sha256 (the bundled CLI\u2019s SHA-256)', () => {
  it('gives the FIPS 180-4 example digests', () => {
    const text = (s: string): Uint8Array => new TextEncoder().encode(s);
    assert.equal(hex(sha256(text('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(
      hex(sha256(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    assert.equal(hex(sha256(new Uint8Array(0))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(hex(sha256(text('a'.repeat(1_000_000)))), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('equals node:crypto for every length from 0 to 300 bytes (padding across block edges) and for the PKCE example', () => {
    for (let length = 0; length <= 300; length++) {
      const data = randomBytes(length);
      assert.equal(hex(sha256(data)), createHash('sha256').update(data).digest('hex'), `length ${length}`);
    }
    // RFC 7636 Appendix B: the verifier and its S256 challenge.
    const challenge = Buffer.from(sha256(new TextEncoder().encode('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'))).toString('base64url');
    assert.equal(challenge, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('reads only the view it is given, and leaves it unchanged', () => {
    const backing = randomBytes(64);
    const copy = Buffer.from(backing);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 5, 40);
    assert.equal(hex(sha256(view)), createHash('sha256').update(view).digest('hex'));
    assert.deepEqual(Buffer.from(backing), copy);
  });
});
