// The load driver of the serve bench, run as its own process (the third one, beside the server and
// the provider): `node bench/lib/driver.mjs '<json config>'` prints one JSON line of results.
//
// Virtual browsers on raw sockets (node:net; a hand-written HTTP/1.1 client, far cheaper than
// http.request). Each authorization is a new user: a new cookie jar, new keep-alive connections
// to the server and to the provider, from its own source address in 127.0.0.0/8 (the server's
// per-IP rate limit on /connect and /oauth2callback sees distinct users, as it would in
// production). One authorization: GET /connect → 302 to the provider (Set-Cookie kept) →
// [paced: wait `consentMs`, the user reading the consent screen] → GET provider → 302 to the
// callback → GET /oauth2callback with the cookies → 200 "Connected as". Load is bounded: at most
// `concurrency` browsers, for `durationMs` (plus `warmupMs`, not counted), or `users` in all.
//
// Modes: "auth" (above) and "get" (GET one path over `concurrency` keep-alive connections with
// `pipelining` requests in flight on each: the broker's cached access-token answers).
import { connect } from 'node:net';

const config = JSON.parse(process.argv[2]);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A keep-alive HTTP/1.1 connection that runs requests one after another (or pipelined). */
class Conn {
  constructor(host, port, localAddress) {
    this.host = host;
    this.port = port;
    this.localAddress = localAddress;
    this.queue = [];
    this.buf = Buffer.alloc(0);
    this.socket = null;
  }
  open() {
    const socket = connect({
      host: this.host,
      port: this.port,
      ...(this.localAddress ? { localAddress: this.localAddress } : {}),
      noDelay: true,
    });
    this.socket = socket;
    socket.on('data', (chunk) => this.onData(chunk));
    const fail = (error) => {
      if (this.socket !== socket && this.socket !== null) return; // an old socket closing late
      const pending = this.queue;
      this.queue = [];
      this.socket = null;
      this.buf = Buffer.alloc(0);
      for (const p of pending) p.reject(error ?? new Error('connection closed'));
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }
  request(path, headers = {}) {
    if (!this.socket || this.socket.destroyed) this.open();
    let head = `GET ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nUser-Agent: ads-oauth-bench\r\nAccept: */*\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('timeout'));
        this.close();
      }, config.requestTimeoutMs ?? 10_000);
      this.queue.push({
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.write(`${head}\r\n`);
    });
  }
  onData(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.queue.length > 0) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString('latin1');
      const lines = head.split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const headers = {};
      const cookies = [];
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).toLowerCase();
        const value = line.slice(i + 1).trim();
        if (name === 'set-cookie') cookies.push(value);
        else headers[name] = value;
      }
      const bodyStart = end + 4;
      let body;
      let consumed;
      if (headers['transfer-encoding']?.includes('chunked')) {
        const parts = [];
        let at = bodyStart;
        for (;;) {
          const lineEnd = this.buf.indexOf('\r\n', at);
          if (lineEnd < 0) return;
          const size = parseInt(this.buf.subarray(at, lineEnd).toString('latin1'), 16);
          if (this.buf.length < lineEnd + 2 + size + 2) return;
          if (size === 0) {
            consumed = lineEnd + 4;
            break;
          }
          parts.push(this.buf.subarray(lineEnd + 2, lineEnd + 2 + size));
          at = lineEnd + 2 + size + 2;
        }
        body = Buffer.concat(parts);
      } else {
        const length = Number(headers['content-length'] ?? 0);
        if (this.buf.length < bodyStart + length) return;
        body = this.buf.subarray(bodyStart, bodyStart + length);
        consumed = bodyStart + length;
      }
      this.buf = this.buf.subarray(consumed);
      const p = this.queue.shift();
      p.resolve({ status, headers, cookies, body: body.toString('utf8') });
      if (headers['connection'] === 'close') this.close();
    }
  }
  close() {
    this.socket?.destroy();
    this.socket = null;
  }
}

const target = new URL(config.target);
let ipCounter = 0;
/** Source addresses 127.1.0.1 … 127.254.255.254: a new one for each user. */
function nextAddress() {
  const n = ipCounter++ % (254 * 255 * 254);
  return `127.${1 + Math.floor(n / (255 * 254))}.${Math.floor(n / 254) % 255}.${1 + (n % 254)}`;
}

function pathOf(location, base) {
  const u = new URL(location, base);
  return { url: u, path: u.pathname + u.search };
}

async function oneAuthorization(consentMs) {
  const ip = nextAddress();
  const server = new Conn(target.hostname, Number(target.port), ip);
  const jar = new Map();
  const keep = (cookies) => {
    for (const c of cookies) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  };
  const cookieHeader = () => (jar.size ? { Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {});
  let provider;
  try {
    const t0 = nowMs();
    const start = await server.request(config.connectPath ?? '/connect', cookieHeader());
    keep(start.cookies);
    if (start.status !== 302 || !start.headers.location) throw new Error(`/connect answered ${start.status}`);
    if (config.connectOnly) return { ok: true, latencyMs: nowMs() - t0, callbackMs: 0 };
    const consent = pathOf(start.headers.location, target);
    let waited = 0;
    if (consentMs > 0) {
      const w0 = nowMs();
      await sleep(consentMs);
      waited = nowMs() - w0;
    }
    provider = new Conn(consent.url.hostname, Number(consent.url.port), ip);
    const back = await provider.request(consent.path);
    if (back.status !== 302 || !back.headers.location) throw new Error(`provider answered ${back.status}`);
    const callback = pathOf(back.headers.location, target);
    const tCb = nowMs();
    const page = await server.request(callback.path, cookieHeader());
    const t1 = nowMs();
    if (page.status !== 200 || !/Connected as/.test(page.body))
      throw new Error(`callback answered ${page.status}: ${page.body.slice(0, 200).replace(/\s+/g, ' ')}`);
    return { ok: true, latencyMs: t1 - t0 - waited, callbackMs: t1 - tCb };
  } catch (error) {
    return { ok: false, error: String(error.message ?? error) };
  } finally {
    server.close();
    provider?.close();
  }
}

function quantiles(values) {
  const s = Float64Array.from(values).sort();
  const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] : null);
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s.length ? s[s.length - 1] : null };
}

async function runAuth() {
  const { concurrency, durationMs = 0, warmupMs = 0, users = Infinity, consentMs = 0 } = config;
  const tStart = nowMs();
  const tMeasure = tStart + warmupMs;
  const tEnd = tMeasure + durationMs;
  let started = 0;
  let okAll = 0;
  const latencies = [];
  const callbacks = [];
  const errors = {};
  let errorCount = 0;
  let measuredOk = 0;
  let firstMeasured = null;
  let lastMeasured = null;
  const worker = async () => {
    while (started < users && (durationMs === 0 || nowMs() < tEnd)) {
      started++;
      const r = await oneAuthorization(consentMs);
      const t = nowMs();
      if (r.ok) okAll++;
      else {
        errorCount++;
        errors[r.error] = (errors[r.error] ?? 0) + 1;
      }
      if (t >= tMeasure && (durationMs === 0 || t <= tEnd)) {
        if (r.ok) {
          measuredOk++;
          latencies.push(r.latencyMs);
          callbacks.push(r.callbackMs);
        }
        firstMeasured ??= t;
        lastMeasured = t;
      }
    }
  };
  // Signal the parent when measurement starts so it can read the server's CPU at that instant.
  setTimeout(() => process.stderr.write('MEASURE_START\n'), Math.max(0, warmupMs)).unref();
  if (durationMs) setTimeout(() => process.stderr.write('MEASURE_END\n'), warmupMs + durationMs).unref();
  if (config.spreadMs) {
    // Paced: `users` people arriving evenly over spreadMs, each reading the consent screen for
    // consentMs × 0.75–1.25, one authorization each.
    await Promise.all(
      Array.from({ length: users }, async (_, i) => {
        await sleep((i * config.spreadMs) / users);
        started++;
        const r = await oneAuthorization(consentMs * (0.75 + Math.random() * 0.5));
        if (r.ok) {
          okAll++;
          measuredOk++;
          latencies.push(r.latencyMs);
          callbacks.push(r.callbackMs);
        } else {
          errorCount++;
          errors[r.error] = (errors[r.error] ?? 0) + 1;
        }
        lastMeasured = nowMs();
      }),
    );
  } else {
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  const windowMs = durationMs || lastMeasured - tStart;
  return {
    mode: 'auth',
    concurrency,
    consentMs,
    started,
    completed: okAll,
    measured: measuredOk,
    windowMs,
    throughput: measuredOk / (windowMs / 1000),
    latency: quantiles(latencies),
    callbackLatency: quantiles(callbacks),
    errors: errorCount,
    errorKinds: Object.fromEntries(Object.entries(errors).slice(0, 5)),
    elapsedMs: nowMs() - tStart,
  };
}

async function runGet() {
  const { concurrency, pipelining = 1, durationMs, warmupMs = 0, headers = {} } = config;
  // One path, or a random one of pathPrefix + each line of idsFile + pathSuffix.
  const ids = config.idsFile ? (await import('node:fs')).readFileSync(config.idsFile, 'utf8').split('\n').filter(Boolean) : null;
  const asked = new Set();
  const pick = ids
    ? () => {
        const i = Math.floor(Math.random() * ids.length);
        asked.add(i);
        return `${config.pathPrefix}${ids[i]}${config.pathSuffix ?? ''}`;
      }
    : () => config.path;
  const tStart = nowMs();
  const tMeasure = tStart + warmupMs;
  const tEnd = tMeasure + durationMs;
  let ok = 0;
  let bad = 0;
  const statuses = {};
  const latencies = [];
  setTimeout(() => process.stderr.write('MEASURE_START\n'), warmupMs).unref();
  const lane = async (conn) => {
    while (nowMs() < tEnd) {
      const t0 = nowMs();
      try {
        const r = await conn.request(pick(), headers);
        const t1 = nowMs();
        if (t1 >= tMeasure && t1 <= tEnd) {
          if (r.status === 200) ok++;
          else {
            bad++;
            statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          }
          if (latencies.length < 2_000_000) latencies.push(t1 - t0);
        }
      } catch (error) {
        bad++;
        statuses[String(error.message)] = (statuses[String(error.message)] ?? 0) + 1;
        await sleep(10);
      }
    }
  };
  const conns = Array.from({ length: concurrency }, () => new Conn(target.hostname, Number(target.port)));
  await Promise.all(conns.flatMap((c) => Array.from({ length: pipelining }, () => lane(c))));
  for (const c of conns) c.close();
  process.stderr.write('MEASURE_END\n');
  return {
    mode: 'get',
    concurrency,
    pipelining,
    distinctPaths: ids ? asked.size : 1,
    rps: ok / (durationMs / 1000),
    ok,
    errors: bad,
    statuses,
    latency: quantiles(latencies),
  };
}

/** `count` requests at once, each on its own connection; the answers' statuses. */
async function runBurst() {
  const { count, path, headers = {} } = config;
  const t0 = nowMs();
  const results = await Promise.all(
    Array.from({ length: count }, async () => {
      const c = new Conn(target.hostname, Number(target.port));
      try {
        const r = await c.request(path, headers);
        return { status: r.status, token: r.status === 200 ? JSON.parse(r.body).access_token : null };
      } catch (error) {
        return { status: String(error.message) };
      } finally {
        c.close();
      }
    }),
  );
  const statuses = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return {
    mode: 'burst',
    count,
    statuses,
    ok: statuses[200] ?? 0,
    distinctTokens: new Set(results.map((r) => r.token).filter(Boolean)).size,
    elapsedMs: nowMs() - t0,
  };
}

const result = config.mode === 'get' ? await runGet() : config.mode === 'burst' ? await runBurst() : await runAuth();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
