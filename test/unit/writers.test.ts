import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { parse as parseProperties } from 'dot-properties';
import dotenv from 'dotenv';
import * as ini from 'ini';
import { parse as parseYaml } from 'yaml';
import { parseEnv } from 'node:util';
import { isAdsOAuthError } from '../../src/errors.js';
import {
  decodeConfig,
  defaultConfigPath,
  readConfigBytes,
  updateConfigBytes,
  detectFormat,
  FORMAT_IDS,
  getFormat,
  renderSnippet,
  resolveFormat,
  type ConfigChanges,
  type CredentialField,
  type FormatId,
} from '../../src/writers/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'writers');

const GOLDEN_CHANGES: Record<string, ConfigChanges> = {
  update: { clientId: 'new-id.apps.googleusercontent.com', clientSecret: 'GOCSPX-new secret#1', refreshToken: '1//0new-token' },
  insert: { clientSecret: 'GOCSPX-new', refreshToken: '1//0new-token', loginCustomerId: '9876543210' },
};

const toCrlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');

describe('golden files: only the managed keys change, byte for byte', () => {
  for (const id of FORMAT_IDS) {
    const dir = join(FIXTURES, id);
    for (const file of readdirSync(dir).filter((f) => f.includes('.before.'))) {
      const [kase] = file.split('.') as [string];
      const changes: ConfigChanges = { ...GOLDEN_CHANGES[kase] };
      if (id === 'adc') delete changes.loginCustomerId;
      const before = readFileSync(join(dir, file), 'utf8');
      const after = readFileSync(join(dir, file.replace('.before.', '.after.')), 'utf8');
      it(`${id}/${file} (LF)`, () => {
        assert.equal(getFormat(id).update(before, changes).text, after);
      });
      it(`${id}/${file} (CRLF)`, () => {
        const out = getFormat(id).update(toCrlf(before), changes).text;
        assert.equal(out, toCrlf(after));
        assert.doesNotMatch(out.replace(/\r\n/g, ''), /\n/, 'no bare LF in a CRLF file');
      });
      it(`${id}/${file} reads back the new values`, () => {
        const values = getFormat(id).read(after);
        for (const [field, value] of Object.entries(changes)) assert.equal(values[field as CredentialField], value);
      });
      it(`${id}/${file} is unchanged by an empty change set`, () => {
        assert.equal(getFormat(id).update(before, {}).text, before);
      });
    }
  }
});

/** Real parsers from npm, each returning the client secret as the library would see it. */
const REAL: Partial<Record<FormatId, (text: string) => string | undefined>> = {
  yaml: (t) => parseYaml(t, { version: '1.1' }).client_secret,
  java: (t) => parseProperties(t)['api.googleads.clientSecret'] as string | undefined,
  dotenv: (t) => {
    const a = dotenv.parse(t).GOOGLE_ADS_CLIENT_SECRET;
    assert.equal(parseEnv(t).GOOGLE_ADS_CLIENT_SECRET, a, 'node:util parseEnv agrees with dotenv');
    return a;
  },
  appsettings: (t) => JSON.parse(t).GoogleAdsApi.OAuth2ClientSecret,
  adc: (t) => JSON.parse(t).client_secret,
  appconfig: (t) => {
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      trimValues: false,
      parseAttributeValue: false,
      isArray: (n) => n === 'add',
    }).parse(t);
    const adds = doc.configuration.GoogleAdsApi.add as Array<{ key: string; value: string }>;
    return adds.filter((a) => a.key === 'OAuth2ClientSecret').pop()?.value;
  },
  php: (t) => {
    const section = ini.parse(t)['OAUTH2'] as Record<string, string>;
    return section['clientSecret'];
  },
};

const ADVERSARIAL = [
  'GOCSPX-AbC_dEf-123456789',
  '1//0gAbCdEfGhIjKlMnOpQrStUvWxYz-_0123456789',
  'with space',
  ' leading',
  'trailing ',
  '  both  ',
  'hash#inside',
  '#leading-hash',
  'a # spaced hash',
  'eq=uals',
  '=leading-eq',
  'colon:inside',
  ': leading colon',
  'back\\slash',
  'dollar$sign',
  '${HOME}',
  '$HOME',
  "single'quote",
  'double"quote',
  'back`tick',
  'ünïcødé-€-😀',
  'yes',
  'true',
  'null',
  '~',
  '0123',
  '1234567890',
  '1_000',
  '- dash',
  '{braces}',
  '[brackets]',
  ';semicolon',
  '!bang',
  '<&>',
  '&amp;',
  'a\\nb',
  '\\u0041',
];

