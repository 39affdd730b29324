// Seeds an account store through its own API (as serve would store them), in its own process:
// `node bench/lib/seed.mjs '{"database":…,"from":0,"to":1000,"idsFile":…,"apiKey":true}'`
// (ADS_OAUTH_ENCRYPTION_KEYS set). Appends the new account ids to idsFile, one a line, and prints
// {"seeded":…,"ms":…,"key":…}. Access tokens are fresh (an hour), so the broker never refreshes.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = new URL('../../', import.meta.url).pathname;
const config = JSON.parse(process.argv[2]);
const { openAccountStore, parseKeyring } = await import(pathToFileURL(join(ROOT, 'dist/stores/accounts/index.js')).href);
const store = await openAccountStore({
  database: config.database,
  keyring: parseKeyring(process.env.ADS_OAUTH_ENCRYPTION_KEYS),
  clientId: config.clientId ?? 'bench-web',
});
await store.migrate();
const t0 = performance.now();
const scopes = ['https://www.googleapis.com/auth/adwords', 'openid', 'email'];
const expiresAt = new Date(Date.now() + 3_600_000);
let ids = [];
const batch = 64;
for (let i = config.from; i < config.to; i += batch) {
  const saved = await Promise.all(
    Array.from({ length: Math.min(batch, config.to - i) }, (_, j) =>
      store.saveConnection({
        issuer: 'http://bench.invalid',
        subject: `seed-${i + j}`,
        email: `seed${i + j}@example.test`,
        emailVerified: true,
        scopes,
        refreshToken: `1//seed-refresh-${i + j}`,
        accessToken: { token: `ya29.seed-${i + j}`, expiresAt, scopes },
      }),
    ),
  );
  ids.push(...saved.map((s) => s.account.id));
  if (ids.length >= 4096) {
    appendFileSync(config.idsFile, `${ids.join('\n')}\n`);
    ids = [];
  }
}
if (ids.length) appendFileSync(config.idsFile, `${ids.join('\n')}\n`);
const key = config.apiKey ? (await store.createApiKey('bench')).key : undefined;
await store.close();
process.stdout.write(
  `${JSON.stringify({ seeded: config.to - config.from, ms: Math.round(performance.now() - t0), ...(key ? { key } : {}) })}\n`,
);
