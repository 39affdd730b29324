// Which command lines the bins send to their start-up file rather than straight to run.cjs
// (src/cli/bin/canned.ts). A wrong guess costs time, not the answer (both plan the command line
// from the same definitions): these pin the guess itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayAskForHelp } from '../../src/cli/bin/canned.js';

describe('mayAskForHelp', () => {
  it('help, -h, --help, --version anywhere, and no arguments: the start-up file', () => {
    for (const argv of [
      [],
      ['--help'],
      ['verify', '-h'],
      ['help', 'verify'],
      ['config', 'help', 'set'],
      ['verify', '--config', '--version'],
      ['--help=1'],
    ]) {
      assert.equal(mayAskForHelp(argv, ['config']), true, argv.join(' '));
    }
  });

  it('a group alone prints its usage: the start-up file; with more, a run', () => {
    assert.equal(mayAskForHelp(['config'], ['config']), true);
    assert.equal(mayAskForHelp(['config', 'set', '--config'], ['config']), false);
  });

  it('a run: straight to run.cjs', () => {
    for (const argv of [['verify', '--config'], ['--client_secrets_path=x.json'], ['revoke', '--config', 'helpful.yaml'], ['--helpful']]) {
      assert.equal(mayAskForHelp(argv, ['config']), false, argv.join(' '));
    }
  });
});
