import { AdsOAuthError } from '../errors.js';
import { indentUnit, splice } from './json.js';
import { changedFields, detectEol, PLACEHOLDERS, keyedFormat } from './text.js';
import { attribute, escapeAttribute, parseXml, type XmlElement } from './xml.js';
import { FIELD_ORDER, type ConfigChanges, type ConfigFormat, type ConfigValues, type CredentialField } from './types.js';

/**
 * .NET `App.config` / `Web.config` (google-ads-dotnet): a `<GoogleAdsApi>` section, declared in
 * `<configSections>` with `System.Configuration.DictionarySectionHandler`, holding
 * `<add key="…" value="…"/>` entries (`<remove>` and `<clear/>` are honoured when reading).
 * Writing the client ID, secret or refresh token also sets `OAuth2Mode` to `APPLICATION`.
 * Values are written as XML attribute values with `&amp;`, `&lt;`, `&gt;` and the quote escaped.
 */
const KEYS: Record<CredentialField, string> = {
  developerToken: 'DeveloperToken',
  loginCustomerId: 'LoginCustomerId',
  clientId: 'OAuth2ClientId',
  clientSecret: 'OAuth2ClientSecret',
  refreshToken: 'OAuth2RefreshToken',
};
const WHAT = 'App.config file';
const SECTION = 'GoogleAdsApi';
const HANDLER = 'System.Configuration.DictionarySectionHandler';
/** The fields that only the APPLICATION OAuth2 flow uses. */
const CREDENTIALS: readonly CredentialField[] = ['clientId', 'clientSecret', 'refreshToken'];
/** Keys in placement order; OAuth2Mode sits before the OAuth2 keys as in the library's example. */
const ORDER = ['DeveloperToken', 'LoginCustomerId', 'OAuth2Mode', 'OAuth2ClientId', 'OAuth2ClientSecret', 'OAuth2RefreshToken'];

function configuration(text: string): XmlElement {
  const root = parseXml(text, WHAT);
  if (root.name !== 'configuration') {
    throw new AdsOAuthError('CONFIG', `The ${WHAT} has <${root.name}> as its root element, not <configuration>.`);
  }
  return root;
}

function section(root: XmlElement): XmlElement | undefined {
  return root.children.find((c) => c.name === SECTION);
}

function entries(sectionElement: XmlElement | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const child of sectionElement?.children ?? []) {
    const key = attribute(child, 'key')?.value;
    if (child.name === 'clear') map.clear();
    else if (child.name === 'remove' && key !== undefined) map.delete(key);
    else if (child.name === 'add' && key !== undefined) map.set(key, attribute(child, 'value')?.value ?? '');
  }
  return map;
}

function read(text: string): ConfigValues {
  const map = entries(section(configuration(text)));
  const values: ConfigValues = {};
  for (const field of FIELD_ORDER) {
    const value = map.get(KEYS[field]);
    if (value !== undefined) values[field] = value;
  }
  return values;
}

function lineStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

function lineEnd(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  if (text[i] === '\r' && text[i + 1] === '\n') return i + 2;
  return i < text.length ? i + 1 : i;
}

/** The element's own indentation when it starts its line, else undefined. */
function ownIndent(text: string, element: XmlElement): string | undefined {
  const before = text.slice(lineStart(text, element.start), element.start);
  return /^[ \t]*$/.test(before) ? before : undefined;
}

function indentOfLine(text: string, offset: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, offset)))![0];
}

