#!/usr/bin/env node
// The seed's job: `generate-user-credentials --client_secrets_path=PATH [options]`.
import { runCommand } from './command.js';
import { generate } from './commands/generate.js';
import { runMain } from './context.js';

await runMain(process.argv.slice(2), (args, ctx) => runCommand(generate, args, ctx, { name: 'generate-user-credentials' }));
