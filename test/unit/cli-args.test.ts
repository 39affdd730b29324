import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs, type FlagSpec } from '../../src/cli/args.js';
import { integerArg, renderHelp } from '../../src/cli/command.js';
import { generate } from '../../src/cli/commands/generate.js';
import { ExitCode, exitCodeFor } from '../../src/cli/exit-codes.js';
import { AdsOAuthError, ErrorCodes, type ErrorCode } from '../../src/errors.js';

/** The flags of `generate-user-credentials`, as the CLI declares them. */
const SPECS: FlagSpec[] = [
  { name: 'client-secrets-path', kind: 'string', value: 'PATH', description: 'OAuth client JSON.' },
  { name: 'additional-scopes', kind: 'list', value: 'SCOPE', description: 'Extra scopes.' },
  { name: 'scopes', kind: 'list', value: 'SCOPE', description: 'Replace the default scope list.' },
  { name: 'port', kind: 'string', value: 'N', description: 'Loopback port.' },
  { name: 'headless', kind: 'boolean', description: 'Paste mode.' },
  { name: 'config', kind: 'optional-string', value: 'PATH', description: 'Write a config file.' },
  { name: 'login-hint', kind: 'string', value: 'EMAIL', aliases: ['email'], description: 'Account.' },
  { name: 'json', kind: 'boolean', description: 'JSON output.' },
  { name: 'help', kind: 'boolean', short: 'h', description: 'Help.' },
];

