// The commands' work for both bins, bundled by scripts/bundle-cli.mjs into dist/cli/run.cjs and
// loaded by load-run.ts once the bin has decided the command line is a run. Each starts over from
// argv, exactly as src/cli/ads-oauth.ts and src/cli/generate-user-credentials.ts do.
import { adsOAuth } from '../ads-oauth-command.js';
import { runCommand } from '../command.js';
import { generate } from '../commands/generate.js';
import { runMain } from '../context.js';

/** `ads-oauth ARGV…` (not `serve`: the bin hands that to dist/cli/ads-oauth.js). */
export function runAdsOAuth(argv: readonly string[]): Promise<void> {
  return runMain(argv, (args, ctx) => runCommand(adsOAuth, args, ctx));
}

/** `generate-user-credentials ARGV…`. */
export function runGenerateUserCredentials(argv: readonly string[]): Promise<void> {
  return runMain(argv, (args, ctx) => runCommand(generate, args, ctx, { name: 'generate-user-credentials' }));
}
