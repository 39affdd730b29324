#!/usr/bin/env node
// The `generate-user-credentials` bin, bundled by scripts/bundle-cli.mjs into
// dist/cli/generate-user-credentials.cjs: help and the version for a pipe or a file come from
// help.json (canned.ts); anything else loads the start-up file,
// dist/cli/start-generate-user-credentials.cjs (bin/start-generate-user-credentials.ts).
import { answerCanned, type CannedKeys } from './canned.js';

// Written in by scripts/bundle-cli.mjs (esbuild `define`): this bin's canned command lines.
declare const ADS_OAUTH_CANNED_KEYS: CannedKeys;

if (!answerCanned(ADS_OAUTH_CANNED_KEYS, `${__dirname}/help.json`, process.argv.slice(2))) {
  // A CommonJS require, kept out of the bundle by scripts/bundle-cli.mjs (an import() would start
  // Node's ESM loader).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./start-generate-user-credentials.cjs');
}
