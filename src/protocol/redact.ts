import { escapeControlCharacters } from '../text.js';

export { escapeControlCharacters };

/**
 * Replaces every occurrence of each secret in `text` — as it is and percent-encoded, since a
 * provider may echo a form body — with `[redacted]`. Secrets shorter than 4 characters are left
 * alone (they would match ordinary text).
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) {
      out = out.split(form).join('[redacted]');
    }
  }
  return out;
}

/**
 * Provider-supplied text for a message: secrets redacted, control characters escaped
 * ({@link escapeControlCharacters}), one line, at most `max` characters.
 */
export function providerText(text: string, secrets: readonly (string | undefined)[], max = 300): string {
  const line = escapeControlCharacters(redact(text, secrets).replace(/[\t\n\r]+/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
