// Real `ads-oauth serve` processes (the built CLI) for the serve e2e tests: start one, wait for its
// listening line, create API keys through the CLI, call the broker API.
import { runCli, spawnCli, type CliRun } from './cli.js';

export interface ServeProcess {
  run: CliRun;
  /** Where this instance listens: http://127.0.0.1:PORT */
  origin: string;
  stop(): Promise<void>;
}

export interface StartServeOptions {
  clientFile: string;
  publicUrl: string;
  port: number;
  database: string;
  keys: string;
  cwd: string;
  env?: Record<string, string>;
  t?: { after(fn: () => void | Promise<void>): void };
}

export async function startServe(options: StartServeOptions): Promise<ServeProcess> {
  const run = await spawnCli(
    [
      'serve',
      '--client_secrets_path',
      options.clientFile,
      '--public-url',
      options.publicUrl,
      '--listen',
      `127.0.0.1:${options.port}`,
      '--database',
      options.database,
    ],
    {
      bin: 'ads-oauth',
      cwd: options.cwd,
      env: { ADS_OAUTH_ENCRYPTION_KEYS: options.keys, ...options.env },
      ...(options.t ? { t: options.t } : {}),
    },
  );
  await run.waitForStderr(/ads-oauth serve listening on /, 30_000);
  return {
    run,
    origin: `http://127.0.0.1:${options.port}`,
    async stop() {
      run.kill('SIGTERM');
      const exit = await run.waitForExit(20_000);
      if (exit.code !== 0) throw new Error(`serve exited ${exit.code}: ${exit.stderr}`);
    },
  };
}

/** `ads-oauth serve api-key create --json`: the key. */
export async function createApiKey(database: string, keys: string, cwd: string): Promise<string> {
  const created = await runCli(['serve', 'api-key', 'create', '--json', '--database', database], {
    bin: 'ads-oauth',
    cwd,
    env: { ADS_OAUTH_ENCRYPTION_KEYS: keys },
  });
  if (created.code !== 0) throw new Error(`api-key create exited ${created.code}: ${created.stderr}`);
  return (JSON.parse(created.stdout) as { key: string }).key;
}

export function apiClient(origin: string, apiKey: string) {
  return async (path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; text: string }> => {
    const response = await fetch(`${origin}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${apiKey}`, ...(init.headers ?? {}) },
    });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // not JSON: the test looks at text
    }
    return { status: response.status, body, text };
  };
}

/**
 * A fresh schema on the test Postgres, and the `postgres://` URL that puts serve in it (its
 * search_path); `drop()` removes it with everything in it. `pool` is for the test's own queries.
 */
export async function postgresSchema(
  prefix: string,
): Promise<{ schema: string; url: string; pool: import('pg').Pool; drop(): Promise<void> }> {
  const [{ default: pg }, { POSTGRES_URL }, { randomBytes }] = await Promise.all([
    import('pg'),
    import('./store-engines.js'),
    import('node:crypto'),
  ]);
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  await pool.query(`create schema ${schema}`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    schema,
    url: url.href,
    pool,
    async drop() {
      await pool.query(`drop schema if exists ${schema} cascade`);
      await pool.end();
    },
  };
}
