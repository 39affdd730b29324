// Text helpers with no imports, shared by src/protocol and src/cli (whose every run, --help
// included, prints through escapeControlCharacters without loading the protocol layer).

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
