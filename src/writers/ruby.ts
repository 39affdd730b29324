import { AdsOAuthError } from '../errors.js';
import {
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
} from './text.js';
import { editLines, findTemplate, insertAt, type LineEntry, type LineFormat } from './line-edit.js';
import type { ConfigChanges, ConfigFormat, ConfigValues, CredentialField } from './types.js';

/**
 * Ruby `google_ads_config.rb` (google-ads-ruby): a Ruby file the library `eval`s, holding
 * `Google::Ads::GoogleAds::Config.new do |c| … end` with one `c.key = 'value'` per setting.
 *
 * ads-oauth does not run Ruby. It edits only assignments of plain string literals to the managed
 * attributes, one per line, inside that block; an attribute assigned anything else (an `ENV`
 * lookup, interpolation, a method call) is reported rather than overwritten. Values are written as
 * single-quoted literals (`\\` and `\'` are the only escapes), or double-quoted with `\\`, `\"` and
 * `\#` when the existing line used double quotes.
 */
const KEYS: Record<CredentialField, string> = {
  clientId: 'client_id',
  clientSecret: 'client_secret',
  refreshToken: 'refresh_token',
  developerToken: 'developer_token',
  loginCustomerId: 'login_customer_id',
};
const FIELD_BY_KEY = new Map(Object.entries(KEYS).map(([field, key]) => [key, field as CredentialField]));
/**
 * The line that opens the config block. google-ads-ruby `eval`s the file inside
 * `Google::Ads::GoogleAds::GoogleAdsClient#initialize`, so the class resolves through that lexical
 * scope: `Config`, `GoogleAds::Config`, `Ads::GoogleAds::Config`, `Google::Ads::GoogleAds::Config`
 * and `::Google::Ads::GoogleAds::Config` all name it; `.new` or `::new`, with or without `()`, and a
 * `do |x|` or `{ |x|` block whose variable may have any local-variable name.
 */
const HEADER =
  /(?<![\w:])(?:(?:::)?Google::Ads::GoogleAds::|Ads::GoogleAds::|GoogleAds::)?Config(?:\.|::)new(?:\s*\(\s*\))?\s*(?:do\s*|\{\s*)\|\s*([a-z_]\w*)\s*\|/;

interface RubyEntry extends LineEntry {
  quote: '"' | "'" | undefined;
  prefix: string;
  suffix: string;
  /** Assigned something other than a string literal or nil. */
  opaque: boolean;
}

interface Parsed {
  variable: string;
  header: number;
  entries: RubyEntry[];
}

/** Parses a Ruby string literal at the start of `text`; `undefined` when it is not a plain literal. */
export function parseRubyString(text: string): { value: string; end: number; quote: '"' | "'" } | undefined {
  const quote = text[0];
  if (quote !== "'" && quote !== '"') return undefined;
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === quote) return { value, end: i + 1, quote };
    if (quote === '"' && c === '#' && /[{@$]/.test(text[i + 1] ?? '')) return undefined; // interpolation
    if (c !== '\\') {
      value += c;
      continue;
    }
    const n = text[++i];
    if (n === undefined) return undefined;
    if (quote === "'") {
      value += n === '\\' || n === "'" ? n : `\\${n}`;
      continue;
    }
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', s: ' ', e: '\x1b', a: '\x07', b: '\b', f: '\f', v: '\v' };
    if (n in simple) value += simple[n];
    else if (n === 'u') {
      const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(text.slice(i + 1));
      const plain = /^[0-9a-fA-F]{4}/.exec(text.slice(i + 1));
      if (braced) {
        value += String.fromCodePoint(parseInt(braced[1]!, 16));
        i += braced[0].length;
      } else if (plain) {
        value += String.fromCharCode(parseInt(plain[0], 16));
        i += 4;
      } else return undefined;
    } else if (n === 'x') {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1));
      if (!hex) return undefined;
      value += String.fromCharCode(parseInt(hex[0], 16));
      i += hex[0].length;
    } else if (/[0-7]/.test(n)) {
      const oct = /^[0-7]{1,3}/.exec(text.slice(i))!;
      value += String.fromCharCode(parseInt(oct[0], 8));
      i += oct[0].length - 1;
    } else if (n === 'c' || n === 'C' || n === 'M') return undefined;
    else value += n;
  }
  return undefined;
}

