/**
 * Exactly-once checkout across processes, on PostgreSQL: two real server processes on one database
 * take concurrent submits of the same carts; a server killed with SIGKILL under load leaves every cart
 * consistent. (PGlite is an embedded, single-process database: these tests need DATABASE_URL.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../src/db/database.js';
import { checkConsistency } from '../src/consistency.js';
import { engine } from './helpers.js';
import { json, newPartner, startServer, type Server } from './support/processes.js';

const skip = engine !== 'postgres' && 'needs PostgreSQL: set DATABASE_URL';

async function addCustomers(bases: string[], tenantId: string, n: number) {
  const out: { id: string; cartId: string }[] = [];
  for (let i = 0; i < n; i++) {
    const base = bases[i % bases.length];
    const res = await json(await fetch(`${base}/sandbox/partners/${tenantId}/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    assert.equal(res.status, 201, res.text);
    out.push(res.body);
  }
  return out;
}

const checkout = (base: string, token: string, c: { id: string; cartId: string }, requestId?: string) =>
  fetch(`${base}/v1/customers/${c.id}/carts/${c.cartId}/checkout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(requestId ? { 'MS-RequestId': requestId } : {}) },
    body: '"success"',
  }).then(json);

describe('checkout across server processes on PostgreSQL', { skip }, () => {
  const schema = `test_mp_${randomBytes(5).toString('hex')}`;
  let db: Database;
  let a: Server;
  let b: Server;

  before(async () => {
    // Both processes start at once on an empty schema: migrations and seeding race, as on a real deploy.
    [a, b] = await Promise.all([startServer(schema), startServer(schema)]);
    db = await openDatabase({ url: process.env.DATABASE_URL, schema, dropSchemaOnClose: true });
  });
  after(async () => {
    for (const s of [a, b]) s?.proc.kill('SIGTERM');
    const codes = await Promise.all([a, b].map((s) => s?.exited));
    await db?.close();
    assert.deepEqual(codes, [0, 0], 'SIGTERM ends both servers cleanly');
  });

  test('50 carts × 4 concurrent submits through two processes: one set of orders per cart', async () => {
    const partner = await newPartner(a.url);
    const customers = [...partner.customers, ...(await addCustomers([a.url, b.url], partner.tenantId, 49))];
    assert.equal(customers.length, 50);

    // Each cart: two submits per process; one pair shares an MS-RequestId, as an SDK retry would.
    const attempts = await Promise.all(
      customers.map(async (c) => {
        const retryId = randomUUID();
        const results = await Promise.all([
          checkout(a.url, partner.token, c, retryId),
          checkout(b.url, partner.token, c, retryId),
          checkout(a.url, partner.token, c),
          checkout(b.url, partner.token, c),
        ]);
        return { c, results };
      }),
    );
    let won = 0;
    let conflicts = 0;
    for (const { c, results } of attempts) {
      for (const r of results) {
        assert.ok(r.status === 201 || r.status === 409, `cart ${c.cartId}: ${r.status} ${r.text}`);
        if (r.status === 409) {
          conflicts++;
          assert.ok([800064, 800060].includes(r.body.code), r.text);
        }
      }
      const ok = results.filter((r) => r.status === 201);
      won += ok.length;
      assert.ok(ok.length >= 1, `cart ${c.cartId} was never checked out`);
      const ids = new Set(ok.map((r) => r.body.orders.map((o: { id: string }) => o.id).join(',')));
      assert.equal(ids.size, 1, `cart ${c.cartId}: every 201 names the same orders`);
    }
    const [{ orders }] = await db.query<{ orders: number }>(
      'SELECT count(*)::int AS orders FROM orders WHERE cart_id = ANY ($1::uuid[])',
      [customers.map((c) => c.cartId)],
    );
    assert.equal(orders, 150, '3 orders for each of 50 carts, none twice');
    const report = await checkConsistency(db);
    assert.deepEqual(report.violations, []);
    console.log(`# 200 submits of 50 carts over 2 processes: ${won} × 201, ${conflicts} × 409; ${orders} orders`);
  });

  test('shared MS-RequestIds under contention: one execution each, byte-identical replays, a reused id is 400', async () => {
    const partner = await newPartner(a.url);
    const customers = [...partner.customers, ...(await addCustomers([a.url, b.url], partner.tenantId, 39))];
    // Each cart: three submits sharing one id over both processes, two without an id (they make the
    // shared id's owner meet a held cart, 409), then the shared id on the next cart (a reuse: 400).
    const ids = customers.map(() => randomUUID());
    const rounds = await Promise.all(
      customers.map(async (c, i) => {
        const rid = ids[i];
        const shared = await Promise.all([
          checkout(a.url, partner.token, c),
          checkout(a.url, partner.token, c, rid),
          checkout(b.url, partner.token, c, rid),
          checkout(b.url, partner.token, c),
          checkout(a.url, partner.token, c, rid),
        ]).then((rs) => [rs[1], rs[2], rs[4]]);
        // The shared id's retries until one of them is not retryable (as the SDKs retry).
        for (let n = 0; n < 50 && shared.every((r) => r.status === 409); n++) shared.push(await checkout(n % 2 ? a.url : b.url, partner.token, c, rid));
        const reuse = await checkout(i % 2 ? a.url : b.url, partner.token, customers[(i + 1) % customers.length], rid);
        const replay = await checkout(i % 2 ? b.url : a.url, partner.token, c, rid);
        return { c, shared, reuse, replay };
      }),
    );
    let executions = 0;
    for (const { c, shared, reuse, replay } of rounds) {
      const ran = shared.filter((r) => r.status === 201 && r.replayed !== 'true');
      executions += ran.length;
      assert.ok(ran.length <= 1, `cart ${c.cartId}: the shared id ran ${ran.length} times`);
      const kept = shared.filter((r) => r.status === 201);
      assert.ok(kept.length >= 1, `cart ${c.cartId}: ${shared.map((r) => r.status)}`);
      for (const r of [...kept, replay]) assert.equal(r.text, kept[0].text, `cart ${c.cartId}: replayed byte for byte (got ${r.status})`);
      assert.equal(replay.replayed, 'true');
      assert.equal(reuse.status, 400, `cart ${c.cartId}: the id on another cart: ${reuse.status} ${reuse.text}`);
    }
    assert.deepEqual((await checkConsistency(db)).violations, []);
    console.log(`# 40 shared ids over 2 processes: ${executions} executions`);
  });

  test('a PUT racing a checkout cannot change what is ordered', async () => {
    const partner = await newPartner(b.url);
    const customers = [...partner.customers, ...(await addCustomers([a.url, b.url], partner.tenantId, 9))];
    const put = (base: string, c: { id: string; cartId: string }) =>
      fetch(`${base}/v1/customers/${c.id}/carts/${c.cartId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${partner.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 7, billingCycle: 'monthly', termDuration: 'P1M' }] }),
      }).then(json);
    const results = await Promise.all(customers.map((c, i) => Promise.all([checkout(a.url, partner.token, c), put(i % 2 ? a.url : b.url, c)])));
    for (const [co, pu] of results) {
      assert.ok([201, 409].includes(co.status), co.text);
      assert.ok([201, 400].includes(pu.status), pu.text);
      if (pu.status === 400) assert.equal(pu.body.code, 800065);
    }
    // Whatever won, each cart's orders are exactly the groups of its final lines.
    const report = await checkConsistency(db);
    assert.deepEqual(report.violations, []);
  });
});

describe('a server killed mid-load (SIGKILL) on PostgreSQL', { skip }, () => {
  const schema = `test_kill_${randomBytes(5).toString('hex')}`;
  let db: Database;
  after(async () => db?.close());

  test('leaves every cart Active with no orders or Ordered with all of them; a restart finishes the rest', async () => {
    const first = await startServer(schema);
    db = await openDatabase({ url: process.env.DATABASE_URL, schema, dropSchemaOnClose: true });
    const partner = await newPartner(first.url);
    const customers = [...partner.customers, ...(await addCustomers([first.url], partner.tenantId, 59))];

    // Keep 8 checkouts in flight; kill the server once a quarter of them have answered.
    let answered = 0;
    let next = 0;
    const worker = async () => {
      while (next < customers.length) {
        const c = customers[next++];
        try {
          const r = await checkout(first.url, partner.token, c);
          if (r.status === 201) answered++;
        } catch {
          return; // the server is gone
        }
        if (answered === 15) first.proc.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await first.exited;

    const afterCrash = await checkConsistency(db);
    assert.deepEqual(afterCrash.violations, []);
    const [{ active_with_orders }] = await db.query<{ active_with_orders: number }>(
      `SELECT count(*)::int AS active_with_orders FROM carts c
        WHERE c.status = 'Active' AND EXISTS (SELECT 1 FROM orders o WHERE o.cart_id = c.id)`,
    );
    assert.equal(active_with_orders, 0, 'no cart is half ordered');
    assert.ok(afterCrash.orderedCarts >= 15 && afterCrash.orderedCarts < 60, `ordered before the kill: ${afterCrash.orderedCarts}`);

    // A new process finishes the job: the ordered carts replay, the others check out.
    const second = await startServer(schema);
    try {
      for (const c of customers) {
        const r = await checkout(second.url, partner.token, c);
        assert.equal(r.status, 201, r.text);
      }
      const final = await checkConsistency(db);
      assert.deepEqual(final.violations, []);
      const [{ orders }] = await db.query<{ orders: number }>('SELECT count(*)::int AS orders FROM orders');
      assert.equal(orders, 180);
      console.log(`# killed after ${afterCrash.orderedCarts} of 60 carts were ordered; consistent before and after the restart; 180 orders`);
    } finally {
      second.proc.kill('SIGTERM');
      await second.exited;
    }
  });
});
