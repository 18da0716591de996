/**
 * New-commerce transitions (upgrades): Microsoft 365 Business Basic → Business Standard, as the catalog
 * relates them. Eligibilities, a partial and a full transition and what each does to both subscriptions,
 * the transitions list, the audit record, an ineligible target, another tenant and bad input.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

let ctx: TestContext;
before(async () => {
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_WORKER: 'false' });
});
after(() => ctx.close());

const BASIC = 'CFQ7TTC0LH18:0001:CFQ7TTC0K971';
const STANDARD = 'CFQ7TTC0LDPB:0001:CFQ7TTC0LDPM';
const E3 = 'CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Checks out `catalogItemId` × `quantity` for the partner's first customer and lets the clock provision it. */
async function buyOne(p: Partner, catalogItemId: string, quantity: number): Promise<Json> {
  const c = p.customers[0];
  const cart = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, {
    token: p.appToken,
    body: { lineItems: [{ id: 0, catalogItemId, quantity, billingCycle: 'monthly', termDuration: 'P1Y' }] },
  });
  assert.equal(cart.statusCode, 201, cart.body);
  const out = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${cart.json().id}/checkout`, { token: p.appToken });
  assert.equal(out.statusCode, 201, out.body);
  const clock = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/clock`, payload: { advanceBy: 'PT1M' } });
  assert.equal(clock.statusCode, 200, clock.body);
  return get(p, out.json().orders[0].lineItems[0].subscriptionId);
}

const url = (p: Partner, id: string, rest = '') => `/v1/customers/${p.customers[0].id}/subscriptions/${id}${rest}`;
async function get(p: Partner, id: string): Promise<Json> {
  const res = await call(ctx.app, 'GET', url(p, id), { token: p.appToken });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}
const transition = (p: Partner, id: string, body: unknown, headers: Record<string, string> = {}) =>
  call(ctx.app, 'POST', url(p, id, '/transitions'), { token: p.appToken, body, headers });

