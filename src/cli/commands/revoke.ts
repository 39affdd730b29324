import { defineCommand, runCommand, type ArgsDef, type ParsedArgs } from '../command.js';
import { ENVIRONMENT_SECTION, exitCodesSection, JSON_ARG, REQUEST_TIMEOUT_ARG, SOURCE_ARGS } from '../common-args.js';
import type { CliContext } from '../context.js';

const revokeArgs = {
  ...SOURCE_ARGS,
  timeout: REQUEST_TIMEOUT_ARG,
  remove: {
    type: 'boolean',
    description: 'After revoking, remove the refresh token from the --config file (atomically; everything else is kept).',
  },
  json: JSON_ARG,
} as const satisfies ArgsDef;

/** What the run of revoke receives. */
export type RevokeArgs = ParsedArgs<typeof revokeArgs>;

/** `ads-oauth revoke`: the definition (light); the work loads with the run. */
export const revoke = defineCommand({
  meta: {
    name: 'revoke',
    usage: '(--config [PATH] | --client_secrets_path=PATH) [--remove] [options]',
    description: `Revokes a refresh token at the provider (RFC 7009). At Google this ends the whole grant: every refresh token that Google account gave this OAuth client, on every machine, stops working, not only this one. Do not revoke an old token to "replace" it with a new one: the new one dies too. A token that is already invalid counts as revoked (with a note). 5xx answers and timeouts are retried with backoff, at most 3 times.`,
    sections: [
      {
        title: 'Output',
        text: 'A confirmation and what it ended on stdout (with --json one object: revoked, alreadyInvalid, note, attempts, clientAuthenticated, endpoint, effect, removed{path, key}).',
      },
      ENVIRONMENT_SECTION,
      exitCodesSection(),
    ],
  },
  args: revokeArgs,
  async run(args, ctx): Promise<number> {
    const { runRevoke } = await import('../actions/revoke.js');
    return runRevoke(args, ctx);
  },
});

/** Runs `ads-oauth revoke` with these arguments. */
export function revokeCommand(args: string[], ctx: CliContext): Promise<number> {
  return runCommand(revoke, args, ctx, { name: 'ads-oauth revoke' });
}

/**
 * What a revocation ended, in words: at Google the whole grant (every refresh token that Google
 * account gave this client, on every machine); RFC 7009 allows any provider to do the same.
 */
export function revokeEffect(endpoint: string): string {
  let host = '';
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    // an endpoint that is not a URL was refused before the request; keep the general wording
  }
  const google = host === 'google.com' || host.endsWith('.google.com') || host === 'googleapis.com' || host.endsWith('.googleapis.com');
  return google
    ? 'This ended the whole grant: every refresh token this Google account gave this OAuth client, on every machine, has stopped working. Run the consent again for a new one.'
    : 'RFC 7009 lets the provider end the whole grant with it (Google does): other refresh tokens from the same consent may have stopped working too.';
}
