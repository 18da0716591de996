/**
 * `pcx serve` runs the service itself (the demo world on an in-memory PGlite), `pcx login --sandbox`
 * signs in with the documented demo credentials, and SIGTERM stops the server cleanly (exit 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PCX, json, pcx } from './support.js';

const DEMO_CUSTOMER = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';

test('pcx serve, then login --sandbox with the demo credentials, then SIGTERM', { timeout: 180_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcx-serve-'));
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL; // the embedded database, whatever engine the suite runs on
  delete env.NODE_TEST_CONTEXT;
  for (const k of Object.keys(env)) if (k.startsWith('PC_')) delete env[k];
  const server = spawn(process.execPath, [PCX, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', 'memory://'], { env });
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  let listening = false;
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout.setEncoding('utf8').on('data', (d: string) => {
        output += d;
        const m = output.match(/listening on (http:\/\/\S+)/);
        if (m) resolve(m[1]);
      });
      server.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
      void exited.then((code) => reject(new Error(`pcx serve exited (${code}) before listening:\n${output}`)));
    });
    listening = true;
    assert.match(output, /sandbox credentials \(demo partner\)/);

    const config = { PCX_CONFIG: join(dir, 'config.json') };
    const login = await pcx(['login', '--sandbox', '--base-url', url], config);
    assert.equal(login.code, 0, login.stderr);
    const customers = await pcx(['-o', 'json', 'customer', 'list'], config);
    assert.equal(customers.code, 0, customers.stderr);
    assert.ok(json<{ items: { id: string }[] }>(customers).items.some((c) => c.id === DEMO_CUSTOMER));
  } finally {
    server.kill('SIGTERM');
    const code = await exited;
    if (listening) assert.equal(code, 0, 'SIGTERM stops the server cleanly');
    await rm(dir, { recursive: true, force: true });
  }
});
