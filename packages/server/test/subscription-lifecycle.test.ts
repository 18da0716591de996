/**
 * A subscription after checkout: a partner's week (seats up and down around the 7-day window,
 * suspend/reactivate, cancel inside the window) and its term's end on the partner's clock (renewal
 * with next-term instructions, monthly renewal, expiry), with If-Match, MS-RequestId replay, the
 * bodies the .NET and Java SDKs send, tenancy and bad input.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';
import { addTerm } from '../src/modules/subscriptions/lifecycle.js';
import { runDueRenewals } from '../src/modules/subscriptions/service.js';
import { advanceOffset, lockOffset } from '../src/modules/clock/repo.js';
import { JobWorker } from '../src/modules/jobs/worker.js';

let ctx: TestContext;
before(async () => {
  // No worker: only the clock's advance provisions and renews, so what it settles is its doing.
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_WORKER: 'false' });
});
after(() => ctx.close());

const NCE = 'CFQ7TTC0LH18:0001:CFQ7TTC0K971';
const LEGACY = '91FD106F-4B2C-4938-95AC-F54F74E9A239';
const STANDARD = 'CFQ7TTC0LDPB:0001:CFQ7TTC0LDPM';
const HOUR = 3600 * 1000;

/**
 * The partner's audit records from an hour before real time to its clock's now, read in the 30-day
 * periods the API allows: records carry the partner's time, a year of renewals spans many periods.
 */
async function auditRecords(p: Partner): Promise<Sub[]> {
  const now = Date.parse((await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${p.tenantId}/clock` })).json().now);
  const items: Sub[] = [];
  for (let start = Date.now() - HOUR; start <= now; start += 30 * 24 * HOUR) {
    const end = new Date(Math.min(start + 30 * 24 * HOUR, now + 1000)).toISOString();
    const res = await call(ctx.app, 'GET', `/v1/auditrecords?startDate=${new Date(start).toISOString()}&endDate=${end}&size=5000`, { token: p.appToken });
    assert.equal(res.statusCode, 200, res.body);
    items.push(...(res.json().items as Sub[]));
  }
  return items;
}
type Sub = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const advance = async (p: Partner, advanceBy: string) => {
  const res = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/clock`, payload: { advanceBy } });
  assert.equal(res.statusCode, 200, res.body);
  return Date.parse(res.json().now);
};

