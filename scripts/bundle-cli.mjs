#!/usr/bin/env node
// After `tsc` (npm run build): bundles the bins (src/cli/bin/) into CommonJS files (issue 9;
// what was measured, kept and dropped: bench/NOTES.md):
//   dist/cli/ads-oauth.cjs, dist/cli/generate-user-credentials.cjs  the bins, a few KB each
//     (bin/canned.ts): a command line that only asks for help or the version, with stdout a pipe,
//     a socket or a file, is answered from
//   dist/cli/help.json  those answers, rendered here by the real planCommand and renderHelp at 80
//     columns (the width of help off a terminal); other help, help on a terminal and `serve` load
//   dist/cli/start-ads-oauth.cjs, dist/cli/start-generate-user-credentials.cjs  the command
//     definitions, help at any width, --version, a group's usage (bin/prelude.ts), ≈ 40–70 KB; a
//     run goes from the bin (or the start-up file) to
//   dist/cli/run.cjs  the commands' work for both bins (bin/run.ts), through
//   dist/cli/load-run.cjs  its V8 code cache (bin/load-run.ts)
// then removes dist/cli/bin/ (tsc's copies of the entry files, which only this script reads).
//
// Measured on this machine: one file instead of ~27 saves the module loader's resolve/stat/read
// per file; a CommonJS entry skips Node's ESM loader; a 50 KB start-up file compiles in a fraction
// of the whole CLI's time, and a 3 KB bin with the help already rendered in a fraction of that; and
// injecting src/transport/lite-web.ts's `Headers`/`Response` for the
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
import { fileURLToPath, pathToFileURL } from 'node:url';

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
 * (bin/start-ads-oauth.ts's dynamic `../ads-oauth.js`), and the serve command's definition in run.cjs
 * (only the bin's own copy answers `serve --help`), so that Fastify, Kysely and the drivers are
 * never bundled. Out of the bins: what the command definitions import() in their `run`, which the
 * bins never call (prelude.ts runs only help, version and usage; a run is run.cjs's).
 */
const keepOut = (bin) => ({
  name: 'keep-out',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/ads-oauth\.js$/ }, (args) =>
      args.kind === 'dynamic-import' && args.importer.endsWith(join('dist/cli/bin/start-ads-oauth.js'))
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
    entryPoints: [`dist/cli/bin/start-${name}.js`],
    outfile: `dist/cli/start-${name}.cjs`,
    inject: ['scripts/bundle-cli-import-meta.mjs'],
    plugins: [keepOut(true)],
  });
}

// The canned answers: every command line made of a command path and --help, -h, --version or
// `help`, put where planCommand reads it (`help verify`, `config help set`, …), that planCommand
// itself plans as help or the version; each text rendered as the start-up file would render it off
// a terminal. test/e2e/cli-canned.test.ts runs every one through both files and compares.
const { planCommand, renderHelp } = await import(pathToFileURL(join(CLI, 'command.js')).href);
const { version: versionOf } = await import(pathToFileURL(join(CLI, 'version.js')).href);
const roots = {
  'ads-oauth': [(await import(pathToFileURL(join(CLI, 'ads-oauth-command.js')).href)).adsOAuth, {}],
  'generate-user-credentials': [
    (await import(pathToFileURL(join(CLI, 'commands/generate.js')).href)).generate,
    { name: 'generate-user-credentials' },
  ],
};
const texts = [];
const cannedKeys = {};
for (const [bin, [root, options]] of Object.entries(roots)) {
  const keys = (cannedKeys[bin] = {});
  const paths = [];
  const walk = async (def, path) => {
    paths.push([def, path]);
    for (const [sub, entry] of Object.entries(def.subCommands ?? {}))
      await walk('load' in entry ? await entry.load() : entry, [...path, sub]);
  };
  await walk(root, []);
  for (const [def, path] of paths) {
    const candidates = [
      [...path, '--help'],
      [...path, '-h'],
      [...path, '--version'],
    ];
    for (let at = 0; at < path.length; at++) candidates.push([...path.slice(0, at), 'help', ...path.slice(at)]);
    if (def.subCommands) candidates.push([...path, 'help']);
    for (const argv of candidates) {
      let plan;
      try {
        plan = await planCommand(root, argv, options);
      } catch {
        continue;
      }
      if (plan.kind !== 'help' && plan.kind !== 'version') continue;
      const text = plan.kind === 'help' ? renderHelp(plan.def, plan.name, 80) : `${versionOf()}\n`;
      if (!texts.includes(text)) texts.push(text);
      keys[JSON.stringify(argv)] = texts.indexOf(text);
    }
  }
  if (!('["--help"]' in keys) || !('["--version"]' in keys)) throw new Error(`bundle-cli: no canned --help or --version for ${bin}`);
}
// The keys are written in as well, for test/e2e/cli-canned.test.ts: the bins have their own copy.
writeFileSync(join(CLI, 'help.json'), `${JSON.stringify({ keys: cannedKeys, texts })}\n`);

// The loader of run.cjs with its code cache (bin/load-run.ts), on its own: the bins require it for
// a run only, so that canned help loads none of node:vm and node:module.
await build({
  ...common,
  entryPoints: ['dist/cli/bin/load-run.js'],
  outfile: 'dist/cli/load-run.cjs',
  inject: ['scripts/bundle-cli-import-meta.mjs'],
});

/** The bin's require() of its start-up file and of load-run.cjs stays a require of the file beside it. */
const startFileOutside = {
  name: 'start-file-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\/(start-[a-z-]+|load-run)\.cjs$/ }, (args) => ({ path: args.path, external: true }));
  },
};
const adsOAuthRoot = roots['ads-oauth'][0];
const commands = {
  subcommands: Object.keys(adsOAuthRoot.subCommands),
  groups: await Promise.all(
    Object.entries(adsOAuthRoot.subCommands).map(async ([sub, entry]) => (('load' in entry ? await entry.load() : entry).run ? [] : [sub])),
  ).then((lists) => lists.flat()),
};
for (const name of ['generate-user-credentials', 'ads-oauth']) {
  await build({
    ...common,
    define: {
      ...common.define,
      ADS_OAUTH_CANNED_KEYS: JSON.stringify(cannedKeys[name]),
      ...(name === 'ads-oauth' ? { ADS_OAUTH_COMMANDS: JSON.stringify(commands) } : {}),
    },
    entryPoints: [`dist/cli/bin/${name}.js`],
    outfile: `dist/cli/${name}.cjs`,
    plugins: [startFileOutside],
  });
}
await build({
  ...common,
  entryPoints: ['dist/cli/bin/run.js'],
  outfile: 'dist/cli/run.cjs',
  inject: ['dist/transport/lite-web.js', 'dist/transport/lite-crypto.js', 'scripts/bundle-cli-import-meta.mjs'],
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

// Every file the bins read, ASCII only: esbuild escapes strings and regular expressions itself,
// but keeps comments as they are, and JSON.stringify keeps text as it is. One non-ASCII character
// makes Node decode the whole file into a two-byte string: reading run.cjs (≈ 380 KB) took
// 2.4 ms instead of 0.8 (bench/NOTES.md, round 4). A \uXXXX escape means the same in a comment, a
// string, a template, a regular expression and JSON.
for (const name of [
  'ads-oauth.cjs',
  'generate-user-credentials.cjs',
  'start-ads-oauth.cjs',
  'start-generate-user-credentials.cjs',
  'load-run.cjs',
  'run.cjs',
  'help.json',
]) {
  const file = join(CLI, name);
  const text = readFileSync(file, 'utf8');
  const ascii = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) writeFileSync(file, ascii);
}

rmSync(join(CLI, 'bin'), { recursive: true, force: true });
// Code-split chunks of builds before these bundles were CommonJS.
rmSync(join(CLI, 'chunks'), { recursive: true, force: true });
