#!/usr/bin/env node
// `ads-oauth` as tsc writes it (ESM, one module per file, the real fetch globals). The bin is
// src/cli/bin/ads-oauth.ts, bundled; it hands `serve` to this module.
import { adsOAuth } from './ads-oauth-command.js';
import { runCommand } from './command.js';
import { runMain } from './context.js';

await runMain(process.argv.slice(2), (args, ctx) => runCommand(adsOAuth, args, ctx));
