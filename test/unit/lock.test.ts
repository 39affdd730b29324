import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { AdsOAuthError } from '../../src/errors.js';
import { acquireLock } from '../../src/stores/lock.js';

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
  it("processes racing to break a dead holder's lock never share the critical section", { timeout: 120_000 }, async () => {
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
    assert.deepEqual(
      (await readdir(dir)).filter((name) => /\.(lock|break|critical)/.test(name)),
      [],
    );
  });
});

describe('acquireLock: a lock path that exists but is no usable lock', () => {
  // Before the fix each of these spun at full CPU forever, past the timeout (the directory case
  // threw a raw EISDIR: exit 1 instead of 8).
  it('a dangling symlink is CONFIG_WRITE at once, naming the path and the problem', async () => {
    const target = join(dir, 'dangling');
    await symlink(join(dir, 'nowhere'), `${target}.lock`);
    await assert.rejects(acquireLock(target, { timeoutMs: 60_000 }), (error: unknown) => {
      assert.ok(error instanceof AdsOAuthError);
      assert.equal(error.code, 'CONFIG_WRITE');
      assert.ok(error.message.includes(`${target}.lock`), error.message);
      assert.match(error.message, /symbolic link to nothing/);
      return true;
    });
  });

  it("a lock that cannot be opened (another user's 0600 file) is CONFIG_WRITE, not a wait", async () => {
    const target = join(dir, 'foreign');
    await writeFile(`${target}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere', token: 'x', time: Date.now() }));
    // Tests run as root, who can open anything: the EACCES a normal user gets is injected.
    const { open } = await import('node:fs/promises');
    const { constants } = await import('node:fs');
    const denied = (async (path: string, flags: number, mode?: number) => {
      if (flags === constants.O_RDONLY) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      return open(path, flags, mode);
    }) as unknown as typeof import('node:fs/promises').open;
    await assert.rejects(acquireLock(target, { timeoutMs: 60_000, fs: { open: denied } }), (error: unknown) => {
      assert.ok(error instanceof AdsOAuthError);
      assert.equal(error.code, 'CONFIG_WRITE');
      assert.match(error.message, /foreign\.lock exists but cannot be opened/);
      return true;
    });
  });

  it('a directory at the lock path is CONFIG_WRITE', async () => {
    const target = join(dir, 'isdir');
    await mkdir(`${target}.lock`);
    await assert.rejects(acquireLock(target, { timeoutMs: 60_000 }), (error: unknown) => {
      assert.ok(error instanceof AdsOAuthError);
      assert.equal(error.code, 'CONFIG_WRITE');
      assert.match(error.message, /is a directory/);
      return true;
    });
  });
});

describe('acquireLock: a lock released and re-taken while it is looked at', () => {
  it('is looked at again (a wait), not reported as a lock that cannot be opened', async () => {
    // Before, an ENOENT from opening the lock followed by lstat finding a new lock (another process
    // took it in between) was reported as "exists but cannot be opened (the directory does not exist)".
    const { open } = await import('node:fs/promises');
    const { constants } = await import('node:fs');
    const target = join(dir, 'retaken');
    await writeFile(`${target}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), token: 'live', time: Date.now() }));
    let first = true;
    const racing = (async (path: string, flags: number, mode?: number) => {
      if (flags === constants.O_RDONLY && first) {
        first = false; // as if the holder released it just before, and another process took it again
        throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
      }
      return open(path, flags, mode);
    }) as unknown as typeof import('node:fs/promises').open;
    const { processInfo } = await import('../../src/cli/process-info.js');
    await assert.rejects(acquireLock(target, { timeoutMs: 300, fs: { open: racing }, process: processInfo }), (error: unknown) => {
      assert.ok(error instanceof AdsOAuthError);
      assert.match(error.message, /Another process is writing .*held by pid/);
      return true;
    });
    assert.equal(first, false, 'the race was injected');
  });
});

describe('acquireLock: a process that dies while creating the lock', () => {
  it('never leaves an empty lock file behind, which others could only wait on', async () => {
    // Before, the lock was created empty (exclusive create) and then written: a writer killed in
    // between left an empty lock with no holder to check, and every later writer waited it out.
    const { open } = await import('node:fs/promises');
    const { existsSync } = await import('node:fs');
    const target = join(dir, 'dies-creating');
    const dying = (async (path: string, flags: number, mode?: number) => {
      const handle = await open(path, flags, mode);
      if (!path.startsWith(`${target}.lock`)) return handle;
      return new Proxy(handle, {
        get(t, p) {
          if (p === 'writeFile') return async () => Promise.reject(Object.assign(new Error('EIO: the writer died here'), { code: 'EIO' }));
          const value = Reflect.get(t, p) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
        },
      });
    }) as unknown as typeof import('node:fs/promises').open;
    await assert.rejects(acquireLock(target, { timeoutMs: 300, fs: { open: dying } }));
    assert.equal(existsSync(`${target}.lock`), false, 'no empty lock file');
    const { processInfo } = await import('../../src/cli/process-info.js');
    const release = await acquireLock(target, { timeoutMs: 300, process: processInfo });
    await release();
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.startsWith('dies-creating')),
      [],
    );
  });
});

describe('src/stores does not reach for process', () => {
  it('pid, uid and liveness come from the caller (cli/process-info.ts); no process.* under src/stores', async () => {
    // Before, lock.ts read process.pid and process.kill, atomic-write.ts process.getuid, and the
    // atomic write had a `faults` test hook instead of an injected file system.
    const { readdir: list, readFile } = await import('node:fs/promises');
    const root = fileURLToPath(new URL('../../src/stores/', import.meta.url));
    const files = (await list(root, { recursive: true })).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 5, files.join());
    const offenders: string[] = [];
    for (const file of files) {
      const code = (await readFile(join(root, file), 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (/\bprocess\s*\.\s*(pid|kill|getuid|geteuid|platform|umask|env|cwd|argv|exit|stdout|stderr|stdin)\b/.test(code))
        offenders.push(file);
      if (/export const faults\b/.test(code)) offenders.push(`${file} (faults hook)`);
    }
    assert.deepEqual(offenders, []);
  });
});
