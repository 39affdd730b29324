// Part 4 of issue 9: `serve` completed authorizations per second, against the floor and the
// Express + passport baseline, SQLite and Postgres, 50 and 200 concurrent browsers, and a paced
// load. Three processes: the provider, the server, the driver (bench/lib/driver.mjs). Each run
// gets a fresh database (SQLite file, or a Postgres schema of its own, dropped after), and the
// accounts stored are counted against the authorizations the driver completed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { summarizeProfile } from './startup.mjs';
import { cpuMs, nowMs, ROOT, round, rssKiB, startProcess, startProvider } from './util.mjs';

export const POSTGRES_URL = process.env.ADS_OAUTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADS = join(ROOT, 'dist/cli/ads-oauth.js');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh database for one run: {database, schema?, count(table), drop()}. */
export async function freshDatabase(kind, dir) {
  if (kind === 'sqlite') {
    const database = join(dir, `bench-${randomBytes(4).toString('hex')}.sqlite`);
    return {
      database,
      url: database,
      async count(table) {
        const { default: Database } = await import('better-sqlite3');
        const db = new Database(database, { readonly: true });
        try {
          return db.prepare(`select count(*) as n from ${table}`).get().n;
        } finally {
          db.close();
        }
      },
      async drop() {
        for (const suffix of ['', '-wal', '-shm']) rmSync(database + suffix, { force: true });
      },
    };
  }
  const { default: pg } = await import('pg');
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
  await pool.query(`create schema ${schema}`);
  return {
    database: POSTGRES_URL,
    schema,
    // pg reads `options` from the URL: the server's pool lands in this schema.
    url: `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async count(table) {
      return Number((await pool.query(`select count(*) as n from ${schema}.${table}`)).rows[0].n);
    },
    async drop() {
      await pool.query(`drop schema if exists ${schema} cascade`);
      await pool.end();
    },
  };
}

export function writeWebClient(dir, provider, port) {
  const path = join(dir, `client_secret_bench-web-${port}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      web: {
        client_id: 'bench-web',
        project_id: 'bench',
        auth_uri: `${provider.issuer}/o/oauth2/auth`,
        token_uri: `${provider.issuer}/token`,
        client_secret: 'bench-secret-bench-web',
        redirect_uris: [`http://127.0.0.1:${port}/oauth2callback`],
      },
    }),
    { mode: 0o600 },
  );
  return path;
}

export const ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;

/** Starts one of the servers; resolves {pid, stop, accountsTable}. */
export async function startServer(kind, { dir, provider, db, port, extraEnv = {}, nodeArgs = [] }) {
  const client = writeWebClient(dir, provider, port);
  const publicUrl = `http://127.0.0.1:${port}`;
  if (kind === 'floor') {
    const p = await startProcess(['bench/baselines/floor.mjs', client, publicUrl], { name: 'floor' });
    return { ...p, accountsTable: null, publicUrl };
  }
  if (kind === 'ours') {
    const p = await startProcess(
      [
        ...nodeArgs,
        ADS,
        'serve',
        '--client_secrets_path',
        client,
        '--public-url',
        publicUrl,
        '--listen',
        `127.0.0.1:${port}`,
        '--database',
        db.url,
      ],
      {
        name: 'serve',
        cwd: dir,
        ready: /serve listening on/,
        env: { ADS_OAUTH_ENCRYPTION_KEYS: ENCRYPTION_KEYS, ...extraEnv },
        timeoutMs: 60_000,
      },
    );
    return { ...p, accountsTable: 'accounts', publicUrl, client };
  }
  if (kind === 'baseline') {
    const p = await startProcess(['bench/baselines/express-passport/server.mjs', client, publicUrl, db.url], {
      name: 'express-passport',
      env: { BENCH_KEY: randomBytes(32).toString('base64'), ...(db.schema ? { BENCH_PG_SCHEMA: db.schema } : {}) },
    });
    return { ...p, accountsTable: 'bench_accounts', publicUrl };
  }
  throw new Error(`unknown server ${kind}`);
}

