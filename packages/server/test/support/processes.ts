/**
 * Server and worker processes for the tests that need more than one (PostgreSQL only): `main.ts` or
 * `worker-main.ts` spawned through tsx in a schema of their own, ready once they say so on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const WORKER = fileURLToPath(new URL('../../src/worker-main.ts', import.meta.url));

export interface Server {
  url: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

/** Spawns `entry` and resolves once its stdout matches `ready` (the match's first group is the URL, if any). */
function start(entry: string, schema: string, ready: RegExp, env: Record<string, string>): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, PORT: '0', PC_DB_SCHEMA: schema, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${out}`)), 60_000);
    proc.stdout!.on('data', (chunk) => {
      out += chunk;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1] ?? '', proc, exited });
      }
    });
    proc.stderr!.on('data', (chunk) => (out += chunk));
    proc.on('exit', (code) => reject(new Error(`${entry} exited (${code}) before it was ready:\n${out}`)));
  });
}

/** Starts `main.ts` as its own process on a free port, in the given schema. */
export const startServer = (schema: string, env: Record<string, string> = {}) => start(MAIN, schema, /listening on (http:\/\/\S+)/, env);

/** Starts the job worker (`npm run worker`) as its own process, in the given schema. */
export const startWorker = (schema: string, env: Record<string, string> = {}) => start(WORKER, schema, /job worker \S+ on /, env);

export async function json(res: Response) {
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text, replayed: res.headers.get('idempotent-replayed') };
}

/** A fresh sandbox partner on server `base`, with an app-only token. */
export async function newPartner(base: string) {
  const partner = (await json(await fetch(`${base}/sandbox/partners`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))).body;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: partner.clientId, client_secret: partner.clientSecret });
  const tok = (await json(await fetch(`${base}/oauth2/token`, { method: 'POST', body: form }))).body.access_token as string;
  return { ...partner, token: tok };
}
