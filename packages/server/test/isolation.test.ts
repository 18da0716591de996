/**
 * Tenant isolation: a partner sees only its own customers. Another partner's customer, cart, order
 * and subscription ids answer exactly as ids that do not exist (404 with the same error code, never
 * 403 or data), and nothing a foreign caller sends changes the owner's data.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';
import { DEMO } from '../src/seed/index.js';

let ctx: TestContext;
/** The owner of the data. */
let a: Partner;
/** The intruder: a partner of its own, with its own customer, cart, orders and subscriptions. */
let b: Partner;

/** A's ids: one customer, a checked-out (Ordered) cart, an Active cart, an order and subscriptions. */
const A = { customerId: '', orderedCartId: '', activeCartId: '', orderId: '', pendingOrderId: '', subscriptionId: '', azureSubscriptionId: '' };
/** B's own customer. */
let bCustomerId = '';
/** A's data as A reads it, before any foreign call. */
let snapshot: Record<string, unknown>;

const nceLine = { id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 2, billingCycle: 'monthly', termDuration: 'P1M' };
const cartBody = { lineItems: [nceLine] };

type Method = 'GET' | 'POST' | 'PUT';
interface Ids {
  customerId: string;
  cartId: string;
  orderId: string;
  subscriptionId: string;
}
interface Route {
  name: string;
  method: Method;
  url: (ids: Ids) => string;
  body?: unknown;
  /** Needs an app+user token (order provisioning status). */
  user?: boolean;
}

/** Every customer-scoped /v1 route. */
const ROUTES: Route[] = [
  { name: 'GET customer', method: 'GET', url: (i) => `/v1/customers/${i.customerId}` },
  { name: 'POST carts', method: 'POST', url: (i) => `/v1/customers/${i.customerId}/carts`, body: cartBody },
  { name: 'GET cart', method: 'GET', url: (i) => `/v1/customers/${i.customerId}/carts/${i.cartId}` },
  { name: 'PUT cart', method: 'PUT', url: (i) => `/v1/customers/${i.customerId}/carts/${i.cartId}`, body: cartBody },
  { name: 'POST checkout', method: 'POST', url: (i) => `/v1/customers/${i.customerId}/carts/${i.cartId}/checkout`, body: '"success"' },
  { name: 'GET orders', method: 'GET', url: (i) => `/v1/customers/${i.customerId}/orders` },
  { name: 'GET orders?billingType', method: 'GET', url: (i) => `/v1/customers/${i.customerId}/orders?billingType=monthly&include_price=true` },
  { name: 'GET order', method: 'GET', url: (i) => `/v1/customers/${i.customerId}/orders/${i.orderId}` },
  { name: 'GET order?include_price', method: 'GET', url: (i) => `/v1/customers/${i.customerId}/orders/${i.orderId}?include_price=true` },
  { name: 'GET provisioningstatus', method: 'GET', url: (i) => `/v1/customers/${i.customerId}/orders/${i.orderId}/provisioningstatus`, user: true },
  { name: 'GET subscriptions', method: 'GET', url: (i) => `/v1/customers/${i.customerId}/subscriptions` },
  { name: 'GET subscriptions?order_id', method: 'GET', url: (i) => `/v1/customers/${i.customerId}/subscriptions?order_id=${i.orderId}` },
  { name: 'GET subscription', method: 'GET', url: (i) => `/v1/customers/${i.customerId}/subscriptions/${i.subscriptionId}` },
];

const randomIds = (): Ids => ({ customerId: randomUUID(), cartId: randomUUID(), orderId: randomUUID(), subscriptionId: randomUUID() });

function send(route: Route, ids: Ids, p: Partner) {
  return call(ctx.app, route.method, route.url(ids), { token: route.user ? p.userToken : p.appToken, body: route.body });
}

type Res = Awaited<ReturnType<typeof call>>;

/** Parses a Partner Center error body, checking its shape. */
function errorOf(res: Res): { code: number; description: string } {
  assert.match(String(res.headers['content-type']), /^application\/json/, res.body);
  const body = res.json();
  assert.equal(typeof body.code, 'number', res.body);
  assert.equal(typeof body.description, 'string', res.body);
  assert.ok(Array.isArray(body.data), res.body);
  assert.equal(typeof body.source, 'string', res.body);
  return body;
}

/** The foreign call answers 404 exactly as the call with missing ids does. */
function assertLikeMissing(label: string, foreign: Res, missing: Res, expectedCode?: number) {
  assert.equal(missing.statusCode, 404, `${label}: a missing id answers 404 (${missing.statusCode} ${missing.body})`);
  assert.equal(foreign.statusCode, 404, `${label}: a foreign id answers 404, not ${foreign.statusCode} ${foreign.body}`);
  const f = errorOf(foreign);
  const m = errorOf(missing);
  assert.equal(f.code, m.code, `${label}: the same error code as a missing id (${foreign.body} vs ${missing.body})`);
  if (expectedCode !== undefined) assert.equal(f.code, expectedCode, `${label}: ${foreign.body}`);
  assert.doesNotMatch(foreign.body, new RegExp(a.tenantId, 'i'), `${label}: nothing of the owner leaks`);
}

