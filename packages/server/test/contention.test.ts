/**
 * Correctness under contention on PostgreSQL's READ COMMITTED: what a locking read returns is the
 * version it locked, and MS-RequestId claims have one owner whatever the interleaving (issue 13).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CartLineItem } from '@partner-commerce/contract';
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../src/db/database.js';
import { checkConsistency } from '../src/consistency.js';
import { claimRequest, completeClaim, type Claim } from '../src/plugins/replay.js';
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

describe('MS-RequestId claims', () => {
  const op = 'POST /v1/customers/:customerId/carts/:cartId/checkout';
  const claimOf = (outcome: Awaited<ReturnType<typeof claimRequest>>): Claim => {
    assert.ok('claim' in outcome, `expected to own the claim, found ${JSON.stringify(outcome)}`);
    return outcome.claim;
  };
  const heldOf = (outcome: Awaited<ReturnType<typeof claimRequest>>) => {
    assert.ok('held' in outcome, 'expected the claim to be held by another request');
    return outcome.held;
  };

  test('have one owner whatever the interleaving; only the owner completes', async () => {
    const rid = randomUUID();
    const a = claimOf(await claimRequest(ctx.db, p.tenantId, rid, op, 'fp'));
    // B's insert meets A's row; before B's next statement, A ends with a retryable answer (a 409).
    let injected = false;
    const interleaved: Queryable = {
      query: async <T,>(sql: string, params?: unknown[]) => {
        const rows = await ctx.db.query<T>(sql, params);
        if (!injected) {
          injected = true;
          assert.equal(await completeClaim(ctx.db, a, 409, '{"code":800064}'), true);
        }
        return rows;
      },
    };
    const b = claimOf(await claimRequest(interleaved, p.tenantId, rid, op, 'fp'));
    const c = heldOf(await claimRequest(ctx.db, p.tenantId, rid, op, 'fp'));
    assert.equal(c.state, 'in_progress', 'a third request waits for B: one runs at a time');
    assert.equal(await completeClaim(ctx.db, a, 201, '{"a":1}'), false, 'A no longer owns it');
    assert.equal(await completeClaim(ctx.db, b, 201, '{"b":1}'), true);
    const done = heldOf(await claimRequest(ctx.db, p.tenantId, rid, op, 'fp'));
    assert.deepEqual([done.state, done.response_status, done.response_body], ['done', 201, '{"b":1}']);
    assert.equal(await completeClaim(ctx.db, b, 409, '{}'), false, 'a done claim is not released again');
  });

  test('a released claim keeps its request: the same request runs again, another is refused', async () => {
    const rid = randomUUID();
    const a = claimOf(await claimRequest(ctx.db, p.tenantId, rid, op, 'fp1'));
    await completeClaim(ctx.db, a, 409, '{}');
    const other = heldOf(await claimRequest(ctx.db, p.tenantId, rid, op, 'fp2'));
    assert.equal(other.fingerprint, 'fp1');
    claimOf(await claimRequest(ctx.db, p.tenantId, rid, op, 'fp1'));
  });

  test('racing claims of one id: exactly one owner', async () => {
    for (let round = 0; round < 20; round++) {
      const rid = randomUUID();
      const first = claimOf(await claimRequest(ctx.db, p.tenantId, rid, op, 'fp'));
      const racers = Promise.all(Array.from({ length: 6 }, () => claimRequest(ctx.db, p.tenantId, rid, op, 'fp')));
      await completeClaim(ctx.db, first, 503, '{}');
      const owners = (await racers).filter((o) => 'claim' in o);
      assert.ok(owners.length <= 1, `round ${round}: ${owners.length} owners`);
    }
  });
});

describe('a checkout id reused after a retryable answer', { skip: engine !== 'postgres' && 'holding a row lock from the test needs a second connection' }, () => {
  test('is still a 400 on another cart, and runs again on its own cart', async () => {
    const first = (await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/customers`, payload: {} })).json();
    const second = (await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/customers`, payload: {} })).json();
    const rid = randomUUID();
    const submit = (c: { id: string; cartId: string }) =>
      call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { token: p.appToken, headers: { 'MS-RequestId': rid } });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = ctx.db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM carts WHERE id = $1 FOR UPDATE', [first.cartId]);
      locked();
      await held;
    });
    await isLocked;
    const busy = await submit(first);
    release();
    await holder;
    assert.equal(busy.statusCode, 409, busy.body);
    assert.equal(busy.json().code, 800064);
    const reused = await submit(second);
    assert.equal(reused.statusCode, 400, reused.body);
    const orders = await call(ctx.app, 'GET', `/v1/customers/${second.id}/orders`, { token: p.appToken });
    assert.equal(orders.json().totalCount, 0, 'the reused id did not check the other cart out');
    const retried = await submit(first);
    assert.equal(retried.statusCode, 201, retried.body);
    assert.equal(retried.headers['idempotent-replayed'], undefined);
    const replayed = await submit(first);
    assert.equal(replayed.headers['idempotent-replayed'], 'true');
    assert.equal(replayed.body, retried.body);
  });
});
