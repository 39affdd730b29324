// The serve app's request log (pino, one JSON line a request) never holds the callback's code or
// state: the request serializer drops the query string.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { inProcessServe } from '../support/serve-app.js';

test('serve: request logs carry the path, never the query (code, state)', async (t) => {
  const lines: string[] = [];
  const { app } = await inProcessServe(t, {
    app: { logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } } },
  });

  const code = `4/0A${randomBytes(12).toString('hex')}`;
  const state = randomBytes(16).toString('base64url');
  const response = await app.inject({ method: 'GET', url: `/oauth2callback?state=${state}&code=${code}` });
  assert.equal(response.statusCode, 400);
  const logged = lines.join('');
  assert.match(logged, /"url":"\/oauth2callback"/);
  assert.ok(!logged.includes(code), 'no code in the log');
  assert.ok(!logged.includes(state), 'no state in the log');
});