/** Everything A can see of its own data, as A reads it. */
async function readA(): Promise<Record<string, unknown>> {
  const get = async (url: string, token = a.appToken) => {
    const res = await call(ctx.app, 'GET', url, { token });
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    return res.json();
  };
  const c = A.customerId;
  return {
    customers: await get('/v1/customers'),
    customer: await get(`/v1/customers/${c}`),
    orderedCart: await get(`/v1/customers/${c}/carts/${A.orderedCartId}`),
    activeCart: await get(`/v1/customers/${c}/carts/${A.activeCartId}`),
    orders: await get(`/v1/customers/${c}/orders?include_price=true`),
    provisioning: await get(`/v1/customers/${c}/orders/${A.pendingOrderId}/provisioningstatus`, a.userToken),
    subscriptions: await get(`/v1/customers/${c}/subscriptions`),
  };
}

before(async () => {
  ctx = await startApp();
  a = await newPartner(ctx.app);
  b = await newPartner(ctx.app);
  const c = a.customers[0];
  A.customerId = c.id;
  A.orderedCartId = c.cartId;
  A.azureSubscriptionId = c.azureSubscriptionId;
  const checkout = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { token: a.appToken });
  assert.equal(checkout.statusCode, 201, checkout.body);
  const [azure, oneTime] = checkout.json().orders;
  A.orderId = azure.id;
  A.pendingOrderId = oneTime.id;
  A.subscriptionId = azure.lineItems[0].subscriptionId;
  assert.ok(A.subscriptionId);
  const active = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, { token: a.appToken, body: cartBody });
  assert.equal(active.statusCode, 201, active.body);
  A.activeCartId = active.json().id;
  bCustomerId = b.customers[0].id;
  snapshot = await readA();
  assert.equal((snapshot.orders as { totalCount: number }).totalCount, 3);
  assert.equal((snapshot.orderedCart as { status: string }).status, 'Ordered');
  assert.equal((snapshot.activeCart as { status: string }).status, 'Active');
});
after(() => ctx.close());

describe("another partner's ids answer as missing ones", () => {
  for (const route of ROUTES) {
    for (const kind of ['appToken', 'userToken'] as const) {
      test(`${route.name}: A's customer under B (${kind === 'appToken' ? 'app-only' : 'app+user'} token) answers like an unknown customer`, async () => {
        const tokenOf = (p: Partner) => (route.user ? p.userToken : p[kind]);
        const foreignIds: Ids = { customerId: A.customerId, cartId: A.activeCartId, orderId: A.orderId, subscriptionId: A.subscriptionId };
        const foreign = await call(ctx.app, route.method, route.url(foreignIds), { token: tokenOf(b), body: route.body });
        const missing = await call(ctx.app, route.method, route.url(randomIds()), { token: tokenOf(b), body: route.body });
        assertLikeMissing(route.name, foreign, missing);
        // A's own customer with missing inner ids answers the same as well: no probing of which ids exist.
        const half = await call(ctx.app, route.method, route.url({ ...randomIds(), customerId: A.customerId }), { token: tokenOf(b), body: route.body });
        assertLikeMissing(`${route.name} (missing inner ids)`, half, missing);
      });
    }
  }

  test("the demo partner's customer is invisible to B too", async () => {
    for (const route of ROUTES) {
      const ids: Ids = { customerId: DEMO.customerId, cartId: DEMO.cartId, orderId: randomUUID(), subscriptionId: DEMO.azureSubscriptionId };
      const foreign = await send(route, ids, b);
      const missing = await send(route, randomIds(), b);
      assertLikeMissing(route.name, foreign, missing);
    }
  });

  test("a cart id of A under B's own customer: 404·800008, as a random cart id", async () => {
    const cartRoutes = ROUTES.filter((r) => ['GET cart', 'PUT cart', 'POST checkout'].includes(r.name));
    for (const route of cartRoutes) {
      for (const cartId of [A.activeCartId, A.orderedCartId]) {
        const foreign = await send(route, { ...randomIds(), customerId: bCustomerId, cartId }, b);
        const missing = await send(route, { ...randomIds(), customerId: bCustomerId }, b);
        assertLikeMissing(route.name, foreign, missing, 800008);
      }
    }
  });

  test("an order id of A under B's own customer: 404·20000, as a random order id", async () => {
    const orderRoutes = ROUTES.filter((r) => ['GET order', 'GET order?include_price', 'GET provisioningstatus'].includes(r.name));
    for (const route of orderRoutes) {
      for (const orderId of [A.orderId, A.pendingOrderId]) {
        const foreign = await send(route, { ...randomIds(), customerId: bCustomerId, orderId }, b);
        const missing = await send(route, { ...randomIds(), customerId: bCustomerId }, b);
        assertLikeMissing(route.name, foreign, missing, 20000);
      }
    }
  });

  test("a subscription id of A under B's own customer: 404·20003, as a random subscription id", async () => {
    const route = ROUTES.find((r) => r.name === 'GET subscription')!;
    for (const subscriptionId of [A.subscriptionId, A.azureSubscriptionId]) {
      const foreign = await send(route, { ...randomIds(), customerId: bCustomerId, subscriptionId }, b);
      const missing = await send(route, { ...randomIds(), customerId: bCustomerId }, b);
      assertLikeMissing(route.name, foreign, missing, 20003);
    }
  });

  test("?order_id of A's order under B's own customer lists nothing, as a random order id", async () => {
    const url = (orderId: string) => `/v1/customers/${bCustomerId}/subscriptions?order_id=${orderId}`;
    const foreign = await call(ctx.app, 'GET', url(A.orderId), { token: b.appToken });
    const missing = await call(ctx.app, 'GET', url(randomUUID()), { token: b.appToken });
    assert.equal(foreign.statusCode, missing.statusCode, `${foreign.body} vs ${missing.body}`);
    assert.equal(foreign.statusCode, 200);
    assert.equal(foreign.json().totalCount, 0);
    assert.deepEqual(foreign.json().items, []);
    assert.deepEqual(foreign.json().items, missing.json().items);
  });
});

