// The parts of generate (src/cli/actions): the pure options parser and the event printer's lines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flowEventLines } from '../../src/cli/actions/generate.js';
import { parseGenerateOptions } from '../../src/cli/actions/generate-options.js';
import { parseCommand } from '../../src/cli/command.js';
import { generate } from '../../src/cli/commands/generate.js';
import { AdsOAuthError } from '../../src/errors.js';

const where = { cwd: '/work', homedir: '/home/me', env: {} };
const options = (argv: string[], env: Record<string, string> = {}) => parseGenerateOptions(parseCommand(generate, argv), { ...where, env });

describe('parseGenerateOptions', () => {
  it('defaults: 300 s, the adwords scope, may open a browser, no config', () => {
    assert.deepEqual(options(['--client_secrets_path', '~/c.json']), {
      clientSecretsPath: '/home/me/c.json',
      timeoutSeconds: 300,
      scopes: ['https://www.googleapis.com/auth/adwords'],
      headless: false,
      open: true,
      json: false,
    });
  });

  it('every flag, paths resolved against the working directory', () => {
    const parsed = options([
      '--client-secrets-path=c.json',
      '--port',
      '8080',
      '--timeout=60',
      '--additional_scopes',
      'openid',
      'email',
      '--login-hint',
      'me@example.com',
      '--headless',
      '--json',
      '--config',
      'ads.properties',
      '--format',
      'java',
      '--print-config',
      'yaml',
    ]);
    assert.deepEqual(parsed, {
      clientSecretsPath: '/work/c.json',
      port: 8080,
      timeoutSeconds: 60,
      scopes: ['https://www.googleapis.com/auth/adwords', 'openid', 'email'],
      loginHint: 'me@example.com',
      headless: true,
      open: false,
      json: true,
      config: { path: '/work/ads.properties', format: 'java' },
      printFormat: 'yaml',
    });
  });

  it('--config alone: $GOOGLE_ADS_CONFIGURATION_FILE_PATH, else ~/google-ads.yaml; --no-open', () => {
    assert.deepEqual(options(['--client_secrets_path=c', '--config']).config, { path: '/home/me/google-ads.yaml' });
    assert.deepEqual(options(['--client_secrets_path=c', '--config'], { GOOGLE_ADS_CONFIGURATION_FILE_PATH: '/etc/ads.yaml' }).config, {
      path: '/etc/ads.yaml',
    });
    assert.equal(options(['--client_secrets_path=c', '--no-open']).open, false);
  });

  for (const [argv, pattern] of [
    [['--client_secrets_path=c', '--port', '0'], /--port must be a whole number from 1 to 65535/],
    [['--client_secrets_path=c', '--timeout', '1.5'], /--timeout must be a whole number/],
    [['--client_secrets_path=c', '--format', 'java'], /--format goes with --config/],
    [['--client_secrets_path='], /--client_secrets_path has an empty value/],
  ] as const) {
    it(`${argv.join(' ')} → USAGE`, () => {
      assert.throws(
        () => options([...argv]),
        (e: unknown) => e instanceof AdsOAuthError && e.code === 'USAGE' && pattern.test(e.message),
      );
    });
  }

  it('a missing --client_secrets_path names the bin in its example', () => {
    assert.throws(
      () => parseCommand(generate, [], 'ads-oauth generate'),
      (e: unknown) => e instanceof AdsOAuthError && /is required: .* e\.g\. ads-oauth generate --client_secrets_path=/.test(e.message),
    );
  });
});

describe('flowEventLines', () => {
  const view = { mode: 'loopback', live: false, timeoutSeconds: 300 } as const;
  it('waiting: one line off a terminal, none when a live countdown shows it, none in paste mode', () => {
    const waiting = { type: 'waiting', redirectUri: 'http://127.0.0.1:5555/', deadline: 0 } as const;
    assert.deepEqual(flowEventLines(waiting, view), ['Waiting up to 300 s for the browser to return to http://127.0.0.1:5555/']);
    assert.deepEqual(flowEventLines(waiting, { ...view, live: true }), []);
    assert.deepEqual(flowEventLines(waiting, { ...view, mode: 'headless' }), []);
  });

  it('a rejected callback and the exchange', () => {
    const rejected = { type: 'callback-rejected', reason: 'state', message: 'The state does not match.' } as const;
    assert.deepEqual(flowEventLines(rejected, view), ['Ignored a callback: The state does not match.']);
    assert.deepEqual(flowEventLines(rejected, { ...view, mode: 'headless' }), ['That address cannot be used: The state does not match.']);
    assert.deepEqual(flowEventLines({ type: 'exchanging' }, view), ['Authorization received; exchanging the code for tokens…']);
  });
});
