import { AdsOAuthError } from '../errors.js';
import {
  appendLines,
  indentOf,
  insertLines,
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
import { anchorFor, editLines, findTemplate, insertAt, valuesOf, type LineEntry, type LineFormat } from './line-edit.js';
import type { ConfigChanges, ConfigFormat, ConfigValues, CredentialField } from './types.js';

/**
 * PHP `google_ads_php.ini` (google-ads-php), read with
 * `parse_ini_file($path, true, INI_SCANNER_TYPED)`: the OAuth keys live in `[OAUTH2]`, the
 * developer token and login customer ID in `[GOOGLE_ADS]`.
 *
 * Values are written in double quotes, where PHP's ini scanner undoes exactly `\"`, `\\` and `\$`
 * (and would expand `${…}`, hence `\$`). An existing single-quoted (raw) value keeps its quotes when
 * the new value has no `'`; an unquoted one is quoted, since INI_SCANNER_TYPED reads a bare word
 * as a constant (`E_ALL`, `PHP_OS`), a keyword (`yes`, `null`) or a number.
 *
 * Sections follow PHP: a section's name is the text between the brackets as written (`[ OAUTH2 ]`
 * is the section " OAUTH2 ", `[oauth2]` is "oauth2"), and a later section of the same name
 * replaces an earlier one entirely, so only the last `[OAUTH2]` (or `[GOOGLE_ADS]`) is read and
 * written.
 */
const KEYS: Record<CredentialField, string> = {
  clientId: 'clientId',
  clientSecret: 'clientSecret',
  refreshToken: 'refreshToken',
  developerToken: 'developerToken',
  loginCustomerId: 'loginCustomerId',
};
const SECTIONS: Record<CredentialField, string> = {
  clientId: 'OAUTH2',
  clientSecret: 'OAUTH2',
  refreshToken: 'OAUTH2',
  developerToken: 'GOOGLE_ADS',
  loginCustomerId: 'GOOGLE_ADS',
};

type Quote = '"' | "'" | '';

interface Statement {
  kind: 'section' | 'key';
  first: number;
  last: number;
  /** Section name, or key. */
  name: string;
  section: string | undefined;
  value?: string;
  quote?: Quote;
  /** Text before the value on the first line, and after it on the last. */
  prefix?: string;
  suffix?: string;
  /** The value is more than one quoted string or uses `${…}`: readable by PHP, not by us. */
  complex?: boolean;
}

function unescapeDouble(raw: string): { value: string; interpolates: boolean } {
  let value = '';
  let interpolates = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[i + 1]!;
      if (n === '"' || n === '\\' || n === '$') {
        value += n;
        i++;
        continue;
      }
      value += c;
      continue;
    }
    if (c === '$' && raw[i + 1] === '{') interpolates = true;
    value += c;
  }
  return { value, interpolates };
}

