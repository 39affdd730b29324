import { defineCommand, runCommand, type ArgsDef, type ParsedArgs } from '../command.js';
import { API_VERSION_ARG, ENVIRONMENT_SECTION, exitCodesSection, JSON_ARG, REQUEST_TIMEOUT_ARG, SOURCE_ARGS } from '../common-args.js';
import type { CliContext } from '../context.js';

const verifyArgs = {
  ...SOURCE_ARGS,
  'api-version': API_VERSION_ARG,
  timeout: REQUEST_TIMEOUT_ARG,
  'ads-api': {
    type: 'boolean',
    description: 'Also call the Google Ads API (listAccessibleCustomers) without a developer token. With one, it is always called.',
  },
  json: JSON_ARG,
} as const satisfies ArgsDef;

/** What the run of verify receives. */
export type VerifyArgs = ParsedArgs<typeof verifyArgs>;

/** `ads-oauth verify`: the definition (light); the work loads with the run. */
export const verify = defineCommand({
  meta: {
    name: 'verify',
    usage: '(--config [PATH] | --client_secrets_path=PATH) [options]',
    description: `Checks that a refresh token works, and says why when it does not. Every run refreshes the token (grant_type=refresh_token), asks Google's tokeninfo for its scopes, expiry and client, checks the adwords scope and the client ID, and, with a developer token (or --ads-api), calls the Google Ads API. Exits 0 only if every check passes; each failure is listed with its cause and fix.`,
    sections: [
      {
        title: 'Output',
        text: 'The checks on stdout (with --json one object: ok, checks, scopes, expiresAt, expiresIn, clientId, customers, problems[{code, cause, fix, causes}]); the failure summary on stderr.',
      },
      ENVIRONMENT_SECTION,
      exitCodesSection('verify uses 9 for every finding, 7/6 when only the network/provider failed (try again).'),
    ],
  },
  args: verifyArgs,
  async run(args, ctx): Promise<number> {
    const { runVerify } = await import('../actions/verify.js');
    return runVerify(args, ctx);
  },
});

/** Runs `ads-oauth verify` with these arguments. */
export function verifyCommand(args: string[], ctx: CliContext): Promise<number> {
  return runCommand(verify, args, ctx, { name: 'ads-oauth verify' });
}