/** Values a reader's dialect cannot represent at all (so the npm parser is not asked about them). */
function npmParserCanRead(id: FormatId, value: string): boolean {
  // The `ini` npm package is not PHP's parser: it trims, treats ;/# as comments and has no \$ escape.
  if (id === 'php') {
    if (/^(true|false|null|yes|no|on|off|none)$/i.test(value)) return false; // ini turns these into booleans even quoted
    return /^[A-Za-z0-9_./@:+-]+$/.test(value) || /^[^"\\$;#'=\s]+( [^"\\$;#'=\s]+)*$/.test(value);
  }
  return true;
}

describe('adversarial values round-trip exactly', () => {
  for (const id of FORMAT_IDS) {
    const format = getFormat(id);
    it(`${id}: new files and updates, through our reader and a real parser`, () => {
      for (const value of ADVERSARIAL) {
        let created: string;
        try {
          created = format.update(undefined, { clientId: 'id', clientSecret: value, refreshToken: 'tok' }).text;
        } catch (error) {
          // Only .env may refuse, and only for values no .env quoting can hold.
          assert.equal(id, 'dotenv', `${id} refused ${JSON.stringify(value)}`);
          assert.ok(isAdsOAuthError(error, 'CONFIG_WRITE'));
          assert.ok(!(error as Error).message.includes(value), 'the value is not in the message');
          continue;
        }
        assert.equal(format.read(created).clientSecret, value, `${id} new file: ${JSON.stringify(value)}`);
        const real = REAL[id];
        if (real && npmParserCanRead(id, value)) assert.equal(real(created), value, `${id} real parser: ${JSON.stringify(value)}`);
        // Updating an existing file with the same value again, and from another value.
        const updated = format.update(created, { clientSecret: `${value}x` }).text;
        assert.equal(format.read(updated).clientSecret, `${value}x`);
        const back = format.update(updated, { clientSecret: value }).text;
        assert.equal(format.read(back).clientSecret, value);
        if (real && npmParserCanRead(id, value))
          assert.equal(real(back), value, `${id} real parser after update: ${JSON.stringify(value)}`);
      }
    });
  }

  it('dotenv refuses values no quoting reads back the same everywhere, naming the key but not the value', () => {
    const f = getFormat('dotenv');
    // Both quote characters (backticks are not .env quoting for python-dotenv or shells), a quote
    // with a backslash, a single quote with $, and ${…}, which python-dotenv expands in any quoting.
    for (const bad of [`a'b"c\\d`, `a'b"c`, `it's $x`, '${HOME}', "'${X}'", 'x${']) {
      for (const existing of [undefined, 'GOOGLE_ADS_CLIENT_SECRET=`old`\n', "GOOGLE_ADS_CLIENT_SECRET='old'\n"]) {
        assert.throws(
          () => f.update(existing, { clientSecret: `SECRET-${bad}` }),
          (e) =>
            isAdsOAuthError(e, 'CONFIG_WRITE') &&
            /GOOGLE_ADS_CLIENT_SECRET/.test((e as Error).message) &&
            !(e as Error).message.includes('SECRET-'),
          JSON.stringify(bad),
        );
      }
    }
    for (const ok of ['a\\b', `it's`, 'say "$x"', '$HOME', 'a$ {b}'])
      assert.equal(f.read(f.update(undefined, { clientSecret: ok }).text).clientSecret, ok);
    // An existing backtick-quoted line is rewritten in a quoting python-dotenv understands.
    assert.equal(f.update('GOOGLE_ADS_CLIENT_SECRET=`old` # c\n', { clientSecret: 'a b' }).text, "GOOGLE_ADS_CLIENT_SECRET='a b' # c\n");
  });

  it('every format refuses line breaks and control characters, without echoing the value', () => {
    for (const id of FORMAT_IDS) {
      for (const bad of ['line\nbreak', 'cr\rhere', 'tab\there', 'nul\u0000']) {
        assert.throws(
          () => getFormat(id).update(undefined, { refreshToken: `SECRET-${bad}` }),
          (e) => isAdsOAuthError(e, 'CONFIG_WRITE') && !(e as Error).message.includes('SECRET'),
          `${id} ${JSON.stringify(bad)}`,
        );
      }
    }
  });
});

describe('new files', () => {
  const values = { clientId: 'cid.apps.googleusercontent.com', clientSecret: 'GOCSPX-s', refreshToken: '1//0tok' };
  // Developer tokens were sunset on 2026-09-09: the key is optional (commented out) and never
  // "still to fill in". Before, every new file carried INSERT_DEVELOPER_TOKEN_HERE and named it.
  const devTokenKey: Record<FormatId, string | undefined> = {
    yaml: 'developer_token',
    java: 'api.googleads.developerToken',
    php: 'developerToken',
    ruby: 'c.developer_token',
    perl: 'developerToken',
    dotenv: 'GOOGLE_ADS_DEVELOPER_TOKEN',
    appsettings: 'GoogleAdsApi:DeveloperToken',
    appconfig: 'DeveloperToken',
    adc: undefined,
  };
  for (const id of FORMAT_IDS) {
    it(`${id}: minimal valid file, nothing left to fill in, no developer token required`, () => {
      const { text, placeholders } = getFormat(id).update(undefined, values);
      assert.deepEqual(placeholders, []);
      const read = getFormat(id).read(text);
      for (const [k, v] of Object.entries(values)) assert.equal(read[k as CredentialField], v);
      assert.equal(read.developerToken, undefined, 'the developer token is not set (the API ignores it)');
      assert.equal(read.loginCustomerId, undefined, 'no login customer ID placeholder the library would reject');
      assert.equal(renderSnippet(id, values), text);
      if (id === 'adc') return;
      assert.equal(getFormat(id).keyFor('developerToken'), devTokenKey[id]);
      // A developer token given is written and read back; still nothing to fill in.
      const withToken = getFormat(id).update(undefined, { ...values, developerToken: 'dev' });
      assert.deepEqual(withToken.placeholders, []);
      assert.equal(getFormat(id).read(withToken.text).developerToken, 'dev');
      // Set later into a new file, it lands readable (at the commented template where there is one).
      const later = getFormat(id).update(text, { developerToken: 'dev2' }).text;
      assert.equal(getFormat(id).read(later).developerToken, 'dev2');
    });
  }

  it('a leftover INSERT_DEVELOPER_TOKEN_HERE in an existing file is not reported as still to fill in', () => {
    const f = getFormat('yaml');
    const out = f.update('developer_token: INSERT_DEVELOPER_TOKEN_HERE\nlogin_customer_id: INSERT_LOGIN_CUSTOMER_ID_HERE\n', {
      refreshToken: 't',
    });
    assert.deepEqual(out.placeholders, ['login_customer_id']);
  });

  it('real parsers accept every new file', () => {
    const y = parseYaml(renderSnippet('yaml', values), { version: '1.1' });
    assert.equal(y.use_proto_plus, true);
    assert.equal(parseProperties(renderSnippet('java', values))['api.googleads.refreshToken'], '1//0tok');
    assert.equal((ini.parse(renderSnippet('php', values))['OAUTH2'] as Record<string, string>)['refreshToken'], '1//0tok');
    assert.equal(dotenv.parse(renderSnippet('dotenv', values)).GOOGLE_ADS_REFRESH_TOKEN, '1//0tok');
    assert.equal(JSON.parse(renderSnippet('appsettings', values)).GoogleAdsApi.OAuth2Mode, 'APPLICATION');
    assert.equal(JSON.parse(renderSnippet('adc', values)).type, 'authorized_user');
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(renderSnippet('appconfig', values));
    assert.equal(xml.configuration.configSections.section.name, 'GoogleAdsApi');
  });

  it('adc has no developer token or login customer ID key', () => {
    assert.throws(
      () => getFormat('adc').keyFor('developerToken'),
      (e) => isAdsOAuthError(e, 'USAGE'),
    );
    assert.throws(
      () => getFormat('adc').update(undefined, { loginCustomerId: '1234567890' }),
      (e) => isAdsOAuthError(e, 'USAGE'),
    );
    assert.equal(getFormat('java').keyFor('loginCustomerId'), 'api.googleads.loginCustomerId');
  });
});

describe('removing keys (null)', () => {
  for (const id of FORMAT_IDS) {
    it(`${id}: removes the refresh token and keeps the rest`, () => {
      const file = readdirSync(join(FIXTURES, id)).find((f) => f.startsWith('update.after.'))!;
      const text = readFileSync(join(FIXTURES, id, file), 'utf8');
      const out = getFormat(id).update(text, { refreshToken: null });
      const values = getFormat(id).read(out.text);
      assert.equal(values.refreshToken, undefined);
      assert.equal(values.clientId, 'new-id.apps.googleusercontent.com');
      assert.equal(values.clientSecret, 'GOCSPX-new secret#1');
      assert.ok(!out.text.includes('1//0new-token'));
      // Putting it back restores a readable file.
      assert.equal(getFormat(id).read(getFormat(id).update(out.text, { refreshToken: 'again' }).text).refreshToken, 'again');
    });
  }
});

describe('unparsable files are CONFIG errors that never quote the file', () => {
  const broken: Record<FormatId, string> = {
    yaml: 'client_secret: SECRET-1\n  bad: [indent\n',
    java: 'api.googleads.clientSecret=SECRET-1\\uZZZZ\n',
    php: '[OAUTH2\nclientSecret = "SECRET-1"\n',
    ruby: 'client_secret = "SECRET-1"\n',
    perl: '', // everything parses for Perl
    dotenv: '', // dotenv parsers accept anything
    appsettings: '{ "GoogleAdsApi": { "OAuth2ClientSecret": "SECRET-1", } ',
    appconfig: '<configuration><GoogleAdsApi><add key="OAuth2ClientSecret" value="SECRET-1"></GoogleAdsApi></configuration>',
    adc: '{ "client_secret": "SECRET-1", // comment\n}',
  };
  for (const id of FORMAT_IDS) {
    if (!broken[id]) continue;
    it(id, () => {
      for (const call of [() => getFormat(id).read(broken[id]), () => getFormat(id).update(broken[id], { refreshToken: 'SECRET-2' })]) {
        assert.throws(call, (e) => isAdsOAuthError(e, 'CONFIG') && !(e as Error).message.includes('SECRET'));
      }
    });
  }

  it('ruby: an expression-valued key is reported, not overwritten', () => {
    const text = "Google::Ads::GoogleAds::Config.new do |c|\n  c.refresh_token = ENV.fetch('TOKEN')\nend\n";
    assert.equal(getFormat('ruby').read(text).refreshToken, undefined);
    assert.throws(
      () => getFormat('ruby').update(text, { refreshToken: 'x' }),
      (e) => isAdsOAuthError(e, 'CONFIG'),
    );
  });

  it('adc: refuses to add user credentials to a service-account key', () => {
    assert.throws(
      () => getFormat('adc').update('{"type": "service_account"}', { refreshToken: 'x' }),
      (e) => isAdsOAuthError(e, 'CONFIG'),
    );
  });
});

describe('format detection and defaults', () => {
  it('detects by exact name, then by extension', () => {
    const cases: Array<[string, FormatId | undefined]> = [
      ['/home/u/google-ads.yaml', 'yaml'],
      ['ads.properties', 'java'],
      ['C:\\Users\\u\\google_ads_php.ini', 'php'],
      ['google_ads_config.rb', 'ruby'],
      ['/x/googleads.properties', 'perl'],
      ['.env', 'dotenv'],
      ['appsettings.json', 'appsettings'],
      ['appsettings.Development.json', 'appsettings'],
      ['App.config', 'appconfig'],
      ['Web.config', 'appconfig'],
      ['other.yml', 'yaml'],
      ['my.properties', 'java'],
      ['settings.ini', 'php'],
      ['conf.rb', 'ruby'],
      ['prod.env', 'dotenv'],
      ['credentials.json', undefined],
      ['.env.local', undefined],
      ['config', undefined],
    ];
    for (const [path, id] of cases) assert.equal(detectFormat(path), id, path);
  });

  it('resolveFormat: explicit wins, unknown and undetectable are USAGE errors naming the valid ids', () => {
    assert.equal(resolveFormat('google-ads.yaml', 'java').id, 'java');
    assert.equal(resolveFormat('creds.json', 'adc').id, 'adc');
    assert.throws(
      () => resolveFormat('creds.json'),
      (e) => isAdsOAuthError(e, 'USAGE') && /--format/.test((e as Error).message) && /appsettings/.test((e as Error).message),
    );
    assert.throws(
      () => getFormat('toml'),
      (e) => isAdsOAuthError(e, 'USAGE') && /yaml, java, php/.test((e as Error).message),
    );
  });

  it('defaultConfigPath honours GOOGLE_ADS_CONFIGURATION_FILE_PATH, else ~/google-ads.yaml', () => {
    assert.equal(defaultConfigPath({}, '/home/u'), '/home/u/google-ads.yaml');
    assert.equal(defaultConfigPath({}, '/home/u/'), '/home/u/google-ads.yaml');
    assert.equal(defaultConfigPath({ GOOGLE_ADS_CONFIGURATION_FILE_PATH: '/etc/ads.yaml' }, '/home/u'), '/etc/ads.yaml');
    assert.equal(
      defaultConfigPath({ GOOGLE_ADS_CONFIGURATION_FILE_PATH: '~/cfg/ads.properties' }, '/home/u'),
      '/home/u/cfg/ads.properties',
    );
    assert.equal(defaultConfigPath({ GOOGLE_ADS_CONFIGURATION_FILE_PATH: '  ' }, '/home/u'), '/home/u/google-ads.yaml');
    assert.equal(defaultConfigPath({}, 'C:\\Users\\u'), 'C:\\Users\\u\\google-ads.yaml');
  });
});

describe('yaml specifics', () => {
  it('keeps comments, spacing and quoting byte for byte when editing through the Document API', () => {
    const text = 'a:    1   # spaced\nclient_id:   "x"   # keep\nlist: [1, 2]\n';
    assert.equal(getFormat('yaml').update(text, { clientId: 'y' }).text, 'a:    1   # spaced\nclient_id:   "y"   # keep\nlist: [1, 2]\n');
  });

  it('quotes YAML 1.1 look-alikes so PyYAML reads strings', () => {
    const out = getFormat('yaml').update('client_secret: x\n', { clientSecret: 'on', loginCustomerId: '0123' }).text;
    const parsed = parseYaml(out, { version: '1.1' });
    assert.equal(parsed.client_secret, 'on');
    assert.equal(parsed.login_customer_id, '0123');
  });

  it('handles an empty file and a comment-only file', () => {
    assert.equal(getFormat('yaml').update('', { refreshToken: 't' }).text, 'refresh_token: t\n');
    assert.equal(getFormat('yaml').update('# only a comment', { refreshToken: 't' }).text, '# only a comment\nrefresh_token: t\n');
  });

  it('falls back to the Document API for a flow mapping', () => {
    const out = getFormat('yaml').update('{client_id: a, other: b}\n', { clientId: 'z' }).text;
    assert.deepEqual(parseYaml(out), { client_id: 'z', other: 'b' });
  });
});

describe('dotenv specifics', () => {
  it('keeps a comment after the value separated by whitespace (python-dotenv and shells need it)', () => {
    const f = getFormat('dotenv');
    const before = [
      'GOOGLE_ADS_CLIENT_ID=  # paste client id',
      'GOOGLE_ADS_CLIENT_SECRET=old#x',
      'GOOGLE_ADS_REFRESH_TOKEN= # fill me',
      "GOOGLE_ADS_DEVELOPER_TOKEN='old'# glued",
      'GOOGLE_ADS_LOGIN_CUSTOMER_ID=\t# tab',
      '',
    ].join('\n');
    const out = f.update(before, {
      clientId: 'cid',
      clientSecret: 'sec',
      refreshToken: '1//tok',
      developerToken: 'dev',
      loginCustomerId: '1234567890',
    }).text;
    assert.equal(
      out,
      [
        'GOOGLE_ADS_CLIENT_ID=cid  # paste client id',
        'GOOGLE_ADS_CLIENT_SECRET=sec #x',
        'GOOGLE_ADS_REFRESH_TOKEN=1//tok # fill me',
        "GOOGLE_ADS_DEVELOPER_TOKEN='dev' # glued",
        'GOOGLE_ADS_LOGIN_CUSTOMER_ID=1234567890\t# tab',
        '',
      ].join('\n'),
    );
    assert.deepEqual(dotenv.parse(out), {
      GOOGLE_ADS_CLIENT_ID: 'cid',
      GOOGLE_ADS_CLIENT_SECRET: 'sec',
      GOOGLE_ADS_REFRESH_TOKEN: '1//tok',
      GOOGLE_ADS_DEVELOPER_TOKEN: 'dev',
      GOOGLE_ADS_LOGIN_CUSTOMER_ID: '1234567890',
    });
  });

  it('quotes ~, which a shell expands in an assignment', () => {
    assert.equal(getFormat('dotenv').update('GOOGLE_ADS_CLIENT_SECRET=x\n', { clientSecret: '~' }).text, "GOOGLE_ADS_CLIENT_SECRET='~'\n");
  });
});

describe('.NET OAuth2Mode', () => {
  it('appsettings.json: writing credentials turns SERVICE_ACCOUNT into APPLICATION, changing only that value', () => {
    const before = '{\n  "GoogleAdsApi": {\n    "OAuth2Mode": "SERVICE_ACCOUNT", // was\n    "OAuth2RefreshToken": "old"\n  }\n}\n';
    const f = getFormat('appsettings');
    assert.equal(
      f.update(before, { refreshToken: 'new' }).text,
      '{\n  "GoogleAdsApi": {\n    "OAuth2Mode": "APPLICATION", // was\n    "OAuth2RefreshToken": "new"\n  }\n}\n',
    );
    // A developer token alone is no reason to switch flows.
    assert.equal(f.update(before, { developerToken: 'd' }).text.includes('"SERVICE_ACCOUNT"'), true);
  });

  it('App.config: writing credentials turns SERVICE_ACCOUNT into APPLICATION, changing only that value', () => {
    const before = [
      '<configuration>',
      '  <GoogleAdsApi>',
      "    <add key='OAuth2Mode' value='SERVICE_ACCOUNT'/>",
      '    <add key="OAuth2ClientId" value="old"/>',
      '  </GoogleAdsApi>',
      '</configuration>',
      '',
    ].join('\n');
    const f = getFormat('appconfig');
    assert.equal(
      f.update(before, { clientId: 'new' }).text,
      before.replace("'SERVICE_ACCOUNT'", "'APPLICATION'").replace('"old"', '"new"'),
    );
    assert.equal(f.update(before, { loginCustomerId: '1234567890' }).text.includes("value='SERVICE_ACCOUNT'"), true);
  });
});

describe('appsettings.json: names match ignoring case, as in .NET configuration', () => {
  it('updates a differently-cased section and key in place instead of adding duplicates .NET rejects', () => {
    const before = '{\n  "googleAdsApi": {\n    "oauth2RefreshToken": "old",\n    "oauth2mode": "APPLICATION"\n  }\n}\n';
    const f = getFormat('appsettings');
    assert.equal(f.read(before).refreshToken, 'old');
    const out = f.update(before, { refreshToken: 'new' }).text;
    assert.equal(out, before.replace('"old"', '"new"'));
    assert.equal(f.read(out).refreshToken, 'new');
  });

  it('reads and writes across sections .NET merges, adding a missing key to the last one', () => {
    const before = '{"GoogleAdsApi": {"OAuth2ClientId": "a"}, "GOOGLEADSAPI": {"DeveloperToken": "d"}}';
    const f = getFormat('appsettings');
    assert.deepEqual(f.read(before), { clientId: 'a', developerToken: 'd' });
    const out = f.update(before, { clientId: 'b', refreshToken: 'r' }).text;
    assert.equal(
      out,
      '{"GoogleAdsApi": {"OAuth2ClientId": "b"}, "GOOGLEADSAPI": {"DeveloperToken": "d", "OAuth2Mode": "APPLICATION", "OAuth2RefreshToken": "r"}}',
    );
    const removed = f.update(out, { clientId: null }).text;
    assert.equal(f.read(removed).clientId, undefined);
  });

  it('adc stays case-sensitive (google-auth-library reads exact JSON names)', () => {
    assert.deepEqual(getFormat('adc').read('{"type": "authorized_user", "Client_Id": "x"}'), {});
  });
});

describe('php specifics', () => {
  it('never writes a bare value, which INI_SCANNER_TYPED would read as a constant, keyword or number', () => {
    const f = getFormat('php');
    const out = f.update('[OAUTH2]\nclientId = abc\nclientSecret = old ; c\nrefreshToken=old\n', {
      clientId: 'E_ALL',
      clientSecret: 'PHP_OS',
      refreshToken: 'tok',
    }).text;
    assert.equal(out, '[OAUTH2]\nclientId = "E_ALL"\nclientSecret = "PHP_OS" ; c\nrefreshToken="tok"\n');
    // A single-quoted (raw) value keeps its quotes.
    assert.equal(f.update("[OAUTH2]\nclientId = 'x'\n", { clientId: 'M_PI' }).text, "[OAUTH2]\nclientId = 'M_PI'\n");
  });

  it('reads and writes only the last of same-named sections, which replaces the earlier ones in PHP', () => {
    const f = getFormat('php');
    const before = '[OAUTH2]\nrefreshToken = "a"\nclientId = "dead"\n[X]\ny=1\n[OAUTH2]\nrefreshToken = "b"\n';
    assert.deepEqual(f.read(before), { refreshToken: 'b' });
    assert.equal(
      f.update(before, { clientId: 'C', refreshToken: 'R' }).text,
      '[OAUTH2]\nrefreshToken = "a"\nclientId = "dead"\n[X]\ny=1\n[OAUTH2]\nclientId = "C"\nrefreshToken = "R"\n',
    );
  });

  it('matches section names exactly as PHP does', () => {
    const f = getFormat('php');
    for (const header of ['[ OAUTH2 ]', '[oauth2]', '[OAUTH2 ]']) {
      const before = `${header}\nclientId = "a"\n`;
      assert.deepEqual(f.read(before), {}, header);
      assert.equal(f.update(before, { clientId: 'C' }).text, `${before}\n[OAUTH2]\nclientId = "C"\n`, header);
    }
    for (const header of ['["OAUTH2"]', '[ "OAUTH2" ]', "['OAUTH2']"])
      assert.deepEqual(f.read(`${header}\nclientId = "a"\n`), { clientId: 'a' }, header);
    assert.throws(
      () => f.read('[OAU"TH"2]\nclientId = "a"\n'),
      (e) => isAdsOAuthError(e, 'CONFIG'),
    );
  });
});

describe('App.config errors never quote the file', () => {
  it('an unknown entity is located by line and column, its name not shown', () => {
    const text =
      '<configuration>\n  <GoogleAdsApi>\n    <add key="OAuth2ClientSecret" value="GOCSPX-&verysecretentityname;x" />\n  </GoogleAdsApi>\n</configuration>\n';
    assert.throws(
      () => getFormat('appconfig').read(text),
      (e) =>
        isAdsOAuthError(e, 'CONFIG') &&
        !/verysecret|GOCSPX/.test((e as Error).message) &&
        /line 3, column 49/.test((e as Error).message) &&
        JSON.stringify((e as { details?: unknown }).details) === '{"line":3,"column":49}',
    );
    assert.throws(
      () => getFormat('appconfig').read('<configuration>\n<x>SECRET&partial</x></configuration>'),
      (e) => isAdsOAuthError(e, 'CONFIG') && !(e as Error).message.includes('partial') && /line 2, column 10/.test((e as Error).message),
    );
  });
});

describe('yaml block scalars', () => {
  const f = getFormat('yaml');
  const cases: Array<[string, string]> = [
    ['refresh_token: >\n  1//old\n\nlogging: x\n', 'refresh_token: 1//new\n\nlogging: x\n'],
    ['refresh_token: |\n  1//old\nclient_id: a\n', 'refresh_token: 1//new\nclient_id: a\n'],
    ['a: 1\nrefresh_token: |\n  1//old\n', 'a: 1\nrefresh_token: 1//new\n'],
    ['refresh_token: |\n  1//old\nother: |\n  keep\n\n', 'refresh_token: 1//new\nother: |\n  keep\n\n'],
    ['refresh_token: |+\n  1//old\n\n\nlogging: x\n', 'refresh_token: 1//new\n\n\nlogging: x\n'],
    ['refresh_token: >-  # note\n  1//old\n  more\n\n# c\nlogging: x\n', 'refresh_token: 1//new  # note\n\n# c\nlogging: x\n'],
    ['refresh_token: |\n\nlogging: x\n', 'refresh_token: 1//new\n\nlogging: x\n'],
    ['refresh_token: |  # empty\nlogging: x\n', 'refresh_token: 1//new  # empty\nlogging: x\n'],
    ['refresh_token: !!str |\r\n  1//old  \r\n\r\nx: 1\r\n', 'refresh_token: !!str 1//new\r\n\r\nx: 1\r\n'],
  ];
  for (const [before, after] of cases) {
    it(`replaces exactly the value: ${JSON.stringify(before)}`, () => {
      const out = f.update(before, { refreshToken: '1//new' }).text;
      assert.equal(out, after);
      assert.equal(parseYaml(out, { version: '1.1' }).refresh_token, '1//new');
    });
  }
});

describe('ruby: every header google-ads-ruby accepts', () => {
  // The library evals the file inside Google::Ads::GoogleAds::GoogleAdsClient#initialize, so every
  // constant path that resolves from there names Config, and the block variable is the user's choice.
  // Before, anything but `Google::Ads::GoogleAds::Config.new do |c|` was refused as not parseable.
  const headers = [
    'Google::Ads::GoogleAds::Config.new do |c|',
    '::Google::Ads::GoogleAds::Config.new do |c|',
    'GoogleAds::Config.new do |c|',
    'Ads::GoogleAds::Config.new do |config|',
    'Config.new do |cfg|',
    'Google::Ads::GoogleAds::Config.new() do |config|',
    'GoogleAds::Config::new do | _c |',
  ];
  const f = getFormat('ruby');
  for (const header of headers) {
    it(header, () => {
      const variable = /\|\s*(\w+)\s*\|/.exec(header)![1]!;
      const before = `# mine\n${header}\n  ${variable}.client_id = 'old'\n  ${variable}.developer_token = "dev"\nend\n`;
      assert.deepEqual(f.read(before), { clientId: 'old', developerToken: 'dev' });
      const out = f.update(before, { clientId: 'new', refreshToken: '1//tok' }).text;
      assert.equal(
        out,
        `# mine\n${header}\n  ${variable}.client_id = 'new'\n  ${variable}.refresh_token = '1//tok'\n  ${variable}.developer_token = "dev"\nend\n`,
      );
    });
  }

  it('a brace block, and names that only look alike, stay distinct', () => {
    assert.deepEqual(f.read("Config.new { |c|\n  c.refresh_token = 'r'\n}\n"), { refreshToken: 'r' });
    for (const wrong of ['MyConfig.new do |c|', 'Foo::Config.new do |c|', 'Google::Ads::Config.new do |c|', '# Config.new do |c|']) {
      assert.throws(
        () => f.read(`${wrong}\n  c.refresh_token = 'r'\nend\n`),
        (e) => isAdsOAuthError(e, 'CONFIG'),
        wrong,
      );
    }
  });
});

describe('encodings: bytes the tool does not manage stay byte for byte', () => {
  // Before, every file was read as UTF-8: each byte that is not UTF-8 became U+FFFD on the way out.
  const ENC = join(FIXTURES, 'encoding');
  const cases: Array<[string, FormatId, ConfigChanges]> = [
    ['java-latin1', 'java', { clientId: 'new-id', clientSecret: 'GOCSPX-café-€' }],
    ['appconfig-latin1', 'appconfig', { clientId: 'new-id', clientSecret: 'GOCSPX-café-€' }],
    ['appconfig-cp1252', 'appconfig', { clientId: 'new-id', clientSecret: 'GOCSPX-café-€-☃' }],
    ['php-8bit', 'php', { clientId: 'new-id', clientSecret: 'GOCSPX-new' }],
    ['perl-8bit', 'perl', { clientId: 'new-id', clientSecret: 'GOCSPX-new' }],
    ['dotenv-bom', 'dotenv', { clientId: 'new-id', clientSecret: 'GOCSPX-new', refreshToken: '1//new' }],
  ];
  for (const [name, id, changes] of cases) {
    it(`${name}: only the managed keys change`, () => {
      const file = readdirSync(ENC).find((f) => f.startsWith(`${name}.before.`))!;
      const before = readFileSync(join(ENC, file));
      const after = readFileSync(join(ENC, file.replace('.before.', '.after.')));
      const out = updateConfigBytes(getFormat(id), before, changes);
      assert.deepEqual(Buffer.from(out.bytes), after);
      assert.deepEqual(out.placeholders, []);
      const values = readConfigBytes(getFormat(id), out.bytes);
      for (const [field, value] of Object.entries(changes)) assert.equal(values[field as CredentialField], value, field);
      assert.deepEqual(Buffer.from(updateConfigBytes(getFormat(id), before, {}).bytes), before, 'no change, no byte changed');
    });
  }

  it('java: a value beyond Latin-1 is written as \\uXXXX, which Properties.load undoes', () => {
    const out = updateConfigBytes(getFormat('java'), undefined, { refreshToken: '1//😀' });
    assert.match(Buffer.from(out.bytes).toString('latin1'), /api\.googleads\.refreshToken=1\/\/\\uD83D\\uDE00/);
    assert.equal(readConfigBytes(getFormat('java'), out.bytes).refreshToken, '1//😀');
  });

  it('a file kept as raw bytes of an unknown encoding takes ASCII values only, naming the field', () => {
    const before = readFileSync(join(ENC, 'php-8bit.before.ini'));
    assert.throws(
      () => updateConfigBytes(getFormat('php'), before, { clientSecret: 'SECRET-café' }),
      (e) => isAdsOAuthError(e, 'CONFIG_WRITE') && /client secret/.test((e as Error).message) && !(e as Error).message.includes('SECRET'),
    );
    // A UTF-8 .ini takes any value, written as UTF-8.
    const utf8 = Buffer.from('; Réglages\n[OAUTH2]\nclientId = "a"\n', 'utf8');
    const out = updateConfigBytes(getFormat('php'), utf8, { clientSecret: 'café' });
    assert.equal(Buffer.from(out.bytes).toString('utf8'), '; Réglages\n[OAUTH2]\nclientId = "a"\nclientSecret = "café"\n');
  });

  it('formats whose library reads only UTF-8 refuse other bytes instead of destroying them', () => {
    for (const id of ['yaml', 'ruby', 'appsettings', 'adc'] as const) {
      const bytes = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
      assert.throws(
        () => decodeConfig(getFormat(id), bytes),
        (e) => isAdsOAuthError(e, 'CONFIG') && /not valid UTF-8 \(line 1, byte 6\)/.test((e as Error).message),
        id,
      );
    }
    const declared = Buffer.from('<?xml version="1.0" encoding="shift_jis"?><configuration/>');
    assert.throws(
      () => decodeConfig(getFormat('appconfig'), declared),
      (e) => isAdsOAuthError(e, 'CONFIG') && /shift_jis/.test((e as Error).message),
    );
  });

  it('App.config in UTF-16 (with its byte order mark) is read and written back in UTF-16', () => {
    const text =
      '<?xml version="1.0" encoding="utf-16"?>\r\n<configuration>\r\n  <GoogleAdsApi>\r\n    <add key="OAuth2ClientId" value="é" />\r\n  </GoogleAdsApi>\r\n</configuration>\r\n';
    const before = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const out = updateConfigBytes(getFormat('appconfig'), before, { clientId: 'ü' });
    const expected = text
      .replace('<GoogleAdsApi>\r\n', '<GoogleAdsApi>\r\n    <add key="OAuth2Mode" value="APPLICATION" />\r\n')
      .replace('value="é"', 'value="ü"');
    assert.deepEqual(Buffer.from(out.bytes), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(expected, 'utf16le')]));
  });
});

