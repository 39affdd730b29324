// The bins answer help and --version for a pipe or a file from dist/cli/help.json, rendered at
// build time (src/cli/bin/canned.ts, scripts/bundle-cli.mjs). Every canned command line is run
// through the bin and through its start-up file (which renders the help from the command
// definitions, as the bin did before): the same bytes, the same exit. Other help, and help on a
// terminal, go to the start-up file; a run goes to run.cjs without it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BINS, HAS_SCRIPT, ROOT, cliEnv, runCli, type BinName } from '../support/cli.js';

interface Answer {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
/** A --require hook that writes the CommonJS modules the process loaded to `log` at exit. */
let hook: string;
let log: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ads-oauth-canned-'));
  hook = join(dir, 'loaded.cjs');
  log = join(dir, 'loaded.txt');
  await writeFile(
    hook,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(log)}, Object.keys(require.cache).join('\\n')));\n`,
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(file: string, argv: readonly string[], env: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...argv], { cwd: dir, env: cliEnv({ HOME: dir, ...env }) }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** `limit` at a time, in order. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const help = JSON.parse(readFileSync(join(ROOT, 'dist/cli/help.json'), 'utf8')) as {
  keys: Record<BinName, Record<string, number>>;
  texts: string[];
};
const START: Record<BinName, string> = {
  'ads-oauth': join(ROOT, 'dist/cli/start-ads-oauth.cjs'),
  'generate-user-credentials': join(ROOT, 'dist/cli/start-generate-user-credentials.cjs'),
};

describe('canned help and version (dist/cli/help.json)', () => {
  for (const bin of Object.keys(BINS) as BinName[]) {
    test(`${bin}: every canned command line prints what the start-up file prints, exit 0`, async () => {
      const lines = Object.keys(help.keys[bin]).map((k) => JSON.parse(k) as string[]);
      // Each subcommand is there with --help, -h, --version and its `help` spellings.
      assert.ok(lines.length >= (bin === 'ads-oauth' ? 60 : 3), `${lines.length} canned command lines`);
      await eachLimited(lines, 4, async (argv) => {
        const [canned, rendered] = await Promise.all([run(BINS[bin], argv), run(START[bin], argv)]);
        const label = `${bin} ${argv.join(' ')}`;
        assert.equal(canned.code, 0, `${label}: ${canned.stderr}`);
        assert.deepEqual(canned, rendered, label);
        assert.equal(canned.stdout, help.texts[help.keys[bin][JSON.stringify(argv)]!], label);
        assert.match(canned.stdout, argv.includes('--version') ? /^\d+\.\d+\.\d+\n$/ : /^Usage: /, label);
      });
    });
  }

  test('every file the bins read is ASCII (one other character makes Node decode it as two-byte text)', () => {
    const names = readdirSync(join(ROOT, 'dist/cli')).filter((name) => name.endsWith('.cjs') || name === 'help.json');
    for (const name of ['ads-oauth.cjs', 'generate-user-credentials.cjs', 'run.cjs', 'help.json']) assert.ok(names.includes(name), name);
    for (const name of names) {
      const bytes = readFileSync(join(ROOT, 'dist/cli', name));
      assert.equal(
        bytes.findIndex((b) => b > 0x7f),
        -1,
        name,
      );
    }
  });

  test('the table has every command of ads-oauth, and nothing that is not help or the version', () => {
    const keys = help.keys['ads-oauth'];
    for (const path of [[], ['generate'], ['verify'], ['revoke'], ['customers'], ['config', 'set'], ['serve', 'api-key', 'create']]) {
      for (const flag of ['--help', '-h', '--version']) assert.ok(JSON.stringify([...path, flag]) in keys, `${path.join(' ')} ${flag}`);
    }
    assert.ok('["help","config","set"]' in keys && '["config","help","set"]' in keys);
    // A run, a group's usage (exit 2) and a usage error are not canned.
    for (const argv of [[], ['verify'], ['config'], ['generate', '--help', '--nope'], ['help', 'nope']]) {
      assert.ok(!(JSON.stringify(argv) in keys), argv.join(' '));
    }
  });

  test('a command line off the table is still answered: the same help, usage errors, a group usage', async () => {
    const withDebug = await run(BINS['ads-oauth'], ['verify', '--help', '--debug']);
    assert.equal(withDebug.code, 0, withDebug.stderr);
    assert.equal(withDebug.stdout, help.texts[help.keys['ads-oauth']['["verify","--help"]']!]);
    const unknown = await run(BINS['ads-oauth'], ['help', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "nope" for ads-oauth/);
    const group = await run(BINS['ads-oauth'], ['config']);
    assert.equal(group.code, 2);
    assert.match(group.stdout, /^Usage: ads-oauth config <command>/);
  });

  test('a run loads neither help.json nor the start-up file: load-run.cjs and run.cjs', async () => {
    await rm(log, { force: true });
    const result = await run(BINS['ads-oauth'], ['verify', '--client_secrets_path', join(dir, 'none.json')], {
      NODE_OPTIONS: `--require=${hook}`,
    });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /no such file/);
    const loaded = await readFile(log, 'utf8');
    assert.match(loaded, /dist\/cli\/load-run\.cjs/);
    assert.match(loaded, /dist\/cli\/run\.cjs/);
    assert.doesNotMatch(loaded, /start-ads-oauth\.cjs/);
  });

  test('stdout a file: the canned text; the start-up file is not loaded', async () => {
    const out = join(dir, 'help.txt');
    const result = await new Promise<Answer>((resolve) =>
      execFile(
        '/bin/sh',
        ['-c', '"$0" -r "$1" "$2" revoke --help > "$3"', process.execPath, hook, BINS['ads-oauth'], out],
        { cwd: dir, env: cliEnv({ HOME: dir }) },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
      ),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(out, 'utf8'), help.texts[help.keys['ads-oauth']['["revoke","--help"]']!]);
    const loaded = await readFile(log, 'utf8');
    assert.match(loaded, /dist\/cli\/ads-oauth\.cjs/);
    assert.doesNotMatch(loaded, /start-ads-oauth\.cjs|run\.cjs/);
  });

  test(
    'on a terminal the start-up file renders the help (at the terminal width)',
    { skip: !HAS_SCRIPT && 'no util-linux script' },
    async () => {
      await rm(log, { force: true });
      const result = await runCli(['--help'], { bin: 'ads-oauth', tty: true, cwd: dir, env: { NODE_OPTIONS: `--require=${hook}` } });
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /^Usage: ads-oauth <command> \[options\]/);
      assert.match(await readFile(log, 'utf8'), /dist\/cli\/start-ads-oauth\.cjs/);
    },
  );
});
