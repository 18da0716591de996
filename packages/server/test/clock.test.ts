/**
 * Each partner tenant's clock: real time until the sandbox user moves it, forward only; moving it
 * runs what falls due on the way, in order and at its due time, and answers once the tenant has
 * settled. Carts expire and provisioning delays elapse on it; other tenants' clocks do not move.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';
import { addDuration } from '../src/modules/clock/service.js';

let ctx: TestContext;
before(async () => {
  // No worker runs in this test: only the clock's advance provisions, so what it settles is its doing.
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_WORKER: 'false' });
});
after(() => ctx.close());

const DAY = 24 * 3600 * 1000;
const clock = (p: Partner) => ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${p.tenantId}/clock` });
const advance = (p: Partner, body: object) => ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/clock`, payload: body });
const near = (actual: string, expectedMs: number, what: string) =>
  assert.ok(Math.abs(Date.parse(actual) - expectedMs) < 60_000, `${what}: ${actual} is not near ${new Date(expectedMs).toISOString()}`);

describe('the partner clock', () => {
  let p: Partner;
  let other: Partner;
  before(async () => {
    p = await newPartner(ctx.app);
    other = await newPartner(ctx.app);
  });

  test('reads real time until moved; moves by a duration or to an instant; other tenants stay put', async () => {
    const start = await clock(p);
    assert.equal(start.statusCode, 200, start.body);
    assert.equal(start.json().offsetSeconds, 0);
    near(start.json().now, Date.now(), 'an unmoved clock');

    const moved = await advance(p, { advanceBy: 'P8D' });
    assert.equal(moved.statusCode, 200, moved.body);
    near(moved.json().now, Date.now() + 8 * DAY, 'after P8D');
    assert.ok(Math.abs(moved.json().offsetSeconds - 8 * 86_400) < 60);

    const target = new Date(Date.parse(moved.json().now) + 3 * 3600 * 1000).toISOString();
    const to = await advance(p, { to: target });
    assert.equal(to.statusCode, 200, to.body);
    near(to.json().now, Date.parse(target), 'moved to an instant');

    near((await clock(other)).json().now, Date.now(), "another partner's clock");
    assert.equal((await clock(other)).json().offsetSeconds, 0);
  });

  test('never back, and nothing but a duration or an instant: 400 with Partner Center’s body', async () => {
    const before = (await clock(p)).json().now as string;
    for (const body of [
      { to: new Date(Date.parse(before) - 3600 * 1000).toISOString() },
      { advanceBy: '8 days' },
      { advanceBy: 'P' },
      { advanceBy: 'PT' },
      { advanceBy: '-P1D' },
      { to: 'tomorrow' },
      { advanceBy: 'P1D', to: before },
      {},
      { advanceBy: 'P1000Y' },
    ]) {
      const res = await advance(p, body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().code, 800002, JSON.stringify(body));
    }
    assert.ok(Date.parse((await clock(p)).json().now) >= Date.parse(before));
  });

  test("another partner's token cannot read or move this partner's clock", async () => {
    // From another address than loopback, so only the token can open the door.
    const asOther = (tenantId: string) =>
      ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${tenantId}/clock`, remoteAddress: '203.0.113.9', headers: { authorization: `Bearer ${other.appToken}` } });
    const read = await asOther(p.tenantId);
    assert.equal(read.statusCode, 404, read.body);
    const own = await asOther(other.tenantId);
    assert.equal(own.statusCode, 200, own.body);
  });
});

describe('time rules read the partner clock', () => {
  test('a cart expires 7 days after creation on its partner’s clock', async () => {
    const p = await newPartner(ctx.app);
    const c = p.customers[0];
    await advance(p, { advanceBy: 'P6DT23H' });
    const early = await call(ctx.app, 'PUT', `/v1/customers/${c.id}/carts/${c.cartId}`, {
      token: p.appToken,
      body: { lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 2, billingCycle: 'monthly', termDuration: 'P1Y' }] },
    });
    assert.equal(early.statusCode, 201, early.body);
    await advance(p, { advanceBy: 'PT2H' });
    const late = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { token: p.appToken });
    assert.equal(late.statusCode, 400, late.body);
    assert.match(late.json().description, /expired/);
  });

  test('moving the clock provisions what falls due, at its due time, before it answers', async () => {
    const p = await newPartner(ctx.app);
    const c = p.customers[0];
    const delays = await ctx.app.inject({
      method: 'PUT',
      url: `/sandbox/partners/${p.tenantId}/provisioning`,
      payload: { delaysSeconds: { Azure: 3600, Software: 3600, OnlineServices: 7200 } },
    });
    assert.equal(delays.statusCode, 200, delays.body);
    await advance(p, { advanceBy: 'P1D' }); // the tenant's time is a day ahead of the database's
    const checkedOut = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { token: p.appToken });
    assert.equal(checkedOut.statusCode, 201, checkedOut.body);
    const orders = checkedOut.json().orders as { id: string; status: string; creationDate: string }[];
    assert.deepEqual(orders.map((o) => o.status), ['completed', 'pending', 'pending']);
    const checkoutAt = Date.parse(orders[0].creationDate);
    near(orders[0].creationDate, Date.now() + DAY, 'an order placed on the moved clock');

    const half = await advance(p, { advanceBy: 'PT90M' }); // the reservations and software are due; the SaaS is not
    assert.equal(half.statusCode, 200, half.body);
    const status = async (id: string) => (await call(ctx.app, 'GET', `/v1/customers/${c.id}/orders/${id}`, { token: p.appToken })).json();
    assert.equal((await status(orders[1].id)).status, 'completed');
    assert.equal((await status(orders[2].id)).status, 'pending');

    await advance(p, { advanceBy: 'P2D' });
    const saas = await status(orders[2].id);
    assert.equal(saas.status, 'completed');
    const sub = await call(ctx.app, 'GET', `/v1/customers/${c.id}/subscriptions/${saas.lineItems[0].subscriptionId}`, { token: p.appToken });
    // Created when it fell due (checkout + 2 h on the tenant's clock), not when the clock stopped (2 days later).
    const created = Date.parse(sub.json().creationDate);
    assert.ok(Math.abs(created - (checkoutAt + 7200 * 1000)) < 60_000, `subscription created at ${sub.json().creationDate}`);
  });
});

test("audit records carry the partner's time, and the default period ends at it", async () => {
  const p = await newPartner(ctx.app);
  const c = p.customers[0];
  await advance(p, { advanceBy: 'P40D' });
  const created = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, {
    token: p.appToken,
    body: { lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y' }] },
  });
  assert.equal(created.statusCode, 201, created.body);
  const audit = await call(ctx.app, 'GET', `/v1/auditrecords?customerId=${c.id}`, { token: p.appToken });
  assert.equal(audit.statusCode, 200, audit.body);
  const record = (audit.json().items as { resourceId: string; operationDate: string }[]).find((r) => r.resourceId === created.json().id);
  assert.ok(record, `the new cart's audit record is in the default period: ${audit.body.slice(0, 300)}`);
  near(record.operationDate, Date.now() + 40 * DAY, "the audit record's operationDate");
});

test('durations move months and years by the calendar', () => {
  const at = (s: string) => new Date(s);
  assert.equal(addDuration(at('2026-01-31T00:00:00Z'), 'P1M')?.toISOString(), '2026-03-03T00:00:00.000Z');
  assert.equal(addDuration(at('2026-11-30T10:00:00Z'), 'P1Y2M10DT2H30M')?.toISOString(), '2028-02-09T12:30:00.000Z');
  assert.equal(addDuration(at('2026-11-30T10:00:00Z'), 'P2W')?.toISOString(), '2026-12-14T10:00:00.000Z');
  assert.equal(addDuration(at('2026-11-30T10:00:00Z'), 'PT0.5S')?.toISOString(), '2026-11-30T10:00:00.500Z');
  for (const bad of ['P', 'PT', '1D', 'P1H', 'PT1D', 'P-1D', 'p1d']) assert.equal(addDuration(at('2026-11-30T00:00:00Z'), bad), undefined, bad);
});
