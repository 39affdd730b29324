import { AdsOAuthError } from '../errors.js';
import { FIELD_LABELS, FIELD_ORDER, type ConfigChanges, type ConfigFormat, type CredentialField } from './types.js';

/** One physical line and the line ending that followed it (`''` for a last line without one). */
export interface Line {
  text: string;
  eol: string;
}

/** Splits text into lines, keeping each line's own ending (`\n`, `\r\n` or a lone `\r`). */
export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') {
      const eol = c === '\r' && text[i + 1] === '\n' ? '\r\n' : c;
      lines.push({ text: text.slice(start, i), eol });
      i += eol.length - 1;
      start = i + 1;
    }
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: '' });
  return lines;
}

export function joinLines(lines: readonly Line[]): string {
  return lines.map((line) => line.text + line.eol).join('');
}

/** The file's line ending: that of its first line, else `\n`. */
export function detectEol(text: string | undefined): string {
  if (text === undefined) return '\n';
  const match = /\r\n|\n|\r/.exec(text);
  return match ? match[0] : '\n';
}

/**
 * Inserts new lines after `index` (`-1`: at the top), giving them the file's line ending and
 * keeping a missing final newline missing.
 */
export function insertLines(lines: Line[], index: number, texts: readonly string[], eol: string): void {
  if (texts.length === 0) return;
  const fresh = texts.map((text) => ({ text, eol }));
  const atEnd = index === lines.length - 1;
  if (atEnd && lines.length > 0 && lines[index]!.eol === '') {
    lines[index]!.eol = eol;
    fresh[fresh.length - 1]!.eol = '';
  }
  lines.splice(index + 1, 0, ...fresh);
}

/** Appends lines at the end of the file, after a blank line when `separate` and the file has content. */
export function appendLines(lines: Line[], texts: readonly string[], eol: string, separate = false): void {
  const block = separate && lines.length > 0 && lines[lines.length - 1]!.text.trim() !== '' ? ['', ...texts] : [...texts];
  if (lines.length === 0) {
    lines.push(...block.map((text) => ({ text, eol })));
    return;
  }
  insertLines(lines, lines.length - 1, block, eol);
}

const PLACEHOLDER = /^INSERT_[A-Z0-9_]*_HERE$/;

/** Whether a value is one of the client libraries' `INSERT_…_HERE` placeholders. */
export function isPlaceholder(value: string | undefined): boolean {
  return value !== undefined && PLACEHOLDER.test(value);
}

export const PLACEHOLDERS: Record<CredentialField, string> = {
  developerToken: 'INSERT_DEVELOPER_TOKEN_HERE',
  loginCustomerId: 'INSERT_LOGIN_CUSTOMER_ID_HERE',
  clientId: 'INSERT_OAUTH2_CLIENT_ID_HERE',
  clientSecret: 'INSERT_OAUTH2_CLIENT_SECRET_HERE',
  refreshToken: 'INSERT_OAUTH2_REFRESH_TOKEN_HERE',
};

/**
 * Rejects values no configuration format here can hold on one line: control characters
 * (newlines, tabs, NUL, DEL). OAuth client IDs, secrets and tokens never contain them, so this only
 * stops mistakes (a pasted token with a trailing newline). The message names the field, never the value.
 */
export function checkValues(changes: ConfigChanges): void {
  for (const field of FIELD_ORDER) {
    const value = changes[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      throw new AdsOAuthError('USAGE', `The ${FIELD_LABELS[field]} must be a string.`, { details: { field } });
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      throw new AdsOAuthError(
        'CONFIG_WRITE',
        `The ${FIELD_LABELS[field]} contains a line break or another control character; refusing to write it to a configuration file.`,
        { details: { field } },
      );
    }
  }
}

/** The fields being set or removed, in file order. */
export function changedFields(changes: ConfigChanges): CredentialField[] {
  return FIELD_ORDER.filter((field) => changes[field] !== undefined);
}

/**
 * The fields a placeholder in a file still needs a real value for. The developer token is not one:
 * Google sunset developer tokens on 2026-09-09 (the `developer-token` header is optional and ignored,
 * and the current libraries no longer ask for it), so a leftover `INSERT_DEVELOPER_TOKEN_HERE` is
 * harmless and never reported as something to fill in.
 */
