import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Compilable, type CompiledQuery, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Pool, PoolClient } from 'pg';
import { AdsOAuthError } from '../../errors.js';
import { open, seal, type RecordContext, type RecordKind, type Sealed } from './crypto.js';
import type { Keyring } from './keyring.js';
import { ensureMigrationsTable, MIGRATIONS, type AccountsTable, type Database } from './schema.js';
import type {
  AccountConnection,
  AccountStatus,
  AccountStore,
  AdminSession,
  ApiKeyRecord,
  CachedAccessToken,
  KeyCheck,
  PendingAuthorization,
  PendingFlow,
  StoreKind,
  StoredAccount,
} from './types.js';

/** The engine-specific parts, supplied by `openAccountStore`. */
export interface Engine {
  kind: StoreKind;
  db: Kysely<Database>;
  /** Postgres: the schema to create in `migrate()` (tests), already on every connection's search_path. */
  schema?: string;
  /** Postgres: the pool of dedicated connections that hold refresh locks (separate, so fn's own queries cannot starve). */
  lockPool?: Pool;
  /** SQLite: the connection's busy_timeout. */
  busyTimeoutMs?: number;
  /** See OpenAccountStoreOptions.apiKeyRevalidateMs. */
  apiKeyRevalidateMs?: number;
  close(): Promise<void>;
}

const DEFAULT_LOCK_WAIT_MS = 30_000;
/** SQLite lease: how long a lease lives without renewal (a crashed holder blocks others at most this long). */
const LEASE_TTL_MS = 30_000;
const LEASE_RENEW_MS = 10_000;
const ROTATE_BATCH = 100;
/** `verifyApiKey` records use at most once a minute, so verifying is a read almost always. */
const LAST_USED_RESOLUTION_MS = 60_000;
/** How long a verified API key is taken on trust before the database is asked again (`apiKeyRevalidateMs`). */
export const DEFAULT_API_KEY_REVALIDATE_MS = 1_000;
/** The most verified keys kept (by hash) for that window; the oldest goes first. */
const VERIFIED_KEYS_MAX = 1_000;

const API_KEY_PATTERN = /^aok_[A-Za-z0-9_-]{43}$/;
const ACCOUNT_ID_PATTERN = /^acc_[A-Za-z0-9_-]{22}$/;

const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('base64url');
const randomId = (prefix: string, bytes: number): string => `${prefix}${randomBytes(bytes).toString('base64url')}`;
const toMillis = (value: number | string): number => (typeof value === 'number' ? value : Number(value));
const toDate = (value: number | string): Date => new Date(toMillis(value));
const toDateOrNull = (value: number | string | null): Date | null => (value === null ? null : toDate(value));
const splitScopes = (value: string | null): string[] => (value ? value.split(' ').filter(Boolean) : []);
const joinScopes = (scopes: readonly string[]): string => [...new Set(scopes)].sort().join(' ');

const ACCOUNT_STATUSES: readonly AccountStatus[] = ['active', 'reconnect_required', 'revoked'];

/** A database failure as `STORE`: the operation and the driver's error code, never SQL parameters; the cause is kept. */
export function storeError(kind: StoreKind, operation: string, error: unknown): AdsOAuthError {
  if (error instanceof AdsOAuthError) return error;
  const err = error as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = typeof err?.message === 'string' ? err.message : undefined;
  // Postgres data exceptions (SQLSTATE class 22) can quote the offending value: keep only the code.
  const quotesValues = kind === 'postgres' && code !== undefined && /^22/.test(code);
  const detail = [code, quotesValues ? undefined : message].filter(Boolean).join(': ');
  const engine = kind === 'sqlite' ? 'SQLite' : 'Postgres';
  return new AdsOAuthError('STORE', `The account store (${engine}) failed to ${operation}${detail ? ` (${detail})` : ''}.`, {
    cause: error,
    details: { engine: kind, operation, ...(code ? { code } : {}) },
  });
}

type AccountRow = Selectable<AccountsTable>;

export class SqlAccountStore implements AccountStore {
  readonly kind: StoreKind;
  readonly #db: Kysely<Database>;
  readonly #engine: Engine;
  readonly #keyring: Keyring;
  readonly #clientId: string;
  #closed = false;
  /** Keys verified in the last apiKeyRevalidateMs, by SHA-256 (never the key itself). */
  readonly #verifiedKeys = new Map<string, { record: ApiKeyRecord; checkedAt: number }>();
  readonly #apiKeyRevalidateMs: number;

  constructor(engine: Engine, keyring: Keyring, clientId: string) {
    this.kind = engine.kind;
    this.#engine = engine;
    this.#db = engine.db;
    this.#keyring = keyring;
    this.#clientId = clientId;
    this.#apiKeyRevalidateMs = Math.max(0, engine.apiKeyRevalidateMs ?? DEFAULT_API_KEY_REVALIDATE_MS);
  }

