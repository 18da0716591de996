/**
 * A partner's onboarding flow (issue 15 item 5): domain availability (HEAD, 200 taken / 404 available),
 * creating a customer with the doc's PascalCase example (trailing commas included) and the Java SDK's
 * camelCase body, exactly once per MS-RequestId, bad input 400 never 500, and the customer list paged
 * with `size`, `seekOperation=Next` and the `MS-ContinuationToken` header, per partner.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

let ctx: TestContext;
let p: Partner;
let other: Partner;
before(async () => {
  ctx = await startApp();
  [p, other] = [await newPartner(ctx.app), await newPartner(ctx.app)];
});
after(() => ctx.close());

const head = (domain: string, token = p.appToken) =>
  ctx.app.inject({ method: 'HEAD', url: `/v1/domains/${domain}`, headers: { authorization: `Bearer ${token}` } });
const create = (body: unknown, headers: Record<string, string> = {}, token = p.appToken) =>
  call(ctx.app, 'POST', '/v1/customers', { token, body, headers });

/** The doc's request example (create-a-customer.md), PascalCase with its trailing commas. */
const docExample = (domain: string) => `{
    "CompanyProfile": {
        "Domain": "${domain}",
    },
    "BillingProfile": {
        "Culture": "EN-US",
        "Email": "test@outlook.com",
        "Language": "en",
        "CompanyName": "test company",
        "DefaultAddress": {
            "FirstName": "Test",
            "LastName": "Test",
            "AddressLine1": "One Microsoft Way",
            "City": "Redmond",
            "State": "WA",
            "PostalCode": "98052",
            "Country": "US",
        }
    }
}`;

