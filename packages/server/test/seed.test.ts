/** Seeding the demo world: safe when processes start together; an expired demo cart is made anew. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config.js';
import type { Database } from '../src/db/database.js';
import { signInApp, signInUser } from '../src/modules/sandbox/service.js';
import { DEMO, seedDemo } from '../src/seed/index.js';
import { openTestDatabase } from './helpers.js';

let db: Database;
before(async () => {
  db = await openTestDatabase();
});
after(() => db.close());

const config = loadConfig({ PC_DATA_DIR: 'memory://' });

test('five processes seeding at once leave one demo partner, customer, subscription and cart', async () => {
  await Promise.all(Array.from({ length: 5 }, () => seedDemo(db, config)));
  const [counts] = await db.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM partners WHERE tenant_id = $1) AS partners,
            (SELECT count(*)::int FROM customers WHERE id = $2) AS customers,
            (SELECT count(*)::int FROM subscriptions WHERE id = $3) AS subscriptions,
            (SELECT count(*)::int FROM carts WHERE id = $4 AND status = 'Active') AS carts,
            (SELECT jsonb_array_length(line_items) FROM carts WHERE id = $4) AS lines`,
    [DEMO.tenantId, DEMO.customerId, DEMO.azureSubscriptionId, DEMO.cartId],
  );
  assert.deepEqual(counts, { partners: 1, customers: 1, subscriptions: 1, carts: 1, lines: 5 });
});

test('an expired demo cart is made anew at the next start; a fresh one is kept', async () => {
  const before = await db.query<{ creation_timestamp: Date }>('SELECT creation_timestamp FROM carts WHERE id = $1', [DEMO.cartId]);
  await seedDemo(db, config);
  const kept = await db.query<{ creation_timestamp: Date }>('SELECT creation_timestamp FROM carts WHERE id = $1', [DEMO.cartId]);
  assert.deepEqual(kept, before);
  await db.query(`UPDATE carts SET expiration_timestamp = now() - interval '1 day' WHERE id = $1`, [DEMO.cartId]);
  await seedDemo(db, config);
  const [cart] = await db.query<{ status: string; expired: boolean }>(
    'SELECT status, expiration_timestamp <= now() AS expired FROM carts WHERE id = $1',
    [DEMO.cartId],
  );
  assert.deepEqual(cart, { status: 'Active', expired: false });
});

test('a start with other PC_SANDBOX_* credentials gives them to the demo partner of an earlier start', async () => {
  await seedDemo(db, config);
  const changed = loadConfig({
    PC_DATA_DIR: 'memory://',
    PC_SANDBOX_CLIENT_ID: '0b7e3c52-5d0a-4f7e-9a57-2f4f3c6d8e11',
    PC_SANDBOX_CLIENT_SECRET: 'changed-secret',
    PC_SANDBOX_USERNAME: 'ops@demo-partner.example',
    PC_SANDBOX_PASSWORD: 'changed-password',
  });
  try {
    await seedDemo(db, changed);
    assert.equal((await signInApp(db, changed.sandbox.clientId, 'changed-secret'))?.tenantId, DEMO.tenantId);
    assert.equal((await signInUser(db, 'ops@demo-partner.example', 'changed-password'))?.tenantId, DEMO.tenantId);
    assert.equal(await signInApp(db, config.sandbox.clientId, config.sandbox.clientSecret), undefined, 'the old app credentials no longer sign in');
    assert.equal(await signInUser(db, config.sandbox.username, config.sandbox.password), undefined, 'nor the old user');
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE id = $1 AND partner_tenant_id = $2', [DEMO.customerId, DEMO.tenantId]);
    assert.equal(n, 1, 'the demo customer stays with the partner');
  } finally {
    await seedDemo(db, config);
  }
});
