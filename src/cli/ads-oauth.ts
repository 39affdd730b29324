#!/usr/bin/env node
// The umbrella command: `ads-oauth <command> [options]`. Commands load lazily: a run pays only
// for the code it uses.
import { AdsOAuthError } from '../errors.js';
import type { CliContext } from './context.js';
import { runMain } from './context.js';
import { EXIT_CODE_HELP, ExitCode } from './exit-codes.js';
import { version } from './version.js';

type Command = (args: string[], ctx: CliContext) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  generate: {
    summary: 'Get a refresh token (the same as generate-user-credentials)',
    load: async () => {
      const { generateCommand } = await import('./commands/generate.js');
      return (args, ctx) => generateCommand(args, ctx, 'ads-oauth generate');
    },
  },
  verify: {
    summary: 'Refresh the token now and explain why it fails, if it does',
    load: async () => (await import('./commands/verify.js')).verifyCommand,
  },
  revoke: {
    summary: 'Revoke the refresh token (--remove also deletes it from the config)',
    load: async () => (await import('./commands/revoke.js')).revokeCommand,
  },
  customers: {
    summary: 'List the Google Ads accounts the token can reach; set login_customer_id',
    load: async () => (await import('./commands/customers.js')).customersCommand,
  },
  config: {
    summary: 'config set: write credentials you already have into a config file',
    load: async () => (await import('./commands/config.js')).configCommand,
  },
  serve: {
    summary: 'Run the web flow as a multi-user server with a token broker API',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
};

const HELP = () => `Usage: ads-oauth <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(12)}${summary}`)
  .join('\n')}

Run "ads-oauth <command> --help" for a command's options.
Options: --help, --version

${EXIT_CODE_HELP}
`;

await runMain(process.argv.slice(2), async (argv, ctx) => {
  const [name, ...rest] = argv;
  // `ads-oauth help verify` is `ads-oauth verify --help`.
  if (name === 'help' && rest[0] !== undefined && COMMANDS[rest[0]]) return (await COMMANDS[rest[0]]!.load())(['--help'], ctx);
  // `--version` answers the same for every command, before any command code loads.
  if (name !== undefined && COMMANDS[name] && rest.includes('--version') && !rest.includes('--')) {
    ctx.out(version());
    return ExitCode.OK;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(HELP());
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  if (name === '--version') {
    ctx.out(version());
    return ExitCode.OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    throw new AdsOAuthError('USAGE', `Unknown command ${JSON.stringify(name)}. Commands: ${Object.keys(COMMANDS).join(', ')}. See ads-oauth --help.`);
  }
  return (await command.load())(rest, ctx);
});
