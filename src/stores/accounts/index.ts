/**
 * Opens the account store of `ads-oauth serve`. Kysely and the database drivers are loaded here,
 * with `import()`, only when a store is opened: nothing of them loads on the CLI's start-up path.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { AdsOAuthError } from '../../errors.js';
import type { Keyring } from './keyring.js';
import type { AccountStore } from './types.js';

export type * from './types.js';
export { parseKeyring, ENCRYPTION_KEYS_ENV, type Keyring, type KeyringKey } from './keyring.js';

/** What {@link openAccountStore} takes. */
export interface OpenAccountStoreOptions {
  /** A file path (SQLite, WAL, busy_timeout) or a `postgres://` / `postgresql://` URL. */
  database: string;
  /** The encryption keys ({@link parseKeyring}); the current one encrypts, all decrypt. */
  keyring: Keyring;
  /** The OAuth client id: every ciphertext is bound to it, so a database used with another client fails to decrypt. */
  clientId: string;
  /** Postgres only (tests): the schema to use; `migrate()` creates it. Letters, digits and `_`. */
  schema?: string;
  /** Postgres only: the size of the query pool (default 10); the refresh-lock pool has the same size. */
  poolSize?: number;
  /** SQLite only: how long to wait for the write lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * How long `verifyApiKey` takes a key it verified on trust before asking the database again
   * (default 1000 ms; 0 asks every time). A key revoked through this store stops at once; revoked
   * through another (the CLI, a second instance), within this window.
   */
  apiKeyRevalidateMs?: number;
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** The size of a Postgres store's query pool when `poolSize` is not given. */
export const DEFAULT_POOL_SIZE = 10;

export function isPostgresUrl(database: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(database);
}

/** A database name safe to show: the URL without its password, or the file path. */
export function describeDatabase(database: string): string {
  if (!isPostgresUrl(database)) return database;
  try {
    const url = new URL(database);
    if (url.password) url.password = '***';
    url.search = '';
    return url.href;
  } catch {
    return 'postgres://…';
  }
}

/**
 * Opens (does not migrate) the account store of the web flow and the token broker: SQLite for a
 * file path (created with mode 0600, WAL), Postgres for a `postgres://` URL (a pool, plus one of
 * the same size for the cross-instance refresh locks). Every secret in it (refresh tokens, cached
 * access tokens, PKCE verifiers, nonces) is encrypted with AES-256-GCM under the keyring's
 * current key, bound to `clientId`; bearer values (state, API keys, session ids) are stored as
 * SHA-256 hashes. Call `migrate()` before use, `close()` at the end.
 *
 * The drivers are optional peer dependencies, loaded only here: `better-sqlite3@12` for SQLite,
 * `pg` for Postgres.
 *
 * @param options the database, the keyring, the client ID and engine settings
 *   ({@link OpenAccountStoreOptions}).
 * @returns the {@link AccountStore}, not yet migrated.
 * @throws AdsOAuthError `USAGE` for a bad option or a missing driver (the message says what to
 *   install), `STORE` when the SQLite file cannot be opened (Postgres connects lazily: its errors
 *   come from `migrate()` or the first query)
 * @example
 * ```ts
 * import { openAccountStore, parseKeyring, ENCRYPTION_KEYS_ENV } from 'ads-oauth/web';
 *
 * const store = await openAccountStore({
 *   database: process.env.DATABASE_URL ?? 'accounts.db',
 *   keyring: parseKeyring(process.env[ENCRYPTION_KEYS_ENV]),
 *   clientId: process.env.CLIENT_ID!,
 * });
 * await store.migrate();
 * console.log(store.kind, (await store.listAccounts()).length);
 * await store.close();
 * ```
 */
export async function openAccountStore(options: OpenAccountStoreOptions): Promise<AccountStore> {
  if (!options.clientId) throw new AdsOAuthError('USAGE', 'openAccountStore needs the OAuth client id.');
  if (!options.database) throw new AdsOAuthError('USAGE', 'openAccountStore needs a database (a file path or a postgres:// URL).');
  const [{ Kysely, SqliteDialect, PostgresDialect }, { SqlAccountStore, storeError }] = await Promise.all([
    import('kysely'),
    import('./sql-store.js'),
  ]);
  type Db = import('kysely').Kysely<import('./schema.js').Database>;

  if (isPostgresUrl(options.database)) {
    if (options.schema !== undefined && !SCHEMA_PATTERN.test(options.schema)) {
      throw new AdsOAuthError('USAGE', `The Postgres schema name "${options.schema}" is not lower-case letters, digits and "_".`);
    }
    const { default: pg } = await loadDriver('pg', () => import('pg'));
    const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    const config = {
      connectionString: options.database,
      max: poolSize,
      connectionTimeoutMillis: 10_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    };
    // The query pool keeps its connections once opened (pg closes idle ones after 10 s by
    // default): the next request after a quiet spell would otherwise pay a new connection
    // (Postgres forks a backend), which was the tail of serve's paced p99 (issue 9).
    const pool = new pg.Pool({ ...config, min: poolSize });
    const lockPool = new pg.Pool({ ...config, max: poolSize });
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    lockPool.on('error', () => undefined);
    // Nor a checked-out client's: pg emits 'error' on a client whose connection dies while it is
    // out of the pool (a query in flight, the refresh lock held) as well as failing its query, and
    // neither pg-pool nor Kysely listens then. The query's own rejection reports it.
    for (const p of [pool, lockPool]) p.on('connect', (client) => void client.on('error', () => undefined));
    const db: Db = new Kysely({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }) });
    return new SqlAccountStore(
      {
        kind: 'postgres',
        db,
        ...(options.schema ? { schema: options.schema } : {}),
        lockPool,
        ...(options.apiKeyRevalidateMs !== undefined ? { apiKeyRevalidateMs: options.apiKeyRevalidateMs } : {}),
        close: async () => {
          await Promise.all([db.destroy(), lockPool.end()]);
        },
      },
      options.keyring,
      options.clientId,
    );
  }

  if (options.schema !== undefined) throw new AdsOAuthError('USAGE', 'The schema option is for Postgres only.');
  const { default: Sqlite } = await loadDriver('better-sqlite3@12', () => import('better-sqlite3'));
  let database: import('better-sqlite3').Database;
  const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
  try {
    // Create the file 0600 before SQLite does (its -wal and -shm files take the same mode).
    closeSync(openSync(options.database, 'a', 0o600));
    database = new Sqlite(options.database);
    database.pragma(`busy_timeout = ${busyTimeoutMs}`);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
  } catch (error) {
    throw storeError('sqlite', `open ${options.database}`, error);
  }
  const db: Db = new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return new SqlAccountStore(
    {
      kind: 'sqlite',
      db,
      busyTimeoutMs,
      ...(options.apiKeyRevalidateMs !== undefined ? { apiKeyRevalidateMs: options.apiKeyRevalidateMs } : {}),
      close: () => db.destroy(),
    },
    options.keyring,
    options.clientId,
  );
}

