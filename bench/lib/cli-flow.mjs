// Part 1 and 2 of issue 9: the whole loopback flow as a real process, against the instant provider,
// with a plain-HTTP "browser" that follows the provider's redirect back to the program's listener.
// Programs are run round-robin (one warm-up each, not counted) so that noise on the shared machine
// spreads over all of them alike. Peak RSS is /usr/bin/time's maximum resident set size (from
// wait4's rusage), or the last /proc VmHWM sample where /usr/bin/time is missing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moduleHook, readModules, summarizeProfile } from './startup.mjs';
import { readdirSync } from 'node:fs';
import { HAS_TIME, nowMs, ROOT, round, rssKiB, startProvider, summary } from './util.mjs';

const URL_LINE = /Paste this URL in your browser:\r?\n\r?\n(\S+)\r?\n/;

function get(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { 'user-agent': 'ads-oauth-bench' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One run of `args` (node arguments). Resolves timings in ms and peak RSS in KiB. */
function runOnce(args, { flow, env, cwd }) {
  return new Promise((resolve, reject) => {
    const rssFile = join(cwd, `rss-${process.hrtime.bigint()}.txt`);
    const argv = HAS_TIME ? ['/usr/bin/time', '-f', '%M', '-o', rssFile, process.execPath, ...args] : [process.execPath, ...args];
    const t0 = nowMs();
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let tUrl = null;
    let tCallbackSent = null;
    let tPage = null;
    let hwm = null;
    let browsing = null;
    const sampler = HAS_TIME
      ? null
      : setInterval(() => {
          const r = rssKiB(child.pid);
          if (r) hwm = r.hwm;
        }, 2);
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => {
      stderr += c;
      const m = flow && tUrl === null && stderr.match(URL_LINE);
      if (!m) return;
      tUrl = nowMs();
      browsing = (async () => {
        const consent = await get(m[1]);
        if (consent.status !== 302 || !consent.location) throw new Error(`provider answered ${consent.status}`);
        tCallbackSent = nowMs();
        const page = await get(consent.location);
        tPage = nowMs();
        if (!HAS_TIME) {
          const r = rssKiB(child.pid);
          if (r) hwm = r.hwm;
        }
        if (page.status !== 200) throw new Error(`callback answered ${page.status}`);
      })();
      browsing.catch(() => {});
    });
    child.once('error', reject);
    child.once('close', async (code) => {
      const tExit = nowMs();
      if (sampler) clearInterval(sampler);
      try {
        if (browsing) await browsing;
        if (code !== 0) throw new Error(`exit ${code}\n${stderr}`);
        if (flow && !/refresh token is: \S+/.test(stdout)) throw new Error(`no refresh token printed\n${stdout}\n${stderr}`);
        if (HAS_TIME) hwm = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
        rmSync(rssFile, { force: true });
        resolve({
          totalMs: tExit - t0,
          ...(flow ? { toUrlMs: tUrl - t0, afterCallbackMs: tExit - tCallbackSent, exitAfterPageMs: tExit - tPage } : {}),
          peakRssKiB: hwm,
        });
      } catch (error) {
        reject(error);
      }
    });
  });
}

export async function benchCliFlow({ quick, log }) {
  const runs = quick ? 2 : 25;
  const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-bench-cli-'));
  const provider = await startProvider();
  try {
    const clientFile = join(dir, 'client_secret_bench-cli.json');
    writeFileSync(
      clientFile,
      JSON.stringify({
        installed: {
          client_id: 'bench-cli',
          project_id: 'bench',
          auth_uri: `${provider.issuer}/o/oauth2/auth`,
          token_uri: `${provider.issuer}/token`,
          client_secret: 'bench-secret-bench-cli',
          redirect_uris: ['http://localhost'],
        },
      }),
      { mode: 0o600 },
    );
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', NODE_NO_WARNINGS: '1' };
    const programs = [
      { id: 'node-e', label: "`node -e ''`", args: ['-e', ''], flow: false },
      {
        id: 'minimal',
        label: 'minimal flow (bench/baselines/minimal-flow.mjs)',
        args: [join(ROOT, 'bench/baselines/minimal-flow.mjs'), clientFile],
        flow: true,
      },
      {
        id: 'ours',
        label: '`generate-user-credentials`',
        // The bin as package.json names it.
        args: [
          join(ROOT, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin['generate-user-credentials']),
          `--client_secrets_path=${clientFile}`,
          '--no-open',
        ],
        flow: true,
      },
      {
        id: 'google-auth-library',
        label: 'google-auth-library OAuth2Client',
        args: [join(ROOT, 'bench/baselines/google-auth-library-flow.mjs'), clientFile],
        flow: true,
      },
    ];
    const samples = Object.fromEntries(programs.map((p) => [p.id, []]));
    for (let round_ = -1; round_ < runs; round_++) {
      for (const p of programs) {
        const r = await runOnce(p.args, { flow: p.flow, env, cwd: dir });
        if (round_ >= 0) samples[p.id].push(r);
      }
    }
    // And the modules each flow loads (an --import hook; not timed).
    const { hook, log: modLog } = moduleHook(dir);
    const modules = {};
    for (const p of programs) {
      rmSync(modLog, { force: true });
      await runOnce([`--import=${hook}`, ...p.args], { flow: p.flow, env, cwd: dir });
      const m = readModules(modLog);
      modules[p.id] = {
        files: m.files,
        kib: m.kib,
        builtins: m.builtins.length,
        undici: m.builtins.some((b) => b.includes('undici')),
        byPackage: m.byPackage,
      };
    }
    const base = summary(samples['node-e'].map((r) => r.totalMs)).median;
    const results = programs.map((p) => {
      const s = samples[p.id];
      const total = summary(s.map((r) => r.totalMs));
      const rss = summary(s.map((r) => r.peakRssKiB));
      return {
        id: p.id,
        label: p.label,
        runs: s.length,
        modules: modules[p.id],
        totalMs: total,
        xNode: round(total.median / base, 2),
        peakRssMiB: { median: round(rss.median / 1024, 1), max: round(rss.max / 1024, 1) },
        ...(p.flow
          ? {
              toUrlMs: summary(s.map((r) => r.toUrlMs)),
              afterCallbackMs: summary(s.map((r) => r.afterCallbackMs)),
              exitAfterPageMs: summary(s.map((r) => r.exitAfterPageMs)),
            }
          : {}),
      };
    });
    // One more run of ours under --cpu-prof: where its time goes (not counted above).
    const profDir = join(dir, 'prof');
    const ours = programs.find((p) => p.id === 'ours');
    await runOnce(['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', profDir, ...ours.args], { flow: true, env, cwd: dir });
    const profile = summarizeProfile(
      join(
        profDir,
        readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')),
      ),
    );
    log(`cli flow: ${results.map((r) => `${r.id} ${r.totalMs.median} ms`).join(', ')}`);
    return {
      runs,
      profileOurs: profile,
      rssSource: HAS_TIME ? '/usr/bin/time %M (wait4 rusage)' : '/proc VmHWM sampling',
      programs: results,
    };
  } finally {
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
