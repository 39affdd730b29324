// Part 3 of issue 9: start-up of every command (wall time, 41 runs, round-robin with `node -e ''`),
// the modules each loads (an --import hook logs every resolved URL; files are counted and sized,
// `node:` built-ins counted apart; the hook's own cost is measured on `node -e ''` and taken off),
// and a CPU profile (--cpu-prof) of start-up, summed by file, as the lead for where time goes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nowMs, ROOT, round, summary } from './util.mjs';

// The bins as package.json names them (what `npx ads-oauth` runs).
const BIN = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin;
const ADS = join(ROOT, BIN['ads-oauth']);
const GUC = join(ROOT, BIN['generate-user-credentials']);
export const COMMANDS = [
  { id: 'node-e', label: "`node -e ''`", args: ['-e', ''] },
  { id: 'help', label: '`ads-oauth --help`', args: [ADS, '--help'] },
  { id: 'version', label: '`ads-oauth --version`', args: [ADS, '--version'] },
  { id: 'verify-help', label: '`ads-oauth verify --help`', args: [ADS, 'verify', '--help'] },
  { id: 'serve-help', label: '`ads-oauth serve --help`', args: [ADS, 'serve', '--help'] },
  { id: 'guc-help', label: '`generate-user-credentials --help`', args: [GUC, '--help'] },
];

function run(args, env, cwd) {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (c) => (err += c));
    child.once('error', reject);
    // A command that fails is still timed (its start-up is what is measured); the failure is kept.
    child.once('close', (code) => resolve({ ms: nowMs() - t0, code, err: err.trim().split('\n')[0] }));
  });
}

export function moduleHook(dir) {
  const log = join(dir, 'modules.log');
  const hook = join(dir, 'hook.mjs');
  const resolver = `import { appendFileSync } from 'node:fs'; export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }`;
  writeFileSync(
    hook,
    [
      "import { register } from 'node:module';",
      "import { appendFileSync } from 'node:fs';",
      `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(resolver)}));`,
      "import { createRequire } from 'node:module';",
      "import { pathToFileURL } from 'node:url';",
      // CommonJS files do not pass the ESM resolve hook: take them from require.cache at exit.
      `process.on('exit', () => appendFileSync(${JSON.stringify(log)}, Object.keys(createRequire(import.meta.url).cache).map((f) => pathToFileURL(f).href + '\\n').join('') + 'BUILTINS ' + JSON.stringify(process.moduleLoadList) + '\\n'));`,
    ].join('\n'),
  );
  return { hook, log };
}

export function readModules(log) {
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const files = new Set();
  let builtins = [];
  for (const line of lines) {
    if (line.startsWith('BUILTINS ')) builtins = JSON.parse(line.slice(9));
    else if (line.startsWith('file:')) files.add(line);
  }
  let bytes = 0;
  const byPackage = {};
  for (const url of files) {
    const path = fileURLToPath(url);
    const size = statSync(path).size;
    bytes += size;
    const pkg = path.includes('/node_modules/')
      ? path
          .split('/node_modules/')
          .at(-1)
          .split('/')
          .slice(0, path.split('/node_modules/').at(-1).startsWith('@') ? 2 : 1)
          .join('/')
      : path.replace(ROOT, '').split('/').slice(0, 2).join('/');
    byPackage[pkg] = (byPackage[pkg] ?? 0) + 1;
  }
  return { files: files.size, kib: round(bytes / 1024, 1), builtins, byPackage };
}

