// A child process for test/unit/lock.test.ts: waits for a common start time, takes the lock on
// argv[2], and proves it is alone in the critical section with an exclusive-create marker file.
import { constants } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { processInfo } from '../../src/cli/process-info.js';
import { acquireLock } from '../../src/stores/lock.js';

const target = process.argv[2]!;
const start = Number(process.argv[3]);
while (Date.now() < start) {
  await new Promise((resolve) => setTimeout(resolve, 1));
}
const release = await acquireLock(target, { timeoutMs: 20_000, process: processInfo });
let alone = true;
try {
  const marker = await open(`${target}.critical`, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
  await marker.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await unlink(`${target}.critical`);
} catch {
  alone = false;
}
await release();
process.stdout.write(alone ? 'alone\n' : 'OVERLAP\n');
