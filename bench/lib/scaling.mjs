// Part 6 of issue 9: serve's memory and p99 latency as data grows — 1k, 10k, 100k stored accounts
// (seeded through the store's own API by bench/lib/seed.mjs, in its own process) and 10k pending
// authorization states (made through /connect). At each size serve is restarted on the same
// SQLite database; then idle RSS, access-token answers for random accounts (most are cache
// misses: a store read and a decryption), /connect latency, RSS after. Writes scaling.svg.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENCRYPTION_KEYS, freePort, freshDatabase, runDriver, startServer } from './serve.mjs';
import { ROOT, round, rssKiB, sleep, startProvider } from './util.mjs';

const run = promisify(execFile);

function seed(database, from, to, idsFile, apiKey) {
  return run(process.execPath, [join(ROOT, 'bench/lib/seed.mjs'), JSON.stringify({ database, from, to, idsFile, apiKey })], {
    env: { ...process.env, ADS_OAUTH_ENCRYPTION_KEYS: ENCRYPTION_KEYS, NODE_NO_WARNINGS: '1' },
    maxBuffer: 1 << 20,
  }).then(({ stdout }) => JSON.parse(stdout.trim()));
}

export function lineChartSvg({ title, points, series, xLabel }) {
  const W = 980;
  const H = 360;
  const panelW = 400;
  const panelH = 250;
  const xs = points.map((p) => Math.log10(p.x));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const colors = ['#0969da', '#cf222e', '#1a7f37', '#8250df'];
  const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="#fff"/>\n<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">${esc(title)}</text>\n`;
  series.forEach((panel, pi) => {
    const ox = 60 + pi * (panelW + 60);
    const oy = 50;
    const values = panel.lines.flatMap((l) => points.map((p) => p[l.key]).filter((v) => v !== null && v !== undefined));
    const yMax = Math.max(1e-9, ...values) * 1.15;
    const px = (x) => ox + (x1 === x0 ? panelW / 2 : ((Math.log10(x) - x0) / (x1 - x0)) * panelW);
    const py = (y) => oy + panelH - (y / yMax) * panelH;
    out += `<text x="${ox + panelW / 2}" y="${oy - 10}" text-anchor="middle" font-size="13">${esc(panel.title)}</text>\n`;
    out += `<line x1="${ox}" y1="${oy + panelH}" x2="${ox + panelW}" y2="${oy + panelH}" stroke="#444"/><line x1="${ox}" y1="${oy}" x2="${ox}" y2="${oy + panelH}" stroke="#444"/>\n`;
    for (let i = 0; i <= 4; i++) {
      const y = (yMax * i) / 4;
      out += `<line x1="${ox}" y1="${py(y)}" x2="${ox + panelW}" y2="${py(y)}" stroke="#eee"/><text x="${ox - 6}" y="${py(y) + 4}" text-anchor="end">${round(y, y < 10 ? 1 : 0)}</text>\n`;
    }
    for (const p of points) out += `<text x="${px(p.x)}" y="${oy + panelH + 16}" text-anchor="middle">${p.x.toLocaleString('en')}</text>\n`;
    out += `<text x="${ox + panelW / 2}" y="${oy + panelH + 34}" text-anchor="middle">${esc(xLabel)}</text>\n`;
    panel.lines.forEach((line, li) => {
      const pts = points.filter((p) => p[line.key] !== null && p[line.key] !== undefined);
      const color = colors[li % colors.length];
      out += `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${px(p.x).toFixed(1)},${py(p[line.key]).toFixed(1)}`).join(' ')}"/>\n`;
      for (const p of pts) out += `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p[line.key]).toFixed(1)}" r="3" fill="${color}"/>\n`;
      out += `<rect x="${ox + 10}" y="${oy + 8 + li * 16}" width="10" height="10" fill="${color}"/><text x="${ox + 26}" y="${oy + 17 + li * 16}">${esc(line.label)}</text>\n`;
    });
  });
  return `${out}</svg>\n`;
}