/** Self time per file from a .cpuprofile, top `n`, plus the profile's total. */
export function summarizeProfile(path, n = 12, window = null) {
  // (program), (garbage collector), (idle) are V8's own buckets; native calls have no URL.
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  // window: only the samples between fromEndMs and toEndMs before the profile's end (a load phase).
  const from = window ? profile.endTime - window.fromEndMs * 1000 : -Infinity;
  const to = window ? profile.endTime - window.toEndMs * 1000 : Infinity;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    const node = byId.get(profile.samples[i]);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const url = node.callFrame.url || node.callFrame.functionName || '(unknown)';
    const key = url.replace(`file://${ROOT}`, '').replace(/^.*\/node_modules\//, 'node_modules/');
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const totalMs = window ? window.fromEndMs - window.toEndMs : (profile.endTime - profile.startTime) / 1000;
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([file, ms]) => ({ file, selfMs: round(ms, 1) }));
  const byGroup = {};
  for (const [file, ms] of self) {
    const group = file.startsWith('node:internal/deps/undici')
      ? 'undici (node:internal/deps/undici)'
      : /^node:internal\/(webstreams|abort_controller|event_target)/.test(file)
        ? 'node: web streams, AbortController (fetch plumbing)'
        : /^node:internal\/modules\//.test(file)
          ? 'node: module loader'
          : /^node:internal\/(bootstrap|process\/pre_execution|main)/.test(file)
            ? 'node: bootstrap'
            : file.startsWith('node:')
              ? 'node: other built-ins'
              : file.startsWith('node_modules/')
                ? `node_modules/${file.split('/')[1].startsWith('@') ? file.split('/').slice(1, 3).join('/') : file.split('/')[1]}`
                : file.startsWith('dist/')
                  ? `dist/${file.split('/')[1]}/ (ours)`
                  : file.startsWith('(')
                    ? file
                    : 'native calls (no JS file: fs, compile, sockets, sqlite, crypto…)';
    byGroup[group] = round((byGroup[group] ?? 0) + ms, 1);
  }
  return {
    totalMs: round(totalMs, 1),
    top,
    byGroup: Object.fromEntries(
      Object.entries(byGroup)
        .sort((a, b) => b[1] - a[1])
        .slice(0, n),
    ),
  };
}

