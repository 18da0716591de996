/**
 * The SDK against the real service listening on a port: the fluent chain end to end (catalog, cart,
 * checkout, orders, provisioning status, subscriptions), token acquisition and caching, and typed
 * errors that are not retried.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newPartner, startApp, type Partner, type TestContext } from '../../server/test/helpers.js';
import {
  createPartnerOperations,
  PartnerCenterAuthenticationError,
  PartnerCenterError,
  type PartnerOperationsOptions,
  type TransportEvent,
} from '../src/index.js';
import { listen } from './support.js';

let ctx: TestContext;
let baseUrl: string;
let p: Partner;
before(async () => {
  ctx = await startApp();
  baseUrl = await listen(ctx);
  p = await newPartner(ctx.app);
});
after(() => ctx.close());

const fast = { initialDelayMs: 5, maxDelayMs: 20 };

function client(overrides: Partial<PartnerOperationsOptions> = {}) {
  const events: TransportEvent[] = [];
  const partner = createPartnerOperations({
    baseUrl,
    credentials: { clientId: p.clientId, clientSecret: p.clientSecret },
    retry: fast,
    onEvent: (e) => events.push(e),
    ...overrides,
  });
  return { partner, events };
}

const NCE_LINE = { id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 5, billingCycle: 'monthly', termDuration: 'P1Y' };
const SAAS_LINE = { id: 1, catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' };

describe('the fluent chain against a listening server', () => {
  test('customers, catalog, cart create/get/put, checkout, orders, subscriptions', async () => {
    const { partner } = client();
    const customerId = p.customers[0].id;

    const customers = await partner.customers.get();
    assert.deepEqual(customers.items.map((c) => c.id), [customerId]);
    const domain = customers.items[0].companyProfile!.domain!;
    const filtered = await partner.customers.get({ filter: { field: 'Domain', value: domain.slice(0, 5).toUpperCase() } });
    assert.deepEqual(filtered.items.map((c) => c.id), [customerId]);
    assert.equal((await partner.customers.get({ filter: { field: 'CompanyName', value: 'no such company' } })).totalCount, 0);
    const all: string[] = [];
    for await (const c of partner.customers.all({ size: 1, filter: { field: 'Domain', value: domain } })) all.push(c.id);
    assert.deepEqual(all, [customerId]);
    assert.equal((await partner.customers.byId(customerId).get()).id, customerId);

    const products = await partner.products.byCountry('US').get({ targetView: 'OnlineServices' });
    assert.ok(products.items.some((x) => x.id === 'CFQ7TTC0LH18'));
    const skus = await partner.products.byCountry('US').byId('CFQ7TTC0LH18').skus.get();
    assert.ok(skus.items.some((s) => s.id === '0001'));
    const availabilities = await partner.products.byCountry('US').byId('CFQ7TTC0LH18').skus.byId('0001').availabilities.get();
    assert.ok(availabilities.items.some((a) => a.catalogItemId === NCE_LINE.catalogItemId));

    const carts = partner.customers.byId(customerId).carts;
    const created = await carts.create({ lineItems: [NCE_LINE] });
    assert.equal(created.status, 'Active');
    assert.equal(created.lineItems[0].error, undefined);

    const read = await carts.byId(created.id).get();
    read.lineItems = [...read.lineItems, SAAS_LINE];
    const updated = await carts.byId(created.id).put(read); // a cart read back, read-only fields and all
    assert.deepEqual(updated.lineItems.map((l) => l.catalogItemId), [NCE_LINE.catalogItemId, SAAS_LINE.catalogItemId]);

    const result = await carts.byId(created.id).checkout();
    assert.equal(result.orderErrors.length, 0);
    assert.equal(result.orders.length, 1, 'both lines are monthly: one order group');
    const again = await carts.byId(created.id).checkout();
    assert.deepEqual(again.orders.map((o) => o.id), result.orders.map((o) => o.id), 'checking out again returns the first result');

    const orders = partner.customers.byId(customerId).orders;
    const orderId = result.orders[0].id;
    assert.ok((await orders.get()).items.some((o) => o.id === orderId));
    assert.equal((await orders.get({ billingType: 'one_time' })).items.some((o) => o.id === orderId), false);
    const order = await orders.byId(orderId).get({ includePrice: true });
    assert.equal(order.id, orderId);
    assert.equal(typeof order.totalPrice, 'number');

    const user = client({ credentials: { username: p.username, password: p.password } }).partner;
    const status = await user.customers.byId(customerId).orders.byId(orderId).provisioningStatus.get();
    assert.equal(status.items.length, 2);

    const subs = await partner.customers.byId(customerId).subscriptions.get();
    assert.equal(typeof subs.totalCount, 'number');
    for (const s of subs.items) assert.equal((await partner.customers.byId(customerId).subscriptions.byId(s.id).get()).id, s.id);
  });

  test('subscriptions.byId(s).patch: seats changed as read back, a stale ifMatch is a typed 412', async () => {
    const { partner } = client();
    const customerId = p.customers[0].id;
    const carts = partner.customers.byId(customerId).carts;
    const cart = await carts.create({ lineItems: [NCE_LINE] });
    const { orders } = await carts.byId(cart.id).checkout();
    // Provisioning falls due on the partner's clock; moving it settles the new subscription.
    const moved = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/clock`, payload: { advanceBy: 'PT1H' } });
    assert.equal(moved.statusCode, 200, moved.body);
    const subscription = partner.customers.byId(customerId).subscriptions.byId(orders[0].lineItems[0].subscriptionId!);
    const sub = await subscription.get();
    assert.equal(sub.status, 'active');
    const updated = await subscription.patch({ ...sub, quantity: 7 }, { ifMatch: sub.attributes.etag });
    assert.equal(updated.quantity, 7);
    assert.equal(updated.refundableQuantity?.totalQuantity, 7);
    await assert.rejects(
      subscription.patch({ ...sub, quantity: 8 }, { ifMatch: sub.attributes.etag }),
      (e: unknown) => e instanceof PartnerCenterError && e.status === 412 && e.code === 800036,
    );
    assert.equal((await subscription.patch({ autoRenewEnabled: false })).autoRenewEnabled, false);
  });

  test('subscriptions.byId(s).transitionEligibilities and .transitions: Business Basic → Standard', async () => {
    const { partner } = client();
    const customer = partner.customers.byId(p.customers[0].id);
    const cart = await customer.carts.create({ lineItems: [NCE_LINE] });
    const { orders } = await customer.carts.byId(cart.id).checkout();
    const moved = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/clock`, payload: { advanceBy: 'PT1H' } });
    assert.equal(moved.statusCode, 200, moved.body);
    const subscription = customer.subscriptions.byId(orders[0].lineItems[0].subscriptionId!);
    const { items } = await subscription.transitionEligibilities.get({ eligibilityType: 'immediate' });
    assert.deepEqual(items.map((i) => [i.catalogItemId, i.eligibilities[0].isEligible]), [['CFQ7TTC0LDPB:0001:CFQ7TTC0LDPM', true]]);
    const t = await subscription.transitions.create({ toCatalogItemId: items[0].catalogItemId, quantity: 5 });
    assert.equal((await subscription.get()).status, 'deleted');
    assert.equal((await customer.subscriptions.byId(t.toSubscriptionId).get()).quantity, 5);
    assert.deepEqual((await subscription.transitions.get({ operationId: t.operationId })).items, [t]);
    await assert.rejects(
      subscription.transitions.create({ toCatalogItemId: items[0].catalogItemId, quantity: 1 }),
      (e: unknown) => e instanceof PartnerCenterError && e.status === 400 && e.code === 800093,
    );
  });

  test('what partners poll: provisioning status, add-ons, reservation registration', async () => {
    const { partner } = client();
    const c = p.customers[0];
    // A new Azure plan: the sandbox customer's own comes registered (the doc's example cart buys reservations for it).
    const plan = await partner.customers.byId(c.id).orders.create({ lineItems: [{ lineItemNumber: 0, offerId: 'MS-AZR-0145P', quantity: 1 }] });
    const azureId = plan.lineItems[0].subscriptionId!;
    const azure = partner.customers.byId(c.id).subscriptions.byId(azureId);
    const status = await azure.provisioningStatus.get();
    assert.equal(status.status, 'success');
    assert.match(status.skuId, /^[0-9a-f-]{36}$/);
    assert.equal((await azure.addons.get()).totalCount, 0);
    assert.equal((await azure.registrationStatus.get()).status, 'NotRegistered');
    assert.equal(await azure.registrations.create(), `/customers/${c.id}/subscriptions/${azureId}/registrationstatus`);
    assert.equal((await azure.registrationStatus.get()).status, 'Registered');
    const order = plan;
    const links = await partner.customers.byId(c.id).orders.byId(order.id).lineItems.byNumber(0).activationLinks.get();
    assert.equal(links.links.self.uri, `/customers/${c.id}/orders/${order.id}/lineitems/0/activationlinks`);
  });

  test('the legacy offers of a country', async () => {
    const { partner } = client();
    const offers = await partner.offers.byCountry('US').get();
    assert.ok(offers.items.some((o) => o.id === 'MS-AZR-0145P'));
    assert.equal((await partner.offers.byCountry('US').byId('MS-AZR-0145P').get()).id, 'MS-AZR-0145P');
  });

  test('every call carries Partner Center headers; MS-RequestId and MS-CorrelationId are fresh per call', async () => {
    const seen: Record<string, string>[] = [];
    const { partner } = client({
      fetch: (input, init) => {
        seen.push({ ...(init?.headers as Record<string, string>) });
        return fetch(input, init);
      },
    });
    await partner.customers.get();
    await partner.customers.get();
    const api = seen.filter((h) => h.Authorization);
    assert.equal(api.length, 2);
    for (const h of api) {
      assert.match(h['MS-RequestId'], /^[0-9a-f-]{36}$/);
      assert.match(h['MS-CorrelationId'], /^[0-9a-f-]{36}$/);
      assert.equal(h['MS-Contract-Version'], 'v1');
      assert.equal(h.Accept, 'application/json');
    }
    assert.notEqual(api[0]['MS-RequestId'], api[1]['MS-RequestId']);
    assert.notEqual(api[0]['MS-CorrelationId'], api[1]['MS-CorrelationId']);
  });
});

describe('tokens', () => {
  test('a client-credentials token is acquired once and reused until it nears expiry', async () => {
    const { partner, events } = client();
    await partner.customers.get();
    await Promise.all([partner.customers.get(), partner.products.byCountry('US').get(), partner.customers.byId(p.customers[0].id).get()]);
    const tokenRequests = events.filter((e) => e.type === 'request' && e.url.endsWith('/oauth2/token'));
    assert.equal(tokenRequests.length, 1);
  });

  test('a token cache is read first and written after acquisition', async () => {
    const stored: { accessToken: string; expiresAt: number }[] = [];
    const cache = { get: () => stored.at(-1), set: (t: { accessToken: string; expiresAt: number }) => void stored.push(t) };
    await client({ tokenCache: cache }).partner.customers.get();
    assert.equal(stored.length, 1);
    assert.ok(stored[0].expiresAt > Date.now() + 30 * 60_000);
    const { partner, events } = client({ tokenCache: cache });
    await partner.customers.get();
    assert.equal(events.filter((e) => e.type === 'request' && e.url.endsWith('/oauth2/token')).length, 0);
    assert.equal(stored.length, 1);
  });

  test('a rejected cached token is replaced once, at once, with the same MS-RequestId', async () => {
    const cache = { get: () => ({ accessToken: 'expired-or-revoked', expiresAt: Date.now() + 3_600_000 }), set: () => {} };
    const { partner, events } = client({ tokenCache: cache });
    const list = await partner.customers.get();
    assert.equal(list.totalCount, 1);
    const api = events.filter((e) => e.type === 'response' && e.url.includes('/v1/customers'));
    assert.deepEqual(api.map((e) => (e.type === 'response' ? e.status : 0)), [401, 200]);
    assert.equal(new Set(api.map((e) => e.requestId)).size, 1);
  });

  test('a token provider (app+user) is called for each call', async () => {
    let calls = 0;
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      payload: new URLSearchParams({ grant_type: 'password', username: p.username, password: p.password }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const token = res.json().access_token as string;
    const { partner } = client({
      credentials: async () => {
        calls++;
        return token;
      },
    });
    await partner.customers.get();
    await partner.customers.get();
    assert.equal(calls, 2);
    assert.equal(await createPartnerOperations({ baseUrl, credentials: { accessToken: token } }).getAccessToken(), token);
  });

  test('bad credentials raise an authentication error with the OAuth error, not retried', async () => {
    const { partner, events } = client({ credentials: { clientId: p.clientId, clientSecret: 'wrong' } });
    await assert.rejects(partner.customers.get(), (err: unknown) => {
      assert.ok(err instanceof PartnerCenterAuthenticationError);
      assert.equal(err.status, 401);
      assert.equal(err.code, 'invalid_client');
      assert.match(err.description, /credentials are not valid/);
      return true;
    });
    assert.equal(events.filter((e) => e.type === 'request').length, 1);
  });
});

describe('typed errors', () => {
  test('a 404 carries code, description, status and the request id, and is not retried', async () => {
    const { partner, events } = client();
    const missingCart = '00000000-0000-4000-8000-000000000000';
    const err = await partner.customers.byId(p.customers[0].id).carts.byId(missingCart).get().catch((e: unknown) => e);
    assert.ok(err instanceof PartnerCenterError);
    assert.equal(err.status, 404);
    assert.equal(err.code, 800008);
    assert.match(err.description, /cart/i);
    assert.equal(err.source, 'PartnerCommerce');
    const requests = events.filter((e) => e.type === 'request' && e.url.includes(missingCart));
    assert.equal(requests.length, 1);
    assert.equal(err.requestId, requests[0].requestId);
    assert.equal(err.attempts, 1);
  });

  test('a 400 is not retried', async () => {
    const { partner, events } = client();
    const err = await partner.customers.byId(p.customers[0].id).carts.create({ lineItems: [] }).catch((e: unknown) => e);
    assert.ok(err instanceof PartnerCenterError);
    assert.equal(err.status, 400);
    assert.equal(err.code, 800002);
    assert.match(err.description, /Invalid request input/);
    assert.equal(events.filter((e) => e.type === 'request' && e.url.includes('/carts')).length, 1);
    assert.equal(events.filter((e) => e.type === 'retry').length, 0);
  });

  test('provisioning status with an app-only token: 403 2032, not retried', async () => {
    const { partner, events } = client();
    const customer = p.customers[0];
    const { orders } = await partner.customers.byId(customer.id).carts.byId(customer.cartId).checkout();
    const err = await partner.customers.byId(customer.id).orders.byId(orders[0].id).provisioningStatus.get().catch((e: unknown) => e);
    assert.ok(err instanceof PartnerCenterError);
    assert.equal(err.status, 403);
    assert.equal(err.code, 2032);
    assert.equal(events.filter((e) => e.type === 'retry').length, 0);
  });

  test('another tenant’s customer is a 404, as a missing one', async () => {
    const other = await newPartner(ctx.app);
    const err = await client().partner.customers.byId(other.customers[0].id).get().catch((e: unknown) => e);
    assert.ok(err instanceof PartnerCenterError);
    assert.equal(err.status, 404);
  });
});

describe('onboarding and the sandbox clock', () => {
  const newCustomer = (domain: string) => ({
    billingProfile: {
      email: 'it@fabrikam.example',
      culture: 'en-US',
      language: 'en',
      companyName: 'Fabrikam',
      defaultAddress: { firstName: 'Ann', lastName: 'Lee', addressLine1: '1 Main St', city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' },
    },
    companyProfile: { domain },
  });

  test('domains.byDomain(d).exists(), customers.create(…), then the domain is taken', async () => {
    const { partner } = client();
    const domain = `fabrikam${Date.now().toString(36)}.onmicrosoft.com`;
    assert.equal(await partner.domains.byDomain(domain).exists(), false);
    const created = await partner.customers.create(newCustomer(domain));
    assert.equal(created.companyProfile.domain, domain);
    assert.equal(created.userCredentials.userName, 'admin');
    assert.equal(await partner.domains.byDomain(domain).exists(), true);
    await assert.rejects(partner.domains.byDomain('not a domain').exists(), (e: PartnerCenterError) => e.status === 400);
  });

  test('customers.get({ size, continuationToken }) and customers.all() page through every customer', async () => {
    const q = await newPartner(ctx.app);
    const { partner } = client({ credentials: { clientId: q.clientId, clientSecret: q.clientSecret } });
    for (let i = 0; i < 4; i++) await partner.customers.create(newCustomer(`paged${i}${Date.now().toString(36)}.onmicrosoft.com`));
    const first = await partner.customers.get({ size: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.continuationToken);
    const second = await partner.customers.get({ size: 2, continuationToken: first.continuationToken });
    assert.equal(second.items.length, 2);
    const ids: string[] = [];
    for await (const c of partner.customers.all({ size: 2 })) ids.push(c.id);
    assert.equal(ids.length, 5);
    assert.deepEqual(ids.slice(0, 4), [...first.items, ...second.items].map((c) => c.id));
  });

  test('orders.create(…) for a legacy offer; orders.byId(o).cancel() refuses it (not software), cancels software', async () => {
    const q = await newPartner(ctx.app);
    const { partner } = client({ credentials: { clientId: q.clientId, clientSecret: q.clientSecret } });
    const orders = partner.customers.byId(q.customers[0].id).orders;
    const legacy = await orders.create({ lineItems: [{ lineItemNumber: 0, offerId: '031C9E47-4802-4248-838E-778FB1D2CC05', quantity: 5 }] });
    assert.equal(legacy.status, 'completed');
    assert.equal(legacy.lineItems[0].quantity, 5);
    await assert.rejects(orders.byId(legacy.id).cancel(), (e: PartnerCenterError) => e.status === 400 && e.code === 800061);
    const software = await orders.create({ billingCycle: 'one_time', lineItems: [{ offerId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', quantity: 1 }, { offerId: 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M', quantity: 1 }] });
    const partly = await orders.byId(software.id).cancel([1]);
    assert.deepEqual(partly.lineItems.map((l) => l.quantity), [1, 0]);
    assert.equal((await orders.byId(software.id).patch({ status: 'cancelled' })).status, 'cancelled');
  });

  test("sandbox.clock.get() and .advance('8d') move the signed-in partner's clock only", async () => {
    const q = await newPartner(ctx.app);
    const { partner } = client({ credentials: { clientId: q.clientId, clientSecret: q.clientSecret } });
    const others = (await client().partner.sandbox.clock.get()).offsetSeconds; // earlier tests may have moved it
    assert.equal((await partner.sandbox.clock.get()).offsetSeconds, 0);
    const moved = await partner.sandbox.clock.advance('8d');
    assert.ok(Math.abs(moved.offsetSeconds - 8 * 86400) < 60, String(moved.offsetSeconds));
    assert.ok(Math.abs(Date.parse(moved.now) - (Date.now() + 8 * 86400_000)) < 60_000);
    const later = await partner.sandbox.clock.advance({ to: new Date(Date.parse(moved.now) + 3600_000).toISOString() });
    assert.ok(later.offsetSeconds > moved.offsetSeconds);
    assert.equal((await client().partner.sandbox.clock.get()).offsetSeconds, others, "another partner's clock did not move");
    await assert.rejects(partner.sandbox.clock.advance({ to: '2000-01-01T00:00:00Z' }), (e: PartnerCenterError) => e.status === 400);
    assert.equal((await partner.sandbox.byTenant(q.tenantId).clock.get()).offsetSeconds, later.offsetSeconds);
  });
});
