/**
 * MS-RequestId is the idempotency key: a value the service cannot use is answered 400·800002, never
 * silently replaced by a generated id (which made a retried create order twice).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, engine, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe(`MS-RequestId (${engine})`, () => {
  let ctx: TestContext;
  let p: Partner;
  before(async () => {
    ctx = await startApp();
    p = await newPartner(ctx.app);
  });
  after(() => ctx.close());

  const cart = { lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y' }] };
  const create = (requestId: string) =>
    call(ctx.app, 'POST', `/v1/customers/${p.customers[0].id}/carts`, { token: p.appToken, body: cart, headers: { 'MS-RequestId': requestId } });
  const cartCount = async () =>
    (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM carts WHERE customer_id = $1', [p.customers[0].id]))[0].n;

  test('a malformed MS-RequestId is 400·800002 and acts on nothing, even when retried', async () => {
    const before = await cartCount();
    const malformed = ['x'.repeat(129), 'retry 1', 'réq-1', '', '\tabc', 'a, b'];
    for (const requestId of malformed) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await create(requestId);
        assert.equal(res.statusCode, 400, `${JSON.stringify(requestId)}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        const body = res.json();
        assert.equal(body.code, 800002);
        assert.match(body.description, /MS-RequestId/);
        assert.deepEqual(Object.keys(body).sort(), ['code', 'data', 'description', 'source']);
        assert.match(String(res.headers['ms-requestid']), GUID, 'a generated id, never the malformed one, in the response');
      }
    }
    assert.equal(await cartCount(), before, 'no cart created');
  });

  test('two MS-RequestId headers are malformed too', async () => {
    // Node hands a repeated header over joined with ", ".
    const res = await call(ctx.app, 'GET', `/v1/customers/${p.customers[0].id}`, { token: p.appToken, headers: { 'MS-RequestId': `${randomUUID()}, ${randomUUID()}` } });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().code, 800002);
  });

  test("every client's ids are used: GUIDs in any form, short tokens, 128 characters", async () => {
    const good = [randomUUID(), randomUUID().toUpperCase(), `{${randomUUID()}}`, randomUUID().replace(/-/g, ''), 'req-4fa6dad6', 'r'.repeat(128)];
    for (const requestId of good) {
      const first = await create(requestId);
      assert.equal(first.statusCode, 201, `${requestId}: ${first.body.slice(0, 200)}`);
      assert.equal(first.headers['ms-requestid'], requestId);
      const retry = await create(requestId);
      assert.equal(retry.json().id, first.json().id, `${requestId}: a retry replays, it does not create a second cart`);
    }
  });

  test('without a token, a malformed MS-RequestId still gets the 401 (authentication comes first)', async () => {
    const res = await call(ctx.app, 'GET', `/v1/customers/${p.customers[0].id}`, { headers: { 'MS-RequestId': 'has space' } });
    assert.equal(res.statusCode, 401);
  });
});
