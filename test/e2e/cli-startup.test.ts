// What --help and --version load (issue 7 §2): each command's definition and help live in light
// modules and its work is imported inside its run, so asking for help loads nothing of the flows,
// the protocol layer, the writers, yaml, oauth4webapi or fastify. A --import hook records every
// module the built bins load: ESM through a resolve hook, CommonJS (yaml is) from require.cache.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HAS_SCRIPT, ROOT, runCli, type BinName } from '../support/cli.js';

const FORBIDDEN =
  /\/dist\/(flows|protocol|writers|lifecycle|stores|server|broker|transport)\/|node_modules\/(yaml|oauth4webapi|fastify|@fastify|kysely|better-sqlite3|pg|open)\//;

let dir: string;
let hook: string;
let log: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ads-oauth-startup-'));
  hook = join(dir, 'hook.mjs');
  log = join(dir, 'loaded.txt');
  const resolveHook = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
  return result;
}`;
  await writeFile(
    hook,
    `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(resolveHook)}));
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const files = Object.keys(cache).map((f) => pathToFileURL(f).href);
  appendFileSync(${JSON.stringify(log)}, files.map((f) => f + '\\n').join(''));
});
`,
  );
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The files of the package (dist/, node_modules/) a run loaded. */
async function loadedBy(bin: BinName, args: string[], tty = false): Promise<string[]> {
  await rm(log, { force: true });
  const result = await runCli(args, { bin, cwd: dir, tty, env: { NODE_OPTIONS: `--import=${hook}` } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^(Usage: |\d+\.\d+\.\d+)/);
  const root = new URL(`file://${ROOT}`).href;
  return [...new Set((await readFile(log, 'utf8')).split('\n'))]
    .filter((url) => url.startsWith('file:') && !url.startsWith(`file://${dir}`))
    .map((url) => url.replace(root, '/'));
}

describe('start-up: --help and --version load only the bin (off a terminal) or its start-up file (on one)', () => {
  const runs: Array<[BinName, string[]]> = [
    ['generate-user-credentials', ['--help']],
    ['generate-user-credentials', ['--version']],
    ['ads-oauth', ['--help']],
    ['ads-oauth', ['generate', '--help']],
    ['ads-oauth', ['verify', '--help']],
    ['ads-oauth', ['verify', '--version']],
    ['ads-oauth', ['revoke', '--help']],
    ['ads-oauth', ['customers', '--help']],
    ['ads-oauth', ['help', 'config', 'set']],
    ['ads-oauth', ['config', 'show', '--help']],
    ['ads-oauth', ['serve', '--help']],
    ['ads-oauth', ['serve', 'api-key', 'create', '--help']],
  ];
  for (const [bin, args] of runs) {
    test(`${bin} ${args.join(' ')}`, async () => {
      const files = await loadedBy(bin, args);
      assert.ok(
        // Each bin is one small bundled file (scripts/bundle-cli.mjs) that answers --help and
        // --version for a pipe from dist/cli/help.json (read, not loaded); the start-up file with
        // the definitions and the commands' work (dist/cli/run.cjs) are not loaded.
        files.some((f) => /dist\/cli\/(ads-oauth|generate-user-credentials)\.cjs$/.test(f)),
        `the hook saw nothing:\n${files.join('\n')}`,
      );
      const heavy = files.filter((f) => FORBIDDEN.test(f) || f.endsWith('/dist/cli/run.cjs'));
      assert.deepEqual(heavy, [], `loaded:\n${files.join('\n')}`);
      assert.ok(files.length <= 1, `${files.length} files:\n${files.join('\n')}`);
    });
  }

  for (const [bin, args] of [
    ['ads-oauth', ['verify', '--help']],
    ['generate-user-credentials', ['--help']],
  ] as Array<[BinName, string[]]>) {
    test(
      `${bin} ${args.join(' ')} on a terminal: the start-up file as well, nothing heavier`,
      { skip: !HAS_SCRIPT && 'no util-linux script' },
      async () => {
        const files = await loadedBy(bin, args, true);
        assert.ok(
          files.some((f) => /dist\/cli\/start-(ads-oauth|generate-user-credentials)\.cjs$/.test(f)),
          `loaded:\n${files.join('\n')}`,
        );
        const heavy = files.filter((f) => FORBIDDEN.test(f) || f.endsWith('/dist/cli/run.cjs'));
        assert.deepEqual(heavy, [], `loaded:\n${files.join('\n')}`);
        assert.ok(files.length <= 2, `${files.length} files:\n${files.join('\n')}`);
      },
    );
  }

  test('the hook does see the heavy modules when a run uses them', async () => {
    // verify without credentials fails with a usage error, after loading its work module: in the
    // bin, dist/cli/run.cjs (the lifecycle is bundled in it; load-run.ts puts it in require.cache).
    await rm(log, { force: true });
    const result = await runCli(['verify'], { bin: 'ads-oauth', cwd: dir, env: { NODE_OPTIONS: `--import=${hook}` } });
    assert.equal(result.code, 2, result.stderr);
    const files = (await readFile(log, 'utf8')).split('\n');
    assert.ok(
      files.some((f) => /dist\/cli\/run\.cjs$/.test(f)),
      files.join('\n'),
    );
    assert.ok(
      files.some((f) => /node_modules\/yaml\//.test(f)),
      'yaml (CommonJS) is recorded too',
    );
  });
});
