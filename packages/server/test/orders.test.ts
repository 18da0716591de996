/**
 * Orders and subscriptions after a checkout, as clients read them: the orders list and its
 * billingType / include_price filters (in the spellings the SDKs send), one order, its per-line
 * provisioning status (app+user only), the customer's subscriptions (all, and those of one order),
 * one subscription, and the errors of unknown or malformed ids. Wire details the Java and .NET SDKs
 * depend on are checked throughout: a JSON body on every response, exact lowercase enums, integers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { BILLING_CYCLES, ORDER_STATUSES, SUBSCRIPTION_STATUSES } from '@partner-commerce/contract';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

let ctx: TestContext;
let p: Partner;
let customerId: string;
let azureSubscriptionId: string;

interface OrderLine {
  lineItemNumber: number;
  offerId: string;
  subscriptionId?: string;
  quantity: number;
  pricing?: { listPrice: number; price: number; extendedPrice: number };
}
interface Order {
  id: string;
  billingCycle: string;
  status: string;
  lineItems: OrderLine[];
  totalPrice?: number;
  attributes: { objectType: string };
}
/** The three orders of the checkout: Azure plan (monthly, completed), one_time (pending), monthly SaaS (pending). */
let azure: Order;
let oneTime: Order;
let monthly: Order;
/** The subscription the Azure plan line created. */
let newAzureSubscriptionId: string;

/** What the assertions read of a response: an injected one, or one read off a real socket. */
interface Res {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): any;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ordersUrl = () => `/v1/customers/${customerId}/orders`;
const orderUrl = (id: string) => `/v1/customers/${customerId}/orders/${id}`;
const subscriptionsUrl = () => `/v1/customers/${customerId}/subscriptions`;

const get = (url: string, token = p.appToken) => call(ctx.app, 'GET', url, { token });

/** The app's address once it listens (see rawGet). */
let origin: URL | undefined;
/**
 * A GET whose path reaches the server byte for byte. `inject` (like fetch) parses the URL first and
 * resolves dot segments, `%2e%2e` included, so `/orders/%2e%2e` would arrive as the customer's URL;
 * a client that sends the raw path (curl --path-as-is, a proxy) is what these tests are about.
 */
async function rawGet(path: string, token = p.appToken): Promise<Res> {
  origin ??= new URL(await ctx.app.listen({ port: 0, host: '127.0.0.1' }));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: origin!.hostname, port: origin!.port, method: 'GET', path, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Every response carries a JSON body (the Java SDK throws on an empty 2xx body). */
function jsonOf(res: Res) {
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', `${res.statusCode} ${res.body}`);
  assert.ok(res.body.length > 0);
  return res.json();
}

function ok(res: Res) {
  assert.equal(res.statusCode, 200, res.body);
  return jsonOf(res);
}

function error(res: Res, status: number, code: number) {
  assert.equal(res.statusCode, status, res.body);
  const body = jsonOf(res);
  assert.equal(body.code, code, res.body);
  assert.equal(typeof body.description, 'string');
  assert.ok(Array.isArray(body.data));
  assert.equal(typeof body.source, 'string');
  return body;
}

/** Wire rules of an Order that strict clients rely on. */
function assertOrderWire(o: Order & Record<string, unknown>) {
  assert.equal(o.attributes.objectType, 'Order');
  assert.ok((BILLING_CYCLES as readonly string[]).includes(o.billingCycle), `billingCycle ${o.billingCycle} is an exact lowercase enum`);
  assert.ok((ORDER_STATUSES as readonly string[]).includes(o.status), `order status ${o.status} is exact lowercase`);
  assert.match(String(o.creationDate), ISO);
  o.lineItems.forEach((l, i) => {
    assert.ok(Number.isInteger(l.lineItemNumber), 'lineItemNumber is an integer');
    assert.equal(l.lineItemNumber, i, 'line numbers restart at 0 in each order');
    assert.ok(Number.isInteger(l.quantity));
  });
}

function assertPriced(o: Order) {
  assert.equal(typeof o.totalPrice, 'number', JSON.stringify(o));
  let sum = 0;
  for (const l of o.lineItems) {
    assert.ok(l.pricing, `line ${l.lineItemNumber} of ${o.id} has pricing`);
    assert.equal(typeof l.pricing.listPrice, 'number');
    assert.equal(typeof l.pricing.price, 'number');
    assert.equal(typeof l.pricing.extendedPrice, 'number');
    assert.ok(Math.abs(l.pricing.extendedPrice - l.pricing.price * l.quantity) < 0.01, JSON.stringify(l.pricing));
    sum += l.pricing.extendedPrice;
  }
  assert.ok(Math.abs(o.totalPrice! - sum) < 0.01, `totalPrice ${o.totalPrice} = sum of extended prices ${sum}`);
}

function assertUnpriced(o: Order) {
  assert.equal(o.totalPrice, undefined);
  assert.ok(!('totalPrice' in o));
  for (const l of o.lineItems) assert.ok(!('pricing' in l), JSON.stringify(l));
}

before(async () => {
  ctx = await startApp();
  p = await newPartner(ctx.app);
  const c = p.customers[0];
  customerId = c.id;
  azureSubscriptionId = c.azureSubscriptionId;
  const res = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { token: p.appToken, body: '"success"' });
  assert.equal(res.statusCode, 201, res.body);
  [azure, oneTime, monthly] = res.json().orders;
  assert.equal(azure.status, 'completed');
  newAzureSubscriptionId = azure.lineItems[0].subscriptionId!;
  assert.ok(newAzureSubscriptionId);
});
after(() => ctx.close());

