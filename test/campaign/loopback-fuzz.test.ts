// Property-based fuzzing of the loopback listener, through the real CLI (issue 10, "Fuzzing and
// load: Loopback"). Each run starts `generate-user-credentials` against a scripted token
// endpoint, then sends it fast-check-generated requests over raw sockets — paths, methods, Host
// headers, parameters, encodings, oversized lines and headers, pipelining, half-open and
// dribbled sockets — with the one genuine callback at a random position.
//
// Figures (written by `npm run test:campaign` into SECURITY.md): requests sent, crashes (the CLI
// died, stopped answering or answered 5xx), responses with an unescaped `<` from the input,
// token-endpoint calls (exactly 1 a run), genuine successes, the exit time after the page, and
// file descriptors still open before the genuine callback compared with before the first request.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { killLeftovers, spawnCli } from '../support/cli.js';
import { startFakeTokenEndpoint, tokenBody, type FakeTokenEndpoint } from '../support/fake-token-endpoint.js';
import { count, recordFigures } from './campaign.js';
import { installedClientJson } from '../support/client-file.js';

const RUNS = count(2, 20);
const PER_RUN = count(150, 501); // 500 generated requests and the genuine callback a run: 10,000 in a full campaign
const SUCCESS = 'Your refresh token has been fetched.';
/** Planted in generated input; a response that contains it raw echoed markup unescaped. */
const MARKER = '<zq';

interface Reply {
  /** Everything the server sent back (latin1), possibly several responses (pipelining). */
  text: string;
  /** Whether the connection was refused (the listener is gone). */
  refused: boolean;
  receivedAt: number;
}

/** Sends raw bytes in one or more chunks and collects the answer until the server closes or `ms`. */
function rawExchange(port: number, chunks: readonly Buffer[], options: { halfOpen: boolean; gapMs: number; ms?: number }): Promise<Reply> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let settled = false;
    const done = (refused: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(parts).toString('latin1'), refused, receivedAt: Date.now() });
    };
    const timer = setTimeout(() => done(false), options.ms ?? 3_000);
    const socket = connect({ port, host: '127.0.0.1' }, async () => {
      for (const [i, chunk] of chunks.entries()) {
        if (socket.destroyed) return;
        socket.write(chunk);
        if (options.gapMs > 0 && i < chunks.length - 1) await new Promise((r) => setTimeout(r, options.gapMs));
      }
      if (options.halfOpen) socket.end();
    });
    socket.on('data', (c: Buffer) => parts.push(c));
    socket.on('end', () => done(false));
    socket.on('close', () => done(false));
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
  });
}

// ---- the generated requests -------------------------------------------------------------------

