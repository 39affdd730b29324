import { AdsOAuthError } from '../errors.js';
import {
  appendLines,
  PLACEHOLDERS,
  reEscape,
  splitLines,
  type Line,
  keyedFormat,
  commentLines,
  developerTokenNote,
  LOGIN_CUSTOMER_ID_NOTE,
} from './text.js';
import { editLines, findTemplate, insertAt, valuesOf, type LineEntry, type LineFormat } from './line-edit.js';
import { FIELD_LABELS, type ConfigChanges, type ConfigFormat, type ConfigValues, type CredentialField } from './types.js';

/**
 * `.env` files with the client libraries' `GOOGLE_ADS_*` environment variables (the names
 * google-ads-python derives as `GOOGLE_ADS_` + key, also used by google-ads-perl and others).
 *
 * Dialects differ (the `dotenv` npm package, Node's `--env-file`, python-dotenv, shells), so a value
 * is written in the first form that all of them read back unchanged:
 * unquoted when it is only `[A-Za-z0-9_./+:@,%=-]` (no `~`, which a shell expands); else in single
 * quotes when it has no `'`, no `\\` and does not end in `\`; else in double quotes when it has
 * no `"`, `\`, `$` or backtick. Backticks are never written: python-dotenv keeps them as part of the
 * value and a shell runs them as a command. A value that fits none of these (one with both `'` and
 * `"`, for instance) is refused with `CONFIG_WRITE`, and so is any value containing `${`, which
 * python-dotenv expands as a variable whatever the quoting. The messages name the key, never the value.
 * An existing line keeps its quoting when that quoting can hold the new value, and a comment kept
 * after the value is always separated from it by whitespace (python-dotenv and shells need that).
 */
const KEYS: Record<CredentialField, string> = {
  clientId: 'GOOGLE_ADS_CLIENT_ID',
  clientSecret: 'GOOGLE_ADS_CLIENT_SECRET',
  refreshToken: 'GOOGLE_ADS_REFRESH_TOKEN',
  developerToken: 'GOOGLE_ADS_DEVELOPER_TOKEN',
  loginCustomerId: 'GOOGLE_ADS_LOGIN_CUSTOMER_ID',
};
const FIELD_BY_KEY = new Map(Object.entries(KEYS).map(([field, key]) => [key, field as CredentialField]));

type Quote = "'" | '"' | '`' | '';

interface DotenvEntry extends LineEntry {
  prefix: string;
  suffix: string;
  quote: Quote;
}

const ASSIGN = /^(\s*(?:export\s+)?([\w.-]+)\s*=[ \t]*)(.*)$/;

/** Scans assignments the way the `dotenv` npm package reads them (a quoted value may span lines). */
function scanAll(lines: readonly Line[]): DotenvEntry[] {
  const entries: DotenvEntry[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = i;
    const match = ASSIGN.exec(lines[i]!.text);
    i++;
    if (!match) continue;
    const prefix = match[1]!;
    const rest = match[3]!;
    const key = match[2]!;
    const q = rest[0];
    if (q === "'" || q === '"' || q === '`') {
      let buffer = rest.slice(1);
      let line = first;
      let end = closing(buffer, q);
      while (end === -1 && line + 1 < lines.length) {
        line++;
        buffer += '\n' + lines[line]!.text;
        end = closing(buffer, q);
      }
      if (end !== -1) {
        i = line + 1;
        let value = buffer.slice(0, end);
        if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
        const after = buffer.slice(end + 1);
        entries.push(entry(key, first, line, value, prefix, after.slice(after.lastIndexOf('\n') + 1), q));
        continue;
      }
    }
    const hash = rest.indexOf('#');
    const raw = hash === -1 ? rest : rest.slice(0, hash);
    const value = raw.trim();
    const valueStart = raw.length - raw.trimStart().length;
    if (value === '') {
      // No value: the blanks after `=` separate the comment, so they stay in front of it.
      const bare = prefix.replace(/[ \t]+$/, '');
      entries.push(entry(key, first, first, value, bare, prefix.slice(bare.length) + rest, ''));
      continue;
    }
    entries.push(entry(key, first, first, value, prefix + rest.slice(0, valueStart), rest.slice(valueStart + value.length), ''));
  }
  return entries;
}

function entry(key: string, first: number, last: number, value: string, prefix: string, suffix: string, quote: Quote): DotenvEntry {
  return { field: FIELD_BY_KEY.get(key) ?? ('' as CredentialField), first, last, value, prefix, suffix, quote };
}

/** Index of the closing quote, honouring `\<quote>` as the `dotenv` package's pattern does. */
function closing(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === quote) i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