  async #guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new AdsOAuthError('STORE', `The account store is closed: cannot ${operation}.`, { details: { operation } });
    try {
      return await fn();
    } catch (error) {
      throw storeError(this.kind, operation, error);
    }
  }

  #context(kind: RecordKind, recordId: string): RecordContext {
    return { kind, recordId, clientId: this.#clientId };
  }
  #seal(plaintext: string, kind: RecordKind, recordId: string): Sealed {
    return seal(this.#keyring, plaintext, this.#context(kind, recordId));
  }
  #open(ciphertext: string, kid: string, kind: RecordKind, recordId: string): string {
    return open(this.#keyring, { ciphertext, kid }, this.#context(kind, recordId));
  }

  readonly #compiled = new Map<string, { query: CompiledQuery; params: ({ name: string } | { value: unknown })[] }>();

  /**
   * Runs a hot query compiled once: building and compiling a Kysely query cost more CPU per
   * authorization than running it (issue 9). `build` gets `p(name)`, a sentinel to use wherever a
   * value goes; each later call binds `values[name]` in the sentinels' places. Parameters that are
   * not sentinels (constants in the builder) are kept as they were.
   */
  async #run<R>(key: string, build: (p: (name: string) => string) => Compilable<R>, values: Record<string, unknown>): Promise<R[]> {
    let entry = this.#compiled.get(key);
    if (entry === undefined) {
      const marker = `\u0000ads-oauth:${key}:`;
      const query = build((name) => `${marker}${name}`).compile();
      const params = query.parameters.map((value) =>
        typeof value === 'string' && value.startsWith(marker) ? { name: value.slice(marker.length) } : { value },
      );
      entry = { query, params };
      this.#compiled.set(key, entry);
    }
    const parameters = entry.params.map((param) => {
      if (!('name' in param)) return param.value;
      if (!(param.name in values)) throw new Error(`store query ${key}: no value for ${param.name}`);
      return values[param.name];
    });
    const result = await this.#db.executeQuery<R>({ ...entry.query, parameters });
    return result.rows;
  }

  /**
   * A write transaction that holds the database's write lock from its first statement: SQLite
   * `BEGIN IMMEDIATE` (waits up to busy_timeout instead of failing on a lock upgrade), Postgres a
   * plain transaction.
   */
  async #writeTransaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.kind === 'postgres') return this.#db.transaction().execute((trx: Transaction<Database>) => fn(trx));
    return this.#db.connection().execute(async (conn) => {
      // Not SQLite's busy handler: it blocks the thread, and so starves another store of this
      // same process that holds the lock between awaits. Poll asynchronously instead.
      const busyTimeoutMs = this.#engine.busyTimeoutMs ?? 5000;
      const deadline = Date.now() + Math.max(busyTimeoutMs, 30_000);
      await sql.raw('pragma busy_timeout = 0').execute(conn);
      try {
        for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
          try {
            await sql`begin immediate`.execute(conn);
            break;
          } catch (error) {
            if (!String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw error;
            await sleep(delay);
          }
        }
      } finally {
        await sql.raw(`pragma busy_timeout = ${Math.floor(busyTimeoutMs)}`).execute(conn);
      }
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  }

  // ---------------------------------------------------------------- lifecycle

  async migrate(): Promise<void> {
    await this.#guard('run its migrations', () =>
      this.#writeTransaction(async (trx) => {
        if (this.kind === 'postgres') {
          // One migrator at a time across every process; released when the transaction ends.
          await sql`select pg_advisory_xact_lock(hashtext('ads-oauth:migrate'))`.execute(trx);
          if (this.#engine.schema) await sql`create schema if not exists ${sql.id(this.#engine.schema)}`.execute(trx);
        }
        await ensureMigrationsTable(trx);
        const applied = new Set(
          (await trx.selectFrom('ads_oauth_migrations').select('version').execute()).map((row) => Number(row.version)),
        );
        const latest = Math.max(0, ...applied);
        const known = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
        if (latest > known) {
          throw new AdsOAuthError(
            'STORE',
            `The account store's schema is at version ${latest}, newer than this ads-oauth knows (${known}). Upgrade ads-oauth.`,
            { details: { schemaVersion: latest, knownVersion: known } },
          );
        }
        for (const migration of MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          await migration.up(trx, this.kind);
          await trx
            .insertInto('ads_oauth_migrations')
            .values({ version: migration.version, name: migration.name, applied_at: Date.now() })
            .execute();
        }
      }),
    );
  }

  async ping(): Promise<void> {
    // A query on the store's own tables, not `select 1`: a database that answers while the
    // schema is gone (dropped, wrong search_path) is not ready either.
    await this.#guard('answer a ping', async () => {
      await this.#db.selectFrom('accounts').select('id').limit(1).execute();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#engine.close();
  }

  // ---------------------------------------------------------------- accounts

  #account(row: AccountRow): StoredAccount {
    const status = ACCOUNT_STATUSES.includes(row.status as AccountStatus) ? (row.status as AccountStatus) : 'reconnect_required';
    return {
      id: row.id,
      issuer: row.issuer,
      subject: row.subject,
      email: row.email,
      emailVerified: Number(row.email_verified) === 1,
      scopes: splitScopes(row.scopes),
      status,
      statusReason: row.status_reason,
      connectedAt: toDate(row.connected_at),
      lastRefreshedAt: toDateOrNull(row.last_refreshed_at),
      updatedAt: toDate(row.updated_at),
    };
  }

  async saveConnection(connection: AccountConnection): Promise<{ account: StoredAccount; created: boolean }> {
    if (!connection.issuer || !connection.subject) {
      throw new AdsOAuthError('USAGE', 'saveConnection needs the issuer and the subject of the ID token.');
    }
    if (!connection.refreshToken) throw new AdsOAuthError('USAGE', 'saveConnection needs a refresh token.');
    return this.#guard('save a connection', async () => {
      // The ciphertexts are bound to the account id, so the id must be known before encrypting.
      // A new account (the common case) takes one statement: insert under a fresh id. When the
      // Google account is already connected, the same statement touches nothing but returns the
      // existing row's id (its ciphertexts stay as they were), and an update under that id
      // follows. One database round trip fewer per new connection than select-then-insert
      // (issue 9); if the record vanishes in between, start again.
      for (let attempt = 0; attempt < 5; attempt++) {
        const now = Date.now();
        const fresh = randomId('acc_', 16);
        const sealed = (id: string) => {
          const refresh = this.#seal(connection.refreshToken, 'refresh_token', id);
          const access = connection.accessToken ? this.#seal(connection.accessToken.token, 'access_token', id) : undefined;
          return {
            email: connection.email,
            email_verified: connection.emailVerified ? 1 : 0,
            scopes: joinScopes(connection.scopes),
            status: 'active',
            status_reason: null,
            refresh_token_ct: refresh.ciphertext,
            refresh_token_kid: refresh.kid,
            access_token_ct: access?.ciphertext ?? null,
            access_token_kid: access?.kid ?? null,
            access_token_expires_at: connection.accessToken ? connection.accessToken.expiresAt.getTime() : null,
            access_token_scopes: connection.accessToken ? joinScopes(connection.accessToken.scopes) : null,
            connected_at: now,
            updated_at: now,
          };
        };
        const values = sealed(fresh);
        const [row] = await this.#run(
          'upsert-account',
          (p) =>
            this.#db
              .insertInto('accounts')
              .values({
                id: p('id'),
                issuer: p('issuer'),
                subject: p('subject'),
                last_refreshed_at: p('last_refreshed_at') as unknown as null,
                ...(Object.fromEntries(Object.keys(values).map((k) => [k, p(k)])) as unknown as typeof values),
              })
              // A no-op on conflict, so that RETURNING yields the existing row (DO NOTHING returns none).
              .onConflict((oc) => oc.columns(['issuer', 'subject']).doUpdateSet({ updated_at: sql`accounts.updated_at` }))
              .returningAll(),
          { id: fresh, issuer: connection.issuer, subject: connection.subject, last_refreshed_at: null, ...values },
        );
        if (row === undefined) continue;
        if (row.id === fresh) return { account: this.#account(row), created: true };
        const updated = await this.#db
          .updateTable('accounts')
          .set(sealed(row.id))
          .where('id', '=', row.id)
          .returningAll()
          .executeTakeFirst();
        if (updated) return { account: this.#account(updated), created: false };
      }
      throw new AdsOAuthError('STORE', 'The account store could not save the connection: the record kept changing under it. Try again.');
    });
  }

  async getAccount(id: string): Promise<StoredAccount | undefined> {
    if (!ACCOUNT_ID_PATTERN.test(id)) return undefined;
    return this.#guard('read an account', async () => {
      const [row] = await this.#run('account-by-id', (p) => this.#db.selectFrom('accounts').selectAll().where('id', '=', p('id')), { id });
      return row ? this.#account(row) : undefined;
    });
  }

  async findAccount(issuer: string, subject: string): Promise<StoredAccount | undefined> {
    return this.#guard('find an account', async () => {
      const row = await this.#db
        .selectFrom('accounts')
        .selectAll()
        .where('issuer', '=', issuer)
        .where('subject', '=', subject)
        .executeTakeFirst();
      return row ? this.#account(row) : undefined;
    });
  }

  async listAccounts(): Promise<StoredAccount[]> {
    return this.#guard('list the accounts', async () => {
      const rows = await this.#db.selectFrom('accounts').selectAll().orderBy('connected_at').orderBy('id').execute();
      return rows.map((row) => this.#account(row));
    });
  }

  async getRefreshToken(id: string): Promise<string | undefined> {
    if (!ACCOUNT_ID_PATTERN.test(id)) return undefined;
    const row = await this.#guard('read a refresh token', () =>
      this.#db.selectFrom('accounts').select(['refresh_token_ct', 'refresh_token_kid']).where('id', '=', id).executeTakeFirst(),
    );
    return row ? this.#open(row.refresh_token_ct, row.refresh_token_kid, 'refresh_token', id) : undefined;
  }

  async recordRefresh(
    id: string,
    result: { accessToken: CachedAccessToken; refreshedAt: Date; rotatedRefreshToken?: string },
  ): Promise<void> {
    const access = this.#seal(result.accessToken.token, 'access_token', id);
    const rotated = result.rotatedRefreshToken ? this.#seal(result.rotatedRefreshToken, 'refresh_token', id) : undefined;
    const updated = await this.#guard('record a refresh', () =>
      this.#db
        .updateTable('accounts')
        .set({
          access_token_ct: access.ciphertext,
          access_token_kid: access.kid,
          access_token_expires_at: result.accessToken.expiresAt.getTime(),
          access_token_scopes: joinScopes(result.accessToken.scopes),
          last_refreshed_at: result.refreshedAt.getTime(),
          updated_at: Date.now(),
          ...(rotated ? { refresh_token_ct: rotated.ciphertext, refresh_token_kid: rotated.kid } : {}),
        })
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (updated.numUpdatedRows === 0n) throw notFound(id);
  }

  async getCachedAccessToken(id: string): Promise<CachedAccessToken | undefined> {
    if (!ACCOUNT_ID_PATTERN.test(id)) return undefined;
    const row = await this.#guard('read a cached access token', () =>
      this.#run(
        'cached-access-token',
        (p) =>
          this.#db
            .selectFrom('accounts')
            .select(['access_token_ct', 'access_token_kid', 'access_token_expires_at', 'access_token_scopes'])
            .where('id', '=', p('id')),
        { id },
      ).then((rows) => rows[0]),
    );
    if (!row || row.access_token_ct === null || row.access_token_kid === null || row.access_token_expires_at === null) return undefined;
    return {
      token: this.#open(row.access_token_ct, row.access_token_kid, 'access_token', id),
      expiresAt: toDate(row.access_token_expires_at),
      scopes: splitScopes(row.access_token_scopes),
    };
  }

  async setStatus(id: string, status: AccountStatus, reason: string | null): Promise<void> {
    if (!ACCOUNT_STATUSES.includes(status)) throw new AdsOAuthError('USAGE', `Unknown account status "${String(status)}".`);
    const updated = await this.#guard('set an account status', () =>
      this.#db
        .updateTable('accounts')
        .set({
          status,
          status_reason: status === 'active' ? null : reason,
          updated_at: Date.now(),
          // A dead or revoked grant's access token is not handed out again.
          ...(status === 'active'
            ? {}
            : { access_token_ct: null, access_token_kid: null, access_token_expires_at: null, access_token_scopes: null }),
        })
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (updated.numUpdatedRows === 0n) throw notFound(id);
  }

  async deleteAccount(id: string): Promise<boolean> {
    return this.#guard('delete an account', async () => {
      const result = await this.#db.deleteFrom('accounts').where('id', '=', id).executeTakeFirst();
      await this.#db.deleteFrom('refresh_leases').where('account_id', '=', id).execute();
      return result.numDeletedRows > 0n;
    });
  }

  // ---------------------------------------------------------------- refresh lock

  async withRefreshLock<T>(id: string, fn: () => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
    const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
    return this.kind === 'postgres' ? this.#withAdvisoryLock(id, fn, waitMs) : this.#withLease(id, fn, waitMs);
  }

  async #withAdvisoryLock<T>(id: string, fn: () => Promise<T>, waitMs: number): Promise<T> {
    const pool = this.#engine.lockPool;
    if (!pool) throw new AdsOAuthError('INTERNAL', 'The Postgres account store has no lock pool.');
    const namespace = `ads-oauth:refresh:${this.#engine.schema ?? ''}`;
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw storeError(this.kind, 'open a connection for the refresh lock', error);
    }
    let broken: unknown;
    try {
      try {
        // lock_timeout bounds the wait; it is reset before the connection goes back to the pool.
        await client.query(`select set_config('lock_timeout', $1, false)`, [`${Math.max(1, Math.ceil(waitMs))}ms`]);
        await client.query('select pg_advisory_lock(hashtext($1), hashtext($2))', [namespace, id]);
        await client.query(`select set_config('lock_timeout', '0', false)`);
      } catch (error) {
        if ((error as { code?: string }).code === '55P03') {
          await client.query(`select set_config('lock_timeout', '0', false)`).catch((e: unknown) => (broken = e));
          throw lockTimeout(id, waitMs, error);
        }
        broken = error;
        throw storeError(this.kind, 'take the refresh lock', error);
      }
      try {
        return await fn();
      } finally {
        try {
          await client.query('select pg_advisory_unlock(hashtext($1), hashtext($2))', [namespace, id]);
        } catch (error) {
          // The session ends with the destroyed connection, and the lock with it.
          broken = error;
        }
      }
    } finally {
      client.release(broken instanceof Error ? broken : broken === undefined ? undefined : true);
    }
  }

  async #withLease<T>(id: string, fn: () => Promise<T>, waitMs: number): Promise<T> {
    const owner = randomUUID();
    const deadline = Date.now() + waitMs;
    let delay = 5;
    for (;;) {
      const now = Date.now();
      // One statement, atomic: take the lease if there is none or it expired (a crashed holder).
      const taken = await this.#guard('take the refresh lease', () =>
        this.#db
          .insertInto('refresh_leases')
          .values({ account_id: id, owner, expires_at: now + LEASE_TTL_MS })
          .onConflict((oc) =>
            oc
              .column('account_id')
              .doUpdateSet({ owner, expires_at: now + LEASE_TTL_MS })
              .where('refresh_leases.expires_at', '<=', now),
          )
          .returning('owner')
          .executeTakeFirst(),
      );
      if (taken?.owner === owner) break;
      if (Date.now() >= deadline) throw lockTimeout(id, waitMs);
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
      delay = Math.min(delay * 2, 100);
    }
    const renew = setInterval(() => {
      this.#db
        .updateTable('refresh_leases')
        .set({ expires_at: Date.now() + LEASE_TTL_MS })
        .where('account_id', '=', id)
        .where('owner', '=', owner)
        .execute()
        .catch(() => undefined);
    }, LEASE_RENEW_MS);
    renew.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.#guard('release the refresh lease', () =>
        this.#db.deleteFrom('refresh_leases').where('account_id', '=', id).where('owner', '=', owner).execute(),
      ).catch(() => undefined); // an unreleased lease expires by itself
    }
  }

  // ---------------------------------------------------------------- pending authorizations

  async savePending(state: string, pending: PendingAuthorization): Promise<void> {
    if (!state) throw new AdsOAuthError('USAGE', 'savePending needs a state.');
    const stateHash = sha256(state);
    const secret = this.#seal(JSON.stringify({ v: pending.codeVerifier, n: pending.nonce }), 'pending', stateHash);
    await this.#guard('save a pending authorization', () =>
      this.#run(
        'insert-pending',
        (p) =>
          this.#db.insertInto('pending_authorizations').values({
            state_hash: p('state_hash'),
            flow: p('flow'),
            secret_ct: p('secret_ct'),
            secret_kid: p('secret_kid'),
            redirect_uri: p('redirect_uri'),
            binding_hash: p('binding_hash'),
            return_to: p('return_to'),
            expires_at: p('expires_at') as unknown as number,
            created_at: p('created_at') as unknown as number,
          }),
        {
          state_hash: stateHash,
          flow: pending.flow,
          secret_ct: secret.ciphertext,
          secret_kid: secret.kid,
          redirect_uri: pending.redirectUri,
          binding_hash: pending.bindingHash,
          return_to: pending.returnTo,
          expires_at: pending.expiresAt.getTime(),
          created_at: Date.now(),
        },
      ),
    );
  }

  async consumePending(state: string, now: Date = new Date()): Promise<PendingAuthorization | undefined> {
    if (!state) return undefined;
    const stateHash = sha256(state);
    // DELETE … RETURNING: whoever deletes the row owns it; an expired row is deleted too, and refused.
    const row = await this.#guard('consume a pending authorization', () =>
      this.#run(
        'consume-pending',
        (p) => this.#db.deleteFrom('pending_authorizations').where('state_hash', '=', p('state_hash')).returningAll(),
        {
          state_hash: stateHash,
        },
      ).then((rows) => rows[0]),
    );
    if (!row || toMillis(row.expires_at) <= now.getTime()) return undefined;
    const secret = JSON.parse(this.#open(row.secret_ct, row.secret_kid, 'pending', stateHash)) as { v: string; n: string };
    return {
      flow: row.flow as PendingFlow,
      codeVerifier: secret.v,
      nonce: secret.n,
      redirectUri: row.redirect_uri,
      bindingHash: row.binding_hash,
      returnTo: row.return_to,
      expiresAt: toDate(row.expires_at),
    };
  }

  async purgeExpired(now: Date = new Date()): Promise<number> {
    return this.#guard('purge expired records', async () => {
      const t = now.getTime();
      const pending = await this.#db.deleteFrom('pending_authorizations').where('expires_at', '<=', t).executeTakeFirst();
      const sessions = await this.#db.deleteFrom('admin_sessions').where('expires_at', '<=', t).executeTakeFirst();
      await this.#db.deleteFrom('refresh_leases').where('expires_at', '<=', t).execute();
      return Number(pending.numDeletedRows + sessions.numDeletedRows);
    });
  }

  // ---------------------------------------------------------------- API keys

  async createApiKey(name: string | null): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = randomId('aok_', 32);
    const id = randomId('key_', 12);
    const createdAt = Date.now();
    await this.#guard('create an API key', () =>
      this.#db
        .insertInto('api_keys')
        .values({ id, name, key_hash: sha256(key), created_at: createdAt, last_used_at: null, revoked_at: null })
        .execute(),
    );
    return { record: { id, name, createdAt: new Date(createdAt), lastUsedAt: null, revokedAt: null }, key };
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.#guard('list the API keys', async () => {
      const rows = await this.#db
        .selectFrom('api_keys')
        .select(['id', 'name', 'created_at', 'last_used_at', 'revoked_at'])
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(apiKeyRecord);
    });
  }

  async revokeApiKey(id: string): Promise<boolean> {
    return this.#guard('revoke an API key', async () => {
      const result = await this.#db
        .updateTable('api_keys')
        .set({ revoked_at: Date.now() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      // At once here; other stores on the database stop taking it within apiKeyRevalidateMs.
      for (const [hash, entry] of this.#verifiedKeys) if (entry.record.id === id) this.#verifiedKeys.delete(hash);
      return result.numUpdatedRows > 0n;
    });
  }

  async verifyApiKey(key: string): Promise<ApiKeyRecord | undefined> {
    // Looked up by its SHA-256: the comparison the database makes is on the hash, not the key.
    if (typeof key !== 'string' || !API_KEY_PATTERN.test(key)) return undefined;
    const keyHash = sha256(key);
    const now = Date.now();
    // A key verified less than apiKeyRevalidateMs ago is taken on trust (the broker does the same
    // with a cached token's account): a cached answer then costs no database read (issue 9).
    const known = this.#verifiedKeys.get(keyHash);
    if (known !== undefined && now - known.checkedAt < this.#apiKeyRevalidateMs && !this.#closed) return { ...known.record };
    return this.#guard('verify an API key', async () => {
      const [row] = await this.#run(
        'api-key-by-hash',
        (p) =>
          this.#db
            .selectFrom('api_keys')
            .select(['id', 'name', 'created_at', 'last_used_at', 'revoked_at'])
            .where('key_hash', '=', p('key_hash'))
            .where('revoked_at', 'is', null),
        { key_hash: keyHash },
      );
      if (!row) {
        this.#verifiedKeys.delete(keyHash);
        return undefined;
      }
      let record = apiKeyRecord(row);
      if (row.last_used_at === null || toMillis(row.last_used_at) < now - LAST_USED_RESOLUTION_MS) {
        await this.#db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
        record = apiKeyRecord({ ...row, last_used_at: now });
      }
      // Only keys that passed are kept (a wrong key is asked about every time), at most
      // VERIFIED_KEYS_MAX of them.
      if (this.#apiKeyRevalidateMs > 0) {
        this.#verifiedKeys.delete(keyHash);
        if (this.#verifiedKeys.size >= VERIFIED_KEYS_MAX) this.#verifiedKeys.delete(this.#verifiedKeys.keys().next().value!);
        this.#verifiedKeys.set(keyHash, { record, checkedAt: now });
      }
      return { ...record };
    });
  }

  // ---------------------------------------------------------------- admin sessions

  async createAdminSession(session: { email: string; ttlMs: number }): Promise<{ id: string; session: AdminSession }> {
    if (!(session.ttlMs > 0)) throw new AdsOAuthError('USAGE', 'createAdminSession needs a positive ttlMs.');
    const id = randomBytes(32).toString('base64url');
    const idHash = sha256(id);
    const csrfToken = randomBytes(32).toString('base64url');
    const csrf = this.#seal(csrfToken, 'admin_csrf', idHash);
    const createdAt = Date.now();
    const expiresAt = createdAt + session.ttlMs;
    await this.#guard('create an admin session', () =>
      this.#db
        .insertInto('admin_sessions')
        .values({
          id_hash: idHash,
          email: session.email,
          csrf_ct: csrf.ciphertext,
          csrf_kid: csrf.kid,
          created_at: createdAt,
          expires_at: expiresAt,
        })
        .execute(),
    );
    return { id, session: { email: session.email, csrfToken, createdAt: new Date(createdAt), expiresAt: new Date(expiresAt) } };
  }

  async getAdminSession(id: string, now: Date = new Date()): Promise<AdminSession | undefined> {
    if (!id) return undefined;
    const idHash = sha256(id);
    const row = await this.#guard('read an admin session', () =>
      this.#db
        .selectFrom('admin_sessions')
        .selectAll()
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now.getTime())
        .executeTakeFirst(),
    );
    if (!row) return undefined;
    return {
      email: row.email,
      csrfToken: this.#open(row.csrf_ct, row.csrf_kid, 'admin_csrf', idHash),
      createdAt: toDate(row.created_at),
      expiresAt: toDate(row.expires_at),
    };
  }

  async touchAdminSession(id: string, expiresAt: Date, now: Date = new Date()): Promise<void> {
    if (!id) return;
    await this.#guard('extend an admin session', () =>
      this.#db
        .updateTable('admin_sessions')
        .set({ expires_at: expiresAt.getTime() })
        .where('id_hash', '=', sha256(id))
        .where('expires_at', '>', now.getTime())
        .execute(),
    );
  }

  async deleteAdminSession(id: string): Promise<void> {
    if (!id) return;
    await this.#guard('delete an admin session', () => this.#db.deleteFrom('admin_sessions').where('id_hash', '=', sha256(id)).execute());
  }

  // ---------------------------------------------------------------- key rotation

  async checkKeys(sample = 3): Promise<KeyCheck> {
    const limit = Math.max(1, Math.floor(sample));
    return this.#guard('check the encryption keys', async () => {
      const groups = await this.#db
        .selectFrom('accounts')
        .select((eb) => ['refresh_token_kid as kid', eb.fn.countAll<number | string>().as('n')])
        .groupBy('refresh_token_kid')
        .orderBy('refresh_token_kid')
        .execute();
      const kids: KeyCheck['kids'] = [];
      for (const group of groups) {
        const inKeyring = this.#keyring.get(group.kid) !== undefined;
        let sampled = 0;
        let opened = 0;
        if (inKeyring) {
          const rows = await this.#db
            .selectFrom('accounts')
            .select(['id', 'refresh_token_ct'])
            .where('refresh_token_kid', '=', group.kid)
            .orderBy('updated_at', 'desc')
            .limit(limit)
            .execute();
          for (const row of rows) {
            sampled += 1;
            try {
              this.#open(row.refresh_token_ct, group.kid, 'refresh_token', row.id);
              opened += 1;
            } catch (error) {
              if (!(error instanceof AdsOAuthError && error.code === 'DECRYPT')) throw error;
            }
          }
        }
        kids.push({ kid: group.kid, accounts: Number(group.n), inKeyring, sampled, opened });
      }
      return { accounts: kids.reduce((sum, k) => sum + k.accounts, 0), kids };
    });
  }

  /**
   * Walks every table in primary-key order, in batches, and re-encrypts each ciphertext whose key
   * id is not the current one. Each row is written with a compare-and-swap on the ciphertexts it
   * read, so a concurrent write (a refresh, a reconnect) is never overwritten: that row is read
   * again (and is usually already under the current key, since writers encrypt with it).
   */
  async rotateKeys(): Promise<{ reencrypted: number; undecryptable: string[] }> {
    const current = this.#keyring.current.kid;
    let reencrypted = 0;
    const undecryptable: string[] = [];
    /** Re-seals, or records the row as undecryptable (returns undefined). */
    const reseal = (label: string, ciphertext: string, kid: string, kind: RecordKind, recordId: string): Sealed | undefined => {
      try {
        return this.#seal(this.#open(ciphertext, kid, kind, recordId), kind, recordId);
      } catch (error) {
        if (!(error instanceof AdsOAuthError && error.code === 'DECRYPT')) throw error;
        if (!undecryptable.includes(label)) undecryptable.push(label);
        return undefined;
      }
    };

    // accounts: refresh token and cached access token
    for (let after = ''; ;) {
      const rows = await this.#guard('read accounts for key rotation', () =>
        this.#db
          .selectFrom('accounts')
          .select(['id', 'refresh_token_ct', 'refresh_token_kid', 'access_token_ct', 'access_token_kid'])
          .where('id', '>', after)
          .orderBy('id')
          .limit(ROTATE_BATCH)
          .execute(),
      );
      for (let row of rows) {
        for (let attempt = 0; ; attempt++) {
          const refreshStale = row.refresh_token_kid !== current;
          const accessStale = row.access_token_ct !== null && row.access_token_kid !== current;
          if (!refreshStale && !accessStale) break;
          const refresh = refreshStale ? reseal(row.id, row.refresh_token_ct, row.refresh_token_kid, 'refresh_token', row.id) : undefined;
          const access =
            accessStale && row.access_token_ct !== null && row.access_token_kid !== null
              ? reseal(row.id, row.access_token_ct, row.access_token_kid, 'access_token', row.id)
              : undefined;
          if (!refresh && !access) break; // nothing that decrypts to re-encrypt
          const seen = row;
          const result = await this.#guard('re-encrypt an account', () =>
            this.#db
              .updateTable('accounts')
              .set({
                ...(refresh ? { refresh_token_ct: refresh.ciphertext, refresh_token_kid: refresh.kid } : {}),
                ...(access ? { access_token_ct: access.ciphertext, access_token_kid: access.kid } : {}),
              })
              .where('id', '=', seen.id)
              .where('refresh_token_ct', '=', seen.refresh_token_ct)
              .where((eb) =>
                seen.access_token_ct === null ? eb('access_token_ct', 'is', null) : eb('access_token_ct', '=', seen.access_token_ct),
              )
              .executeTakeFirst(),
          );
          if (result.numUpdatedRows > 0n) {
            reencrypted += (refresh ? 1 : 0) + (access ? 1 : 0);
            break;
          }
          if (attempt >= 20) throw rotateContention('account', seen.id);
          const fresh = await this.#guard('re-read an account for key rotation', () =>
            this.#db
              .selectFrom('accounts')
              .select(['id', 'refresh_token_ct', 'refresh_token_kid', 'access_token_ct', 'access_token_kid'])
              .where('id', '=', seen.id)
              .executeTakeFirst(),
          );
          if (!fresh) break; // deleted meanwhile
          row = fresh;
        }
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < ROTATE_BATCH) break;
      after = last.id;
    }

    // pending authorizations and admin sessions: written once, never updated; CAS on the ciphertext anyway.
    for (let after = ''; ;) {
      const rows = await this.#guard('read pending authorizations for key rotation', () =>
        this.#db
          .selectFrom('pending_authorizations')
          .select(['state_hash', 'secret_ct', 'secret_kid'])
          .where('state_hash', '>', after)
          .orderBy('state_hash')
          .limit(ROTATE_BATCH)
          .execute(),
      );
      for (const row of rows) {
        if (row.secret_kid === current) continue;
        const sealed = reseal(`pending:${row.state_hash.slice(0, 12)}`, row.secret_ct, row.secret_kid, 'pending', row.state_hash);
        if (!sealed) continue;
        const result = await this.#guard('re-encrypt a pending authorization', () =>
          this.#db
            .updateTable('pending_authorizations')
            .set({ secret_ct: sealed.ciphertext, secret_kid: sealed.kid })
            .where('state_hash', '=', row.state_hash)
            .where('secret_ct', '=', row.secret_ct)
            .executeTakeFirst(),
        );
        if (result.numUpdatedRows > 0n) reencrypted++; // else consumed meanwhile
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < ROTATE_BATCH) break;
      after = last.state_hash;
    }

    for (let after = ''; ;) {
      const rows = await this.#guard('read admin sessions for key rotation', () =>
        this.#db
          .selectFrom('admin_sessions')
          .select(['id_hash', 'csrf_ct', 'csrf_kid'])
          .where('id_hash', '>', after)
          .orderBy('id_hash')
          .limit(ROTATE_BATCH)
          .execute(),
      );
      for (const row of rows) {
        if (row.csrf_kid === current) continue;
        const sealed = reseal(`admin_session:${row.id_hash.slice(0, 12)}`, row.csrf_ct, row.csrf_kid, 'admin_csrf', row.id_hash);
        if (!sealed) continue;
        const result = await this.#guard('re-encrypt an admin session', () =>
          this.#db
            .updateTable('admin_sessions')
            .set({ csrf_ct: sealed.ciphertext, csrf_kid: sealed.kid })
            .where('id_hash', '=', row.id_hash)
            .where('csrf_ct', '=', row.csrf_ct)
            .executeTakeFirst(),
        );
        if (result.numUpdatedRows > 0n) reencrypted++; // else deleted meanwhile
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < ROTATE_BATCH) break;
      after = last.id_hash;
    }

    return { reencrypted, undecryptable };
  }
}

function apiKeyRecord(row: {
  id: string;
  name: string | null;
  created_at: number | string;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: toDate(row.created_at),
    lastUsedAt: toDateOrNull(row.last_used_at),
    revokedAt: toDateOrNull(row.revoked_at),
  };
}

function notFound(id: string): AdsOAuthError {
  return new AdsOAuthError('NOT_FOUND', `No account ${id} in the account store.`, { details: { accountId: id } });
}

function lockTimeout(id: string, waitMs: number, cause?: unknown): AdsOAuthError {
  return new AdsOAuthError(
    'STORE',
    `Timed out after ${waitMs} ms waiting for the refresh lock of account ${id}: another process is refreshing it and has not finished.`,
    { ...(cause === undefined ? {} : { cause }), details: { accountId: id, waitMs, reason: 'lock_timeout' } },
  );
}

function rotateContention(what: string, id: string): AdsOAuthError {
  return new AdsOAuthError(
    'STORE',
    `Key rotation gave up on ${what} ${id}: it kept changing while being re-encrypted. Run the rotation again.`,
    {
      details: { id },
    },
  );
}
