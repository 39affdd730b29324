import { isMap, isScalar, parseDocument, Scalar, type Document, type YAMLMap } from 'yaml';
import { AdsOAuthError } from '../errors.js';
import { changedFields, detectEol, PLACEHOLDERS, keyedFormat, commentLines, developerTokenNote, LOGIN_CUSTOMER_ID_NOTE } from './text.js';
import { FIELD_ORDER, type ConfigChanges, type ConfigFormat, type ConfigValues, type CredentialField } from './types.js';

/**
 * Python `google-ads.yaml` (google-ads-python, read with PyYAML's `safe_load`). Edited through the
 * `yaml` package's Document API so comments, key order and quoting survive; parsed and written
 * with the YAML 1.1 schema that PyYAML implements, so a string such as `yes`, `0123` or `1_000`
 * is quoted and read back as that string, not a bool or a number.
 */
const KEYS: Record<CredentialField, string> = {
  clientId: 'client_id',
  clientSecret: 'client_secret',
  refreshToken: 'refresh_token',
  developerToken: 'developer_token',
  loginCustomerId: 'login_customer_id',
};
const WHAT = 'YAML file';
const OPTIONS = { version: '1.1', uniqueKeys: false, prettyErrors: false, keepSourceTokens: false } as const;

function parse(text: string, keepSourceTokens = false): Document.Parsed {
  const doc = parseDocument(text, { ...OPTIONS, keepSourceTokens });
  const error = doc.errors[0];
  if (error) {
    // yaml's messages quote the offending source; report only the position and the error code.
    const line = error.linePos?.[0]?.line;
    throw new AdsOAuthError(
      'CONFIG',
      `The ${WHAT} does not parse${line ? ` at line ${line}` : ''}: ${error.code.toLowerCase().replace(/_/g, ' ')}.`,
      {
        details: { line, code: error.code },
      },
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new AdsOAuthError('CONFIG', `The ${WHAT} is not a mapping of keys to values at its top level.`);
  }
  return doc;
}

function scalarText(value: unknown, key: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  throw new AdsOAuthError('CONFIG', `The ${WHAT} has a non-text value for ${key}.`, { details: { key } });
}

function read(text: string): ConfigValues {
  const doc = parse(text);
  const values: ConfigValues = {};
  const map = doc.contents as YAMLMap | null;
  if (!map) return values;
  for (const field of FIELD_ORDER) {
    const key = KEYS[field];
    // PyYAML lets the last duplicate win.
    const pair = [...map.items].reverse().find((p) => isScalar(p.key) && p.key.value === key);
    if (!pair) continue;
    const node = pair.value;
    if (node !== null && !isScalar(node)) {
      throw new AdsOAuthError('CONFIG', `The ${WHAT} has a non-text value for ${key}.`, { details: { key } });
    }
    const value = scalarText(node === null ? null : node.value, key);
    if (value !== undefined) values[field] = value;
  }
  return values;
}

// eslint-disable-next-line no-control-regex -- the characters a single-quoted YAML scalar cannot hold
const SINGLE_SAFE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]*$/u;
const PLAIN_SAFE = /^[A-Za-z0-9_./+@%,][A-Za-z0-9_\-./+=~@%,]*$/;

/** A double-quoted scalar valid in YAML 1.1 and 1.2, escaping everything PyYAML might mangle. */
function doubleQuoted(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x2028 ||
      code === 0x2029 ||
      code === 0xfeff ||
      code === 0xfffe ||
      code === 0xffff ||
      (code >= 0xd800 && code <= 0xdfff)
    ) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** Whether a plain scalar reads back as this very string under the YAML 1.1 schema. */
function plainReadsBack(value: string): boolean {
  if (!PLAIN_SAFE.test(value)) return false;
  const doc = parseDocument(`k: ${value}`, OPTIONS);
  const node = (doc.contents as YAMLMap | null)?.items[0]?.value;
  return doc.errors.length === 0 && isScalar(node) && node.value === value;
}

/** Renders a scalar, keeping the requested style when it can hold the value exactly. */
function renderScalar(value: string, style: string | undefined): string {
  if ((style === undefined || style === Scalar.PLAIN) && plainReadsBack(value)) return value;
  if (style !== Scalar.QUOTE_DOUBLE && SINGLE_SAFE.test(value)) return `'${value.replace(/'/g, "''")}'`;
  return doubleQuoted(value);
}

