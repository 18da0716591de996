/**
 * The one job table (STYLE.md 18): a purchase writes its subscription's renewal job in the checkout's
 * transaction, due at the commitment end; each term end moves it to the next; a subscription that
 * stops running finishes it. Provisioning, renewals and deliveries share the table and its claim.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newPartner, startApp, type TestContext } from './helpers.js';
import { checkConsistency } from '../src/consistency.js';

let ctx: TestContext;
before(async () => {
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_THROTTLE_LIMIT: '0' });
});
after(() => ctx.close());

const NCE = 'CFQ7TTC0LH18:0001:CFQ7TTC0K971';
const renewalJob = async (tenantId: string, id: string) =>
  (await ctx.db.query<{ state: string; run_at: Date }>("SELECT state, run_at FROM jobs WHERE partner_tenant_id = $1 AND kind = 'renewal' AND key = $2", [tenantId, id]))[0];

describe('renewal jobs', () => {
  test('written with the subscription, moved to each next term end, finished when it stops running', async () => {
    const p = await newPartner(ctx.app);
    const c = p.customers[0];
    const cart = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, {
      token: p.appToken,
      body: { lineItems: [{ id: 0, catalogItemId: NCE, quantity: 2, billingCycle: 'monthly', termDuration: 'P1M' }] },
    });
    const out = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${cart.json().id}/checkout`, { token: p.appToken });
    assert.equal(out.statusCode, 201, out.body);
    const id = out.json().orders[0].lineItems[0].subscriptionId as string;
    const advance = (advanceBy: string) => ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/clock`, payload: { advanceBy } });
    await advance('PT1M'); // provisioned
    const sub = (await call(ctx.app, 'GET', `/v1/customers/${c.id}/subscriptions/${id}`, { token: p.appToken })).json();
    let job = await renewalJob(p.tenantId, id);
    assert.equal(job.state, 'queued');
    assert.equal(new Date(job.run_at).toISOString(), sub.commitmentEndDate, 'due at the commitment end');

    await advance('P35D');
    const renewed = (await call(ctx.app, 'GET', `/v1/customers/${c.id}/subscriptions/${id}`, { token: p.appToken })).json();
    assert.ok(renewed.commitmentEndDate > sub.commitmentEndDate, 'renewed');
    job = await renewalJob(p.tenantId, id);
    assert.deepEqual([job.state, new Date(job.run_at).toISOString()], ['queued', renewed.commitmentEndDate], 'moved to the next term end');
    const seeded = await ctx.db.query("SELECT 1 FROM jobs WHERE partner_tenant_id = $1 AND kind = 'renewal' AND key = $2", [p.tenantId, c.azureSubscriptionId]);
    assert.equal(seeded.length, 1, "the sandbox's seeded Azure subscription has one too");
    assert.deepEqual((await checkConsistency(ctx.db)).violations, []);

    const off = await call(ctx.app, 'PATCH', `/v1/customers/${c.id}/subscriptions/${id}`, { token: p.appToken, body: { autoRenewEnabled: false } });
    assert.equal(off.statusCode, 200, off.body);
    await advance('P40D');
    assert.equal((await call(ctx.app, 'GET', `/v1/customers/${c.id}/subscriptions/${id}`, { token: p.appToken })).json().status, 'expired');
    assert.equal((await renewalJob(p.tenantId, id)).state, 'done', 'an expired subscription has nothing left to renew');
    const kinds = await ctx.db.query<{ kind: string }>('SELECT DISTINCT kind FROM jobs WHERE partner_tenant_id = $1 ORDER BY kind', [p.tenantId]);
    assert.deepEqual(kinds.map((k) => k.kind), ['provisioning', 'renewal'], 'one table for every kind');
  });
});