/** Appends child markup (lines, relative indentation) as the last children of `parent`. */
function appendChild(text: string, parent: XmlElement, lines: readonly string[], eol: string): string {
  const unit = indentUnit(text);
  const parentIndent = indentOfLine(text, parent.start);
  const lastChild = parent.children[parent.children.length - 1];
  const childIndent = (lastChild && ownIndent(text, lastChild)) ?? parentIndent + unit;
  const block = lines.map((l) => childIndent + l);
  if (parent.selfClosing) {
    const tag = text.slice(parent.start, parent.end).replace(/\s*\/>$/, '>');
    return splice(text, parent.start, parent.end, `${tag}${eol}${block.join(eol)}${eol}${parentIndent}</${parent.name}>`);
  }
  const closeLine = lineStart(text, parent.closeStart);
  if (/^[ \t]*$/.test(text.slice(closeLine, parent.closeStart)) && closeLine > parent.openEnd) {
    return splice(text, closeLine, closeLine, block.map((l) => l + eol).join(''));
  }
  return splice(text, parent.closeStart, parent.closeStart, `${eol}${block.join(eol)}${eol}${parentIndent}`);
}

function addElement(key: string, value: string): string {
  return `<add key="${escapeAttribute(key, '"')}" value="${escapeAttribute(value, '"')}" />`;
}

function setKey(text: string, key: string, value: string, eol: string): string {
  let root = configuration(text);
  let sec = section(root);
  if (!sec) {
    text = ensureDeclared(text, eol);
    root = configuration(text);
    text = appendChild(text, root, [`<${SECTION}>`, `</${SECTION}>`], eol);
    sec = section(configuration(text))!;
  }
  const adds = sec.children.filter((c) => c.name === 'add' && attribute(c, 'key')?.value === key);
  if (adds.length > 0) {
    for (const element of [...adds].reverse()) {
      const valueAttr = attribute(element, 'value');
      if (valueAttr) {
        text = splice(text, valueAttr.valueStart, valueAttr.valueEnd, escapeAttribute(value, valueAttr.quote));
      } else {
        const keyAttr = attribute(element, 'key')!;
        text = splice(text, keyAttr.end, keyAttr.end, ` value=${keyAttr.quote}${escapeAttribute(value, keyAttr.quote)}${keyAttr.quote}`);
      }
    }
    return text;
  }
  // Place after the nearest preceding managed key, else before the nearest following one.
  const index = ORDER.indexOf(key);
  const keyed = (k: string): XmlElement[] => sec!.children.filter((c) => c.name === 'add' && attribute(c, 'key')?.value === k);
  for (let i = index - 1; i >= 0; i--) {
    const found = keyed(ORDER[i]!);
    const last = found[found.length - 1];
    if (last) {
      const indent = ownIndent(text, last);
      return splice(
        text,
        last.end,
        last.end,
        indent !== undefined ? `${eol}${indent}${addElement(key, value)}` : ` ${addElement(key, value)}`,
      );
    }
  }
  for (let i = index + 1; i < ORDER.length; i++) {
    const next = keyed(ORDER[i]!)[0];
    if (next) {
      const indent = ownIndent(text, next);
      return splice(
        text,
        next.start,
        next.start,
        indent !== undefined ? `${addElement(key, value)}${eol}${indent}` : `${addElement(key, value)} `,
      );
    }
  }
  const lastAdd = [...sec.children].reverse().find((c) => c.name === 'add');
  if (lastAdd && ownIndent(text, lastAdd) !== undefined) {
    return splice(text, lastAdd.end, lastAdd.end, `${eol}${ownIndent(text, lastAdd)}${addElement(key, value)}`);
  }
  return appendChild(text, sec, [addElement(key, value)], eol);
}

/** Makes sure `<configSections>` declares the GoogleAdsApi section (it must be the first child). */
function ensureDeclared(text: string, eol: string): string {
  const root = configuration(text);
  const sections = root.children.find((c) => c.name === 'configSections');
  const declaration = `<section name="${SECTION}" type="${HANDLER}" />`;
  if (sections) {
    if (sections.children.some((c) => c.name === 'section' && attribute(c, 'name')?.value === SECTION)) return text;
    return appendChild(text, sections, [declaration], eol);
  }
  const unit = indentUnit(text);
  const rootIndent = indentOfLine(text, root.start);
  const first = root.children[0];
  const childIndent = (first && ownIndent(text, first)) ?? rootIndent + unit;
  const block = [`<configSections>`, `${unit}${declaration}`, `</configSections>`].map((l) => childIndent + l);
  if (root.selfClosing) return appendChild(text, root, [`<configSections>`, `${unit}${declaration}`, `</configSections>`], eol);
  return splice(text, root.openEnd, root.openEnd, `${eol}${block.join(eol)}`);
}

