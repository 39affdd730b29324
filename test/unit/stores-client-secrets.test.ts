// readClientSecretsFile (the library's, asynchronous) and readClientSecretsFileSync (the CLI's):
// the same client, and the same CLIENT_FILE errors, for every kind of file.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAdsOAuthError } from '../../src/errors.js';
import { readClientSecretsFile, readClientSecretsFileSync } from '../../src/stores/client-secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-client-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const installed = {
  installed: {
    client_id: '123-abc.apps.googleusercontent.com',
    project_id: 'p',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    client_secret: 'GOCSPX-secret',
    redirect_uris: ['http://localhost'],
  },
};

async function both(path: string): Promise<[unknown, unknown]> {
  const settle = async (fn: () => unknown): Promise<unknown> => {
    try {
      return { value: await fn() };
    } catch (error) {
      assert.ok(isAdsOAuthError(error, 'CLIENT_FILE'), String(error));
      return { code: error.code, message: error.message, details: error.details };
    }
  };
  return [await settle(() => readClientSecretsFile(path)), await settle(() => readClientSecretsFileSync(path))];
}

describe('reading the client secrets file, asynchronously and synchronously', () => {
  it('gives the same frozen client with the absolute path as its source', async () => {
    const file = join(dir, 'client_secret_ok.json');
    writeFileSync(file, `\uFEFF${JSON.stringify(installed)}`);
    const [a, s] = await both(file);
    assert.deepEqual(a, s);
    const client = (s as { value: { clientId: string; source: string } }).value;
    assert.equal(client.clientId, installed.installed.client_id);
    assert.equal(client.source, file);
    assert.ok(Object.isFrozen(client));
  });

  it('fails alike for a missing file, a directory, a file over 1 MiB, an unreadable one and bad JSON', async () => {
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    const big = join(dir, 'big.json');
    writeFileSync(big, ' '.repeat(1024 * 1024 + 1));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"installed": ');
    const locked = join(dir, 'locked.json');
    writeFileSync(locked, JSON.stringify(installed));
    chmodSync(locked, 0o000);
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'missing.json'), /no such file/],
      [sub, /this is a directory/],
      [big, /far too large/],
      [bad, /not valid JSON/],
    ];
    // root reads a 0000 file all the same: the case only means something for other users.
    if (process.getuid?.() !== 0) cases.push([locked, /permission denied/]);
    for (const [path, message] of cases) {
      const [a, s] = await both(path);
      assert.deepEqual(a, s, path);
      assert.match((s as { message: string }).message, message);
      assert.ok((s as { message: string }).message.startsWith(path), 'the message names the file');
    }
  });
});
