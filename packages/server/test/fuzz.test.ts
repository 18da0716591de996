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
  if (res.statusCode === 429) {
    // Partner Center's 429 body (the sign-in throttle meets the fuzzer's many failed sign-ins).
    assert.equal(res.json().statusCode, 429, `${what}: ${res.body.slice(0, 200)}`);
    assert.ok(Number(res.headers['retry-after']) > 0, `${what}: Retry-After`);
  } else if (res.statusCode >= 400) {
    const body = res.json();
    assert.equal(typeof body.code, 'number', `${what}: ${res.body.slice(0, 200)}`);
    assert.equal(typeof body.description, 'string');
    assert.ok(Array.isArray(body.data));
    assert.ok(res.headers['ms-requestid'], `${what}: MS-RequestId on every answer`);
  }
}

/** Code units no database stores: NUL and lone surrogates (a pair split either way round). */
const unstorable = fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\udc00\ud800');
/** Any string, often with an unstorable code unit somewhere in it. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.tuple(fc.string({ maxLength: 20 }), unstorable, fc.string({ maxLength: 20 })).map(([a, b, c]) => a + b + c),
);
/** Dates at and past the edges of what JavaScript, PostgreSQL and the rules accept, and dates in any format. */
const extremeDate = fc.oneof(
  fc.constantFrom(
    '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '+010000-01-01T00:00:00Z', '294277-01-01T00:00:00Z',
    '-004714-11-24T00:00:00Z', '0000-01-01', '0001-01-01T00:00:00', '9999-12-31T23:59:59.9999999', '1', '2026-02-30',
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  hostileString,
);
/** Integers at and past the 32-bit bounds the SDKs read, and numbers no integer field takes. */
const extremeNumber = fc.oneof(
  fc.integer(),
  fc.constantFrom(2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, -(2 ** 53), 1e308, -0, 0.5),
  fc.double(),
);

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
      id: fc.oneof(extremeNumber, fc.string(), fc.constant(null), fc.constantFrom(0, 1)),
      catalogItemId: fc.oneof(hostileString, fc.constantFrom('MS-AZR-0145P', 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', ''), fc.integer()),
      quantity: fc.oneof(extremeNumber, fc.string(), fc.constantFrom(-1, 2 ** 40, '5')),
      billingCycle: fc.oneof(hostileString, fc.constantFrom('monthly', 'one_time', 'OneTime', 'none', 'triennial'), fc.integer()),
      termDuration: fc.oneof(hostileString, fc.constantFrom('P1M', 'P1Y', 'P3Y', 'P0D')),
      friendlyName: hostileString,
      provisioningContext: fc.oneof(fc.dictionary(hostileString, fc.oneof(hostileString, fc.jsonValue({ maxDepth: 1 }))), fc.string()),
      participants: fc.oneof(fc.array(fc.record({ key: hostileString, value: fc.oneof(hostileString, fc.integer()) })), fc.string()),
      addonItems: fc.oneof(fc.array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), tie('line')), { maxLength: 3 }), fc.string()),
      renewsTo: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ termDuration: hostileString })),
      customTermEndDate: extremeDate,
      promotionId: hostileString,
      attestationAccepted: fc.oneof(fc.boolean(), fc.constantFrom('true', 1)),
    },
    { requiredKeys: [] },
  ),
})).value;

/** Percent-encodes every UTF-8 byte; lone surrogates travel as the bytes a careless encoder writes (ED A0 80). */
const pct = (s: string) =>
  s.replace(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g, (ch) =>
    /^[\ud800-\udfff]$/.test(ch) ? '%ED%A0%80' : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
  );

