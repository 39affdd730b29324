// The package as published: `npm pack` of the dist/ that `npm test` just built (--ignore-scripts, so
// the pack never rewrites dist/ under a CLI another test is running), installed into a
// fresh project from the tarball (its dependencies come from the registry), then both bins run
// from node_modules/.bin and the library is imported by its package name.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, withDistBuildLock } from '../support/cli.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1' };
  delete env['DISPLAY'];
  delete env['WAYLAND_DISPLAY'];
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n[test] killed after ${timeoutMs} ms\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      stderr += `\n[spawn error] ${error.message}\n`;
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const show = (r: Result): string => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

describe('npm pack + npm install of the tarball', { timeout: 400_000 }, () => {
  let dir: string;
  let project: string;
  let tarball: string;
  let packedFiles: string[];
  let installed: Result;
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-pack-'));
    const packed = await withDistBuildLock(() =>
      run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT, 180_000),
    );
    assert.equal(packed.code, 0, show(packed));
    // `prepack` output (tsc) would precede the JSON on stdout, were scripts not ignored.
    const json = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(dir, json[0]!.filename);
    packedFiles = json[0]!.files.map((f) => f.path);
    assert.ok(existsSync(tarball), tarball);

    project = join(dir, 'project');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'pack-probe', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
    );
    // Default log level: every warning npm prints on install must show here.
    installed = await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--loglevel=warn'], project, 240_000);
    assert.equal(installed.code, 0, show(installed));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the tarball holds the build, not the sources or the tests', () => {
    assert.ok(packedFiles.includes('package.json'));
    // The bins (CommonJS bundles), their canned help, their start-up files, the commands' work
    // they load (with its loader), and tsc's ads-oauth.js (serve).
    for (const file of [
      'generate-user-credentials.cjs',
      'ads-oauth.cjs',
      'help.json',
      'start-generate-user-credentials.cjs',
      'start-ads-oauth.cjs',
      'load-run.cjs',
      'run.cjs',
      'ads-oauth.js',
    ]) {
      assert.ok(packedFiles.includes(`dist/cli/${file}`), file);
    }
    assert.ok(!packedFiles.some((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('scripts/')), packedFiles.join('\n'));
    assert.ok(!packedFiles.some((f) => /client_secret.*\.json$/.test(f)), 'a client secrets file is packed');
  });

  test('installing the tarball prints no npm warnings (no install-time scripts such as prepare)', () => {
    const output = `${installed.stdout}\n${installed.stderr}`;
    assert.doesNotMatch(output, /npm warn/i, show(installed));
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/ads-oauth/package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) {
      assert.equal(manifest.scripts?.[hook], undefined, `the published package.json has a ${hook} script`);
    }
  });

  test('every source map and sourceMappingURL in the package points at a file that is shipped', async () => {
    const root = join(project, 'node_modules/ads-oauth');
    const all = (await readdir(root, { recursive: true })).map(String);
    const missing: string[] = [];
    for (const file of all) {
      const path = join(root, file);
      if (file.endsWith('.map')) {
        const map = JSON.parse(await readFile(path, 'utf8')) as { sources?: string[]; sourceRoot?: string };
        for (const source of map.sources ?? []) {
          const target = join(dirname(path), map.sourceRoot ?? '', source);
          if (!existsSync(target)) missing.push(`${file} -> ${source}`);
        }
      } else if (/\.(?:js|d\.ts)$/.test(file)) {
        const text = await readFile(path, 'utf8');
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
        if (url && !url.startsWith('data:') && !existsSync(join(dirname(path), url))) missing.push(`${file} -> ${url}`);
      }
    }
    assert.deepEqual(missing.slice(0, 20), [], `${missing.length} references to files not in the package`);
    assert.ok(all.includes(join('dist', 'index.d.ts')), 'the declarations are shipped');
  });

  test('generate-user-credentials --help: exit 0 and usage text', { timeout: 60_000 }, async () => {
    const r = await run(join(project, 'node_modules/.bin/generate-user-credentials'), ['--help'], project);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^Usage: generate-user-credentials --client_secrets_path=PATH/);
    assert.match(r.stdout, /--headless/);
    assert.match(r.stdout, /Exit codes:/);
  });

  test('generate-user-credentials --version prints the package version', { timeout: 60_000 }, async () => {
    const r = await run(join(project, 'node_modules/.bin/generate-user-credentials'), ['--version'], project);
    assert.equal(r.code, 0, show(r));
    assert.ok(r.stdout.includes(version), show(r));
  });

  test('ads-oauth --help: exit 0 and usage text', { timeout: 60_000 }, async () => {
    const r = await run(join(project, 'node_modules/.bin/ads-oauth'), ['--help'], project);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^Usage: ads-oauth <command>/);
    assert.match(r.stdout, /generate/);
  });

  test('ads-oauth generate --help: exit 0 and usage text', { timeout: 60_000 }, async () => {
    const r = await run(join(project, 'node_modules/.bin/ads-oauth'), ['generate', '--help'], project);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^Usage: ads-oauth generate --client_secrets_path=PATH/);
  });

  test('the installed bin fails cleanly on a missing client file (exit 3)', { timeout: 60_000 }, async () => {
    const missing = join(project, 'nope.json');
    const r = await run(join(project, 'node_modules/.bin/generate-user-credentials'), [`--client_secrets_path=${missing}`], project);
    assert.equal(r.code, 3, show(r));
    assert.ok(r.stderr.includes(missing));
  });

  test("import('ads-oauth') resolves and exports AdsOAuthError", { timeout: 60_000 }, async () => {
    const code = `const m = await import('ads-oauth');
const e = new m.AdsOAuthError('USAGE', 'x');
console.log(JSON.stringify({ type: typeof m.AdsOAuthError, isError: e instanceof Error, code: e.code }));`;
    const r = await run(process.execPath, ['--input-type=module', '-e', code], project);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.trim()), { type: 'function', isError: true, code: 'USAGE' });
  });

  // The public surface is pinned: adding or removing an export is a decision, made here.
  const PUBLIC_API: Record<string, string[]> = {
    'ads-oauth': [
      'ADWORDS_SCOPE',
      'AdsOAuthError',
      'DEFAULT_SCOPES',
      'ErrorCodes',
      'FORMAT_IDS',
      'createAuthorizationRequest',
      'createConfiguration',
      'createNodeFetch',
      'defineClient',
      'detectFormat',
      'diagnoseRefreshError',
      'discoverConfiguration',
      'exchangeCode',
      'fetchTokenInfo',
      'getFormat',
      'headlessInstructions',
      'isAdsOAuthError',
      'listCustomers',
      'parseClientSecrets',
      'parsePastedCallback',
      'proxySettingsFromEnv',
      'readClientSecretsFile',
      'readConfig',
      'refreshAccessToken',
      'renderSnippet',
      'revokeRefreshToken',
      'revokeToken',
      'runHeadlessFlow',
      'runLoopbackFlow',
      'updateConfig',
      'validateCallback',
      'verifyCredentials',
    ],
    'ads-oauth/web': [
      'DEFAULT_REFRESH_BEFORE_MS',
      'ENCRYPTION_KEYS_ENV',
      'createTokenBroker',
      'createWebFlow',
      'openAccountStore',
      'parseKeyring',
    ],
  };
  for (const [specifier, names] of Object.entries(PUBLIC_API)) {
    test(`${specifier} exports exactly its pinned runtime names`, { timeout: 60_000 }, async () => {
      const code = `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()));`;
      const r = await run(process.execPath, ['--input-type=module', '-e', code], project);
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(JSON.parse(r.stdout.trim()), [...names].sort());
    });
  }

  test('importing ads-oauth loads nothing of serve (no Fastify, Kysely or database driver)', { timeout: 60_000 }, async () => {
    // A resolve hook that reports every module URL the import pulls in.
    await writeFile(
      join(project, 'hooks.mjs'),
      'export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write(`LOADED ${r.url}\\n`); return r; }\n',
    );
    await writeFile(join(project, 'register.mjs'), "import { register } from 'node:module'; register('./hooks.mjs', import.meta.url);\n");
    const r = await run(
      process.execPath,
      ['--import', './register.mjs', '--input-type=module', '-e', "await import('ads-oauth');"],
      project,
    );
    assert.equal(r.code, 0, show(r));
    const loaded = r.stderr.split('\n').filter((line) => line.startsWith('LOADED '));
    assert.ok(
      loaded.some((line) => line.includes('/ads-oauth/dist/index.js')),
      r.stderr,
    );
    assert.deepEqual(
      loaded.filter((line) => /node_modules\/(fastify|@fastify|kysely|better-sqlite3|pg|pino)\//.test(line)),
      [],
    );
  });

  test('publint finds nothing to fix in the package', { timeout: 120_000 }, async () => {
    const r = await run(process.execPath, [join(ROOT, 'node_modules/publint/src/cli.js'), '--strict', tarball], ROOT, 120_000);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout + r.stderr, /All good/);
  });

  test('@arethetypeswrong/cli: the types resolve for every entry under node16 (ESM) and bundlers', { timeout: 120_000 }, async () => {
    const r = await run(
      process.execPath,
      [join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarball, '--profile', 'esm-only', '--format', 'ascii'],
      ROOT,
      120_000,
    );
    assert.equal(r.code, 0, show(r));
    // Every entry resolves, with its types, for Node's ESM and for bundlers (CommonJS and the
    // pre-exports node10 resolution are out of scope: the package is ESM only).
    for (const entry of ['"ads-oauth"', '"ads-oauth/web"']) {
      const section = r.stdout.slice(r.stdout.indexOf(entry), r.stdout.indexOf('****', r.stdout.indexOf(entry)));
      assert.match(section, /node16 \(from ESM\): 🟢 \(ESM\)/, section);
      assert.match(section, /bundler: 🟢/, section);
    }
  });
});
