// The adversarial catalogue for the CLI (issue 10): the cases of "Headless paste" and
// "Lifecycle" that no other suite covers, each against the real CLI process and a scripted token
// endpoint. (The rest of the catalogue lives beside the code it attacks; SECURITY.md maps each
// case to its test.)
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { canBind, killLeftovers, spawnCli, type CliExit } from '../support/cli.js';
import { startFakeTokenEndpoint, tokenBody, type FakeTokenEndpoint } from '../support/fake-token-endpoint.js';
import { assertNoSecrets } from '../support/secrets.js';
import { installedClientJson } from '../support/client-file.js';

const SECRET = 'GOCSPX-catalogue-secret-0123';
const CODE = '4/0Acatalogue-code-0123456789';
/** Control characters and escape sequences a hostile paste (or a confused terminal) may carry. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

let fake: FakeTokenEndpoint;
let dir: string;
let clientFile: string;

before(async () => {
  fake = await startFakeTokenEndpoint();
  dir = await mkdtemp(join(tmpdir(), 'ads-oauth-catalogue-'));
  clientFile = join(dir, 'client.json');
  await writeFile(
    clientFile,
    installedClientJson({
      clientId: 'cat.apps.googleusercontent.com',
      clientSecret: SECRET,
      authUri: fake.authUri,
      tokenUri: fake.tokenUri,
    }),
  );
});
after(async () => {
  await killLeftovers();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

const tokenCalls = (): number => fake.requests.filter((r) => r.url.startsWith('/token')).length;

function assertCleanFailure(exit: CliExit, code: number): void {
  assert.equal(exit.code, code, exit.stderr);
  assert.equal(exit.stdout, '', 'no token, nothing on stdout');
  assertNoSecrets(exit, [SECRET, CODE], { noStackTrace: true });
}

describe('headless paste: hostile and broken input', { timeout: 120_000 }, () => {
  async function headless(t: {
    after(fn: () => void | Promise<void>): void;
  }): Promise<{ cli: Awaited<ReturnType<typeof spawnCli>>; callback: (extra?: string) => string }> {
    const cli = await spawnCli([`--client_secrets_path=${clientFile}`, '--headless', '--timeout', '60'], { t });
    const url = await cli.consentUrl();
    const redirect = url.searchParams.get('redirect_uri')!;
    const state = url.searchParams.get('state')!;
    return { cli, callback: (extra = '') => `${redirect}?state=${encodeURIComponent(state)}&code=${encodeURIComponent(CODE)}${extra}` };
  }

  it('a 64 MB line is skipped unread (bounded memory) and refused as a usage error; the code endpoint is never called', async (t) => {
    const { cli } = await headless(t);
    const chunk = 'A'.repeat(1024 * 1024);
    for (let i = 0; i < 64; i += 1) cli.write(chunk);
    cli.end('\n');
    const exit = await cli.waitForExit(30_000);
    assertCleanFailure(exit, 2);
    assert.match(exit.stderr, /longer than 64 KiB/);
    assert.equal(tokenCalls(), 0);
  });

  it('control characters and escape sequences in a paste are shown escaped in the message, never obeyed', async (t) => {
    const { cli } = await headless(t);
    cli.end('http://127.0.0.1:1/\x1b]0;owned\x07?state=x\x1b[2J\n');
    const exit = await cli.waitForExit(30_000);
    assert.notEqual(exit.code, 0);
    assert.doesNotMatch(exit.stderr, RAW_CONTROL, JSON.stringify(exit.stderr));
    assert.equal(tokenCalls(), 0);
  });

  it('a code alone (not the address) is refused with what to paste instead', async (t) => {
    const { cli } = await headless(t);
    cli.end(`${CODE}\n`);
    const exit = await cli.waitForExit(30_000);
    assertCleanFailure(exit, 3);
    assert.match(exit.stderr, /address/i);
    assert.equal(tokenCalls(), 0);
  });

  it('whitespace and a CR LF around a genuine paste are tolerated: exactly one exchange', async (t) => {
    fake.next({ body: tokenBody() });
    const { cli, callback } = await headless(t);
    cli.end(`   ${callback()}  \r\n`);
    const exit = await cli.waitForExit(30_000);
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /Your refresh token is: 1\/\/fake-refresh-token/);
    assert.equal(tokenCalls(), 1);
    // `4%2F…` in the address is decoded exactly once: the token endpoint gets `4/…`.
    assert.equal(fake.requests.find((r) => r.url.startsWith('/token'))!.form.get('code'), CODE);
  });

  it('end of input before any paste: exit 3, nothing exchanged', async (t) => {
    const { cli } = await headless(t);
    cli.end();
    const exit = await cli.waitForExit(30_000);
    assertCleanFailure(exit, 3);
    assert.equal(tokenCalls(), 0);
  });
});

describe('loopback: a slowloris, and a browser that cannot be launched', { timeout: 120_000 }, () => {
  it('200 sockets dribbling headers at the listener, then the genuine callback: served, one exchange, exit 0', async (t) => {
    fake.next({ body: tokenBody() });
    const cli = await spawnCli([`--client_secrets_path=${clientFile}`, '--timeout', '60'], { t });
    const url = await cli.consentUrl();
    const redirect = new URL(url.searchParams.get('redirect_uri')!);
    const sockets: import('node:net').Socket[] = [];
    for (let i = 0; i < 200; i += 1) {
      const socket = (await import('node:net')).connect({ port: Number(redirect.port), host: '127.0.0.1' });
      socket.on('error', () => {});
      socket.write(`GET /?state=x HTTP/1.1\r\nHost: ${redirect.host}\r\n`);
      sockets.push(socket);
    }
    const drip = setInterval(() => {
      for (const s of sockets) if (!s.destroyed) s.write('X-Drip: 1\r\n');
    }, 500);
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      const genuine = await fetch(
        `${redirect.origin}/?state=${encodeURIComponent(url.searchParams.get('state')!)}&code=${encodeURIComponent(CODE)}`,
      );
      assert.equal(genuine.status, 200);
      const exit = await cli.waitForExit(20_000);
      assert.equal(exit.code, 0, exit.stderr);
      assert.equal(tokenCalls(), 1);
    } finally {
      clearInterval(drip);
      for (const s of sockets) s.destroy();
    }
  });

  it('a display but no browser to launch: the URL is printed, the run goes on and completes', async (t) => {
    fake.next({ body: tokenBody() });
    // DISPLAY makes the CLI try to open a browser; an empty PATH leaves it nothing to run.
    const cli = await spawnCli([`--client_secrets_path=${clientFile}`, '--timeout', '60'], {
      t,
      env: { DISPLAY: ':99', PATH: join(dir, 'no-such-bin') },
    });
    const url = await cli.consentUrl();
    const redirect = new URL(url.searchParams.get('redirect_uri')!);
    const genuine = await fetch(
      `${redirect.origin}/?state=${encodeURIComponent(url.searchParams.get('state')!)}&code=${encodeURIComponent(CODE)}`,
    );
    assert.equal(genuine.status, 200);
    const exit = await cli.waitForExit(20_000);
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /Your refresh token is: /);
    assertNoSecrets(exit, [SECRET, CODE], { noStackTrace: true });
  });
});

describe('lifecycle: signals during the exchange and the write, a taken [::] port', { timeout: 120_000 }, () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} while the token endpoint is answering: exit 130, the config file untouched, no token printed`, async (t) => {
      fake.next({ body: tokenBody(), delayMs: 20_000 });
      const config = join(dir, `google-ads-${signal}.yaml`);
      const before = 'client_id: keep-me\n# a comment that must stay\n';
      await writeFile(config, before, { mode: 0o600 });
      const cli = await spawnCli([`--client_secrets_path=${clientFile}`, '--headless', '--timeout', '60', '--config', config], { t });
      const url = await cli.consentUrl();
      cli.write(
        `${url.searchParams.get('redirect_uri')}?state=${encodeURIComponent(url.searchParams.get('state')!)}&code=${encodeURIComponent(CODE)}\n`,
      );
      await waitFor(() => tokenCalls() === 1, 10_000, 'the exchange to start');
      cli.kill(signal);
      const exit = await cli.waitForExit(10_000);
      assertCleanFailure(exit, 130);
      assert.equal(await readFile(config, 'utf8'), before);
      assert.equal((await stat(config)).mode & 0o777, 0o600);
    });
  }

  it('SIGTERM while waiting for the config lock (the write): exit 130, the config file untouched', async (t) => {
    fake.next({ body: tokenBody() });
    const config = join(dir, 'google-ads-locked.yaml');
    const before = 'client_id: keep-me\n';
    await writeFile(config, before, { mode: 0o600 });
    // A live holder of the lock: this test process (its pid is alive), as another writer would be.
    await writeFile(`${config}.lock`, `${process.pid}\n`, { mode: 0o600 });
    try {
      const cli = await spawnCli([`--client_secrets_path=${clientFile}`, '--headless', '--timeout', '60', '--config', config], { t });
      const url = await cli.consentUrl();
      cli.write(
        `${url.searchParams.get('redirect_uri')}?state=${encodeURIComponent(url.searchParams.get('state')!)}&code=${encodeURIComponent(CODE)}\n`,
      );
      await waitFor(() => tokenCalls() === 1, 10_000, 'the exchange');
      await new Promise((r) => setTimeout(r, 500)); // now waiting for the lock
      cli.kill('SIGTERM');
      const exit = await cli.waitForExit(10_000);
      assert.equal(exit.code, 130, exit.stderr);
      assert.equal(await readFile(config, 'utf8'), before);
      assertNoSecrets(exit, [SECRET, CODE], { noStackTrace: true });
    } finally {
      await rm(`${config}.lock`, { force: true });
    }
  });

  it('a fixed --port taken on [::] (dual stack) fails before any URL is printed, with exit 7', async (t) => {
    const holder: Server = createServer();
    const listening = await new Promise<boolean>((resolve) => {
      holder.once('error', () => resolve(false));
      holder.listen({ host: '::', port: 0, ipv6Only: false }, () => resolve(true));
    });
    if (!listening) {
      t.skip('no IPv6 on this machine');
      return;
    }
    const port = (holder.address() as { port: number }).port;
    try {
      assert.equal(await canBind(port), false, 'the [::] holder covers 127.0.0.1 too');
      const cli = await spawnCli([`--client_secrets_path=${clientFile}`, '--port', String(port), '--timeout', '10'], { t });
      const exit = await cli.waitForExit(20_000);
      assertCleanFailure(exit, 7);
      assert.match(exit.stderr, new RegExp(`[Pp]ort ${port}`));
      assert.doesNotMatch(exit.stderr, /Paste this URL|\?response_type=|client_id=/, 'no consent URL before the port is known to be free');
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
