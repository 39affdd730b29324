#!/usr/bin/env node
// Builds dist/ only when it is missing or older than a source file, so `npm run demo` works on a
// fresh clone right after `npm ci` (the package has no `prepare`: installing the published
// tarball must run no scripts), is quick after that, and never rewrites dist/ under a running CLI.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let max = info.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

let built = 0;
try {
  built = statSync('dist/cli/generate-user-credentials.cjs').mtimeMs;
} catch {
  // not built yet
}
const sources = Math.max(newest('src'), newest('tsconfig.json'), newest('tsconfig.build.json'));
if (built < sources) {
  const result = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
