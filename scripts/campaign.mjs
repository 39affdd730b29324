#!/usr/bin/env node
// `npm run test:campaign`: the adversarial campaign (test/campaign/) at its published counts.
// Each suite writes its figures as JSON; this script then writes them into SECURITY.md between
// the campaign markers, so the figures there always come from a run, never from a keyboard.
// Usage: npm run test:campaign [-- --quick] [-- --only=loopback-fuzz,serve]
//   --quick: the default test run's reduced counts; --only: run these suites (file names without
//   .test.ts) and keep the other suites' figures from test/campaign/figures.json, where the figures
//   of every suite's last run are kept (SECURITY.md is rendered from it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const quick = process.argv.includes('--quick');
const only = (process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? '').split(',').filter(Boolean);
const FIGURES_FILE = 'test/campaign/figures.json';
const figuresDir = mkdtempSync(join(tmpdir(), 'ads-oauth-campaign-'));
const files = readdirSync('test/campaign')
  .filter((name) => name.endsWith('.test.ts') && (only.length === 0 || only.includes(name.slice(0, -'.test.ts'.length))))
  .sort()
  .map((name) => join('test/campaign', name));
const started = Date.now();
const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, NODE_NO_WARNINGS: '1', ADS_OAUTH_CAMPAIGN: quick ? 'quick' : 'full', ADS_OAUTH_CAMPAIGN_FIGURES: figuresDir },
});
const seconds = Math.round((Date.now() - started) / 1000);

const fresh = readdirSync(figuresDir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => JSON.parse(readFileSync(join(figuresDir, name), 'utf8')));
rmSync(figuresDir, { recursive: true, force: true });
// Every suite's last figures: this run's, and (with --only) the kept ones of the others.
const kept = only.length > 0 && existsSync(FIGURES_FILE) ? JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) : {};
const bySuite = {
  ...kept,
  ...Object.fromEntries(fresh.map((f) => [f.suite, { ...f, node: process.version, passed: result.status === 0 }])),
};
writeFileSync(FIGURES_FILE, `${JSON.stringify(bySuite, null, 2)}\n`);
const figures = Object.keys(bySuite)
  .sort()
  .map((name) => bySuite[name]);

/** One figure as table text: numbers as they are, objects as `key value` pairs. */
const show = (value) =>
  value === null || value === undefined
    ? '–'
    : typeof value === 'object'
      ? Array.isArray(value)
        ? value.map(show).join(', ')
        : Object.entries(value)
            .map(([k, v]) => `${k} ${show(v)}`)
            .join('; ')
      : String(value);

const lines = [
  `Last run: ${new Date().toISOString().slice(0, 10)}${only.length ? ` (suites ${only.join(', ')}; the others' figures are from their own last run)` : ''}, ` +
    `${quick ? 'reduced (quick) counts' : 'full counts'}, ${seconds} s, Node ${process.version}, ` +
    `${result.status === 0 ? 'every suite run passed' : `FAILED (exit ${result.status})`}. Reproduce with \`npm run test:campaign\`.`,
  '',
];
for (const suite of figures) {
  const { suite: name, scale, at, node, passed, ...rest } = suite;
  lines.push(
    `**${name}** (${scale} counts, ${at}, Node ${node ?? '?'}${passed === false ? ', FAILED' : ''}):`,
    '',
    '| figure | value |',
    '|---|---|',
  );
  for (const [key, value] of Object.entries(rest)) lines.push(`| ${key} | ${show(value).replace(/\|/g, '\\|')} |`);
  lines.push('');
}

const START = '<!-- campaign:figures:start -->';
const END = '<!-- campaign:figures:end -->';
const security = readFileSync('SECURITY.md', 'utf8');
const from = security.indexOf(START);
const to = security.indexOf(END);
if (from === -1 || to === -1) {
  console.error('SECURITY.md has no campaign markers; figures not written.');
  process.exit(1);
}
writeFileSync('SECURITY.md', `${security.slice(0, from + START.length)}\n${lines.join('\n')}\n${security.slice(to)}`);
console.error(`campaign: ${figures.length} suites' figures written to SECURITY.md`);
process.exit(result.status ?? 1);
