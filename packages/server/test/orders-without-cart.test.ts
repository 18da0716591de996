/**
 * Orders a partner places or cancels without a cart (issue 15 item 4): `POST /v1/customers/{c}/orders`
 * with PowerShell's New-PartnerCustomerOrder line and the doc's PascalCase body, provisioned as after a
 * checkout; `PATCH …/orders/{o}` `{"status":"cancelled"}` for software within its window on the
 * partner's clock (whole order, or listed lines), refused for anything else or after the window; bad
 * input 400, another partner's ids 404, exactly once per MS-RequestId.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

let ctx: TestContext;
let p: Partner;
let other: Partner;
let customerId: string;
before(async () => {
  // No worker: the clock's advance provisions.
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '60', PC_WORKER: 'false' });
  [p, other] = [await newPartner(ctx.app), await newPartner(ctx.app)];
  customerId = p.customers[0].id;
});
after(() => ctx.close());

const ordersUrl = (c = customerId) => `/v1/customers/${c}/orders`;
const place = (body: unknown, headers: Record<string, string> = {}, token = p.appToken, c = customerId) => call(ctx.app, 'POST', ordersUrl(c), { token, body, headers });
const cancel = (orderId: string, body: unknown, token = p.appToken, c = customerId) => call(ctx.app, 'PATCH', `${ordersUrl(c)}/${orderId}`, { token, body });
const advance = async (partner: Partner, advanceBy: string) => {
  const res = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${partner.tenantId}/clock`, payload: { advanceBy } });
  assert.equal(res.statusCode, 200, res.body);
};
const WINDOWS_SERVER = 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM';
const BIZTALK = 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M';

describe('POST /v1/customers/{c}/orders', () => {
  test("New-PartnerCustomerOrder's legacy line → 201, a completed order with its subscription", async () => {
    const res = await place({ lineItems: [{ lineItemNumber: 0, offerId: '031C9E47-4802-4248-838E-778FB1D2CC05', quantity: 3, friendlyName: 'Sales seats' }] });
    assert.equal(res.statusCode, 201, res.body);
    const order = res.json();
    assert.match(order.id, /^[0-9a-f-]{36}$/, 'legacy orders have GUID ids');
    assert.equal(order.status, 'completed');
    assert.equal(order.billingCycle, 'monthly');
    assert.equal(order.lineItems[0].quantity, 3);
    assert.equal(order.lineItems[0].friendlyName, 'Sales seats');
    assert.equal(order.links.provisioningStatus.uri, `/customers/${customerId}/orders/${order.id}/provisioningstatus`);
    const subs = (await call(ctx.app, 'GET', `/v1/customers/${customerId}/subscriptions?order_id=${order.id}`, { token: p.appToken })).json();
    assert.equal(subs.totalCount, 1);
    assert.equal(subs.items[0].id, order.lineItems[0].subscriptionId);
    assert.equal(subs.items[0].friendlyName, 'Sales seats');
    assert.deepEqual((await call(ctx.app, 'GET', `${ordersUrl()}/${order.id}`, { token: p.appToken })).json(), order);
  });

  test("the doc's PascalCase body; software lines wait for provisioning, which the clock runs", async () => {
    const res = await place(`{"BillingCycle":"one_time","LineItems":[{"LineItemNumber":0,"OfferId":"${WINDOWS_SERVER}","Quantity":2,},{"LineItemNumber":1,"OfferId":"${BIZTALK}","Quantity":1}]}`);
    assert.equal(res.statusCode, 201, res.body);
    const order = res.json();
    assert.equal(order.status, 'pending');
    assert.equal(order.billingCycle, 'one_time');
    await advance(p, 'PT5M');
    assert.equal((await call(ctx.app, 'GET', `${ordersUrl()}/${order.id}`, { token: p.appToken })).json().status, 'completed');
  });

  test('exactly once per MS-RequestId', async () => {
    const headers = { 'ms-requestid': randomUUID() };
    const body = { lineItems: [{ offerId: '91FD106F-4B2C-4938-95AC-F54F74E9A239', quantity: 1 }] };
    const first = await place(body, headers);
    const again = await place(body, headers);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.json().id, first.json().id);
    const [row] = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE id = $1', [first.json().id]);
    assert.equal(row.n, 1);
  });

  test('bad input → 400 (800004 for an unknown offer, 800002 otherwise); another partner → 404', async () => {
    const legacy = '031C9E47-4802-4248-838E-778FB1D2CC05';
    const cases: [string, unknown, number][] = [
      ['no body', undefined, 800002],
      ['no lines', { lineItems: [] }, 800002],
      ['no offerId', { lineItems: [{ quantity: 1 }] }, 800002],
      ['unknown offer', { lineItems: [{ offerId: 'NOPE', quantity: 1 }] }, 800004],
      ['quantity 0', { lineItems: [{ offerId: legacy, quantity: 0 }] }, 800002],
      ['quantity as text', { lineItems: [{ offerId: legacy, quantity: 'two' }] }, 800002],
      ['the same line number twice', { lineItems: [{ lineItemNumber: 0, offerId: legacy, quantity: 1 }, { lineItemNumber: 0, offerId: legacy, quantity: 1 }] }, 800002],
      ['a billing cycle the offer lacks', { billingCycle: 'one_time', lineItems: [{ offerId: legacy, quantity: 1 }] }, 800002],
      ['an unknown billing cycle', { billingCycle: 'weekly', lineItems: [{ offerId: legacy, quantity: 1 }] }, 900126],
      ['lines that make two orders', { lineItems: [{ offerId: legacy, quantity: 1 }, { offerId: WINDOWS_SERVER, quantity: 1 }] }, 800002],
    ];
    for (const [what, body, code] of cases) {
      const res = await place(body);
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
      assert.equal(res.json().code, code, what);
    }
    const theirs = await place({ lineItems: [{ offerId: legacy, quantity: 1 }] }, {}, other.appToken);
    assert.equal(theirs.statusCode, 404);
    assert.equal((await place({ lineItems: [{ offerId: legacy, quantity: 1 }] }, {}, p.appToken, 'nope')).statusCode, 400);
  });
});

describe('PATCH /v1/customers/{c}/orders/{o} {"status":"cancelled"}', () => {
  const software = async (partner = p, c = customerId) => {
    const res = await place({ billingCycle: 'one_time', lineItems: [{ offerId: WINDOWS_SERVER, quantity: 2 }, { offerId: BIZTALK, quantity: 1 }] }, {}, partner.appToken, c);
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };

  test('the listed line only: quantity 0, the order keeps its status; then the rest: the order is cancelled', async () => {
    const order = await software();
    await advance(p, 'PT5M');
    const res = await cancel(order.id, { id: order.id, status: 'cancelled', lineItems: [{ lineItemNumber: 0, offerId: WINDOWS_SERVER }] });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.status, 'completed');
    assert.equal(body.lineItems[0].quantity, 0);
    assert.equal(body.lineItems[1].quantity, 1);
    const sub = body.lineItems[0].subscriptionId;
    assert.ok(sub, 'the provisioned line has its subscription');
    assert.equal((await call(ctx.app, 'GET', `/v1/customers/${customerId}/subscriptions/${sub}`, { token: p.appToken })).json().status, 'deleted');
    const rest = await cancel(order.id, { status: 'Cancelled' });
    assert.equal(rest.statusCode, 200, rest.body);
    assert.equal(rest.json().status, 'cancelled');
    assert.deepEqual(rest.json().lineItems.map((l: { quantity: number }) => l.quantity), [0, 0]);
    // Cancelling a cancelled order again changes nothing.
    assert.equal((await cancel(order.id, { status: 'cancelled' })).json().status, 'cancelled');
    const audit = await ctx.db.query("SELECT 1 FROM audit_records WHERE resource_id = $1 AND operation_type = 'update_order'", [order.id]);
    assert.equal(audit.length, 2);
  });

  test('a pending software order cancels before it provisions, and provisioning then leaves it cancelled', async () => {
    const order = await software();
    const res = await cancel(order.id, { status: 'cancelled' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'cancelled');
    await advance(p, 'PT5M');
    const after = (await call(ctx.app, 'GET', `${ordersUrl()}/${order.id}`, { token: p.appToken })).json();
    assert.equal(after.status, 'cancelled');
    assert.deepEqual(after.lineItems.map((l: { quantity: number }) => l.quantity), [0, 0]);
  });

  test('past the 30-day window of perpetual software → 400·800061, nothing changed', async () => {
    const q = await newPartner(ctx.app);
    const c = q.customers[0].id;
    const order = await software(q, c);
    await advance(q, 'P31D');
    const res = await cancel(order.id, { status: 'cancelled' }, q.appToken, c);
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().code, 800061);
    assert.match(res.json().description, /30 days/);
    assert.equal((await call(ctx.app, 'GET', `${ordersUrl(c)}/${order.id}`, { token: q.appToken })).json().status, 'completed');
  });

  test('not software → 400·800061; bad input 400; another partner or an unknown order 404', async () => {
    const legacy = (await place({ lineItems: [{ offerId: '031C9E47-4802-4248-838E-778FB1D2CC05', quantity: 1 }] })).json();
    const refused = await cancel(legacy.id, { status: 'cancelled' });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.equal(refused.json().code, 800061);
    const order = await software();
    for (const [what, body] of [
      ['status active', { status: 'active' }],
      ['no status', {}],
      ['a line the order lacks', { status: 'cancelled', lineItems: [{ lineItemNumber: 9 }] }],
      ['a line number as text', { status: 'cancelled', lineItems: [{ lineItemNumber: 'zero' }] }],
    ] as const) {
      const res = await cancel(order.id, body);
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
    }
    assert.equal((await cancel(order.id, { status: 'cancelled' }, other.appToken)).statusCode, 404);
    assert.equal((await cancel(order.id, { status: 'cancelled' }, other.appToken, other.customers[0].id)).statusCode, 404);
    assert.equal((await cancel('no-such-order', { status: 'cancelled' })).statusCode, 404);
    assert.equal((await cancel('bad id!', { status: 'cancelled' })).statusCode, 404);
  });
});