const hostile = fc.oneof(
  fc.constantFrom(
    `${MARKER}>`,
    `"><${MARKER.slice(1)} onerror=x>`,
    `%3C${MARKER.slice(1)}%3E`,
    `${MARKER}/script>`,
    '4%2F0Aabc',
    '4/0Aabc',
    '%00',
    '%ZZ',
    '%',
    '\u202e',
    'é',
    '%C3%A9',
    '%FF',
  ),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const paramName = fc.oneof(
  fc.constantFrom(
    'code',
    'state',
    'error',
    'error_description',
    'error_uri',
    'iss',
    'scope',
    'authuser',
    'prompt',
    'hd',
    'code[]',
    'state ',
    'STATE',
    '',
  ),
  fc.string({ maxLength: 8 }),
);
/** A query string, its values raw or percent-encoded (a raw space or CR makes a malformed request line on purpose). */
const query = fc
  .tuple(fc.array(fc.tuple(paramName, hostile), { maxLength: 8 }), fc.constantFrom(true, true, true, true, true, false))
  .map(([pairs, encode]) =>
    pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encode ? encodeURIComponent(v) : v.replace(/[\r\n ]/g, '+')}`).join('&'),
  );
const path = fc.constantFrom(
  '/',
  '/',
  '/',
  '/favicon.ico',
  '//evil.example/',
  '/%2F',
  '/x/../',
  '/.',
  '/./',
  '*',
  'http://evil.example/',
  '/\\evil',
  '/%00',
  '/?',
  '/index.html',
  '/oauth2callback',
);
const method = fc.constantFrom('GET', 'GET', 'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'get', 'BREW', 'CONNECT');
type HostKind = 'own' | 'localhost' | 'ipv6' | 'foreign' | 'wrong-port' | 'missing' | 'twice';
const hostKind = fc.constantFrom<HostKind>('own', 'own', 'own', 'localhost', 'ipv6', 'foreign', 'wrong-port', 'missing', 'twice');
const extraHeaders = fc.array(
  fc.oneof(
    fc.constantFrom(
      'Connection: close',
      'Connection: keep-alive',
      'Transfer-Encoding: chunked',
      'Content-Length: 5',
      'Content-Length: -1',
      'Expect: 100-continue',
      'Upgrade: websocket',
      `Cookie: a=${MARKER}`,
      `Referer: http://evil.example/${MARKER}`,
    ),
    fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,12}$/), fc.string({ maxLength: 20 })).map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, ' ')}`),
  ),
  { maxLength: 3 },
);
type Size = 'normal' | 'long-url' | 'huge-headers' | 'many-params';
const size = fc.constantFrom<Size>('normal', 'normal', 'normal', 'normal', 'normal', 'normal', 'long-url', 'huge-headers', 'many-params');
type Shape = 'whole' | 'pipelined' | 'half-open' | 'dribbled' | 'truncated';
const shape = fc.constantFrom<Shape>('whole', 'whole', 'whole', 'pipelined', 'half-open', 'dribbled', 'truncated');
const version = fc.constantFrom(
  'HTTP/1.1',
  'HTTP/1.1',
  'HTTP/1.1',
  'HTTP/1.1',
  'HTTP/1.1',
  'HTTP/1.1',
  'HTTP/1.0',
  'HTTP/2.0',
  'HTTP/1.1 x',
  '',
);

const fuzzRequest = fc.record({
  method,
  path,
  query,
  hostKind,
  extraHeaders,
  size,
  shape,
  version,
  body: fc.option(hostile, { nil: undefined, freq: 4 }),
});
type FuzzRequest = typeof fuzzRequest extends fc.Arbitrary<infer T> ? T : never;

function render(r: FuzzRequest, port: number): { chunks: Buffer[]; halfOpen: boolean; gapMs: number } {
  let target = r.path;
  let q = r.query;
  if (r.size === 'long-url') q += `&pad=${'A'.repeat(64 * 1024)}`;
  if (r.size === 'many-params') q += '&p=1'.repeat(10_000);
  if (q !== '' && r.path !== '*') target += (target.includes('?') ? '&' : '?') + q;
  const headers: string[] = [];
  const host = {
    own: `127.0.0.1:${port}`,
    localhost: `localhost:${port}`,
    ipv6: `[::1]:${port}`,
    foreign: 'evil.example',
    'wrong-port': '127.0.0.1:1',
    missing: '',
    twice: '',
  }[r.hostKind];
  if (r.hostKind === 'twice') headers.push(`Host: 127.0.0.1:${port}`, 'Host: evil.example');
  else if (host) headers.push(`Host: ${host}`);
  headers.push(...r.extraHeaders);
  if (r.size === 'huge-headers') headers.push(`X-Pad: ${'B'.repeat(32 * 1024)}`);
  if (r.body !== undefined) headers.push(`Content-Length: ${Buffer.byteLength(r.body)}`);
  const one = Buffer.from(`${r.method} ${target} ${r.version}\r\n${headers.join('\r\n')}\r\n\r\n${r.body ?? ''}`, 'utf8');
  switch (r.shape) {
    case 'pipelined':
      return { chunks: [Buffer.concat([one, one, one])], halfOpen: false, gapMs: 0 };
    case 'half-open':
      return { chunks: [one.subarray(0, Math.max(1, one.length >> 1))], halfOpen: true, gapMs: 0 };
    case 'dribbled':
      return { chunks: [one.subarray(0, 7), one.subarray(7, 20), one.subarray(20)], halfOpen: false, gapMs: 5 };
    case 'truncated':
      return { chunks: [one.subarray(0, Math.max(1, one.length - 3))], halfOpen: true, gapMs: 0 };
    default:
      return { chunks: [one], halfOpen: false, gapMs: 0 };
  }
}

const statusesOf = (text: string): number[] => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

// ---- the runs --------------------------------------------------------------------------------

interface RunFigures {
  requests: number;
  crashes: number;
  unescaped: number;
  tokenCalls: number;
  genuineSuccess: boolean;
  exitAfterPageMs: number;
  leakedFds: number;
  statuses: Record<string, number>;
}

describe(`loopback fuzzing: ${RUNS} runs × ${PER_RUN} generated requests, one genuine callback each`, { timeout: 30 * 60_000 }, () => {
  let fake: FakeTokenEndpoint;
  let dir: string;
  let secrets: string;
  const runs: RunFigures[] = [];

  before(async () => {
    fake = await startFakeTokenEndpoint();
    dir = await mkdtemp(join(tmpdir(), 'ads-oauth-fuzz-'));
    secrets = join(dir, 'client.json');
    await writeFile(
      secrets,
      installedClientJson({
        clientId: 'fuzz.apps.googleusercontent.com',
        clientSecret: 'GOCSPX-fuzz-secret-0123',
        authUri: fake.authUri,
        tokenUri: fake.tokenUri,
      }),
    );
  });
  after(async () => {
    await killLeftovers();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
    const total = (k: 'requests' | 'crashes' | 'unescaped' | 'tokenCalls' | 'leakedFds'): number => runs.reduce((n, r) => n + r[k], 0);
    const statuses: Record<string, number> = {};
    for (const run of runs) for (const [s, n] of Object.entries(run.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
    const exits = runs.map((r) => r.exitAfterPageMs).sort((a, b) => a - b);
    recordFigures('loopback-fuzz', {
      runs: runs.length,
      requests: total('requests'),
      crashes: total('crashes'),
      unescapedMarkup: total('unescaped'),
      tokenCallsPerRun: [...new Set(runs.map((r) => r.tokenCalls))],
      genuineSuccesses: runs.filter((r) => r.genuineSuccess).length,
      exitAfterPageMs: { median: exits[exits.length >> 1] ?? null, max: exits.at(-1) ?? null },
      leakedFds: total('leakedFds'),
      statuses,
    });
  });

  for (let runIndex = 0; runIndex < RUNS; runIndex += 1) {
    it(`run ${runIndex + 1}: no crash, nothing echoed unescaped, exactly one exchange, the genuine callback wins`, async (t) => {
      fake.reset();
      fake.next({ body: tokenBody() });
      const seed = Number(process.env['ADS_OAUTH_FUZZ_SEED'] ?? Date.now() % 2 ** 31) + runIndex;
      const run = await spawnCli(['--client_secrets_path', secrets, '--timeout', '300'], { t });
      const url = await run.consentUrl(30_000);
      const state = url.searchParams.get('state')!;
      const port = Number(new URL(url.searchParams.get('redirect_uri')!).port);
      const requests = fc.sample(fuzzRequest, { numRuns: PER_RUN, seed });
      const genuineAt = Math.floor(PER_RUN / 4 + ((((seed * 2654435761) % 1009) / 1009) * (PER_RUN * 3)) / 4); // in the last three quarters
      const fdsBefore = fdCount(run.pid);
      const figures: RunFigures = {
        requests: 0,
        crashes: 0,
        unescaped: 0,
        tokenCalls: 0,
        genuineSuccess: false,
        exitAfterPageMs: -1,
        leakedFds: 0,
        statuses: {},
      };
      let pageAt = 0;
      const problems: string[] = [];

      for (const [i, request] of requests.entries()) {
        if (i === genuineAt) {
          // Settle: every fuzz socket so far is closed by now, or it leaked.
          await new Promise((r) => setTimeout(r, 150));
          figures.leakedFds = Math.max(0, fdCount(run.pid) - fdsBefore);
          const genuine = await rawExchange(
            port,
            [
              Buffer.from(
                `GET /?state=${encodeURIComponent(state)}&code=4%2F0Agenuine-code&scope=${encodeURIComponent('https://www.googleapis.com/auth/adwords')} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
              ),
            ],
            { halfOpen: false, gapMs: 0, ms: 15_000 },
          );
          pageAt = genuine.receivedAt;
          figures.genuineSuccess = genuine.text.startsWith('HTTP/1.1 200 ') && genuine.text.includes(SUCCESS);
          if (!figures.genuineSuccess) problems.push(`the genuine callback got: ${genuine.text.slice(0, 300)}`);
          continue;
        }
        const { chunks, halfOpen, gapMs } = render(request, port);
        const reply = await rawExchange(port, chunks, { halfOpen, gapMs });
        figures.requests += 1;
        if (reply.refused) {
          if (i > genuineAt) figures.statuses['refused after the run'] = (figures.statuses['refused after the run'] ?? 0) + 1;
          if (i < genuineAt) {
            figures.crashes += 1;
            problems.push(`connection refused before the genuine callback (request ${i}): ${JSON.stringify(request).slice(0, 300)}`);
          }
          continue;
        }
        if (i > genuineAt) {
          figures.statuses['after the run'] = (figures.statuses['after the run'] ?? 0) + 1;
          continue;
        }
        if (reply.text === '') figures.statuses['closed unanswered'] = (figures.statuses['closed unanswered'] ?? 0) + 1;
        for (const status of statusesOf(reply.text)) {
          figures.statuses[status] = (figures.statuses[status] ?? 0) + 1;
          if (status >= 500) {
            figures.crashes += 1;
            problems.push(`${status} for ${JSON.stringify(request).slice(0, 300)}`);
          }
          if (status === 200 && i < genuineAt)
            problems.push(`a generated request was answered 200: ${JSON.stringify(request).slice(0, 300)}`);
        }
        if (reply.text.includes(MARKER) || /<zq/i.test(reply.text)) {
          figures.unescaped += 1;
          problems.push(`markup echoed unescaped for ${JSON.stringify(request).slice(0, 300)}`);
        }
        if (run.done && i < genuineAt) {
          figures.crashes += 1;
          problems.push(`the CLI exited before the genuine callback, after request ${i}: ${run.stderr.slice(-500)}`);
          break;
        }
      }
      const exit = await run.waitForExit(20_000);
      figures.exitAfterPageMs = Date.now() - pageAt; // the page arrived → the process is gone and its pipes drained
      figures.tokenCalls = fake.requests.filter((r) => r.url.startsWith('/token')).length;
      runs.push(figures);

      assert.deepEqual(problems, [], `seed ${seed}`);
      assert.equal(exit.code, 0, `seed ${seed}: ${exit.stderr}`);
      assert.match(exit.stdout, /Your refresh token is: 1\/\/fake-refresh-token/);
      assert.equal(figures.tokenCalls, 1, `seed ${seed}: the token endpoint must be called exactly once`);
      assert.equal(figures.leakedFds, 0, `seed ${seed}: file descriptors left open by generated requests`);
    });
  }
});
