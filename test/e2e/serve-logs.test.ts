// The logs of `ads-oauth serve` (the built CLI): structured JSON (pino), exactly one line per
// request, and no secret in any line. The test goes through /connect, the provider, the callback
// (code, state and iss in its query), a replayed callback, broker calls with a Bearer API key
// (including a refresh), a wrong key, and a DELETE; it collects every secret that passed (the token
// relay in front of the provider sees the code, the verifier, the client secret and the tokens)
// and looks for each in every line.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { killLeftovers } from '../support/cli.js';
import { getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';
import { httpBrowser, httpConsent } from '../support/http-consent.js';
import { apiClient, createApiKey, startServe, type ServeProcess } from '../support/serve-process.js';
import { startTokenRelay, type TokenRelay } from '../support/token-relay.js';

describe('serve: one JSON log line per request, no secrets', { timeout: 60_000 }, () => {
  let provider: GoogleLikeProvider;
  let relay: TokenRelay;
  let dir: string;
  let serve: ServeProcess;
  let base: string;
  let stdout = '';
  let stderr = '';
  const secrets = new Map<string, string>();
  let requests = 0;

  before(async () => {
    base = `http://127.0.0.1:${await getFreePort()}`;
    provider = await startGoogleLikeProvider({ webRedirectUris: [`${base}/oauth2callback`] });
    relay = await startTokenRelay(provider);
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-serve-logs-'));
    const clientFile = await provider.writeClientFile('web', dir);
    const database = join(dir, 'serve.sqlite');
    const keys = `k1:${randomBytes(32).toString('base64')}`;
    serve = await startServe({
      clientFile,
      publicUrl: base,
      port: Number(new URL(base).port),
      database,
      keys,
      cwd: dir,
      env: { ADS_OAUTH_TOKEN_URI: `${relay.origin}/token`, ADS_OAUTH_REVOKE_URI: `${relay.origin}/revoke` },
    });
    const apiKey = await createApiKey(database, keys, dir);
    const api = apiClient(base, apiKey);
    const count = <T>(n: number, value: T): T => ((requests += n), value);

    const browser = httpBrowser();
    const start = count(1, await browser.request(`${base}/connect`));
    secrets.set('pre-auth cookie', /ads_oauth_preauth=([^;]+)/.exec(browser.jar.header(new URL(base)))?.[1] ?? '');
    const outcome = count(1, await httpConsent(browser, start.headers.get('location')!, base, provider.user));
    assert.equal(outcome.status, 200, outcome.body);
    const authorization = new URL(outcome.authorizationUrl).searchParams;
    const callback = new URL(outcome.callbackUrl).searchParams;
    secrets.set('state', authorization.get('state')!);
    secrets.set('nonce', authorization.get('nonce')!);
    secrets.set('code_challenge', authorization.get('code_challenge')!);
    secrets.set('code', callback.get('code')!);
    // The replayed callback (the state is spent) and a forged one are logged too.
    count(1, await (await browser.request(outcome.callbackUrl)).text());
    count(1, await (await fetch(`${base}/oauth2callback?code=4%2F0forged-code-value&state=forged-state-value-123`)).text());
    // A callback sent to a wrong path: a 404, whose query is not logged either.
    assert.equal(count(1, await fetch(`${base}/oauth2callback/x?code=4%2F0misrouted-code-value`)).status, 404);
    secrets.set('misrouted code', '4/0misrouted-code-value');
    // A request the server refuses, with a body: one line, no echo of it.
    assert.equal(
      count(
        1,
        await fetch(`${base}/api/v1/accounts`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-unknown' },
          body: 'secret-body-value-42',
        }),
      ).status >= 400,
      true,
    );
    secrets.set('refused body', 'secret-body-value-42');
    secrets.set('forged code', '4/0forged-code-value');
    secrets.set('forged state', 'forged-state-value-123');

    const accounts = count(1, await api('/accounts')).body['accounts'] as Array<{ id: string }>;
    const id = accounts[0]!.id;
    const first = count(1, await api(`/accounts/${id}/access-token`));
    secrets.set('access token (exchange)', String(first.body['access_token']));
    const db = new Sqlite(database);
    db.prepare('update accounts set access_token_expires_at = ? where id = ?').run(Date.now() + 60_000, id);
    db.close();
    const second = count(1, await api(`/accounts/${id}/access-token`)); // a refresh
    assert.equal(second.status, 200, second.text);
    secrets.set('access token (refresh)', String(second.body['access_token']));
    count(1, await api(`/accounts/${id}`));
    const wrongKey = `aok_${randomBytes(24).toString('base64url')}`;
    secrets.set('wrong API key', wrongKey);
    assert.equal(count(1, await apiClient(base, wrongKey)('/accounts')).status, 401);
    assert.equal(count(1, await api(`/accounts/${id}`, { method: 'DELETE' })).status, 204);
    secrets.set('API key', apiKey);
    secrets.set('client secret', provider.web.client_secret);

    for (const { form, response } of relay.exchanges) {
      for (const name of ['code_verifier', 'refresh_token', 'token']) if (form.get(name)) secrets.set(`${name} (sent)`, form.get(name)!);
      try {
        const body = JSON.parse(response) as Record<string, unknown>;
        for (const name of ['refresh_token', 'access_token', 'id_token'])
          if (typeof body[name] === 'string') secrets.set(`${name} (issued)`, body[name]);
      } catch {
        // revocation answers are empty
      }
    }
    assert.ok(secrets.has('code_verifier (sent)') && secrets.has('refresh_token (issued)') && secrets.has('id_token (issued)'));
    await serve.stop();
    stdout = serve.run.stdout;
    stderr = serve.run.stderr;
  });

  after(async () => {
    await killLeftovers();
    await relay?.close();
    await provider?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const lines = () =>
    [...stdout.split('\n'), ...stderr.split('\n')].filter((l) => l.trim() !== '' && !l.startsWith('ads-oauth serve listening on'));

  test('no secret appears in any log line', () => {
    assert.ok(lines().length > 0);
    for (const [name, value] of secrets) {
      assert.ok(value.length >= 8, `${name} was collected`);
      for (const line of lines()) assert.ok(!line.includes(value), `the ${name} is in a log line: ${line}`);
    }
  });

  test('every line is JSON; one line per request, with method, path, status and time', () => {
    const parsed = lines().map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`not JSON: ${line}`);
      }
    });
    const perRequest = new Map<string, Array<Record<string, unknown>>>();
    for (const entry of parsed)
      if (typeof entry['reqId'] === 'string') perRequest.set(entry['reqId'], [...(perRequest.get(entry['reqId']) ?? []), entry]);
    assert.equal(perRequest.size, requests, 'a line for every request');
    for (const [reqId, entries] of perRequest) {
      assert.equal(entries.length, 1, `request ${reqId}: ${JSON.stringify(entries)}`);
      const entry = entries[0]!;
      const req = entry['req'] as Record<string, unknown>;
      assert.equal(typeof req['method'], 'string');
      assert.match(String(req['url']), /^\/[^?]*$/, 'the path, without the query');
      assert.equal(typeof (entry['res'] as Record<string, unknown>)['statusCode'], 'number');
      assert.equal(typeof entry['responseTime'], 'number');
    }
    const callbacks = [...perRequest.values()].map((e) => e[0]!).filter((e) => (e['req'] as { url: string }).url === '/oauth2callback');
    assert.deepEqual(callbacks.map((e) => (e['res'] as { statusCode: number }).statusCode).sort(), [200, 400, 400]);
  });
});
