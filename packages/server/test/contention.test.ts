/**
 * Correctness under contention on PostgreSQL's READ COMMITTED: what a locking read returns is the
 * version it locked (issue 13).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CartLineItem } from '@partner-commerce/contract';
import { checkConsistency } from '../src/consistency.js';
import * as carts from '../src/modules/carts/repo.js';
import { call, engine, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

let ctx: TestContext;
let p: Partner;
before(async () => {
  ctx = await startApp();
  p = await newPartner(ctx.app);
});
after(() => ctx.close());

/** Resolves once another backend waits for a lock that backend `pid` holds. */
async function blockedBy(pid: number) {
  for (;;) {
    const rows = await ctx.db.query('SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid))', [pid]);
    if (rows.length) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a cart read under its row lock', { skip: engine !== 'postgres' && 'PGlite runs one transaction at a time' }, () => {
  test('returns the lines of the version it locked, not of its older snapshot', async () => {
    const c = p.customers[0];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let pid!: (n: number) => void;
    const updated = new Promise<number>((r) => (pid = r));
    const newLines: CartLineItem[] = [
      { id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 7, billingCycle: 'monthly', termDuration: 'P1M', orderGroup: '0' },
    ];
    // A PUT in flight: it has replaced the lines and holds the row until it commits.
    const put = ctx.db.transaction(async (tx) => {
      const found = (await carts.findCart(tx, p.tenantId, c.id, c.cartId, { lock: 'wait' }))!;
      await carts.updateCart(tx, { ...found.cart, lineItems: newLines });
      const [{ pid: me }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      pid(me);
      await held;
    });
    const putPid = await updated;
    // The reader's statement takes its snapshot before the PUT commits, then waits for the row.
    const read = ctx.db.transaction((tx) => carts.findCart(tx, p.tenantId, c.id, c.cartId, { lock: 'wait', withCatalog: true }));
    await blockedBy(putPid);
    release();
    await put;
    const found = (await read)!;
    assert.deepEqual(
      found.cart.lineItems.map((l) => [l.catalogItemId, l.quantity]),
      [['CFQ7TTC0LH18:0001:CFQ7TTC0K971', 7]],
      'the committed PUT is what the locked read sees',
    );
    assert.deepEqual(
      found.catalogItems.map((i) => i.catalog_item_id),
      ['CFQ7TTC0LH18:0001:CFQ7TTC0K971'],
      'and the catalog items of those lines',
    );
  });
});

test('check:consistency reports an Ordered cart whose lines differ from what its orders hold', async () => {
  const c = (await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/customers`, payload: {} })).json();
  const res = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { token: p.appToken });
  assert.equal(res.statusCode, 201, res.body);
  const rule = /lines differ from what its orders hold/;
  assert.deepEqual((await checkConsistency(ctx.db)).violations.filter((v) => rule.test(v)), []);
  // What the lost update left behind: the cart shows other lines than the ones its orders carry.
  await ctx.db.query(
    `UPDATE carts SET line_items = jsonb_set(line_items, '{1,quantity}', to_jsonb((line_items->1->>'quantity')::int + 1)) WHERE id = $1`,
    [c.cartId],
  );
  assert.deepEqual((await checkConsistency(ctx.db)).violations.filter((v) => rule.test(v)).map((v) => v.split(': ')[1]), [c.cartId]);
  await ctx.db.query(`UPDATE carts SET line_items = line_items - 1 WHERE id = $1`, [c.cartId]);
  assert.equal((await checkConsistency(ctx.db)).violations.filter((v) => rule.test(v)).length, 1, 'a missing line too');
});
