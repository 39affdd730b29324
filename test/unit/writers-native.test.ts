/**
 * Conformance with the client libraries' own parsers, run where their runtimes exist on the
 * machine (each check is skipped otherwise): PyYAML's safe_load (google-ads-python), PHP's
 * parse_ini_file with INI_SCANNER_TYPED (google-ads-php), Ruby's eval of the config block
 * (google-ads-ruby), java.util.Properties.load from an InputStream (google-ads-java), and the
 * split-at-first-= reader of google-ads-perl, and python-dotenv for .env files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAdsOAuthError } from '../../src/errors.js';
import { getFormat, readConfigBytes, updateConfigBytes, type ConfigChanges, type FormatId } from '../../src/writers/index.js';

const VALUES = [
  'GOCSPX-AbC_dEf-123456789',
  '1//0gAbCdEfGhIjKlMnOpQrStUvWxYz-_0123456789',
  `a'b"c\\d$e#f=g:h i`,
  ' leading',
  'trailing ',
  '#start',
  '=eq',
  ':colon',
  '!bang',
  '\\',
  "\\\\'",
  '${HOME}',
  '$HOME',
  'true',
  'yes',
  'off',
  '0123',
  '1234567890',
  '0x1F',
  '1_000',
  '2001-12-14',
  'null',
  '~',
  '- dash',
  '? q',
  '*alias',
  '&anchor',
  '%percent',
  '@at',
  '`tick`',
  'a # b',
  'a: b',
  '{x}',
  '[x]',
  '"quoted"',
  "'single'",
  ';semi',
  'a;b',
  'a\\nb',
  '\\u0041',
  '#{interp}',
  'ünïcødé-€-😀',
  '\u00a0nbsp\u2028ls',
];

const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-native-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0;
}

/** Writes one file per value and a manifest; returns the file paths. */
function generate(id: FormatId): string[] {
  return VALUES.map((value, i) => {
    const path = join(dir, `${id}-${i}`);
    // Write through an update of an existing file too: new file, then a change, then the value.
    const f = getFormat(id);
    const first = f.update(undefined, { clientId: 'cid', clientSecret: 'placeholder', refreshToken: 'tok' }).text;
    writeFileSync(path, f.update(first, { clientSecret: value }).text);
    return path;
  });
}