describe('GET /v1/customers/{c}/orders', () => {
  test('lists the three orders of the checkout as a Collection', async () => {
    const body = ok(await get(ordersUrl()));
    assert.equal(body.totalCount, 3);
    assert.equal(body.items.length, 3);
    assert.equal(body.attributes.objectType, 'Collection');
    assert.equal(body.links.self.uri, `/customers/${customerId}/orders`);
    assert.deepEqual(body.items.map((o: Order) => o.id).sort(), [azure.id, oneTime.id, monthly.id].sort());
    for (const o of body.items) {
      assertOrderWire(o);
      assertUnpriced(o);
    }
    const byId = new Map<string, Order>(body.items.map((o: Order) => [o.id, o]));
    assert.equal(byId.get(azure.id)!.status, 'completed');
    assert.equal(byId.get(azure.id)!.billingCycle, 'monthly');
    assert.equal(byId.get(oneTime.id)!.status, 'pending');
    assert.equal(byId.get(oneTime.id)!.billingCycle, 'one_time');
    assert.equal(byId.get(monthly.id)!.status, 'pending');
    assert.equal(byId.get(monthly.id)!.billingCycle, 'monthly');
  });

  for (const value of ['OneTime', 'one_time', 'onetime', 'ONETIME', 'One_Time']) {
    test(`?billingType=${value} lists the one_time order`, async () => {
      const body = ok(await get(`${ordersUrl()}?billingType=${value}`));
      assert.equal(body.attributes.objectType, 'Collection');
      assert.equal(body.totalCount, 1);
      assert.equal(body.items[0].id, oneTime.id);
      assert.equal(body.items[0].billingCycle, 'one_time');
    });
  }

  for (const value of ['Monthly', 'monthly', 'MONTHLY']) {
    test(`?billingType=${value} lists the two monthly orders`, async () => {
      const body = ok(await get(`${ordersUrl()}?billingType=${value}`));
      assert.equal(body.totalCount, 2);
      assert.deepEqual(body.items.map((o: Order) => o.id).sort(), [azure.id, monthly.id].sort());
      for (const o of body.items) assert.equal(o.billingCycle, 'monthly');
    });
  }

  test('?billingType=annual: an empty collection', async () => {
    const body = ok(await get(`${ordersUrl()}?billingType=annual`));
    assert.equal(body.totalCount, 0);
    assert.deepEqual(body.items, []);
    assert.equal(body.attributes.objectType, 'Collection');
  });

  test('?billingType=bogus: 400·900126 (unable to parse enum)', async () => {
    error(await get(`${ordersUrl()}?billingType=bogus`), 400, 900126);
  });

  for (const value of ['true', 'True', 'TRUE']) {
    test(`?include_price=${value} adds totalPrice and line pricing`, async () => {
      const body = ok(await get(`${ordersUrl()}?include_price=${value}`));
      assert.equal(body.totalCount, 3);
      for (const o of body.items) {
        assertOrderWire(o);
        assertPriced(o);
      }
      const one = ok(await get(`${orderUrl(oneTime.id)}?include_price=${value}`));
      assertPriced(one);
      assert.deepEqual(one, body.items.find((o: Order) => o.id === oneTime.id));
      assert.ok(one.totalPrice > 0, 'reservations and software have a price');
    });
  }

  test('?include_price with ?billingType: both apply', async () => {
    const body = ok(await get(`${ordersUrl()}?billingType=OneTime&include_price=True`));
    assert.equal(body.totalCount, 1);
    assertPriced(body.items[0]);
  });

  for (const query of ['?include_price=false', '?include_price=False', '']) {
    test(`${query || 'no include_price'}: no prices`, async () => {
      const body = ok(await get(`${ordersUrl()}${query}`));
      for (const o of body.items) assertUnpriced(o);
      assertUnpriced(ok(await get(`${orderUrl(monthly.id)}${query}`)));
    });
  }
});

