#!/usr/bin/env node
// Runs the test suites with Node's own test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [unit|e2e|campaign|pack ...]   (default: all four, in that order;
// the campaign suites run at reduced counts here: `npm run test:campaign` runs them in full)
// Extra arguments after `--` go to `node --test` (e.g. `-- --test-name-pattern=favicon`).
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const suites = (dash === -1 ? argv : argv.slice(0, dash)).filter(Boolean);
const extra = dash === -1 ? [] : argv.slice(dash + 1);
const chosen = suites.length > 0 ? suites : ['unit', 'e2e', 'campaign', 'pack'];

const files = [];
for (const suite of chosen) {
  const dir = join('test', suite);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.test.ts')) files.push(join(dir, name));
  }
}
if (files.length === 0) {
  console.error(`no test files in ${chosen.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...extra, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
);
process.exit(result.status ?? 1);