/** What the Java SDK's `getCustomers().create(customer)` sends: camelCase, the models' `attributes` included. */
const javaBody = (domain: string) => ({
  billingProfile: {
    culture: 'en-US',
    email: 'admin@fabrikam.example',
    language: 'en',
    companyName: 'Fabrikam',
    defaultAddress: { firstName: 'Ann', lastName: 'Lee', addressLine1: '1 Main St', city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' },
    attributes: { objectType: 'CustomerBillingProfile' },
  },
  companyProfile: { domain, attributes: { objectType: 'CustomerCompanyProfile' } },
  attributes: { objectType: 'Customer' },
});

describe('onboarding a customer', () => {
  test('the doc example: domain available (404), create → 201 with the customer and userCredentials, then taken (200)', async () => {
    const domain = `xyz${randomUUID().slice(0, 8)}.ccsctp.net`;
    const free = await head(domain);
    assert.equal(free.statusCode, 404);
    assert.equal(free.body, '');
    const res = await create(docExample(domain), { 'ms-requestid': randomUUID() });
    assert.equal(res.statusCode, 201, res.body);
    const c = res.json();
    assert.match(c.id, /^[0-9a-f-]{36}$/);
    assert.equal(c.companyProfile.tenantId, c.id);
    assert.equal(c.companyProfile.domain, domain);
    assert.equal(c.billingProfile.culture, 'en-US');
    assert.equal(c.billingProfile.language, 'en');
    assert.equal(c.billingProfile.email, 'test@outlook.com');
    assert.equal(c.billingProfile.companyName, 'test company');
    assert.equal(c.billingProfile.defaultAddress.addressLine1, 'One Microsoft Way');
    assert.equal(c.billingProfile.defaultAddress.country, 'US');
    assert.equal(c.userCredentials.userName, 'admin');
    assert.ok(c.userCredentials.password.length >= 12);
    assert.deepEqual(c.attributes, { objectType: 'Customer' });
    assert.equal((await head(domain)).statusCode, 200);
    assert.equal((await head(domain.toUpperCase())).statusCode, 200, 'domains compare case-insensitively');
    // It is the partner's customer from now on, and only this partner's; the password is not shown again.
    const got = await call(ctx.app, 'GET', `/v1/customers/${c.id}`, { token: p.appToken });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().userCredentials, undefined);
    assert.equal((await call(ctx.app, 'GET', `/v1/customers/${c.id}`, { token: other.appToken })).statusCode, 404);
    // Domains are global: another partner sees it taken too, and cannot create it.
    assert.equal((await head(domain, other.appToken)).statusCode, 200);
    const dup = await create(docExample(domain), {}, other.appToken);
    assert.equal(dup.statusCode, 400, dup.body);
    assert.equal(dup.json().code, 800002);
    // Audited in the same transaction.
    const [audit] = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_records WHERE resource_id = $1 AND operation_type = 'create_customer'",
      [c.id],
    );
    assert.equal(audit.n, 1);
  });

  test("the Java SDK's body; a bare prefix becomes {prefix}.onmicrosoft.com; the new customer can be bought for", async () => {
    const prefix = `fabrikam${randomUUID().slice(0, 8)}`;
    const res = await create(javaBody(prefix));
    assert.equal(res.statusCode, 201, res.body);
    const c = res.json();
    assert.equal(c.companyProfile.domain, `${prefix}.onmicrosoft.com`);
    assert.equal((await head(`${prefix}.onmicrosoft.com`)).statusCode, 200);
    const cart = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, {
      token: p.appToken,
      body: { lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 2, billingCycle: 'monthly', termDuration: 'P1Y' }] },
    });
    assert.equal(cart.statusCode, 201, cart.body);
    assert.equal(cart.json().lineItems[0].error, undefined);
  });

  test('exactly once per MS-RequestId: a retry gets the same customer back', async () => {
    const requestId = randomUUID();
    const body = javaBody(`retry${randomUUID().slice(0, 8)}`);
    const first = await create(body, { 'ms-requestid': requestId });
    const again = await create(body, { 'ms-requestid': requestId });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.json().id, first.json().id);
    const [row] = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE domain = $1', [first.json().companyProfile.domain]);
    assert.equal(row.n, 1);
  });

  test('bad input → 400·800002, never 500', async () => {
    const ok = javaBody(`bad${randomUUID().slice(0, 8)}`);
    const cases: [string, unknown][] = [
      ['no body', undefined],
      ['no companyProfile', { billingProfile: ok.billingProfile }],
      ['no billingProfile', { companyProfile: ok.companyProfile }],
      ['no email', { ...ok, billingProfile: { ...ok.billingProfile, email: undefined } }],
      ['email without @', { ...ok, billingProfile: { ...ok.billingProfile, email: 'nope' } }],
      ['language of 3 letters', { ...ok, billingProfile: { ...ok.billingProfile, language: 'eng' } }],
      ['culture not a culture', { ...ok, billingProfile: { ...ok.billingProfile, culture: 'en_US!' } }],
      ['country of 3 letters', { ...ok, billingProfile: { ...ok.billingProfile, defaultAddress: { ...ok.billingProfile.defaultAddress, country: 'USA' } } }],
      ['no city', { ...ok, billingProfile: { ...ok.billingProfile, defaultAddress: { ...ok.billingProfile.defaultAddress, city: undefined } } }],
      ['domain not a host name', { ...ok, companyProfile: { domain: 'not a domain!' } }],
      ['domain with a leading dot', { ...ok, companyProfile: { domain: '.contoso.com' } }],
      ['domain a number', { ...ok, companyProfile: { domain: 5 } }],
      ['RU without organizationRegistrationNumber', { ...ok, billingProfile: { ...ok.billingProfile, defaultAddress: { ...ok.billingProfile.defaultAddress, country: 'RU' } } }],
    ];
    for (const [what, body] of cases) {
      const res = await create(body);
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
      assert.equal(res.json().code, 800002, what);
    }
    const ru = { ...ok, billingProfile: { ...ok.billingProfile, defaultAddress: { ...ok.billingProfile.defaultAddress, country: 'RU' } }, companyProfile: { domain: `ru${randomUUID().slice(0, 8)}.onmicrosoft.com`, organizationRegistrationNumber: '7707083893' } };
    assert.equal((await create(ru)).statusCode, 201, 'RU with its registration number');
    assert.equal((await head('not%20a%20domain')).statusCode, 400);
    assert.equal((await head('-x.com')).statusCode, 400);
    const anonymous = await ctx.app.inject({ method: 'HEAD', url: '/v1/domains/contoso.com' });
    assert.equal(anonymous.statusCode, 401);
  });
});

