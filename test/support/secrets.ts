// The one secret-leak assertion the suites share: no secret, as it is or percent-encoded (the way
// a form body or a URL carries it), in any of the texts a run produced.
import assert from 'node:assert/strict';

/** Texts to search: one string, several, or a run's stdout and stderr. */
export type Output = string | readonly string[] | { stdout: string; stderr: string };

export interface NoSecretsOptions {
  /** Patterns that must not match either, e.g. `/ya29\./` for any access token. */
  patterns?: readonly RegExp[];
  /** Also refuse a stack trace (`    at fn (file.js:1:2)`): users never see one without --debug. */
  noStackTrace?: boolean;
}

function textsOf(output: Output): string[] {
  if (typeof output === 'string') return [output];
  if (Array.isArray(output)) return [...(output as readonly string[])];
  const run = output as { stdout: string; stderr: string };
  return [run.stdout, run.stderr];
}

/**
 * Fails when any secret (at least 4 characters; shorter values would match ordinary text) or any
 * pattern appears in the output; the message names which one, and shows where, never the whole
 * secret.
 */
export function assertNoSecrets(output: Output, secrets: readonly (string | undefined | null)[], options: NoSecretsOptions = {}): void {
  for (const text of textsOf(output)) {
    for (const secret of secrets) {
      if (!secret || secret.length < 4) continue;
      for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) {
        const at = text.indexOf(form);
        assert.ok(at === -1, `a secret (${secret.slice(0, 4)}…) leaked: …${text.slice(Math.max(0, at - 80), at)}[HERE]`);
      }
    }
    for (const pattern of options.patterns ?? []) assert.doesNotMatch(text, pattern, `leaked (${pattern}): ${text.slice(0, 300)}`);
    if (options.noStackTrace) assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace was printed: ${text.slice(0, 300)}`);
  }
}
