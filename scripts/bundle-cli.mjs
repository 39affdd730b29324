#!/usr/bin/env node
// After `tsc` (npm run build): bundles the bins (src/cli/bin/) into CommonJS files (issue 9;
// what was measured, kept and dropped: bench/NOTES.md):
//   dist/cli/ads-oauth.cjs, dist/cli/generate-user-credentials.cjs  the bins: command definitions,
//     help, --version (bin/prelude.ts), ≈ 50 KB each; a run loads
//   dist/cli/run.cjs  the commands' work for both bins (bin/run.ts), through bin/load-run.ts's
//     V8 code cache
// then removes dist/cli/bin/ (tsc's copies of the entry files, which only this script reads).
//
// Measured on this machine: one file instead of ~27 saves the module loader's resolve/stat/read
// per file; a CommonJS entry skips Node's ESM loader; a 50 KB start-up file compiles in a fraction
// of the whole CLI's time; and injecting src/transport/lite-web.ts's `Headers`/`Response` for the
// free identifiers of run.cjs (ours and oauth4webapi's) keeps undici from loading at all. No
// global is replaced; the rest of dist/ stays as tsc wrote it for the library (dist/index.js and
// the modules it imports), and dist/cli/ads-oauth.js (tsc's) is what the ads-oauth bin hands a
// `serve` run to.
//
// What run.cjs imports lazily (the writers, the config store, each command's work) is in it too:
// esbuild wraps each such module in a function run on its first import(), so runs that do not use
// it do not run it. `open` (ESM only) and `yaml` stay imports of their packages, made only by the
// runs that need them; node: built-ins stay requires.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'dist/cli');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** An import left to tsc's dist/ at run time, its path made right from dist/cli/ (where the bundles are). */
function external(importer, path) {
  const rel = relative(CLI, join(dirname(importer), path))
    .split(sep)
    .join('/');
  return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
}

/**
 * Kept out of every bundle: a `serve` run, which the ads-oauth bin hands to dist/cli/ads-oauth.js
 * (bin/ads-oauth.ts's dynamic `../ads-oauth.js`), and the serve command's definition in run.cjs
 * (only the bin's own copy answers `serve --help`), so that Fastify, Kysely and the drivers are
 * never bundled. Out of the bins: what the command definitions import() in their `run`, which the
 * bins never call (prelude.ts runs only help, version and usage; a run is run.cjs's).
 */
const keepOut = (bin) => ({
  name: 'keep-out',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/ads-oauth\.js$/ }, (args) =>
      args.kind === 'dynamic-import' && args.importer.endsWith(join('dist/cli/bin/ads-oauth.js'))
        ? external(args.importer, args.path)
        : undefined,
    );
    if (!bin) {
      b.onResolve({ filter: /^\.\/commands\/serve\.js$/ }, (args) =>
        args.importer.endsWith(join('dist/cli/ads-oauth-command.js')) ? external(args.importer, args.path) : undefined,
      );
    } else {
      b.onResolve({ filter: /.*/ }, (args) =>
        args.kind === 'dynamic-import' && args.importer.startsWith(join(CLI, 'commands') + sep)
          ? external(args.importer, args.path)
          : undefined,
      );
    }
  },
});

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // src/cli/version.ts returns the first instead of reading package.json; the second is the
  // bundle's own URL (CommonJS has no import.meta: scripts/bundle-cli-import-meta.mjs).
  define: { ADS_OAUTH_BUNDLED_VERSION: JSON.stringify(version), 'import.meta.url': 'importMetaUrl' },
  // Dependencies loaded only when a run needs them stay out of the file (`open` has no CommonJS
  // build: esbuild keeps its `import()` as is for node20).
  external: ['open', 'yaml'],
  legalComments: 'none',
  banner: { js: "// Bundled by scripts/bundle-cli.mjs from tsc's output (src/cli/bin/)." },
  logLevel: 'warning',
};

for (const name of ['generate-user-credentials', 'ads-oauth']) {
  await build({
    ...common,
    entryPoints: [`dist/cli/bin/${name}.js`],
    outfile: `dist/cli/${name}.cjs`,
    inject: ['scripts/bundle-cli-import-meta.mjs'],
    plugins: [keepOut(true)],
  });
}
await build({
  ...common,
  entryPoints: ['dist/cli/bin/run.js'],
  outfile: 'dist/cli/run.cjs',
  inject: ['dist/transport/lite-web.js', 'scripts/bundle-cli-import-meta.mjs'],
  plugins: [keepOut(false)],
});

// The dynamic imports left in run.cjs (node: built-ins loaded late, such as node:https, and `open`,
// which is ESM only) go through the loader's import(). V8 does not keep a script's dynamic-import
// callback in its code cache: from a cached compile, a native `import()` in run.cjs rejected with
// "A dynamic import callback was not specified", so every https request of a second run failed.
// bin/load-run.ts passes its own import() (compiled by Node's CommonJS loader, in the same
// directory, so specifiers resolve the same) as the wrapper's sixth argument; a plain require() of
// run.cjs has none and uses the file's own.
const runFile = join(CLI, 'run.cjs');
const bundled = readFileSync(runFile, 'utf8');
const calls = bundled.match(/\bimport\("/g)?.length ?? 0;
if (calls === 0) throw new Error('bundle-cli: no dynamic import() in run.cjs; check the rewrite below');
const rewritten = bundled
  .replace(/\bimport\("/g, '__adsOAuthImport("')
  .replace(
    '"use strict";\n',
    '"use strict";\nvar __adsOAuthImport = typeof __adsOAuthLoaderImport === "function" ? __adsOAuthLoaderImport : (specifier) => import(specifier);\n',
  );
if (!rewritten.includes('var __adsOAuthImport ='))
  throw new Error('bundle-cli: run.cjs has no "use strict" line to put the import shim after');
writeFileSync(runFile, rewritten);

rmSync(join(CLI, 'bin'), { recursive: true, force: true });
// Code-split chunks of builds before these bundles were CommonJS.
rmSync(join(CLI, 'chunks'), { recursive: true, force: true });
