/**
 * Microsoft's Java SDK retry behaviour (reference §10), reproduced against sandbox fault rules on a
 * real listening server: it re-sends every non-2xx with the same MS-RequestId, 400/401/404 five times,
 * other failures (5xx, 409, 429) with no limit. The client below does exactly that, with the headers
 * §10 lists, and the request log shows what reached the server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { newPartner, startApp, type Partner, type TestContext } from './helpers.js';

let ctx: TestContext;
let base: URL;
before(async () => {
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_WORKER: 'false' });
  base = new URL(await ctx.app.listen({ port: 0, host: '127.0.0.1' }));
});
after(() => ctx.close());

/** Retries after these statuses are limited to five; after any other non-2xx, unlimited (§10). */
const LIMITED = new Set([400, 401, 404]);
const LIMITED_RETRIES = 5;
/** Only so that a broken server cannot hang the test; the SDK has no such limit. */
const GUARD = 100;

/** One Java SDK call: attempts until a 2xx or the limit, all with one MS-RequestId. */
async function javaSdkCall(token: string, method: string, path: string, body?: unknown) {
  const requestId = randomUUID();
  const statuses: number[] = [];
  let limitedRetries = 0;
  for (;;) {
    const res = await fetch(new URL(path, base), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'ms-requestid': requestId,
        'ms-correlationid': correlationId,
        'ms-partnercenter-client': 'Partner Center Java SDK',
        accept: 'application/json',
        'x-locale': 'en-US',
        'ms-contract-version': 'v1',
        'x-ms-client-request-id': randomUUID(),
        'user-agent': 'AutoRest-Java',
        ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    statuses.push(res.status);
    const json = await res.json();
    if (res.ok) return { requestId, statuses, json, replayed: res.headers.get('idempotent-replayed') === 'true' };
    if (LIMITED.has(res.status) && ++limitedRetries > LIMITED_RETRIES) return { requestId, statuses, json, replayed: false };
    if (statuses.length >= GUARD) throw new Error(`still failing after ${GUARD} attempts: ${statuses.join(',')}`);
  }
}
const correlationId = randomUUID();

const addFault = async (p: Partner, rule: object) => {
  const res = await fetch(new URL(`/sandbox/partners/${p.tenantId}/faults`, base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  assert.equal(res.status, 201, await res.text());
};
const loggedStatuses = async (p: Partner, requestId: string) => {
  await new Promise((r) => setTimeout(r, 100));
  const res = await fetch(new URL(`/sandbox/partners/${p.tenantId}/requests?limit=200`, base));
  const items = (await res.json()).items as { requestId: string; status: number; replayed: boolean }[];
  return items.filter((e) => e.requestId === requestId);
};

describe("the Java SDK's retries against fault rules (reference §10)", () => {
  let p: Partner;
  before(async () => {
    p = await newPartner(ctx.app);
  });

  test('5xx and 409·800064 are retried with the same MS-RequestId until the checkout succeeds, which orders once', async () => {
    const c = p.customers[0];
    const checkout = `/v1/customers/${c.id}/carts/${c.cartId}/checkout`;
    await addFault(p, { method: 'POST', route: '/v1/customers/*/carts/*/checkout', count: 3, effect: { type: 'error', status: 500 } });
    await addFault(p, { method: 'POST', route: '/v1/customers/*/carts/*/checkout', count: 1, effect: { type: 'error', status: 503, retryAfterSeconds: 1 } });
    await addFault(p, { method: 'POST', cartId: c.cartId, route: '/v1/**', count: 1, effect: { type: 'error', status: 409, code: 800064 } });
    const out = await javaSdkCall(p.userToken, 'POST', checkout, 'success');
    assert.deepEqual(out.statuses, [500, 500, 500, 503, 409, 201]);
    assert.equal(out.json.orders.length >= 1, true);
    const logged = await loggedStatuses(p, out.requestId);
    assert.deepEqual(logged.map((e) => e.status), [500, 500, 500, 503, 409, 201], 'every attempt reached the server with one MS-RequestId');

    const orders = await (await fetch(new URL(`/v1/customers/${c.id}/orders`, base), { headers: { authorization: `Bearer ${p.appToken}` } })).json();
    assert.equal(orders.totalCount, out.json.orders.length, 'the checkout ran once');
  });

  test('a 404 is re-sent five times and then given up', async () => {
    const c = p.customers[0];
    await addFault(p, { method: 'GET', route: '/v1/customers/*', customerId: c.id, effect: { type: 'error', status: 404 } });
    const out = await javaSdkCall(p.appToken, 'GET', `/v1/customers/${c.id}`);
    assert.deepEqual(out.statuses, Array(1 + LIMITED_RETRIES).fill(404));
    assert.equal(out.json.code, 1000);
    assert.equal((await loggedStatuses(p, out.requestId)).length, 1 + LIMITED_RETRIES);
  });

  test('a 429 (with Retry-After) is retried until the rule is spent', async () => {
    await addFault(p, { method: 'GET', route: '/v1/customers', count: 4, effect: { type: 'error', status: 429, retryAfterSeconds: 1 } });
    const out = await javaSdkCall(p.appToken, 'GET', '/v1/customers');
    assert.deepEqual(out.statuses, [429, 429, 429, 429, 200]);
  });
});