function lineStartOf(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

/** Offset just past the line break that ends the line containing `offset` (or the end of the text). */
function nextLineStart(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  if (text[i] === '\r' && text[i + 1] === '\n') return i + 2;
  return i < text.length ? i + 1 : i;
}

const splice = (text: string, start: number, end: number, insert: string): string => text.slice(0, start) + insert + text.slice(end);

/**
 * The source range a new scalar replaces, and what to write after it. For a block scalar (`|`,
 * `>-`, …) that is its header and its content lines, taken from the parser's source tokens: not the
 * line break ending the last content line, nor the blank lines after it (the node's own range
 * includes those, and splicing over them would glue or drop the lines that follow). A comment on
 * the header line is kept, after the new value.
 */
function valueSpan(text: string, node: Scalar): { start: number; end: number; after: string } {
  const token = node.srcToken;
  if (token?.type !== 'block-scalar') return { start: node.range![0], end: node.range![1], after: '' };
  let headerEnd = token.offset;
  let after = '';
  let contentStart = token.offset;
  for (const prop of token.props) {
    if (!('source' in prop)) break; // header props are plain source tokens
    const propEnd = prop.offset + prop.source.length;
    if (prop.type === 'newline') {
      contentStart = propEnd;
      break;
    }
    if (prop.type === 'comment') after = text.slice(headerEnd, propEnd);
    else if (prop.type === 'block-scalar-header') headerEnd = propEnd;
    contentStart = propEnd;
  }
  // Back off from the end of the content over line breaks and blank lines.
  let contentEnd = contentStart + token.source.length;
  for (let i = contentEnd; i > contentStart; i--) {
    const c = text[i - 1]!;
    if (c === '\n' || c === '\r') contentEnd = i - 1;
    else if (c !== ' ' && c !== '\t') break;
  }
  // No content (only blank lines, or none): the value is the header alone.
  return { start: token.offset, end: contentEnd > contentStart ? contentEnd : headerEnd + after.length, after };
}

/**
 * Applies one change by splicing the source at the node positions the Document API reports, so
 * every other byte of the file (comments, spacing, line endings) stays as it was. Returns
 * `undefined` when the layout is unusual (flow mappings, keys sharing a line), for the fallback.
 */
function spliceChange(text: string, field: CredentialField, value: string | null, eol: string): string | undefined {
  const doc = parse(text, true);
  const key = KEYS[field];
  const map = doc.contents as YAMLMap | null;
  if (map && map.flow) return undefined;
  const pairs = (map?.items ?? []).filter((p) => isScalar(p.key) && p.key.value === key);
  if (value === null) {
    for (const pair of [...pairs].reverse()) {
      const keyNode = pair.key as Scalar;
      const start = lineStartOf(text, keyNode.range![0]);
      if (text.slice(start, keyNode.range![0]).trim() !== '') return undefined;
      const valueNode = pair.value as Scalar | null;
      const lastOffset = valueNode?.range ? Math.max(valueNode.range[1] - 1, keyNode.range![1]) : keyNode.range![1];
      text = splice(text, start, nextLineStart(text, lastOffset), '');
    }
    return text;
  }
  if (pairs.length > 0) {
    for (const pair of [...pairs].reverse()) {
      const node = pair.value;
      if (node !== null && !isScalar(node)) {
        throw new AdsOAuthError('CONFIG', `The ${WHAT} has a non-text value for ${key}; ads-oauth will not replace it.`, {
          details: { key },
        });
      }
      if (!node?.range) return undefined;
      const { start, end, after } = valueSpan(text, node);
      const style =
        node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.PLAIN ? node.type : undefined;
      const rendered = renderScalar(value, start === end ? undefined : style);
      const gap = start === end && text[start - 1] === ':' ? ' ' : '';
      text = splice(text, start, end, gap + rendered + after);
    }
    return text;
  }
  const line = `${key}: ${renderScalar(value, undefined)}`;
  const items = map?.items ?? [];
  const keyIndex = (k: string): number => items.findIndex((p) => isScalar(p.key) && p.key.value === k);
  const order = FIELD_ORDER.indexOf(field);
  const column = (p: (typeof items)[number]): string => {
    const k = p.key as Scalar;
    return text.slice(lineStartOf(text, k.range![0]), k.range![0]);
  };
  let anchor: { at: number; indent: string } | undefined;
  for (let i = order - 1; i >= 0 && !anchor; i--) {
    const at = keyIndex(KEYS[FIELD_ORDER[i]!]);
    if (at !== -1) {
      const p = items[at]!;
      const v = p.value as Scalar | null;
      const last = v?.range ? Math.max(v.range[1] - 1, (p.key as Scalar).range![1]) : (p.key as Scalar).range![1];
      anchor = { at: nextLineStart(text, last), indent: column(p) };
    }
  }
  for (let i = order + 1; i < FIELD_ORDER.length && !anchor; i++) {
    const at = keyIndex(KEYS[FIELD_ORDER[i]!]);
    if (at !== -1) anchor = { at: lineStartOf(text, (items[at]!.key as Scalar).range![0]), indent: column(items[at]!) };
  }
  if (!anchor && items.length > 0) {
    const p = items[items.length - 1]!;
    const v = p.value as { range?: [number, number, number] } | null;
    const last = v?.range ? Math.max(v.range[1] - 1, (p.key as Scalar).range![1]) : (p.key as Scalar).range![1];
    anchor = { at: nextLineStart(text, last), indent: column(p) };
  }
  if (anchor && anchor.indent.trim() !== '') return undefined;
  if (!anchor) {
    // Empty document (nothing, or only comments): append.
    const needsBreak = text.length > 0 && !/[\r\n]$/.test(text);
    return `${text}${needsBreak ? eol : ''}${line}${eol}`;
  }
  const atEnd = anchor.at === text.length && text.length > 0 && !/[\r\n]$/.test(text);
  return atEnd ? `${text}${eol}${anchor.indent}${line}` : splice(text, anchor.at, anchor.at, `${anchor.indent}${line}${eol}`);
}

/** Fallback for unusual layouts: edit the Document and re-stringify it (comments survive, spacing may not). */
function restringify(text: string, field: CredentialField, value: string | null, eol: string): string {
  const doc = parse(text);
  if (!doc.contents) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  const map = doc.contents as YAMLMap;
  const key = KEYS[field];
  if (value === null) map.delete(key);
  else {
    map.set(key, value);
    // `set` keeps the old node's style; a block style would re-chomp the value (`|` becomes `|-`).
    const node = map.get(key, true);
    if (isScalar(node) && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED)) delete node.type;
  }
  const out = doc.toString({ lineWidth: 0 });
  return eol === '\n' ? out : out.replace(/\n/g, eol);
}

