/**
 * The retry policy against the real service behind a proxy that misbehaves: the first attempt of
 * each call fails (503, dropped connection, answer lost after the server acted, stall past the
 * timeout, throttling). Every retry must carry the call's MS-RequestId, so that the service replays
 * instead of acting twice: one cart, one set of orders, whatever the network did.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newPartner, startApp, type Partner, type TestContext } from '../../server/test/helpers.js';
import { createServer } from 'node:net';
import {
  createPartnerOperations,
  PartnerCenterConnectionError,
  PartnerCenterError,
  PartnerCenterTimeoutError,
  type RetryEvent,
  type TransportEvent,
} from '../src/index.js';
import { listen, startFaultProxy, type FaultProxy, type ProxyAction } from './support.js';

let ctx: TestContext;
let baseUrl: string;
const proxies: FaultProxy[] = [];
before(async () => {
  ctx = await startApp();
  baseUrl = await listen(ctx);
});
after(async () => {
  await Promise.all(proxies.map((x) => x.close()));
  await ctx.close();
});

const isApi = (url: string) => url.startsWith('/v1/');
const FORWARD: ProxyAction = { kind: 'forward' };

/** A partner of its own, a proxy that applies `firstAttempt` to the first attempt of every API call, and a client through it. */
async function setup(firstAttempt: ProxyAction, opts: { maxRetries?: number; every?: boolean } = {}) {
  const partner: Partner = await newPartner(ctx.app);
  const proxy = await startFaultProxy(baseUrl, ({ url, attempt }) =>
    isApi(url) && (attempt === 1 || opts.every) ? firstAttempt : FORWARD,
  );
  proxies.push(proxy);
  const events: TransportEvent[] = [];
  const client = createPartnerOperations({
    baseUrl: proxy.url,
    credentials: { clientId: partner.clientId, clientSecret: partner.clientSecret },
    retry: { initialDelayMs: 5, maxDelayMs: 20, maxRetries: opts.maxRetries ?? 3 },
    onEvent: (e) => events.push(e),
  });
  const customer = partner.customers[0];
  return { partner, proxy, events, client, customer, cart: client.customers.byId(customer.id).carts.byId(customer.cartId) };
}

