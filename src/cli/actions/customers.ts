import { AdsOAuthError } from '../../errors.js';
import { listCustomers, type CustomerEntry, type ListCustomersResult } from '../../lifecycle/customers.js';
import { formatProblem } from '../../lifecycle/diagnosis.js';
import { normalizeCustomerId } from '../../protocol/ads-api.js';
import { updateConfig } from '../../stores/config-file.js';
import { getFormat } from '../../writers/index.js';
import type { CustomersArgs } from '../commands/customers.js';
import type { CliContext } from '../context.js';
import { loadCredentials } from '../credentials.js';
import { ExitCode } from '../exit-codes.js';
import { processInfo } from '../process-info.js';
import { lineReader } from '../terminal.js';

function hyphenate(id: string): string {
  return /^\d{10}$/.test(id) ? `${id.slice(0, 3)}-${id.slice(3, 6)}-${id.slice(6)}` : id;
}

function describe(entry: CustomerEntry): string {
  const parts = [
    entry.manager === undefined ? undefined : entry.manager ? 'manager' : 'client',
    entry.currencyCode,
    entry.timeZone,
    entry.testAccount ? 'test account' : undefined,
    entry.descriptiveName ? JSON.stringify(entry.descriptiveName) : undefined,
  ].filter((p): p is string => p !== undefined);
  return parts.join('  ');
}

function printHuman(ctx: CliContext, result: ListCustomersResult, details: boolean): void {
  if (result.customers.length === 0) {
    ctx.err('This Google account has direct access to no Google Ads customer.');
    return;
  }
  for (const entry of result.customers) {
    if (!details) {
      ctx.out(entry.id);
      continue;
    }
    const failed = result.failures.some((f) => f.id === entry.id);
    ctx.out(`${entry.id}  ${hyphenate(entry.id)}  ${failed ? '(details unavailable)' : describe(entry)}`.trimEnd());
  }
}

async function pickCustomer(ctx: CliContext, result: ListCustomersResult): Promise<string> {
  ctx.err('Accessible customers:');
  result.customers.forEach((entry, index) => {
    ctx.err(`  ${String(index + 1).padStart(2)}. ${hyphenate(entry.id)}  ${describe(entry)}`.trimEnd());
  });
  const reader = lineReader(ctx, `Which one is the login customer (usually your manager account)? [1-${result.customers.length}] `);
  try {
    for (let tries = 0; tries < 3; tries++) {
      const line = await reader.readLine();
      if (line === null) break;
      const answer = line.trim();
      const index = /^\d{1,3}$/.test(answer) ? Number(answer) : NaN;
      if (index >= 1 && index <= result.customers.length) return result.customers[index - 1]!.id;
      const asId = answer.replace(/[-\s]/g, '');
      if (/^\d{10}$/.test(asId)) return asId;
      ctx.err(`Enter a number from 1 to ${result.customers.length}, or a 10-digit customer ID.`);
    }
  } finally {
    reader.close();
  }
  throw new AdsOAuthError('USAGE', 'No login customer chosen; nothing was written.');
}

/** The work of `ads-oauth customers`. */
export async function runCustomers(args: CustomersArgs, ctx: CliContext): Promise<number> {
  const { json } = args;
  const setFlag = args.setLoginCustomerId;
  const setting = setFlag !== undefined;
  let chosen = typeof setFlag === 'string' ? normalizeCustomerId(setFlag, 'login customer ID') : undefined;
  if (setting && args.config === undefined) {
    throw new AdsOAuthError('USAGE', '--set-login-customer-id needs --config [PATH]: the file to write login_customer_id into.');
  }
  const interactive = setting && chosen === undefined;
  if (interactive && !ctx.stdin.isTTY) {
    throw new AdsOAuthError(
      'USAGE',
      '--set-login-customer-id needs an ID when stdin is not a terminal, e.g. --set-login-customer-id=1234567890.',
    );
  }
  const details = args.details || interactive;

  const loaded = await loadCredentials(args, ctx);
  // A format without a login customer ID key (adc) is refused before any API call.
  const loginKey = setting && loaded.configFile ? getFormat(loaded.configFile.format).keyFor('loginCustomerId') : undefined;
  const result = await listCustomers(loaded.config, loaded.credentials, { details });
  for (const failure of result.failures) {
    ctx.err(`Could not read the details of customer ${failure.id}:\n${formatProblem(failure.problem).replace(/^/gm, '  ')}`);
  }

  let written: { id: string; path: string; key: string } | undefined;
  if (setting && loaded.configFile) {
    if (chosen === undefined) {
      if (result.customers.length === 0) {
        throw new AdsOAuthError(
          'ADS_API',
          'This Google account has direct access to no Google Ads customer, so there is no login customer to choose.',
        );
      }
      chosen = await pickCustomer(ctx, result);
    } else if (!result.customers.some((c) => c.id === chosen)) {
      ctx.err(
        `Warning: ${chosen} is not among the customers this user can access directly; API calls through it may fail with USER_PERMISSION_DENIED.`,
      );
    }
    const { path, format } = loaded.configFile;
    await updateConfig(path, { loginCustomerId: chosen }, { format, process: processInfo });
    written = { id: chosen, path, key: loginKey! };
  }

  if (json) {
    ctx.out(
      JSON.stringify({
        customers: result.customers,
        failures: result.failures,
        apiVersion: result.apiVersion,
        ...(written ? { loginCustomerId: written } : {}),
      }),
    );
  } else {
    printHuman(ctx, result, args.details);
  }
  if (written) ctx.err(`Wrote ${written.key} = ${written.id} to ${written.path}.`);
  return ExitCode.OK;
}
