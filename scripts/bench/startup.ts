/**
 * Start-up (issue 14): the service started as a user starts it (SERVER_COMMAND, its own defaults:
 * provisioning worker on, `LOG_LEVEL` info), on a new data directory (PGlite) or a new schema
 * (PostgreSQL), then again on the same one ("warm"). Measured from the spawn: each progress line's
 * arrival, the first 200 of `GET /healthz` (polled every 20 ms), then the process's RSS once it has
 * idled for a few seconds, and its high-water mark (VmHWM).
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { round } from './load.js';
import { rssMb, SERVER_COMMAND } from './server.js';

export interface StartRun {
  /** Milliseconds from the spawn to the first 200 of GET /healthz. */
  firstOkMs: number;
  /** Each line the process printed before that, with its arrival in ms after the spawn. */
  lines: { ms: number; line: string }[];
  /** RSS after `idleSeconds` of idling, in MB. */
  rssIdleMb: number;
  /** The process's peak RSS (VmHWM) over its start and idle, in MB. */
  rssPeakMb: number;
}

export interface StartupResult {
  idleSeconds: number;
  /** Runs on a directory (schema) the service had never seen. */
  fresh: StartRun[];
  /** Runs on the directory (schema) the run before made. */
  warm: StartRun[];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const healthz = (port: number) =>
  new Promise<number>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function peakMb(pid: number): number {
  const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? round(Number(m[1]) / 1024) : NaN;
}

/** One start: spawn, first 200, idle, stop. */
export async function measureStart(env: Record<string, string>, idleSeconds: number): Promise<StartRun> {
  const port = await freePort();
  const [node, ...args] = SERVER_COMMAND;
  const t0 = performance.now();
  const proc = spawn(node, args, { env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: StartRun['lines'] = [];
  let output = '';
  let partial = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const ms = Math.round(performance.now() - t0);
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) lines.push({ ms, line });
    output += chunk;
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  try {
    let firstOkMs = 0;
    while (!firstOkMs) {
      if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}) before answering:\n${output}`);
      if (performance.now() - t0 > 180_000) throw new Error(`no 200 from /healthz within 180 s:\n${output}`);
      if ((await healthz(port)) === 200) firstOkMs = Math.round(performance.now() - t0);
      else await sleep(20);
    }
    await sleep(idleSeconds * 1000);
    return { firstOkMs, lines: lines.filter((l) => l.ms <= firstOkMs), rssIdleMb: rssMb(proc.pid!), rssPeakMb: peakMb(proc.pid!) };
  } finally {
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * `runs` times: a start on a new directory (schema) given by `fresh()`, then a warm start on it.
 * `env` selects the engine; `fresh(i)` returns the variables naming run i's new place.
 */
export async function measureStartup(
  env: Record<string, string>,
  fresh: (run: number) => Record<string, string>,
  runs: number,
  idleSeconds: number,
  log: (line: string) => void,
): Promise<StartupResult> {
  const result: StartupResult = { idleSeconds, fresh: [], warm: [] };
  for (let i = 0; i < runs; i++) {
    const place = { ...env, ...fresh(i) };
    for (const kind of ['fresh', 'warm'] as const) {
      const run = await measureStart(place, idleSeconds);
      result[kind].push(run);
      log(`start-up ${kind} ${i + 1}/${runs}: first 200 after ${run.firstOkMs} ms, RSS ${run.rssIdleMb} MB idle (peak ${run.rssPeakMb})`);
    }
  }
  return result;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

/** The table's cells for one engine: median of the runs, and their range. */
export function startupCells(r: StartupResult) {
  const cell = (runs: StartRun[], pick: (x: StartRun) => number, unit: string) => {
    const v = runs.map(pick);
    return `${median(v)} ${unit} (${Math.min(...v)}–${Math.max(...v)})`;
  };
  return {
    freshMs: cell(r.fresh, (x) => x.firstOkMs, 'ms'),
    warmMs: cell(r.warm, (x) => x.firstOkMs, 'ms'),
    freshRss: cell(r.fresh, (x) => x.rssIdleMb, 'MB'),
    warmRss: cell(r.warm, (x) => x.rssIdleMb, 'MB'),
    freshPeak: cell(r.fresh, (x) => x.rssPeakMb, 'MB'),
    warmPeak: cell(r.warm, (x) => x.rssPeakMb, 'MB'),
  };
}
