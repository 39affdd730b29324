// The CLI's process wrapper (runMain) in a real child process: a reader of stdout that goes away
// before the result is printed is a failure (not exit 0 with no token), and --json failures
// print one error object on stdout.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ExitCode } from '../../src/cli/exit-codes.js';

const FIXTURE = fileURLToPath(new URL('../support/cli-main-fixture.ts', import.meta.url));

function run(args: string[], options: { closeStdout?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // `… | true`: the reader of stdout closes its end at once.
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('runMain in a real process', () => {
  it('a token written after the reader of stdout went away exits non-zero', async () => {
    const exit = await run(['late-token'], { closeStdout: true });
    assert.equal(exit.code, ExitCode.OUTPUT_CLOSED, exit.stderr);
  });

  it('a token printed to a reader that stays exits 0', async () => {
    const exit = await run(['late-token']);
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /fixture-token/);
  });

  it('--json: a failure prints one error object on stdout', async () => {
    const exit = await run(['fail', '--json']);
    assert.equal(exit.code, ExitCode.TIMEOUT);
    const lines = exit.stdout.trim().split('\n');
    assert.equal(lines.length, 1, exit.stdout);
    assert.deepEqual(JSON.parse(lines[0]!), {
      error: { code: 'TIMEOUT', message: 'No answer from the browser in time.', exit_code: ExitCode.TIMEOUT },
    });
    assert.match(exit.stderr, /No answer from the browser/);
  });

  it('--json: the hints of the error and the advice stderr shows are in the object', async () => {
    const exit = await run(['fail-with-hints', '--json']);
    assert.equal(exit.code, ExitCode.NETWORK);
    const parsed = JSON.parse(exit.stdout) as { error: { code: string; hints: string[]; advice: string[] } };
    assert.equal(parsed.error.code, 'NETWORK');
    assert.deepEqual(parsed.error.hints, ['network', 'timeout']);
    assert.equal(parsed.error.advice.length, 2);
    for (const line of parsed.error.advice) assert.ok(exit.stderr.includes(line), `stderr lacks: ${line}`);
    assert.match(parsed.error.advice[1]!, /--timeout SECONDS/);
  });

  it('--json: an unexpected failure is an object too', async () => {
    const exit = await run(['crash', '--json']);
    assert.equal(exit.code, ExitCode.FAILURE);
    const parsed = JSON.parse(exit.stdout) as { error: { code: string; exit_code: number } };
    assert.equal(parsed.error.code, 'INTERNAL');
    assert.equal(parsed.error.exit_code, ExitCode.FAILURE);
  });

  it('--json: a failure after the result was printed adds no second object', async () => {
    const exit = await run(['print-then-fail', '--json']);
    assert.equal(exit.code, ExitCode.WRITE);
    assert.equal(exit.stdout, '{"partial":true}\n');
  });

  it('without --json a failure leaves stdout empty', async () => {
    const exit = await run(['fail']);
    assert.equal(exit.stdout, '');
  });
});

describe('ads-oauth help and --version', () => {
  const BIN = fileURLToPath(new URL('../../src/cli/ads-oauth.ts', import.meta.url));
  function cli(args: string[]): Promise<{ code: number | null; stdout: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
  }

  it("`help verify` prints verify's help, with option lines that fit 80 columns", async () => {
    const exit = await cli(['help', 'verify']);
    assert.equal(exit.code, 0);
    assert.match(exit.stdout, /^Usage: ads-oauth verify/);
    const options = exit.stdout.slice(exit.stdout.indexOf('Options'), exit.stdout.indexOf('Output:'));
    for (const line of options.split('\n')) assert.ok(line.length <= 80, `${line.length}: ${line}`);
  });

  it('`verify --version` prints the version', async () => {
    const exit = await cli(['verify', '--version']);
    assert.equal(exit.code, 0);
    assert.match(exit.stdout, /^\d+\.\d+\.\d+/);
  });
});