describe('a UTF-8 byte order mark stays at the start, and the key behind it is recognised', () => {
  // Before, a .env starting with BOM + managed key got new lines above it: the BOM moved inside the
  // file, where python-dotenv and shells read it as part of a key.
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
  const cases: Array<[FormatId, string, ConfigChanges, string]> = [
    [
      'dotenv',
      'GOOGLE_ADS_REFRESH_TOKEN=old\n',
      { clientId: 'cid', refreshToken: 'new' },
      'GOOGLE_ADS_CLIENT_ID=cid\nGOOGLE_ADS_REFRESH_TOKEN=new\n',
    ],
    ['yaml', 'refresh_token: old\n', { clientId: 'cid', refreshToken: 'new' }, 'client_id: cid\nrefresh_token: new\n'],
    ['php', '[OAUTH2]\nrefreshToken = "old"\n', { refreshToken: 'new' }, '[OAUTH2]\nrefreshToken = "new"\n'],
    [
      'ruby',
      "Config.new do |c|\n  c.refresh_token = 'old'\nend\n",
      { refreshToken: 'new' },
      "Config.new do |c|\n  c.refresh_token = 'new'\nend\n",
    ],
    [
      'appsettings',
      '{"GoogleAdsApi": {"OAuth2Mode": "APPLICATION", "OAuth2RefreshToken": "old"}}',
      { refreshToken: 'new' },
      '{"GoogleAdsApi": {"OAuth2Mode": "APPLICATION", "OAuth2RefreshToken": "new"}}',
    ],
    [
      'appconfig',
      '<configuration><GoogleAdsApi><add key="OAuth2Mode" value="APPLICATION"/><add key="OAuth2RefreshToken" value="old"/></GoogleAdsApi></configuration>',
      { refreshToken: 'new' },
      '<configuration><GoogleAdsApi><add key="OAuth2Mode" value="APPLICATION"/><add key="OAuth2RefreshToken" value="new"/></GoogleAdsApi></configuration>',
    ],
    [
      'adc',
      '{"type": "authorized_user", "refresh_token": "old"}',
      { refreshToken: 'new' },
      '{"type": "authorized_user", "refresh_token": "new"}',
    ],
  ];
  for (const [id, before, changes, after] of cases) {
    it(`${id}: bytes and text`, () => {
      const out = updateConfigBytes(getFormat(id), Buffer.concat([BOM, Buffer.from(before)]), changes);
      assert.deepEqual(Buffer.from(out.bytes).toString('latin1'), Buffer.concat([BOM, Buffer.from(after)]).toString('latin1'));
      assert.equal(readConfigBytes(getFormat(id), Buffer.concat([BOM, Buffer.from(before)])).refreshToken, 'old');
      // The text API (a string that starts with U+FEFF) does the same.
      assert.equal(getFormat(id).update(`\ufeff${before}`, changes).text, `\ufeff${after}`);
    });
  }

  it('java and perl read a BOM as part of the first line, as Properties.load and the Perl reader do', () => {
    for (const [id, before, key] of [
      ['java', 'api.googleads.refreshToken=old\n', 'api.googleads.refreshToken'],
      ['perl', 'refreshToken=old\n', 'refreshToken'],
    ] as const) {
      const bytes = Buffer.concat([BOM, Buffer.from(before)]);
      assert.equal(readConfigBytes(getFormat(id), bytes).refreshToken, undefined, `${id}: its library does not see that key`);
      const out = Buffer.from(updateConfigBytes(getFormat(id), bytes, { refreshToken: 'new' }).bytes);
      assert.deepEqual(out, Buffer.concat([BOM, Buffer.from(`${before}${key}=new\n`)]), id);
    }
  });
});