/** Parses the ini text into sections and key statements (a quoted value may span lines). */
function statements(lines: readonly Line[]): Statement[] {
  const result: Statement[] = [];
  let section: string | undefined;
  let i = 0;
  while (i < lines.length) {
    const first = i;
    const text = lines[i]!.text;
    const trimmed = text.trim();
    i++;
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) continue;
    if (trimmed.startsWith('[')) {
      section = sectionName(trimmed, first + 1);
      result.push({ kind: 'section', first, last: first, name: section, section });
      continue;
    }
    const eq = text.indexOf('=');
    if (eq === -1) continue; // a bare word: PHP gives it no usable value
    const name = text.slice(0, eq).trim();
    let pos = eq + 1;
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
    const prefix = text.slice(0, pos);
    const open = text[pos];
    if (open === '"' || open === "'") {
      // Find the closing quote, possibly on a later line.
      let buffer = text.slice(pos + 1);
      let line = first;
      let end = -1;
      for (;;) {
        end = open === '"' ? closingDouble(buffer) : buffer.indexOf("'");
        if (end !== -1 || line + 1 >= lines.length) break;
        line++;
        buffer += lines[line - 1]!.eol + lines[line]!.text;
      }
      if (end === -1) throw parseError('ini file', first + 1, 'a quoted value is never closed');
      i = line + 1;
      const raw = buffer.slice(0, end);
      const lastText = lines[line]!.text;
      const restOfBuffer = buffer.slice(end + 1);
      const suffixStart = lastText.length - restOfBuffer.length;
      const suffix = lastText.slice(suffixStart);
      const complex = !/^\s*(;.*)?$/.test(suffix);
      const decoded = open === '"' ? unescapeDouble(raw) : { value: raw, interpolates: false };
      result.push({
        kind: 'key',
        first,
        last: line,
        name,
        section,
        value: decoded.value,
        quote: open,
        prefix,
        suffix,
        complex: complex || decoded.interpolates,
      });
      continue;
    }
    const comment = text.indexOf(';', pos);
    const rawEnd = comment === -1 ? text.length : comment;
    const raw = text.slice(pos, rawEnd);
    const value = raw.trimEnd();
    result.push({
      kind: 'key',
      first,
      last: first,
      name,
      section,
      value,
      quote: '',
      prefix,
      suffix: text.slice(pos + value.length),
      complex: /[${}|&~!()^"]/.test(value),
    });
  }
  return result;
}

/**
 * A section's name as PHP's ini scanner reads it: the text up to the first `]`, kept verbatim
 * (spaces and case included), or the content of one quoted string. Anything PHP would
 * concatenate, interpolate or reject (other uses of quotes, any `$`) is refused rather than guessed.
 */
function sectionName(header: string, line: number): string {
  const close = header.indexOf(']');
  if (close === -1) throw parseError('ini file', line, 'a section header has no closing bracket');
  const inner = header.slice(1, close);
  if (inner.includes(';')) throw parseError('ini file', line, 'a section header contains ;');
  if (!/["'$]/.test(inner)) return inner;
  const double = /^[ \t]*"([^"\\$]*)"[ \t]*$/.exec(inner);
  if (double) return double[1]!;
  const single = /^'([^']*)'$/.exec(inner);
  if (single) return single[1]!;
  throw parseError('ini file', line, 'a section name uses quotes or $ in a way ads-oauth cannot read exactly');
}

