/** Audit: who created and changed which cart and placed which order, queryable per partner. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, newPartner, startApp, type TestContext } from './helpers.js';

let ctx: TestContext;
before(async () => {
  ctx = await startApp();
});
after(() => ctx.close());

test('cart creation, change and checkout are recorded with partner, app, user and request ids', async () => {
  const p = await newPartner(ctx.app);
  const other = await newPartner(ctx.app);
  const c = p.customers[0];
  const body = { lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 2, billingCycle: 'monthly', termDuration: 'P1M' }] };
  const createId = randomUUID();
  const cart = (await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, { token: p.appToken, body, headers: { 'MS-RequestId': createId } })).json();
  const put = await call(ctx.app, 'PUT', `/v1/customers/${c.id}/carts/${cart.id}`, {
    token: p.userToken,
    body: { lineItems: [{ ...body.lineItems[0], quantity: 3 }] },
    headers: { 'MS-CorrelationId': 'c0ffee00-0000-4000-8000-000000000001' },
  });
  assert.equal(put.statusCode, 201);
  const checkout = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${cart.id}/checkout`, { token: p.userToken });
  const orderId = checkout.json().orders[0].id;

  const res = await call(ctx.app, 'GET', `/v1/auditrecords?customerId=${c.id}`, { token: p.appToken });
  assert.equal(res.statusCode, 200, res.body);
  const mine = res.json().items.filter((r: { resourceId: string }) => r.resourceId === cart.id || r.resourceId === orderId);
  assert.deepEqual(mine.map((r: { operationType: string; resourceType: string }) => [r.operationType, r.resourceType]), [
    ['create_cart', 'cart'],
    ['update_cart', 'cart'],
    ['create_order', 'order'],
  ]);
  const [created, updated, ordered] = mine;
  assert.equal(created.applicationId, p.clientId);
  assert.equal(created.userPrincipalName, '');
  assert.deepEqual(created.customizedData, [{ key: 'MS-RequestId', value: createId }]);
  assert.equal(updated.userPrincipalName, p.username);
  assert.equal(updated.originalCorrelationId, 'c0ffee00-0000-4000-8000-000000000001');
  assert.equal(JSON.parse(updated.resourceNewValue).lineItems[0].quantity, 3);
  assert.equal(ordered.userPrincipalName, p.username);
  assert.equal(JSON.parse(ordered.resourceNewValue).id, orderId);
  for (const r of mine) {
    assert.equal(r.partnerId, p.tenantId);
    assert.equal(r.operationStatus, 'succeeded');
    assert.equal(r.attributes.objectType, 'AuditRecord');
  }

  const theirs = await call(ctx.app, 'GET', `/v1/auditrecords`, { token: other.appToken });
  assert.ok(theirs.json().items.every((r: { partnerId: string }) => r.partnerId === other.tenantId), 'a partner sees only its own records');
  const tooLong = await call(ctx.app, 'GET', `/v1/auditrecords?startDate=2026-01-01&endDate=2026-03-01`, { token: p.appToken });
  assert.equal(tooLong.statusCode, 400);
});