function usage(args: string[], pattern?: RegExp): AdsOAuthError {
  let caught: unknown;
  try {
    parseArgs(args, SPECS);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof AdsOAuthError, `expected USAGE for ${JSON.stringify(args)}`);
  assert.equal(caught.code, 'USAGE');
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

describe('parseArgs: spellings', () => {
  it('--client_secrets_path=x and --client-secrets-path x are the same flag', () => {
    const a = parseArgs(['--client_secrets_path=/tmp/client.json'], SPECS);
    const b = parseArgs(['--client-secrets-path', '/tmp/client.json'], SPECS);
    const c = parseArgs(['--client_secrets_path', '/tmp/client.json'], SPECS);
    const d = parseArgs(['--client-secrets-path=/tmp/client.json'], SPECS);
    for (const parsed of [a, b, c, d]) {
      assert.deepEqual(parsed, { flags: { 'client-secrets-path': '/tmp/client.json' }, positionals: [] });
    }
  });

  it('keeps everything after the first "=" (values may contain "=")', () => {
    const parsed = parseArgs(['--login-hint=a=b@example.com'], SPECS);
    assert.equal(parsed.flags['login-hint'], 'a=b@example.com');
  });

  it('an empty value after "=" is a value', () => {
    assert.equal(parseArgs(['--login-hint='], SPECS).flags['login-hint'], '');
  });

  it('aliases and short names map to the canonical name', () => {
    assert.equal(parseArgs(['--email', 'me@example.com'], SPECS).flags['login-hint'], 'me@example.com');
    assert.equal(parseArgs(['-h'], SPECS).flags['help'], true);
  });

  it('flag names are case-insensitive', () => {
    assert.equal(parseArgs(['--JSON'], SPECS).flags['json'], true);
  });

  it('positionals are kept in order; "-" is a positional', () => {
    const parsed = parseArgs(['first', '--json', 'second', '-'], SPECS);
    assert.deepEqual(parsed.positionals, ['first', 'second', '-']);
  });

  it('"--" ends the flags', () => {
    const parsed = parseArgs(['--json', '--', '--headless', '-h', '--unknown'], SPECS);
    assert.deepEqual(parsed.flags, { json: true });
    assert.deepEqual(parsed.positionals, ['--headless', '-h', '--unknown']);
  });

  it('no arguments: no flags', () => {
    assert.deepEqual(parseArgs([], SPECS), { flags: {}, positionals: [] });
  });
});

describe('parseArgs: list flags', () => {
  it("take several values like Python's nargs='+' and stop at the next flag", () => {
    const parsed = parseArgs(['--additional_scopes', 'openid', 'email', '--json'], SPECS);
    assert.deepEqual(parsed.flags['additional-scopes'], ['openid', 'email']);
    assert.equal(parsed.flags['json'], true);
    assert.deepEqual(parsed.positionals, []);
  });

  it('split comma-separated values, trimming and dropping empties', () => {
    const parsed = parseArgs(['--scopes', 'a, b,,c', '--additional-scopes=x,y'], SPECS);
    assert.deepEqual(parsed.flags['scopes'], ['a', 'b', 'c']);
    assert.deepEqual(parsed.flags['additional-scopes'], ['x', 'y']);
  });

  it('accumulate when repeated', () => {
    const parsed = parseArgs(['--additional-scopes', 'a', '--json', '--additional_scopes=b,c', '--additional-scopes', 'd', 'e'], SPECS);
    assert.deepEqual(parsed.flags['additional-scopes'], ['a', 'b', 'c', 'd', 'e']);
  });

  it('an "=" value takes one argument only; the next is a positional', () => {
    const parsed = parseArgs(['--scopes=a', 'b'], SPECS);
    assert.deepEqual(parsed.flags['scopes'], ['a']);
    assert.deepEqual(parsed.positionals, ['b']);
  });

  it('need at least one value', () => {
    usage(['--additional-scopes'], /--additional-scopes needs at least one value \(SCOPE\)/);
    usage(['--additional-scopes', '--json'], /at least one value/);
    usage(['--scopes='], /at least one value/);
    usage(['--scopes', ' , '], /at least one value/);
  });

  it('a list flag not given is absent', () => {
    const { flags } = parseArgs(['--scopes', 'a', 'b'], SPECS);
    assert.deepEqual(flags['scopes'], ['a', 'b']);
    assert.equal(flags['additional-scopes'], undefined);
  });
});

describe('parseArgs: optional-string flags', () => {
  it('refuses --config= (an empty value would name the working directory)', () => {
    assert.throws(
      () => parseArgs(['--config='], SPECS),
      (e) => e instanceof AdsOAuthError && e.code === 'USAGE' && /--config alone/.test(e.message),
    );
  });

  it('alone: true', () => {
    assert.equal(parseArgs(['--config'], SPECS).flags['config'], true);
    assert.equal(parseArgs(['--config', '--json'], SPECS).flags['config'], true);
  });

  it('with a value, separate or "="', () => {
    assert.equal(parseArgs(['--config', 'google-ads.yaml'], SPECS).flags['config'], 'google-ads.yaml');
    assert.equal(parseArgs(['--config=ads.properties'], SPECS).flags['config'], 'ads.properties');
  });

  it('given twice → USAGE', () => {
    usage(['--config', '--config', 'x'], /--config was given twice/);
  });
});

describe('parseArgs: errors', () => {
  it('an unknown flag → USAGE with "Did you mean" for a near miss', () => {
    const error = usage(['--client_secret_path', 'x'], /Unknown option --client_secret_path\./);
    assert.match(error.message, /Did you mean --client-secrets-path\?/);
    usage(['--addtional-scopes', 'x'], /Did you mean --additional-scopes\?/);
    usage(['--jsno'], /Did you mean --json\?/);
  });

  it('an unknown flag far from every name → USAGE without a guess', () => {
    const error = usage(['--completely-different-thing']);
    assert.ok(!/Did you mean/.test(error.message), error.message);
    assert.match(error.message, /--help/);
  });

  it('an unknown short flag → USAGE', () => {
    usage(['-x'], /Unknown option -x/);
  });

  it('a string flag without a value → USAGE naming the placeholder', () => {
    usage(['--client-secrets-path'], /--client-secrets-path needs a value \(PATH\)/);
    usage(['--port', '--json'], /--port needs a value \(N\)/);
  });

  it('a string flag given twice → USAGE', () => {
    usage(['--port', '8080', '--port=9090'], /--port was given twice/);
    usage(['--client_secrets_path=a', '--client-secrets-path', 'b'], /given twice/);
  });

  it('a boolean flag with a value → USAGE', () => {
    usage(['--json=true'], /--json takes no value/);
  });

  it('an error message never echoes a value', () => {
    const error = usage(['--client_secret', 'GOCSPX-should-not-appear']);
    assert.ok(!error.message.includes('GOCSPX'), error.message);
  });
});

describe('integerArg', () => {
  it('parses whole numbers within bounds, including the bounds', () => {
    assert.equal(integerArg('8080', 'port', 1, 65535), 8080);
    assert.equal(integerArg('1', 'port', 1, 65535), 1);
    assert.equal(integerArg('65535', 'port', 1, 65535), 65535);
  });

  it('absent: undefined', () => {
    assert.equal(integerArg(undefined, 'port', 1, 65535), undefined);
  });

  for (const bad of ['0', '65536', '1.5', '1e3', '0x50', ' 80', '80 ', 'abc', '', '99999999999999999999']) {
    it(`${JSON.stringify(bad)} → USAGE naming the bounds`, () => {
      assert.throws(
        () => integerArg(bad, 'port', 1, 65535),
        (error: unknown) =>
          error instanceof AdsOAuthError && error.code === 'USAGE' && /--port must be a whole number from 1 to 65535/.test(error.message),
      );
    });
  }
});

describe('exitCodeFor', () => {
  // The exit-code table as every --help shows it.
  const EXIT_CODE_HELP = renderHelp(generate, 'generate-user-credentials').split('Exit codes:\n')[1]!;

  const expected: Record<ErrorCode, number> = {
    USAGE: 2,
    CLIENT_FILE: 3,
    INSECURE_ENDPOINT: 3,
    NO_REDIRECT_URI: 3,
    CONFIG: 3,
    TIMEOUT: 4,
    ACCESS_DENIED: 5,
    AUTHORIZATION_ERROR: 6,
    SCOPE_NOT_GRANTED: 5,
    NO_REFRESH_TOKEN: 5,
    INVALID_CALLBACK: 3,
    ISSUER_MISMATCH: 6,
    TOKEN_ENDPOINT: 6,
    PROVIDER_RESPONSE: 6,
    ADS_API: 6,
    NETWORK: 7,
    LISTEN_FAILED: 7,
    CONFIG_WRITE: 8,
    STORE: 8,
    DECRYPT: 3,
    NOT_FOUND: 3,
    RECONNECT_REQUIRED: 6,
    PROVIDER_UNAVAILABLE: 6,
    UNAUTHORIZED: 3,
    FORBIDDEN: 3,
    RATE_LIMITED: 6,
    VERIFY_FAILED: 9,
    INTERRUPTED: 130,
    INTERNAL: 1,
  };

  for (const code of ErrorCodes) {
    it(`${code} → a documented, non-zero exit code`, () => {
      const exit = exitCodeFor(code);
      assert.equal(typeof exit, 'number');
      assert.ok(Number.isInteger(exit) && exit > 0 && exit < 256, `${code} → ${exit}`);
      assert.ok((Object.values(ExitCode) as number[]).includes(exit), `${exit} is not an ExitCode`);
      assert.match(EXIT_CODE_HELP, new RegExp(`^\\s+${exit}\\s`, 'm'), `exit code ${exit} is not in the help text`);
      assert.equal(exit, expected[code]);
    });
  }

  it('the table covers exactly the error codes', () => {
    assert.deepEqual(Object.keys(expected).sort(), [...ErrorCodes].sort());
  });

  it('the help text lists every exit code', () => {
    for (const value of Object.values(ExitCode)) assert.match(EXIT_CODE_HELP, new RegExp(`^\\s+${value}\\s`, 'm'), String(value));
  });
});
