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
 * C0 and C1 control characters (ESC, BEL, backspace, the OSC/CSI introducers…), DEL, and the
 * Unicode bidirectional overrides: bytes that make a terminal do something instead of showing
 * text. Tab and newline are not in it; {@link providerText} folds them into spaces itself.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from outside (a provider, an API, a file) made safe to print on a terminal: each control
 * character becomes a visible escape such as `\x1b` or `\u202e`, so escape sequences (colours,
 * OSC 8 links, window titles, a cleared screen) are shown, never obeyed. Newlines and tabs stay.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/**
 * Provider-supplied text for a message: secrets redacted, control characters escaped
 * ({@link escapeControlCharacters}), one line, at most `max` characters.
 */
export function providerText(text: string, secrets: readonly (string | undefined)[], max = 300): string {
  const line = escapeControlCharacters(redact(text, secrets).replace(/[\t\n\r]+/g, ' ')).replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
