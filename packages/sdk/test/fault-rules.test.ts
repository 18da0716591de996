/**
 * The SDK's retries against the sandbox's own fault rules (`/sandbox/partners/{t}/faults`), with no
 * proxy in between: the service itself answers 503 or 429, or drops the connection, and the request
 * log shows every attempt with the call's one MS-RequestId. (retries.test.ts covers what a proxy can do
 * and the service cannot: an answer lost after the server acted, a stall past the timeout.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newPartner, startApp, type Partner, type TestContext } from '../../server/test/helpers.js';
import { createPartnerOperations, type RetryEvent, type TransportEvent } from '../src/index.js';
import { listen } from './support.js';

let ctx: TestContext;
let baseUrl: string;
before(async () => {
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_WORKER: 'false' });
  baseUrl = await listen(ctx);
});
after(() => ctx.close());

async function setup() {
  const partner: Partner = await newPartner(ctx.app);
  const events: TransportEvent[] = [];
  const client = createPartnerOperations({
    baseUrl,
    credentials: { clientId: partner.clientId, clientSecret: partner.clientSecret },
    retry: { initialDelayMs: 5, maxDelayMs: 20, maxRetries: 3 },
    onEvent: (e) => events.push(e),
  });
  const fault = async (rule: object) => {
    const res = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${partner.tenantId}/faults`, payload: rule });
    assert.equal(res.statusCode, 201, res.body);
  };
  const logged = async () => {
    await new Promise((r) => setTimeout(r, 100));
    return (await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${partner.tenantId}/requests?limit=200` })).json().items as {
      method: string;
      path: string;
      status: number;
      requestId: string;
      replayed: boolean;
    }[];
  };
  return { partner, client, events, fault, logged, customer: partner.customers[0] };
}

const retriesOf = (events: TransportEvent[]) => events.filter((e): e is RetryEvent => e.type === 'retry');

describe('SDK retries against fault rules', () => {
  test('two 503s on checkout: retried with one MS-RequestId, the orders exist once', async () => {
    const { client, events, fault, logged, customer } = await setup();
    await fault({ method: 'POST', route: '/v1/customers/*/carts/*/checkout', count: 2, effect: { type: 'error', status: 503 } });
    const result = await client.customers.byId(customer.id).carts.byId(customer.cartId).checkout();
    assert.equal(result.orders.length, 3);
    const retries = retriesOf(events);
    assert.deepEqual(retries.map((r) => r.status), [503, 503]);
    const checkouts = (await logged()).filter((e) => e.path.endsWith('/checkout'));
    assert.deepEqual(checkouts.map((e) => e.status), [503, 503, 201]);
    assert.equal(new Set(checkouts.map((e) => e.requestId)).size, 1, 'every attempt carried the same MS-RequestId');
    assert.equal(checkouts[0].requestId, retries[0].requestId);
    const orders = await client.customers.byId(customer.id).orders.get();
    assert.equal(orders.totalCount, 3);
  });

  test('a 429 with Retry-After from the service: the SDK waits for it', async () => {
    const { client, events, fault, customer } = await setup();
    await fault({ method: 'GET', route: '/v1/customers/*/orders', count: 1, effect: { type: 'error', status: 429, retryAfterSeconds: 1 } });
    await client.customers.byId(customer.id).orders.get();
    const [retry] = retriesOf(events);
    assert.equal(retry.status, 429);
    assert.equal(retry.retryAfterMs, 1000);
    assert.equal(retry.delayMs, 1000);
  });

  test('a dropped connection is a network error the SDK retries', async () => {
    const { client, events, fault, logged, customer } = await setup();
    await fault({ method: 'GET', route: '/v1/customers/*/orders', count: 1, effect: { type: 'drop' } });
    const orders = await client.customers.byId(customer.id).orders.get();
    assert.equal(orders.totalCount, 0);
    const [retry] = retriesOf(events);
    assert.equal(retry.status, 0, retry.reason);
    assert.deepEqual((await logged()).filter((e) => e.path.includes('/orders')).map((e) => e.status), [0, 200], 'the log shows the dropped attempt');
  });

  test('more failures than the policy allows: the caller gets the last error', async () => {
    const { client, events, fault, customer } = await setup();
    await fault({ method: 'GET', route: '/v1/customers/*/orders', effect: { type: 'error', status: 500 } });
    await assert.rejects(client.customers.byId(customer.id).orders.get(), (err: { status?: number }) => err.status === 500);
    assert.equal(retriesOf(events).length, 3);
  });
});
