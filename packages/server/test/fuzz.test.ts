/**
 * Hostile input, generated: thousands of malformed bodies, paths, headers and tokens. None may get a
 * 5xx, crash the app, or change stored data; every error is a Partner Center error body.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

let ctx: TestContext;
let p: Partner;
let snapshot: string;
let tried = 0;

/** Everything a partner's data consists of, as one string to compare before and after. */
const dataOf = async () =>
  JSON.stringify(
    await ctx.db.query(
      `SELECT (SELECT jsonb_agg(to_jsonb(c) - 'last_modified_timestamp' ORDER BY id) FROM carts c WHERE partner_tenant_id = $1) AS carts,
              (SELECT count(*) FROM orders WHERE partner_tenant_id = $1) AS orders,
              (SELECT count(*) FROM subscriptions WHERE partner_tenant_id = $1) AS subscriptions,
              (SELECT count(*) FROM customers WHERE partner_tenant_id = $1) AS customers`,
      [p.tenantId],
    ),
  );

before(async () => {
  ctx = await startApp({ PC_THROTTLE_LIMIT: '0' });
  p = await newPartner(ctx.app);
  snapshot = await dataOf();
});
after(async () => {
  console.log(`# fuzz: ${tried} generated requests, no 5xx, stored data unchanged`);
  await ctx.close();
});

