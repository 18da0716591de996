/**
 * What partners poll after a purchase (issue 15 item 2), with the docs' request examples and the shapes
 * the Java and .NET SDKs parse: a subscription's provisioning status (GUID skuId, lower-case status, a
 * fraction-free endDate), its add-ons, the Azure reservation registration (202, no body, a Location
 * header; its state kept in the database), and a marketplace SaaS line's activation links. Another
 * partner's ids answer 404, malformed ones 4xx.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

let ctx: TestContext;
let p: Partner;
let other: Partner;
let customerId: string;
let azureSubscriptionId: string;
/** The demo checkout's orders: [Azure plan (completed), one_time (pending), monthly SaaS (pending)]. */
/** A legacy licence subscription (bought in the add-ons test). */
let legacyLicence: string;
let orders: { id: string; lineItems: { lineItemNumber: number; offerId: string; subscriptionId?: string }[] }[];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const subUrl = (s: string, c = customerId) => `/v1/customers/${c}/subscriptions/${s}`;
const get = (url: string, token = p.appToken) => call(ctx.app, 'GET', url, { token });

before(async () => {
  // No worker: the clock's advance provisions, so the test decides when lines are fulfilled.
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '60', PC_WORKER: 'false' });
  [p, other] = [await newPartner(ctx.app), await newPartner(ctx.app)];
  customerId = p.customers[0].id;
  const res = await call(ctx.app, 'POST', `/v1/customers/${customerId}/carts/${p.customers[0].cartId}/checkout`, { token: p.appToken, body: '"success"' });
  assert.equal(res.statusCode, 201, res.body);
  orders = res.json().orders;
  // The Azure plan this checkout bought (the sandbox customer's own comes registered, for the doc's cart).
  azureSubscriptionId = orders[0].lineItems[0].subscriptionId!;
});
after(() => ctx.close());

