/**
 * Input no database can store, and input no rule should let through (issue 13): every such request is
 * a 4xx decided before SQL, never a 5xx (the Java SDK resends a 5xx forever) and never a cart that
 * can only fail at checkout.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nestsDeeperThan } from '../src/plugins/json-body.js';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

let ctx: TestContext;
let p: Partner;
before(async () => {
  ctx = await startApp({ PC_THROTTLE_LIMIT: '0' });
  p = await newPartner(ctx.app);
});
after(() => ctx.close());

/** A valid new-commerce licence line (Microsoft 365 Business Basic, US), one year, billed monthly. */
const nceLine = (extra: Record<string, unknown> = {}) => ({
  id: 0,
  catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971',
  quantity: 2,
  billingCycle: 'monthly',
  termDuration: 'P1Y',
  ...extra,
});

function assertError(res: { statusCode: number; body: string; json(): unknown }, status: number, code: number, what = '') {
  assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
  const body = res.json() as { code: unknown; description: unknown; data: unknown };
  assert.equal(body.code, code, `${what}: ${res.body.slice(0, 300)}`);
  assert.equal(typeof body.description, 'string');
  assert.ok(Array.isArray(body.data));
}

const form = (url: string, payload: string) =>
  ctx.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

describe('strings PostgreSQL cannot store (NUL, lone surrogates) → 400·800002 before any SQL', () => {
  const bad = { NUL: 'a\u0000b', 'a lone high surrogate': 'a\ud800b', 'a lone low surrogate': '\udc00' };
  /** `%00` is the one bad code unit a URL can carry: lone surrogates are not valid UTF-8. */
  const pctNul = 'a%00b';

  for (const [name, s] of Object.entries(bad)) {
    test(`${name} in any string of a cart line, its keys included (create and update)`, async () => {
      const c = p.customers[0];
      const lines: Record<string, unknown>[] = [
        nceLine({ friendlyName: s }),
        nceLine({ catalogItemId: s }),
        nceLine({ termDuration: s }),
        nceLine({ promotionId: s }),
        nceLine({ customTermEndDate: s }),
        nceLine({ billingCycle: s }),
        nceLine({ participants: [{ key: 'transaction_reseller', value: s }] }),
        nceLine({ provisioningContext: { scope: s } }),
        nceLine({ provisioningContext: { [s]: 'shared' } }),
        nceLine({ renewsTo: { termDuration: s } }),
        nceLine({ addonItems: [nceLine({ friendlyName: s })] }),
        nceLine({ [`unknown${s}`]: 1 }),
      ];
      for (const line of lines) {
        const what = JSON.stringify(line);
        assertError(await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, { token: p.appToken, body: { lineItems: [line] } }), 400, 800002, `create ${what}`);
        assertError(await call(ctx.app, 'PUT', `/v1/customers/${c.id}/carts/${c.cartId}`, { token: p.appToken, body: { lineItems: [line] } }), 400, 800002, `update ${what}`);
      }
    });

    test(`${name} in the sandbox and token endpoints' JSON bodies`, async () => {
      assertError(await call(ctx.app, 'POST', '/sandbox/partners', { body: { name: s } }), 400, 800002, 'partner name');
      assertError(await call(ctx.app, 'POST', `/sandbox/partners/${p.tenantId}/customers`, { body: { companyName: s } }), 400, 800002, 'customer name');
      assertError(await call(ctx.app, 'PUT', `/sandbox/partners/${p.tenantId}/provisioning`, { body: { delaysSeconds: { [s]: 1 } } }), 400, 800002, 'delay key');
      assertError(await call(ctx.app, 'PUT', `/sandbox/partners/${p.tenantId}/provisioning/faults/X`, { body: { message: s } }), 400, 800002, 'fault message');
      assertError(await call(ctx.app, 'POST', '/oauth2/token', { body: { grant_type: 'client_credentials', client_id: s, client_secret: 'x' } }), 400, 800002, 'token JSON');
    });
  }

  test('NUL in form bodies of the token endpoint', async () => {
    for (const payload of [
      `grant_type=client_credentials&client_id=${pctNul}&client_secret=x`,
      `grant_type=client_credentials&client_id=${p.clientId}&client_secret=${pctNul}`,
      `grant_type=password&username=${pctNul}&password=x`,
      `grant_type=password&username=${encodeURIComponent(p.username)}&password=${pctNul}`,
      `grant_type=${pctNul}`,
    ]) {
      assertError(await form('/oauth2/token', payload), 400, 800002, payload);
      assertError(await form(`/${pctNul}/oauth2/token`, payload), 400, 800002, `tenant path ${payload}`);
    }
  });

  test('NUL in query strings and path segments', async () => {
    const c = p.customers[0];
    for (const url of [
      `/v1/products?country=US&targetView=${pctNul}`,
      `/v1/products?country=${pctNul}`,
      `/v1/products/${pctNul}?country=US`,
      `/v1/products/CFQ7TTC0LH18/skus/${pctNul}?country=US`,
      `/v1/offers/${pctNul}?country=US`,
      `/v1/customers/${c.id}/subscriptions?order_id=${pctNul}`,
      `/v1/customers/${c.id}/orders?billingType=${pctNul}`,
      `/v1/auditrecords?customerId=${pctNul}`,
      `/v1/customers/${c.id}/carts/${pctNul}`,
    ]) {
      assertError(await call(ctx.app, 'GET', url, { token: p.appToken }), 400, 800002, url);
    }
    for (const method of ['PUT', 'DELETE'] as const) {
      assertError(await call(ctx.app, method, `/sandbox/partners/${p.tenantId}/provisioning/faults/${pctNul}`, { body: {} }), 400, 800002, `${method} fault`);
    }
  });

  test('characters PostgreSQL stores (emoji as surrogate pairs, other control characters) are kept', async () => {
    const c = p.customers[0];
    const friendlyName = 'Seats for 👩‍💻 \u0001\u001f\uffff';
    const res = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, { token: p.appToken, body: { lineItems: [nceLine({ friendlyName })] } });
    assert.equal(res.statusCode, 201, res.body);
    const got = await call(ctx.app, 'GET', `/v1/customers/${c.id}/carts/${res.json().id}`, { token: p.appToken });
    assert.equal(got.json().lineItems[0].friendlyName, friendlyName);
  });
});

