import {
  appendLines,
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
 * Perl `googleads.properties` (google-ads-perl). The library's own reader
 * (`Google::Ads::GoogleAds::Client::__parse_properties_file`) skips lines matching `^#` or `^\s*$`
 * and splits every other line at its first `=`: no trimming, no escapes, no continuations. So a
 * value is written raw after `key=`, and any character but a line break round-trips.
 * (A CRLF file's `\r` is treated as part of the line ending here; Perl on Unix would keep it.)
 */
const KEYS: Record<CredentialField, string> = {
  clientId: 'clientId',
  clientSecret: 'clientSecret',
  refreshToken: 'refreshToken',
  developerToken: 'developerToken',
  loginCustomerId: 'loginCustomerId',
};
const FIELD_BY_KEY = new Map(Object.entries(KEYS).map(([field, key]) => [key, field as CredentialField]));

function scan(lines: Line[]): LineEntry[] {
  const entries: LineEntry[] = [];
  lines.forEach((line, index) => {
    if (line.text.startsWith('#') || /^\s*$/.test(line.text)) return;
    const eq = line.text.indexOf('=');
    const key = eq === -1 ? line.text : line.text.slice(0, eq);
    const field = FIELD_BY_KEY.get(key);
    if (!field) return;
    entries.push({ field, first: index, last: index, value: eq === -1 ? undefined : line.text.slice(eq + 1) });
  });
  return entries;
}

const format: LineFormat = {
  scan,
  replace: (_lines, entry, value) => [`${KEYS[entry.field]}=${value}`],
  insert(lines, field, value, anchor, eol) {
    const text = `${KEYS[field]}=${value}`;
    const template = findTemplate(lines, new RegExp(`^#\\s*${reEscape(KEYS[field])}=`));
    if (template !== undefined) return insertAt(lines, { after: template }, [text], eol);
    if (anchor) return insertAt(lines, anchor, [text], eol);
    appendLines(lines, [text], eol);
  },
};

function newFile(changes: ConfigChanges, eol = '\n'): string {
  const v = (field: CredentialField): string => changes[field] ?? PLACEHOLDERS[field];
  return (
    [
      '# Google Ads API client library for Perl configuration (written by ads-oauth).',
      '# See https://developers.google.com/google-ads/api/docs/client-libs/perl/configuration',
      '',
      '### Google Ads ###',
      '',
      ...commentLines('# ', developerTokenNote()),
      typeof changes.developerToken === 'string' ? `developerToken=${v('developerToken')}` : '# developerToken=INSERT_DEVELOPER_TOKEN_HERE',
      '',
      ...commentLines('# ', LOGIN_CUSTOMER_ID_NOTE),
      typeof changes.loginCustomerId === 'string'
        ? `loginCustomerId=${v('loginCustomerId')}`
        : '# loginCustomerId=INSERT_LOGIN_CUSTOMER_ID_HERE',
      '',
      '### OAuth2 ###',
      '',
      `clientId=${v('clientId')}`,
      `clientSecret=${v('clientSecret')}`,
      `refreshToken=${v('refreshToken')}`,
    ].join(eol) + eol
  );
}

export const perlFormat: ConfigFormat = keyedFormat({
  id: 'perl',
  library: 'google-ads-perl',
  description: 'googleads.properties for the Google Ads API client library for Perl',
  docsUrl: 'https://developers.google.com/google-ads/api/docs/client-libs/perl/configuration',
  charset: { kind: 'bytes', skipsBom: false },
  read(text: string): ConfigValues {
    // Perl assigns into a hash line by line: the last occurrence wins.
    return valuesOf(scan(splitLines(text)));
  },
  create: newFile,
  edit: (existing, changes) => editLines(format, existing, changes),
  keys: KEYS,
});
