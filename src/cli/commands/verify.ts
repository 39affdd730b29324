import { problemsError } from '../../lifecycle/diagnosis.js';
import { verifyCredentials, type VerifyResult } from '../../lifecycle/verify.js';
import { formatFlags, parseCommandArgs, type FlagSpec } from '../args.js';
import type { CliContext } from '../context.js';
import { COMMON_TAIL_FLAGS, CREDENTIAL_FLAGS, ENVIRONMENT_HELP, loadCredentials } from '../credentials.js';
import { EXIT_CODE_HELP, ExitCode } from '../exit-codes.js';

export const VERIFY_FLAGS: readonly FlagSpec[] = [
  ...CREDENTIAL_FLAGS,
  {
    name: 'ads-api',
    kind: 'boolean',
    description: 'Also call the Google Ads API (listAccessibleCustomers) without a developer token. With one, it is always called.',
  },
  ...COMMON_TAIL_FLAGS,
];

export function verifyHelp(): string {
  return `Usage: ads-oauth verify (--config [PATH] | --client_secrets_path=PATH) [options]

Checks that a refresh token works, and says why when it does not. Every run refreshes the token
(grant_type=refresh_token), asks Google's tokeninfo for its scopes, expiry and client, checks the
adwords scope and the client ID, and, with a developer token (or --ads-api), calls the Google Ads
API. Exits 0 only if every check passes; each failure is listed with its cause and fix.

Options (snake_case spellings such as --client_secrets_path are accepted too):
${formatFlags(VERIFY_FLAGS)}

Output: the checks on stdout (with --json one object: ok, checks, scopes, expiresAt, expiresIn,
clientId, customers, problems[{code, cause, fix, causes}]); the failure summary on stderr.

${ENVIRONMENT_HELP}

${EXIT_CODE_HELP}
  verify uses 9 for every finding, 7/6 when only the network/provider failed (try again).
`;
}

function relative(iso: string): string {
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (seconds <= 0) return ' (expired)';
  return seconds >= 120 ? ` (in ${Math.round(seconds / 60)} min)` : ` (in ${seconds} s)`;
}

function printHuman(ctx: CliContext, result: VerifyResult): void {
  const width = Math.max(...result.checks.map((c) => c.id.length));
  for (const check of result.checks) {
    ctx.out(`${check.status.toUpperCase().padEnd(4)}  ${check.id.padEnd(width)}  ${check.summary}`);
  }
  const known = result.scopes.length > 0 || result.expiresAt || result.clientId || result.customers;
  if (known) ctx.out('');
  if (result.scopes.length > 0) ctx.out(`Scopes:     ${result.scopes.join(' ')}`);
  if (result.expiresAt) ctx.out(`Expires:    ${result.expiresAt}${relative(result.expiresAt)}`);
  if (result.clientId) ctx.out(`Client:     ${result.clientId}`);
  if (result.email) ctx.out(`Account:    ${result.email}`);
  if (result.customers) ctx.out(`Customers:  ${result.customers.length > 0 ? result.customers.join(', ') : '(none)'}`);
  if (result.ok) ctx.out(`\nThe refresh token works.`);
}

/** `ads-oauth verify`. */
export async function verifyCommand(args: string[], ctx: CliContext): Promise<number> {
  const flags = parseCommandArgs(args, VERIFY_FLAGS, { name: 'ads-oauth verify', help: () => verifyHelp(), write: (text) => ctx.stdout.write(text) });
  if (flags === undefined) return ExitCode.OK;
  const json = flags['json'] === true;
  const loaded = await loadCredentials(flags, ctx);
  const result = await verifyCredentials(loaded.config, loaded.credentials, {
    ...(flags['ads-api'] === true ? { checkAdsApi: true } : {}),
    onRefreshTokenRotated: () => {
      ctx.err(
        'Warning: the provider issued a new refresh token during the check and may have invalidated the old one. Google does not do this; with this provider, store tokens from each refresh.',
      );
    },
  });
  if (json) ctx.out(JSON.stringify(result));
  else printHuman(ctx, result);
  if (result.ok) return ExitCode.OK;
  const headline =
    result.problems[0]?.check === 'refresh' ? 'The refresh token does not work.' : 'The refresh token works only partly.';
  throw problemsError(headline, result.problems, 'VERIFY_FAILED');
}