const DAY_MS = 24 * 3600 * 1000;
const cartsUrl = () => `/v1/customers/${p.customers[0].id}/carts`;
const create = (lineItems: unknown[]) => call(ctx.app, 'POST', cartsUrl(), { token: p.appToken, body: { lineItems } });

describe('dates: a cart line carries only dates its checkout can store', () => {
  /** The last day of next month, 00:00 UTC: a month-end date inside a P1Y term, as Partner Center offers. */
  const endOfNextMonth = () => {
    const now = new Date();
    return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 0)).toISOString();
  };

  test('customTermEndDate past the range of dates (+275760, 9999, before year 1) → line error 10017; checkout 400·800009, not 500', async () => {
    for (const date of ['+275760-09-13T00:00:00.000Z', '9999-12-31T00:00:00Z', '-004713-01-01T00:00:00Z', '+010000-01-01T00:00:00Z', '0000-01-01']) {
      const res = await create([nceLine({ customTermEndDate: date })]);
      assert.equal(res.statusCode, 201, res.body);
      const [line] = res.json().lineItems;
      assert.equal(line.error?.errorCode, 10017, `${date}: ${JSON.stringify(line)}`);
      const checkout = await call(ctx.app, 'POST', `${cartsUrl()}/${res.json().id}/checkout`, { token: p.appToken });
      assertError(checkout, 400, 800009, `checkout with ${date}`);
    }
  });

  test('customTermEndDate after the end of the line term (two months on a P1M line, two years on P1Y) → 10017', async () => {
    const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();
    for (const [termDuration, date] of [['P1M', inDays(62)], ['P1Y', inDays(731)]]) {
      const [line] = (await create([nceLine({ termDuration, customTermEndDate: date })])).json().lineItems;
      assert.equal(line.error?.errorCode, 10017, `${termDuration} ${date}: ${JSON.stringify(line)}`);
    }
  });

  test('customTermEndDate that is not an ISO-8601 date (JavaScript reads "1" as the year 2001) → 10017', async () => {
    for (const date of ['1', 'Tue, 01 Dec 2026 00:00:00 GMT', '2026-13-01']) {
      const [line] = (await create([nceLine({ customTermEndDate: date })])).json().lineItems;
      assert.equal(line.error?.errorCode, 10017, `${date}: ${JSON.stringify(line)}`);
    }
  });

  test('a month-end customTermEndDate inside the term → no error, and the order line carries it', async () => {
    const date = endOfNextMonth();
    const res = await create([nceLine({ customTermEndDate: date })]);
    const [line] = res.json().lineItems;
    assert.equal(line.error, undefined, JSON.stringify(line));
    const checkout = await call(ctx.app, 'POST', `${cartsUrl()}/${res.json().id}/checkout`, { token: p.appToken });
    assert.equal(checkout.statusCode, 201, checkout.body);
    assert.equal(checkout.json().orders[0].lineItems[0].customTermEndDate, date);
  });

  test('audit record dates outside what the database stores → 400·800002', async () => {
    for (const q of ['startDate=-004714-01-01&endDate=-004714-01-20', 'startDate=%2B275760-09-01&endDate=%2B275760-09-13', 'startDate=1&endDate=2']) {
      assertError(await call(ctx.app, 'GET', `/v1/auditrecords?${q}`, { token: p.appToken }), 400, 800002, q);
    }
  });
});