/**
 * Kysely's SQLite driver prepares every query anew; a server runs the same few statements again and
 * again, and preparing was a fifth of the SQLite time of an authorization under load (issue 9).
 * This keeps the prepared statements by SQL text (bounded); a statement still stepping (a stream)
 * is not shared: the query gets a fresh one.
 */
function withStatementCache(database: import('better-sqlite3').Database): Pick<import('better-sqlite3').Database, 'prepare' | 'close'> {
  const statements = new Map<string, import('better-sqlite3').Statement>();
  return {
    prepare(source: string) {
      const known = statements.get(source);
      if (known !== undefined && !known.busy) return known;
      const statement = database.prepare(source);
      if (known === undefined) {
        if (statements.size >= 200) statements.delete(statements.keys().next().value!);
        statements.set(source, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      return database.close();
    },
  } as Pick<import('better-sqlite3').Database, 'prepare' | 'close'>;
}

/**
 * Kysely sends every Postgres query unnamed, so the server parses and plans it each time; a server
 * runs the same few statements again and again. This names each parameterized SELECT, INSERT,
 * UPDATE, DELETE or WITH by its SQL text (at most 500 texts; others stay unnamed), and pg prepares
 * a name once per connection: in serve's bench about a tenth more authorizations a second on
 * Postgres (issue 9). A statement whose cached plan the server rejects after a schema change
 * (SQLSTATE 0A000, "cached plan must not change result type") is sent unnamed again, from then
 * on, so a migration by another instance cannot break this one (inside a transaction the error
 * has already aborted it: that one transaction fails, as any failed statement would make it, and
 * the next runs unnamed).
 */
export function withNamedStatements(pool: import('pg').Pool): import('pg').Pool {
  type Client = import('pg').PoolClient;
  const names = new Map<string, string>();
  const unnamed = new Set<string>();
  const nameOf = (text: string): string | undefined => {
    if (unnamed.has(text) || !/^\s*(?:select|insert|update|delete|with)\b/i.test(text)) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < 500) {
      // Named by the text itself: the same name for the same statement whichever store made it.
      name = `ads_oauth_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return name;
  };
  const wrappers = new WeakMap<Client, Client>();
  const wrap = (client: Client): Client => {
    let wrapper = wrappers.get(client);
    if (wrapper !== undefined) return wrapper;
    const query = async (text: unknown, values?: unknown[]) => {
      const name = typeof text === 'string' && values !== undefined && values.length > 0 ? nameOf(text) : undefined;
      if (name === undefined || values === undefined) return client.query(text as string, values);
      try {
        return await client.query({ name, text: text as string, values });
      } catch (error) {
        if ((error as { code?: unknown }).code !== '0A000') throw error;
        unnamed.add(text as string);
        return client.query(text as string, values);
      }
    };
    wrapper = { query, release: (error?: Error | boolean) => client.release(error) } as unknown as Client;
    wrappers.set(client, wrapper);
    return wrapper;
  };
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  } as unknown as import('pg').Pool;
}

/**
 * The database drivers are optional peer dependencies: a CLI user who never runs `serve` does not
 * compile SQLite. A missing one is a usage error that says what to install.
 */
async function loadDriver<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new AdsOAuthError(
        'USAGE',
        `This database needs the ${name.replace(/@.*/, '')} driver, which is an optional dependency of ads-oauth: install it with \`npm install ${name}\`.`,
        { cause: error },
      );
    }
    throw error;
  }
}
