/** The database layer: prepared statements on PostgreSQL survive a migration that changes a result type. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../src/db/database.js';
import { engine } from './helpers.js';

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
