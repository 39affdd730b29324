import { AdsOAuthError } from '../errors.js';
import { FIELD_LABELS, FIELD_ORDER, type ConfigChanges } from './types.js';

/**
 * Bytes to text and back, in the encoding each client library reads its file with, so that bytes
 * ads-oauth does not manage survive exactly (a Latin-1 comment in `ads.properties`, a cp1252
 * `App.config`, a `.ini` in any 8-bit encoding). Pure: `Uint8Array` in, `Uint8Array` out; the
 * global `TextEncoder`/`TextDecoder` only, no `node:` imports.
 *
 * - `utf-8`: the library decodes UTF-8 and fails on anything else (PyYAML, System.Text.Json,
 *   google-auth-library, Ruby's eval). Bytes that are not UTF-8 are refused (`CONFIG`), never
 *   replaced by U+FFFD.
 * - `latin1`: `java.util.Properties.load(InputStream)` reads ISO-8859-1: every byte is a character.
 *   Characters beyond U+00FF cannot be written raw (the Java writer escapes them as `\uXXXX`).
 * - `bytes`: the library handles raw bytes (PHP's `parse_ini_file`, google-ads-perl's reader,
 *   shells). UTF-8 text is read as UTF-8; anything else is kept byte for byte (as Latin-1
 *   characters) and then only ASCII values may be written into it, since its real encoding is unknown.
 * - `xml`: the encoding a UTF-16 or UTF-8 byte order mark, or else the XML declaration, names
 *   (UTF-8, UTF-16, ISO-8859-1 or windows-1252), as .NET's XmlReader does. A character the declared
 *   encoding cannot hold is written as a character reference (`&#x20AC;`).
 *
 * A UTF-8 byte order mark stays at the start of the file. Where the library skips it (`skipsBom`),
 * it is taken off the text the format sees, so the key on the first line is recognised; where the
 * library reads it as part of the first line (Java's ISO-8859-1, Perl's bytes), it stays in the text,
 * so ads-oauth sees that first key exactly as the library does.
 */
export type Charset = { kind: 'utf-8' | 'latin1' | 'bytes' | 'xml'; skipsBom: boolean };

/** How a file's bytes were decoded; {@link encodeText} writes text back the same way. */
export interface DecodedText {
  text: string;
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1' | 'windows-1252' | 'binary';
  /** A byte order mark was taken off the start (and is put back on encoding). */
  bom: boolean;
  /** For XML: write unrepresentable characters as character references. */
  xml?: boolean;
}

/** A new file: UTF-8 without a byte order mark. */
export const NEW_FILE: Omit<DecodedText, 'text'> = { encoding: 'utf-8', bom: false };

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** windows-1252 at 0x80–0x9F (the five undefined bytes map to the C1 control of the same value). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019,
  0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
const CP1252_REVERSE = new Map(CP1252_HIGH.map((code, i) => [code, 0x80 + i]));

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

