import { AdsOAuthError } from '../errors.js';
import { insertMember, jsonString, lastMember, parseJson, removeMember, splice, type JsonNode } from './json.js';
import { changedFields, checkValues, detectEol, placeholderKeys, PLACEHOLDERS } from './text.js';
import { FIELD_LABELS, FIELD_ORDER, type ConfigChanges, type ConfigFormat, type ConfigValues, type CredentialField } from './types.js';

type ObjectNode = Extract<JsonNode, { type: 'object' }>;

interface JsonLayout {
  what: string;
  jsonc: boolean;
  keys: Partial<Record<CredentialField, string>>;
  /** The object holding the keys: the root, or a named section of it. */
  section?: string;
  /** Members the object must carry when credentials are written, added when missing. */
  required: ReadonlyArray<{ key: string; value: string; before: CredentialField }>;
  /** Rejects a file that is some other kind of JSON (e.g. a service-account key). */
  check?(object: ObjectNode): void;
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

function target(text: string, layout: JsonLayout): ObjectNode | undefined {
  const top = root(text, layout);
  if (!layout.section) return top;
  const member = lastMember(top, layout.section);
  if (!member) return undefined;
  if (member.value.type !== 'object') {
    throw new AdsOAuthError('CONFIG', `The ${layout.what} has a "${layout.section}" that is not an object.`);
  }
  return member.value;
}

function readJson(text: string, layout: JsonLayout): ConfigValues {
  const object = target(text, layout);
  const values: ConfigValues = {};
  if (!object) return values;
  for (const field of FIELD_ORDER) {
    const key = layout.keys[field];
    if (!key) continue;
    const member = lastMember(object, key);
    if (!member) continue;
    const value = asString(member.value, layout.what, key);
    if (value !== undefined) values[field] = value;
  }
  return values;
}

/** Where a missing key goes: after the nearest preceding managed key, else before the nearest following one. */
function positionFor(object: ObjectNode, keys: readonly string[], index: number): number {
  for (let i = index - 1; i >= 0; i--) {
    const at = object.members.map((m) => m.key).lastIndexOf(keys[i]!);
    if (at !== -1) return at + 1;
  }
  for (let i = index + 1; i < keys.length; i++) {
    const at = object.members.findIndex((m) => m.key === keys[i]);
    if (at !== -1) return at;
  }
  return object.members.length;
}

function setMember(text: string, layout: JsonLayout, key: string, value: string, order: readonly string[], eol: string): string {
  const object = target(text, layout)!;
  const existing = object.members.filter((m) => m.key === key);
  if (existing.length > 0) {
    for (const member of [...existing].reverse()) {
      const keepNumber = member.value.type === 'number' && /^\d+$/.test(value);
      text = splice(text, member.value.start, member.value.end, keepNumber ? value : jsonString(value));
    }
    return text;
  }
  return insertMember(text, object, key, () => jsonString(value), positionFor(object, order, order.indexOf(key)), eol);
}

function updateJson(existing: string, changes: ConfigChanges, layout: JsonLayout): string {
  const eol = detectEol(existing);
  let text = existing;
  root(text, layout);
  const writes = changedFields(changes).filter((f) => typeof changes[f] === 'string');
  if (writes.length > 0 && layout.section && !target(text, layout)) {
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
    for (const req of layout.required) {
      if (!lastMember(target(text, layout)!, req.key)) text = setMember(text, layout, req.key, req.value, order, eol);
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
        const object = target(text, layout);
        const index = object ? object.members.map((m) => m.key).lastIndexOf(key) : -1;
        if (!object || index === -1) break;
        text = removeMember(text, object, index);
      }
      continue;
    }
    if (value !== undefined) text = setMember(text, layout, key, value, order, eol);
  }
  return text;
}

function jsonFormat(
  meta: Pick<ConfigFormat, 'id' | 'library' | 'description' | 'docsUrl'>,
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
      if (!key) throw new AdsOAuthError('USAGE', `The ${meta.id} format has no key for the ${FIELD_LABELS[field]}.`, { details: { field } });
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
 * trailing commas are accepted, as .NET's JSON configuration provider accepts them.
 */
export const appsettingsFormat = jsonFormat(
  {
    id: 'appsettings',
    library: 'google-ads-dotnet',
    description: 'appsettings.json (GoogleAdsApi section) for the Google Ads API client library for .NET',
    docsUrl: 'https://developers.google.com/google-ads/api/docs/client-libs/dotnet/configuration',
  },
  {
    what: 'appsettings.json file',
    jsonc: true,
    keys: APPSETTINGS_KEYS,
    section: 'GoogleAdsApi',
    required: [{ key: 'OAuth2Mode', value: 'APPLICATION', before: 'clientId' }],
  },
  (changes) => {
    const section: Record<string, string> = { DeveloperToken: changes.developerToken ?? PLACEHOLDERS.developerToken };
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
  },
  {
    what: 'credentials JSON file',
    jsonc: false,
    keys: { clientId: 'client_id', clientSecret: 'client_secret', refreshToken: 'refresh_token' },
    required: [{ key: 'type', value: 'authorized_user', before: 'clientId' }],
    check(object) {
      const type = lastMember(object, 'type');
      if (type && !(type.value.type === 'string' && type.value.value === 'authorized_user')) {
        throw new AdsOAuthError('CONFIG', 'The credentials JSON file is not of type "authorized_user" (a service-account key or another kind); refusing to add user credentials to it.');
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
