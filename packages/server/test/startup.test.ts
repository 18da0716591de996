/**
 * Ordinary start-up mistakes give one line with the cause and a hint, and exit 1: never a stack
 * trace (issue 14). Each case starts the real entry point.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base: NodeJS.ProcessEnv = { ...process.env, PORT: '0', PC_DATA_DIR: 'memory://', LOG_LEVEL: 'warn' };
  delete base.DATABASE_URL;
  delete base.NODE_TEST_CONTEXT;
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (stdout.includes('listening on')) proc.kill('SIGKILL'); // the mistake was not caught
  });
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
}

test('start-up mistakes: one line naming the cause, exit 1', { timeout: 120_000 }, async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const busyPort = (busy.address() as { port: number }).port;
  const root = await mkdtemp(join(tmpdir(), 'pc-start-'));
  const aFile = join(root, 'a-file'); // a data directory under a file cannot be made
  await writeFile(aFile, '');
  const notADatabase = join(root, 'my-project'); // a directory of other things: no initdb among them
  await mkdir(notADatabase);
  await writeFile(join(notADatabase, 'notes.txt'), 'keep me\n');
  const cases: [string, Record<string, string>, RegExp][] = [
    ['port in use', { PORT: String(busyPort) }, new RegExp(`127\\.0\\.0\\.1:${busyPort} is already in use.*set PORT`)],
    ['a PORT that is no port', { PORT: 'eighty' }, /PORT must be a port number, not eighty/],
    ['an address this machine lacks', { HOST: '192.0.2.1' }, /cannot listen on 192\.0\.2\.1: this machine has no such address; set HOST/],
    ['an unreachable PostgreSQL', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' }, /cannot reach the PostgreSQL server of DATABASE_URL \(ECONNREFUSED at 127\.0\.0\.1:1\)/],
    ['a DATABASE_URL that is no URL', { DATABASE_URL: 'localhost/test' }, /DATABASE_URL is not a valid URL/],
    ['a DATABASE_URL with a port that is none', { DATABASE_URL: 'postgres://postgres@127.0.0.1:99999/test' }, /DATABASE_URL is not a valid URL/],
    ['a DATABASE_URL of another database', { DATABASE_URL: 'mysql://root@127.0.0.1/test' }, /DATABASE_URL must be a postgres:\/\/ URL, not mysql:/],
    ['an unusable data directory', { PC_DATA_DIR: `${aFile}/data` }, /cannot use the data directory .*\/a-file\/data \(E[A-Z]+ on .*set PC_DATA_DIR/],
    ['a data directory that is a file', { PC_DATA_DIR: aFile }, /cannot use the data directory .*\/a-file \(ENOTDIR on .*set PC_DATA_DIR/],
    ['a directory holding other files', { PC_DATA_DIR: notADatabase }, /data directory .*my-project holds other files and no database.*new or empty directory/],
  ];
  // A directory no one may write in, root included (tests may run as root): sysfs.
  if (existsSync('/sys/kernel')) cases.push(['an unwritable data directory', { PC_DATA_DIR: '/sys/pc-data' }, /cannot use the data directory \/sys\/pc-data \(EACCES on .*set PC_DATA_DIR/]);
  if (process.env.DATABASE_URL) {
    const missing = new URL(process.env.DATABASE_URL);
    missing.pathname = '/no_such_database_pc';
    cases.push(['a database that does not exist', { DATABASE_URL: missing.href }, /database "no_such_database_pc" does not exist.*createdb/]);
  }
  try {
    const results = await Promise.all(cases.map(([, env]) => run(env)));
    results.forEach((r, i) => {
      const [name, , expected] = cases[i];
      assert.equal(r.code, 1, `${name}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${name}: one line, no stack trace:\n${r.stderr}`);
      assert.match(lines[0], /^partner-commerce: /, name);
      assert.match(lines[0], expected, name);
    });
    assert.deepEqual(await readdir(notADatabase), ['notes.txt'], 'the directory of other files is left as it was');
  } finally {
    busy.close();
    await rm(root, { recursive: true, force: true });
  }
});