/** Buys `lines` for the partner's first customer through a new cart, lets provisioning run, returns the subscriptions. */
async function buy(p: Partner, lines: object[]): Promise<Sub[]> {
  const c = p.customers[0];
  const cart = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, {
    token: p.appToken,
    body: { lineItems: lines.map((l, id) => ({ id, billingCycle: 'monthly', ...l })) },
  });
  assert.equal(cart.statusCode, 201, cart.body);
  const out = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${cart.json().id}/checkout`, { token: p.appToken });
  assert.equal(out.statusCode, 201, out.body);
  assert.deepEqual(out.json().orderErrors, []);
  await advance(p, 'PT1M');
  const ids = out.json().orders.flatMap((o: { lineItems: { subscriptionId?: string }[] }) => o.lineItems.map((l) => l.subscriptionId));
  return Promise.all(ids.map((id: string) => get(p, id)));
}

const url = (p: Partner, id: string) => `/v1/customers/${p.customers[0].id}/subscriptions/${id}`;
async function get(p: Partner, id: string): Promise<Sub> {
  const res = await call(ctx.app, 'GET', url(p, id), { token: p.appToken });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}
const patch = (p: Partner, id: string, body: unknown, headers: Record<string, string> = {}) =>
  call(ctx.app, 'PATCH', url(p, id), { token: p.appToken, body, headers });
/** Reads the subscription, changes `fields`, sends the whole object back (as the SDKs do) with its etag. */
async function change(p: Partner, id: string, fields: Sub, expected = 200) {
  const sub = await get(p, id);
  const res = await patch(p, id, { ...sub, ...fields }, { 'if-match': `"${sub.attributes.etag}"` });
  assert.equal(res.statusCode, expected, res.body);
  return res.json();
}
const near = (actual: string, expectedMs: number, what: string) =>
  assert.ok(Math.abs(Date.parse(actual) - expectedMs) < 5 * 60_000, `${what}: ${actual} is not near ${new Date(expectedMs).toISOString()}`);

describe("a partner's week with new-commerce licences", () => {
  let p: Partner;
  let sub: Sub;
  before(async () => {
    p = await newPartner(ctx.app);
    [sub] = await buy(p, [{ catalogItemId: NCE, quantity: 5, termDuration: 'P1Y' }]);
  });

  test('a fresh subscription shows its windows, renewal term and etag', () => {
    assert.equal(sub.status, 'active');
    near(sub.cancellationAllowedUntilDate, Date.parse(sub.creationDate) + 168 * HOUR, 'cancellation window');
    assert.equal(sub.refundableQuantity.totalQuantity, 5);
    assert.equal(sub.refundableQuantity.details[0].allowedUntilDateTime, sub.cancellationAllowedUntilDate);
    assert.equal(sub.renewalTermDuration, 'P1Y');
    assert.equal(sub.refundOptions[0].expiresAt, sub.cancellationAllowedUntilDate);
    assert.ok(sub.attributes.etag);
  });

  test('seats go up any time and down inside their 7-day window; then only the newer seats', async () => {
    const up = await change(p, sub.id, { quantity: 8 });
    assert.equal(up.quantity, 8);
    assert.equal(up.refundableQuantity.totalQuantity, 8);
    assert.equal(up.refundableQuantity.details.length, 2);
    assert.notEqual(up.attributes.etag, sub.attributes.etag);
    const down = await change(p, sub.id, { quantity: 6 });
    assert.equal(down.quantity, 6);
    assert.equal(down.refundableQuantity.totalQuantity, 6);

    await advance(p, 'P8D');
    const late = await change(p, sub.id, { quantity: 5 }, 400);
    assert.equal(late.code, 800090);
    assert.equal((await get(p, sub.id)).quantity, 6, 'a refused change changes nothing');
    assert.equal((await get(p, sub.id)).refundableQuantity.totalQuantity, 0);
    await change(p, sub.id, { quantity: 9 });
    assert.equal((await change(p, sub.id, { quantity: 7 })).refundableQuantity.totalQuantity, 1);
    assert.equal((await change(p, sub.id, { quantity: 5 }, 400)).code, 800090);
  });

  test('suspend and reactivate; no seat changes while suspended; no cancel after the window', async () => {
    const suspended = await change(p, sub.id, { status: 'suspended' });
    assert.equal(suspended.status, 'suspended');
    assert.equal((await change(p, sub.id, { quantity: 12 }, 400)).code, 800091);
    assert.equal((await change(p, sub.id, { status: 'Active' })).status, 'active');
    assert.equal((await change(p, sub.id, { status: 'expired' }, 400)).code, 800092);
    const cancel = await change(p, sub.id, { status: 'deleted' }, 400);
    assert.equal(cancel.code, 800061);
    assert.match(cancel.description, /cancellation window ended/);
  });

  test('each change is audited with the subscription before and after', async () => {
    const res = await call(ctx.app, 'GET', '/v1/auditrecords', { token: p.appToken });
    const records = (res.json().items as Sub[]).filter((r) => r.operationType === 'update_subscription');
    assert.ok(records.length >= 6, `${records.length} update_subscription records`);
    const first = records.find((r) => JSON.parse(r.resourceNewValue).quantity === 8)!;
    assert.equal(first.resourceType, 'subscription');
    assert.equal(JSON.parse(first.resourceOldValue).quantity, 5);
  });

  test('cancel a fresh one inside its window: deleted, refunded, and final', async () => {
    const [fresh] = await buy(p, [{ catalogItemId: NCE, quantity: 3, termDuration: 'P1Y' }]);
    assert.equal(fresh.refundOptions[0].type, 'Partial');
    const cancelled = await change(p, fresh.id, { status: 'deleted' });
    assert.equal(cancelled.status, 'deleted');
    assert.equal(cancelled.autoRenewEnabled, false);
    assert.equal(cancelled.refundableQuantity.totalQuantity, 0);
    assert.equal(cancelled.refundOptions, undefined);
    assert.equal((await change(p, fresh.id, { friendlyName: 'again' }, 400)).code, 800091);
  });
});

describe('term ends on the partner clock', () => {
  test('auto-renew renews (next-term instructions applied, new windows); without it, expires; monthly renews monthly', async () => {
    const p = await newPartner(ctx.app);
    const [renewing, expiring, monthly] = await buy(p, [
      { catalogItemId: NCE, quantity: 5, termDuration: 'P1Y' },
      { catalogItemId: NCE, quantity: 2, termDuration: 'P1Y' },
      { catalogItemId: NCE, quantity: 1, termDuration: 'P1M' },
    ]);
    const instructions = { product: { productId: 'CFQ7TTC0LH18', skuId: '0001', availabilityId: 'CFQ7TTC0K971', billingCycle: 'Monthly', termDuration: 'P1M' }, quantity: 3 };
    const scheduled = await change(p, renewing.id, { scheduledNextTermInstructions: instructions });
    assert.equal(scheduled.scheduledNextTermInstructions.product.billingCycle, 'monthly');
    // Sent back as read, the instructions are no change (no new etag); with an immediate change they go.
    const unchanged = await change(p, renewing.id, {});
    assert.equal(unchanged.attributes.etag, scheduled.attributes.etag);
    const immediate = await change(p, renewing.id, { quantity: 6 });
    assert.equal(immediate.scheduledNextTermInstructions, undefined, 'a mid-term change deletes scheduled changes');
    await change(p, renewing.id, { scheduledNextTermInstructions: instructions });
    assert.equal((await change(p, expiring.id, { autoRenewEnabled: false })).autoRenewEnabled, false);
    assert.equal((await change(p, expiring.id, { scheduledNextTermInstructions: instructions }, 400)).code, 800002);

    const end = renewing.commitmentEndDate;
    const monthEnd = monthly.commitmentEndDate;
    await advance(p, 'P1Y');
    const renewed = await get(p, renewing.id);
    assert.equal(renewed.status, 'active');
    assert.equal(renewed.effectiveStartDate, end);
    assert.equal(renewed.quantity, 3, 'the scheduled quantity');
    assert.equal(renewed.termDuration, 'P1M');
    assert.equal(renewed.scheduledNextTermInstructions, undefined);
    // Renewed a year ago on a monthly term, it has renewed monthly since: its window is its last renewal's.
    assert.ok(Date.parse(renewed.commitmentEndDate) > Date.parse(end));
    assert.equal(Date.parse(renewed.cancellationAllowedUntilDate), Date.parse(renewed.effectiveStartDate) + 168 * HOUR);
    assert.equal((await get(p, expiring.id)).status, 'expired');
    const m = await get(p, monthly.id);
    assert.equal(m.status, 'active');
    assert.ok(Date.parse(m.effectiveStartDate) >= Date.parse(monthEnd) + 10 * 28 * 24 * HOUR, `monthly renewed to ${m.effectiveStartDate}`);

    // Each term end left one audit record: at least 12 monthly renewals of the monthly subscription.
    const renewals = (await auditRecords(p)).filter((r) => r.resourceId === monthly.id && r.applicationId === 'partner-commerce-renewals');
    assert.ok(renewals.length >= 12, `${renewals.length} renewals of a monthly subscription in a year: ${monthEnd} → ${m.effectiveStartDate}`);
  });

  test('scheduled instructions naming another product (an upgrade target): the clock-driven renewal renews into it', async () => {
    const p = await newPartner(ctx.app);
    const [basic] = await buy(p, [{ catalogItemId: NCE, quantity: 5, termDuration: 'P1M' }]);
    const eligible = await call(ctx.app, 'GET', `${url(p, basic.id)}/transitioneligibilities?eligibilityType=scheduled`, { token: p.appToken });
    assert.equal(eligible.statusCode, 200, eligible.body);
    const targets = eligible.json().items.map((i: Sub) => [i.catalogItemId, i.eligibilities[0].isEligible, i.eligibilities[0].transitionType]);
    assert.deepEqual(targets.find((t: string[]) => t[0] === STANDARD), [STANDARD, true, 'transition_only'], 'the upgrade target is a scheduled target');
    assert.ok(targets.some((t: string[]) => t[0] === 'CFQ7TTC0LH18:0001:CFQ7TTC0K972') === false, "another country's item is not");

    const toStandard = { product: { productId: 'CFQ7TTC0LDPB', skuId: '0001', availabilityId: 'CFQ7TTC0LDPM', billingCycle: 'Annual', termDuration: 'P1Y' }, quantity: 4 };
    const scheduled = await change(p, basic.id, { scheduledNextTermInstructions: toStandard });
    assert.deepEqual(scheduled.scheduledNextTermInstructions.product, { ...toStandard.product, billingCycle: 'annual' });
    assert.equal(scheduled.offerId, NCE, 'nothing changes before the renewal');
    // Refused: a product that is neither its own nor an upgrade target; a term the target does not offer.
    const e3 = { ...toStandard, product: { ...toStandard.product, productId: 'CFQ7TTC0LF8Q', availabilityId: 'CFQ7TTC0KQDF' } };
    assert.equal((await change(p, basic.id, { scheduledNextTermInstructions: e3 }, 400)).code, 800002);
    const badTerm = { ...toStandard, product: { ...toStandard.product, billingCycle: 'annual', termDuration: 'P3Y' } };
    assert.equal((await change(p, basic.id, { scheduledNextTermInstructions: badTerm }, 400)).code, 800002);
    assert.deepEqual((await get(p, basic.id)).scheduledNextTermInstructions, scheduled.scheduledNextTermInstructions, 'a refused change keeps the instructions');

    const end = basic.commitmentEndDate;
    await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/clock`, payload: { to: new Date(Date.parse(end) + HOUR).toISOString() } });
    const renewed = await get(p, basic.id);
    assert.equal(renewed.offerId, STANDARD);
    assert.equal(renewed.offerName, 'Microsoft 365 Business Standard');
    assert.equal(renewed.links.product.uri, '/products/CFQ7TTC0LDPB?country=US');
    assert.equal(renewed.quantity, 4);
    assert.equal(renewed.billingCycle, 'annual');
    assert.equal(renewed.termDuration, 'P1Y');
    assert.equal(renewed.effectiveStartDate, end);
    assert.equal(renewed.status, 'active');
    assert.equal(renewed.scheduledNextTermInstructions, undefined);
    const record = (await auditRecords(p)).find((r) => r.resourceId === basic.id && r.applicationId === 'partner-commerce-renewals');
    assert.equal(JSON.parse(record!.resourceNewValue).offerId, STANDARD, 'the renewal is audited with what it renewed into');
    // Now a Business Standard subscription: its own scheduled targets are Standard's.
    const after = await call(ctx.app, 'GET', `${url(p, basic.id)}/transitioneligibilities?eligibilityType=scheduled`, { token: p.appToken });
    assert.ok(!after.json().items.some((i: Sub) => i.catalogItemId === STANDARD));
  });

  test('a renewal opens a new cancellation and seat window', async () => {
    const p = await newPartner(ctx.app);
    const [s] = await buy(p, [{ catalogItemId: NCE, quantity: 4, termDuration: 'P1M' }]);
    await advance(p, 'P20D');
    assert.equal((await change(p, s.id, { quantity: 3 }, 400)).code, 800090);
    await advance(p, 'P12D'); // past the term end: renewed
    const renewed = await get(p, s.id);
    assert.equal(renewed.refundableQuantity.totalQuantity, 4);
    assert.equal((await change(p, s.id, { quantity: 3 })).quantity, 3);
    assert.equal((await change(p, s.id, { status: 'deleted' })).status, 'deleted');
  });
});