describe('GET /v1/customers/{c}/orders/{id}', () => {
  test('each order equals its item in the list, and the checkout result', async () => {
    const list = ok(await get(ordersUrl()));
    for (const o of [azure, oneTime, monthly]) {
      const one = ok(await get(orderUrl(o.id)));
      assertOrderWire(one);
      assert.deepEqual(one, list.items.find((i: Order) => i.id === o.id));
      assert.deepEqual(one, o);
    }
  });

  test('the app+user token reads the same order', async () => {
    assert.deepEqual(ok(await get(orderUrl(azure.id), p.userToken)), azure);
  });

  test('unknown order ids: 404·20000', async () => {
    for (const id of [randomUUID(), randomBytes(25).toString('base64url').slice(0, 33), randomBytes(6).toString('hex'), azure.id.toUpperCase()]) {
      error(await get(orderUrl(id)), 404, 20000);
    }
  });

  for (const [label, id] of [
    ['%2e%2e', '%2e%2e'],
    ['..', '..'],
    ['a%20b', 'a%20b'],
    ['%2F (encoded slash)', 'a%2Fb'],
    ['%E2%9C%93 (non-ASCII)', '%E2%9C%93'],
    ["quote and semicolon", "x'%3Bdrop"],
    ['.', '.'],
    ['200 characters', 'a'.repeat(200)],
    ['300 characters', 'b'.repeat(300)],
  ] as const) {
    test(`an order id with weird characters (${label}): 404·20000, not 500`, async () => {
      error(await rawGet(orderUrl(id)), 404, 20000);
      error(await rawGet(`${orderUrl(id)}?include_price=true`), 404, 20000);
      error(await rawGet(`${orderUrl(id)}/provisioningstatus`, p.userToken), 404, 20000);
    });
  }
});

describe('GET /v1/customers/{c}/orders/{id}/provisioningstatus', () => {
  test('app+user token: per-line status, Fulfilled for the completed Azure order', async () => {
    const body = ok(await get(`${orderUrl(azure.id)}/provisioningstatus`, p.userToken));
    assert.equal(body.attributes.objectType, 'Collection');
    assert.equal(body.totalCount, azure.lineItems.length);
    assert.equal(body.items.length, 1);
    const [line] = body.items;
    assert.equal(line.lineItemNumber, 0);
    assert.ok(Number.isInteger(line.orderLineItemId));
    assert.equal(line.status, 'Fulfilled');
    assert.equal(line.quantityProvisioningInformation.length, 1);
    assert.equal(line.quantityProvisioningInformation[0].quantity, 1);
    assert.equal(line.quantityProvisioningInformation[0].status, 'Fulfilled');
  });

  test('app+user token: PrefulfillmentPending for the lines of the pending orders', async () => {
    for (const o of [oneTime, monthly]) {
      const body = ok(await get(`${orderUrl(o.id)}/provisioningstatus`, p.userToken));
      assert.equal(body.attributes.objectType, 'Collection');
      assert.equal(body.totalCount, o.lineItems.length);
      assert.deepEqual(body.items.map((i: { lineItemNumber: number }) => i.lineItemNumber), o.lineItems.map((l) => l.lineItemNumber));
      for (const [n, item] of body.items.entries()) {
        assert.ok(Number.isInteger(item.lineItemNumber));
        assert.ok(Number.isInteger(item.orderLineItemId));
        assert.equal(item.status, 'PrefulfillmentPending');
        assert.ok(Array.isArray(item.quantityProvisioningInformation) && item.quantityProvisioningInformation.length >= 1);
        const total = item.quantityProvisioningInformation.reduce((s: number, q: { quantity: number }) => s + q.quantity, 0);
        assert.equal(total, o.lineItems[n].quantity);
        for (const q of item.quantityProvisioningInformation) {
          assert.ok(Number.isInteger(q.quantity));
          assert.equal(q.status, 'PrefulfillmentPending');
        }
      }
    }
  });

  test('app-only token: 403 with an error body', async () => {
    const res = await get(`${orderUrl(azure.id)}/provisioningstatus`, p.appToken);
    assert.equal(res.statusCode, 403, res.body);
    const body = jsonOf(res);
    assert.equal(typeof body.code, 'number');
    assert.equal(typeof body.description, 'string');
    assert.ok(Array.isArray(body.data));
  });

  test('unknown order: 404·20000', async () => {
    error(await get(`${orderUrl(randomUUID())}/provisioningstatus`, p.userToken), 404, 20000);
  });
});

