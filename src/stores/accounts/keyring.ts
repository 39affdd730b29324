import { AdsOAuthError } from '../../errors.js';

/** One AES-256 key with its id (the id is stored beside every ciphertext it made). */
export interface KeyringKey {
  /** The key id: 1 to 32 of `A-Za-z0-9_-`. */
  readonly kid: string;
  /** 32 bytes. */
  readonly key: Buffer;
}

/**
 * The encryption keys of the account store: `current` encrypts, every key (current included)
 * decrypts, so a key can be rotated in without making older rows unreadable.
 */
export interface Keyring {
  /** The key new ciphertexts are made with: the first of the variable. */
  readonly current: KeyringKey;
  /** Every key, current first. */
  readonly keys: readonly KeyringKey[];
  /** The key with this id, if the keyring has it. */
  get(kid: string): KeyringKey | undefined;
}

/** The environment variable that holds the keyring. */
export const ENCRYPTION_KEYS_ENV = 'ADS_OAUTH_ENCRYPTION_KEYS';

const KID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const HOW_TO_GENERATE =
  `Generate a key with\n  ${ENCRYPTION_KEYS_ENV}="k1:$(openssl rand -base64 32)"\n` +
  `or\n  ${ENCRYPTION_KEYS_ENV}="k1:$(node -e "console.log(require('crypto').randomBytes(32).toString('base64'))")"\n` +
  `To rotate, put the new key first and keep the old ones after it (e.g. "k2:…,k1:…"), restart, then run the key rotation.`;

function usage(problem: string): AdsOAuthError {
  return new AdsOAuthError('USAGE', `${problem}\n${HOW_TO_GENERATE}`, { details: { variable: ENCRYPTION_KEYS_ENV } });
}

/**
 * Parses `ADS_OAUTH_ENCRYPTION_KEYS`: comma-separated `kid:base64-of-32-bytes`, the first being
 * the current key. Error messages name the entry by position and kid, never its key material.
 *
 * @param value the variable's value, e.g. `process.env.ADS_OAUTH_ENCRYPTION_KEYS`:
 *   `k2:<base64>,k1:<base64>` (key ids 1–32 of `A-Za-z0-9_-`, each key exactly 32 bytes, ids
 *   unique). Rotate by putting a new key first and keeping the old ones, then `rotateKeys()`.
 * @returns the {@link Keyring}, frozen; the first key is `current`.
 * @throws AdsOAuthError `USAGE` when the value is missing or malformed (the message says how to
 *   generate a key, never quoting key material)
 * @example
 * ```ts
 * import { randomBytes } from 'node:crypto';
 * import { parseKeyring } from 'ads-oauth/web';
 *
 * const keyring = parseKeyring(`k1:${randomBytes(32).toString('base64')}`);
 * console.log(keyring.current.kid); // 'k1'
 * ```
 */
export function parseKeyring(value: string | undefined): Keyring {
  if (value === undefined || value.trim() === '') {
    throw usage(`${ENCRYPTION_KEYS_ENV} is not set: the account store encrypts every token and needs at least one 32-byte key.`);
  }
  const keys: KeyringKey[] = [];
  const entries = value.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    const position = `entry ${index + 1} of ${ENCRYPTION_KEYS_ENV}`;
    if (entry === '') throw usage(`${position} is empty (a stray comma?).`);
    const colon = entry.indexOf(':');
    if (colon === -1) throw usage(`${position} has no key id: write it as kid:base64-key.`);
    const kid = entry.slice(0, colon).trim();
    const material = entry.slice(colon + 1).trim();
    if (kid === '') throw usage(`${position} has an empty key id: write it as kid:base64-key.`);
    if (!KID_PATTERN.test(kid)) {
      throw usage(`${position} has a key id that is not 1 to 32 letters, digits, "-" or "_".`);
    }
    if (keys.some((k) => k.kid === kid)) throw usage(`${position}: the key id "${kid}" appears twice; every key needs its own id.`);
    if (!BASE64_PATTERN.test(material)) throw usage(`${position} (key id "${kid}") is not valid base64.`);
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32) {
      throw usage(`${position} (key id "${kid}") is ${key.length} bytes long; AES-256 needs exactly 32 bytes.`);
    }
    keys.push({ kid, key });
  });
  return makeKeyring(keys);
}

function makeKeyring(keys: KeyringKey[]): Keyring {
  const current = keys[0];
  if (current === undefined) throw usage(`${ENCRYPTION_KEYS_ENV} has no key.`);
  const byKid = new Map(keys.map((k) => [k.kid, k]));
  return Object.freeze({
    current,
    keys: Object.freeze([...keys]),
    get: (kid: string) => byKid.get(kid),
  });
}
