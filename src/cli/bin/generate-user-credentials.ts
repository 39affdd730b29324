#!/usr/bin/env node
// The `generate-user-credentials` bin, bundled by scripts/bundle-cli.mjs into
// dist/cli/generate-user-credentials.cjs: help and the version for a pipe or a file come from
// help.json (canned.ts); other help loads the start-up file,
// dist/cli/start-generate-user-credentials.cjs (bin/start-generate-user-credentials.ts); a run
// goes straight to dist/cli/run.cjs. See bin/ads-oauth.ts.
import { answerCanned, mayAskForHelp, type CannedKeys } from './canned.js';

// Written in by scripts/bundle-cli.mjs (esbuild `define`): this bin's canned command lines.
declare const ADS_OAUTH_CANNED_KEYS: CannedKeys;

const argv = process.argv.slice(2);
if (answerCanned(ADS_OAUTH_CANNED_KEYS, `${__dirname}/help.json`, argv)) {
  // answered
} else if (mayAskForHelp(argv)) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./start-generate-user-credentials.cjs');
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  void (require('./load-run.cjs') as typeof import('./load-run.js')).loadRun('generate').runGenerateUserCredentials(argv);
}
