import { defineCommand, runCommand, type ArgsDef, type ParsedArgs } from '../command.js';
import { API_VERSION_ARG, ENVIRONMENT_SECTION, exitCodesSection, JSON_ARG, REQUEST_TIMEOUT_ARG, SOURCE_ARGS } from '../common-args.js';
import type { CliContext } from '../context.js';

const customersArgs = {
  ...SOURCE_ARGS,
  'api-version': API_VERSION_ARG,
  timeout: REQUEST_TIMEOUT_ARG,
  details: {
    type: 'boolean',
    description: "Also show each customer's name, manager flag, currency and time zone (one GAQL query per customer).",
  },
  'set-login-customer-id': {
    type: 'optional-string',
    value: 'ID',
    description:
      'Write login_customer_id into the --config file, in the key its format uses. Without ID on a terminal: pick from the list.',
  },
  json: JSON_ARG,
} as const satisfies ArgsDef;

/** What the run of customers receives. */
export type CustomersArgs = ParsedArgs<typeof customersArgs>;

/** `ads-oauth customers`: the definition (light); the work loads with the run. */
export const customers = defineCommand({
  meta: {
    name: 'customers',
    usage: '(--config [PATH] | --client_secrets_path=PATH) [options]',
    description: `Lists the Google Ads customers the refresh token's user can access directly (customers:listAccessibleCustomers). With --details, also each one's name, manager flag, currency and time zone; customers whose details cannot be read are reported and skipped.`,
    sections: [
      {
        title: 'Output',
        text: 'One customer ID per line on stdout (with --details a table); with --json one object: {"customers": [{id, resourceName, descriptiveName, manager, currencyCode, timeZone, testAccount}], "failures": [{id, problem}], "apiVersion", "loginCustomerId": {id, path, key}}.',
      },
      ENVIRONMENT_SECTION,
      exitCodesSection(),
    ],
  },
  args: customersArgs,
  async run(args, ctx): Promise<number> {
    const { runCustomers } = await import('../actions/customers.js');
    return runCustomers(args, ctx);
  },
});

/** Runs `ads-oauth customers` with these arguments. */
export function customersCommand(args: string[], ctx: CliContext): Promise<number> {
  return runCommand(customers, args, ctx, { name: 'ads-oauth customers' });
}
