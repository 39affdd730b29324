import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { isAdsOAuthError } from '../../src/errors.js';
import { open, seal } from '../../src/stores/accounts/crypto.js';
import { parseKeyring } from '../../src/stores/accounts/keyring.js';

const b64 = (n = 32): string => randomBytes(n).toString('base64');

function refuses(value: string | undefined, pattern: RegExp, secret?: string): void {
  assert.throws(
    () => parseKeyring(value),
    (e: unknown) => {
      assert.ok(isAdsOAuthError(e, 'USAGE'), String(e));
      assert.match(e.message, pattern);
      assert.match(e.message, /ADS_OAUTH_ENCRYPTION_KEYS="k1:\$\(openssl rand -base64 32\)"/);
      assert.match(e.message, /node -e/);
      if (secret) assert.ok(!e.message.includes(secret), 'the key material is in the message');
      return true;
    },
  );
}

describe('parseKeyring', () => {
  it('reads kid:base64 entries, the first being current', () => {
    const a = b64();
    const b = b64();
    const keyring = parseKeyring(` k2:${a} , k1:${b}`);
    assert.equal(keyring.current.kid, 'k2');
    assert.deepEqual(
      keyring.keys.map((k) => k.kid),
      ['k2', 'k1'],
    );
    assert.deepEqual(keyring.get('k1')?.key, Buffer.from(b, 'base64'));
    assert.equal(keyring.get('k3'), undefined);
  });

  it('refuses a missing or malformed value, showing how to make one and never the key', () => {
    refuses(undefined, /is not set/);
    refuses('  ', /is not set/);
    const short = b64(16);
    refuses(`k1:${short}`, /16 bytes long; AES-256 needs exactly 32/, short);
    refuses(`k1:not*base64!`, /not valid base64/, 'not*base64!');
    refuses(b64(), /no key id/);
    refuses(`:${b64()}`, /empty key id/);
    refuses(`k 1:${b64()}`, /key id that is not/);
    refuses(`k1:${b64()},k1:${b64()}`, /appears twice/);
    refuses(`k1:${b64()},`, /empty/);
  });
});

describe('sealing', () => {
  it('binds a ciphertext to its key, kind, record and client', () => {
    const keyring = parseKeyring(`k1:${b64()}`);
    const context = { kind: 'refresh_token' as const, recordId: 'acc_1', clientId: 'c1' };
    const sealed = seal(keyring, 'secret', context);
    assert.equal(sealed.kid, 'k1');
    assert.notEqual(seal(keyring, 'secret', context).ciphertext, sealed.ciphertext, 'the IV is random');
    assert.equal(open(keyring, sealed, context), 'secret');
    for (const other of [
      { ...context, kind: 'access_token' as const },
      { ...context, recordId: 'acc_2' },
      { ...context, clientId: 'c2' },
    ]) {
      assert.throws(
        () => open(keyring, sealed, other),
        (e: unknown) => isAdsOAuthError(e, 'DECRYPT') && !e.message.includes('secret'),
      );
    }
    assert.throws(
      () => open(keyring, { ...sealed, kid: 'gone' }, context),
      (e: unknown) => isAdsOAuthError(e, 'DECRYPT') && /"gone"/.test(e.message),
    );
  });
});