/** Runs the driver in its own process; reads the server's CPU at the start and end of the measured window. */
export function runDriver(config, serverPid, { providerPid } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench/lib/driver.mjs'), JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let cpuStart = null;
    let cpuEnd = null;
    let rssPeak = 0;
    const others = {};
    const sampler = setInterval(() => {
      const r = rssKiB(serverPid);
      if (r) rssPeak = Math.max(rssPeak, r.rss);
    }, 200);
    child.stdout.setEncoding('utf8').on('data', (c) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c) => {
      err += c;
      if (cpuStart === null && err.includes('MEASURE_START')) {
        cpuStart = cpuMs(serverPid);
        others.start = { provider: providerPid ? cpuMs(providerPid) : null, driver: cpuMs(child.pid) };
      }
      if (cpuEnd === null && err.includes('MEASURE_END')) {
        cpuEnd = cpuMs(serverPid);
        others.end = { provider: providerPid ? cpuMs(providerPid) : null, driver: cpuMs(child.pid) };
      }
    });
    child.once('close', (code) => {
      clearInterval(sampler);
      cpuEnd ??= cpuMs(serverPid);
      if (code !== 0) return reject(new Error(`driver exit ${code}: ${err.replace(/MEASURE_\w+\n/g, '').slice(0, 2000)}`));
      try {
        const delta = (k) => (others.start?.[k] != null && others.end?.[k] != null ? others.end[k] - others.start[k] : null);
        resolve({
          ...JSON.parse(out.trim().split('\n').at(-1)),
          serverCpuMs: cpuStart !== null && cpuEnd !== null ? cpuEnd - cpuStart : null,
          providerCpuMs: delta('provider'),
          driverCpuMs: delta('driver'),
          serverRssPeakMiB: round(rssPeak / 1024, 1),
        });
      } catch (error) {
        reject(error);
      }
    });
  });
}

const latencyOf = (q) => ({ p50: round(q.p50, 2), p90: round(q.p90, 2), p99: round(q.p99, 2), max: round(q.max, 2) });

async function oneRun({ server, store, concurrency, consentMs = 0, users, spreadMs, durationMs, warmupMs, dir, provider, log }) {
  const db = server === 'floor' ? null : await freshDatabase(store, dir);
  const port = await freePort();
  let srv;
  try {
    srv = await startServer(server, { dir, provider, db, port });
    const r = await runDriver(
      {
        mode: 'auth',
        target: srv.publicUrl,
        concurrency,
        durationMs,
        warmupMs,
        consentMs,
        ...(users ? { users } : {}),
        ...(spreadMs ? { spreadMs } : {}),
      },
      srv.pid,
      { providerPid: provider.pid },
    );
    let accounts = null;
    if (db) {
      await new Promise((res) => setTimeout(res, 100));
      accounts = { stored: await db.count(srv.accountsTable), expected: r.completed };
    }
    const row = {
      server,
      store: server === 'floor' ? '–' : store,
      concurrency,
      ...(consentMs ? { consentMs, users, spreadMs } : {}),
      throughput: round(r.throughput, 1),
      completed: r.completed,
      measured: r.measured,
      windowMs: round(r.windowMs, 0),
      latency: latencyOf(r.latency),
      callbackLatency: latencyOf(r.callbackLatency),
      errors: r.errors,
      errorKinds: r.errorKinds,
      serverCpuMs: r.serverCpuMs,
      cpuMsPerAuth: r.serverCpuMs !== null && r.measured ? round(r.serverCpuMs / r.measured, 3) : null,
      providerCpuMsPerAuth: r.providerCpuMs !== null && r.measured ? round(r.providerCpuMs / r.measured, 3) : null,
      driverCpuMsPerAuth: r.driverCpuMs !== null && r.measured ? round(r.driverCpuMs / r.measured, 3) : null,
      serverRssPeakMiB: r.serverRssPeakMiB,
      accounts,
    };
    log(
      `serve ${server}/${row.store}/${concurrency}${consentMs ? ` paced ${users}×${consentMs}ms` : ''}: ${row.throughput}/s p99 ${row.latency.p99} ms, ${row.errors} errors${accounts ? `, accounts ${accounts.stored}/${accounts.expected}` : ''}`,
    );
    return row;
  } finally {
    await srv?.stop();
    await db?.drop();
  }
}