/** About a megabyte (under PC_BODY_LIMIT) of text that is not JSON, built from fragments of JSON, comments and commas. */
const hugeNonJson = fc
  .tuple(
    fc.constantFrom('{"lineItems":[', '[', '{', '', '/*', '//'),
    fc.array(fc.oneof(fc.constantFrom('{"a":1},', '/* c */', '// d\n', ',', ', ]', '"x",', '[[', '/', '\\', 'x'), fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 6 }),
  )
  .map(([head, parts]) => {
    const unit = parts.join('') || 'x';
    return (head + unit.repeat(Math.ceil(1_000_000 / unit.length))).slice(0, 1_000_000) + '\u0001';
  });

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

  test('valid lines with one hostile string, date or number: line errors or 400s, and checkout of any cart made never 5xx', async () => {
    // These create carts and orders, so they use a partner of their own.
    const q = await newPartner(ctx.app);
    const c = q.customers[0];
    const line = fc.record({
      id: fc.constant(0),
      catalogItemId: fc.constantFrom('CFQ7TTC0LH18:0001:CFQ7TTC0K971', 'MS-AZR-0145P', 'DZH318Z0BXWC:0002:DZH318Z0BMRV'),
      quantity: fc.integer({ min: 1, max: 3 }),
      billingCycle: fc.constant('monthly'),
      termDuration: fc.constantFrom('P1M', 'P1Y'),
    });
    const hostileField = fc.oneof(
      fc.record({ friendlyName: hostileString }),
      fc.record({ promotionId: hostileString }),
      fc.record({ catalogItemId: hostileString }),
      fc.record({ termDuration: hostileString }),
      fc.record({ customTermEndDate: extremeDate }),
      fc.record({ participants: fc.tuple(hostileString).map(([value]) => [{ key: 'transaction_reseller', value }]) }),
      fc.record({ provisioningContext: fc.dictionary(hostileString, hostileString, { maxKeys: 2 }) }),
      fc.record({ renewsTo: fc.record({ termDuration: hostileString }) }),
      fc.record({ id: extremeNumber }),
      fc.record({ quantity: extremeNumber }),
    );
    await fc.assert(
      fc.asyncProperty(line, hostileField, async (base, extra) => {
        const body = { lineItems: [{ ...base, ...extra }] };
        const res = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, { token: q.appToken, body });
        judge(res, `create ${JSON.stringify(body).slice(0, 200)}`);
        if (res.statusCode === 201) {
          const checkout = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${res.json().id}/checkout`, { token: q.appToken });
          judge(checkout, `checkout of ${JSON.stringify(res.json().lineItems).slice(0, 200)}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('unstorable strings in query strings, form bodies, path segments and sandbox bodies never 5xx', async () => {
    const c = p.customers[0];
    const request = fc.oneof(
      hostileString.map((s) => ({ method: 'GET', url: `/v1/products?country=US&targetView=${pct(s)}` })),
      // The console's page and assets (plugins/console.ts): any file name is a lookup in memory, never a 5xx.
      hostileString.map((s) => ({ method: 'GET', url: `/console/assets/${pct(s) || 'x'}` })),
      hostileString.map((s) => ({ method: 'GET', url: `/console?${pct(s)}=${pct(s)}` })),
      hostileString.map((s) => ({ method: 'GET', url: `/v1/products/${pct(s) || 'x'}/skus?country=${pct(s)}` })),
      hostileString.map((s) => ({ method: 'GET', url: `/v1/customers/${c.id}/subscriptions?order_id=${pct(s)}` })),
      hostileString.map((s) => ({ method: 'GET', url: `/v1/customers/${c.id}/orders?billingType=${pct(s)}&include_price=${pct(s)}` })),
      fc.tuple(extremeDate, extremeDate).map(([a, b]) => ({ method: 'GET', url: `/v1/auditrecords?startDate=${pct(a)}&endDate=${pct(b)}&customerId=${pct(a)}` })),
      hostileString.map((s) => ({ method: 'GET', url: `/v1/customers/${c.id}/carts/${pct(s) || 'x'}` })),
      hostileString.map((s) => ({ method: 'GET', url: `/v1/customers/${pct(s) || 'x'}/orders/${pct(s) || 'x'}/provisioningstatus` })),
      fc.tuple(hostileString, hostileString).map(([a, b]) => ({ method: 'POST', url: '/oauth2/token', form: `grant_type=client_credentials&client_id=${pct(a)}&client_secret=${pct(b)}` })),
      fc.tuple(hostileString, hostileString).map(([a, b]) => ({ method: 'POST', url: `/${pct(a) || 'x'}/oauth2/token`, form: `grant_type=password&username=${pct(a)}&password=${pct(b)}` })),
      fc.tuple(hostileString, unstorable).map(([s, u]) => ({ method: 'POST', url: '/sandbox/partners', body: { name: s + u } })),
      fc.tuple(hostileString, unstorable).map(([s, u]) => ({ method: 'PUT', url: `/sandbox/partners/${p.tenantId}/provisioning/faults/${pct(s + u)}`, body: { message: s } })),
      // The subscription lifecycle, onboarding, orders without a cart, the clock and the fault rules:
      // every body carries an unstorable string, so each is refused and the data stays as it was.
      fc.tuple(hostileString, unstorable, extremeNumber).map(([s, u, n]) => ({
        method: 'PATCH',
        url: `/v1/customers/${c.id}/subscriptions/${c.azureSubscriptionId}`,
        body: { friendlyName: s + u, quantity: n, status: s, scheduledNextTermInstructions: { product: { productId: s }, quantity: n } },
      })),
      hostileString.map((s) => ({ method: 'GET', url: `/v1/customers/${c.id}/subscriptions/${pct(s) || 'x'}/provisioningstatus` })),
      hostileString.map((s) => ({ method: 'GET', url: `/v1/customers/${c.id}/subscriptions/${c.azureSubscriptionId}/transitioneligibilities?eligibilityType=${pct(s)}` })),
      fc.tuple(hostileString, unstorable, extremeNumber).map(([s, u, n]) => ({
        method: 'POST',
        url: `/v1/customers/${c.id}/subscriptions/${c.azureSubscriptionId}/transitions`,
        body: { toCatalogItemId: s + u, quantity: n },
      })),
      fc.tuple(hostileString, unstorable).map(([s, u]) => ({
        method: 'POST',
        url: '/v1/customers',
        body: { companyProfile: { domain: s + u }, billingProfile: { email: s, companyName: s + u, defaultAddress: { country: s } } },
      })),
      hostileString.map((s) => ({ method: 'GET', url: `/v1/customers?size=${pct(s)}&seekOperation=${pct(s)}` })),
      hostileString.map((s) => ({ method: 'GET', url: `/v1/customers?filter=${pct(s)}` })),
      fc.tuple(hostileString, fc.constantFrom('CompanyName', 'Domain', 'IndirectReseller', 'companyname')).map(([s, field]) => ({
        method: 'GET',
        url: `/v1/customers?size=1&filter=${pct(JSON.stringify({ Field: field, Value: s, Operator: 'starts_with' }))}`,
      })),
      hostileString.map((s) => ({ method: 'HEAD', url: `/v1/domains/${pct(s) || 'x'}` })),
      fc.tuple(hostileString, unstorable, extremeNumber).map(([s, u, n]) => ({
        method: 'POST',
        url: `/v1/customers/${c.id}/orders`,
        body: { lineItems: [{ lineItemNumber: n, offerId: s + u, quantity: n, friendlyName: s }] },
      })),
      fc.tuple(hostileString, unstorable).map(([s, u]) => ({ method: 'PATCH', url: `/v1/customers/${c.id}/orders/${pct(s) || 'x'}`, body: { status: s + u } })),
      fc.tuple(hostileString, unstorable).map(([s, u]) => ({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/clock`, body: { advanceBy: s + u, to: s } })),
      fc.tuple(hostileString, unstorable, extremeNumber).map(([s, u, n]) => ({
        method: 'POST',
        url: `/sandbox/partners/${p.tenantId}/faults`,
        body: { route: s + u, method: s, count: n, effect: { type: 'error', status: n } },
      })),
      fc.tuple(hostileString, unstorable, extremeNumber).map(([s, u, n]) => ({
        method: 'POST',
        url: `/sandbox/partners/${p.tenantId}/faults`,
        body: { probability: n, expiresInSeconds: n, effect: { type: 'webhookFailure', status: n, description: s + u } },
      })),
      fc.tuple(hostileString, unstorable, fc.constantFrom('POST', 'PUT')).map(([s, u, method]) => ({
        method,
        url: '/webhooks/v1/registration',
        body: { WebhookUrl: s + u, WebhookEvents: [s, u], SubscriberId: s },
      })),
      hostileString.map((s) => ({ method: 'GET', url: `/webhooks/v1/registration/validationEvents/${pct(s) || 'x'}` })),
      hostileString.map((s) => ({ method: 'GET', url: `/webhooks/v1/customers/${c.id}/subscriptions/${pct(s) || 'x'}` })),
      fc.tuple(hostileString, extremeNumber).map(([s, n]) => ({ method: 'GET', url: `/sandbox/partners/${p.tenantId}/events?after=${pct(String(n))}&limit=${pct(s)}` })),
      fc.tuple(hostileString, unstorable).map(([s, u]) => ({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/events/trigger`, body: { eventName: s + u, resourceId: s } })),
      fc.tuple(hostileString, extremeNumber).map(([s, n]) => ({ method: 'GET', url: `/sandbox/partners/${p.tenantId}/webhooks/deliveries?before=${pct(String(n))}&limit=${pct(s)}` })),
    );
    await fc.assert(
      fc.asyncProperty(request, async (r: { method: string; url: string; form?: string; body?: unknown }) => {
        const res = r.form
          ? await ctx.app.inject({ method: 'POST', url: r.url, payload: r.form, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
          : r.method === 'HEAD'
            ? await ctx.app.inject({ method: 'HEAD', url: r.url, headers: { authorization: `Bearer ${p.appToken}` } })
            : await call(ctx.app, r.method as 'GET', r.url, { token: p.appToken, body: r.body });
        // The token endpoint answers its own failures in OAuth's body ({error, error_description}).
        if (r.method === 'HEAD') {
          // HEAD answers carry no body: 200 taken, 404 free or not a domain, never 5xx.
          tried++;
          assert.ok(res.statusCode < 500, `HEAD ${r.url.slice(0, 120)}: ${res.statusCode}`);
        } else if (r.url.endsWith('/oauth2/token') && res.statusCode < 500) {
          tried++;
          if (res.statusCode >= 400 && !res.json().error) judge(res, `${r.method} ${r.url.slice(0, 120)}`);
        } else judge(res, `${r.method} ${r.url.slice(0, 160)}`);
      }),
      { numRuns: 1000 },
    );
    assert.equal(await dataOf(), snapshot);
  });

  test('bodies of about a megabyte that are not JSON are 4xx on every JSON route, never 5xx', async () => {
    const c = p.customers[0];
    const routes = ['/v1/customers/C/carts', '/sandbox/partners', '/oauth2/token'].map((r) => r.replace('C', c.id));
    await fc.assert(
      fc.asyncProperty(hugeNonJson, fc.constantFrom(...routes), async (body, url) => {
        const res = await call(ctx.app, 'POST', url, { token: p.appToken, body });
        judge(res, `${url} ${body.slice(0, 60)}…`);
        assert.ok(res.statusCode === 400 || res.statusCode === 413, `${url}: ${res.statusCode}`);
      }),
      { numRuns: 12 },
    );
    assert.equal(await dataOf(), snapshot);
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
        fc.dictionary(
          fc.constantFrom('ms-requestid', 'ms-correlationid', 'ms-cv', 'x-locale', 'accept', 'if-match', 'ms-contract-version', 'expect', 'consistencylevel'),
          // ConsistencyLevel: its one meaningful value in several spellings, and anything else.
          fc.oneof(headerValue, fc.constantFrom('eventual', 'Eventual', ' eventual ', 'strong')),
          { maxKeys: 5 },
        ),
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
