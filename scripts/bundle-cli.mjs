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
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

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
  logLevel: 'warning',
});
