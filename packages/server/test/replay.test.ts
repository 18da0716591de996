/**
 * MS-RequestId replay: SDKs resend a call with the same MS-RequestId after a timeout or a non-2xx,
 * so the service must answer the stored response and never act twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';
import { purgeExpiredReplays } from '../src/plugins/replay.js';

let ctx: TestContext;
let p: Partner;
before(async () => {
  ctx = await startApp();
  p = await newPartner(ctx.app);
});
after(() => ctx.close());

const newCustomer = async () => (await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/customers`, payload: {} })).json();
const cartBody = { lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 4, billingCycle: 'monthly', termDuration: 'P1M' }] };

describe('MS-RequestId replay', () => {
  test('a repeated create answers the stored 201 and creates one cart', async () => {
    const c = p.customers[0];
    const rid = randomUUID();
    const send = () => call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, { token: p.appToken, body: cartBody, headers: { 'MS-RequestId': rid } });
    const first = await send();
    assert.equal(first.statusCode, 201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const again = await send();
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.headers['ms-requestid'], rid);
    assert.deepEqual(again.json(), first.json());
    const rows = await ctx.db.query('SELECT id FROM carts WHERE creation_request_id = $1', [rid]);
    assert.equal(rows.length, 1);
  });

  test('without MS-RequestId nothing is replayed', async () => {
    const c = p.customers[0];
    const a = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, { token: p.appToken, body: cartBody });
    const b = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, { token: p.appToken, body: cartBody });
    assert.notEqual(a.json().id, b.json().id);
  });

  test('a repeated checkout answers the stored result; the id on another cart is a 400', async () => {
    const c = await newCustomer();
    const rid = randomUUID();
    const url = `/v1/customers/${c.id}/carts/${c.cartId}/checkout`;
    const first = await call(ctx.app, 'POST', url, { token: p.appToken, headers: { 'MS-RequestId': rid } });
    assert.equal(first.statusCode, 201);
    const again = await call(ctx.app, 'POST', url, { token: p.appToken, headers: { 'MS-RequestId': rid } });
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());

    const other = await newCustomer();
    const reused = await call(ctx.app, 'POST', `/v1/customers/${other.id}/carts/${other.cartId}/checkout`, {
      token: p.appToken,
      headers: { 'MS-RequestId': rid },
    });
    assert.equal(reused.statusCode, 400);
    assert.equal(reused.json().code, 800002);
    assert.match(reused.json().description, /MS-RequestId/);
    const orders = await call(ctx.app, 'GET', `/v1/customers/${other.id}/orders`, { token: p.appToken });
    assert.equal(orders.json().totalCount, 0, 'the reused id did not check the other cart out');
  });

  test('the same id with another body is a 400, and the first body still replays', async () => {
    const c = p.customers[0];
    const rid = randomUUID();
    const url = `/v1/customers/${c.id}/carts`;
    const first = await call(ctx.app, 'POST', url, { token: p.appToken, body: cartBody, headers: { 'MS-RequestId': rid } });
    const changed = { lineItems: [{ ...cartBody.lineItems[0], quantity: 9 }] };
    const reused = await call(ctx.app, 'POST', url, { token: p.appToken, body: changed, headers: { 'MS-RequestId': rid } });
    assert.equal(reused.statusCode, 400);
    const again = await call(ctx.app, 'POST', url, { token: p.appToken, body: cartBody, headers: { 'MS-RequestId': rid } });
    assert.deepEqual(again.json(), first.json());
  });

  test('client errors are replayed too (the Java SDK resends 4xx five times)', async () => {
    const c = p.customers[0];
    const rid = randomUUID();
    const url = `/v1/customers/${c.id}/carts/${randomUUID()}/checkout`;
    const first = await call(ctx.app, 'POST', url, { token: p.appToken, headers: { 'MS-RequestId': rid } });
    assert.equal(first.statusCode, 404);
    const again = await call(ctx.app, 'POST', url, { token: p.appToken, headers: { 'MS-RequestId': rid } });
    assert.equal(again.statusCode, 404);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
  });

  test('while the first call runs, a repeat gets a retryable 409; an abandoned claim is taken over', async () => {
    const c = await newCustomer();
    const rid = randomUUID();
    const url = `/v1/customers/${c.id}/carts/${c.cartId}/checkout`;
    const operation = 'POST /v1/customers/:customerId/carts/:cartId/checkout';
    // The claim a process holds while it runs the first call (fingerprint of a bodiless POST to url).
    const { createHash } = await import('node:crypto');
    const fingerprint = createHash('sha256').update(`POST ${url}\n`).digest('hex');
    await ctx.db.query(
      `INSERT INTO request_replays (partner_tenant_id, request_id, operation, fingerprint, state, lease_until, expires_at)
       VALUES ($1, $2, $3, $4, 'in_progress', now() + interval '1 minute', now() + interval '1 day')`,
      [p.tenantId, rid, operation, fingerprint],
    );
    const busy = await call(ctx.app, 'POST', url, { token: p.appToken, headers: { 'MS-RequestId': rid } });
    assert.equal(busy.statusCode, 409);
    assert.equal(busy.json().code, 800060);

    // The process holding it died: once its lease is over, the retry runs the checkout.
    await ctx.db.query(`UPDATE request_replays SET lease_until = now() - interval '1 second' WHERE request_id = $1`, [rid]);
    const retried = await call(ctx.app, 'POST', url, { token: p.appToken, headers: { 'MS-RequestId': rid } });
    assert.equal(retried.statusCode, 201, retried.body);
    assert.equal(retried.json().orders.length, 3);
  });

  test('ids are scoped by partner tenant', async () => {
    const other = await newPartner(ctx.app);
    const rid = randomUUID();
    const a = await call(ctx.app, 'POST', `/v1/customers/${p.customers[0].id}/carts`, { token: p.appToken, body: cartBody, headers: { 'MS-RequestId': rid } });
    const b = await call(ctx.app, 'POST', `/v1/customers/${other.customers[0].id}/carts`, { token: other.appToken, body: cartBody, headers: { 'MS-RequestId': rid } });
    assert.equal(a.statusCode, 201);
    assert.equal(b.statusCode, 201);
    assert.equal(b.headers['idempotent-replayed'], undefined);
    assert.notEqual(a.json().id, b.json().id);
  });

  test('records past their retention are purged', async () => {
    const rid = randomUUID();
    await call(ctx.app, 'POST', `/v1/customers/${p.customers[0].id}/carts`, { token: p.appToken, body: cartBody, headers: { 'MS-RequestId': rid } });
    await ctx.db.query(`UPDATE request_replays SET expires_at = now() - interval '1 second' WHERE request_id = $1`, [rid]);
    assert.ok((await purgeExpiredReplays(ctx.db)) >= 1);
    const rows = await ctx.db.query('SELECT 1 FROM request_replays WHERE request_id = $1', [rid]);
    assert.equal(rows.length, 0);
  });
});