describe('GET /v1/customers, a page at a time', () => {
  test('size, links.next with its MS-ContinuationToken header, seekOperation=Next, until the last page', async () => {
    const partner = await newPartner(ctx.app);
    for (let i = 0; i < 4; i++) assert.equal((await create(javaBody(`page${i}${randomUUID().slice(0, 8)}`), {}, partner.appToken)).statusCode, 201);
    const all = (await call(ctx.app, 'GET', '/v1/customers', { token: partner.appToken })).json();
    assert.equal(all.totalCount, 5);
    assert.equal(all.links.next, undefined);
    assert.equal(all.continuationToken, undefined);

    const seen: string[] = [];
    let res = await call(ctx.app, 'GET', '/v1/customers?size=2', { token: partner.appToken });
    assert.equal(res.json().links.self.uri, '/customers?size=2');
    for (let page = 0; ; page++) {
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      seen.push(...body.items.map((c: { id: string }) => c.id));
      if (!body.links.next) break;
      const next = body.links.next;
      assert.equal(next.uri, '/customers?size=2&seekOperation=Next');
      assert.equal(next.method, 'GET');
      assert.equal(next.headers[0].key, 'MS-ContinuationToken');
      assert.equal(next.headers[0].value, body.continuationToken);
      assert.ok(page < 5, 'paging ends');
      // As the SDKs follow it: the link's path under /v1, its header; the docs also spell it seekoperation=next.
      const url = page % 2 ? `/v1${next.uri}` : '/v1/customers?size=2&seekoperation=next';
      res = await call(ctx.app, 'GET', url, { token: partner.appToken, headers: { 'MS-ContinuationToken': next.headers[0].value } });
    }
    assert.deepEqual(seen, all.items.map((c: { id: string }) => c.id));
    // size=0 (the .NET SDK's unindexed query) is the default page.
    assert.equal((await call(ctx.app, 'GET', '/v1/customers?size=0', { token: partner.appToken })).json().totalCount, 5);
  });

  test("a token is the partner's own: another partner's use of it sees only its own customers; bad tokens → 400", async () => {
    const partner = await newPartner(ctx.app);
    for (let i = 0; i < 2; i++) await create(javaBody(`tok${i}${randomUUID().slice(0, 8)}`), {}, partner.appToken);
    const token = (await call(ctx.app, 'GET', '/v1/customers?size=1', { token: partner.appToken })).json().continuationToken;
    assert.ok(token);
    const theirs = await call(ctx.app, 'GET', '/v1/customers?size=1&seekOperation=Next', { token: other.appToken, headers: { 'MS-ContinuationToken': token } });
    assert.equal(theirs.statusCode, 200);
    for (const c of theirs.json().items) assert.notEqual(c.companyProfile.domain.slice(0, 3), 'tok');
    for (const [what, headers, query] of [
      ['Next without a token', {}, 'seekOperation=Next'],
      ['garbage token', { 'MS-ContinuationToken': 'garbage' }, 'seekOperation=Next'],
      ['token of the wrong shape', { 'MS-ContinuationToken': Buffer.from('["2026-13-45T00:00:00Z","x"]').toString('base64url') }, 'seekOperation=Next'],
      ['unknown seekOperation', {}, 'seekOperation=Sideways'],
      ['size over 500', {}, 'size=501'],
    ] as const) {
      const res = await call(ctx.app, 'GET', `/v1/customers?${query}`, { token: partner.appToken, headers });
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
    }
  });

  test('filter (get-a-customer-by-name): CompanyName or Domain starts_with, case ignored, paging keeps it; bad filters → 400·800002', async () => {
    const partner = await newPartner(ctx.app);
    const tag = randomUUID().slice(0, 6);
    const named = (company: string, domain: string) => {
      const body = javaBody(domain);
      return create({ ...body, billingProfile: { ...body.billingProfile, companyName: company } }, {}, partner.appToken);
    };
    for (const [company, domain] of [['Contoso East', `east${tag}`], ['contoso West', `west${tag}`], ['Fabrikam', `cont${tag}`], ['Contoso North', `north${tag}`]]) {
      assert.equal((await named(company, domain)).statusCode, 201);
    }
    // Another partner's Contoso is never seen.
    await create({ ...javaBody(`other${tag}`), billingProfile: { ...javaBody('x').billingProfile, companyName: 'Contoso Other' } }, {}, other.appToken);
    const list = async (filter: object | string, query = '') => {
      const f = typeof filter === 'string' ? filter : JSON.stringify(filter);
      return call(ctx.app, 'GET', `/v1/customers?filter=${encodeURIComponent(f)}${query}`, { token: partner.appToken });
    };
    const names = (res: { json(): { items: { companyProfile: { companyName: string; domain: string } }[] } }) => res.json().items.map((c) => c.companyProfile.companyName);

    // The doc's request: size=0, the .NET SimpleFieldFilter's PascalCase names.
    const byName = await list({ Field: 'CompanyName', Value: 'CONT', Operator: 'starts_with' }, '&size=0');
    assert.equal(byName.statusCode, 200, byName.body);
    assert.deepEqual(names(byName), ['Contoso East', 'contoso West', 'Contoso North']);
    assert.equal(byName.json().totalCount, 3);
    assert.equal(byName.json().links.self.uri, `/customers?size=500&filter=${encodeURIComponent(JSON.stringify({ Field: 'CompanyName', Value: 'CONT', Operator: 'starts_with' }))}`);
    const byDomain = await list({ field: 'domain', value: `Cont${tag}`, operator: 'StartsWith' });
    assert.deepEqual(names(byDomain), ['Fabrikam']);
    assert.deepEqual(names(await list({ Field: 'IndirectReseller', Value: '123', Operator: 'starts_with' })), [], 'no indirect resellers in the sandbox');
    assert.deepEqual(names(await list({ Field: 'CompanyName', Value: 'nobody%', Operator: 'starts_with' })), [], '% is a character, not a wildcard');

    // Paging: size=1, following links.next (which carries the filter) or only the token.
    const seen: string[] = [];
    let res = await list({ Field: 'CompanyName', Value: 'contoso', Operator: 'starts_with' }, '&size=1');
    for (let page = 0; ; page++) {
      assert.equal(res.statusCode, 200, res.body);
      seen.push(...names(res));
      const next = res.json().links.next;
      if (!next) break;
      assert.match(next.uri, /^\/customers\?size=1&filter=.+&seekOperation=Next$/);
      assert.ok(page < 4, 'paging ends');
      const url = page % 2 ? `/v1${next.uri}` : '/v1/customers?size=1&seekOperation=Next';
      res = await call(ctx.app, 'GET', url, { token: partner.appToken, headers: { 'MS-ContinuationToken': next.headers[0].value } });
    }
    assert.deepEqual(seen, ['Contoso East', 'contoso West', 'Contoso North']);

    const token = (await list({ Field: 'CompanyName', Value: 'contoso', Operator: 'starts_with' }, '&size=1')).json().continuationToken;
    for (const [what, filter, headers] of [
      ['not JSON', '{Field:CompanyName}', {}],
      ['an array', '[]', {}],
      ['an unknown field', { Field: 'Country', Value: 'US', Operator: 'starts_with' }, {}],
      ['another operator', { Field: 'CompanyName', Value: 'c', Operator: 'equals' }, {}],
      ['a value that is no string', { Field: 'CompanyName', Value: 5, Operator: 'starts_with' }, {}],
      ['no operator', { Field: 'CompanyName', Value: 'c' }, {}],
      ['a NUL escaped in the JSON (the fuzz test found it a 500)', '{"Field":"CompanyName","Value":"\\u0000","Operator":"starts_with"}', {}],
      ['a lone surrogate escaped in the JSON', '{"Field":"Domain","Value":"a\\ud800","Operator":"starts_with"}', {}],
      ['another filter than the token\'s', { Field: 'Domain', Value: 'c', Operator: 'starts_with' }, { 'MS-ContinuationToken': token }],
    ] as const) {
      const f = typeof filter === 'string' ? filter : JSON.stringify(filter);
      const bad = await call(ctx.app, 'GET', `/v1/customers?filter=${encodeURIComponent(f)}${'MS-ContinuationToken' in headers ? '&seekOperation=Next' : ''}`, { token: partner.appToken, headers });
      assert.equal(bad.statusCode, 400, `${what}: ${bad.body}`);
      assert.equal(bad.json().code, 800002, what);
    }
  });
});