function check(id: FormatId, cmd: string, args: (files: string[]) => string[]): void {
  const files = generate(id);
  const r = spawnSync(cmd, args(files), { encoding: 'utf8', maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as string[];
  VALUES.forEach((value, i) => {
    assert.equal(Buffer.from(got[i]!, 'hex').toString('utf8'), value, `${id}: ${JSON.stringify(value)}`);
  });
}

/**
 * google-ads-ruby's own loading, reduced to what reads the file: `GoogleAdsClient#initialize`
 * `eval`s it with the binding of that method (so `Config`, `GoogleAds::Config` … resolve through
 * the lexical scope of `Google::Ads::GoogleAds::GoogleAdsClient`) and refuses any result that is not
 * a `Config`. Prints the client secret of each file, hex-encoded, as a JSON array.
 */
const RUBY_LOADER = [
  'require "json"',
  'module Google',
  '  module Ads',
  '    module GoogleAds',
  '      class Config',
  '        attr_accessor :client_id, :client_secret, :refresh_token, :developer_token, :login_customer_id',
  '        def initialize(&block); yield self if block_given?; end',
  '      end',
  '      class GoogleAdsClient',
  '        attr_reader :config',
  '        def initialize(config_path)',
  '          file = File.read(config_path, encoding: "UTF-8")',
  '          eval_result = eval(file, binding, config_path)',
  '          raise ArgumentError, "not a Config: #{eval_result.class}" unless eval_result.instance_of?(Google::Ads::GoogleAds::Config)',
  '          @config = eval_result',
  '        end',
  '      end',
  '    end',
  '  end',
  'end',
  'puts JSON.generate(ARGV.map { |p| c = Google::Ads::GoogleAds::GoogleAdsClient.new(p).config; [c.client_id, c.client_secret, c.refresh_token, c.developer_token].map { |v| v.nil? ? nil : v.unpack1("H*") } })',
].join('\n');

describe('client libraries read back exactly what was written', () => {
  it(
    'python: yaml.safe_load (google-ads-python)',
    { skip: !has('python3', ['-c', 'import yaml']) && 'python3 with PyYAML not installed' },
    () => {
      const script =
        'import sys, yaml, json\nprint(json.dumps([yaml.safe_load(open(p, "rb").read())["client_secret"].encode("utf-8").hex() for p in sys.argv[1:]]))';
      check('yaml', 'python3', (files) => ['-c', script, ...files]);
    },
  );

  it('php: parse_ini_file(…, true, INI_SCANNER_TYPED) (google-ads-php)', { skip: !has('php', ['-v']) && 'php not installed' }, () => {
    const script =
      '$o = []; foreach (array_slice($argv, 1) as $p) { $c = parse_ini_file($p, true, INI_SCANNER_TYPED); $o[] = bin2hex($c["OAUTH2"]["clientSecret"]); } echo json_encode($o);';
    check('php', 'php', (files) => ['-r', script, '--', ...files]);
  });

  it('ruby: eval of the Config.new block (google-ads-ruby)', { skip: !has('ruby', ['-v']) && 'ruby not installed' }, () => {
    const files = generate('ruby');
    const got = native<Array<string | null>>('ruby', () => ['-e', RUBY_LOADER, ...files], []);
    VALUES.forEach((value, i) => assert.equal(Buffer.from(got[i]![1]!, 'hex').toString('utf8'), value, `ruby: ${JSON.stringify(value)}`));
  });

  it('java: Properties.load(InputStream) (google-ads-java)', { skip: !has('java', ['-version']) && 'java not installed' }, () => {
    const source = join(dir, 'Read.java');
    writeFileSync(
      source,
      [
        'import java.io.*; import java.util.*;',
        'public class Read { public static void main(String[] a) throws Exception {',
        '  StringBuilder o = new StringBuilder("[");',
        '  for (int i = 0; i < a.length; i++) { Properties p = new Properties(); try (InputStream in = new FileInputStream(a[i])) { p.load(in); }',
        '    byte[] b = p.getProperty("api.googleads.clientSecret").getBytes("UTF-8"); StringBuilder h = new StringBuilder();',
        '    for (byte x : b) h.append(String.format("%02x", x)); o.append(i == 0 ? "" : ",").append("\\"").append(h).append("\\""); }',
        '  System.out.println(o.append("]")); } }',
      ].join('\n'),
    );
    check('java', 'java', (files) => [source, ...files]);
  });

  it(
    'perl: split(/=/, $line, 2) after skipping ^# and blank lines (google-ads-perl)',
    { skip: !has('perl', ['-v']) && 'perl not installed' },
    () => {
      const script = [
        'my @o; for my $f (@ARGV) { open(my $h, "<", $f) or die; my %p;',
        '  while (my $line = <$h>) { chomp($line); next if ($line =~ /^#/ || $line =~ /^\\s*$/); my ($k, $v) = split(/=/, $line, 2); $p{$k} = $v; }',
        '  push @o, "\\"" . unpack("H*", $p{clientSecret}) . "\\""; }',
        'print "[" . join(",", @o) . "]\\n";',
      ].join('\n');
      check('perl', 'perl', (files) => ['-e', script, ...files]);
    },
  );
});

/** Runs `cmd` over texts written to files; its stdout is a JSON array, one result per file. */
function native<T>(cmd: string, args: (files: string[]) => string[], texts: readonly string[]): T[] {
  const files = texts.map((text, i) => {
    const path = join(dir, `edit-${cmd}-${i}`);
    writeFileSync(path, text);
    return path;
  });
  const r = spawnSync(cmd, args(files), { encoding: 'utf8', maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T[];
}

const hex = (value: string): string => Buffer.from(value, 'utf8').toString('hex');

describe('edits of existing files read back exactly in the client libraries', () => {
  it(
    'php: bare values are quoted, the last same-named section is the one written',
    { skip: !has('php', ['-v']) && 'php not installed' },
    () => {
      // Each result: the OAUTH2 section as PHP sees it, values hex-encoded (false for a parse failure).
      const script =
        '$o = []; foreach (array_slice($argv, 1) as $p) { $c = @parse_ini_file($p, true, INI_SCANNER_TYPED); $o[] = $c === false ? false : array_map(fn($v) => bin2hex((string) $v), $c["OAUTH2"] ?? []); } echo json_encode($o);';
      const f = getFormat('php');
      const layouts = [
        '[OAUTH2]\nclientId = abc\nclientSecret = old\nrefreshToken = old ; c\n',
        '[OAUTH2]\nclientId=abc\nclientSecret=old;c\nrefreshToken=old\n',
        "[OAUTH2]\nclientId = 'abc'\nclientSecret = 'old'\nrefreshToken = 'old'\n",
        '[OAUTH2]\nrefreshToken = "a"\nclientId = "dead"\n[X]\ny=1\n[OAUTH2]\nrefreshToken = "b"\n',
        '[ OAUTH2 ]\nclientId = "a"\n',
        '[oauth2]\nclientSecret = "a"\n[GOOGLE_ADS]\ndeveloperToken = "d"\n',
      ];
      const values = [
        'E_ALL',
        'PHP_OS',
        'PHP_EOL',
        'M_PI',
        'PHP_INT_MAX',
        'true',
        'no',
        'null',
        'none',
        'On',
        '0123',
        '1.5',
        '0x1A',
        '-1',
        '1e3',
        'a$b',
        'a"b',
        "a'b",
        'a\\b',
      ];
      const cases: Array<{ text: string; changes: ConfigChanges }> = [];
      for (const layout of layouts) {
        for (const value of values) cases.push({ text: layout, changes: { clientId: value, clientSecret: value, refreshToken: 'R' } });
      }
      const texts = cases.map((c) => f.update(c.text, c.changes).text);
      const got = native<Record<string, string> | false>('php', (files) => ['-r', script, '--', ...files], texts);
      cases.forEach((c, i) => {
        const section = got[i];
        assert.notEqual(section, false, texts[i]);
        const expected = {
          clientId: hex(c.changes.clientId!),
          clientSecret: hex(c.changes.clientSecret!),
          refreshToken: hex(c.changes.refreshToken!),
        };
        assert.deepEqual(section, expected, texts[i]);
        // Our reader agrees with PHP on the file as it now is.
        const read = f.read(texts[i]!);
        assert.deepEqual([read.clientId, read.clientSecret, read.refreshToken], [c.changes.clientId, c.changes.clientSecret, 'R']);
      });
    },
  );

  it(
    'python: yaml.safe_load after replacing block scalars',
    { skip: !has('python3', ['-c', 'import yaml']) && 'python3 with PyYAML not installed' },
    () => {
      const script = 'import sys, yaml, json\nprint(json.dumps([yaml.safe_load(open(p, "rb").read()) for p in sys.argv[1:]]))';
      const f = getFormat('yaml');
      const before = [
        'refresh_token: >\n  1//old\n\nlogging: x\n',
        'refresh_token: |\n  1//old\nclient_id: a\n',
        'refresh_token: |+\n  1//old\n\nother: |\n  keep\n',
        'refresh_token: >-  # c\n  1//old\n  more\n\n# c\nlogging: x\n',
      ];
      const texts = before.map((t) => f.update(t, { refreshToken: '1//new' }).text);
      const got = native<Record<string, unknown>>('python3', (files) => ['-c', script, ...files], texts);
      before.forEach((t, i) => {
        const original = native<Record<string, unknown>>('python3', (files) => ['-c', script, ...files], [t])[0]!;
        assert.deepEqual(got[i], { ...original, refresh_token: '1//new' }, texts[i]);
      });
    },
  );

  it(
    'ruby: every Config.new header google-ads-ruby accepts loads, after ads-oauth edits it',
    { skip: !has('ruby', ['-v']) && 'ruby not installed' },
    () => {
      const f = getFormat('ruby');
      const headers = [
        'Google::Ads::GoogleAds::Config.new do |c|',
        '::Google::Ads::GoogleAds::Config.new do |c|',
        'GoogleAds::Config.new do |c|',
        'Ads::GoogleAds::Config.new do |config|',
        'Config.new do |cfg|',
        'Google::Ads::GoogleAds::Config.new() do |config|',
        'GoogleAds::Config::new do | _c |',
        'Config.new { |conf|',
      ];
      const texts = headers.map((header) => {
        const v = /\|\s*(\w+)\s*\|/.exec(header)![1]!;
        const close = header.endsWith('|') && header.includes('{') ? '}' : 'end';
        const before = `# frozen_string_literal: true\n${header}\n  ${v}.client_id = 'old'\n  ${v}.developer_token = "dev"\n${close}\n`;
        return f.update(before, { clientId: 'cid', clientSecret: `a'b"c\\d#{x}`, refreshToken: '1//tok' }).text;
      });
      const got = native<Array<string | null>>('ruby', (files) => ['-e', RUBY_LOADER, ...files], texts);
      texts.forEach((text, i) => {
        const read = f.read(text);
        const [clientId, clientSecret, refreshToken, developerToken] = got[i]!.map((h) =>
          h === null ? undefined : Buffer.from(h, 'hex').toString('utf8'),
        );
        assert.deepEqual(
          { clientId, clientSecret, refreshToken, developerToken },
          { clientId: 'cid', clientSecret: `a'b"c\\d#{x}`, refreshToken: '1//tok', developerToken: 'dev' },
          text,
        );
        assert.deepEqual(read, { clientId, clientSecret, refreshToken, developerToken }, 'our reader agrees with Ruby');
      });
    },
  );

  it(
    'java: Properties.load reads an ISO-8859-1 file ads-oauth edited, and a BOM as part of the first key',
    { skip: !has('java', ['-version']) && 'java not installed' },
    () => {
      const source = join(dir, 'ReadAll.java');
      writeFileSync(
        source,
        [
          'import java.io.*; import java.util.*;',
          'public class ReadAll { public static void main(String[] a) throws Exception {',
          '  StringBuilder o = new StringBuilder("[");',
          '  for (int i = 0; i < a.length; i++) { Properties p = new Properties(); try (InputStream in = new FileInputStream(a[i])) { p.load(in); }',
          '    o.append(i == 0 ? "" : ",").append("{"); boolean first = true;',
          '    for (String k : new TreeSet<>(p.stringPropertyNames())) { o.append(first ? "" : ",").append("\\"").append(hex(k)).append("\\":\\"").append(hex(p.getProperty(k))).append("\\""); first = false; }',
          '    o.append("}"); }',
          '  System.out.println(o.append("]")); }',
          '  static String hex(String s) throws Exception { StringBuilder h = new StringBuilder(); for (byte x : s.getBytes("UTF-8")) h.append(String.format("%02x", x)); return h.toString(); } }',
        ].join('\n'),
      );
      const f = getFormat('java');
      const latin1 = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'writers', 'encoding', 'java-latin1.before.properties'));
      const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('api.googleads.refreshToken=old\n')]);
      const outputs = [latin1, bom].map((bytes) =>
        Buffer.from(updateConfigBytes(f, bytes, { clientId: 'new-id', clientSecret: 'GOCSPX-café-€', refreshToken: '1//new' }).bytes),
      );
      const files = outputs.map((bytes, i) => {
        const path = join(dir, `java-enc-${i}.properties`);
        writeFileSync(path, bytes);
        return path;
      });
      const r = spawnSync('java', [source, ...files], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const got = (JSON.parse(r.stdout) as Array<Record<string, string>>).map((o) =>
        Object.fromEntries(
          Object.entries(o).map(([k, v]) => [Buffer.from(k, 'hex').toString('utf8'), Buffer.from(v, 'hex').toString('utf8')]),
        ),
      );
      assert.equal(got[0]!['app.name'], 'Café Müller', 'the untouched Latin-1 value is intact');
      assert.equal(got[0]!['api.googleads.clientSecret'], 'GOCSPX-café-€');
      assert.equal(got[1]!['api.googleads.refreshToken'], '1//new', 'the key ads-oauth added is the one Java reads');
      assert.equal(got[1]!['\u00ef\u00bb\u00bfapi.googleads.refreshToken'], 'old', 'Java reads the BOM as part of the first key');
      outputs.forEach((bytes, i) =>
        assert.deepEqual(
          readConfigBytes(f, bytes),
          { clientId: 'new-id', clientSecret: 'GOCSPX-café-€', refreshToken: '1//new' },
          `file ${i}`,
        ),
      );
    },
  );

  it(
    'php: parse_ini_file reads an 8-bit .ini ads-oauth edited, and skips a BOM',
    { skip: !has('php', ['-v']) && 'php not installed' },
    () => {
      const script =
        '$o = []; foreach (array_slice($argv, 1) as $p) { $c = parse_ini_file($p, true, INI_SCANNER_TYPED); $o[] = array_map(fn($s) => array_map(fn($v) => bin2hex((string) $v), $s), $c); } echo json_encode($o);';
      const f = getFormat('php');
      const eightBit = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'writers', 'encoding', 'php-8bit.before.ini'));
      const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[OAUTH2]\nrefreshToken = "old"\n')]);
      const texts = [eightBit, bom].map((bytes) =>
        Buffer.from(updateConfigBytes(f, bytes, { clientId: 'new-id', refreshToken: '1//new' }).bytes).toString('latin1'),
      );
      const files = texts.map((text, i) => {
        const path = join(dir, `php-enc-${i}.ini`);
        writeFileSync(path, Buffer.from(text, 'latin1'));
        return path;
      });
      const r = spawnSync('php', ['-r', script, '--', ...files], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const got = JSON.parse(r.stdout) as Array<Record<string, Record<string, string>>>;
      assert.equal(Buffer.from(got[0]!['OAUTH2']!['label']!, 'hex').toString('latin1'), 'café', 'the untouched 8-bit value is intact');
      assert.equal(Buffer.from(got[0]!['OAUTH2']!['clientId']!, 'hex').toString(), 'new-id');
      assert.equal(Buffer.from(got[1]!['OAUTH2']!['refreshToken']!, 'hex').toString(), '1//new');
      assert.equal(Object.keys(got[1]!['OAUTH2']!).length, 2, 'the key behind the BOM was updated, not duplicated');
    },
  );

  const hasPythonDotenv = has('python3', ['-c', 'import dotenv']);
  it(
    'python-dotenv: values and kept comments read back, refused values are refused',
    { skip: !hasPythonDotenv && 'python-dotenv not installed' },
    () => {
      // dotenv_values with its defaults (interpolation on), as load_dotenv reads a file.
      const script =
        'import sys, json\nfrom dotenv import dotenv_values\nprint(json.dumps([{k: (v or "").encode("utf-8").hex() for k, v in dotenv_values(p).items()} for p in sys.argv[1:]]))';
      const f = getFormat('dotenv');
      const layouts = [
        'GOOGLE_ADS_CLIENT_SECRET= # fill me\n',
        'GOOGLE_ADS_CLIENT_SECRET=old#x\n',
        'GOOGLE_ADS_CLIENT_SECRET=  # two spaces\n',
        "GOOGLE_ADS_CLIENT_SECRET='old'# glued\n",
        'GOOGLE_ADS_CLIENT_SECRET="old"\n',
        'GOOGLE_ADS_CLIENT_SECRET=`old` # c\n',
        'export GOOGLE_ADS_CLIENT_SECRET=old\n',
      ];
      const texts: string[] = [];
      const expected: string[] = [];
      for (const layout of layouts) {
        for (const value of [...VALUES, `a'b"c`, `it's $x`, 'x${', '1//tok']) {
          let text: string;
          try {
            text = f.update(layout, { clientSecret: value }).text;
          } catch (error) {
            assert.ok(isAdsOAuthError(error, 'CONFIG_WRITE'), JSON.stringify(value));
            assert.ok(!(error as Error).message.includes(value), 'the value is not in the message');
            continue;
          }
          texts.push(text);
          expected.push(value);
        }
      }
      const got = native<Record<string, string>>('python3', (files) => ['-c', script, ...files], texts);
      texts.forEach((text, i) => {
        assert.equal(Buffer.from(got[i]!['GOOGLE_ADS_CLIENT_SECRET'] ?? '', 'hex').toString('utf8'), expected[i], text);
      });
      // The values that were refused are exactly those python-dotenv (or a shell) would read otherwise.
      for (const value of ['${HOME}', 'x${', `a'b"c`, `it's $x`]) assert.ok(!expected.includes(value), value);
    },
  );
});
