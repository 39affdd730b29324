// defineCommand (src/cli/command.ts): typed arguments, the spellings and errors of the parser,
// help generated from the definition and wrapped to the width, `help <cmd>`, and --help /
// --version / --debug on every command of both bins.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { defineCommand, formatRows, parseCommand, renderHelp, runCommand, type AnyCommand } from '../../src/cli/command.js';
import { FORMAT_IDS_TEXT } from '../../src/cli/common-args.js';
import { config } from '../../src/cli/commands/config.js';
import { customers } from '../../src/cli/commands/customers.js';
import { generate } from '../../src/cli/commands/generate.js';
import { revoke } from '../../src/cli/commands/revoke.js';
import { serve } from '../../src/cli/commands/serve.js';
import { verify } from '../../src/cli/commands/verify.js';
import type { CliContext } from '../../src/cli/context.js';
import { version } from '../../src/cli/version.js';
import { AdsOAuthError } from '../../src/errors.js';
import { FORMAT_IDS } from '../../src/writers/catalog.js';

const demo = defineCommand({
  meta: { name: 'demo', description: 'A command for the tests.', sections: [{ title: 'Notes', text: 'word '.repeat(40).trim() }] },
  args: {
    'client-secrets-path': { type: 'string', value: 'PATH', description: 'The client JSON.', required: true },
    'login-hint': { type: 'string', value: 'EMAIL', aliases: ['email'], description: 'Account.' },
    port: { type: 'string', value: 'N', default: '8080', description: 'Port.' },
    config: { type: 'optional-string', value: 'PATH', description: 'A config file. '.repeat(12).trim() },
    'additional-scopes': { type: 'list', value: 'SCOPE', description: 'Extra scopes.' },
    json: { type: 'boolean', description: 'JSON output.' },
    id: { type: 'positional', value: 'ID', description: 'An id.' },
  },
  run: (args, ctx) => {
    ctx.out(JSON.stringify(args));
    return 0;
  },
});

function context(options: { columns?: number; tty?: boolean } = {}): { ctx: CliContext; stdout: () => string } {
  const chunks: string[] = [];
  const stdout = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  if (options.tty) stdout.isTTY = true;
  if (options.columns !== undefined) stdout.columns = options.columns;
  const ctx: CliContext = {
    env: {},
    cwd: '/tmp',
    homedir: '/tmp',
    stdin: process.stdin,
    stdout,
    stderr: stdout,
    signal: new AbortController().signal,
    hasDisplay: false,
    debug: false,
    out: (line) => void chunks.push(`${line}\n`),
    err: () => undefined,
  };
  return { ctx, stdout: () => chunks.join('') };
}

function usage(argv: string[], pattern: RegExp): void {
  assert.throws(
    () => parseCommand(demo, argv),
    (error: unknown) => error instanceof AdsOAuthError && error.code === 'USAGE' && pattern.test(error.message),
    JSON.stringify(argv),
  );
}

describe('defineCommand: typed arguments', () => {
  it('run receives camelCased keys with typed values, defaults and the common flags', () => {
    const args = parseCommand(demo, [
      '--client_secrets_path',
      'c.json',
      '--email',
      'me@example.com',
      '--config',
      '--additional_scopes',
      'a',
      'b',
      '--json',
      'X1',
    ]);
    const clientSecretsPath: string = args.clientSecretsPath;
    const loginHint: string | undefined = args.loginHint;
    const port: string = args.port;
    const configValue: string | true | undefined = args.config;
    const scopes: string[] = args.additionalScopes;
    const json: boolean = args.json;
    const id: string | undefined = args.id;
    assert.deepEqual(
      { clientSecretsPath, loginHint, port, configValue, scopes, json, id, debug: args.debug, help: args.help, version: args.version },
      {
        clientSecretsPath: 'c.json',
        loginHint: 'me@example.com',
        port: '8080',
        configValue: true,
        scopes: ['a', 'b'],
        json: true,
        id: 'X1',
        debug: false,
        help: false,
        version: false,
      },
    );
    // @ts-expect-error a misspelt flag name is a compile error
    assert.equal(args.clientSecretPath, undefined);
    // @ts-expect-error the kebab-case name is not a key of the typed object
    assert.equal(args['client-secrets-path'], undefined);
  });

  it('absent flags: false, [], undefined', () => {
    const args = parseCommand(demo, ['--client-secrets-path=c.json']);
    assert.equal(args.json, false);
    assert.deepEqual(args.additionalScopes, []);
    assert.equal(args.config, undefined);
    assert.equal(args.loginHint, undefined);
  });

  it('accepts the kebab, snake_case and alias spellings and --name=value', () => {
    for (const argv of [
      ['--client-secrets-path', 'c.json'],
      ['--client_secrets_path', 'c.json'],
      ['--client_secrets_path=c.json'],
      ['--CLIENT-SECRETS-PATH=c.json'],
    ]) {
      assert.equal(parseCommand(demo, argv).clientSecretsPath, 'c.json', argv.join(' '));
    }
    assert.equal(parseCommand(demo, ['--client-secrets-path=c', '--login_hint', 'a@b']).loginHint, 'a@b');
    assert.equal(parseCommand(demo, ['--client-secrets-path=c', '--email=a@b']).loginHint, 'a@b');
  });

  it('--debug, --help, -h and --version are accepted by every command', () => {
    assert.equal(parseCommand(demo, ['--client-secrets-path=c', '--debug']).debug, true);
    assert.equal(parseCommand(demo, ['-h']).help, true);
    assert.equal(parseCommand(demo, ['--version']).version, true);
  });
});

