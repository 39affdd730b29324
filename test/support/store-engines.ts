// Real databases for the account-store and broker tests: a SQLite file in a fresh temp directory,
// or a fresh Postgres schema (dropped by cleanup()) at ADS_OAUTH_TEST_POSTGRES_URL.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openAccountStore } from '../../src/stores/accounts/index.js';
import { parseKeyring, type Keyring } from '../../src/stores/accounts/keyring.js';
import type { AccountStore, StoreKind } from '../../src/stores/accounts/types.js';

export const POSTGRES_URL = process.env['ADS_OAUTH_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const ENGINES: readonly StoreKind[] = ['sqlite', 'postgres'];

export function keyValue(kid = 'k1'): string {
  return `${kid}:${randomBytes(32).toString('base64')}`;
}

export interface EngineFixture {
  kind: StoreKind;
  /** What `openAccountStore` gets as `database`. */
  database: string;
  schema?: string;
  /** Opens (and migrates) another store on the same database. */
  open(options?: { keyring?: Keyring; clientId?: string; migrate?: boolean; apiKeyRevalidateMs?: number }): Promise<AccountStore>;
  /** Raw SQL on the same database (to read and tamper with rows as an attacker with the database would). */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Closes every store it opened and drops the database. */
  cleanup(): Promise<void>;
}

export async function createEngineFixture(kind: StoreKind, keyring: Keyring = parseKeyring(keyValue())): Promise<EngineFixture> {
  const opened: AccountStore[] = [];
  let database: string;
  let schema: string | undefined;
  let query: EngineFixture['query'];
  let drop: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'ads-oauth-store-'));
    database = join(dir, 'accounts.db');
    const { default: Sqlite } = await import('better-sqlite3');
    query = async <T>(text: string, params: unknown[] = []) => {
      const db = new Sqlite(database);
      try {
        const statement = db.prepare(text);
        return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
      } finally {
        db.close();
      }
    };
    drop = () => rm(dir, { recursive: true, force: true });
  } else {
    database = POSTGRES_URL;
    schema = `t_${randomBytes(6).toString('hex')}`;
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2, options: `-c search_path=${schema}` });
    query = async <T>(text: string, params: unknown[] = []) => {
      // SQLite-style ? placeholders, numbered for pg.
      let n = 0;
      const result = await pool.query(
        text.replace(/\?/g, () => `$${++n}`),
        params,
      );
      return result.rows as T[];
    };
    drop = async () => {
      await pool.query(`drop schema if exists ${schema} cascade`);
      await pool.end();
    };
  }
  return {
    kind,
    database,
    ...(schema ? { schema } : {}),
    async open(options = {}) {
      const store = await openAccountStore({
        database,
        keyring: options.keyring ?? keyring,
        clientId: options.clientId ?? 'client-1.apps.example.com',
        ...(schema ? { schema } : {}),
        ...(options.apiKeyRevalidateMs !== undefined ? { apiKeyRevalidateMs: options.apiKeyRevalidateMs } : {}),
      });
      opened.push(store);
      if (options.migrate !== false) await store.migrate();
      return store;
    },
    query,
    async cleanup() {
      await Promise.allSettled(opened.map((store) => store.close()));
      await drop();
    },
  };
}

const STORE_WORKER = fileURLToPath(new URL('./store-worker.ts', import.meta.url));

/** Runs test/support/store-worker.ts in its own process with the given keys; resolves its one JSON line. */
export function runStoreWorker<T>(args: string[], keys: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', STORE_WORKER, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ADS_OAUTH_ENCRYPTION_KEYS: keys },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as T) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}
