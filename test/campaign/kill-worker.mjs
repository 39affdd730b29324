// Child of the writers fault campaign: loops updating the refresh token of a config file through
// the built updateConfig (plain node, no tsx, so a thousand of them start fast) until it is
// killed. Prints "ready" after its first complete update.
//   node test/campaign/kill-worker.mjs <path> <format> <bytes>
import { processInfo } from '../../dist/cli/process-info.js';
import { updateConfig } from '../../dist/stores/config-file.js';

const [path, format, bytes] = process.argv.slice(2);
for (let n = 1; ; n += 1) {
  // A token that proves it is whole: its number, then padding to an exact length.
  await updateConfig(
    path,
    { refreshToken: `1//${n}-`.padEnd(Number(bytes), 'x') },
    { format, process: processInfo, lockTimeoutMs: 60_000 },
  );
  if (n === 1) process.stdout.write('ready\n');
}
