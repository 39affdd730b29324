// `npm run bench -- --quick` (issue 9) as CI runs it: proves the bench scripts work end to end at
// tiny sizes. It asserts the shape of what they write — every part ran, every section and table
// is there, every program and server was measured — and the exact counts the bench checks (no
// account lost or duplicated, one refresh for a herd), never a time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../support/cli.js';

interface Results {
  meta: { quick: boolean; parts: string[] };
  cli: {
    runs: number;
    programs: Array<{
      id: string;
      runs: number;
      totalMs: { median: number };
      peakRssMiB: { median: number };
      toUrlMs?: { median: number };
    }>;
  };
  startup: { commands: Array<{ id: string; modules: { files: number } }>; profileHelp: { top: unknown[] } };
  serve: {
    runs: Array<{ server: string; store: string; measured: number; errors: number; accounts: { stored: number; expected: number } | null }>;
    paced: Array<{ server: string; errors: number; accounts: { stored: number; expected: number } | null }>;
    summary: unknown[];
  };
  broker: { cached: { ok: number }; herds: Array<{ store: string; requests: number; ok: number; refreshes: number }> };
  scaling: { points: Array<{ accounts: number; pendingStates: number }> };
}

describe('npm run bench -- --quick', { timeout: 600_000 }, () => {
  let out: string;
  let md: string;
  let json: Results;
  let exit: ReturnType<typeof spawnSync>;

  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'ads-oauth-bench-quick-'));
    exit = spawnSync(process.execPath, ['bench/run.mjs', '--quick', `--out=${out}`], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 540_000,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    md = await readFile(join(out, 'latest.md'), 'utf8');
    json = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8')) as Results;
  });
  after(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  test('exits 0 with every part run and none failed', () => {
    assert.equal(exit.status, 0, `${String(exit.stderr)}`);
    assert.equal(json.meta.quick, true);
    assert.deepEqual(json.meta.parts, ['cli', 'startup', 'serve', 'broker', 'scaling']);
    for (const part of json.meta.parts) assert.equal((json as unknown as Record<string, { error?: string }>)[part]!.error, undefined, part);
    assert.doesNotMatch(md, /failed: |not run in this run/);
  });

  test('latest.md has the targets and every section with its table', () => {
    for (const heading of [
      '# ads-oauth benchmarks (issue 9)',
      '## Targets',
      '## CLI full flow',
      '### Time to URL and after the callback',
      '## Start-up',
      '## serve: authorizations per second',
      '### Paced load',
      '## Token broker',
      '## Scaling',
    ]) {
      assert.ok(md.split('\n').includes(heading), `missing ${heading}`);
    }
    assert.match(md, /--quick/);
    for (const label of [
      '`generate-user-credentials`',
      'minimal flow',
      'google-auth-library OAuth2Client',
      '`ads-oauth --help`',
      '`ads-oauth --version`',
      '`ads-oauth verify --help`',
      '`ads-oauth serve --help`',
    ]) {
      assert.ok(md.includes(label), `no row for ${label}`);
    }
    // Every target of the issue gets a verdict.
    for (const target of [
      'CLI full flow ≤ 1.15×',
      'CLI peak RSS ≤ 1.15×',
      'Time to URL ≤ 1.15×',
      'Process gone ≤ 10 ms',
      '≤ 1.1×',
      'cost beyond the floor ≤ ⅓',
      'in server CPU: ours beyond the floor ≤ ⅓',
      'p99 ≤ 1.3× the floor',
      'paced',
      'Zero lost or duplicated accounts',
      'Broker ≥ 10k cached answers/s',
      'exactly 1 refresh',
    ]) {
      assert.match(
        md,
        new RegExp(
          `^\\| [^\\n]*${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\n]*\\*\\*(met|not met|inconclusive)\\*\\*[^|\\n]* \\|$`,
          'm',
        ),
        `no verdict for "${target}"`,
      );
    }
  });

  test('latest.json holds a measurement of every program, command and server', () => {
    assert.deepEqual(json.cli.programs.map((p) => p.id).sort(), ['google-auth-library', 'minimal', 'node-e', 'ours']);
    for (const p of json.cli.programs) {
      assert.equal(p.runs, json.cli.runs);
      assert.ok(p.totalMs.median > 0 && p.peakRssMiB.median > 0, p.id);
      if (p.id !== 'node-e') assert.ok(p.toUrlMs && p.toUrlMs.median > 0, p.id);
    }
    assert.deepEqual(
      json.startup.commands.map((c) => c.id),
      ['node-e', 'help', 'version', 'verify-help', 'serve-help', 'guc-help'],
    );
    assert.ok(json.startup.commands.find((c) => c.id === 'help')!.modules.files > 0);
    assert.ok(json.startup.profileHelp.top.length > 0);
    const servers = json.serve.runs.map((r) => `${r.server}/${r.store}`).sort();
    assert.deepEqual(servers, ['baseline/postgres', 'baseline/sqlite', 'floor/–', 'ours/postgres', 'ours/sqlite']);
    for (const r of json.serve.runs) assert.ok(r.measured > 0, `${r.server}/${r.store} completed no authorization`);
    assert.ok(json.serve.summary.length > 0);
    assert.ok(json.scaling.points.length === 3 && json.scaling.points.every((p) => p.accounts > 0 && p.pendingStates > 0));
    assert.ok(json.broker.cached.ok > 0);
  });

  test('the exact counts: no account lost or duplicated, no error, and one refresh for a herd', () => {
    for (const r of [...json.serve.runs, ...json.serve.paced]) {
      assert.equal(r.errors, 0, `${r.server}: errors`);
      if (r.server !== 'floor') assert.equal(r.accounts?.stored, r.accounts?.expected, `${r.server}: accounts stored vs completed`);
    }
    assert.equal(json.broker.herds.length, 2);
    for (const h of json.broker.herds) {
      assert.equal(h.refreshes, 1, `${h.store}: refreshes`);
      assert.equal(h.ok, h.requests, `${h.store}: answers`);
    }
  });

  test('the scaling chart is an SVG with a line per series', async () => {
    const svg = await readFile(join(out, 'scaling.svg'), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(svg.match(/<polyline /g)?.length, 4);
  });
});