function update(existing: string, changes: ConfigChanges): string {
  const eol = detectEol(existing);
  let text = existing;
  parse(text);
  for (const field of changedFields(changes)) {
    const value = changes[field];
    if (value === undefined) continue;
    const spliced = spliceChange(text, field, value, eol);
    text = spliced !== undefined && readBack(spliced, field, value) ? spliced : restringify(text, field, value, eol);
  }
  return text;
}

function readBack(text: string, field: CredentialField, value: string | null): boolean {
  try {
    const got = read(text)[field];
    return value === null ? got === undefined : got === value;
  } catch {
    return false;
  }
}

function newFile(changes: ConfigChanges, eol = '\n'): string {
  const v = (field: CredentialField): string => renderScalar(changes[field] ?? PLACEHOLDERS[field], undefined);
  return (
    [
      '# Google Ads API client library for Python configuration (written by ads-oauth).',
      '# See https://developers.google.com/google-ads/api/docs/client-libs/python/configuration',
      `client_id: ${v('clientId')}`,
      `client_secret: ${v('clientSecret')}`,
      `refresh_token: ${v('refreshToken')}`,
      ...commentLines('# ', LOGIN_CUSTOMER_ID_NOTE),
      typeof changes.loginCustomerId === 'string'
        ? `login_customer_id: ${v('loginCustomerId')}`
        : '# login_customer_id: INSERT_LOGIN_CUSTOMER_ID_HERE',
      ...commentLines('# ', developerTokenNote('google-ads-python before 32.0.0 still requires the key.')),
      typeof changes.developerToken === 'string'
        ? `developer_token: ${v('developerToken')}`
        : '# developer_token: INSERT_DEVELOPER_TOKEN_HERE',
      'use_proto_plus: True',
    ].join(eol) + eol
  );
}

export const yamlFormat: ConfigFormat = keyedFormat({
  id: 'yaml',
  library: 'google-ads-python',
  description: 'google-ads.yaml for the Google Ads API client library for Python',
  docsUrl: 'https://developers.google.com/google-ads/api/docs/client-libs/python/configuration',
  charset: { kind: 'utf-8', skipsBom: true },
  read,
  create: newFile,
  edit: (existing, changes) => update(existing, changes),
  keys: KEYS,
});
