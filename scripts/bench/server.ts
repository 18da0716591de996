/**
 * The servers under load run as processes of their own, as in production: the service (SERVER_COMMAND)
 * and `bare-server.ts` (the Fastify ceiling). Their memory is read from /proc/<pid>/status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * How the service is started, as `npm start` does: the compiled server (`npm run bench` builds first).
 * Every measured server process, start-up included, runs this command.
 */
export const SERVER_COMMAND: readonly string[] = [process.execPath, fileURLToPath(new URL('../../packages/server/dist/main.js', import.meta.url))];
export const BARE_COMMAND: readonly string[] = [process.execPath, '--import', 'tsx', fileURLToPath(new URL('./bare-server.ts', import.meta.url))];

export interface ServerProcess {
  url: string;
  pid: number;
  proc: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Everything the process wrote (start-up lines, warnings). */
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

/** Runs `command` (Node's own options `nodeArgs` added) and waits for its "listening on <url>" line. */
export function startProcess(command: readonly string[], env: Record<string, string | undefined>, nodeArgs: string[] = []): Promise<ServerProcess> {
  const [node, ...args] = command;
  const script = args.at(-1);
  const proc = spawn(node, [...nodeArgs, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const stop = async (graceMs = 30_000) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${script} did not start within 120 s:\n${out}`));
    }, 120_000);
    proc.stdout!.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && timer) {
        clearTimeout(timer);
        resolve({ url: m[1], pid: proc.pid!, proc, exited, output: () => out, stop });
      }
    });
    proc.stderr!.on('data', (chunk) => (out += chunk));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before listening:\n${out}`));
    });
  });
}

/** Resident set size of a process, in MB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Math.round((Number(m[1]) / 1024) * 10) / 10;
}

/** Samples a process's RSS every `everyMs` until stopped; keeps the series and the peak. */
export class RssSampler {
  readonly samples: { t: number; mb: number }[] = [];
  private timer?: NodeJS.Timeout;
  private readonly start = Date.now();
  constructor(private readonly pid: number, everyMs = 1000) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }
  sample(): number {
    try {
      const mb = rssMb(this.pid);
      this.samples.push({ t: Math.round((Date.now() - this.start) / 100) / 10, mb });
      return mb;
    } catch {
      return NaN; // the process is gone
    }
  }
  get peak(): number {
    return Math.max(...this.samples.map((s) => s.mb));
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/** CPU seconds (user + system) a process has used so far (/proc/<pid>/stat, clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Busy and total CPU time of the whole machine so far (/proc/stat), in clock ticks. */
export function machineCpu(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = ticks.map(Number);
  const idle = n[3] + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** CPU seconds used so far by every local `postgres` process (server and backends; 0 if none is visible). */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}