describe('GET /v1/customers lists only the caller\'s customers', () => {
  test("B lists exactly B's customers, A exactly A's", async () => {
    const added = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${b.tenantId}/customers`, payload: {} });
    assert.equal(added.statusCode, 201, added.body);
    const bIds = [bCustomerId, added.json().id].sort();
    for (const token of [b.appToken, b.userToken]) {
      const res = await call(ctx.app, 'GET', '/v1/customers', { token });
      assert.equal(res.statusCode, 200, res.body);
      const list = res.json();
      assert.equal(list.attributes.objectType, 'Collection');
      assert.equal(list.totalCount, list.items.length);
      assert.deepEqual(list.items.map((c: { id: string }) => c.id).sort(), bIds);
      assert.doesNotMatch(res.body, new RegExp(A.customerId, 'i'));
      assert.doesNotMatch(res.body, new RegExp(DEMO.customerId, 'i'));
    }
    const res = await call(ctx.app, 'GET', '/v1/customers', { token: a.appToken });
    assert.deepEqual(res.json().items.map((c: { id: string }) => c.id), [A.customerId]);
  });
});

describe("A's data after B's attempts", () => {
  test('is unchanged: carts keep their status and lines, no order or subscription was added', async () => {
    // Run the state-changing calls once more, with both token kinds, right before reading A back.
    for (const route of ROUTES.filter((r) => r.method !== 'GET')) {
      for (const token of [b.appToken, b.userToken]) {
        for (const cartId of [A.activeCartId, A.orderedCartId]) {
          const res = await call(ctx.app, route.method, route.url({ ...randomIds(), customerId: A.customerId, cartId }), { token, body: route.body });
          assert.equal(res.statusCode, 404, `${route.name}: ${res.body}`);
        }
      }
    }
    const now = await readA();
    assert.deepEqual(now, snapshot);
    assert.equal((now.activeCart as { status: string }).status, 'Active');
    assert.equal((now.orderedCart as { status: string }).status, 'Ordered');
    assert.equal((now.orders as { totalCount: number }).totalCount, 3);
    const rows = await ctx.db.query<{ n: number | string }>('SELECT count(*) AS n FROM orders WHERE customer_id = $1', [A.customerId]);
    assert.equal(Number(rows[0].n), 3);
    const carts = await ctx.db.query<{ n: number | string }>('SELECT count(*) AS n FROM carts WHERE customer_id = $1', [A.customerId]);
    assert.equal(Number(carts[0].n), 2, 'B created no cart for A\'s customer');
  });
});

describe('the database itself keeps tenants apart', () => {
  test("an order, subscription or cart naming B as the partner of A's customer is refused (23503)", async () => {
    const copy = async (table: string, id: string, changes: string) => {
      await assert.rejects(
        ctx.db.transaction((tx) => tx.query(`INSERT INTO ${table} SELECT (jsonb_populate_record(t, $2::jsonb)).* FROM ${table} t WHERE t.id::text = $1`, [id, changes])),
        (err: { code?: string }) => err.code === '23503',
        table,
      );
    };
    const [cart] = await ctx.db.query<{ id: string }>('SELECT id FROM carts WHERE id = $1', [A.activeCartId]);
    assert.ok(cart);
    await copy('orders', A.orderId, JSON.stringify({ id: 'copy-of-a-order', cart_id: null, partner_tenant_id: b.tenantId }));
    await copy('subscriptions', A.subscriptionId, JSON.stringify({ id: randomUUID(), partner_tenant_id: b.tenantId }));
    await copy('carts', A.activeCartId, JSON.stringify({ id: randomUUID(), partner_tenant_id: b.tenantId, creation_request_id: null }));
  });
});