describe('Business Basic → Business Standard', () => {
  let p: Partner;
  let basic: Json;
  before(async () => {
    p = await newPartner(ctx.app);
    basic = await buyOne(p, BASIC, 5);
  });

  test('immediate eligibilities list the upgrade target; scheduled ones the rest of the product and the upgrade target', async () => {
    for (const query of ['', '?eligibilityType=immediate', '?eligibilityType=Immediate']) {
      const res = await call(ctx.app, 'GET', url(p, basic.id, `/transitioneligibilities${query}`), { token: p.appToken });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.attributes.objectType, 'Collection');
      assert.deepEqual(body.items.map((i: Json) => i.catalogItemId), [STANDARD]);
      const [item] = body.items;
      assert.equal(item.title, 'Microsoft 365 Business Standard');
      assert.equal(item.quantity, 5);
      assert.deepEqual(item.eligibilities, [{ isEligible: true, transitionType: 'transition_with_license_transfer', eligibilityType: 'immediate', errors: [] }]);
      assert.equal(item.attributes.objectType, 'TransitionEligibility');
    }
    const scheduled = await call(ctx.app, 'GET', url(p, basic.id, '/transitioneligibilities?eligibilityType=scheduled'), { token: p.appToken });
    assert.equal(scheduled.statusCode, 200, scheduled.body);
    // Basic has one US availability: nothing else in its product; the upgrade target is a next-term target too.
    assert.deepEqual(
      scheduled.json().items.map((i: Json) => [i.catalogItemId, i.eligibilities]),
      [[STANDARD, [{ isEligible: true, transitionType: 'transition_only', eligibilityType: 'scheduled', errors: [] }]]],
    );
  });

  test('an ineligible target is 400·800093 and changes nothing', async () => {
    for (const toCatalogItemId of [E3, 'NOPE:0001:X', BASIC]) {
      const res = await transition(p, basic.id, { toCatalogItemId, quantity: 1 });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, 800093);
    }
    assert.equal((await transition(p, basic.id, { toCatalogItemId: STANDARD, quantity: 6 })).statusCode, 400);
    assert.equal((await get(p, basic.id)).quantity, 5);
  });

  let target: Json;
  test('a partial transition moves seats to a new, co-termed Standard subscription and reduces the source', async () => {
    const res = await transition(p, basic.id, { ToCatalogItemId: STANDARD.toLowerCase(), Quantity: 2, TransitionType: 'transition_with_license_transfer', Events: [] });
    assert.equal(res.statusCode, 200, res.body);
    const t = res.json();
    assert.equal(t.fromSubscriptionId, basic.id);
    assert.equal(t.fromCatalogItemId, BASIC);
    assert.equal(t.toCatalogItemId, STANDARD);
    assert.equal(t.quantity, 2);
    assert.equal(t.transitionType, 'transition_with_license_transfer');
    assert.equal(t.termDuration, 'P1Y');
    assert.deepEqual(t.events.map((e: Json) => [e.name, e.status]), [['Conversion', 'Completed'], ['SeatReassignment', 'Completed']]);
    assert.equal(t.attributes.objectType, 'Transition');
    const source = await get(p, basic.id);
    assert.equal(source.status, 'active');
    assert.equal(source.quantity, 3);
    assert.equal(source.refundableQuantity.totalQuantity, 3);
    target = await get(p, t.toSubscriptionId);
    assert.equal(target.offerId, STANDARD);
    assert.equal(target.quantity, 2);
    assert.equal(target.status, 'active');
    assert.equal(target.commitmentEndDate, source.commitmentEndDate);
    assert.equal(target.cancellationAllowedUntilDate, source.cancellationAllowedUntilDate, 'inherits the source cancellation window');
    assert.equal(target.refundableQuantity.totalQuantity, 2);
  });

  test('a full transition into the existing target ends the source (deleted) and lists both transitions', async () => {
    const res = await transition(p, basic.id, { toCatalogItemId: STANDARD, quantity: 3, toSubscriptionId: target.id });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().toSubscriptionId, target.id);
    const source = await get(p, basic.id);
    assert.equal(source.status, 'deleted');
    assert.equal(source.autoRenewEnabled, false);
    assert.equal((await get(p, target.id)).quantity, 5);
    const list = await call(ctx.app, 'GET', url(p, basic.id, '/transitions'), { token: p.appToken });
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(list.json().items.map((t: Json) => t.quantity), [2, 3]);
    const one = await call(ctx.app, 'GET', url(p, target.id, `/transitions?operationId=${res.json().operationId}`), { token: p.appToken });
    assert.deepEqual(one.json().items, [res.json()]);
    // The source is no longer eligible, with TransitionErrorCode 2.
    const elig = await call(ctx.app, 'GET', url(p, basic.id, '/transitioneligibilities'), { token: p.appToken });
    assert.deepEqual(elig.json().items[0].eligibilities[0].errors.map((e: Json) => e.code), [2]);
    const again = await transition(p, basic.id, { toCatalogItemId: STANDARD, quantity: 1 });
    assert.equal(again.statusCode, 400, again.body);
    assert.equal(again.json().code, 800093);
  });

  test('each transition is audited as upgrade_subscription', async () => {
    const res = await call(ctx.app, 'GET', '/v1/auditrecords', { token: p.appToken });
    const records = (res.json().items as Json[]).filter((r) => r.operationType === 'upgrade_subscription');
    assert.equal(records.length, 2);
    assert.equal(records[0].resourceType, 'subscription');
    assert.equal(JSON.parse(records[0].resourceOldValue).id, basic.id);
  });

  test("another partner's subscription is 404; bad input is 400", async () => {
    const other = await newPartner(ctx.app);
    for (const path of ['/transitioneligibilities', '/transitions']) {
      const foreign = await call(ctx.app, 'GET', `/v1/customers/${other.customers[0].id}/subscriptions/${target.id}${path}`, { token: other.appToken });
      assert.equal(foreign.statusCode, 404, foreign.body);
    }
    const post = await call(ctx.app, 'POST', `/v1/customers/${other.customers[0].id}/subscriptions/${target.id}/transitions`, {
      token: other.appToken,
      body: { toCatalogItemId: STANDARD, quantity: 1 },
    });
    assert.equal(post.statusCode, 404, post.body);
    for (const body of [{}, { toCatalogItemId: STANDARD }, { toCatalogItemId: STANDARD, quantity: 0 }, { toCatalogItemId: STANDARD, quantity: '1' },
      { toCatalogItemId: STANDARD, quantity: 1, transitionType: 'sideways' }, { toCatalogItemId: STANDARD, quantity: 1, toSubscriptionId: 'x' },
      { toCatalogItemId: STANDARD, quantity: 1, extra: true }, '[1]']) {
      const res = await transition(p, target.id, body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
    }
    const badType = await call(ctx.app, 'GET', url(p, target.id, '/transitioneligibilities?eligibilityType=later'), { token: p.appToken });
    assert.equal(badType.statusCode, 400, badType.body);
    const badOp = await call(ctx.app, 'GET', url(p, target.id, '/transitions?operationId=nope'), { token: p.appToken });
    assert.equal(badOp.statusCode, 400, badOp.body);
  });
});

describe('a transition later in the term', () => {
  let p: Partner;
  let basic: Json;
  before(async () => {
    p = await newPartner(ctx.app);
    basic = await buyOne(p, BASIC, 4);
  });

  test('a replayed MS-RequestId answers the first transition and moves the seats once', async () => {
    const headers = { 'ms-requestid': crypto.randomUUID() };
    const first = await transition(p, basic.id, { toCatalogItemId: STANDARD, quantity: 1 }, headers);
    assert.equal(first.statusCode, 200, first.body);
    const again = await transition(p, basic.id, { toCatalogItemId: STANDARD, quantity: 1 }, headers);
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    assert.equal((await get(p, basic.id)).quantity, 3);
  });

  test('after the cancellation window the moved seats are not reducible, and the target renews with the source', async () => {
    const clock = (advanceBy: string) => ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/clock`, payload: { advanceBy } });
    assert.equal((await clock('P8D')).statusCode, 200);
    const res = await transition(p, basic.id, { toCatalogItemId: STANDARD, quantity: 3 });
    assert.equal(res.statusCode, 200, res.body);
    const target = await get(p, res.json().toSubscriptionId);
    assert.equal(target.refundableQuantity.totalQuantity, 0);
    assert.equal((await get(p, basic.id)).status, 'deleted');
    assert.equal((await clock('P1Y')).statusCode, 200);
    const renewed = await get(p, target.id);
    assert.equal(renewed.status, 'active');
    assert.ok(Date.parse(renewed.commitmentEndDate) > Date.parse(target.commitmentEndDate), 'renewed into a new term');
    assert.equal((await get(p, basic.id)).status, 'deleted', 'a deleted source neither renews nor expires');
  });
});

