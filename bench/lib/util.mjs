// Shared helpers of the bench: statistics, /proc readings, child processes that print a JSON line.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLK_TCK = 100; // Linux USER_HZ

export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const round = (x, digits = 1) =>
  x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits;

export function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return { n: 0, median: null, min: null, max: null, p99: null };
  const mid = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return {
    n: s.length,
    median: round(mid, 2),
    min: round(s[0], 2),
    max: round(s.at(-1), 2),
    p50: round(quantile(s, 0.5), 2),
    p99: round(quantile(s, 0.99), 2),
  };
}

/** utime+stime of a process in ms (from /proc/PID/stat), or null when it is gone. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Current and peak RSS in KiB (VmRSS, VmHWM from /proc/PID/status). */
export function rssKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const get = (k) => Number(status.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))?.[1] ?? NaN);
    return { rss: get('VmRSS'), hwm: get('VmHWM') };
  } catch {
    return null;
  }
}

export const HAS_TIME = existsSync('/usr/bin/time');

/** A long-lived helper process that prints one JSON line when ready; resolves {child, info, stop}. */
export function startProcess(args, { env = {}, cwd = ROOT, ready = /^\{.*\}$/m, timeoutMs = 30_000, name = args[0] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} not ready within ${timeoutMs} ms\n${out}\n${err}`));
    }, timeoutMs);
    let isReady = false;
    const check = () => {
      if (isReady) {
        // After start-up only the tail is kept (serve logs a line a request).
        if (out.length > 100_000) out = out.slice(-20_000);
        if (err.length > 100_000) err = err.slice(-20_000);
        return;
      }
      const m = (out + err).match(ready);
      if (m) {
        isReady = true;
        clearTimeout(timer);
        let info = {};
        try {
          info = JSON.parse(m[0]);
        } catch {
          /* a non-JSON ready line */
        }
        resolve({
          child,
          info,
          pid: child.pid,
          get stderr() {
            return err;
          },
          get stdout() {
            return out;
          },
          stop: () =>
            new Promise((res) => {
              if (child.exitCode !== null || child.signalCode !== null) return res();
              child.once('exit', () => res());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
            }),
        });
      }
    };
    child.stdout.setEncoding('utf8').on('data', (c) => {
      out += c;
      check();
    });
    child.stderr.setEncoding('utf8').on('data', (c) => {
      err += c;
      check();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!isReady) reject(new Error(`${name} exited (${code}) before it was ready\n${out}\n${err}`));
    });
  });
}

export async function startProvider(extra = []) {
  const p = await startProcess(['bench/lib/provider.mjs', ...extra], { name: 'provider' });
  return { ...p, issuer: p.info.issuer, port: p.info.port };
}

/** A GET/POST with node:http, no agent; resolves {status, headers, body}. */
export async function httpJson(url, { method = 'GET', body, headers = {} } = {}) {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } : headers,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