const advance = async (partner: Partner, advanceBy: string) => {
  const res = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${partner.tenantId}/clock`, payload: { advanceBy } });
  assert.equal(res.statusCode, 200, res.body);
};

describe('GET …/subscriptions/{s}/provisioningstatus', () => {
  test('an active subscription: success, its quantity and term end, a GUID skuId, no subscription id', async () => {
    const created = orders[0].lineItems[0].subscriptionId!;
    const res = await get(`${subUrl(created)}/provisioningstatus`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    const sub = (await get(subUrl(created))).json();
    assert.deepEqual(Object.keys(body).sort(), ['attributes', 'endDate', 'quantity', 'skuId', 'status']);
    assert.equal(body.status, 'success');
    assert.equal(body.quantity, sub.quantity);
    assert.match(body.skuId, GUID, '.NET parses skuId as a Guid');
    assert.match(body.endDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'no fraction: older Java models parse dateTimeNoMillis');
    assert.equal(Date.parse(body.endDate), Date.parse(sub.commitmentEndDate));
    assert.deepEqual(body.attributes, { objectType: 'SubscriptionProvisioningStatus' });
    // The same SKU gives the same GUID on every call.
    assert.equal((await get(`${subUrl(created)}/provisioningstatus`)).json().skuId, body.skuId);
  });

  test('a legacy offer id that is not a GUID (MS-AZR-0145P) still gives a GUID skuId', async () => {
    const res = await get(`${subUrl(azureSubscriptionId)}/provisioningstatus`);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await get(subUrl(azureSubscriptionId))).json().offerId, 'MS-AZR-0145P');
    assert.match(res.json().skuId, GUID);
  });

  test("another partner's subscription, an unknown one and a malformed id are not found", async () => {
    const created = orders[0].lineItems[0].subscriptionId!;
    const theirs = await get(`${subUrl(created)}/provisioningstatus`, other.appToken);
    assert.equal(theirs.statusCode, 404);
    const inTheirCustomer = await get(`${subUrl(created, other.customers[0].id)}/provisioningstatus`, other.appToken);
    assert.equal(inTheirCustomer.statusCode, 404);
    assert.equal(inTheirCustomer.json().code, 20003);
    assert.equal((await get(`${subUrl(randomUUID())}/provisioningstatus`)).json().code, 20003);
    const bad = await get(`${subUrl('not-a-guid')}/provisioningstatus`);
    assert.equal(bad.statusCode, 404);
    assert.equal((await get(`/v1/customers/not-a-guid/subscriptions/${created}/provisioningstatus`)).statusCode, 400);
  });
});

describe('GET …/orders/{o}/lineitems/{n}/activationlinks', () => {
  const saasLine = () => {
    for (const o of orders) {
      const l = o.lineItems.find((x) => x.offerId.startsWith('DZH318Z0BXWC'));
      if (l) return { order: o, line: l };
    }
    throw new Error('the demo checkout has no SaaS line');
  };
  const url = (o: string, n: number | string) => `/v1/customers/${customerId}/orders/${o}/lineitems/${n}/activationlinks`;

  test('a SaaS line has no link while it provisions, one absolute link once fulfilled', async () => {
    const { order, line } = saasLine();
    const before = await get(url(order.id, line.lineItemNumber));
    assert.equal(before.statusCode, 200, before.body);
    assert.equal(before.json().totalCount, 0);
    await advance(p, 'PT5M');
    const res = await get(url(order.id, line.lineItemNumber));
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.totalCount, 1);
    assert.equal(body.items[0].lineItemNumber, line.lineItemNumber);
    assert.match(body.items[0].link.uri, /^https:\/\//);
    assert.equal(body.items[0].link.method, 'GET');
    assert.deepEqual(body.items[0].link.headers, []);
    assert.equal(body.links.self.uri, `/customers/${customerId}/orders/${order.id}/lineitems/${line.lineItemNumber}/activationlinks`);
    assert.deepEqual(body.attributes, { objectType: 'Collection' });
    const read = (await get(`/v1/customers/${customerId}/orders/${order.id}`)).json();
    assert.equal(read.lineItems[line.lineItemNumber].links.provisioningStatus.uri, `/customers/${customerId}/orders/${order.id}/provisioningstatus`);
    // Once provisioned, the subscription's provisioning status says so too.
    const sub = (await get(`/v1/customers/${customerId}/orders/${order.id}`)).json().lineItems[line.lineItemNumber].subscriptionId;
    assert.equal((await get(`${subUrl(sub)}/provisioningstatus`)).json().status, 'success');
  });

  test('a Microsoft line has none; a missing line, order or another partner answers 404; a bad number 404', async () => {
    assert.equal((await get(url(orders[0].id, 0))).json().totalCount, 0);
    assert.equal((await get(url(orders[0].id, 7))).statusCode, 404);
    assert.equal((await get(url(orders[0].id, 'x'))).statusCode, 404);
    assert.equal((await get(url('nope', 0))).statusCode, 404);
    assert.equal((await get(url(orders[0].id, 0), other.appToken)).statusCode, 404);
  });
});

describe('GET …/subscriptions/{s}/addons', () => {
  test('lists the add-on subscriptions bought on a base subscription, none on others', async () => {
    const cart = await call(ctx.app, 'POST', `/v1/customers/${customerId}/carts`, {
      token: p.appToken,
      body: {
        lineItems: [{
          id: 0, catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239', quantity: 3, billingCycle: 'monthly',
          addonItems: [{ id: 0, catalogItemId: '2828BE95-46BA-4F91-B2FD-0BEF192ECF60', quantity: 2, billingCycle: 'monthly' }],
        }],
      },
    });
    assert.equal(cart.statusCode, 201, cart.body);
    const [order] = (await call(ctx.app, 'POST', `/v1/customers/${customerId}/carts/${cart.json().id}/checkout`, { token: p.appToken })).json().orders;
    const [base, addOn] = order.lineItems.map((l: { subscriptionId: string }) => l.subscriptionId);
    const res = await get(`${subUrl(base)}/addons`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.totalCount, 1);
    assert.equal(body.items[0].id, addOn);
    assert.equal(body.items[0].parentSubscriptionId, base);
    assert.equal(body.items[0].quantity, 2);
    assert.deepEqual(body.attributes, { objectType: 'Collection' });
    assert.equal((await get(`${subUrl(addOn)}/addons`)).json().totalCount, 0);
    // A legacy offer's skuId is the offer's own GUID.
    assert.equal((await get(`${subUrl(base)}/provisioningstatus`)).json().skuId, '91fd106f-4b2c-4938-95ac-f54f74e9a239');
    legacyLicence = base;
    assert.equal((await get(`${subUrl(base)}/addons`, other.appToken)).statusCode, 404);
  });
});

describe('Azure reservation registration', () => {
  const RESERVATION = 'DZH318Z0BQ36:004G:DZH318Z08C0S';
  let cartId: string;

  test('checkout of a reservation scoped to an unregistered subscription: an orderErrors entry 800030, the other groups ordered', async () => {
    const cart = await call(ctx.app, 'POST', `/v1/customers/${customerId}/carts`, {
      token: p.appToken,
      body: {
        lineItems: [
          { id: 0, catalogItemId: RESERVATION, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y', provisioningContext: { subscriptionId: azureSubscriptionId, scope: 'shared' } },
          { id: 1, catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
        ],
      },
    });
    assert.equal(cart.statusCode, 201, cart.body);
    assert.deepEqual(cart.json().lineItems.map((l: { error?: unknown }) => l.error), [undefined, undefined], 'registration is checked at checkout, not on the cart');
    cartId = cart.json().id;
    const out = await call(ctx.app, 'POST', `/v1/customers/${customerId}/carts/${cartId}/checkout`, { token: p.appToken, body: '"success"' });
    assert.equal(out.statusCode, 201, out.body);
    const result = out.json();
    assert.equal(result.orders.length, 1, 'the SaaS group is ordered');
    assert.equal(result.orders[0].lineItems[0].offerId, 'DZH318Z0BXWC:0002:DZH318Z0BMRV');
    assert.equal(result.orderErrors.length, 1);
    assert.equal(result.orderErrors[0].orderGroupId, cart.json().lineItems[0].orderGroup);
    assert.equal(result.orderErrors[0].code, 800030);
    assert.match(result.orderErrors[0].description, /^This subscription is not registered/);
    assert.equal((await get(`/v1/customers/${customerId}/carts/${cartId}`)).json().status, 'Active', 'the cart waits for the failed group');
  });

  test('NotRegistered, then POST registrations (Java body "success") → 202, no body, Location; then Registered', async () => {
    const status = `${subUrl(azureSubscriptionId)}/registrationstatus`;
    const before = await get(status);
    assert.equal(before.statusCode, 200, before.body);
    assert.deepEqual(before.json(), { subscriptionId: azureSubscriptionId, status: 'NotRegistered', attributes: { objectType: 'SubscriptionRegistrationStatus' } });
    const res = await call(ctx.app, 'POST', `${subUrl(azureSubscriptionId)}/registrations`, {
      token: p.appToken,
      body: '"success"',
      headers: { 'ms-requestid': randomUUID() },
    });
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(res.body, '');
    assert.equal(res.headers.location, `/customers/${customerId}/subscriptions/${azureSubscriptionId}/registrationstatus`);
    assert.equal((await get(status)).json().status, 'Registered');
    const [row] = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subscription_registrations WHERE subscription_id = $1', [azureSubscriptionId]);
    assert.equal(row.n, 1);
  });

  test('once registered, checking the cart out again orders the reservation', async () => {
    const out = await call(ctx.app, 'POST', `/v1/customers/${customerId}/carts/${cartId}/checkout`, { token: p.appToken, body: '"success"' });
    assert.equal(out.statusCode, 201, out.body);
    assert.deepEqual(out.json().orderErrors, []);
    assert.deepEqual(out.json().orders.map((o: { lineItems: { offerId: string }[] }) => o.lineItems[0].offerId).sort(), ['DZH318Z0BQ36:004G:DZH318Z08C0S', 'DZH318Z0BXWC:0002:DZH318Z0BMRV']);
    assert.equal((await get(`/v1/customers/${customerId}/carts/${cartId}`)).json().status, 'Ordered');
  });

  test("a sandbox customer's own Azure subscription comes registered (the doc's example cart buys reservations for it)", async () => {
    const res = await get(`${subUrl(p.customers[0].azureSubscriptionId)}/registrationstatus`);
    assert.equal(res.json().status, 'Registered');
  });

  test('a repeat with the same MS-RequestId (an SDK retry) still carries the Location header; no body (.NET) works too', async () => {
    const requestId = randomUUID();
    for (let i = 0; i < 2; i++) {
      const res = await call(ctx.app, 'POST', `${subUrl(azureSubscriptionId)}/registrations`, { token: p.appToken, headers: { 'ms-requestid': requestId } });
      assert.equal(res.statusCode, 202, res.body);
      assert.ok(res.headers.location, `attempt ${i}: Location`);
    }
  });

  test('a licence subscription cannot be registered (400·2094); another partner gets 404', async () => {
    const res = await call(ctx.app, 'POST', `${subUrl(legacyLicence)}/registrations`, { token: p.appToken });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().code, 2094);
    const nothing = await call(ctx.app, 'POST', `${subUrl(azureSubscriptionId)}/registrations`, { token: other.appToken });
    assert.equal(nothing.statusCode, 404);
    assert.equal((await get(`${subUrl(azureSubscriptionId)}/registrationstatus`, other.appToken)).statusCode, 404);
    assert.equal((await get(`${subUrl('zz')}/registrationstatus`)).statusCode, 404);
  });
});
