/**
 * A new PGlite data directory is made before PGlite opens it (db/pglite-data-dir.ts): from a prepared
 * image that fits, otherwise by initdb in a child process; what is not a database is refused. And
 * a start says what it is doing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../src/build-db-image.js';
import { DataDirUnusableError } from '../src/db/data-dir-lock.js';
import { openDatabase } from '../src/db/database.js';
import { loadMigrations, migrate } from '../src/db/migrate.js';
import { DataDirNotADatabaseError, pgliteStartParams, prepareDataDir, type ImageManifest } from '../src/db/pglite-data-dir.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Opens `dataDir` as the server does, applies what migrations are missing, and counts what is there. */
async function openAndMigrate(dataDir: string, imageDir: string) {
  const lines: string[] = [];
  const db = await openDatabase({ dataDir, imageDir, progress: (l) => lines.push(l) });
  try {
    const applied = await migrate(db, (l) => lines.push(l));
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    return { lines, applied, migrations: n };
  } finally {
    await db.close();
  }
}

test('a new data directory: from the prepared image when it fits, by initdb otherwise; an old one is opened', { timeout: 180_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'pc-datadir-'));
  try {
    const migrations = await loadMigrations();
    const imageDir = join(root, 'image');
    await buildImage(imageDir);
    const manifest = JSON.parse(await readFile(join(imageDir, 'pglite-data.json'), 'utf8')) as ImageManifest;
    assert.equal(manifest.migrations.length, migrations.length);

    // From the image: nothing left to migrate; what a killed start left half-made is cleared away.
    await mkdir(join(root, '.a.new-999999', 'base'), { recursive: true });
    const fromImage = await openAndMigrate(join(root, 'a'), imageDir);
    assert.match(fromImage.lines[0], new RegExp(`creating the database in .*/a from the prepared image \\(${migrations.length} migrations applied\\)`));
    assert.deepEqual(fromImage.applied, []);
    assert.equal(fromImage.migrations, migrations.length);
    assert.deepEqual((await readdir(root)).sort(), ['a', 'image'], 'no temporary directory left, the lock released');

    // Again: an existing database is opened, not made.
    const again = await openAndMigrate(join(root, 'a'), imageDir);
    assert.deepEqual(again.lines, [`opening the database in ${join(root, 'a')}`]);

    // No image: initdb (in a child process), then every migration, numbered.
    const noImage = await openAndMigrate(join(root, 'b'), join(root, 'nowhere'));
    assert.match(noImage.lines[0], /creating the database in .*\/b: initdb, a few seconds$/);
    assert.equal(noImage.lines[1], `applying migration 1/${migrations.length}: ${migrations[0].name}`);
    assert.equal(noImage.applied.length, migrations.length);

    // An image whose migration differs from this code's is not used: initdb, and the line says why.
    const stale = { ...manifest, migrations: manifest.migrations.map((m, i) => (i === 0 ? { ...m, sha256: '0'.repeat(64) } : m)) };
    await writeFile(join(imageDir, 'pglite-data.json'), JSON.stringify(stale));
    const emptyDir = join(root, 'c');
    await mkdir(emptyDir); // an empty directory is as good as a missing one
    const fromStale = await openAndMigrate(emptyDir, imageDir);
    assert.match(fromStale.lines[0], new RegExp(`initdb, a few seconds \\(the prepared image does not fit: its migration ${migrations[0].name} is not this code's\\)`));
    assert.equal(fromStale.applied.length, migrations.length);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('what is not a data directory is refused, and left as it was', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pc-datadir-'));
  try {
    const opts = { migrations: await loadMigrations(), startParams: await pgliteStartParams(), imageDir: join(root, 'nowhere') };
    await writeFile(join(root, 'file'), 'x');
    await assert.rejects(prepareDataDir(join(root, 'file'), opts), (err: Error) => err instanceof DataDirUnusableError && /ENOTDIR/.test(err.message));
    await mkdir(join(root, 'project'));
    await writeFile(join(root, 'project', 'notes.txt'), 'keep me');
    await assert.rejects(prepareDataDir(join(root, 'project'), opts), DataDirNotADatabaseError);
    assert.deepEqual(await readdir(join(root, 'project')), ['notes.txt']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

/** Starts main.ts on `dataDir`, returns what it printed up to its listening line, and stops it. */
function startOnce(dataDir: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', PC_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.NODE_TEST_CONTEXT;
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('listening on')) proc.kill('SIGTERM');
    });
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.on('exit', (code) => (out.includes('listening on') ? resolve(out) : reject(new Error(`exited ${code} before listening:\n${out}`))));
  });
}

test('a start says what it is doing before it listens', { timeout: 120_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'pc-datadir-'));
  const dataDir = join(root, 'data');
  try {
    const first = (await startOnce(dataDir)).split('\n');
    const listening = first.findIndex((l) => l.startsWith('partner-commerce listening on'));
    assert.match(first[0], new RegExp(`^creating the database in ${dataDir}`));
    assert.ok(first.indexOf('seeding the catalog') > 0 && first.indexOf('seeding the catalog') < listening, first.join('\n'));
    assert.ok(first.indexOf('seeding the demo partner') < listening, first.join('\n'));
    assert.match(first[listening], /listening on http:\/\/\S+ \(started in \d+\.\d s\)$/);
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')));

    const second = (await startOnce(dataDir)).split('\n');
    assert.equal(second[0], `opening the database in ${dataDir}`);
    assert.ok(!second.some((l) => l.startsWith('applying migration')), 'nothing to migrate on a warm start');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
