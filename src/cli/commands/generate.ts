import { defineCommand, runCommand, type ArgsDef, type ParsedArgs } from '../command.js';
import { exitCodesSection, FORMAT_IDS_TEXT, PROXY_ROWS } from '../common-args.js';
import type { CliContext } from '../context.js';

const generateArgs = {
  'client-secrets-path': {
    type: 'string',
    value: 'PATH',
    description: 'OAuth client JSON downloaded from the Google Cloud console (installed or web). Required.',
    required: (name: string) =>
      `--client_secrets_path is required: the OAuth client JSON from the Google Cloud console, e.g. ${name} --client_secrets_path=~/client_secret_XXX.apps.googleusercontent.com.json`,
  },
  'additional-scopes': {
    type: 'list',
    value: 'SCOPE',
    description: 'Extra scopes beside https://www.googleapis.com/auth/adwords (space- or comma-separated).',
  },
  scopes: { type: 'list', value: 'SCOPE', description: 'Replace the default scope list.' },
  port: { type: 'string', value: 'N', description: 'Loopback port for the redirect (installed clients). Default: a free ephemeral port.' },
  'no-open': { type: 'boolean', description: 'Never launch a browser; just print the URL.' },
  headless: {
    type: 'boolean',
    description: 'No listener: open the URL anywhere, then paste the address the browser ends on (SSH, containers).',
  },
  timeout: {
    type: 'string',
    value: 'SECONDS',
    description: 'How long to wait for the browser or the paste, and at most for the code exchange. Default 300.',
  },
  'login-hint': { type: 'string', value: 'EMAIL', description: 'Pre-select this Google account on the sign-in screen.' },
  config: {
    type: 'optional-string',
    value: 'PATH',
    description:
      'Write client_id, client_secret and refresh_token into this client-library config file (checked before the browser opens). Without PATH: $GOOGLE_ADS_CONFIGURATION_FILE_PATH, else ~/google-ads.yaml.',
  },
  format: { type: 'string', value: 'FORMAT', description: `Config format when the file name does not tell: ${FORMAT_IDS_TEXT}.` },
  'print-config': {
    type: 'string',
    value: 'FORMAT',
    description: 'Print a complete config snippet in FORMAT (with the client secret) instead of the google-ads.yaml hint.',
  },
  json: { type: 'boolean', description: 'Print the result as one JSON object on stdout; human text goes to stderr.' },
} as const satisfies ArgsDef;

/** What the run of generate receives. */
export type GenerateArgs = ParsedArgs<typeof generateArgs>;

/** `generate-user-credentials` / `ads-oauth generate`: the definition (light); the flow loads with the run. */
export const generate = defineCommand({
  meta: {
    name: 'generate',
    usage: '--client_secrets_path=PATH [options]',
    description: `Gets an OAuth 2.0 refresh token for the Google Ads API (or any Google API / OAuth 2.0 provider) with the authorization code flow and PKCE. Installed ("Desktop app") clients redirect to a one-shot listener on http://127.0.0.1:<port>/; web clients use their registered loopback redirect URI.`,
    sections: [
      {
        title: 'Output',
        text: 'The refresh token and a google-ads.yaml snippet on stdout; the consent URL, progress, warnings and errors on stderr.',
      },
      { title: 'Environment', rows: PROXY_ROWS },
      exitCodesSection(),
    ],
  },
  args: generateArgs,
  async run(args, ctx): Promise<number> {
    const { runGenerate } = await import('../actions/generate.js');
    return runGenerate(args, ctx);
  },
});

/** Runs generate under the name the user typed (`generate-user-credentials` or `ads-oauth generate`). */
export function generateCommand(args: string[], ctx: CliContext, bin = 'generate-user-credentials'): Promise<number> {
  return runCommand(generate, args, ctx, { name: bin });
}
