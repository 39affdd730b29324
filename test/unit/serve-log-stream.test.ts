// serve's request log destination: lines of one event-loop turn go out as one write, in order,
// and nothing waits longer than the turn (issue 9).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { createBatchedLogStream } from '../../src/server/serve/log-stream.js';

function sink() {
  const writes: string[] = [];
  return { writes, write: (chunk: string) => void writes.push(chunk) };
}

test('the lines of one turn are written as one chunk, in order, when the turn ends', async () => {
  const out = sink();
  const log = createBatchedLogStream(out);
  log.write('{"a":1}\n');
  log.write('{"a":2}\n');
  log.write('{"a":3}\n');
  assert.deepEqual(out.writes, [], 'nothing is written during the turn');
  await turn();
  assert.deepEqual(out.writes, ['{"a":1}\n{"a":2}\n{"a":3}\n']);
});

test('a line of a later turn is written in that turn: no line waits for a size or a timer', async () => {
  const out = sink();
  const log = createBatchedLogStream(out);
  log.write('one\n');
  await turn();
  log.write('two\n');
  await turn();
  assert.deepEqual(out.writes, ['one\n', 'two\n']);
  await turn();
  assert.deepEqual(out.writes, ['one\n', 'two\n'], 'an empty turn writes nothing');
});

test('flush() writes what is pending at once, and the scheduled write then has nothing left', async () => {
  const out = sink();
  const log = createBatchedLogStream(out);
  log.write('last\n');
  log.flush();
  assert.deepEqual(out.writes, ['last\n']);
  await turn();
  assert.deepEqual(out.writes, ['last\n']);
  log.write('after\n');
  await turn();
  assert.deepEqual(out.writes, ['last\n', 'after\n']);
});
