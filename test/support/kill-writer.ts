/**
 * Child process for the config-writer fault and concurrency tests (run with `node --import tsx`).
 *
 *   atomic <path> <bytes>                      loop forever writing self-checking files of ~<bytes>
 *                                              with writeFileAtomic; prints "ready" after the first
 *   update <path> <format> <field> <n> <tag>   n sequential updateConfig calls setting <field> to
 *                                              "<tag>-<i>"; prints "done"
 *   loop-update <path> <format> <bytes>        loop forever updating the refresh token with a long
 *                                              value through updateConfig; prints "ready" after the first
 *   umask <mask-octal> <path> <format> [dir]   sets the umask, then updateConfig (createDirectory)
 *   as-user <path> <format>                    updateConfig the refresh token, printing the error
 *                                              code on failure (run with another uid)
 */
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../../src/stores/atomic-write.js';
import { processInfo } from '../../src/cli/process-info.js';
import { updateConfig } from '../../src/stores/config-file.js';
import type { CredentialField } from '../../src/writers/index.js';

/** A file body that proves it is whole: header with length and digest, then the payload. */
export function selfChecking(n: number, bytes: number): string {
  const payload = `${n}:`.padEnd(bytes, String.fromCharCode(97 + (n % 26)));
  const digest = createHash('sha256').update(payload).digest('hex');
  return `${payload.length}:${digest}\n${payload}`;
}

export function isWhole(text: string): boolean {
  const nl = text.indexOf('\n');
  if (nl === -1) return false;
  const [length, digest] = text.slice(0, nl).split(':');
  const payload = text.slice(nl + 1);
  return Number(length) === payload.length && createHash('sha256').update(payload).digest('hex') === digest;
}

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'atomic') {
    const [path, bytes] = args as [string, string];
    for (let n = 1; ; n++) {
      await writeFileAtomic(path, selfChecking(n, Number(bytes)));
      if (n === 1) process.stdout.write('ready\n');
    }
  }
  if (mode === 'update') {
    const [path, format, field, count, tag] = args as [string, string, CredentialField, string, string];
    for (let i = 1; i <= Number(count); i++) {
      await updateConfig(path, { [field]: `${tag}-${i}` }, { format, lockTimeoutMs: 60_000, process: processInfo });
    }
    process.stdout.write('done\n');
    return;
  }
  if (mode === 'loop-update') {
    const [path, format, bytes] = args as [string, string, string];
    for (let n = 1; ; n++) {
      await updateConfig(path, { refreshToken: `1//${n}-`.padEnd(Number(bytes), 'x') }, { format, process: processInfo });
      if (n === 1) process.stdout.write('ready\n');
    }
  }
  if (mode === 'umask') {
    const [mask, path, format] = args as [string, string, string];
    process.umask(parseInt(mask, 8));
    await updateConfig(path, { refreshToken: '1//umask-test' }, { format, createDirectory: true, process: processInfo });
    process.stdout.write('done\n');
    return;
  }
  if (mode === 'as-user') {
    const [path, format] = args as [string, string];
    try {
      await updateConfig(path, { refreshToken: '1//as-user-SECRET' }, { format, process: processInfo });
      process.stdout.write('ok\n');
    } catch (error) {
      const e = error as { code?: string; message?: string };
      process.stdout.write(`${JSON.stringify({ code: e.code, message: e.message })}\n`);
    }
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  });
}
