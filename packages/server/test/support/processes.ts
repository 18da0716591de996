/** Servers as processes of their own (main.ts on a free port, in a schema of their own), for the multi-process tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
export interface Server {
  url: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

/** Starts `main.ts` as its own process on a free port, in the given schema. */
export function startServer(schema: string, env: Record<string, string> = {}): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, PORT: '0', PC_DB_SCHEMA: schema, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    proc.stdout!.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], proc, exited });
      }
    });
    proc.stderr!.on('data', (chunk) => (out += chunk));
    proc.on('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
}

export async function json(res: Response) {
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text, replayed: res.headers.get('idempotent-replayed') };
}

export async function newPartner(base: string) {
  const partner = (await json(await fetch(`${base}/sandbox/partners`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))).body;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: partner.clientId, client_secret: partner.clientSecret });
  const tok = (await json(await fetch(`${base}/oauth2/token`, { method: 'POST', body: form }))).body.access_token as string;
  return { ...partner, token: tok };
}

