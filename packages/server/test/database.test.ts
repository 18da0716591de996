/**
 * The database layer: prepared statements on PostgreSQL survive a migration that changes a result type;
 * a WriteBatch sends several writes as one statement, all or nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { databaseOptions, loadConfig } from '../src/config.js';
import { DEFAULT_POOL_SIZE, openDatabase, type Queryable } from '../src/db/database.js';
import { WriteBatch } from '../src/db/write-batch.js';
import { loadMigrations, migrate, migrationsApplied } from '../src/db/migrate.js';
import { engine, openTestDatabase } from './helpers.js';

test('a plan made stale by a schema change runs again, in and out of transactions', { skip: engine !== 'postgres' && 'prepared statements are PostgreSQL only' }, async () => {
  // One connection, so that the second call meets the statement the first one prepared.
  const db = await openDatabase({ url: process.env.DATABASE_URL, schema: `test_${randomBytes(5).toString('hex')}`, poolSize: 1, dropSchemaOnClose: true });
  try {
    await db.query('CREATE TABLE t (id int PRIMARY KEY)');
    await db.query('INSERT INTO t VALUES (1)');
    const select = 'SELECT * FROM t WHERE id = $1';
    assert.deepEqual(await db.query(select, [1]), [{ id: 1 }]);
    await db.query('ALTER TABLE t ADD COLUMN note text');
    assert.deepEqual(await db.query(select, [1]), [{ id: 1, note: null }], 'outside a transaction: run unnamed');

    // Inside transactions: the plan prepared by one goes stale; the next one fails (its transaction is
    // aborted anyway) and its connection is dropped, so the one after prepares afresh.
    assert.deepEqual(await db.transaction((tx) => tx.query(select, [1])), [{ id: 1, note: null }]);
    await db.query('ALTER TABLE t ADD COLUMN more int');
    await assert.rejects(db.transaction((tx) => tx.query(select, [1])), (err: { code?: string }) => err.code === '0A000');
    assert.deepEqual(await db.transaction((tx) => tx.query(select, [1])), [{ id: 1, note: null, more: null }]);
  } finally {
    await db.close();
  }
});

test('a WriteBatch runs its writes as one statement: parameters renumbered, parents beside children, all or nothing', async () => {
  const db = await openTestDatabase();
  try {
    await db.query('CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL)');
    await db.query('CREATE TABLE child (parent_id int NOT NULL REFERENCES parent (id), n int NOT NULL, note text, PRIMARY KEY (parent_id, n))');
    const insertParent = (w: WriteBatch, id: number, name: string) => w.query('INSERT INTO parent (id, name) VALUES ($1, $2)', [id, name]);
    const insertChildren = (w: WriteBatch, parentId: number, notes: string[]) =>
      w.query('INSERT INTO child (parent_id, n, note) SELECT $1, ordinality - 1, value FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY', [
        parentId,
        JSON.stringify(notes),
      ]);

    const batch = new WriteBatch();
    await insertParent(batch, 1, 'one');
    await insertChildren(batch, 1, ['a', 'b']);
    await insertParent(batch, 2, 'two');
    await insertChildren(batch, 2, ['c']);
    assert.equal(batch.size, 4);
    assert.equal(await db.query('SELECT count(*)::int AS n FROM parent').then((r) => r[0].n), 0, 'nothing runs before run()');
    const before = db.statementCount;
    await db.transaction((tx) => batch.run(tx));
    assert.equal(db.statementCount - before, 1, 'one statement');
    assert.equal(batch.size, 0, 'the queue is emptied');
    assert.deepEqual(await db.query('SELECT p.name, c.n, c.note FROM child c JOIN parent p ON p.id = c.parent_id ORDER BY p.id, c.n'), [
      { name: 'one', n: 0, note: 'a' },
      { name: 'one', n: 1, note: 'b' },
      { name: 'two', n: 0, note: 'c' },
    ]);

    // A child whose parent is not in the database nor in the batch fails the whole statement.
    const broken = new WriteBatch();
    await insertParent(broken, 3, 'three');
    await insertChildren(broken, 4, ['orphan']);
    await assert.rejects(db.transaction((tx) => broken.run(tx)), (err: { code?: string }) => err.code === '23503');
    assert.deepEqual(await db.query('SELECT id FROM parent ORDER BY id'), [{ id: 1 }, { id: 2 }], 'the parent written beside it is not kept');
  } finally {
    await db.close();
  }
});

test('a WriteBatch composes each shape of batch once, numbering parameters by what each part was given', async () => {
  const db = await openTestDatabase();
  try {
    await db.query('CREATE TABLE note (id int PRIMARY KEY, a text, b text)');
    const sent: string[] = [];
    const recording = (tx: Queryable): Queryable => ({ query: (sql, params) => (sent.push(sql), tx.query(sql, params)) });
    const insertOne = (w: WriteBatch, id: number) => w.query('INSERT INTO note (id) SELECT $1::int', [id]);
    const insertTwo = (w: WriteBatch, id: number, a: string) => w.query('INSERT INTO note (id, a) VALUES ($1, $2)', [id, a]);
    const run = async (fill: (w: WriteBatch) => Promise<void>) => {
      const batch = new WriteBatch();
      await fill(batch);
      await db.transaction((tx) => batch.run(recording(tx)));
      return sent.at(-1)!;
    };
    const first = await run(async (w) => (await insertOne(w, 1), await insertTwo(w, 2, 'x')));
    const again = await run(async (w) => (await insertOne(w, 3), await insertTwo(w, 4, 'y')));
    assert.equal(again, first, 'the same parts give the same statement text');
    assert.match(first, /SELECT \$1::int.*VALUES \(\$2, \$3\)/s);
    // The same parts in another order are another shape, numbered afresh.
    const swapped = await run(async (w) => (await insertTwo(w, 5, 'z'), await insertOne(w, 6)));
    assert.match(swapped, /VALUES \(\$1, \$2\).*SELECT \$3::int/s);
    assert.deepEqual(await db.query('SELECT id, a FROM note ORDER BY id'), [
      { id: 1, a: null },
      { id: 2, a: 'x' },
      { id: 3, a: null },
      { id: 4, a: 'y' },
      { id: 5, a: 'z' },
      { id: 6, a: null },
    ]);
  } finally {
    await db.close();
  }
});

test('PC_DB_POOL_SIZE: a whole number of connections, the most a process opens', async () => {
  assert.equal(loadConfig({}).dbPoolSize, DEFAULT_POOL_SIZE);
  assert.equal(loadConfig({ PC_DB_POOL_SIZE: '4' }).dbPoolSize, 4);
  for (const bad of ['0', '-1', '2.5', 'ten', '']) {
    assert.throws(() => loadConfig({ PC_DB_POOL_SIZE: bad }), /PC_DB_POOL_SIZE must be/, `PC_DB_POOL_SIZE=${bad}`);
  }
  if (engine !== 'postgres') return; // PGlite is one connection whatever the setting
  const config = loadConfig({ DATABASE_URL: process.env.DATABASE_URL, PC_DB_SCHEMA: `test_${randomBytes(5).toString('hex')}`, PC_DB_POOL_SIZE: '2' });
  const db = await openDatabase({ ...databaseOptions(config), dropSchemaOnClose: true });
  try {
    const rows = await Promise.all(Array.from({ length: 6 }, () => db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)')));
    assert.equal(new Set(rows.map(([r]) => r.pid)).size, 2, 'six queries at once share the two connections');
  } finally {
    await db.close();
  }
});

test('API processes starting together on a new schema migrate it once, without colliding', { skip: engine !== 'postgres' && 'several connections need PostgreSQL' }, async () => {
  // As several server processes do at their first start: each its own pool, on the same new schema.
  const schema = `test_${randomBytes(5).toString('hex')}`;
  const dbs = await Promise.all(Array.from({ length: 6 }, () => openDatabase({ url: process.env.DATABASE_URL, schema, poolSize: 1 })));
  try {
    const applied = await Promise.all(dbs.map((db) => migrate(db)));
    const all = (await loadMigrations()).map((m) => m.name);
    assert.deepEqual(applied.flat().sort(), all, 'each migration applied by exactly one of them');
    assert.equal(await migrationsApplied(dbs[0]), true);
  } finally {
    await dbs[0].query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.all(dbs.map((db) => db.close()));
  }
});

test('migrations that share a number are refused, not half applied', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'pc-migrations-'));
  try {
    await writeFile(join(dir, '013_one.sql'), 'SELECT 1;\n');
    await writeFile(join(dir, '013_other.sql'), 'SELECT 2;\n');
    await assert.rejects(loadMigrations(`${dir}/`), /migrations share a number: 013_other; renumber them/);
    const shipped = await loadMigrations();
    assert.equal(new Set(shipped.map((m) => m.version)).size, shipped.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
