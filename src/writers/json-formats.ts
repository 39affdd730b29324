import { AdsOAuthError } from '../errors.js';
import { insertMember, jsonString, lastMember, parseJson, removeMember, splice, type JsonMember, type JsonNode } from './json.js';
import { changedFields, checkValues, detectEol, placeholderKeys, PLACEHOLDERS } from './text.js';
import { FIELD_LABELS, FIELD_ORDER, type ConfigChanges, type ConfigFormat, type ConfigValues, type CredentialField } from './types.js';

type ObjectNode = Extract<JsonNode, { type: 'object' }>;

interface JsonLayout {
  what: string;
  jsonc: boolean;
  keys: Partial<Record<CredentialField, string>>;
  /** The object holding the keys: the root, or a named section of it. */
  section?: string;
  /**
   * Section and key names match ignoring case, as .NET's configuration does (appsettings.json):
   * same-named sections merge, and a key found twice is an error there.
   */
  caseInsensitive?: boolean;
  /**
   * Members the object must carry when credentials are written: added when missing; when the client
   * ID, secret or refresh token is written, also set to `value` when they hold something else.
   */
  required: ReadonlyArray<{ key: string; value: string; before: CredentialField }>;
  /** Rejects a file that is some other kind of JSON (e.g. a service-account key). */
  check?(object: ObjectNode): void;
}

/** The fields that only the OAuth2 application flow uses. */
const CREDENTIALS: readonly CredentialField[] = ['clientId', 'clientSecret', 'refreshToken'];

/** .NET's OrdinalIgnoreCase, as far as it goes for these keys: compare the simple upper-case forms. */
function fold(key: string): string {
  let out = '';
  for (const c of key) {
    const upper = c.toUpperCase();
    out += upper.length === 1 ? upper : c;
  }
  return out;
}

function sameKey(layout: JsonLayout, a: string, b: string): boolean {
  return layout.caseInsensitive ? fold(a) === fold(b) : a === b;
}

function asString(node: JsonNode, what: string, key: string): string | undefined {
  if (node.type === 'string') return node.value;
  if (node.type === 'number') return node.raw;
  if (node.type === 'null') return undefined;
  throw new AdsOAuthError('CONFIG', `The ${what} has a non-string value for ${key}.`, { details: { key } });
}

function root(text: string, layout: JsonLayout): ObjectNode {
  const node = parseJson(text, { jsonc: layout.jsonc, what: layout.what });
  if (node.type !== 'object') throw new AdsOAuthError('CONFIG', `The ${layout.what} is not a JSON object.`);
  layout.check?.(node);
  return node;
}

/**
 * The objects holding the keys, in file order: the root, or every member of the root named like the
 * section (one, unless .NET merges several differently-cased ones). Empty when there is none.
 */
function targets(text: string, layout: JsonLayout): ObjectNode[] {
  const top = root(text, layout);
  if (!layout.section) return [top];
  const found: ObjectNode[] = [];
  for (const member of top.members) {
    if (!sameKey(layout, member.key, layout.section)) continue;
    if (member.value.type !== 'object') {
      throw new AdsOAuthError('CONFIG', `The ${layout.what} has a "${layout.section}" that is not an object.`);
    }
    found.push(member.value);
  }
  // JSON.parse (ADC) lets the last duplicate win; .NET merges all of them.
  return layout.caseInsensitive ? found : found.slice(-1);
}

/** Every member named `key` in the target objects, in file order. */
function membersNamed(text: string, layout: JsonLayout, key: string): JsonMember[] {
  return targets(text, layout).flatMap((object) => object.members.filter((m) => sameKey(layout, m.key, key)));
}

function readJson(text: string, layout: JsonLayout): ConfigValues {
  const values: ConfigValues = {};
  for (const field of FIELD_ORDER) {
    const key = layout.keys[field];
    if (!key) continue;
    const member = membersNamed(text, layout, key).pop();
    if (!member) continue;
    const value = asString(member.value, layout.what, key);
    if (value !== undefined) values[field] = value;
  }
  return values;
}