describe('renewals are durable work, done once', () => {
  /** Moves the partner's clock without running what falls due (as time passing does). */
  const passTime = async (p: Partner, ms: number) => {
    const offset = await lockOffset(ctx.db, p.tenantId);
    await advanceOffset(ctx.db, p.tenantId, offset + ms);
  };
  const renewalsOf = async (p: Partner, id: string) => {
    return (await auditRecords(p)).filter((r) => r.resourceId === id && r.applicationId === 'partner-commerce-renewals');
  };

  test('concurrent claimers renew each term end exactly once', async () => {
    const p = await newPartner(ctx.app);
    const [s] = await buy(p, [{ catalogItemId: NCE, quantity: 2, termDuration: 'P1M' }]);
    await passTime(p, 70 * 24 * HOUR); // two term ends behind, nothing run yet
    assert.equal((await get(p, s.id)).effectiveStartDate, s.effectiveStartDate);
    for (let round = 0; round < 3; round++) await Promise.all([1, 2, 3, 4].map(() => runDueRenewals(ctx.db, 10, p.tenantId)));
    const renewed = await get(p, s.id);
    assert.equal(renewed.effectiveStartDate, addTerm(new Date(s.commitmentEndDate), 'P1M').toISOString());
    assert.equal((await renewalsOf(p, s.id)).length, 2);
  });

  test("the worker's loop renews what falls due without anyone moving the clock", async () => {
    const p = await newPartner(ctx.app);
    const [s] = await buy(p, [{ catalogItemId: NCE, quantity: 2, termDuration: 'P1M' }]);
    await change(p, s.id, { autoRenewEnabled: false });
    await passTime(p, 35 * 24 * HOUR);
    const worker = new JobWorker(ctx.db, { policy: ctx.config.provisioning, pollMs: 20 });
    worker.start();
    try {
      for (let i = 0; i < 200 && (await get(p, s.id)).status !== 'expired'; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      await worker.stop();
    }
    assert.equal((await get(p, s.id)).status, 'expired');
    assert.equal((await renewalsOf(p, s.id)).length, 1);
  });
});

describe('what clients send', () => {
  let p: Partner;
  let nce: Sub;
  let legacy: Sub;
  before(async () => {
    p = await newPartner(ctx.app);
    [nce] = await buy(p, [{ catalogItemId: NCE, quantity: 5, termDuration: 'P1Y' }]);
    [legacy] = await buy(p, [{ catalogItemId: LEGACY, quantity: 10 }]);
  });

  test('a stale If-Match is 412 and changes nothing; a current one, quoted or not, passes', async () => {
    const read = await get(p, nce.id);
    await change(p, nce.id, { friendlyName: 'Contoso E3' });
    const stale = await patch(p, nce.id, { ...read, quantity: 7 }, { 'if-match': `"${read.attributes.etag}"` });
    assert.equal(stale.statusCode, 412, stale.body);
    assert.equal(stale.json().code, 800036);
    assert.equal((await get(p, nce.id)).quantity, 5);
    const current = await get(p, nce.id);
    const ok = await patch(p, nce.id, { quantity: 6 }, { 'if-match': current.attributes.etag });
    assert.equal(ok.statusCode, 200, ok.body);
  });

  test('a replayed MS-RequestId returns the first answer and acts once', async () => {
    const headers = { 'ms-requestid': crypto.randomUUID() };
    const body = { quantity: 9 };
    const first = await patch(p, nce.id, body, headers);
    assert.equal(first.statusCode, 200, first.body);
    const again = await patch(p, nce.id, body, headers);
    assert.equal(again.statusCode, 200);
    assert.equal(again.body, first.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    const res = await call(ctx.app, 'GET', '/v1/auditrecords', { token: p.appToken });
    assert.equal((res.json().items as Sub[]).filter((r) => r.operationType === 'update_subscription' && JSON.parse(r.resourceNewValue).quantity === 9).length, 1);
  });

  test('.NET: the whole object in PascalCase with explicit nulls; a partial object’s defaults are no change', async () => {
    const s = await get(p, nce.id);
    const pascal = Object.fromEntries(Object.entries({ ...s, quantity: 11, scheduledNextTermInstructions: null }).map(([k, v]) => [k[0].toUpperCase() + k.slice(1), v]));
    const res = await patch(p, nce.id, pascal);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().quantity, 11);
    // Patch(new Subscription { Status = Suspended }): Quantity 0, AutoRenewEnabled false, CreationDate MinValue.
    const partial = await patch(p, nce.id, {
      Id: null, Quantity: 0, AutoRenewEnabled: false, Status: 'suspended', CreationDate: '0001-01-01T00:00:00', FriendlyName: null,
      Attributes: { Etag: null, ObjectType: 'Subscription' },
    });
    assert.equal(partial.statusCode, 200, partial.body);
    assert.equal(partial.json().status, 'suspended');
    assert.equal(partial.json().quantity, 11);
    assert.equal(partial.json().autoRenewEnabled, true);
    assert.equal((await patch(p, nce.id, { Status: 'active' })).json().status, 'active');
  });

  test('Java: the whole object read back, camelCase, no If-Match', async () => {
    const s = await get(p, nce.id);
    const res = await patch(p, nce.id, { ...s, autoRenewEnabled: false, contractType: 'subscription' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().autoRenewEnabled, false);
    assert.equal(res.json().id, nce.id);
  });

  test('legacy: seats down any time, no cancellation window', async () => {
    assert.equal(legacy.cancellationAllowedUntilDate, undefined);
    assert.equal(legacy.refundableQuantity, undefined);
    await advance(p, 'P30D');
    assert.equal((await change(p, legacy.id, { quantity: 2 })).quantity, 2);
    assert.equal((await change(p, legacy.id, { status: 'deleted' }, 400)).code, 800061);
  });

  test("another partner's subscription is 404; bad input is 400, never 500", async () => {
    const other = await newPartner(ctx.app);
    const foreign = await call(ctx.app, 'PATCH', `/v1/customers/${other.customers[0].id}/subscriptions/${nce.id}`, { token: other.appToken, body: { quantity: 1 } });
    assert.equal(foreign.statusCode, 404, foreign.body);
    const viaOwnToken = await call(ctx.app, 'PATCH', url(p, nce.id), { token: other.appToken, body: { quantity: 1 } });
    assert.ok([403, 404].includes(viaOwnToken.statusCode), viaOwnToken.body);
    for (const body of [
      { quantity: -1 },
      { quantity: '5' },
      { quantity: 1.5 },
      { autoRenewEnabled: 'yes' },
      { status: 'frozen' },
      { friendlyName: 'x'.repeat(500) },
      { scheduledNextTermInstructions: { quantity: 1 } },
      { scheduledNextTermInstructions: { product: { productId: 'CFQ7TTC0LH18', skuId: '0001', availabilityId: 'CFQ7TTC0K971', billingCycle: 'weekly', termDuration: 'P1Y' }, quantity: 1 } },
      { scheduledNextTermInstructions: { product: { productId: 'OTHER', skuId: '0001', availabilityId: 'X', billingCycle: 'monthly', termDuration: 'P1Y' }, quantity: 1 } },
      '[1,2]',
      'null',
    ]) {
      const res = await patch(p, nce.id, body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
    }
    const missing = await patch(p, '00000000-0000-0000-0000-000000000000', { quantity: 1 });
    assert.equal(missing.statusCode, 404);
    assert.equal((await patch(p, 'not-a-guid', { quantity: 1 })).statusCode, 404);
  });
});

test('terms keep their day of month, clamped to short months, so monthly renewals do not drift', () => {
  const at = (s: string) => new Date(s);
  assert.equal(addTerm(at('2026-01-31T00:00:00Z'), 'P1M').toISOString(), '2026-02-28T00:00:00.000Z');
  assert.equal(addTerm(at('2026-02-28T00:00:00Z'), 'P1M', 31).toISOString(), '2026-03-31T00:00:00.000Z');
  assert.equal(addTerm(at('2024-02-29T00:00:00Z'), 'P1Y').toISOString(), '2025-02-28T00:00:00.000Z');
  assert.equal(addTerm(at('2026-11-30T00:00:00Z'), 'P3Y').toISOString(), '2029-11-30T00:00:00.000Z');
});