describe('defineCommand: errors', () => {
  it('an unknown flag, with a "Did you mean" for a near miss', () => {
    usage(['--client_secret_path', 'x'], /Unknown option --client_secret_path\. Did you mean --client-secrets-path\?/);
    usage(['--completely-different-thing'], /^Unknown option --completely-different-thing\. See --help\.$/);
  });

  it('a string flag given twice (in any spelling)', () => {
    usage(['--client_secrets_path=a', '--client-secrets-path', 'b'], /--client-secrets-path was given twice/);
    usage(['--client-secrets-path=a', '--email', 'x', '--login-hint=y'], /--login-hint was given twice/);
  });

  it('--config= (an empty optional value) and a value-less string flag', () => {
    usage(['--client-secrets-path=a', '--config='], /--config= has an empty value/);
    usage(['--client-secrets-path'], /--client-secrets-path needs a value \(PATH\)/);
    usage(['--client-secrets-path=a', '--additional-scopes'], /needs at least one value \(SCOPE\)/);
  });

  it('a required flag missing names its snake_case spelling; --help still answers', () => {
    usage([], /demo needs --client_secrets_path/);
    assert.equal(parseCommand(demo, ['--help']).help, true);
  });

  it('a stray positional beyond the declared ones', () => {
    usage(['--client-secrets-path=a', 'one', 'two'], /Unexpected argument "two".*see demo --help/);
  });

  it('a boolean flag with a value', () => {
    usage(['--client-secrets-path=a', '--json=true'], /--json takes no value/);
  });
});

describe('help generated from the definition', () => {
  const widthOk = (text: string, width: number): void => {
    for (const line of text.split('\n')) {
      // A single word longer than the width (a URL) stays whole rather than broken.
      if (line.length > width) assert.ok(!line.trim().includes(' '), `${line.length} > ${width}: ${line}`);
    }
  };

  it('usage, description, every option with its placeholder and aliases, the sections', () => {
    const help = renderHelp(demo, 'demo');
    assert.match(help, /^Usage: demo \[ID\] \[options\]\n\nA command for the tests\.\n/);
    assert.match(help, /--login-hint, --email EMAIL/);
    assert.match(help, /--config \[PATH\]/);
    assert.match(help, /--additional-scopes SCOPE…/);
    assert.match(help, /-h, --help +Show this help\./);
    assert.match(help, /--version +Show the version\./);
    assert.match(help, /--debug/);
    assert.match(help, /^Arguments:\n {2}ID +An id\./m);
    assert.match(help, /^Notes:\n {2}word word/m);
    assert.match(help, /snake_case spellings such as --client_secrets_path are accepted too/);
  });

  for (const width of [80, 40]) {
    it(`fits ${width} columns and never breaks a word`, () => {
      const help = renderHelp(demo, 'demo', width);
      widthOk(help, width);
      const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);
      // The same words in the same order: wrapping only moved the line breaks.
      assert.deepEqual(words(help.slice(help.indexOf('--config [PATH]'))).slice(2, 38), words('A config file. '.repeat(12)));
    });
  }

  it('every real command fits 80 columns, and a narrow terminal', () => {
    const commands: Array<[AnyCommand, string]> = [
      [generate, 'generate-user-credentials'],
      [verify, 'ads-oauth verify'],
      [revoke, 'ads-oauth revoke'],
      [customers, 'ads-oauth customers'],
      [config, 'ads-oauth config'],
      [config.subCommands!['set'] as AnyCommand, 'ads-oauth config set'],
      [config.subCommands!['show'] as AnyCommand, 'ads-oauth config show'],
      [serve, 'ads-oauth serve'],
    ];
    for (const [def, name] of commands) {
      for (const width of [80, 50]) widthOk(renderHelp(def, name, width), width);
    }
  });

  it('wraps to stdout.columns on a terminal, 80 otherwise', async () => {
    const tty = context({ tty: true, columns: 44 });
    await runCommand(verify, ['--help'], tty.ctx, { name: 'ads-oauth verify' });
    assert.equal(tty.stdout(), renderHelp(verify, 'ads-oauth verify', 44));
    const pipe = context({ columns: 44 });
    await runCommand(verify, ['--help'], pipe.ctx, { name: 'ads-oauth verify' });
    assert.equal(pipe.stdout(), renderHelp(verify, 'ads-oauth verify', 80));
    assert.notEqual(tty.stdout(), pipe.stdout());
  });

  it('formatRows puts the text under a name that does not leave room', () => {
    const text = formatRows([['--a-rather-long-option-name-indeed-yes PATH', 'text']], 80);
    assert.equal(text, '  --a-rather-long-option-name-indeed-yes PATH\n                                  text');
  });

  it('the help lists the config formats writers/catalog.ts knows', () => {
    assert.equal(FORMAT_IDS_TEXT, FORMAT_IDS.join(', '));
  });
});

