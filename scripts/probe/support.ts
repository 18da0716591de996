/**
 * What the probes share: flags, a seeded PRNG, server processes, HTTP over fetch and over raw sockets,
 * sandbox partners, the PostgreSQL schema of a run, a /healthz monitor on a thread of its own, and
 * the summary table. docs/probes.md says what each probe checks.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { SERVER_COMMAND, startProcess, type ServerProcess } from '../bench/server.js';

export { SERVER_COMMAND, startProcess, type ServerProcess };

/** `--name=value` flags over `defaults` (numbers stay numbers); `--help` prints `usage`. */
export function flags<T extends Record<string, string | number | boolean>>(usage: string, defaults: T): T {
  const out: Record<string, string | number | boolean> = { ...defaults };
  for (const a of process.argv.slice(2)) {
    if (a === '--help' || a === '-h') {
      console.log(usage);
      process.exit(0);
    }
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(m[1] in defaults)) throw new Error(`unknown argument ${a}\n${usage}`);
    const dflt = defaults[m[1]];
    const v = m[2] ?? 'true';
    if (typeof dflt === 'number') {
      if (!Number.isFinite(Number(v))) throw new Error(`--${m[1]} must be a number\n${usage}`);
      out[m[1]] = Number(v);
    } else out[m[1]] = typeof dflt === 'boolean' ? v !== 'false' : v;
  }
  return out as T;
}

/** A seeded PRNG (mulberry32): the same --seed sends the same requests. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** A version 4 UUID made from this generator. */
  uuid(): string {
    const h = Array.from({ length: 32 }, () => this.int(0, 15).toString(16));
    h[12] = '4';
    h[16] = '89ab'[this.int(0, 3)];
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
  ms: number;
}

/** One request through fetch; a string body is sent as is, an object as JSON. Throws on a network error or abort. */
export async function http(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; headers?: Record<string, string>; body?: unknown; signal?: AbortSignal } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined;
  if (typeof opts.body === 'string' || opts.body instanceof Uint8Array || opts.body instanceof URLSearchParams) body = opts.body as BodyInit;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const t0 = performance.now();
  const res = await fetch(base + path, { method, headers, body, signal: opts.signal });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, ms: performance.now() - t0 };
}

/** Bytes fetch refuses to send (NUL in headers, duplicate headers, lying Content-Length), on a socket of its own. */
export function rawHttp(base: string, bytes: Buffer, timeoutMs = 5_000): Promise<{ status: number; text: string; ms: number }> {
  const url = new URL(base);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(url.port), url.hostname, () => socket.end(bytes));
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      // The final status: past any interim 1xx (100 Continue). None: the server closed without answering (0).
      const statuses = [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ status: statuses.find((s) => s >= 200) ?? 0, text, ms: performance.now() - t0 });
    };
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('close', done);
    socket.on('error', () => undefined);
  });
}

export interface SandboxPartner {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  token: string;
  customers: { id: string; cartId: string }[];
}

async function ok(res: Promise<Answer>, what: string, status = 201) {
  const a = await res;
  if (a.status !== status) throw new Error(`${what}: ${a.status} ${a.text.slice(0, 300)}`);
  return JSON.parse(a.text);
}

/** A sandbox partner with an app-only token and `customers` customers (each with an active cart). */
export async function sandboxPartner(base: string, customers = 1, name = 'probe'): Promise<SandboxPartner> {
  const p = await ok(http(base, 'POST', '/sandbox/partners', { body: { name } }), 'POST /sandbox/partners');
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: p.clientId, client_secret: p.clientSecret });
  const { access_token } = await ok(
    http(base, 'POST', '/oauth2/token', { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    'POST /oauth2/token',
    200,
  );
  const list = [...p.customers];
  while (list.length < customers) list.push(await ok(http(base, 'POST', `/sandbox/partners/${p.tenantId}/customers`, { body: {} }), 'add customer'));
  return { ...p, token: access_token, customers: list };
}

/** Runs `fn` over `items` with at most `n` at once. */
export async function inPool<T>(n: number, items: T[], fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh schema name for a run; `dropSchema` removes it afterwards. */
export const freshSchema = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`;

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Starts the service (main.ts) on a free port, quiet, with `env` on top. */
export const startServer = (env: Record<string, string | undefined>) =>
  startProcess(SERVER_COMMAND, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env });

export interface HealthReport {
  samples: number;
  maxMs: number;
  p99Ms: number;
  failures: number;
  /** Polls slower than the stall limit: when (ms since start) and how long. */
  stalls: { atMs: number; ms: number }[];
}

/**
 * Polls `GET /healthz` every `everyMs` from a worker thread (its own event loop, so the probe's own
 * work does not inflate the latencies it reads), one poll at a time: a stalled server shows as one
 * long poll. Stop it to get the report.
 */
export function healthMonitor(base: string, everyMs = 50, stallMs = 200): { stop(): Promise<HealthReport> } {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const http = require('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const { url, everyMs } = workerData;
    const lat = []; let failures = 0; let running = true; const start = Date.now();
    const poll = () => new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = http.get(url + '/healthz', { agent, timeout: 10000 }, (res) => {
        res.resume();
        res.on('end', () => { if (res.statusCode !== 200) failures++; resolve(Number(process.hrtime.bigint() - t0) / 1e6); });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => { failures++; resolve(Number(process.hrtime.bigint() - t0) / 1e6); });
    });
    parentPort.on('message', () => { running = false; });
    (async () => {
      while (running) {
        const at = Date.now() - start;
        const ms = await poll();
        lat.push([at, ms]);
        await new Promise((r) => setTimeout(r, Math.max(0, everyMs - ms)));
      }
      parentPort.postMessage({ lat, failures });
    })();`;
  const worker = new Worker(code, { eval: true, workerData: { url: base, everyMs } });
  return {
    stop: () =>
      new Promise((resolve) => {
        worker.once('message', ({ lat, failures }: { lat: [number, number][]; failures: number }) => {
          void worker.terminate();
          const ms = lat.map(([, m]) => m).sort((a, b) => a - b);
          resolve({
            samples: ms.length,
            maxMs: round(ms.at(-1) ?? 0),
            p99Ms: round(ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.99))] ?? 0),
            failures,
            stalls: lat.filter(([, m]) => m > stallMs).map(([atMs, m]) => ({ atMs, ms: round(m) })),
          });
        });
        worker.postMessage('stop');
      }),
  };
}

export const round = (n: number) => Math.round(n * 10) / 10;

/** Prints rows as an aligned table: the first row is the header. */
export function printTable(rows: (string | number)[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  '));
}

/** `Map.groupBy` (Node 21+) for Node 20. */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
