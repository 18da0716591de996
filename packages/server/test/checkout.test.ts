/**
 * Checkout as the docs show it and as clients retry it: the doc's exact request, grouping into
 * orders, idempotent re-checkout, concurrent submits, expired carts and partial failures.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConsistency } from '../src/consistency.js';
import { call, newPartner, startApp, token, type Partner, type TestContext } from './helpers.js';
import { DEMO } from '../src/seed/index.js';
import { SANDBOX_DEFAULTS } from '../src/config.js';

let ctx: TestContext;
before(async () => {
  ctx = await startApp();
});
after(() => ctx.close());

const checkoutUrl = (customerId: string, cartId: string) => `/v1/customers/${customerId}/carts/${cartId}/checkout`;

describe('the checkout doc example (checkout-a-cart.md)', () => {
  test('the request as written returns 201 with the three orders of the doc response', async () => {
    const bearer = await token(ctx.app, {
      grant_type: 'client_credentials',
      client_id: SANDBOX_DEFAULTS.clientId,
      client_secret: SANDBOX_DEFAULTS.clientSecret,
    });
    const res = await ctx.app.inject({
      method: 'POST',
      url: checkoutUrl(DEMO.customerId, DEMO.cartId),
      headers: {
        Authorization: `Bearer ${bearer}`,
        Accept: 'application/json',
        'MS-RequestId': '4fa6dad6-a89f-4875-8247-8294a10ae1cf',
        'MS-CorrelationId': '0e93c70c-977a-4a88-9580-7cf084c73286',
        'X-Locale': 'en-US',
        'MS-PartnerCenter-Client': 'Partner Center .NET SDK',
        'Content-Type': 'application/json',
        Host: 'api.partnercenter.microsoft.com',
        'Content-Length': '0',
        Expect: '100-continue',
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers['ms-requestid'], '4fa6dad6-a89f-4875-8247-8294a10ae1cf');
    assert.equal(res.headers['ms-correlationid'], '0e93c70c-977a-4a88-9580-7cf084c73286');
    assert.match(String(res.headers['ms-cv']), /\.0$/);
    assert.ok(res.headers['ms-serverid']);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.notEqual(res.rawPayload[0], 0xef, 'no BOM');

    const result = res.json();
    assert.equal(result.attributes.objectType, 'CartCheckoutResult');
    assert.deepEqual(result.orderErrors, []);
    assert.equal(result.orders.length, 3);
    const [azure, oneTime, monthly] = result.orders;

    assert.equal(azure.billingCycle, 'monthly');
    assert.equal(azure.status, 'completed');
    assert.equal(azure.id, azure.alternateId, 'legacy offer orders carry a GUID id, alternateId equal');
    assert.equal(azure.referenceCustomerId, DEMO.commerceId);
    assert.equal(azure.lineItems.length, 1);
    assert.equal(azure.lineItems[0].offerId, 'MS-AZR-0145P');
    assert.equal(azure.lineItems[0].friendlyName, 'Microsoft Azure');
    assert.equal(azure.lineItems[0].termDuration, 'P1Y');
    assert.equal(azure.lineItems[0].transactionType, 'New');
    assert.match(azure.lineItems[0].subscriptionId, /^[0-9a-f-]{36}$/);

    assert.equal(oneTime.billingCycle, 'one_time');
    assert.equal(oneTime.status, 'pending');
    assert.match(oneTime.alternateId, /^[0-9a-f]{12}$/);
    assert.deepEqual(
      oneTime.lineItems.map((l: { lineItemNumber: number; offerId: string; friendlyName: string; termDuration?: string }) => [l.lineItemNumber, l.offerId, l.friendlyName, l.termDuration]),
      [
        [0, 'DZH318Z0BQ36:004G:DZH318Z08C0S', 'Reserved VM Instance, Standard_NV12, US East 2, 1 Year', 'P1Y'],
        [1, 'DZH318Z0BQ36:004J:DZH318Z08B8X', 'Reserved VM Instance, Standard_NV12, US East 2, 3 Years', 'P3Y'],
        [2, 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M', 'BizTalk Server 2016 Branch', undefined],
      ],
    );
    for (const line of oneTime.lineItems) assert.equal(line.subscriptionId, undefined, 'pending RI/software lines have no subscription yet');

    assert.equal(monthly.billingCycle, 'monthly');
    assert.equal(monthly.status, 'pending');
    assert.equal(monthly.currencySymbol, '$');
    assert.equal(monthly.lineItems[0].offerId, 'DZH318Z0BXWC:0002:DZH318Z0BMRV');
    assert.equal(monthly.lineItems[0].friendlyName, 'Barracuda WaaS - Medium Plan');
    assert.equal(monthly.lineItems[0].termDuration, 'P1M');
    for (const o of result.orders) {
      assert.equal(o.transactionType, 'UserPurchase');
      assert.equal(o.currencyCode, 'USD');
      assert.equal(o.links.self.uri, `/customers/${DEMO.customerId}/orders/${o.id}`);
      assert.equal(o.links.provisioningStatus.uri, `/customers/${DEMO.customerId}/orders/${o.id}/provisioningstatus`);
      assert.equal(o.attributes.objectType, 'Order');
    }

    // The cart is now Ordered, and the orders and the Azure subscription can be read back.
    const cart = await call(ctx.app, 'GET', `/v1/customers/${DEMO.customerId}/carts/${DEMO.cartId}`, { token: bearer });
    assert.equal(cart.json().status, 'Ordered');
    const order = await call(ctx.app, 'GET', `/v1/customers/${DEMO.customerId}/orders/${oneTime.id}`, { token: bearer });
    assert.equal(order.statusCode, 200);
    assert.deepEqual(order.json(), oneTime);
    const sub = await call(ctx.app, 'GET', `/v1/customers/${DEMO.customerId}/subscriptions/${azure.lineItems[0].subscriptionId}`, { token: bearer });
    assert.equal(sub.statusCode, 200);
    assert.equal(sub.json().offerId, 'MS-AZR-0145P');
    assert.equal(sub.json().orderId, azure.id);
    assert.equal(sub.json().status, 'active');
  });
});

describe('checkout', () => {
  let p: Partner;
  before(async () => {
    p = await newPartner(ctx.app);
  });

  test('accepts the SDKs\' "success" body and an app+user token; checking out again returns the same result', async () => {
    const c = p.customers[0];
    const first = await call(ctx.app, 'POST', checkoutUrl(c.id, c.cartId), { token: p.userToken, body: '"success"' });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().orders.length, 3);
    const again = await call(ctx.app, 'POST', checkoutUrl(c.id, c.cartId), { token: p.appToken, body: '"success"' });
    assert.equal(again.statusCode, 201);
    assert.deepEqual(again.json(), first.json());
    const orders = await call(ctx.app, 'GET', `/v1/customers/${c.id}/orders`, { token: p.appToken });
    assert.equal(orders.json().totalCount, 3, 'no second set of orders');
  });

  test('concurrent submits of one cart produce exactly one set of orders', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/customers`, payload: {} });
    const customer = res.json();
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () => call(ctx.app, 'POST', checkoutUrl(customer.id, customer.cartId), { token: p.appToken })),
    );
    const ok = attempts.filter((r) => r.statusCode === 201);
    const conflicts = attempts.filter((r) => r.statusCode === 409);
    assert.equal(ok.length + conflicts.length, attempts.length, attempts.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
    assert.ok(ok.length >= 1);
    for (const r of conflicts) assert.equal(r.json().code, 800064);
    const ids = new Set(ok.map((r) => JSON.stringify(r.json().orders.map((o: { id: string }) => o.id))));
    assert.equal(ids.size, 1, 'every winner reports the same orders');
    const orders = await call(ctx.app, 'GET', `/v1/customers/${customer.id}/orders`, { token: p.appToken });
    assert.equal(orders.json().totalCount, 3);
  });

  test('a cart with line errors cannot be checked out: 400·800009, cart stays Active', async () => {
    const c = p.customers[0];
    const created = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, {
      token: p.appToken,
      body: { lineItems: [{ id: 0, catalogItemId: 'NOPE:0001:NOPE', quantity: 1, billingCycle: 'monthly' }] },
    });
    assert.equal(created.statusCode, 201);
    const cartId = created.json().id;
    const res = await call(ctx.app, 'POST', checkoutUrl(c.id, cartId), { token: p.appToken });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 800009);
    const cart = await call(ctx.app, 'GET', `/v1/customers/${c.id}/carts/${cartId}`, { token: p.appToken });
    assert.equal(cart.json().status, 'Active');
  });

  test('an expired cart answers 400 and is not ordered', async () => {
    const c = p.customers[0];
    const created = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, {
      token: p.appToken,
      body: { lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 2, billingCycle: 'monthly', termDuration: 'P1M' }] },
    });
    const cartId = created.json().id;
    await ctx.db.query(`UPDATE carts SET expiration_timestamp = now() - interval '1 minute' WHERE id = $1`, [cartId]);
    const res = await call(ctx.app, 'POST', checkoutUrl(c.id, cartId), { token: p.appToken });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().description, /expired/);
    const put = await call(ctx.app, 'PUT', `/v1/customers/${c.id}/carts/${cartId}`, { token: p.appToken, body: created.json() });
    assert.equal(put.statusCode, 400);
    const rows = await ctx.db.query('SELECT 1 FROM orders WHERE cart_id = $1', [cartId]);
    assert.equal(rows.length, 0);
  });

  test('a group whose item stopped being purchasable goes to orderErrors; the others are ordered; a later checkout retries it', async () => {
    const c = p.customers[0];
    const lines = [
      { id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 3, billingCycle: 'monthly', termDuration: 'P1M' },
      { id: 1, catalogItemId: 'CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF', quantity: 2, billingCycle: 'annual', termDuration: 'P1Y' },
    ];
    const created = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, { token: p.appToken, body: { lineItems: lines } });
    assert.deepEqual(created.json().lineItems.map((l: { orderGroup: string }) => l.orderGroup), ['0', '1']);
    const cartId = created.json().id;
    const setPurchasable = (v: boolean) =>
      ctx.db.query('UPDATE availabilities SET is_purchasable = $1 WHERE catalog_item_id = $2', [v, 'CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF']);
    await setPurchasable(false);
    try {
      const first = await call(ctx.app, 'POST', checkoutUrl(c.id, cartId), { token: p.appToken });
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.json().orders.length, 1);
      assert.equal(first.json().orders[0].lineItems[0].offerId, 'CFQ7TTC0LH18:0001:CFQ7TTC0K971');
      assert.deepEqual(first.json().orderErrors.map((e: { orderGroupId: string; code: number }) => [e.orderGroupId, e.code]), [['1', 800020]]);
      const cart = await call(ctx.app, 'GET', `/v1/customers/${c.id}/carts/${cartId}`, { token: p.appToken });
      assert.equal(cart.json().status, 'Active');
      // The cart row says it holds orders, so the next checkout reads them (and orders only group '1').
      assert.deepEqual(await ctx.db.query('SELECT partly_ordered FROM carts WHERE id = $1', [cartId]), [{ partly_ordered: true }]);
      assert.deepEqual((await checkConsistency(ctx.db)).violations, []);
    } finally {
      await setPurchasable(true);
    }
    const second = await call(ctx.app, 'POST', checkoutUrl(c.id, cartId), { token: p.appToken });
    assert.equal(second.statusCode, 201);
    assert.equal(second.json().orders.length, 2);
    assert.deepEqual(second.json().orderErrors, []);
    const cart = await call(ctx.app, 'GET', `/v1/customers/${c.id}/carts/${cartId}`, { token: p.appToken });
    assert.equal(cart.json().status, 'Ordered');
    const rows = await ctx.db.query('SELECT order_group FROM orders WHERE cart_id = $1 ORDER BY order_group', [cartId]);
    assert.deepEqual(rows.map((r) => (r as { order_group: string }).order_group), ['0', '1']);
  });

  test('new-commerce lines are pending with their subscription id up front', async () => {
    const c = p.customers[0];
    const created = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, {
      token: p.appToken,
      body: { lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', quantity: 2, billingCycle: 'monthly', termDuration: 'P1Y' }] },
    });
    const res = await call(ctx.app, 'POST', checkoutUrl(c.id, created.json().id), { token: p.appToken });
    const [order] = res.json().orders;
    assert.equal(order.status, 'pending');
    const sub = await call(ctx.app, 'GET', `/v1/customers/${c.id}/subscriptions/${order.lineItems[0].subscriptionId}`, { token: p.appToken });
    assert.equal(sub.json().status, 'pending');
    assert.equal(sub.json().termDuration, 'P1Y');
    assert.equal(sub.json().billingCycle, 'monthly');
  });

  test('legacy add-ons are ordered with their base line, in the same order, with the parent subscription', async () => {
    const c = p.customers[0];
    const created = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, {
      token: p.appToken,
      body: {
        lineItems: [
          {
            id: 0,
            catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239',
            quantity: 3,
            billingCycle: 'monthly',
            addonItems: [{ id: 0, catalogItemId: '2828BE95-46BA-4F91-B2FD-0BEF192ECF60', quantity: 3, billingCycle: 'monthly' }],
          },
        ],
      },
    });
    assert.equal(created.statusCode, 201);
    const line = created.json().lineItems[0];
    assert.equal(line.error, undefined, JSON.stringify(line));
    assert.equal(line.orderGroup, 'OMS-0');
    assert.equal(line.addonItems[0].orderGroup, 'OMS-0');
    const res = await call(ctx.app, 'POST', checkoutUrl(c.id, created.json().id), { token: p.appToken });
    const [order] = res.json().orders;
    assert.equal(order.status, 'completed');
    assert.equal(order.lineItems.length, 2);
    assert.equal(order.lineItems[1].parentSubscriptionId, order.lineItems[0].subscriptionId);
  });
});