describe('line ids and integers, as the SDKs read them (32-bit ints)', () => {
  const ids = (res: { json(): { lineItems: { id: number }[] } }) => res.json().lineItems.map((l) => l.id);

  test('a line id used twice → 400·800002; ids all 0 or absent (the SDKs\' unset id) are numbered by position', async () => {
    assertError(await create([nceLine({ id: 1 }), nceLine({ id: 1 })]), 400, 800002, '[1, 1]');
    assertError(await create([nceLine({ id: 0 }), nceLine({ id: 0 }), nceLine({ id: 2 })]), 400, 800002, '[0, 0, 2]');
    assertError(await create([nceLine({ addonItems: [nceLine({ id: 3 }), nceLine({ id: 3 })] })]), 400, 800002, 'add-ons [3, 3]');
    assert.deepEqual(ids(await create([nceLine({ id: 0 }), nceLine({ id: 0 }), nceLine({ id: 0 })])), [0, 1, 2]);
    assert.deepEqual(ids(await create([nceLine({ id: undefined }), nceLine({ id: undefined })])), [0, 1]);
    assert.deepEqual(ids(await create([nceLine({ id: 7 }), nceLine({ id: 3 })])), [7, 3]);
  });

  test('line ids outside 0…2^31-1 → 400·800002; 2^31-1 is kept', async () => {
    for (const id of [-1, 2 ** 31, 2 ** 53, 1e300]) assertError(await create([nceLine({ id })]), 400, 800002, `id ${id}`);
    assert.deepEqual(ids(await create([nceLine({ id: 2 ** 31 - 1 })])), [2 ** 31 - 1]);
  });

  test('numbers sent as strings ("5"), and quantities past a 32-bit int → 400·800002', async () => {
    assertError(await create([nceLine({ quantity: '5' })]), 400, 800002, 'quantity "5"');
    assertError(await create([nceLine({ id: '3' })]), 400, 800002, 'id "3"');
    assertError(await create([nceLine({ attestationAccepted: 'true' })]), 400, 800002, 'attestationAccepted "true"');
    assertError(await create([nceLine({ quantity: 2 ** 31 })]), 400, 800002, 'quantity 2^31');
    const [line] = (await create([nceLine({ quantity: 2 ** 31 - 1 })])).json().lineItems;
    assert.equal(line.error?.errorCode, 10015, 'a quantity a client can send but the item does not allow is a line error');
  });

  test('query integers that are not finite (Infinity, -Infinity, 1e400) → 400·800002, not 500', async () => {
    // Ajv coerces them to ±Infinity, which then passes its integer and range checks.
    for (const size of ['Infinity', '-Infinity', '1e400', 'Infinity%20%20']) {
      assertError(await call(ctx.app, 'GET', `/v1/customers?size=${size}`, { token: p.appToken }), 400, 800002, size);
      const audit = `/v1/auditrecords?startDate=2026-11-01&endDate=2026-11-20&size=${size}`;
      assertError(await call(ctx.app, 'GET', audit, { token: p.appToken }), 400, 800002, `audit ${size}`);
    }
  });

  test('an empty customerId on the audit records is no filter (it reached SQL as a uuid: 500)', async () => {
    const res = await call(ctx.app, 'GET', '/v1/auditrecords?startDate=&endDate=&customerId=', { token: p.appToken });
    assert.equal(res.statusCode, 200, res.body);
  });

  test('query strings are still read as typed values (size=5, include_price=True)', async () => {
    assert.equal((await call(ctx.app, 'GET', '/v1/customers?size=5', { token: p.appToken })).statusCode, 200);
    assert.equal((await call(ctx.app, 'GET', `/v1/customers/${p.customers[0].id}/orders?include_price=True`, { token: p.appToken })).statusCode, 200);
  });
});
describe('bodies that are not JSON: a bounded tolerant grammar', () => {
  test('comments and trailing commas are read, as Newtonsoft does; comment marks inside strings are kept', async () => {
    const body = `{ // a line comment
      "lineItems": [ /* a block comment */ {"id": 0, "catalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "quantity": 2,
        "billingCycle": "monthly", "termDuration": "P1Y", "friendlyName": "a // b /* c */ \\" d,]",}, ], }`;
    const res = await call(ctx.app, 'POST', cartsUrl(), { token: p.appToken, body });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().lineItems[0].friendlyName, 'a // b /* c */ " d,]');
  });

  test('comments and trailing commas in a body over 64 KiB (what no hand-written request reaches) → 400·800002', async () => {
    const filler = `"notes": "${'x'.repeat(64 * 1024)}",`;
    const line = `{"id": 0, ${filler} "catalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "quantity": 2, "billingCycle": "monthly", "termDuration": "P1Y"}`;
    assertError(await call(ctx.app, 'POST', cartsUrl(), { token: p.appToken, body: `{"lineItems": [${line}] /* comment */}` }), 400, 800002, 'commented');
    assert.equal((await call(ctx.app, 'POST', cartsUrl(), { token: p.appToken, body: `{"lineItems": [${line}]}` })).statusCode, 201, 'the same body as strict JSON');
  });

  test('other JSON5 syntax (single quotes, unquoted names, hex numbers, Infinity) → 400·800002', async () => {
    for (const body of [
      `{"lineItems": [{"id": 0, "catalogItemId": 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', "quantity": 2, "billingCycle": "monthly"}]}`,
      `{lineItems: [{"id": 0, "catalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "quantity": 2, "billingCycle": "monthly"}]}`,
      `{"lineItems": [{"id": 0x0, "catalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "quantity": 2, "billingCycle": "monthly"}]}`,
      `{"lineItems": [{"id": 0, "catalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "quantity": Infinity, "billingCycle": "monthly"}]}`,
    ]) {
      assertError(await call(ctx.app, 'POST', cartsUrl(), { token: p.appToken, body }), 400, 800002, body);
    }
  });

  test('bodies nested deeper than 32 levels are refused before parsing (a megabyte of "[" cost JSON.parse ~330 ms)', async () => {
    assert.equal(nestsDeeperThan('['.repeat(1_000_000), 32), true);
    assert.equal(nestsDeeperThan(`${'['.repeat(32)}${']'.repeat(32)}`, 32), false);
    assert.equal(nestsDeeperThan(`${'['.repeat(33)}${']'.repeat(33)}`, 32), true);
    assert.equal(nestsDeeperThan(`{"a": "${'['.repeat(100)}", /* ${'{'.repeat(100)} */ "b": 1 // ${'['.repeat(100)}\n}`, 32), false, 'strings and comments do not count');
    for (const body of ['['.repeat(1_000_000), `${'{"a":'.repeat(200_000)}1`, `${'['.repeat(500_000)}${']'.repeat(500_000)}`]) {
      const res = await call(ctx.app, 'POST', cartsUrl(), { token: p.appToken, body });
      assertError(res, 400, 800002, body.slice(0, 20));
      assert.match(res.json().description, /nests deeper than 32 levels/);
    }
  });

  test('~1 MB bodies that are not JSON (unterminated, comment-heavy, unclosed comment) → 400·800002 on every JSON route', async () => {
    const bodies = [
      `{"lineItems":[${'{"a":1},'.repeat(130_000)}x`,
      `{"lineItems":[${'/* c */ {"a":[1,],}, // d\n'.repeat(38_000)}`,
      `{"a": 1 /*${' '.repeat(1_000_000)}`,
      '/'.repeat(1_000_000),
    ];
    for (const body of bodies) {
      assertError(await call(ctx.app, 'POST', cartsUrl(), { token: p.appToken, body }), 400, 800002, body.slice(0, 40));
      assertError(await call(ctx.app, 'POST', '/sandbox/partners', { body }), 400, 800002, `sandbox ${body.slice(0, 40)}`);
      assertError(await call(ctx.app, 'POST', '/oauth2/token', { body }), 400, 800002, `token ${body.slice(0, 40)}`);
    }
  });
});
