// The start-up file of the `ads-oauth` bin (bin/ads-oauth.ts, which loads it for everything it
// cannot answer from help.json), bundled by scripts/bundle-cli.mjs into dist/cli/start-ads-oauth.cjs:
// one CommonJS file (a CommonJS entry skips Node's ESM loader, bench/NOTES.md) with the command
// definitions and the help; it answers help, --version and a group's usage itself (prelude.ts),
// at a terminal's width too, and loads dist/cli/run.cjs, the commands' work, for everything else.
//
// A `serve` run goes to tsc's unbundled dist/cli/ads-oauth.js instead: Fastify, Kysely and the
// drivers stay out of the bundles, serve keeps the real fetch globals, and its errors are of the
// same AdsOAuthError class as the runMain that reports them.
import { adsOAuth } from '../ads-oauth-command.js';
import { start } from './prelude.js';

const argv = process.argv.slice(2);
const sub = argv[0] !== undefined && Object.hasOwn(adsOAuth.subCommands ?? {}, argv[0]) ? argv[0] : undefined;
void start(adsOAuth, argv, {}, () =>
  // scripts/bundle-cli.mjs keeps this import out of the bundle (it is dist/cli/ads-oauth.js).
  sub === 'serve' ? import('../ads-oauth.js') : import('./load-run.js').then((m) => m.loadRun(sub ?? 'ads-oauth').runAdsOAuth(argv)),
);
