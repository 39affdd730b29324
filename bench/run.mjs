#!/usr/bin/env node
// `npm run bench` (issue 9): runs every part, then writes bench/results/latest.json (every number
// of the run) and bench/results/latest.md (the tables, and each target of the issue: met or not).
//   --quick        tiny sizes, to prove the scripts work (CI); the numbers mean nothing
//   --only=a,b     run only these parts: cli, startup, serve, broker, scaling
//   --out=DIR      where to write (default bench/results)
// Everything listens on 127.0.0.1; load is bounded in count and time. Needs `npm run build` first
// (it builds dist/ when missing).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { renderMarkdown, renderReadmeBlock } from './lib/report.mjs';
import { ROOT } from './lib/util.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const outDir = argv.find((a) => a.startsWith('--out='))?.slice(6) ?? join(ROOT, 'bench/results');
const PARTS = ['cli', 'startup', 'serve', 'broker', 'scaling'];
const chosen = only ?? PARTS;
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

if (!existsSync(join(ROOT, 'dist/cli/ads-oauth.js'))) {
  log('dist/ missing: npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

const gitCommit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
})();

const results = {
  meta: {
    date: new Date().toISOString(),
    quick,
    node: process.version,
    commit: gitCommit,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    parts: chosen,
  },
};

function write() {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'latest.md'), renderMarkdown(results));
}

const started = Date.now();
for (const part of chosen) {
  if (!PARTS.includes(part)) throw new Error(`unknown part ${part}; parts: ${PARTS.join(', ')}`);
  const t0 = Date.now();
  log(`${part}…`);
  try {
    const mod = await import(
      `./lib/${{ cli: 'cli-flow', startup: 'startup', serve: 'serve', broker: 'broker', scaling: 'scaling' }[part]}.mjs`
    );
    const fn = { cli: 'benchCliFlow', startup: 'benchStartup', serve: 'benchServe', broker: 'benchBroker', scaling: 'benchScaling' }[part];
    results[part] = await mod[fn]({ quick, log, outDir });
  } catch (error) {
    log(`${part} failed: ${error.stack ?? error}`);
    results[part] = { error: String(error.message ?? error).slice(0, 2000) };
  }
  results[part].elapsedS = Math.round((Date.now() - t0) / 100) / 10;
  write();
}
results.meta.elapsedS = Math.round((Date.now() - started) / 100) / 10;
results.meta.loadavgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
write();
log(`wrote ${join(outDir, 'latest.md')} and latest.json in ${results.meta.elapsedS} s`);

// A full run of every part into bench/results also refreshes README.md's Performance block.
const README = join(ROOT, 'README.md');
const START = '<!-- bench:latest:start (written by npm run bench) -->';
const END = '<!-- bench:latest:end -->';
if (!quick && !only && outDir === join(ROOT, 'bench/results') && existsSync(README)) {
  const text = readFileSync(README, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) {
    writeFileSync(README, `${text.slice(0, a + START.length)}\n${renderReadmeBlock(results)}\n${text.slice(b)}`);
    log('updated the Performance section of README.md');
  }
}
process.exit(chosen.some((p) => results[p]?.error) ? 1 : 0);