function scan(lines: Line[]): DotenvEntry[] {
  return scanAll(lines).filter((e) => (e.field as string) !== '');
}

const PLAIN = /^[A-Za-z0-9_./+:@,%=-]*$/;

function fits(value: string, quote: Quote): boolean {
  switch (quote) {
    case '':
      return PLAIN.test(value);
    case "'":
      // A backslash is literal inside single quotes for every reader, except before a quote or another backslash.
      return !value.includes("'") && !value.includes('\\\\') && !value.endsWith('\\');
    case '"':
      return !/["\\$`]/.test(value);
    case '`':
      return false; // python-dotenv reads backticks as part of the value; shells run them
  }
}

function render(value: string, field: CredentialField, preferred?: Quote): string {
  if (value.includes('${')) {
    throw new AdsOAuthError(
      'CONFIG_WRITE',
      `The ${FIELD_LABELS[field]} for ${KEYS[field]} contains "\${", which python-dotenv expands as a variable however the value is quoted; write it to another format (--format).`,
      { details: { field, key: KEYS[field] } },
    );
  }
  const order: Quote[] = ['', "'", '"'];
  const quote = preferred !== undefined && fits(value, preferred) ? preferred : order.find((q) => fits(value, q));
  if (quote === undefined) {
    throw new AdsOAuthError(
      'CONFIG_WRITE',
      `The ${FIELD_LABELS[field]} for ${KEYS[field]} mixes quote characters (or quotes and backslashes) in a way no .env quoting reads back the same in python-dotenv, the dotenv package and shells; write it to another format (--format).`,
      { details: { field, key: KEYS[field] } },
    );
  }
  return `${quote}${value}${quote}`;
}

const format: LineFormat = {
  scan,
  replace(lines, entry, value) {
    const found = scan(lines).find((e) => e.first === entry.first)!;
    // A comment glued to the value (`tok# note`) would become part of it for python-dotenv and shells.
    const suffix = found.suffix.startsWith('#') ? ` ${found.suffix}` : found.suffix;
    return [`${found.prefix}${render(value, entry.field, found.quote)}${suffix}`];
  },
  insert(lines, field, value, anchor, eol) {
    const text = `${KEYS[field]}=${render(value, field)}`;
    const template = findTemplate(lines, new RegExp(`^\\s*#\\s*(?:export\\s+)?${reEscape(KEYS[field])}\\s*=`));
    if (template !== undefined) return insertAt(lines, { after: template }, [text], eol);
    if (anchor) return insertAt(lines, anchor, [text], eol);
    appendLines(lines, [text], eol);
  },
};

function newFile(changes: ConfigChanges, eol = '\n'): string {
  const v = (field: CredentialField): string => render(changes[field] ?? PLACEHOLDERS[field], field);
  return (
    [
      '# Google Ads API credentials as GOOGLE_ADS_* environment variables (written by ads-oauth).',
      '# See https://developers.google.com/google-ads/api/docs/client-libs/python/configuration#environment_variables',
      ...commentLines('# ', developerTokenNote()),
      typeof changes.developerToken === 'string'
        ? `${KEYS.developerToken}=${v('developerToken')}`
        : `# ${KEYS.developerToken}=INSERT_DEVELOPER_TOKEN_HERE`,
      ...commentLines('# ', LOGIN_CUSTOMER_ID_NOTE),
      typeof changes.loginCustomerId === 'string'
        ? `${KEYS.loginCustomerId}=${v('loginCustomerId')}`
        : `# ${KEYS.loginCustomerId}=INSERT_LOGIN_CUSTOMER_ID_HERE`,
      `${KEYS.clientId}=${v('clientId')}`,
      `${KEYS.clientSecret}=${v('clientSecret')}`,
      `${KEYS.refreshToken}=${v('refreshToken')}`,
      '# Required by google-ads-python when configured from the environment.',
      'GOOGLE_ADS_USE_PROTO_PLUS=True',
    ].join(eol) + eol
  );
}

export const dotenvFormat: ConfigFormat = keyedFormat({
  id: 'dotenv',
  library: 'GOOGLE_ADS_* environment variables',
  description: '.env file with GOOGLE_ADS_* variables (google-ads-python, google-ads-perl and apps using dotenv)',
  docsUrl: 'https://developers.google.com/google-ads/api/docs/client-libs/python/configuration#environment_variables',
  charset: { kind: 'bytes', skipsBom: true },
  read(text: string): ConfigValues {
    return valuesOf(scan(splitLines(text)));
  },
  create: newFile,
  edit: (existing, changes) => editLines(format, existing, changes),
  keys: KEYS,
});
