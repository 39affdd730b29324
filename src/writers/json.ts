import { lineOf, parseError } from './text.js';

/**
 * A small JSON / JSON-with-comments parser that keeps source offsets, so a value can be replaced
 * or a member added without reformatting anything else in the file.
 */
export type JsonNode =
  | { type: 'object'; start: number; end: number; members: JsonMember[] }
  | { type: 'array'; start: number; end: number; items: JsonNode[] }
  | { type: 'string'; start: number; end: number; value: string }
  | { type: 'number' | 'boolean' | 'null'; start: number; end: number; raw: string };

export interface JsonMember {
  key: string;
  keyStart: number;
  keyEnd: number;
  value: JsonNode;
  /** Offset just after the comma that follows this member, when there is one. */
  commaEnd?: number;
}

export interface JsonOptions {
  /** `//` and `/* *\/` comments and trailing commas (as .NET's JSON configuration provider accepts). */
  jsonc: boolean;
  /** Used in error messages, e.g. "appsettings.json file". */
  what: string;
}

export function parseJson(text: string, options: JsonOptions): JsonNode {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (reason: string, at = pos): never => {
    throw parseError(options.what, lineOf(text, at), reason);
  };
  const skip = (): void => {
    for (;;) {
      const c = text[pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') pos++;
      else if (options.jsonc && c === '/' && text[pos + 1] === '/') {
        while (pos < text.length && text[pos] !== '\n' && text[pos] !== '\r') pos++;
      } else if (options.jsonc && c === '/' && text[pos + 1] === '*') {
        const close = text.indexOf('*/', pos + 2);
        if (close === -1) fail('a comment is never closed');
        pos = close + 2;
      } else return;
    }
  };
  const string = (): { value: string; start: number; end: number } => {
    const start = pos;
    pos++;
    let value = '';
    for (;;) {
      if (pos >= text.length) fail('a string is never closed', start);
      const c = text[pos]!;
      const code = c.charCodeAt(0);
      if (c === '"') {
        pos++;
        return { value, start, end: pos };
      }
      if (code < 0x20) fail('a string contains a raw control character');
      if (c !== '\\') {
        value += c;
        pos++;
        continue;
      }
      const n = text[pos + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (n !== undefined && n in simple) {
        value += simple[n];
        pos += 2;
      } else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
        value += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
        pos += 6;
      } else fail('a string has an invalid escape');
    }
  };
  const value = (): JsonNode => {
    skip();
    const start = pos;
    const c = text[pos];
    if (c === '{') {
      pos++;
      const members: JsonMember[] = [];
      for (;;) {
        skip();
        if (text[pos] === '}') {
          if (members.length > 0 && members[members.length - 1]!.commaEnd !== undefined && !options.jsonc) fail('trailing comma');
          pos++;
          return { type: 'object', start, end: pos, members };
        }
        if (members.length > 0 && members[members.length - 1]!.commaEnd === undefined) fail('expected , or }');
        if (text[pos] !== '"') fail('expected a property name in double quotes');
        const key = string();
        skip();
        if (text[pos] !== ':') fail('expected :');
        pos++;
        const member: JsonMember = { key: key.value, keyStart: key.start, keyEnd: key.end, value: value() };
        members.push(member);
        skip();
        if (text[pos] === ',') {
          pos++;
          member.commaEnd = pos;
        }
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonNode[] = [];
      let comma = true;
      for (;;) {
        skip();
        if (text[pos] === ']') {
          if (items.length > 0 && comma && !options.jsonc) fail('trailing comma');
          pos++;
          return { type: 'array', start, end: pos, items };
        }
        if (!comma) fail('expected , or ]');
        items.push(value());
        skip();
        comma = text[pos] === ',';
        if (comma) pos++;
      }
    }
    if (c === '"') return { type: 'string', ...string() };
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(pos, pos + 400));
    if (!literal) return fail(pos >= text.length ? 'unexpected end of file' : 'unexpected character');
    pos += literal[0].length;
    const raw = literal[0];
    const type = raw === 'null' ? 'null' : raw === 'true' || raw === 'false' ? 'boolean' : 'number';
    return { type, start, end: pos, raw };
  };
  const root = value();
  skip();
  if (pos < text.length) fail('unexpected content after the end of the document');
  return root;
}

/** The last member with a key (JSON.parse and .NET both let the last duplicate win). */
export function lastMember(node: JsonNode, key: string): JsonMember | undefined {
  if (node.type !== 'object') return undefined;
  for (let i = node.members.length - 1; i >= 0; i--) {
    if (node.members[i]!.key === key) return node.members[i];
  }
  return undefined;
}

/** The text as a JSON string literal (JSON.stringify's escaping: `"`, `\` and control characters). */
export function jsonString(value: string): string {
  return JSON.stringify(value);
}

export function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

function lineStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

/** The indentation unit of the file: the smallest non-empty leading whitespace, else two spaces. */
export function indentUnit(text: string): string {
  let best: string | undefined;
  for (const match of text.matchAll(/(?:^|\n)([ \t]+)\S/g)) {
    const ws = match[1]!;
    if (best === undefined || ws.length < best.length) best = ws;
  }
  return best ?? '  ';
}

/** Removes a member together with the comma that separates it from its neighbours. */
export function removeMember(text: string, object: Extract<JsonNode, { type: 'object' }>, index: number): string {
  const member = object.members[index]!;
  const previous = object.members[index - 1];
  const next = object.members[index + 1];
  if (previous) {
    // Drop from the end of the previous value (its comma stays if this member had one).
    const from = previous.value.end;
    return member.commaEnd !== undefined ? splice(text, previous.commaEnd!, member.commaEnd, '') : splice(text, from, member.value.end, '');
  }
  if (next) return splice(text, member.keyStart, next.keyStart, '');
  // Only member: keep the braces, drop everything between them.
  return splice(text, object.start + 1, object.end - 1, '');
}

/**
 * Inserts `"key": <raw>` into an object before `members[position]` (or at the end), matching the
 * indentation and `key: value` spacing of its neighbours. `raw` receives the member's indentation.
 */
export function insertMember(
  text: string,
  object: Extract<JsonNode, { type: 'object' }>,
  key: string,
  raw: (indent: string, unit: string) => string,
  position: number,
  eol: string,
): string {
  const unit = indentUnit(text);
  const members = object.members;
  const reference = members[Math.min(position, members.length - 1)];
  if (!reference) {
    const parentIndent = /^[ \t]*/.exec(text.slice(lineStart(text, object.start)))![0];
    const indent = parentIndent + unit;
    const inner = text.slice(object.start + 1, object.end - 1);
    const member = `"${escapeKey(key)}": ${raw(indent, unit)}`;
    if (inner.trim() === '') return splice(text, object.start + 1, object.end - 1, `${eol}${indent}${member}${eol}${parentIndent}`);
    return splice(text, object.start + 1, object.start + 1, `${eol}${indent}${member},`);
  }
  const before = text.slice(lineStart(text, reference.keyStart), reference.keyStart);
  const multiline = /^[ \t]*$/.test(before);
  const indent = multiline ? before : '';
  const between = text.slice(reference.keyEnd, reference.value.start);
  const separator = /^[ \t]*:[ \t]*$/.test(between) ? between : ': ';
  const member = `"${escapeKey(key)}"${separator}${raw(indent, unit)}`;
  if (position < members.length) {
    return splice(text, reference.keyStart, reference.keyStart, multiline ? `${member},${eol}${indent}` : `${member}, `);
  }
  if (reference.commaEnd !== undefined) {
    return splice(text, reference.commaEnd, reference.commaEnd, multiline ? `${eol}${indent}${member},` : ` ${member},`);
  }
  return splice(text, reference.value.end, reference.value.end, multiline ? `,${eol}${indent}${member}` : `, ${member}`);
}

function escapeKey(key: string): string {
  return JSON.stringify(key).slice(1, -1);
}
