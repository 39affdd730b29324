// The start-up file of the `generate-user-credentials` bin, bundled by scripts/bundle-cli.mjs into
// dist/cli/start-generate-user-credentials.cjs: help and --version are answered here (prelude.ts),
// a run loads dist/cli/run.cjs. See bin/start-ads-oauth.ts.
import { generate } from '../commands/generate.js';
import { start } from './prelude.js';

const argv = process.argv.slice(2);
void start(generate, argv, { name: 'generate-user-credentials' }, () =>
  import('./load-run.js').then((m) => m.loadRun('generate').runGenerateUserCredentials(argv)),
);