export async function benchServe({ quick, log }) {
  const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-bench-serve-'));
  const provider = await startProvider();
  // The machine is shared: each configuration runs in `rounds` short slices, interleaved with the
  // others, and the median slice counts, so a burst of foreign load does not land on one server.
  const rounds = quick ? 1 : 3;
  const durationMs = quick ? 1_000 : 3_000;
  const warmupMs = quick ? 300 : 1_000;
  const levels = quick ? [4] : [50, 200];
  const stores = ['sqlite', 'postgres'];
  try {
    const runs = [];
    const slices = [];
    for (const concurrency of levels) {
      const configs = [
        ['floor', null],
        ...stores.flatMap((store) => [
          ['ours', store],
          ['baseline', store],
        ]),
      ];
      for (let round_ = 0; round_ < rounds; round_++) {
        for (const [server, store] of configs)
          slices.push(await oneRun({ server, store, concurrency, durationMs, warmupMs, dir, provider, log }));
      }
      for (const [server, store] of configs)
        runs.push(
          combine(slices.filter((x) => x.server === server && x.concurrency === concurrency && (store === null || x.store === store))),
        );
    }
    const floorOf = (c) => runs.find((r) => r.server === 'floor' && r.concurrency === c);
    for (const r of runs) {
      const floor = floorOf(r.concurrency);
      r.costBeyondFloorMs =
        r.server === 'floor' || !r.throughput || !floor?.throughput ? null : round(1000 / r.throughput - 1000 / floor.throughput, 3);
    }
    const summary = [];
    for (const concurrency of levels) {
      for (const store of stores) {
        const ours = runs.find((r) => r.server === 'ours' && r.store === store && r.concurrency === concurrency);
        const base = runs.find((r) => r.server === 'baseline' && r.store === store && r.concurrency === concurrency);
        const floor = floorOf(concurrency);
        summary.push({
          store,
          concurrency,
          oursCostMs: ours.costBeyondFloorMs,
          baselineCostMs: base.costBeyondFloorMs,
          costRatio:
            ours.costBeyondFloorMs !== null && base.costBeyondFloorMs > 0
              ? round(ours.costBeyondFloorMs / base.costBeyondFloorMs, 3)
              : null,
          oursCpuBeyondMs:
            ours.cpuMsPerAuth !== null && floor.cpuMsPerAuth !== null ? round(ours.cpuMsPerAuth - floor.cpuMsPerAuth, 3) : null,
          baselineCpuBeyondMs:
            base.cpuMsPerAuth !== null && floor.cpuMsPerAuth !== null ? round(base.cpuMsPerAuth - floor.cpuMsPerAuth, 3) : null,
          cpuRatio:
            ours.cpuMsPerAuth !== null &&
            base.cpuMsPerAuth !== null &&
            floor.cpuMsPerAuth !== null &&
            base.cpuMsPerAuth > floor.cpuMsPerAuth
              ? round((ours.cpuMsPerAuth - floor.cpuMsPerAuth) / (base.cpuMsPerAuth - floor.cpuMsPerAuth), 3)
              : null,
          oursP99: ours.latency.p99,
          floorP99: floor.latency.p99,
          baselineP99: base.latency.p99,
          p99Ratio: ours.latency.p99 && floor.latency.p99 ? round(ours.latency.p99 / floor.latency.p99, 2) : null,
          baselineP99Ratio: base.latency.p99 && floor.latency.p99 ? round(base.latency.p99 / floor.latency.p99, 2) : null,
        });
      }
    }
    // Paced: `users` people, each spending ~consentMs on the consent screen; one authorization each.
    const users = quick ? 5 : 200;
    const consentMs = quick ? 50 : 1_000;
    const spreadMs = quick ? 200 : 4_000;
    const paced = [];
    for (const [server, store] of [
      ['floor', null],
      ['ours', 'sqlite'],
      ['ours', 'postgres'],
      ['baseline', 'sqlite'],
    ]) {
      paced.push(
        await oneRun({
          server,
          store: store ?? 'sqlite',
          concurrency: users,
          users,
          consentMs,
          spreadMs,
          durationMs: 0,
          warmupMs: 0,
          dir,
          provider,
          log,
        }),
      );
    }
    // Where serve's CPU goes under load: one more run of ours (SQLite, the first level) under --cpu-prof.
    const profile = await profileServe({ dir, provider, concurrency: levels[0], durationMs: quick ? 500 : 4_000 });
    log(
      `serve profile: ${Object.entries(profile.byGroup)
        .slice(0, 5)
        .map(([k, v]) => `${k} ${v} ms`)
        .join(', ')}`,
    );
    return {
      rounds,
      durationS: durationMs / 1000,
      warmupS: warmupMs / 1000,
      runs,
      slices,
      summary,
      profileOurs: profile,
      paced: paced.map((p) => ({ ...p, store: p.server === 'floor' ? '–' : p.store })),
    };
  } finally {
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function profileServe({ dir, provider, concurrency, durationMs }) {
  const db = await freshDatabase('sqlite', dir);
  const port = await freePort();
  const profDir = join(dir, `serve-prof-${port}`);
  const srv = await startServer('ours', {
    dir,
    provider,
    db,
    port,
    nodeArgs: ['--cpu-prof', '--cpu-prof-interval', '500', '--cpu-prof-dir', profDir],
  });
  let r;
  let tLoad;
  let tLoadEnd;
  let tExit;
  try {
    tLoad = nowMs();
    r = await runDriver({ mode: 'auth', target: srv.publicUrl, concurrency, durationMs, warmupMs: 0 }, srv.pid);
    tLoadEnd = nowMs();
  } finally {
    await srv.stop();
    tExit = nowMs();
    await db.drop();
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('serve wrote no CPU profile');
  // Only the load phase: start-up (module loading) and shut-down are left out.
  const summary = summarizeProfile(join(profDir, file), 15, { fromEndMs: tExit - tLoad, toEndMs: tExit - tLoadEnd });
  return {
    ...summary,
    authorizations: r.completed,
    concurrency,
    store: 'sqlite',
    msPerAuthByGroup: Object.fromEntries(Object.entries(summary.byGroup).map(([k, v]) => [k, round(v / Math.max(1, r.completed), 3)])),
  };
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sum = (xs) => xs.reduce((a, b) => a + (b ?? 0), 0);

/** One row from the slices of a configuration: median throughput and latencies, CPU and accounts summed. */
function combine(slices) {
  const first = slices[0];
  const measured = sum(slices.map((x) => x.measured));
  const perAuth = (key) =>
    slices.every((x) => x[key] !== null) && measured ? round(sum(slices.map((x) => x[key] * x.measured)) / measured, 3) : null;
  return {
    server: first.server,
    store: first.store,
    concurrency: first.concurrency,
    slices: slices.length,
    throughput: round(median(slices.map((x) => x.throughput)), 1),
    sliceThroughputs: slices.map((x) => x.throughput),
    completed: sum(slices.map((x) => x.completed)),
    measured,
    latency: Object.fromEntries(['p50', 'p90', 'p99', 'max'].map((k) => [k, round(median(slices.map((x) => x.latency[k])), 2)])),
    callbackLatency: Object.fromEntries(['p50', 'p99'].map((k) => [k, round(median(slices.map((x) => x.callbackLatency[k])), 2)])),
    errors: sum(slices.map((x) => x.errors)),
    errorKinds: Object.assign({}, ...slices.map((x) => x.errorKinds)),
    cpuMsPerAuth: perAuth('cpuMsPerAuth'),
    providerCpuMsPerAuth: perAuth('providerCpuMsPerAuth'),
    driverCpuMsPerAuth: perAuth('driverCpuMsPerAuth'),
    serverRssPeakMiB: Math.max(...slices.map((x) => x.serverRssPeakMiB ?? 0)),
    accounts: first.accounts
      ? { stored: sum(slices.map((x) => x.accounts.stored)), expected: sum(slices.map((x) => x.accounts.expected)) }
      : null,
  };
}
