#!/usr/bin/env node
// After `tsc` (npm run build): replaces dist/cli/generate-user-credentials.js with one bundled
// ESM file (issue 9). Measured on this machine (bench/results): one file instead of ~27 saves the
// module loader's resolve/stat/read per file, and injecting src/transport/lite-web.ts's
// `Headers`/`Response` for the free identifiers of the bundled code (ours and oauth4webapi's)
// keeps undici from loading at all. No global is replaced; dist/ stays as tsc wrote it for the
// library (dist/index.js and the modules it imports are untouched). Packages that are loaded
// lazily (the writers, the config store) are chunks of their own (dist/cli/chunks/); `open`,
// `yaml` and node: built-ins stay imports.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ENTRY = join(ROOT, 'dist/cli/generate-user-credentials.js');
const MARK = "// Bundled by scripts/bundle-cli.mjs from tsc's output.";

// The entry is tsc's output, replaced in place: a second run without tsc would bundle the bundle.
if (readFileSync(ENTRY, 'utf8').includes(MARK))
  throw new Error('bundle-cli: dist/ is already bundled; run tsc -p tsconfig.build.json first (npm run build)');
// Chunks of an earlier build would linger under new hashes.
rmSync(join(ROOT, 'dist/cli/chunks'), { recursive: true, force: true });

await build({
  absWorkingDir: ROOT,
  entryPoints: ['dist/cli/generate-user-credentials.js'],
  outdir: 'dist/cli',
  // What the CLI imports lazily (the writers, the config store) goes to chunks of its own, loaded
  // only by the runs that use them; everything on the path to the consent URL and the exchange
  // is the entry file.
  chunkNames: 'chunks/[name]-[hash]',
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  inject: ['dist/transport/lite-web.js'],
  // Dependencies loaded only when a run needs them stay out of the start-up file.
  external: ['open', 'yaml'],
  legalComments: 'none',
  banner: { js: MARK },
  logLevel: 'warning',
});

// Relative paths made from import.meta.url (`new URL('../x', import.meta.url)`) are right only in a
// file directly in dist/cli/, not in dist/cli/chunks/ (src/cli/version.ts walks up to the package's
// own package.json instead, which works from anywhere).
for (const name of readdirSync(join(ROOT, 'dist/cli/chunks'))) {
  if (/new URL\(\s*['"`]\.{1,2}\/[^)]*import\.meta\.url/.test(readFileSync(join(ROOT, 'dist/cli/chunks', name), 'utf8'))) {
    throw new Error(`bundle-cli: dist/cli/chunks/${name} uses import.meta.url; its relative paths would be wrong there`);
  }
}