export async function profileRun(args, env, cwd) {
  const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-bench-prof-'));
  try {
    await run(['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, ...args], env, cwd);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    return summarizeProfile(join(dir, file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The least a program can do before it prints a loopback consent URL (CommonJS, as the bins are).
const URL_FLOOR = [
  "const { createHash, randomBytes } = require('node:crypto');",
  "const server = require('node:http').createServer().listen(0, '127.0.0.1', () => {",
  "  const verifier = randomBytes(32).toString('base64url');",
  "  const url = new URL('http://127.0.0.1:9/o/oauth2/auth');",
  "  url.searchParams.set('redirect_uri', `http://127.0.0.1:${server.address().port}/`);",
  "  url.searchParams.set('state', randomBytes(32).toString('base64url'));",
  "  url.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));",
  "  require('node:fs').writeSync(2, `${url.href}\\n`);",
  '  process.exit(0);',
  '});',
].join('\n');

/** What single pieces of the start-up path cost on their own, measured beside `node -e ''`. */
export const LEADS = [
  { id: 'node-e', label: "`node -e ''`", args: ['-e', ''] },
  { id: 'http', label: "`import('node:http')`", args: ['--input-type=module', '-e', "await import('node:http')"] },
  { id: 'https', label: "`import('node:https')` (tls)", args: ['--input-type=module', '-e', "await import('node:https')"] },
  { id: 'crypto', label: "`import('node:crypto')`", args: ['--input-type=module', '-e', "await import('node:crypto')"] },
  { id: 'headers', label: '`new Headers()` (loads undici)', args: ['-e', 'new Headers()'] },
  { id: 'oauth4webapi', label: "`import('oauth4webapi')`", args: ['--input-type=module', '-e', "await import('oauth4webapi')"] },
  // What any program that prints a loopback consent URL pays before it: a listener (in Node 20,
  // every `listen()` goes through net's listenInCluster, which loads node:cluster and with it
  // child_process, dgram and dns) and the PKCE challenge; both CommonJS, like the bins.
  {
    id: 'listen',
    label: "`net.createServer().listen(0, '127.0.0.1')` (loads node:cluster, child_process, dgram, dns)",
    args: ['-e', "require('node:net').createServer().listen(0, '127.0.0.1', () => process.exit(0))"],
  },
  {
    id: 'url-floor',
    label: 'node:http listener, node:crypto PKCE, the consent URL written',
    args: ['-e', URL_FLOOR],
  },
  {
    id: 'generate',
    label: "`import('dist/cli/commands/generate.js')` (no call)",
    args: ['--input-type=module', '-e', `await import(${JSON.stringify(join(ROOT, 'dist/cli/commands/generate.js'))})`],
  },
  {
    id: 'loopback',
    label: "`import('dist/flows/loopback.js')`",
    args: ['--input-type=module', '-e', `await import(${JSON.stringify(join(ROOT, 'dist/flows/loopback.js'))})`],
  },
  {
    id: 'node-fetch',
    label: "`import('dist/transport/node-fetch.js')`",
    args: ['--input-type=module', '-e', `await import(${JSON.stringify(join(ROOT, 'dist/transport/node-fetch.js'))})`],
  },
];

async function measureLeads(runs, env, cwd) {
  const samples = Object.fromEntries(LEADS.map((c) => [c.id, []]));
  for (let i = -1; i < runs; i++) {
    for (const c of LEADS) {
      const { ms, code, err } = await run(c.args, env, cwd);
      if (code !== 0) throw new Error(`${c.label}: exit ${code}: ${err}`);
      if (i >= 0) samples[c.id].push(ms);
    }
  }
  const base = summary(samples['node-e']).median;
  return LEADS.map((c) => ({
    id: c.id,
    label: c.label,
    wallMs: summary(samples[c.id]),
    beyondNodeMs: round(summary(samples[c.id]).median - base, 1),
    xNode: round(summary(samples[c.id]).median / base, 2),
  }));
}

export async function benchStartup({ quick, log }) {
  // A start-up is 30–60 ms and the shared machine's noise a few ms: 41 runs make the median's
  // error smaller than the 10% the target allows (with 15, --version moved between 1.06× and 1.26×).
  const runs = quick ? 2 : 41;
  const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-bench-startup-'));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', NODE_NO_WARNINGS: '1' };
  try {
    const samples = Object.fromEntries(COMMANDS.map((c) => [c.id, []]));
    const failures = {};
    for (let i = -1; i < runs; i++) {
      for (const c of COMMANDS) {
        const { ms, code, err } = await run(c.args, env, dir);
        if (code !== 0) failures[c.id] = `exit ${code}: ${err}`;
        if (i >= 0) samples[c.id].push(ms);
      }
    }
    const { hook, log: modLog } = moduleHook(dir);
    const modules = {};
    for (const c of COMMANDS) {
      rmSync(modLog, { force: true });
      await run([`--import=${hook}`, ...c.args], env, dir);
      modules[c.id] = readModules(modLog);
    }
    const baseBuiltins = new Set(modules['node-e'].builtins);
    const base = summary(samples['node-e']).median;
    const commands = COMMANDS.map((c) => {
      const m = modules[c.id];
      return {
        id: c.id,
        label: c.label,
        ...(failures[c.id] ? { failed: failures[c.id] } : {}),
        wallMs: summary(samples[c.id]),
        xNode: round(summary(samples[c.id]).median / base, 2),
        modules: {
          files: m.files,
          kib: m.kib,
          builtinsBeyondNode: m.builtins.filter((b) => !baseBuiltins.has(b)).length,
          byPackage: m.byPackage,
        },
      };
    });
    const profile = await profileRun([ADS, '--help'], env, dir);
    const leadRuns = quick ? 2 : 15;
    const leads = await measureLeads(leadRuns, env, ROOT);
    log(`startup: ${commands.map((c) => `${c.id} ${c.wallMs.median} ms`).join(', ')}`);
    return { runs, leadRuns, commands, profileHelp: profile, leads };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