describe('GET /v1/customers/{c}/subscriptions', () => {
  test("lists the customer's pre-existing Azure subscription and the one the checkout created", async () => {
    const body = ok(await get(subscriptionsUrl()));
    assert.equal(body.attributes.objectType, 'Collection');
    assert.equal(body.totalCount, body.items.length);
    const ids = body.items.map((s: { id: string }) => s.id);
    assert.ok(ids.includes(azureSubscriptionId), `pre-existing ${azureSubscriptionId} in ${ids}`);
    assert.ok(ids.includes(newAzureSubscriptionId), `new ${newAzureSubscriptionId} in ${ids}`);
    for (const s of body.items) {
      assert.equal(s.attributes.objectType, 'Subscription');
      assert.ok((SUBSCRIPTION_STATUSES as readonly string[]).includes(s.status), `status ${s.status} is exact lowercase`);
      assert.ok((BILLING_CYCLES as readonly string[]).includes(s.billingCycle), `billingCycle ${s.billingCycle} is exact lowercase`);
    }
  });

  test('?order_id={azure order} lists just that order\'s subscription, with orderId set', async () => {
    const body = ok(await get(`${subscriptionsUrl()}?order_id=${azure.id}`));
    assert.equal(body.attributes.objectType, 'Collection');
    assert.equal(body.totalCount, 1);
    assert.equal(body.items.length, 1);
    assert.equal(body.items[0].id, newAzureSubscriptionId);
    assert.equal(body.items[0].orderId, azure.id);
  });

  test('?order_id of an unknown order: an empty collection', async () => {
    const body = ok(await get(`${subscriptionsUrl()}?order_id=${randomUUID()}`));
    assert.equal(body.totalCount, 0);
    assert.deepEqual(body.items, []);
  });

  test('a subscription by id: the Azure plan, usage-billed and active', async () => {
    const s = ok(await get(`${subscriptionsUrl()}/${newAzureSubscriptionId}`));
    assert.equal(s.id, newAzureSubscriptionId);
    assert.equal(s.offerId, 'MS-AZR-0145P');
    assert.equal(s.offerName, 'Microsoft Azure');
    assert.equal(s.friendlyName, 'Microsoft Azure');
    assert.equal(s.quantity, 1);
    assert.ok(Number.isInteger(s.quantity));
    assert.equal(typeof s.unitType, 'string');
    assert.ok(s.unitType.length > 0);
    assert.equal(s.status, 'active');
    assert.equal(s.billingType, 'usage');
    assert.equal(s.billingCycle, 'monthly');
    assert.match(s.creationDate, ISO);
    assert.match(s.effectiveStartDate, ISO);
    assert.match(s.commitmentEndDate, ISO);
    assert.ok(Date.parse(s.commitmentEndDate) > Date.parse(s.effectiveStartDate));
    assert.equal(typeof s.autoRenewEnabled, 'boolean');
    assert.equal(s.contractType, 'subscription');
    assert.equal(s.orderId, azure.id);
    assert.equal(s.links.self.uri, `/customers/${customerId}/subscriptions/${newAzureSubscriptionId}`);
    assert.equal(s.links.self.method, 'GET');
    assert.equal(s.attributes.objectType, 'Subscription');
    const listed = ok(await get(subscriptionsUrl())).items.find((i: { id: string }) => i.id === newAzureSubscriptionId);
    assert.deepEqual(s, listed);
    assert.deepEqual(ok(await get(`${subscriptionsUrl()}/${newAzureSubscriptionId.toUpperCase()}`)), s, 'GUIDs match in any case');
  });

  test('the pre-existing Azure subscription by id is active', async () => {
    const s = ok(await get(`${subscriptionsUrl()}/${azureSubscriptionId}`));
    assert.equal(s.id, azureSubscriptionId);
    assert.equal(s.offerId, 'MS-AZR-0145P');
    assert.equal(s.status, 'active');
    assert.equal(s.billingType, 'usage');
    assert.equal(s.attributes.objectType, 'Subscription');
  });

  test('unknown subscription: 404·20003', async () => {
    error(await get(`${subscriptionsUrl()}/${randomUUID()}`), 404, 20003);
    error(await get(`${subscriptionsUrl()}/not-a-guid`), 404, 20003);
    error(await rawGet(`${subscriptionsUrl()}/%2e%2e`), 404, 20003);
    error(await rawGet(`${subscriptionsUrl()}/${'a'.repeat(200)}`), 404, 20003);
  });
});

describe('integers on the wire', () => {
  test('cart line ids and order line numbers are integers', async () => {
    const cart = ok(await get(`/v1/customers/${customerId}/carts/${p.customers[0].cartId}`));
    assert.equal(cart.status, 'Ordered');
    for (const l of cart.lineItems) assert.ok(Number.isInteger(l.id), `cart line id ${JSON.stringify(l.id)}`);
    for (const o of ok(await get(ordersUrl())).items) for (const l of o.lineItems) assert.ok(Number.isInteger(l.lineItemNumber));
  });
});
