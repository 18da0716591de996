/** Throttling per partner tenant: 429 with Retry-After and Partner Center's 429 body, other tenants unaffected. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newPartner, startApp, type TestContext } from './helpers.js';

let ctx: TestContext;
before(async () => {
  ctx = await startApp({ PC_THROTTLE_LIMIT: '5' });
});
after(() => ctx.close());

test('the sixth request in a minute is throttled for that tenant only', async () => {
  const a = await newPartner(ctx.app);
  const b = await newPartner(ctx.app);
  const url = (p: typeof a) => `/v1/customers/${p.customers[0].id}`;
  // Six requests in one window; should a minute boundary fall among them, the next window is used.
  let throttled;
  for (let round = 0; round < 2 && throttled?.statusCode !== 429; round++) {
    await ctx.db.query('DELETE FROM throttle_windows WHERE partner_tenant_id = $1', [a.tenantId]);
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push(await call(ctx.app, 'GET', url(a), { token: a.appToken }));
    assert.deepEqual(codes.slice(0, 5).map((r) => r.statusCode), [200, 200, 200, 200, 200]);
    throttled = codes[5];
  }
  assert.ok(throttled);
  assert.equal(throttled.statusCode, 429);
  const seconds = Number(throttled.headers['retry-after']);
  assert.ok(seconds >= 1 && seconds <= 60, `Retry-After ${throttled.headers['retry-after']}`);
  assert.deepEqual(throttled.json(), { statusCode: 429, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` });
  assert.ok(throttled.headers['ms-requestid'], 'Partner Center headers on a 429 too');
  // The other tenant is not affected, and neither are unauthenticated routes.
  assert.equal((await call(ctx.app, 'GET', url(b), { token: b.appToken })).statusCode, 200);
  assert.equal((await ctx.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});