describe('runCommand: help <cmd>, --version, subcommands', () => {
  const umbrella = defineCommand({
    meta: { name: 'top', description: 'Top.' },
    args: {},
    subCommands: {
      demo,
      lazy: { summary: 'Loaded on use', load: async () => config },
    },
  });

  it("`help <cmd>` prints that command's help, as `<cmd> --help` does", async () => {
    const a = context();
    assert.equal(await runCommand(umbrella, ['help', 'demo'], a.ctx), 0);
    const b = context();
    assert.equal(await runCommand(umbrella, ['demo', '--help'], b.ctx), 0);
    assert.equal(a.stdout(), b.stdout());
    assert.match(a.stdout(), /^Usage: top demo /);
    const c = context();
    assert.equal(await runCommand(umbrella, ['help', 'lazy', 'set'], c.ctx), 0);
    assert.match(c.stdout(), /^Usage: top lazy set --config \[PATH\]/);
  });

  it('a group lists its subcommands; given none it shows its help as a usage error', async () => {
    const run = context();
    assert.equal(await runCommand(umbrella, [], run.ctx), 2);
    assert.match(run.stdout(), /^Commands:\n {2}demo +A command for the tests\.\n {2}lazy +Loaded on use$/m);
    await assert.rejects(
      runCommand(umbrella, ['nope'], context().ctx),
      (e) => e instanceof AdsOAuthError && e.code === 'USAGE' && /Unknown command "nope" for top/.test(e.message),
    );
  });

  it('runs the command with its parsed arguments', async () => {
    const run = context();
    assert.equal(await runCommand(umbrella, ['demo', '--client_secrets_path=c'], run.ctx), 0);
    assert.equal(JSON.parse(run.stdout()).clientSecretsPath, 'c');
  });

  const every: Array<[AnyCommand, string[]]> = [
    [generate, []],
    [verify, []],
    [revoke, []],
    [customers, []],
    [config, []],
    [config, ['set']],
    [config, ['show']],
    [serve, []],
    [serve, ['api-key']],
    [serve, ['api-key', 'create']],
    [serve, ['api-key', 'list']],
    [serve, ['api-key', 'revoke']],
    [serve, ['rotate-keys']],
  ];
  for (const [def, path] of every) {
    const label = [def.meta.name, ...path].join(' ');
    it(`${label} --version prints the version; --help prints its usage`, async () => {
      const v = context();
      assert.equal(await runCommand(def, [...path, '--version'], v.ctx, { name: def.meta.name }), 0);
      assert.equal(v.stdout(), `${version()}\n`);
      const h = context();
      assert.equal(await runCommand(def, [...path, '--help'], h.ctx, { name: def.meta.name }), 0);
      assert.ok(h.stdout().startsWith(`Usage: ${label} `), h.stdout().split('\n')[0]);
      // --debug is accepted everywhere (it used to be refused by config set, for one).
      const d = context();
      assert.equal(await runCommand(def, [...path, '--debug', '--help'], d.ctx, { name: def.meta.name }), 0);
    });
  }
});
