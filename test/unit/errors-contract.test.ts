import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { reportError } from '../../src/cli/context.js';
import { adviceFor } from '../../src/cli/hints.js';
import { AdsOAuthError, isAdsOAuthError } from '../../src/errors.js';
import { planRedirect } from '../../src/flows/redirect.js';
import type { OAuthClientConfig } from '../../src/protocol/client-file.js';
import { defineClient } from '../../src/protocol/client-file.js';

const SRC = new URL('../../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** String literals and template texts of a file, without comments. */
function literals(text: string): string[] {
  const noComments = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...noComments.matchAll(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]);
}

describe('library messages say what happened, not which CLI flag to use', () => {
  it('no string in protocol/, flows/, lifecycle/, broker/, server/loopback.ts or stores/client-secrets.ts names a CLI flag or command', () => {
    const library = files(SRC).filter(
      (p) =>
        /\/src\/(protocol|flows|lifecycle|broker)\//.test(p) ||
        p.endsWith('/src/server/loopback.ts') ||
        p.endsWith('/src/stores/client-secrets.ts'),
    );
    assert.ok(library.length > 20);
    const offenders: string[] = [];
    for (const path of library) {
      for (const literal of literals(readFileSync(path, 'utf8'))) {
        if (
          /--(headless|timeout|port|additional[_-]scopes|scopes|debug|set-login-customer-id)\b|generate-user-credentials again|run the command again|run again/i.test(
            literal,
          )
        ) {
          offenders.push(`${path.slice(SRC.length)}: ${literal.slice(0, 120)}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('the CLI turns hints into flag advice after the message', () => {
    const lines: string[] = [];
    const error = new AdsOAuthError('TIMEOUT', 'Timed out after 2 s waiting for the browser.', { hints: ['headless', 'timeout'] });
    const code = reportError(error, { err: (line) => lines.push(line), debug: false });
    assert.equal(code, 4);
    assert.equal(lines[0], 'Error: Timed out after 2 s waiting for the browser.');
    assert.match(lines[1]!, /--headless/);
    assert.match(lines[2]!, /--timeout SECONDS/);
    assert.deepEqual(adviceFor(new AdsOAuthError('NO_REFRESH_TOKEN', 'x', { hints: ['scopes'] })), [
      'For a provider that issues refresh tokens only with "offline_access": add it with --additional_scopes offline_access.',
    ]);
    assert.deepEqual(adviceFor(new AdsOAuthError('INTERNAL', 'x')), []);
  });

  it('a web client port mismatch carries the port hint and typed details; the CLI names --port', () => {
    const client: OAuthClientConfig = defineClient({
      kind: 'web',
      clientId: 'id',
      clientSecret: 's',
      redirectUris: ['http://127.0.0.1:8080/cb'],
    });
    try {
      planRedirect(client, { port: 9090 });
      assert.fail('expected a USAGE error');
    } catch (error) {
      assert.ok(isAdsOAuthError(error, 'USAGE'));
      assert.doesNotMatch(error.message, /--port/);
      assert.equal(error.details.port, 9090);
      assert.equal(error.details.registered, 'http://127.0.0.1:8080/cb');
      assert.match(adviceFor(error)[0]!, /Drop --port, or register http:\/\/127\.0\.0\.1:9090/);
    }
  });

  it('details are typed per code: narrowing by code needs no casts', () => {
    const error: unknown = new AdsOAuthError('TOKEN_ENDPOINT', 'refused', {
      details: { error: 'invalid_grant', status: 400, operation: 'refresh' },
    });
    if (!isAdsOAuthError(error, 'TOKEN_ENDPOINT')) assert.fail('not narrowed');
    const code: string | undefined = error.details.error;
    const status: number | undefined = error.details.status;
    assert.equal(code, 'invalid_grant');
    assert.equal(status, 400);
    assert.deepEqual(error.toJSON().code, 'TOKEN_ENDPOINT');
  });
});
