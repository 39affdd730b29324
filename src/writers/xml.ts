import { columnOf, lineOf, parseError } from './text.js';

/**
 * A small, strict XML reader for .NET configuration files that keeps source offsets, so one
 * attribute value can be replaced or one element added without touching the rest of the file.
 * It checks well-formedness (nesting, quoting, entities) and refuses DTDs (no entity tricks).
 */
export interface XmlAttribute {
  name: string;
  value: string;
  /** Offsets of the value between the quotes. */
  valueStart: number;
  valueEnd: number;
  quote: '"' | "'";
  /** Offset just after the closing quote. */
  end: number;
}

export interface XmlElement {
  name: string;
  start: number;
  /** Offset just after the start tag's `>`. */
  openEnd: number;
  /** Offset of `</name>` (equal to `end` for a self-closing element). */
  closeStart: number;
  end: number;
  selfClosing: boolean;
  attributes: XmlAttribute[];
  children: XmlElement[];
}

const NAME = /^[A-Za-z_:][\w.:-]*/;

/**
 * Decodes the references in `raw`, which is `text.slice(base, base + raw.length)`. With `attribute`,
 * also applies attribute-value normalization (a literal line break or tab reads as a space; a
 * reference does not). Errors give the line and column of the reference and never quote it: an
 * attribute value is often a secret, and so may be anything that looks like an entity name in it.
 */
export function decodeEntities(raw: string, base: number, what: string, text: string, attribute = false): string {
  return raw.replace(/&([^;&]*);?|\r\n|[\t\n\r]/g, (match: string, body: string | undefined, index: number) => {
    if (body === undefined) return attribute ? ' ' : match;
    const fail = (reason: string): never => {
      throw parseError(what, lineOf(text, base + index), reason, columnOf(text, base + index));
    };
    if (!match.endsWith(';')) return fail('a stray & (write it as &amp;)');
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (body in named) return named[body]!;
    const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body);
    if (num) {
      const code = num[1] !== undefined ? parseInt(num[1], 16) : parseInt(num[2]!, 10);
      if (code > 0x10ffff || code === 0) fail('an invalid character reference');
      return String.fromCodePoint(code);
    }
    return fail('an unknown entity reference (only &lt; &gt; &amp; &quot; &apos; and &#…; are allowed)');
  });
}

/** Parses the document and returns its root element. */
export function parseXml(text: string, what: string): XmlElement {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (reason: string, at = pos): never => {
    throw parseError(what, lineOf(text, at), reason);
  };
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const chunk = text.slice(pos, lt === -1 ? text.length : lt);
    if (stack.length === 0 && chunk.trim() !== '') fail('text outside the root element');
    if (stack.length > 0) decodeEntities(chunk, pos, what, text);
    if (lt === -1) break;
    pos = lt;
    if (text.startsWith('<!--', pos)) {
      const close = text.indexOf('-->', pos + 4);
      if (close === -1) fail('a comment is never closed');
      pos = close + 3;
      continue;
    }
    if (text.startsWith('<?', pos)) {
      const close = text.indexOf('?>', pos + 2);
      if (close === -1) fail('a processing instruction is never closed');
      pos = close + 2;
      continue;
    }
    if (text.startsWith('<![CDATA[', pos)) {
      if (stack.length === 0) fail('CDATA outside the root element');
      const close = text.indexOf(']]>', pos + 9);
      if (close === -1) fail('a CDATA section is never closed');
      pos = close + 3;
      continue;
    }
    if (text.startsWith('<!', pos)) fail('DOCTYPE and entity declarations are not supported in a configuration file');
    if (text[pos + 1] === '/') {
      const start = pos;
      pos += 2;
      const name = NAME.exec(text.slice(pos))?.[0];
      if (!name) fail('a malformed end tag');
      pos += name!.length;
      while (/\s/.test(text[pos] ?? '')) pos++;
      if (text[pos] !== '>') fail('a malformed end tag');
      pos++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> does not match the open element`, start);
      open!.closeStart = start;
      open!.end = pos;
      continue;
    }
    // Start tag.
    const start = pos;
    pos++;
    const name = NAME.exec(text.slice(pos))?.[0];
    if (!name) fail('a malformed start tag');
    pos += name!.length;
    const attributes: XmlAttribute[] = [];
    for (;;) {
      const ws = /^\s*/.exec(text.slice(pos))![0].length;
      pos += ws;
      if (text[pos] === '>' || text.startsWith('/>', pos)) break;
      if (ws === 0) fail('attributes must be separated by whitespace');
      const attrName = NAME.exec(text.slice(pos))?.[0];
      if (!attrName) fail('a malformed attribute');
      pos += attrName!.length;
      pos += /^\s*/.exec(text.slice(pos))![0].length;
      if (text[pos] !== '=') fail('an attribute without a value');
      pos++;
      pos += /^\s*/.exec(text.slice(pos))![0].length;
      const quote = text[pos];
      if (quote !== '"' && quote !== "'") fail('an attribute value without quotes');
      const close = text.indexOf(quote!, pos + 1);
      if (close === -1) fail('an attribute value is never closed');
      const raw = text.slice(pos + 1, close);
      if (raw.includes('<')) fail('a < inside an attribute value');
      if (attributes.some((a) => a.name === attrName)) fail(`a repeated attribute ${attrName}`);
      const valueStart = pos + 1;
      const value = decodeEntities(raw, valueStart, what, text, true);
      attributes.push({ name: attrName!, value, valueStart, valueEnd: close, quote: quote as '"' | "'", end: close + 1 });
      pos = close + 1;
    }
    const selfClosing = text[pos] === '/';
    pos += selfClosing ? 2 : 1;
    const element: XmlElement = { name: name!, start, openEnd: pos, closeStart: pos, end: pos, selfClosing, attributes, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else if (root) fail('more than one root element', start);
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is never closed`, stack[stack.length - 1]!.start);
  if (!root) fail('no root element');
  return root!;
}

/** Escapes text for an attribute value in the given quotes. */
export function escapeAttribute(value: string, quote: '"' | "'"): string {
  return value.replace(/[&<>"']/g, (c) => {
    if (c === '&') return '&amp;';
    if (c === '<') return '&lt;';
    if (c === '>') return '&gt;';
    if (c === quote) return c === '"' ? '&quot;' : '&apos;';
    return c;
  });
}

export function attribute(element: XmlElement, name: string): XmlAttribute | undefined {
  return element.attributes.find((a) => a.name === name);
}