function removeKey(text: string, key: string): string {
  for (;;) {
    const sec = section(configuration(text));
    const element = sec?.children.filter((c) => c.name === 'add' && attribute(c, 'key')?.value === key).pop();
    if (!element) return text;
    const start = lineStart(text, element.start);
    const end = lineEnd(text, element.end);
    const alone = /^[ \t]*$/.test(text.slice(start, element.start)) && /^[ \t]*(\r\n|\n|\r)?$/.test(text.slice(element.end, end));
    text = alone ? splice(text, start, end, '') : splice(text, element.start, element.end, '');
  }
}

function update(existing: string, changes: ConfigChanges): string {
  const eol = detectEol(existing);
  let text = existing;
  configuration(text);
  const fields = changedFields(changes);
  const mode = entries(section(configuration(text))).get('OAuth2Mode');
  // Client ID, secret and refresh token are only used in the APPLICATION flow: a file left on
  // SERVICE_ACCOUNT would ignore them. Missing, the mode is added (it is the library's default).
  const credentials = CREDENTIALS.some((f) => typeof changes[f] === 'string');
  if ((mode === undefined && fields.some((f) => typeof changes[f] === 'string')) || (credentials && mode !== 'APPLICATION')) {
    text = setKey(text, 'OAuth2Mode', 'APPLICATION', eol);
  }
  for (const field of fields) {
    const value = changes[field];
    if (value === null) text = removeKey(text, KEYS[field]);
    else if (value !== undefined) text = setKey(text, KEYS[field], value, eol);
  }
  return text;
}

function newFile(changes: ConfigChanges, eol = '\n'): string {
  const add = (key: string, value: string): string => `    ${addElement(key, value)}`;
  const v = (field: CredentialField): string => changes[field] ?? PLACEHOLDERS[field];
  return (
    [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<configuration>',
      '  <configSections>',
      `    <section name="${SECTION}" type="${HANDLER}" />`,
      '  </configSections>',
      `  <${SECTION}>`,
      '    <!-- Google Ads API client library for .NET settings (written by ads-oauth). See',
      '         https://developers.google.com/google-ads/api/docs/client-libs/dotnet/configuration -->',
      typeof changes.developerToken === 'string'
        ? add('DeveloperToken', v('developerToken'))
        : '    <!-- Optional since the developer token sunset (2026-09-09): <add key="DeveloperToken" value="INSERT_DEVELOPER_TOKEN_HERE" /> -->',
      typeof changes.loginCustomerId === 'string'
        ? add('LoginCustomerId', v('loginCustomerId'))
        : `    <!-- Manager accounts only: <add key="LoginCustomerId" value="INSERT_LOGIN_CUSTOMER_ID_HERE" /> -->`,
      add('OAuth2Mode', 'APPLICATION'),
      add('OAuth2ClientId', v('clientId')),
      add('OAuth2ClientSecret', v('clientSecret')),
      add('OAuth2RefreshToken', v('refreshToken')),
      `  </${SECTION}>`,
      '</configuration>',
    ].join(eol) + eol
  );
}

export const appconfigFormat: ConfigFormat = keyedFormat({
  id: 'appconfig',
  library: 'google-ads-dotnet',
  description: 'App.config / Web.config (<GoogleAdsApi> section) for the Google Ads API client library for .NET',
  docsUrl: 'https://developers.google.com/google-ads/api/docs/client-libs/dotnet/configuration',
  charset: { kind: 'xml', skipsBom: true },
  read,
  create: newFile,
  edit: (existing, changes) => update(existing, changes),
  keys: KEYS,
});
