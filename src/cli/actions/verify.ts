import { problemsError } from '../../lifecycle/diagnosis.js';
import { verifyCredentials, type VerifyResult } from '../../lifecycle/verify.js';
import type { VerifyArgs } from '../commands/verify.js';
import type { CliContext } from '../context.js';
import { loadCredentials } from '../credentials.js';
import { ExitCode } from '../exit-codes.js';

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

/** The work of `ads-oauth verify`. */
export async function runVerify(args: VerifyArgs, ctx: CliContext): Promise<number> {
  const loaded = await loadCredentials(args, ctx);
  const result = await verifyCredentials(loaded.config, loaded.credentials, {
    ...(args.adsApi ? { checkAdsApi: true } : {}),
    onRefreshTokenRotated: () => {
      ctx.err(
        'Warning: the provider issued a new refresh token during the check and may have invalidated the old one. Google does not do this; with this provider, store tokens from each refresh.',
      );
    },
  });
  if (args.json) ctx.out(JSON.stringify(result));
  else printHuman(ctx, result);
  if (result.ok) return ExitCode.OK;
  const headline = result.problems[0]?.check === 'refresh' ? 'The refresh token does not work.' : 'The refresh token works only partly.';
  throw problemsError(headline, result.problems, 'VERIFY_FAILED');
}
