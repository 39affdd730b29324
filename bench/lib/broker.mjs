// Part 5 of issue 9: the token broker. One account connected through the real flow; an API key
// made with `ads-oauth serve api-key create`; then
// - cached answers/s: GET /api/v1/accounts/{id}/access-token on keep-alive connections with
//   pipelined requests (the raw-socket driver in its own process), and
// - the herd: the provider hands out an access token that is stale at once (expires_in 1) and
//   answers refreshes after a delay, 1,000 requests arrive at once, and the provider counts the
//   refresh_token grants it got.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENCRYPTION_KEYS, freePort, freshDatabase, runDriver, startServer } from './serve.mjs';
import { cpuMs, httpJson, ROOT, round, startProvider } from './util.mjs';

const run = promisify(execFile);

/** Starts serve on a fresh database, connects one account, makes an API key. */
export async function servedAccount({ dir, provider, store, extraEnv }) {
  const db = await freshDatabase(store, dir);
  const port = await freePort();
  const srv = await startServer('ours', { dir, provider, db, port, extraEnv });
  try {
    const connected = await runDriver({ mode: 'auth', target: srv.publicUrl, concurrency: 1, users: 1, durationMs: 0 }, srv.pid);
    if (connected.completed !== 1) throw new Error(`could not connect an account: ${JSON.stringify(connected.errorKinds)}`);
    const { stdout } = await run(
      process.execPath,
      [
        join(ROOT, 'dist/cli/ads-oauth.js'),
        'serve',
        'api-key',
        'create',
        '--json',
        '--name',
        'bench',
        '--database',
        db.url,
        '--client_secrets_path',
        srv.client,
      ],
      {
        cwd: dir,
        env: { ...process.env, ADS_OAUTH_ENCRYPTION_KEYS: ENCRYPTION_KEYS, NODE_NO_WARNINGS: '1' },
      },
    );
    const { key } = JSON.parse(stdout);
    const headers = { Authorization: `Bearer ${key}` };
    const list = await httpJson(`${srv.publicUrl}/api/v1/accounts`, { headers });
    const id = JSON.parse(list.body).accounts[0].id;
    return {
      db,
      srv,
      key,
      headers,
      id,
      path: `/api/v1/accounts/${id}/access-token`,
      async stop() {
        await srv.stop();
        await db.drop();
      },
    };
  } catch (error) {
    await srv.stop();
    await db.drop();
    throw error;
  }
}

export async function benchBroker({ quick, log }) {
  const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-bench-broker-'));
  const result = {};
  try {
    // Cached answers.
    let provider = await startProvider();
    let s = await servedAccount({ dir, provider, store: 'sqlite' });
    try {
      const first = await httpJson(`${s.srv.publicUrl}${s.path}`, { headers: s.headers });
      if (first.status !== 200) throw new Error(`access-token answered ${first.status}: ${first.body}`);
      const connections = quick ? 2 : 16;
      const pipelining = quick ? 1 : 4;
      // Three slices (one in --quick); the median slice counts (the machine is shared).
      const slices = [];
      for (let i = 0; i < (quick ? 1 : 3); i++) {
        slices.push(
          await runDriver(
            {
              mode: 'get',
              target: s.srv.publicUrl,
              path: s.path,
              headers: s.headers,
              concurrency: connections,
              pipelining,
              durationMs: quick ? 500 : 2_000,
              warmupMs: quick ? 100 : 500,
            },
            s.srv.pid,
          ),
        );
      }
      const r = [...slices].sort((a, b) => a.rps - b.rps)[Math.floor(slices.length / 2)];
      const ok = slices.reduce((a, x) => a + x.ok, 0);
      const cpu = slices.every((x) => x.serverCpuMs !== null) ? slices.reduce((a, x) => a + x.serverCpuMs, 0) : null;
      result.cached = {
        store: 'sqlite',
        rps: round(r.rps, 0),
        sliceRps: slices.map((x) => round(x.rps, 0)),
        connections,
        pipelining,
        ok,
        errors: slices.reduce((a, x) => a + x.errors, 0),
        statuses: r.statuses,
        latency: { p50: round(r.latency.p50, 3), p99: round(r.latency.p99, 3) },
        serverCpuMs: cpu,
        cpuMsPerAnswer: cpu !== null && ok ? round(cpu / ok, 4) : null,
      };
      // And with wrk where it is installed (apt-get install wrk), the tool the issue names: one thread, the same 16 connections.
      if (existsSync('/usr/bin/wrk')) {
        const wrkSlices = [];
        for (let i = 0; i < (quick ? 1 : 3); i++) {
          const before = cpuMs(s.srv.pid);
          const { stdout } = await run(
            '/usr/bin/wrk',
            [
              '-t1',
              `-c${connections}`,
              `-d${quick ? 1 : 2}s`,
              '--latency',
              '-H',
              `Authorization: ${s.headers.Authorization}`,
              `${s.srv.publicUrl}${s.path}`,
            ],
            { maxBuffer: 1 << 20 },
          );
          const after = cpuMs(s.srv.pid);
          const rps = Number(stdout.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
          const total = Number(stdout.match(/(\d+) requests in/)?.[1]);
          const non2xx = Number(stdout.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
          const pct = (p) => {
            const m = stdout.match(new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`));
            return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : null;
          };
          wrkSlices.push({
            rps,
            total,
            non2xx,
            p50: pct(50),
            p99: pct(99),
            cpuMsPerAnswer: total ? round((after - before) / total, 4) : null,
          });
        }
        const mid = [...wrkSlices].sort((a, b) => a.rps - b.rps)[Math.floor(wrkSlices.length / 2)];
        result.wrk = {
          rps: round(mid.rps, 0),
          sliceRps: wrkSlices.map((x) => round(x.rps, 0)),
          connections,
          threads: 1,
          latency: { p50: mid.p50, p99: mid.p99 },
          non2xx: wrkSlices.reduce((a, x) => a + x.non2xx, 0),
          cpuMsPerAnswer: mid.cpuMsPerAnswer,
        };
        log(`broker cached (wrk): ${result.wrk.rps}/s`);
      }
      log(`broker cached: ${result.cached.rps}/s, p99 ${result.cached.latency.p99} ms, ${r.errors} errors`);
    } finally {
      await s.stop();
      await provider.stop();
    }
    // The herd, on each store.
    result.herds = [];
    for (const store of ['sqlite', 'postgres']) {
      provider = await startProvider(['--code-expires-in', '1', '--refresh-delay-ms', quick ? '50' : '200']);
      s = await servedAccount({ dir, provider, store });
      try {
        await httpJson(`${provider.issuer}/stats/reset`, { method: 'POST' });
        const count = quick ? 50 : 1_000;
        const r = await runDriver({ mode: 'burst', target: s.srv.publicUrl, path: s.path, headers: s.headers, count }, s.srv.pid);
        const stats = JSON.parse((await httpJson(`${provider.issuer}/stats`)).body);
        result.herds.push({
          store,
          requests: count,
          ok: r.ok,
          statuses: r.statuses,
          distinctTokens: r.distinctTokens,
          refreshes: stats.refreshes,
          elapsedMs: round(r.elapsedMs, 0),
        });
        log(`broker herd (${store}): ${count} requests → ${stats.refreshes} refreshes, ${r.ok} ok, ${r.distinctTokens} distinct tokens`);
      } finally {
        await s.stop();
        await provider.stop();
      }
    }
    result.herd = result.herds[0];
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
