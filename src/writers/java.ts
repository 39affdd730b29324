import {
  appendLines,
  parseError,
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
import type { ConfigChanges, ConfigFormat, ConfigValues, CredentialField } from './types.js';

/**
 * Java `ads.properties` (google-ads-java), read by `java.util.Properties.load(InputStream)`.
 * Keys from `GoogleAdsClient.Builder.ConfigPropertyKey`. Values are written with the escapes
 * `Properties.load` undoes: `\\`, a leading `\ `/`\=`/`\:`, and `\uXXXX` for every non-ASCII
 * character (the library reads the file as ISO-8859-1, so raw UTF-8 would be garbled).
 */
const KEYS: Record<CredentialField, string> = {
  clientId: 'api.googleads.clientId',
  clientSecret: 'api.googleads.clientSecret',
  refreshToken: 'api.googleads.refreshToken',
  developerToken: 'api.googleads.developerToken',
  loginCustomerId: 'api.googleads.loginCustomerId',
};
const FIELD_BY_KEY = new Map(Object.entries(KEYS).map(([field, key]) => [key, field as CredentialField]));

const WS = new Set([' ', '\t', '\f']);

interface LogicalLine {
  first: number;
  last: number;
  /** Raw (still escaped) key and value, and where the value starts in the first physical line. */
  rawKey: string;
  rawValue: string;
  /** Everything before the value on the first line: indentation, key as written, separator. */
  prefix: string;
  /** The separator as written (`=`, ` = `, `:`, a space, or `''`). */
  separator: string;
}

/** Splits physical lines into logical ones the way `Properties.load` does (comments, blanks, `\` continuations). */
function logicalLines(lines: readonly Line[]): LogicalLine[] {
  const result: LogicalLine[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = i;
    const head = lines[i]!.text;
    let start = 0;
    while (start < head.length && WS.has(head[start]!)) start++;
    if (start === head.length || head[start] === '#' || head[start] === '!') {
      i++;
      continue;
    }
    // Join continuation lines: a line ending in an odd number of backslashes continues.
    let joined = head.slice(start);
    const firstStart = start;
    while (endsWithOddBackslashes(joined) && i + 1 < lines.length) {
      joined = joined.slice(0, -1);
      i++;
      const next = lines[i]!.text;
      let s = 0;
      while (s < next.length && WS.has(next[s]!)) s++;
      joined += next.slice(s);
    }
    if (endsWithOddBackslashes(joined)) joined = joined.slice(0, -1); // continuation at EOF
    const last = i;
    i++;
    // Key ends at the first unescaped '=', ':' or whitespace.
    let k = 0;
    let escaped = false;
    for (; k < joined.length; k++) {
      const c = joined[k]!;
      if (escaped) {
        escaped = false;
        continue;
      }
      if (c === '\\') escaped = true;
      else if (c === '=' || c === ':' || WS.has(c)) break;
    }
    const rawKey = joined.slice(0, k);
    let v = k;
    let hasSep = false;
    while (v < joined.length) {
      const c = joined[v]!;
      if (WS.has(c)) v++;
      else if (!hasSep && (c === '=' || c === ':')) {
        hasSep = true;
        v++;
      } else break;
    }
    const prefix = head.slice(0, firstStart) + joined.slice(0, v);
    result.push({ first, last, rawKey, rawValue: joined.slice(v), prefix, separator: joined.slice(k, v) });
  }
  return result;
}

function endsWithOddBackslashes(text: string): boolean {
  let n = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** Undoes `Properties` escapes; a malformed `\uXXXX` is an error, as in Java. */
export function unescapeProperties(raw: string, line: number): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = raw[++i];
    if (n === undefined) break;
    if (n === 'u') {
      const hex = raw.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw parseError('properties file', line, 'malformed \\uXXXX escape');
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else if (n === 't') out += '\t';
    else if (n === 'n') out += '\n';
    else if (n === 'r') out += '\r';
    else if (n === 'f') out += '\f';
    else out += n;
  }
  return out;
}

/** Escapes a value for `Properties.load`: backslashes, a separator-looking first character, non-ASCII. */
export function escapePropertiesValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const code = c.charCodeAt(0);
    if (c === '\\') out += '\\\\';
    else if (i === 0 && (c === ' ' || c === '=' || c === ':')) out += `\\${c}`;
    else if (code > 0x7e) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

function scan(lines: Line[]): LineEntry[] {
  const entries: LineEntry[] = [];
  for (const logical of logicalLines(lines)) {
    const key = unescapeProperties(logical.rawKey, logical.first + 1);
    const field = FIELD_BY_KEY.get(key);
    if (!field) continue;
    entries.push({ field, first: logical.first, last: logical.last, value: unescapeProperties(logical.rawValue, logical.first + 1) });
  }
  return entries;
}

/** The separator style of the file's first property, so added keys look like their neighbours. */
function separatorStyle(lines: Line[]): string {
  for (const logical of logicalLines(lines)) {
    if (logical.separator !== '') return logical.separator;
  }
  return '=';
}

const format: LineFormat = {
  scan,
  replace(lines, entry, value) {
    const logical = logicalLines(lines).find((l) => l.first === entry.first)!;
    const prefix = logical.separator === '' ? `${logical.prefix}=` : logical.prefix;
    return [prefix + escapePropertiesValue(value)];
  },
  insert(lines, field, value, anchor, eol) {
    const text = `${KEYS[field]}${separatorStyle(lines)}${escapePropertiesValue(value)}`;
    const template = findTemplate(lines, new RegExp(`^\\s*[#!]\\s*${reEscape(KEYS[field])}\\s*[=:\\s]`));
    if (template !== undefined) return insertAt(lines, { after: template }, [text], eol);
    if (anchor) return insertAt(lines, anchor, [text], eol);
    appendLines(lines, [text], eol);
  },
};

function newFile(changes: ConfigChanges, eol = '\n'): string {
  const v = (field: CredentialField): string => escapePropertiesValue(changes[field] ?? PLACEHOLDERS[field]);
  const out = [
    '# Google Ads API client library for Java configuration (written by ads-oauth).',
    '# See https://developers.google.com/google-ads/api/docs/client-libs/java/config-file',
    '',
    "# Credential for accessing Google's OAuth servers.",
    `${KEYS.clientId}=${v('clientId')}`,
    `${KEYS.clientSecret}=${v('clientSecret')}`,
    '',
    '# Renewable OAuth credential associated with 1 or more Google Ads accounts.',
    `${KEYS.refreshToken}=${v('refreshToken')}`,
    '',
    ...commentLines('# ', developerTokenNote('google-ads-java before 46.0.0 still requires the key.')),
    typeof changes.developerToken === 'string'
      ? `${KEYS.developerToken}=${v('developerToken')}`
      : `# ${KEYS.developerToken}=INSERT_DEVELOPER_TOKEN_HERE`,
    '',
    ...commentLines('# ', LOGIN_CUSTOMER_ID_NOTE),
    typeof changes.loginCustomerId === 'string'
      ? `${KEYS.loginCustomerId}=${v('loginCustomerId')}`
      : `# ${KEYS.loginCustomerId}=INSERT_LOGIN_CUSTOMER_ID_HERE`,
  ];
  return out.join(eol) + eol;
}

export const javaFormat: ConfigFormat = keyedFormat({
  id: 'java',
  library: 'google-ads-java',
  description: 'ads.properties for the Google Ads API client library for Java',
  docsUrl: 'https://developers.google.com/google-ads/api/docs/client-libs/java/config-file',
  charset: { kind: 'latin1', skipsBom: false },
  read(text: string): ConfigValues {
    return valuesOf(scan(splitLines(text)));
  },
  create: newFile,
  edit: (existing, changes) => editLines(format, existing, changes),
  keys: KEYS,
});