function parse(lines: readonly Line[]): Parsed {
  let header = -1;
  let variable = '';
  let inDoc = false;
  const entries: RubyEntry[] = [];
  let assign: RegExp | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.text;
    if (inDoc) {
      if (/^=end\b/.test(text)) inDoc = false;
      continue;
    }
    if (/^=begin\b/.test(text)) {
      inDoc = true;
      continue;
    }
    if (header === -1) {
      const match = HEADER.exec(text);
      if (match && !text.trimStart().startsWith('#')) {
        header = i;
        variable = match[1]!;
        assign = new RegExp(`^(\\s*${reEscape(variable)}\\.([a-z_]+)\\s*=\\s*)(.*)$`);
      }
      continue;
    }
    const match = assign!.exec(text);
    if (!match) continue;
    const field = FIELD_BY_KEY.get(match[2]!);
    if (!field) continue;
    const rhs = match[3]!;
    const literal = parseRubyString(rhs);
    const rest = literal ? rhs.slice(literal.end) : rhs.replace(/^nil\b/, '');
    const clean = /^\s*(#.*)?$/.test(rest);
    const isNil = !literal && /^nil\b/.test(rhs) && clean;
    entries.push({
      field,
      first: i,
      last: i,
      value: literal && clean ? literal.value : undefined,
      quote: literal?.quote,
      prefix: match[1]!,
      suffix: literal && clean ? rest : isNil ? rest : '',
      opaque: !(literal && clean) && !isNil,
    });
  }
  if (header === -1) {
    throw parseError(
      'Ruby config file',
      undefined,
      'it has no `Google::Ads::GoogleAds::Config.new do |c|` block (or `Config.new { |config|`, as google-ads-ruby evaluates it)',
    );
  }
  return { variable, header, entries };
}

function render(value: string, quote: '"' | "'"): string {
  if (quote === '"') return `"${value.replace(/[\\"#]/g, (c) => `\\${c}`)}"`;
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

const format: LineFormat = {
  scan: (lines) => parse(lines).entries,
  replace(lines, entry, value) {
    const found = parse(lines).entries.find((e) => e.first === entry.first)!;
    if (found.opaque) {
      throw new AdsOAuthError(
        'CONFIG',
        `The Ruby config file assigns ${KEYS[entry.field]} (line ${entry.first + 1}) with an expression, not a string; ads-oauth will not overwrite it. Edit that line by hand or remove it.`,
        { details: { line: entry.first + 1, key: KEYS[entry.field] } },
      );
    }
    return [`${found.prefix}${render(value, found.quote ?? "'")}${found.suffix}`];
  },
  insert(lines, field, value, anchor, eol) {
    const { variable, header, entries } = parse(lines);
    const statement = `${variable}.${KEYS[field]} = ${render(value, "'")}`;
    const indentLike = entries[0] ? indentOf(lines[entries[0].first]!.text) : undefined;
    const template = findTemplate(lines, new RegExp(`^\\s*#\\s*${reEscape(variable)}\\.${KEYS[field]}\\s*=`), header + 1);
    if (template !== undefined) return insertLines(lines, template, [indentOf(lines[template]!.text) + statement], eol);
    if (anchor) {
      const near = 'after' in anchor ? anchor.after : anchor.before;
      return insertAt(lines, anchor, [indentOf(lines[near]!.text) + statement], eol);
    }
    // Before the line that closes the block: the last `end` or `}` in the file.
    let close = -1;
    for (let i = lines.length - 1; i > header; i--) {
      if (/^\s*(end|\})\s*(#.*)?$/.test(lines[i]!.text)) {
        close = i;
        break;
      }
    }
    if (close === -1) throw parseError('Ruby config file', header + 1, 'the Config.new block has no closing `end`');
    const indent = indentLike ?? `${indentOf(lines[close]!.text)}  `;
    insertLines(lines, close - 1, [indent + statement], eol);
  },
};

function newFile(changes: ConfigChanges, eol = '\n'): string {
  const v = (field: CredentialField): string => render(changes[field] ?? PLACEHOLDERS[field], "'");
  return (
    [
      '# Google Ads API client library for Ruby configuration (written by ads-oauth).',
      '# See https://developers.google.com/google-ads/api/docs/client-libs/ruby/configuration',
      '',
      'Google::Ads::GoogleAds::Config.new do |c|',
      ...commentLines('  # ', developerTokenNote()),
      typeof changes.developerToken === 'string'
        ? `  c.developer_token = ${v('developerToken')}`
        : "  # c.developer_token = 'INSERT_DEVELOPER_TOKEN_HERE'",
      '',
      `  c.client_id = ${v('clientId')}`,
      `  c.client_secret = ${v('clientSecret')}`,
      `  c.refresh_token = ${v('refreshToken')}`,
      '',
      '  # Required for manager accounts only: the customer ID of the authenticated',
      '  # manager account, 10 digits without dashes.',
      typeof changes.loginCustomerId === 'string'
        ? `  c.login_customer_id = ${v('loginCustomerId')}`
        : "  # c.login_customer_id = 'INSERT_LOGIN_CUSTOMER_ID_HERE'",
      'end',
    ].join(eol) + eol
  );
}

export const rubyFormat: ConfigFormat = keyedFormat({
  id: 'ruby',
  library: 'google-ads-ruby',
  description: 'google_ads_config.rb for the Google Ads API client library for Ruby',
  docsUrl: 'https://developers.google.com/google-ads/api/docs/client-libs/ruby/configuration',
  charset: { kind: 'utf-8', skipsBom: true },
  read(text: string): ConfigValues {
    // Later assignments overwrite earlier ones when Ruby runs the block (nil or an expression included).
    const values: ConfigValues = {};
    for (const entry of parse(splitLines(text)).entries) {
      if (entry.value === undefined) delete values[entry.field];
      else values[entry.field] = entry.value;
    }
    return values;
  },
  create: newFile,
  edit: (existing, changes) => editLines(format, existing, changes),
  keys: KEYS,
  displayKey: (key) => `c.${key}`,
});
