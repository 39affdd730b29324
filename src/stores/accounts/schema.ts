import { sql, type ColumnType, type Kysely } from 'kysely';

/**
 * The tables of the account store, the same on SQLite and Postgres. Times are epoch milliseconds
 * in `bigint` columns (pg hands int8 back as a string, hence `Millis`); booleans are 0/1 integers;
 * scope lists are space-separated; every ciphertext is base64url(IV ‖ ciphertext ‖ tag) with its
 * key id in the `*_kid` column beside it.
 */
export type Millis = ColumnType<number | string, number, number>;
type NullableMillis = ColumnType<number | string | null, number | null, number | null>;

export interface AccountsTable {
  id: string;
  issuer: string;
  subject: string;
  email: string | null;
  email_verified: number;
  scopes: string;
  status: string;
  status_reason: string | null;
  refresh_token_ct: string;
  refresh_token_kid: string;
  access_token_ct: string | null;
  access_token_kid: string | null;
  access_token_expires_at: NullableMillis;
  access_token_scopes: string | null;
  connected_at: Millis;
  last_refreshed_at: NullableMillis;
  updated_at: Millis;
}

export interface PendingTable {
  state_hash: string;
  flow: string;
  secret_ct: string;
  secret_kid: string;
  redirect_uri: string;
  binding_hash: string;
  return_to: string | null;
  expires_at: Millis;
  created_at: Millis;
}

export interface ApiKeysTable {
  id: string;
  name: string | null;
  key_hash: string;
  created_at: Millis;
  last_used_at: NullableMillis;
  revoked_at: NullableMillis;
}

export interface AdminSessionsTable {
  id_hash: string;
  email: string;
  csrf_ct: string;
  csrf_kid: string;
  created_at: Millis;
  expires_at: Millis;
}

export interface RefreshLeasesTable {
  account_id: string;
  owner: string;
  expires_at: Millis;
}

export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: Millis;
}

export interface Database {
  accounts: AccountsTable;
  pending_authorizations: PendingTable;
  api_keys: ApiKeysTable;
  admin_sessions: AdminSessionsTable;
  refresh_leases: RefreshLeasesTable;
  ads_oauth_migrations: MigrationsTable;
}

export const MIGRATIONS_TABLE = 'ads_oauth_migrations';

export interface Migration {
  version: number;
  name: string;
  /** Applies the migration; `engine` is for what only one engine has (Postgres's unlogged tables). */
  up(db: Kysely<Database>, engine: 'sqlite' | 'postgres'): Promise<void>;
}

/**
 * The migrations, in order. Never edit one that has shipped: add the next version. Each runs in
 * the migration transaction (DDL is transactional on both engines), so a failed one leaves no trace.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts, pending authorizations, api keys, admin sessions, refresh leases',
    async up(db) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('refresh_token_ct', 'text', (c) => c.notNull())
        .addColumn('refresh_token_kid', 'text', (c) => c.notNull())
        .addColumn('access_token_ct', 'text')
        .addColumn('access_token_kid', 'text')
        .addColumn('access_token_expires_at', 'bigint')
        .addColumn('access_token_scopes', 'text')
        .addColumn('connected_at', 'bigint', (c) => c.notNull())
        .addColumn('last_refreshed_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('accounts_issuer_subject_key', ['issuer', 'subject'])
        .execute();
      await db.schema
        .createTable('pending_authorizations')
        .addColumn('state_hash', 'text', (c) => c.primaryKey())
        .addColumn('flow', 'text', (c) => c.notNull())
        .addColumn('secret_ct', 'text', (c) => c.notNull())
        .addColumn('secret_kid', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('binding_hash', 'text', (c) => c.notNull())
        .addColumn('return_to', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('pending_authorizations_expires_at_idx').on('pending_authorizations').column('expires_at').execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text')
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createTable('admin_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('csrf_ct', 'text', (c) => c.notNull())
        .addColumn('csrf_kid', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('admin_sessions_expires_at_idx').on('admin_sessions').column('expires_at').execute();
      await db.schema
        .createTable('refresh_leases')
        .addColumn('account_id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  {
    version: 2,
    name: 'pending authorizations unlogged (Postgres)',
    // A pending authorization lives ten minutes and is used once; writing it and deleting it to
    // Postgres's write-ahead log was a real part of what two of an authorization's three
    // statements cost (issue 9: about a tenth more authorizations a second without). Unlogged, the
    // rows survive restarts of serve and clean restarts of Postgres; a crash of Postgres empties
    // the table (and a standby does not have it), which costs a user who was on the consent
    // screen one more try. A table some publication replicates (logical replication, by name, by
    // schema or FOR ALL TABLES) stays logged: unlogged, Postgres would refuse it or stop sending it.
    // An operator may set it LOGGED again; this runs once. SQLite has no such table kind.
    async up(db, engine) {
      if (engine !== 'postgres') return;
      const published = await sql<{ n: number }>`select count(*)::int as n from pg_publication_tables
        where schemaname = current_schema() and tablename = 'pending_authorizations'`.execute(db);
      if ((published.rows[0]?.n ?? 0) > 0) return;
      await sql`alter table pending_authorizations set unlogged`.execute(db);
    },
  },
];

/** Creates the migrations table (inside the migration lock). */
export async function ensureMigrationsTable(db: Kysely<Database>): Promise<void> {
  await db.schema
    .createTable(MIGRATIONS_TABLE)
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
}
