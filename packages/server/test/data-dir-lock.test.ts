/**
 * One process per PGlite data directory (issue 14): a second server on the same directory exits with
 * one line naming the directory and the holder's pid; a lock left by a killed process does not block
 * the next start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataDirLockedError, lockDataDir } from '../src/db/data-dir-lock.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function serverEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', PC_DATA_DIR: dataDir, LOG_LEVEL: 'warn', PC_WORKER: 'false' };
  delete env.DATABASE_URL; // the embedded database, whatever engine the suite runs on
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** Starts main.ts; resolves when it listens or exits, with what it printed. */
function start(dataDir: string) {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: serverEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const outcome = new Promise<{ url?: string; code?: number | null }>((resolve) => {
    proc.stdout.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) resolve({ url: m[1] });
    });
    void exited.then((code) => resolve({ code }));
  });
  return { proc, exited, outcome, output: () => ({ stdout, stderr }) };
}

/** A pid no process has: one that just exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

test('a second server on the same data directory exits with one line; a killed holder does not block the next start', { timeout: 240_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'pc-lock-'));
  const dataDir = join(root, 'data');
  const first = start(dataDir);
  try {
    const up = await first.outcome;
    assert.ok(up.url, `first server did not start: ${JSON.stringify(first.output())}`);

    const second = start(dataDir);
    const refused = await second.outcome;
    assert.equal(refused.url, undefined, 'the second server must not listen');
    assert.equal(refused.code, 1);
    const { stderr, stdout } = second.output();
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line, no stack trace: ${stderr}`);
    assert.ok(lines[0].includes(dataDir), lines[0]);
    assert.ok(lines[0].includes(`pid ${first.proc.pid}`), lines[0]);
    assert.equal(stdout, '');

    first.proc.kill('SIGKILL');
    await first.exited;
    const third = start(dataDir);
    const again = await third.outcome;
    assert.ok(again.url, `a stale lock blocked the start: ${JSON.stringify(third.output())}`);
    third.proc.kill('SIGTERM');
    assert.equal(await third.exited, 0);
  } finally {
    first.proc.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});

test('the lock: held in this process, refused to another taker, free again after release', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pc-lock-'));
  const dir = join(root, 'data');
  try {
    const lock = await lockDataDir(dir);
    await assert.rejects(lockDataDir(dir), (err: unknown) => err instanceof DataDirLockedError && err.holder.pid === process.pid);
    await lock.release();
    await (await lockDataDir(dir)).release();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('starts that find the same stale lock at once: exactly one takes it', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pc-lock-'));
  const dir = join(root, 'data');
  try {
    for (const stale of [{ pid: deadPid(), host: hostname(), since: new Date().toISOString() }, 'half a lo']) {
      await writeFile(`${dir}.lock`, typeof stale === 'string' ? stale : JSON.stringify(stale));
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => lockDataDir(dir)));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof DataDirLockedError, String(r.reason));
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof lockDataDir>>>).value.release();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
