/**
 * Conformance with the client libraries' own parsers, run where their runtimes exist on the
 * machine (each check is skipped otherwise): PyYAML's safe_load (google-ads-python), PHP's
 * parse_ini_file with INI_SCANNER_TYPED (google-ads-php), Ruby's eval of the config block
 * (google-ads-ruby), java.util.Properties.load from an InputStream (google-ads-java), and the
 * split-at-first-= reader of google-ads-perl.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getFormat, type FormatId } from '../../src/writers/index.js';

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

describe('client libraries read back exactly what was written', () => {
  it('python: yaml.safe_load (google-ads-python)', { skip: !has('python3', ['-c', 'import yaml']) && 'python3 with PyYAML not installed' }, () => {
    const script = 'import sys, yaml, json\nprint(json.dumps([yaml.safe_load(open(p, "rb").read())["client_secret"].encode("utf-8").hex() for p in sys.argv[1:]]))';
    check('yaml', 'python3', (files) => ['-c', script, ...files]);
  });

  it('php: parse_ini_file(…, true, INI_SCANNER_TYPED) (google-ads-php)', { skip: !has('php', ['-v']) && 'php not installed' }, () => {
    const script = '$o = []; foreach (array_slice($argv, 1) as $p) { $c = parse_ini_file($p, true, INI_SCANNER_TYPED); $o[] = bin2hex($c["OAUTH2"]["clientSecret"]); } echo json_encode($o);';
    check('php', 'php', (files) => ['-r', script, '--', ...files]);
  });

  it('ruby: eval of the Config.new block (google-ads-ruby)', { skip: !has('ruby', ['-v']) && 'ruby not installed' }, () => {
    const script = [
      'require "json"',
      'module Google; module Ads; module GoogleAds; class Config',
      '  attr_accessor :client_id, :client_secret, :refresh_token, :developer_token, :login_customer_id',
      '  def initialize; yield self if block_given?; end',
      'end; end; end; end',
      'puts JSON.generate(ARGV.map { |p| eval(File.read(p, encoding: "UTF-8"), binding, p).client_secret.unpack1("H*") })',
    ].join('\n');
    check('ruby', 'ruby', (files) => ['-e', script, ...files]);
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

  it('perl: split(/=/, $line, 2) after skipping ^# and blank lines (google-ads-perl)', { skip: !has('perl', ['-v']) && 'perl not installed' }, () => {
    const script = [
      'my @o; for my $f (@ARGV) { open(my $h, "<", $f) or die; my %p;',
      '  while (my $line = <$h>) { chomp($line); next if ($line =~ /^#/ || $line =~ /^\\s*$/); my ($k, $v) = split(/=/, $line, 2); $p{$k} = $v; }',
      '  push @o, "\\"" . unpack("H*", $p{clientSecret}) . "\\""; }',
      'print "[" . join(",", @o) . "]\\n";',
    ].join('\n');
    check('perl', 'perl', (files) => ['-e', script, ...files]);
  });
});