/** No 5xx; every 4xx is a Partner Center error body (or the 429 body). */
function judge(res: LightMyRequestResponse, what: string) {
  tried++;
  assert.ok(res.statusCode < 500, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`);
  if (res.statusCode >= 400) {
    const body = res.json();
    assert.equal(typeof body.code, 'number', `${what}: ${res.body.slice(0, 200)}`);
    assert.equal(typeof body.description, 'string');
    assert.ok(Array.isArray(body.data));
    assert.ok(res.headers['ms-requestid'], `${what}: MS-RequestId on every answer`);
  }
}

/** Anything JSON can hold, with the field names of a cart mixed in so the validator's deeper paths are reached. */
const cartish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 3 }),
    tie('line'),
    fc.record({ lineItems: fc.array(tie('line'), { maxLength: 4 }) }, { requiredKeys: [] }),
  ),
  line: fc.record(
    {
      id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
      catalogItemId: fc.oneof(fc.string(), fc.constantFrom('MS-AZR-0145P', 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', ''), fc.integer()),
      quantity: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(-1), fc.constant(2 ** 40)),
      billingCycle: fc.oneof(fc.string(), fc.constantFrom('monthly', 'one_time', 'OneTime', 'none', 'triennial'), fc.integer()),
      termDuration: fc.oneof(fc.string(), fc.constantFrom('P1M', 'P1Y', 'P3Y', 'P0D')),
      provisioningContext: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 })), fc.string()),
      participants: fc.oneof(fc.array(fc.record({ key: fc.string(), value: fc.oneof(fc.string(), fc.integer()) })), fc.string()),
      addonItems: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.string()),
      renewsTo: fc.jsonValue({ maxDepth: 2 }),
      customTermEndDate: fc.oneof(fc.string(), fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString()))),
      promotionId: fc.string(),
    },
    { requiredKeys: [] },
  ),
})).value;

const rawBody = fc.oneof(
  cartish.map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('{', '{"lineItems":', '[', '"', '{"lineItems":[{}]', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
);

describe('fuzz', () => {
  test('malformed cart bodies (create, update, checkout) never 5xx and never change data', async () => {
    const c = p.customers[0];
    await fc.assert(
      fc.asyncProperty(rawBody, fc.constantFrom('POST carts', 'PUT cart', 'POST checkout'), async (body, route) => {
        // Only malformed bodies are judged here: a well-formed cart would legitimately change data.
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = undefined;
        }
        const looksValid = typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { lineItems?: unknown }).lineItems);
        fc.pre(!looksValid || route === 'POST checkout');
        const target =
          route === 'POST carts' ? `/v1/customers/${c.id}/carts` : route === 'PUT cart' ? `/v1/customers/${c.id}/carts/${c.cartId}` : `/v1/customers/${c.id}/carts/00000000-0000-4000-8000-000000000000/checkout`;
        const res = await call(ctx.app, route.startsWith('PUT') ? 'PUT' : 'POST', target, { token: p.appToken, body });
        judge(res, `${route} ${body.slice(0, 120)}`);
      }),
      { numRuns: 3000 },
    );
    assert.equal(await dataOf(), snapshot);
  });

  test('well-formed but wrong carts get line errors or 400s, never 5xx', async () => {
    // These may legitimately create carts (with line errors), so they use a partner of their own.
    const q = await newPartner(ctx.app);
    const c = q.customers[0];
    await fc.assert(
      fc.asyncProperty(fc.array(cartish, { minLength: 1, maxLength: 5 }), async (lines) => {
        const res = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, { token: q.appToken, body: { lineItems: lines } });
        judge(res, `create ${JSON.stringify(lines).slice(0, 160)}`);
      }),
      { numRuns: 1000 },
    );
  });

  test('random paths and ids under /v1 never 5xx', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 40 }).map(encodeURIComponent),
      fc.uuid(),
      fc.constantFrom('..', '.', '%', '%ZZ', '%00', 'customers', 'carts', 'orders', 'checkout', 'subscriptions', 'provisioningstatus', 'x'.repeat(2000)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.string({ maxLength: 30 }),
        async (segments, method, query) => {
          const url = `/v1/${segments.join('/')}?${encodeURIComponent(query)}=${encodeURIComponent(query)}`;
          const res = await call(ctx.app, method as 'GET', url, { token: p.appToken });
          judge(res, `${method} ${url.slice(0, 200)}`);
        },
      ),
      { numRuns: 1500 },
    );
    assert.equal(await dataOf(), snapshot);
  });

  test('random headers and tokens never 5xx; bad tokens are 401', async () => {
    const c = p.customers[0];
    const headerValue = fc.string({ maxLength: 100 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(headerValue, fc.base64String({ maxLength: 400 }), fc.constantFrom('', 'Bearer', 'Bearer ', 'bearer x.y.z', p.appToken.slice(0, -2))),
        fc.dictionary(fc.constantFrom('ms-requestid', 'ms-correlationid', 'ms-cv', 'x-locale', 'accept', 'content-type', 'if-match', 'ms-contract-version'), headerValue, { maxKeys: 4 }),
        async (auth, headers) => {
          const res = await ctx.app.inject({ method: 'GET', url: `/v1/customers/${c.id}/carts/${c.cartId}`, headers: { ...headers, authorization: auth } });
          judge(res, `token ${auth.slice(0, 40)} headers ${JSON.stringify(headers).slice(0, 120)}`);
          assert.equal(res.statusCode, 401);
        },
      ),
      { numRuns: 1000 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('ms-requestid', 'ms-correlationid', 'ms-cv', 'x-locale', 'accept', 'if-match', 'ms-contract-version', 'expect'), headerValue, { maxKeys: 5 }),
        async (headers) => {
          const res = await ctx.app.inject({ method: 'GET', url: `/v1/customers/${c.id}/carts/${c.cartId}`, headers: { ...headers, authorization: `Bearer ${p.appToken}` } });
          judge(res, `headers ${JSON.stringify(headers).slice(0, 160)}`);
        },
      ),
      { numRuns: 500 },
    );
    assert.equal(await dataOf(), snapshot);
  });

  test('requests the HTTP parser rejects get a Partner Center error body too, on a real socket', async () => {
    const url = new URL(await ctx.app.listen({ port: 0, host: '127.0.0.1' }));
    /** Sends raw bytes, returns everything the server wrote before closing the connection. */
    const raw = (bytes: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => socket.end(bytes));
        let out = '';
        socket.setEncoding('utf8');
        socket.on('data', (d) => (out += d));
        socket.on('close', () => resolve(out));
        socket.on('error', reject);
      });
    const c = p.customers[0];
    const cases = [
      { bytes: `GET /v1/customers/${c.id}/carts/${c.cartId} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431 },
      { bytes: 'NOT HTTP AT ALL\r\n\r\n', status: 400 },
      { bytes: `POST /v1/customers/${c.id}/carts HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`, status: 400 },
    ];
    for (const { bytes, status } of cases) {
      const answer = await raw(bytes);
      const [head, body] = answer.split('\r\n\r\n');
      assert.match(head, new RegExp(`^HTTP/1.1 ${status} `), bytes.slice(0, 40));
      assert.match(head, /content-type: application\/json/i);
      const error = JSON.parse(body);
      assert.deepEqual(Object.keys(error), ['code', 'description', 'data', 'source']);
      assert.equal(error.code, 800002);
    }
    assert.equal(await dataOf(), snapshot);
  });
});
