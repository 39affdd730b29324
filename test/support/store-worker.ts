// A child process for the store and broker tests: two of these share one database to prove that
// migrations and refreshes are safe across processes. Keys come from ADS_OAUTH_ENCRYPTION_KEYS.
//   store-worker.ts migrate <database> <schema|-> <start-ms>
//   store-worker.ts broker  <database> <schema|-> <start-ms> <account-id> <calls>
// Prints one JSON line: { migrated: true } or { refreshes, tokens } (distinct tokens handed out).
import { setTimeout as sleep } from 'node:timers/promises';
import { createTokenBroker } from '../../src/broker/index.js';
import { openAccountStore, parseKeyring } from '../../src/stores/accounts/index.js';

const [mode, database, schemaArg, startArg, accountId, callsArg] = process.argv.slice(2);
const schema = schemaArg === '-' ? undefined : schemaArg;
const store = await openAccountStore({
  database: database!,
  keyring: parseKeyring(process.env['ADS_OAUTH_ENCRYPTION_KEYS']),
  clientId: 'client-1.apps.example.com',
  ...(schema ? { schema } : {}),
});
while (Date.now() < Number(startArg)) await sleep(1);
try {
  if (mode === 'migrate') {
    await store.migrate();
    process.stdout.write(`${JSON.stringify({ migrated: true })}\n`);
  } else {
    let refreshes = 0;
    const broker = createTokenBroker({
      store,
      refresh: async () => {
        refreshes++;
        await sleep(200);
        return { accessToken: `at-${process.pid}-${refreshes}`, expiresIn: 3600 };
      },
    });
    const tokens = await Promise.all(Array.from({ length: Number(callsArg) }, () => broker.getAccessToken(accountId!)));
    process.stdout.write(`${JSON.stringify({ refreshes, tokens: [...new Set(tokens.map((t) => t.token))] })}\n`);
  }
} finally {
  await store.close();
}
