/**
 * The account store of `ads-oauth serve`: one interface, two engines (SQLite through
 * better-sqlite3, Postgres through pg), SQL written once with Kysely. Everything secret that it
 * keeps (refresh tokens, cached access tokens, PKCE verifiers, nonces) is encrypted with
 * AES-256-GCM under a {@link Keyring}; everything a bearer presents (state, API keys, admin
 * session ids) is kept only as a SHA-256 hash.
 *
 * This file is the contract the server, the web flow and the broker are written against.
 */

/** `active`: usable; `reconnect_required`: the refresh token died (invalid_grant); `revoked`: revoked by an admin or API call. */
export type AccountStatus = 'active' | 'reconnect_required' | 'revoked';

/** One connected Google account. Secret-free: safe to log and to return from the API. */
export interface StoredAccount {
  /** Opaque, URL-safe, random (`acc_` + 22 base64url characters). Never the subject. */
  id: string;
  /** The ID token's `iss`. */
  issuer: string;
  /** The ID token's `sub`: the account's key, with `issuer`. */
  subject: string;
  /** The ID token's `email`, when given. */
  email: string | null;
  /** The ID token's `email_verified`. */
  emailVerified: boolean;
  /** Granted scopes, as full URLs, sorted. */
  scopes: string[];
  /** Whether the broker can use it ({@link AccountStatus}). */
  status: AccountStatus;
  /** Why the status is not `active` (the lifecycle diagnosis), else null. Secret-free. */
  statusReason: string | null;
  /** When the account was first connected. */
  connectedAt: Date;
  /** When the broker last refreshed its access token, if ever. */
  lastRefreshedAt: Date | null;
  /** When the record last changed. */
  updatedAt: Date;
}

/** What a successful callback stores. */
export interface AccountConnection {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  scopes: readonly string[];
  refreshToken: string;
  /** The access token that came with the exchange, cached for the broker. */
  accessToken?: { token: string; expiresAt: Date; scopes: readonly string[] };
}

/** A cached access token (decrypted). */
export interface CachedAccessToken {
  token: string;
  expiresAt: Date;
  scopes: string[];
}

/** Which flow a pending authorization belongs to: a user connecting an account, or an admin signing in. */
export type PendingFlow = 'connect' | 'admin';

/** An authorization request waiting for its callback. */
export interface PendingAuthorization {
  flow: PendingFlow;
  /** The PKCE verifier (stored encrypted). */
  codeVerifier: string;
  /** The OIDC nonce (stored encrypted). */
  nonce: string;
  redirectUri: string;
  /** SHA-256 (base64url) of the pre-auth cookie's value: a state is consumed only with its cookie. */
  bindingHash: string;
  /** A same-origin path to go to afterwards, already validated. */
  returnTo: string | null;
  expiresAt: Date;
}

/**
 * An API key as the store keeps it: never the key itself (only its SHA-256 is stored, and the key
 * is shown once, when created), but its id, name and times. `revokedAt` set means it no longer works.
 */
export interface ApiKeyRecord {
  id: string;
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * A server-side admin session of `serve`'s /admin: the cookie holds only a random id, stored as a
 * hash; the session carries the admin's email, its forms' CSRF token and when it ends.
 */
export interface AdminSession {
  email: string;
  /** The CSRF token of this session's forms (stored encrypted). */
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The engine behind an {@link AccountStore}. */
export type StoreKind = 'sqlite' | 'postgres';

/**
 * Every method throws an `AdsOAuthError` with code `STORE` when the database fails, and code
 * `DECRYPT` when a ciphertext does not authenticate (wrong key, tampered row, row moved to
 * another account): never garbage, never a token.
 */
export interface AccountStore {
  /** The engine. */
  readonly kind: StoreKind;

  /** Runs pending migrations, versioned; safe when two processes start at once. */
  migrate(): Promise<void>;
  /** Resolves when the database answers a query on the store's tables (for `/readyz`); throws `STORE` when it is down or its tables are gone. */
  ping(): Promise<void>;
  /** Closes the database connections. */
  close(): Promise<void>;

