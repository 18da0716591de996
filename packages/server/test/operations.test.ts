/** Operations endpoints: liveness, readiness (database and migrations), Prometheus metrics. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newPartner, startApp, type TestContext } from './helpers.js';

let ctx: TestContext;
before(async () => {
  ctx = await startApp();
});
after(() => ctx.close());

test('healthz and readyz', async () => {
  assert.deepEqual((await ctx.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
  const ready = await ctx.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.equal(ready.json().status, 'ready');
});

test('metrics count requests by route and status, checkouts, orders by status and the provisioning queue', async () => {
  const p = await newPartner(ctx.app);
  const c = p.customers[0];
  await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { token: p.appToken });
  const res = await ctx.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  const text = res.body;
  assert.match(text, /http_request_duration_seconds_count\{method="POST",route="\/v1\/customers\/:customerId\/carts\/:cartId\/checkout",status="201"\} 1/);
  assert.match(text, /pc_checkouts_total\{status="201"\} 1/);
  assert.match(text, /pc_orders\{status="completed"\} \d+/);
  assert.match(text, /pc_orders\{status="pending"\} \d+/);
  assert.match(text, /pc_provisioning_jobs\{state="queued"\} \d+/);
  assert.match(text, /pc_provisioning_oldest_due_seconds \d/);
  assert.match(text, /process_resident_memory_bytes \d+/);
});
