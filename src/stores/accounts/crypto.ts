import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AdsOAuthError } from '../../errors.js';
import type { Keyring } from './keyring.js';

/** What a ciphertext belongs to: part of its associated data, so it decrypts only in its own place. */
export type RecordKind = 'refresh_token' | 'access_token' | 'pending' | 'admin_csrf';

/** Where a ciphertext lives: the kind, the row (account id, state hash, session id hash) and the OAuth client. */
export interface RecordContext {
  kind: RecordKind;
  /** The account id, the state hash or the session id hash. */
  recordId: string;
  clientId: string;
}

/** A sealed value: `ciphertext` is base64url(IV ‖ ciphertext ‖ tag); `kid` names the key. */
export interface Sealed {
  ciphertext: string;
  kid: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Associated data: unambiguous (JSON array), versioned, binding kind + record + client. */
function aad(context: RecordContext): Buffer {
  return Buffer.from(JSON.stringify(['ads-oauth/v1', context.kind, context.recordId, context.clientId]), 'utf8');
}

function describe(context: RecordContext): string {
  const what = {
    refresh_token: 'the refresh token of account',
    access_token: 'the cached access token of account',
    pending: 'the pending authorization',
    admin_csrf: 'the admin session',
  }[context.kind];
  // Pending states and session ids are stored hashed; a prefix of the hash identifies the row without exposing anything.
  const id = context.kind === 'pending' || context.kind === 'admin_csrf' ? `${context.recordId.slice(0, 12)}…` : context.recordId;
  return `${what} ${id}`;
}

/** Encrypts with the keyring's current key (AES-256-GCM, random 96-bit IV). */
export function seal(keyring: Keyring, plaintext: string, context: RecordContext): Sealed {
  const { kid, key } = keyring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { ciphertext: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url'), kid };
}

/**
 * Decrypts a sealed value in its context.
 *
 * @throws AdsOAuthError `DECRYPT` naming the key id and the record (never the data) when the key
 *   is missing from the keyring or the ciphertext does not authenticate.
 */
export function open(keyring: Keyring, sealed: Sealed, context: RecordContext): string {
  const key = keyring.get(sealed.kid);
  if (key === undefined) {
    throw new AdsOAuthError(
      'DECRYPT',
      `Cannot decrypt ${describe(context)}: it was encrypted with key id "${sealed.kid}", which is not in ADS_OAUTH_ENCRYPTION_KEYS (it has ${keyring.keys.map((k) => `"${k.kid}"`).join(', ')}). Add that key back (after the current one) and run the key rotation before removing it.`,
      { details: { kid: sealed.kid, kind: context.kind, reason: 'unknown_kid' } },
    );
  }
  const fail = (cause?: unknown): AdsOAuthError =>
    new AdsOAuthError(
      'DECRYPT',
      `Cannot decrypt ${describe(context)} with key id "${sealed.kid}": the ciphertext does not authenticate. The key under that id is not the one that encrypted it, the row was altered, or it was moved from another record or OAuth client.`,
      { ...(cause === undefined ? {} : { cause }), details: { kid: sealed.kid, kind: context.kind, reason: 'authentication_failed' } },
    );
  const raw = Buffer.from(sealed.ciphertext, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw fail();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(context));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch (error) {
    throw fail(error);
  }
}