  /**
   * Stores a connection, keyed by (issuer, subject): a new record, or the same record with the new
   * refresh token, scopes and email (status back to `active`). Never revokes anything.
   */
  saveConnection(connection: AccountConnection): Promise<{ account: StoredAccount; created: boolean }>;
  /** The account with this id, or undefined. */
  getAccount(id: string): Promise<StoredAccount | undefined>;
  /** The account of a Google account (ID token `iss` and `sub`), or undefined. */
  findAccount(issuer: string, subject: string): Promise<StoredAccount | undefined>;
  /** Every account. */
  listAccounts(): Promise<StoredAccount[]>;
  /** The decrypted refresh token; `undefined` for an unknown id. */
  getRefreshToken(id: string): Promise<string | undefined>;
  /** After a refresh: the new access token, the time, and the rotated refresh token if the provider rotated it. */
  recordRefresh(id: string, result: { accessToken: CachedAccessToken; refreshedAt: Date; rotatedRefreshToken?: string }): Promise<void>;
  /** The cached access token (decrypted), or undefined. */
  getCachedAccessToken(id: string): Promise<CachedAccessToken | undefined>;
  /** Sets the status and its reason (e.g. `reconnect_required` after `invalid_grant`). */
  setStatus(id: string, status: AccountStatus, reason: string | null): Promise<void>;
  /** Deletes the record; false when there was none. */
  deleteAccount(id: string): Promise<boolean>;

  /**
   * Runs `fn` holding the refresh lock of one account, across every process that shares the
   * database (Postgres: an advisory lock on a dedicated connection; SQLite: a lease row), so two
   * instances never refresh one token at once. Waits at most `waitMs` (default 30 000), then
   * throws `STORE`.
   */
  withRefreshLock<T>(id: string, fn: () => Promise<T>, options?: { waitMs?: number }): Promise<T>;

  /** Stores a pending authorization under SHA-256(state). */
  savePending(state: string, pending: PendingAuthorization): Promise<void>;
  /**
   * Takes a pending authorization out of the store, atomically and once: a second call with the
   * same state, or a call after `expiresAt`, returns undefined. The binding is checked by the caller.
   */
  consumePending(state: string, now?: Date): Promise<PendingAuthorization | undefined>;
  /** Deletes expired pending authorizations and admin sessions; returns how many. */
  purgeExpired(now?: Date): Promise<number>;

  /** Creates an API key; the key is returned once and only its hash is stored. */
  createApiKey(name: string | null): Promise<{ record: ApiKeyRecord; key: string }>;
  /** Every API key's record (never the key). */
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** False when there was no such live key. */
  revokeApiKey(id: string): Promise<boolean>;
  /**
   * The live key's record (and marks it used, at most once a minute), else undefined; looked up by
   * its SHA-256, never compared as itself. A key verified less than `apiKeyRevalidateMs` ago
   * (default 1 s) is taken on trust without a database read.
   */
  verifyApiKey(key: string): Promise<ApiKeyRecord | undefined>;

  /** Creates a server-side admin session; returns its id (the cookie value), stored only as a hash. */
  createAdminSession(session: { email: string; ttlMs: number }): Promise<{ id: string; session: AdminSession }>;
  /** The live session with this id, or undefined (expired or unknown). */
  getAdminSession(id: string, now?: Date): Promise<AdminSession | undefined>;
  /** Moves a live session's expiry to `expiresAt` (idle timeout: the server slides it on use); nothing for an expired or unknown one. */
  touchAdminSession(id: string, expiresAt: Date, now?: Date): Promise<void>;
  /** Ends a session. */
  deleteAdminSession(id: string): Promise<void>;

  /**
   * Re-encrypts every record under the keyring's current key; safe while servers run. A record
   * that does not decrypt (tampered, or its key is gone) is left as it is and listed in
   * `undecryptable` (account ids; `pending:`/`admin_session:` + a hash prefix for the others),
   * so one bad row does not stop the rotation of the rest.
   */
  rotateKeys(): Promise<{ reencrypted: number; undecryptable: string[] }>;

  /**
   * Whether the keyring opens the stored refresh tokens, without changing anything: for each key
   * id the accounts use, how many accounts, whether the keyring has that id, and how many of a
   * few of its most recently updated accounts (`sample`, default 3) decrypt. `serve` runs it at
   * start-up: a keyring that opens none of them is the wrong key (refused), a key id it lacks or
   * whose sample opens none is reported; one damaged record among good ones is not a key problem.
   */
  checkKeys(sample?: number): Promise<KeyCheck>;
}

/** What {@link AccountStore.checkKeys} found: one entry per key id the accounts' refresh tokens use. */
export interface KeyCheck {
  /** Stored accounts in all. */
  accounts: number;
  kids: Array<{
    /** The key id the ciphertexts name. */
    kid: string;
    /** Accounts whose refresh token is under it. */
    accounts: number;
    /** Whether the keyring has a key under this id. */
    inKeyring: boolean;
    /** How many were tried (0 when the keyring lacks the id). */
    sampled: number;
    /** How many of those decrypted. */
    opened: number;
  }>;
}