function closingDouble(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

const FIELDS = Object.keys(KEYS) as CredentialField[];

function fieldOf(statement: Statement): CredentialField | undefined {
  if (statement.kind !== 'key') return undefined;
  return FIELDS.find((f) => KEYS[f] === statement.name && SECTIONS[f] === statement.section);
}

/** The first line of the last header of each section name: PHP drops earlier same-named sections. */
function liveSections(all: readonly Statement[]): Map<string, number> {
  const live = new Map<string, number>();
  for (const s of all) if (s.kind === 'section') live.set(s.name, s.first);
  return live;
}

/** The statement's section header line, `-1` before any section. */
function headerOf(all: readonly Statement[], statement: Statement): number {
  let header = -1;
  for (const s of all) {
    if (s.first > statement.first) break;
    if (s.kind === 'section') header = s.first;
  }
  return header;
}

function scan(lines: Line[]): LineEntry[] {
  const entries: LineEntry[] = [];
  const all = statements(lines);
  const live = liveSections(all);
  for (const statement of all) {
    const field = fieldOf(statement);
    if (!field) continue;
    // A key in a section that a later same-named section replaces is not read by PHP: not managed.
    if (headerOf(all, statement) !== live.get(statement.section!)) continue;
    if (statement.complex) {
      throw new AdsOAuthError(
        'CONFIG',
        `The ini file sets ${KEYS[field]} (line ${statement.first + 1}) with a value ads-oauth cannot read exactly (interpolation, concatenation or operators).`,
        { details: { line: statement.first + 1, key: KEYS[field] } },
      );
    }
    entries.push({ field, first: statement.first, last: statement.last, value: statement.value });
  }
  return entries;
}

/**
 * A value in single quotes (kept when the line already used them and the value has no `'`), else in
 * double quotes. Never bare: INI_SCANNER_TYPED turns bare words into constants, keywords or numbers.
 */
function render(value: string, preferred: Quote): string {
  if (preferred === "'" && !value.includes("'")) return `'${value}'`;
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

const format: LineFormat = {
  scan,
  replace(lines, entry, value) {
    const statement = statements(lines).find((s) => s.first === entry.first)!;
    return [`${statement.prefix}${render(value, statement.quote ?? '"')}${statement.suffix}`];
  },
  insert(lines, field, value, _anchor, eol) {
    const section = SECTIONS[field];
    const all = statements(lines);
    const text = `${KEYS[field]} = ${render(value, '"')}`;
    // A later same-named section replaces the earlier ones in PHP; add to the last one.
    const headers = all.filter((s) => s.kind === 'section' && s.name === section);
    const header = headers[headers.length - 1];
    if (!header) {
      appendLines(lines, [`[${section}]`, text], eol, true);
      return;
    }
    const next = all.find((s) => s.kind === 'section' && s.first > header.first);
    const end = next ? next.first : lines.length;
    const template = findTemplate(lines, new RegExp(`^\\s*[;#]\\s*${reEscape(KEYS[field])}\\s*=`), header.first + 1, end);
    if (template !== undefined) return insertLines(lines, template, [indentOf(lines[template]!.text) + text], eol);
    const sameSection = anchorFor(scan(lines), field, (e) => SECTIONS[e.field] === section);
    if (sameSection) return insertAt(lines, sameSection, [text], eol);
    const keys = all.filter((s) => s.kind === 'key' && s.first > header.first && s.first < end);
    const lastKey = keys[keys.length - 1];
    insertLines(lines, lastKey ? lastKey.last : header.first, [text], eol);
  },
};

function newFile(changes: ConfigChanges, eol = '\n'): string {
  const v = (field: CredentialField): string => render(changes[field] ?? PLACEHOLDERS[field], '"');
  return (
    [
      '; Google Ads API client library for PHP configuration (written by ads-oauth).',
      '; See https://developers.google.com/google-ads/api/docs/client-libs/php/configuration',
      '[GOOGLE_ADS]',
      ...commentLines('; ', developerTokenNote('google-ads-php releases from before the sunset still require it.')),
      typeof changes.developerToken === 'string'
        ? `developerToken = ${v('developerToken')}`
        : '; developerToken = "INSERT_DEVELOPER_TOKEN_HERE"',
      '',
      ...commentLines('; ', LOGIN_CUSTOMER_ID_NOTE),
      typeof changes.loginCustomerId === 'string'
        ? `loginCustomerId = ${v('loginCustomerId')}`
        : '; loginCustomerId = "INSERT_LOGIN_CUSTOMER_ID_HERE"',
      '',
      '[OAUTH2]',
      `clientId = ${v('clientId')}`,
      `clientSecret = ${v('clientSecret')}`,
      `refreshToken = ${v('refreshToken')}`,
    ].join(eol) + eol
  );
}

export const phpFormat: ConfigFormat = keyedFormat({
  id: 'php',
  library: 'google-ads-php',
  description: 'google_ads_php.ini for the Google Ads API client library for PHP',
  docsUrl: 'https://developers.google.com/google-ads/api/docs/client-libs/php/configuration',
  charset: { kind: 'bytes', skipsBom: true },
  read(text: string): ConfigValues {
    // parse_ini_file: a repeated key overwrites the earlier one.
    return valuesOf(scan(splitLines(text)));
  },
  create: newFile,
  edit: (existing, changes) => editLines(format, existing, changes),
  keys: KEYS,
});