const orderCount = async (cartId: string) =>
  (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE cart_id = $1', [cartId]))[0].n;
const cartCount = async (customerId: string) =>
  (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM carts WHERE customer_id = $1', [customerId]))[0].n;

const apiAttempts = (proxy: FaultProxy, suffix: string) => proxy.attempts.filter((a) => a.url.split('?')[0].endsWith(suffix));

describe('retries with the same MS-RequestId', () => {
  test('a 503 on the first attempt: the checkout is retried and orders exist once', async () => {
    const { proxy, cart, customer } = await setup({ kind: 'answer', status: 503 });
    const result = await cart.checkout();
    assert.equal(result.orders.length, 3);
    const attempts = apiAttempts(proxy, '/checkout');
    assert.deepEqual(attempts.map((a) => a.action), ['answer', 'forward']);
    assert.ok(attempts[0].requestId);
    assert.equal(attempts[1].requestId, attempts[0].requestId, 'the retry carries the same MS-RequestId');
    assert.equal(await orderCount(customer.cartId), 3);
  });

  test('the answer is lost after the server checked out: the retry is replayed, not repeated', async () => {
    const { proxy, cart, customer, events } = await setup({ kind: 'forward-then-drop' });
    const result = await cart.checkout();
    const attempts = apiAttempts(proxy, '/checkout');
    assert.equal(attempts.length, 2);
    assert.equal(attempts[0].status, 201, 'the first attempt did check the cart out');
    assert.equal(attempts[1].requestId, attempts[0].requestId);
    assert.equal(attempts[1].replayed, true, 'the service answered the retry from its replay store');
    assert.ok(events.some((e) => e.type === 'response' && e.replayed));
    assert.equal(await orderCount(customer.cartId), 3, 'exactly one set of orders');
    const orders = await ctx.db.query<{ id: string }>('SELECT id FROM orders WHERE cart_id = $1 ORDER BY id', [customer.cartId]);
    assert.deepEqual(result.orders.map((o) => o.id).sort(), orders.map((o) => o.id));
  });

  test('a cart created on an attempt whose answer was lost is created once', async () => {
    const { client, customer, proxy } = await setup({ kind: 'forward-then-drop' });
    const before = await cartCount(customer.id);
    const cart = await client.customers.byId(customer.id).carts.create({
      lineItems: [{ id: 0, catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' }],
    });
    assert.equal(await cartCount(customer.id), before + 1);
    const attempts = apiAttempts(proxy, '/carts');
    assert.equal(attempts.length, 2);
    assert.equal(attempts[1].replayed, true);
    assert.equal((await client.customers.byId(customer.id).carts.byId(cart.id).get()).id, cart.id);
  });

  test('a dropped connection (nothing reached the server) is retried', async () => {
    const { client, proxy, customer } = await setup({ kind: 'drop' });
    const got = await client.customers.byId(customer.id).get();
    assert.equal(got.id, customer.id);
    const attempts = apiAttempts(proxy, customer.id);
    assert.deepEqual(attempts.map((a) => a.action), ['drop', 'forward']);
    assert.equal(attempts[1].requestId, attempts[0].requestId);
  });

  test('a timeout is retried with the same MS-RequestId; the server acted once', async () => {
    const { proxy, cart, customer, events } = await setup({ kind: 'delay', ms: 4_000 });
    const result = await cart.checkout({ timeoutMs: 1_000 });
    assert.equal(result.orders.length, 3);
    const attempts = apiAttempts(proxy, '/checkout');
    assert.ok(attempts.length >= 2);
    assert.ok(attempts.every((a) => a.requestId === attempts[0].requestId));
    assert.ok(events.some((e) => e.type === 'retry' && e.reason === 'timeout'));
    assert.equal(await orderCount(customer.cartId), 3);
  });

  test('timeouts on every attempt end in a PartnerCenterTimeoutError after the retries', async () => {
    const { client, proxy, customer } = await setup({ kind: 'delay', ms: 1_000 }, { maxRetries: 2, every: true });
    await client.getAccessToken(); // the sign-in is not what this test times out
    const err = await client.customers.byId(customer.id).get({ timeoutMs: 250 }).catch((e: unknown) => e);
    assert.ok(err instanceof PartnerCenterTimeoutError, String(err));
    assert.equal(err.status, 0);
    assert.equal(err.attempts, 3);
    const attempts = apiAttempts(proxy, customer.id);
    assert.ok(attempts.length >= 2 && attempts.length <= 3, `${attempts.length} attempts reached the proxy`);
    assert.equal(err.requestId, attempts[0].requestId);
    assert.ok(attempts.every((a) => a.requestId === err.requestId));
  });

  test('5xx on every attempt: the retries are capped and the error is typed', async () => {
    const { cart, proxy, customer } = await setup({ kind: 'answer', status: 502 }, { every: true, maxRetries: 2 });
    const err = await cart.checkout().catch((e: unknown) => e);
    assert.ok(err instanceof PartnerCenterError);
    assert.equal(err.status, 502);
    assert.equal(err.code, 800003);
    assert.equal(err.attempts, 3);
    assert.equal(apiAttempts(proxy, '/checkout').length, 3);
    assert.equal(await orderCount(customer.cartId), 0);
  });
});

describe('an unreachable service', () => {
  test('connection refused: each retry is an event with the network code, then a PartnerCenterConnectionError', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const events: TransportEvent[] = [];
    const client = createPartnerOperations({
      baseUrl: `http://127.0.0.1:${port}`,
      credentials: { clientId: 'f1ce5d2b-6b1a-4c3e-9e8a-5a1d7c0e2b41', clientSecret: 'sandbox-secret' },
      retry: { initialDelayMs: 5, maxDelayMs: 20, maxRetries: 2 },
      onEvent: (e) => events.push(e),
    });
    const err = await client.customers.get().catch((e: unknown) => e);
    assert.ok(err instanceof PartnerCenterConnectionError, String(err));
    assert.equal(err.attempts, 3);
    const retries = events.filter((e): e is RetryEvent => e.type === 'retry');
    assert.deepEqual(retries.map((e) => [e.retry, e.maxRetries, e.status, e.code, e.reason]), [
      [1, 2, 0, 'ECONNREFUSED', 'network error (ECONNREFUSED)'],
      [2, 2, 0, 'ECONNREFUSED', 'network error (ECONNREFUSED)'],
    ]);
    assert.ok(retries.every((e) => e.url === `http://127.0.0.1:${port}/oauth2/token` && e.delayMs > 0), 'the sign-in is what failed');
    assert.equal(new Set(retries.map((e) => e.requestId)).size, 1);
  });
});

describe('throttling and conflicts', () => {
  test('429 waits for Retry-After before the retry', async () => {
    const { client, proxy, events, customer } = await setup({
      kind: 'answer',
      status: 429,
      headers: { 'retry-after': '1' },
      body: { statusCode: 429, message: 'Rate limit is exceeded. Try again in 1 seconds.' },
    });
    const started = Date.now();
    await client.customers.byId(customer.id).orders.get();
    assert.ok(Date.now() - started >= 990, 'waited the second Retry-After asked for');
    const requests = events.filter((e): e is Extract<TransportEvent, { type: 'request' }> => e.type === 'request' && e.url.includes('/orders'));
    assert.equal(requests.length, 2);
    const retries = events.filter((e): e is RetryEvent => e.type === 'retry');
    assert.equal(retries.length, 1);
    const { type, method, attempt, retry, maxRetries, status, reason, delayMs, retryAfterMs, requestId, error } = retries[0];
    assert.deepEqual(
      { type, method, attempt, retry, maxRetries, status, reason, delayMs, retryAfterMs },
      { type: 'retry', method: 'GET', attempt: 1, retry: 1, maxRetries: 3, status: 429, reason: 'status 429', delayMs: 1000, retryAfterMs: 1000 },
      'the event says what a progress line needs: the status, the wait the service asked for, which retry',
    );
    assert.equal(requestId, requests[0].requestId);
    assert.match(error.description, /Rate limit is exceeded/);
    const attempts = apiAttempts(proxy, '/orders');
    assert.equal(attempts[1].requestId, attempts[0].requestId);
  });

  test('a Retry-After beyond the cap is not waited for: the 429 error carries it', async () => {
    const { client, customer } = await setup(
      { kind: 'answer', status: 429, headers: { 'retry-after': '3600' }, body: { statusCode: 429, message: 'Rate limit is exceeded. Try again in 3600 seconds.' } },
      { every: true },
    );
    const err = await client.customers.byId(customer.id).get().catch((e: unknown) => e);
    assert.ok(err instanceof PartnerCenterError);
    assert.equal(err.status, 429);
    assert.equal(err.retryAfterSeconds, 3600);
    assert.match(err.description, /Rate limit is exceeded/);
    assert.equal(err.attempts, 1);
  });

  test('409 800064 (cart being processed) is retried; another 409 is not', async () => {
    const busy = await setup({ kind: 'answer', status: 409, body: { code: 800064, description: 'Cart is being processed by another request.', data: [], source: 'x' } });
    assert.equal((await busy.cart.checkout()).orders.length, 3);
    assert.equal(apiAttempts(busy.proxy, '/checkout').length, 2);

    const other = await setup({ kind: 'answer', status: 409, body: { code: 800014, description: 'Pending adjustment.', data: [], source: 'x' } });
    const err = await other.cart.checkout().catch((e: unknown) => e);
    assert.ok(err instanceof PartnerCenterError);
    assert.equal(err.code, 800014);
    assert.equal(apiAttempts(other.proxy, '/checkout').length, 1);
  });

  test('concurrent checkouts of one cart through flaky links make one set of orders', async () => {
    const { client, customer } = await setup({ kind: 'forward-then-drop' });
    const cart = client.customers.byId(customer.id).carts.byId(customer.cartId);
    const results = await Promise.all([cart.checkout(), cart.checkout(), cart.checkout()]);
    const ids = results.map((r) => r.orders.map((o) => o.id).sort().join());
    assert.equal(new Set(ids).size, 1);
    assert.equal(await orderCount(customer.cartId), 3);
  });
});
