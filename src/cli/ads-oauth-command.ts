// The umbrella command's definition: `ads-oauth <command> [options]`. Each command's definition
// loads when it runs (or its help is asked for), and its work only inside its run: a run pays only
// for the code it uses. Run by src/cli/bin/ads-oauth.ts (the bin) and src/cli/ads-oauth.ts.
import { defineCommand } from './command.js';
import { exitCodesSection } from './common-args.js';

/** `ads-oauth`: its help and its subcommands, each loaded when used. */
export const adsOAuth = defineCommand({
  meta: {
    name: 'ads-oauth',
    usage: '<command> [options]',
    description: 'Gets, checks, revokes and stores OAuth 2.0 refresh tokens for the Google Ads API (and any OAuth 2.0 provider).',
    sections: [exitCodesSection()],
  },
  args: {},
  subCommands: {
    generate: {
      summary: 'Get a refresh token (the same as generate-user-credentials)',
      load: async () => (await import('./commands/generate.js')).generate,
    },
    verify: {
      summary: 'Refresh the token now and explain why it fails, if it does',
      load: async () => (await import('./commands/verify.js')).verify,
    },
    revoke: {
      summary: 'Revoke the refresh token (--remove also deletes it from the config)',
      load: async () => (await import('./commands/revoke.js')).revoke,
    },
    customers: {
      summary: 'List the Google Ads accounts the token can reach; set login_customer_id',
      load: async () => (await import('./commands/customers.js')).customers,
    },
    config: {
      summary: 'config set: write credentials you already have into a config file',
      load: async () => (await import('./commands/config.js')).config,
    },
    serve: {
      summary: 'Run the web flow as a multi-user server with a token broker API',
      load: async () => (await import('./commands/serve.js')).serve,
    },
  },
});
