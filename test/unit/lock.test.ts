import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('../support/lock-worker.ts', import.meta.url));
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ads-oauth-lock-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function worker(target: string, start: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, target, String(start)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}

describe('acquireLock: breaking a stale lock', () => {
  it('processes racing to break a dead holder\'s lock never share the critical section', { timeout: 120_000 }, async () => {
    // Before the fix, a breaker acting on an old look removed a lock another process had just
    // taken: about a third of these critical sections overlapped.
    const results: string[] = [];
    for (let trial = 0; trial < 4; trial++) {
      const target = join(dir, `trial-${trial}`);
      await writeFile(`${target}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), token: 'dead', time: 0 }));
      const start = Date.now() + 1_500;
      results.push(...(await Promise.all(Array.from({ length: 6 }, () => worker(target, start)))));
    }
    assert.deepEqual(
      results.filter((r) => r !== 'alone'),
      [],
    );
    assert.equal(results.length, 24);
    // Nothing is left behind: no lock, no .break file, no marker.
    assert.deepEqual((await readdir(dir)).filter((name) => /\.(lock|break|critical)/.test(name)), []);
  });
});
