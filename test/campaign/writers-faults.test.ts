// The config writers under fire (issue 10, "Fuzzing and load: Writers"): kill -9 at random
// moments of a writer's loop, and ENOSPC (and EIO, EDQUOT) injected at every step of the atomic
// write. Every time the file is the old one or a new complete one, never torn; its mode is 0600;
// every line outside the managed key is kept; no temp file is left behind by a failed write.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { processInfo } from '../../src/cli/process-info.js';
import { AdsOAuthError } from '../../src/errors.js';
import { STRAY_AGE_MS } from '../../src/stores/atomic-write.js';
import { readConfig, updateConfig } from '../../src/stores/config-file.js';
import { faultyFs, type FaultStep } from '../support/faulty-fs.js';
import { count, recordFigures } from './campaign.js';

const KILLS = count(12, 1_000);
const INJECTIONS = count(60, 1_000);
const WORKER = fileURLToPath(new URL('./kill-worker.mjs', import.meta.url));
const TOKEN_BYTES = 64 * 1024;

/** Per format: a file with comments and foreign keys that every write must keep. */
const FORMATS: { format: string; name: string; before: string; kept: RegExp[] }[] = [
  {
    format: 'yaml',
    name: 'google-ads.yaml',
    before: '# keep this comment\nclient_id: keep-me\nrefresh_token: first\nuse_proto_plus: True\n',
    kept: [/^# keep this comment$/m, /^use_proto_plus: True$/m],
  },
  {
    format: 'java',
    name: 'ads.properties',
    before: '# keep\napi.googleads.clientId=keep-me\napi.googleads.refreshToken=first\nother.key=stay\n',
    kept: [/^# keep$/m, /^other\.key=stay$/m],
  },
  {
    format: 'dotenv',
    name: '.env',
    before: '# keep\nGOOGLE_ADS_CLIENT_ID=keep-me\nGOOGLE_ADS_REFRESH_TOKEN=first\nOTHER=stay\n',
    kept: [/^# keep$/m, /^OTHER=stay$/m],
  },
];

const dirs: string[] = [];
const fresh = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-writers-campaign-'));
  dirs.push(dir);
  return dir;
};
const figures = { kills: 0, injections: 0, torn: 0, wrongMode: 0, lostLines: 0, strayTemps: 0, strayTempsCleaned: 0 };

after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  recordFigures('writers-faults', figures);
});

function check(path: string, spec: (typeof FORMATS)[number], token: string | undefined, where: string): void {
  const text = readFileSync(path, 'utf8');
  for (const kept of spec.kept) {
    if (!kept.test(text)) {
      figures.lostLines += 1;
      assert.fail(`${where}: a line outside the managed key was lost:\n${text.slice(0, 300)}`);
    }
  }
  if ((statSync(path).mode & 0o777) !== 0o600) {
    figures.wrongMode += 1;
    assert.fail(`${where}: mode ${(statSync(path).mode & 0o777).toString(8)}`);
  }
  const whole = token === 'first' || (token !== undefined && /^1\/\/\d+-x+$/.test(token) && token.length === TOKEN_BYTES);
  if (!whole) {
    figures.torn += 1;
    assert.fail(`${where}: torn or foreign token (${token?.slice(0, 20)}…, ${token?.length} chars)`);
  }
}

describe(`writers: ${KILLS} kill -9 mid-write`, { timeout: 20 * 60_000 }, () => {
  for (const spec of FORMATS) {
    it(`${spec.name}: the old file or a new complete one, mode 0600, every other line kept`, async () => {
      const dir = fresh();
      const path = join(dir, spec.name);
      writeFileSync(path, spec.before, { mode: 0o600 });
      const rounds = Math.ceil(KILLS / FORMATS.length);
      for (let round = 0; round < rounds; round += 1) {
        const child = spawn(process.execPath, [WORKER, path, spec.format, String(TOKEN_BYTES)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        await new Promise<void>((resolve, reject) => {
          child.stdout.once('data', () => resolve());
          child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${stderr}`)));
        });
        await new Promise((r) => setTimeout(r, Math.random() * 40));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('close', r));
        figures.kills += 1;
        const { values } = await readConfig(path, spec.format);
        assert.equal(values.clientId, 'keep-me');
        check(path, spec, values.refreshToken, `${spec.name} round ${round}`);
      }
      // Killed writers leave temp files and a stale lock; the next writer takes the lock over, and
      // once those temp files are old enough to be nobody's, a write removes them.
      const old = new Date(Date.now() - 2 * STRAY_AGE_MS);
      const strays = readdirSync(dir).filter((name) => name.endsWith('.tmp') || name.includes('.lock.new-'));
      for (const name of strays) utimesSync(join(dir, name), old, old);
      await updateConfig(
        path,
        { refreshToken: '1//0-'.padEnd(TOKEN_BYTES, 'x') },
        { format: spec.format, process: processInfo, lockTimeoutMs: 10_000 },
      );
      check(path, spec, (await readConfig(path, spec.format)).values.refreshToken, `${spec.name} after the kills`);
      const left = readdirSync(dir).filter((name) => name.endsWith('.tmp') || name.includes('.lock.new-'));
      figures.strayTemps += left.length;
      figures.strayTempsCleaned += strays.length - left.length;
      assert.deepEqual(left, [], 'the stray files of killed writers are cleaned up by the next write');
    });
  }
});

describe(`writers: ${INJECTIONS} injected ENOSPC / EIO / EDQUOT faults`, { timeout: 10 * 60_000 }, () => {
  const steps: FaultStep[] = ['open', 'write', 'sync', 'rename'];
  const codes = ['ENOSPC', 'EIO', 'EDQUOT'];
  for (const spec of FORMATS) {
    it(`${spec.name}: every failed write is CONFIG_WRITE, leaves the old file whole and no temp file`, async () => {
      const dir = fresh();
      const path = join(dir, spec.name);
      writeFileSync(path, spec.before, { mode: 0o600 });
      const rounds = Math.ceil(INJECTIONS / FORMATS.length);
      for (let round = 0; round < rounds; round += 1) {
        const step = steps[round % steps.length]!;
        const code = codes[Math.floor(round / steps.length) % codes.length]!;
        const token = `1//${round}-`.padEnd(TOKEN_BYTES, 'x');
        const error = await updateConfig(
          path,
          { refreshToken: token },
          { format: spec.format, process: processInfo, fs: faultyFs(step, code) },
        ).then(
          () => undefined,
          (e: unknown) => e,
        );
        figures.injections += 1;
        assert.ok(error instanceof AdsOAuthError, `${step}/${code}: ${String(error)}`);
        assert.equal(error.code, 'CONFIG_WRITE');
        assert.ok(!error.message.includes(token), 'the token is not in the message (the CLI prints it separately)');
        const { values } = await readConfig(path, spec.format);
        check(path, spec, values.refreshToken, `${spec.name} ${step}/${code}`);
        assert.equal(values.refreshToken, 'first', 'a failed write changes nothing');
        const stray = readdirSync(dir).filter((name) => name.endsWith('.tmp'));
        if (stray.length > 0) {
          figures.strayTemps += stray.length;
          assert.fail(`${step}/${code}: temp files left: ${stray.join(', ')}`);
        }
      }
    });
  }
});