export async function benchScaling({ quick, log, outDir }) {
  const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-bench-scaling-'));
  const sizes = quick ? [20, 50, 100] : [1_000, 10_000, 100_000];
  const pending = quick ? 50 : 10_000;
  const connections = quick ? 2 : 16;
  const provider = await startProvider();
  const db = await freshDatabase('sqlite', dir);
  const idsFile = join(dir, 'ids.txt');
  const points = [];
  let key;
  let seeded = 0;
  try {
    for (const size of sizes) {
      const s = await seed(db.database, seeded, size, idsFile, key === undefined);
      key ??= s.key;
      seeded = size;
      log(`scaling: seeded ${size} accounts (${s.ms} ms for the last ${s.seeded})`);
      const port = await freePort();
      const srv = await startServer('ours', { dir, provider, db, port });
      try {
        await sleep(1_000);
        const idle = rssKiB(srv.pid); // before any request of this step
        if (points.length === 0) {
          const made = await runDriver(
            { mode: 'auth', connectOnly: true, target: srv.publicUrl, concurrency: 32, users: pending, durationMs: 0 },
            srv.pid,
          );
          if (made.completed !== pending)
            throw new Error(`made ${made.completed} of ${pending} pending states: ${JSON.stringify(made.errorKinds)}`);
        }
        const headers = { Authorization: `Bearer ${key}` };
        const token = await runDriver(
          {
            mode: 'get',
            target: srv.publicUrl,
            idsFile,
            pathPrefix: '/api/v1/accounts/',
            pathSuffix: '/access-token',
            headers,
            concurrency: connections,
            pipelining: 1,
            durationMs: quick ? 500 : 3_000,
            warmupMs: quick ? 100 : 500,
          },
          srv.pid,
        );
        const connect = await runDriver(
          {
            mode: 'auth',
            connectOnly: true,
            target: srv.publicUrl,
            concurrency: connections,
            durationMs: quick ? 500 : 2_000,
            warmupMs: quick ? 100 : 300,
          },
          srv.pid,
        );
        const after = rssKiB(srv.pid);
        const pendingRows = await db.count('pending_authorizations');
        const accounts = await db.count('accounts');
        points.push({
          accounts,
          pendingStates: pendingRows,
          rssIdleMiB: round(idle.rss / 1024, 1),
          rssAfterMiB: round(after.rss / 1024, 1),
          peakRssMiB: round(after.hwm / 1024, 1),
          tokenRps: round(token.rps, 0),
          tokenRequests: token.ok + token.errors,
          tokenDistinctAccounts: token.distinctPaths,
          tokenP50: round(token.latency.p50, 2),
          tokenP99: round(token.latency.p99, 2),
          tokenErrors: token.errors,
          connectRps: round(connect.throughput, 0),
          connectP99: round(connect.latency.p99, 2),
          connectErrors: connect.errors,
        });
        log(
          `scaling ${accounts} accounts, ${pendingRows} pending: RSS ${points.at(-1).rssIdleMiB}→${points.at(-1).rssAfterMiB} MiB, token p99 ${points.at(-1).tokenP99} ms (${points.at(-1).tokenRps}/s, ${token.errors} errors), /connect p99 ${points.at(-1).connectP99} ms`,
        );
      } finally {
        await srv.stop();
      }
    }
    const svg = lineChartSvg({
      title: `ads-oauth serve (SQLite) as data grows, with ${pending.toLocaleString('en')}+ pending authorizations`,
      xLabel: 'stored accounts (log scale)',
      points: points.map((p) => ({ ...p, x: p.accounts })),
      series: [
        {
          title: 'RSS MiB',
          lines: [
            { key: 'rssIdleMiB', label: 'idle, before any request' },
            { key: 'rssAfterMiB', label: 'after load' },
          ],
        },
        {
          title: 'p99 latency ms',
          lines: [
            { key: 'tokenP99', label: 'access-token (random account)' },
            { key: 'connectP99', label: '/connect' },
          ],
        },
      ],
    });
    writeFileSync(join(outDir, 'scaling.svg'), svg);
    return { store: 'sqlite', pending, connections, points, chart: 'scaling.svg' };
  } finally {
    await provider.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