export const FILL_IN_FIELDS: readonly CredentialField[] = FIELD_ORDER.filter((field) => field !== 'developerToken');

/** Keys of fields whose value in `values` is still a placeholder the user must fill in. */
export function placeholderKeys(
  values: Partial<Record<CredentialField, string>>,
  keyFor: (field: CredentialField) => string,
  fields: readonly CredentialField[] = FILL_IN_FIELDS,
): string[] {
  return fields.filter((field) => FILL_IN_FIELDS.includes(field) && isPlaceholder(values[field])).map((field) => keyFor(field));
}

/**
 * A `CONFIG` error for text that does not parse, located by line (and column, when given), never
 * quoting the text: `reason` must not contain any of it.
 */
export function parseError(what: string, line: number | undefined, reason: string, column?: number): AdsOAuthError {
  const where = line === undefined ? '' : ` at line ${line}${column === undefined ? '' : `, column ${column}`}`;
  return new AdsOAuthError('CONFIG', `The ${what} does not parse${where}: ${reason}.`, {
    details: line === undefined ? {} : column === undefined ? { line } : { line, column },
  });
}

/** 1-based line number of an offset in text. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) line++;
  }
  return line;
}

/** 1-based column of an offset in text (in UTF-16 code units from the start of its line). */
export function columnOf(text: string, offset: number): number {
  let start = Math.min(offset, text.length);
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
  return offset - start + 1;
}

/** Leading whitespace of a line. */
export function indentOf(text: string): string {
  return /^[ \t]*/.exec(text)![0];
}

/** Escapes a string for use inside a RegExp. */
export function reEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What a format with one fixed key per field defines; {@link keyedFormat} adds the shared rest. */
export interface KeyedFormatSpec extends Pick<ConfigFormat, 'id' | 'library' | 'description' | 'docsUrl' | 'charset' | 'read'> {
  keys: Record<CredentialField, string>;
  /** How a key is shown to users, when it differs from `keys` (e.g. Ruby's `c.client_id`). */
  displayKey?: (key: string) => string;
  /** A new, minimal file holding `changes` (placeholders for the other required keys). */
  create(changes: ConfigChanges): string;
  /** `existing` with only the managed keys changed. */
  edit(existing: string, changes: ConfigChanges): string;
}

/**
 * The update every keyed format shares: validate the values, create or edit, then name the
 * keys still holding placeholders (read back from the result, so the list cannot drift).
 */
export function keyedFormat(spec: KeyedFormatSpec): ConfigFormat {
  const keyFor = (field: CredentialField): string => (spec.displayKey ? spec.displayKey(spec.keys[field]) : spec.keys[field]);
  return {
    id: spec.id,
    library: spec.library,
    description: spec.description,
    docsUrl: spec.docsUrl,
    charset: spec.charset,
    read: spec.read,
    update(existing, changes) {
      checkValues(changes);
      const text = existing === undefined ? spec.create(changes) : spec.edit(existing, changes);
      return { text, placeholders: placeholderKeys(spec.read(text), keyFor) };
    },
    keyFor,
  };
}

/** The note new files carry above the (commented-out) login customer ID, one line per entry. */
export const LOGIN_CUSTOMER_ID_NOTE: readonly string[] = [
  'Required for manager accounts only: the customer ID of the authenticated manager',
  'account, 10 digits without dashes.',
];

/**
 * The note new files carry above the (commented-out) developer token, one line per entry. `extra`
 * names the older library versions that still insist on the key.
 */
export function developerTokenNote(extra?: string): string[] {
  const lines = [
    'Optional: developer tokens were sunset on 2026-09-09, and the API ignores the',
    "developer-token header. API access belongs to the OAuth client's Cloud project.",
  ];
  if (extra) lines.push(extra);
  return lines;
}

/** `lines` as comment lines with the format's comment marker, e.g. `# ` or `; `. */
export function commentLines(marker: string, lines: readonly string[]): string[] {
  return lines.map((line) => `${marker}${line}`);
}
