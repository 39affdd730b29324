#!/usr/bin/env node
// The `ads-oauth` bin, bundled by scripts/bundle-cli.mjs into dist/cli/ads-oauth.cjs: help and the
// version for a pipe or a file come from help.json (canned.ts); other help, `serve` (handed to
// tsc's dist/cli/ads-oauth.js there) and a group's usage load the start-up file,
// dist/cli/start-ads-oauth.cjs (bin/start-ads-oauth.ts); a run goes straight to the commands' work,
// dist/cli/run.cjs, through dist/cli/load-run.cjs (its code cache).
import { answerCanned, mayAskForHelp, type CannedKeys } from './canned.js';

// Written in by scripts/bundle-cli.mjs (esbuild `define`): this bin's canned command lines, and
// the names of its subcommands and of those that are groups (no run of their own).
declare const ADS_OAUTH_CANNED_KEYS: CannedKeys;
declare const ADS_OAUTH_COMMANDS: { readonly subcommands: readonly string[]; readonly groups: readonly string[] };

const argv = process.argv.slice(2);
// CommonJS requires, kept out of the bundle by scripts/bundle-cli.mjs (an import() would start
// Node's ESM loader).
if (answerCanned(ADS_OAUTH_CANNED_KEYS, `${__dirname}/help.json`, argv)) {
  // answered
} else if (argv[0] === 'serve' || mayAskForHelp(argv, ADS_OAUTH_COMMANDS.groups)) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./start-ads-oauth.cjs');
} else {
  const sub = argv[0] !== undefined && ADS_OAUTH_COMMANDS.subcommands.includes(argv[0]) ? argv[0] : 'ads-oauth';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  void (require('./load-run.cjs') as typeof import('./load-run.js')).loadRun(sub).runAdsOAuth(argv);
}