/** Where a missing key goes: after the nearest preceding managed key, else before the nearest following one. */
function positionFor(object: ObjectNode, layout: JsonLayout, keys: readonly string[], index: number): number {
  const at = (key: string, last: boolean): number => {
    const names = object.members.map((m) => sameKey(layout, m.key, key));
    return last ? names.lastIndexOf(true) : names.indexOf(true);
  };
  for (let i = index - 1; i >= 0; i--) {
    const found = at(keys[i]!, true);
    if (found !== -1) return found + 1;
  }
  for (let i = index + 1; i < keys.length; i++) {
    const found = at(keys[i]!, false);
    if (found !== -1) return found;
  }
  return object.members.length;
}

function setMember(text: string, layout: JsonLayout, key: string, value: string, order: readonly string[], eol: string): string {
  const existing = membersNamed(text, layout, key);
  if (existing.length > 0) {
    // Every occurrence (offsets descending, so earlier ones stay valid) keeps its own key spelling.
    for (const member of [...existing].reverse()) {
      const keepNumber = member.value.type === 'number' && /^\d+$/.test(value);
      text = splice(text, member.value.start, member.value.end, keepNumber ? value : jsonString(value));
    }
    return text;
  }
  const object = targets(text, layout).pop()!;
  return insertMember(text, object, key, () => jsonString(value), positionFor(object, layout, order, order.indexOf(key)), eol);
}

function updateJson(existing: string, changes: ConfigChanges, layout: JsonLayout): string {
  const eol = detectEol(existing);
  let text = existing;
  root(text, layout);
  const writes = changedFields(changes).filter((f) => typeof changes[f] === 'string');
  if (writes.length > 0 && layout.section && targets(text, layout).length === 0) {
    const top = root(text, layout);
    text = insertMember(text, top, layout.section, () => '{}', top.members.length, eol);
  }
  // Order of keys for placement: required members, then managed keys in field order.
  const order: string[] = [];
  for (const field of FIELD_ORDER) {
    for (const req of layout.required) if (req.before === field) order.push(req.key);
    const key = layout.keys[field];
    if (key) order.push(key);
  }
  if (writes.length > 0) {
    const credentials = writes.some((f) => CREDENTIALS.includes(f));
    for (const req of layout.required) {
      const current = membersNamed(text, layout, req.key);
      const wrong = current.some((m) => !(m.value.type === 'string' && m.value.value === req.value));
      if (current.length === 0 || (credentials && wrong)) text = setMember(text, layout, req.key, req.value, order, eol);
    }
  }
  for (const field of changedFields(changes)) {
    const key = layout.keys[field];
    const value = changes[field];
    if (!key) {
      if (value === null) continue;
      throw new AdsOAuthError('USAGE', `The ${layout.what} has no place for a ${FIELD_LABELS[field]}.`, { details: { field } });
    }
    if (value === null) {
      for (;;) {
        const object = targets(text, layout).find((o) => o.members.some((m) => sameKey(layout, m.key, key)));
        if (!object) break;
        const index = object.members.map((m) => sameKey(layout, m.key, key)).lastIndexOf(true);
        text = removeMember(text, object, index);
      }
      continue;
    }
    if (value !== undefined) text = setMember(text, layout, key, value, order, eol);
  }
  return text;
}

function jsonFormat(
  meta: Pick<ConfigFormat, 'id' | 'library' | 'description' | 'docsUrl' | 'charset'>,
  layout: JsonLayout,
  newFile: (changes: ConfigChanges) => string,
): ConfigFormat {
  const format: ConfigFormat = {
    ...meta,
    read: (text) => readJson(text, layout),
    update(existing, changes) {
      checkValues(changes);
      for (const field of changedFields(changes)) {
        if (!layout.keys[field] && typeof changes[field] === 'string') {
          throw new AdsOAuthError('USAGE', `The ${meta.id} format has no key for the ${FIELD_LABELS[field]}.`, { details: { field } });
        }
      }
      const text = existing === undefined ? newFile(changes) : updateJson(existing, changes, layout);
      const fields = FIELD_ORDER.filter((f) => layout.keys[f]);
      return { text, placeholders: placeholderKeys(readJson(text, layout), (f) => format.keyFor(f), fields) };
    },
    keyFor(field) {
      const key = layout.keys[field];
      if (!key)
        throw new AdsOAuthError('USAGE', `The ${meta.id} format has no key for the ${FIELD_LABELS[field]}.`, { details: { field } });
      return layout.section ? `${layout.section}:${key}` : key;
    },
  };
  return format;
}