function cp1252(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b);
  return out;
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence, or -1. */
function firstBadUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    const [n, min] =
      b < 0x80
        ? [0, 0]
        : b >= 0xc2 && b <= 0xdf
          ? [1, 0x80]
          : b >= 0xe0 && b <= 0xef
            ? [2, 0x800]
            : b >= 0xf0 && b <= 0xf4
              ? [3, 0x10000]
              : [-1, 0];
    if (n < 0) return i;
    let code = n === 0 ? b : b & (0xff >> (n + 2));
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** Strict UTF-8, or the offset of the first byte that is not UTF-8. */
function utf8(bytes: Uint8Array): { text: string } | { badAt: number } {
  const badAt = firstBadUtf8(bytes);
  if (badAt !== -1) return { badAt };
  return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function notUtf8(what: string, bytes: Uint8Array, badAt: number, reader: string): AdsOAuthError {
  const line = lineAt(bytes, badAt);
  return new AdsOAuthError(
    'CONFIG',
    `The ${what} is not valid UTF-8 (line ${line}, byte ${badAt + 1}), and ${reader} reads it as UTF-8. Save it as UTF-8; ads-oauth will not guess its encoding.`,
    { details: { line, byte: badAt + 1, reason: 'not-utf-8' } },
  );
}

/** The encoding an XML declaration names (`<?xml version="1.0" encoding="…"?>`), lower-cased. */
function declaredXmlEncoding(bytes: Uint8Array): string | undefined {
  const head = latin1(bytes.subarray(0, 256));
  const decl = /^\s*<\?xml\s[^?]*?\bencoding\s*=\s*(["'])([A-Za-z0-9._:-]+)\1/.exec(head);
  return decl?.[2]!.toLowerCase();
}

const LATIN1_LABELS = new Set(['iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'latin-1', 'l1', 'iso-ir-100', 'cp819', 'ibm819']);
const CP1252_LABELS = new Set(['windows-1252', 'cp1252', 'x-cp1252']);
const UTF8_LABELS = new Set(['utf-8', 'utf8']);

/**
 * Decodes a configuration file's bytes as its library reads them.
 * @throws AdsOAuthError('CONFIG') for bytes the library's decoder would refuse, or an XML encoding
 *   ads-oauth cannot write back exactly; the message never quotes the file.
 */
export function decodeText(bytes: Uint8Array, charset: Charset, what: string, reader: string): DecodedText {
  if (charset.kind === 'latin1') return { text: latin1(bytes), encoding: 'latin1', bom: false };
  const hasBom = startsWith(bytes, UTF8_BOM);
  const strip = hasBom && charset.skipsBom;
  const body = strip ? bytes.subarray(3) : bytes;
  if (charset.kind === 'xml') {
    if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) {
      const encoding = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
      return {
        text: new TextDecoder(encoding, { fatal: false, ignoreBOM: true }).decode(bytes.subarray(2)),
        encoding,
        bom: true,
        xml: true,
      };
    }
    const declared = hasBom ? 'utf-8' : (declaredXmlEncoding(bytes) ?? 'utf-8');
    if (LATIN1_LABELS.has(declared)) return { text: latin1(bytes), encoding: 'latin1', bom: false, xml: true };
    if (CP1252_LABELS.has(declared)) return { text: cp1252(bytes), encoding: 'windows-1252', bom: false, xml: true };
    if (!UTF8_LABELS.has(declared)) {
      throw new AdsOAuthError(
        'CONFIG',
        `The ${what} declares the encoding "${declared}"; ads-oauth writes App.config files in UTF-8, UTF-16, ISO-8859-1 or windows-1252 only, so it leaves this one unchanged.`,
        { details: { encoding: declared, reason: 'unsupported-encoding' } },
      );
    }
    const decoded = utf8(body);
    if ('badAt' in decoded) throw notUtf8(what, bytes, decoded.badAt + (strip ? 3 : 0), reader);
    return { text: decoded.text, encoding: 'utf-8', bom: strip, xml: true };
  }
  const decoded = utf8(body);
  if ('text' in decoded) return { text: decoded.text, encoding: 'utf-8', bom: strip };
  if (charset.kind === 'utf-8') throw notUtf8(what, bytes, decoded.badAt + (strip ? 3 : 0), reader);
  // Raw bytes in an unknown 8-bit encoding: one character per byte, written back unchanged.
  return { text: latin1(body), encoding: 'binary', bom: strip };
}

/**
 * Encodes text the way {@link decodeText} decoded it, putting back a byte order mark it took off.
 * @throws AdsOAuthError('CONFIG_WRITE') for a character the encoding cannot hold (never quoted).
 */
export function encodeText(text: string, how: Omit<DecodedText, 'text'>): Uint8Array {
  const bom = how.bom ? (how.encoding === 'utf-16le' ? [0xff, 0xfe] : how.encoding === 'utf-16be' ? [0xfe, 0xff] : UTF8_BOM) : [];
  if (how.encoding === 'utf-8') {
    const body = new TextEncoder().encode(text);
    if (bom.length === 0) return body;
    const out = new Uint8Array(bom.length + body.length);
    out.set(bom);
    out.set(body, bom.length);
    return out;
  }
  if (how.encoding === 'utf-16le' || how.encoding === 'utf-16be') {
    const out = new Uint8Array(bom.length + text.length * 2);
    out.set(bom);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const [a, b] = how.encoding === 'utf-16le' ? [code & 0xff, code >> 8] : [code >> 8, code & 0xff];
      out[bom.length + 2 * i] = a;
      out[bom.length + 2 * i + 1] = b;
    }
    return out;
  }
  const bytes: number[] = [...bom];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const plain = code <= 0xff && (how.encoding !== 'windows-1252' || code < 0x80 || code > 0x9f) ? code : undefined;
    const byte = how.encoding === 'windows-1252' ? (CP1252_REVERSE.get(code) ?? plain) : plain;
    if (byte !== undefined) {
      bytes.push(byte);
      continue;
    }
    if (how.xml) {
      for (const c of `&#x${code.toString(16).toUpperCase()};`) bytes.push(c.charCodeAt(0));
      continue;
    }
    throw new AdsOAuthError(
      'CONFIG_WRITE',
      `A character cannot be written in the file's encoding (${how.encoding}); the old file is unchanged.`,
      {
        details: { encoding: how.encoding, reason: 'unrepresentable' },
      },
    );
  }
  return Uint8Array.from(bytes);
}

/**
 * Refuses non-ASCII values for a file kept as raw bytes of an unknown encoding (`binary`): written
 * as UTF-8 they would be garbage to whatever reads that file. The message names the field, not the value.
 */
export function checkEncodable(changes: ConfigChanges, how: Omit<DecodedText, 'text'> | undefined): void {
  if (how?.encoding !== 'binary') return;
  for (const field of FIELD_ORDER) {
    const value = changes[field];
    // eslint-disable-next-line no-control-regex
    if (typeof value === 'string' && /[^\u0000-\u007f]/.test(value)) {
      throw new AdsOAuthError(
        'CONFIG_WRITE',
        `The file is not UTF-8 and ads-oauth cannot tell its encoding, so it will not write the ${FIELD_LABELS[field]}, which has non-ASCII characters, into it. The old file is unchanged.`,
        { details: { field, reason: 'unknown-encoding' } },
      );
    }
  }
}