const APPSETTINGS_KEYS: Record<CredentialField, string> = {
  developerToken: 'DeveloperToken',
  loginCustomerId: 'LoginCustomerId',
  clientId: 'OAuth2ClientId',
  clientSecret: 'OAuth2ClientSecret',
  refreshToken: 'OAuth2RefreshToken',
};

/**
 * .NET `appsettings.json` (google-ads-dotnet with Microsoft.Extensions.Configuration): a
 * `GoogleAdsApi` section with `OAuth2Mode: "APPLICATION"` and the `OAuth2*` keys. Comments and
 * trailing commas are accepted, as .NET's JSON configuration provider accepts them; section and key
 * names match ignoring case, as .NET's configuration keys do (an existing `googleAdsApi` /
 * `oauth2RefreshToken` is updated in place, never duplicated, which .NET would reject). Writing the
 * client ID, secret or refresh token also sets `OAuth2Mode` to `APPLICATION`.
 */
export const appsettingsFormat = jsonFormat(
  {
    id: 'appsettings',
    library: 'google-ads-dotnet',
    description: 'appsettings.json (GoogleAdsApi section) for the Google Ads API client library for .NET',
    docsUrl: 'https://developers.google.com/google-ads/api/docs/client-libs/dotnet/configuration',
    charset: { kind: 'utf-8', skipsBom: true },
  },
  {
    what: 'appsettings.json file',
    jsonc: true,
    keys: APPSETTINGS_KEYS,
    section: 'GoogleAdsApi',
    caseInsensitive: true,
    required: [{ key: 'OAuth2Mode', value: 'APPLICATION', before: 'clientId' }],
  },
  (changes) => {
    // No DeveloperToken unless given: optional since the 2026-09-09 sunset (strict JSON has no comments to hint at it).
    const section: Record<string, string> = {};
    if (typeof changes.developerToken === 'string') section['DeveloperToken'] = changes.developerToken;
    if (typeof changes.loginCustomerId === 'string') section['LoginCustomerId'] = changes.loginCustomerId;
    section['OAuth2Mode'] = 'APPLICATION';
    section['OAuth2ClientId'] = changes.clientId ?? PLACEHOLDERS.clientId;
    section['OAuth2ClientSecret'] = changes.clientSecret ?? PLACEHOLDERS.clientSecret;
    section['OAuth2RefreshToken'] = changes.refreshToken ?? PLACEHOLDERS.refreshToken;
    return `${JSON.stringify({ GoogleAdsApi: section }, null, 2)}\n`;
  },
);

/**
 * Application Default Credentials for a user (`authorized_user`), as written by
 * `gcloud auth application-default login` and read by google-auth-library (strict JSON).
 * It carries no developer token or login customer ID.
 */
export const adcFormat = jsonFormat(
  {
    id: 'adc',
    library: 'google-auth-library / gcloud',
    description: 'Application Default Credentials file of type authorized_user',
    docsUrl: 'https://cloud.google.com/docs/authentication/application-default-credentials',
    charset: { kind: 'utf-8', skipsBom: true },
  },
  {
    what: 'credentials JSON file',
    jsonc: false,
    keys: { clientId: 'client_id', clientSecret: 'client_secret', refreshToken: 'refresh_token' },
    required: [{ key: 'type', value: 'authorized_user', before: 'clientId' }],
    check(object) {
      const type = lastMember(object, 'type');
      if (type && !(type.value.type === 'string' && type.value.value === 'authorized_user')) {
        throw new AdsOAuthError(
          'CONFIG',
          'The credentials JSON file is not of type "authorized_user" (a service-account key or another kind); refusing to add user credentials to it.',
        );
      }
    },
  },
  (changes) =>
    `${JSON.stringify(
      {
        type: 'authorized_user',
        client_id: changes.clientId ?? PLACEHOLDERS.clientId,
        client_secret: changes.clientSecret ?? PLACEHOLDERS.clientSecret,
        refresh_token: changes.refreshToken ?? PLACEHOLDERS.refreshToken,
      },
      null,
      2,
    )}\n`,
);
