/**
 * Carts as Partner Center clients use them: the create-a-cart doc request as written, the .NET SDK's
 * PascalCase bodies, the Java SDK's PUT of the whole cart, line problems inside the 201 Cart, and the
 * 4xx error bodies, ids, authentication and headers a client relies on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, type JWK } from 'jose';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

let ctx: TestContext;
let p: Partner;
/** Another partner tenant: its ids must be invisible to `p`. */
let other: Partner;
before(async () => {
  ctx = await startApp();
  p = await newPartner(ctx.app);
  other = await newPartner(ctx.app);
});
after(() => ctx.close());

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 24 * 3600 * 1000;
const cartsUrl = (customerId: string) => `/v1/customers/${customerId}/carts`;
const cartUrl = (customerId: string, cartId: string) => `/v1/customers/${customerId}/carts/${cartId}`;

/** A valid new-commerce licence line (Microsoft 365 Business Basic, US), grouped as "0" when alone. */
const nceLine = (id = 0, quantity = 2) => ({ id, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity, billingCycle: 'monthly', termDuration: 'P1M' });

interface WireLine {
  id: number;
  catalogItemId: string;
  quantity: number;
  billingCycle: string;
  termDuration?: string;
  currencyCode?: string;
  orderGroup?: string;
  provisioningContext?: Record<string, string>;
  renewsTo?: { termDuration: string };
  participants?: { key: string; value: string }[];
  error?: { errorCode: number; errorDescription: string };
}

/** Asserts Partner Center's error body `{code, description, data, source}` with this status and code. */
function assertErrorBody(res: { statusCode: number; body: string; json(): unknown }, status: number, code?: number) {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json() as { code: unknown; description: unknown; data: unknown; source: unknown };
  assert.equal(typeof body.code, 'number', res.body);
  assert.equal(typeof body.description, 'string', res.body);
  assert.ok(Array.isArray(body.data), res.body);
  assert.equal(typeof body.source, 'string', res.body);
  if (code !== undefined) assert.equal(body.code, code, res.body);
}

/** A new customer of `partner` (with its own Azure subscription and demo cart). */
async function newCustomer(partner: Partner): Promise<Partner['customers'][number]> {
  const res = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${partner.tenantId}/customers`, payload: {} });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

/** The create-a-cart.md request body, character for character (its comments included). */
const DOC_CREATE_CART_BODY = `{
  "lineItems": [
    {
    /* Microsoft Azure Subscription */
      "id": 0,
      "catalogItemId": "MS-AZR-0145P",
      "quantity": 1,
      "billingCycle": "monthly",
      "termDuration": "P1Y"
    },
    {
    /* Azure Reserved Instance */
      "id": 1,
      "catalogItemId": "DZH318Z0BQ36:004G:DZH318Z08C0S",
      "quantity": 1,
      "billingCycle": "one_time",
      "termDuration": "P1Y",
      "provisioningContext": {
        "subscriptionId": "1C461A25-F729-4FA5-AADB-280947DD05E8",
        "scope": "shared"
      }
    },
    {
    /* Azure Reserved Instance */
      "id": 2,
      "catalogItemId": "DZH318Z0BQ36:004J:DZH318Z08B8X",
      "quantity": 1,
      "billingCycle": "one_time",
      "termDuration": "P3Y",
      "provisioningContext": {
        "subscriptionId": "1C461A25-F729-4FA5-AADB-280947DD05E8",
        "scope": "single"
      }
    },
    {
    /* Perpetual Software */
      "id": 3,
      "catalogItemId": "DG7GMGF0DWTL:0001:DG7GMGF0DSFM",
      "quantity": 1,
      "billingCycle": "one_time"
    },
    {
    /* SaaS */
      "id": 4,
      "catalogItemId": "DZH318Z0BXWC:0002:DZH318Z0BMRV",
      "quantity": 1,
      "billingCycle": "monthly",
      "termDuration": "P1M"
    },
  {
    /* SaaS Free Trial */
       "id": 5,
       "catalogItemId": "DZH318Z0C0WF:0001:DZH318Z0BP69",
       "quantity": 10,
       "billingCycle": "none",
       "termDuration": "P1M",
       "renewsTo": {
         "termDuration": "P1Y"
       }
    }
  ]
}`;

describe('the create-a-cart doc example', () => {
  test('the request as written (comments included) creates the doc response cart', async () => {
    const c = p.customers[0];
    const body = DOC_CREATE_CART_BODY.replaceAll('1C461A25-F729-4FA5-AADB-280947DD05E8', c.azureSubscriptionId);
    const res = await ctx.app.inject({
      method: 'POST',
      url: cartsUrl(c.id),
      headers: {
        Authorization: `Bearer ${p.appToken}`,
        Accept: 'application/json',
        'MS-RequestId': randomUUID(),
        'MS-CorrelationId': '0e93c70c-977a-4a88-9580-7cf084c73286',
        'X-Locale': 'en-US',
        'MS-PartnerCenter-Client': 'Partner Center .NET SDK',
        'Content-Type': 'application/json',
        Host: 'api.partnercenter.microsoft.com',
        Expect: '100-continue',
      },
      payload: body,
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    const cart = res.json();
    assert.match(cart.id, GUID);
    assert.equal(cart.status, 'Active');
    assert.equal(cart.attributes.objectType, 'Cart');
    assert.equal(cart.links.self.uri, `/customers/${c.id}/carts/${cart.id}`);
    assert.equal(cart.links.self.method, 'GET');
    assert.deepEqual(cart.links.self.headers, []);
    assert.ok(!Number.isNaN(Date.parse(cart.creationTimestamp)));
    assert.equal(Date.parse(cart.expirationTimestamp) - Date.parse(cart.creationTimestamp), 7 * DAY_MS, 'carts expire 7 days after creation');
    assert.ok(cart.lastModifiedUser, 'lastModifiedUser is set');

    const lines: WireLine[] = cart.lineItems;
    assert.deepEqual(lines.map((l) => l.id), [0, 1, 2, 3, 4, 5]);
    for (const l of lines) {
      assert.ok(Number.isInteger(l.id));
      assert.equal(l.error, undefined, `line ${l.id}: ${JSON.stringify(l.error)}`);
      assert.equal(l.currencyCode, 'USD');
    }
    assert.deepEqual(lines.map((l) => l.orderGroup), ['OMS-0', '0', '0', '0', '1', '2']);
    assert.deepEqual(
      lines.map((l) => [l.catalogItemId, l.quantity, l.billingCycle, l.termDuration]),
      [
        ['MS-AZR-0145P', 1, 'monthly', 'P1Y'],
        ['DZH318Z0BQ36:004G:DZH318Z08C0S', 1, 'one_time', 'P1Y'],
        ['DZH318Z0BQ36:004J:DZH318Z08B8X', 1, 'one_time', 'P3Y'],
        ['DG7GMGF0DWTL:0001:DG7GMGF0DSFM', 1, 'one_time', undefined],
        ['DZH318Z0BXWC:0002:DZH318Z0BMRV', 1, 'monthly', 'P1M'],
        ['DZH318Z0C0WF:0001:DZH318Z0BP69', 10, 'none', 'P1M'],
      ],
    );
    assert.deepEqual(lines[1].provisioningContext, { subscriptionId: c.azureSubscriptionId, scope: 'shared' });
    assert.deepEqual(lines[2].provisioningContext, { subscriptionId: c.azureSubscriptionId, scope: 'single' });
    assert.deepEqual(lines[5].renewsTo, { termDuration: 'P1Y' });

    const read = await call(ctx.app, 'GET', cartUrl(c.id, cart.id), { token: p.appToken });
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json(), cart, 'GET returns the cart as created');
  });
});

describe('.NET SDK bodies', () => {
  const dotNetLine = (overrides: Record<string, unknown> = {}) => ({
    Id: 0,
    CatalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971',
    FriendlyName: null,
    Quantity: 3,
    CurrencyCode: null,
    BillingCycle: 'Monthly',
    TermDuration: 'P1M',
    PromotionId: null,
    ProvisioningContext: null,
    OrderGroup: null,
    AddonItems: null,
    Error: null,
    RenewsTo: null,
    Participants: null,
    CustomTermEndDate: null,
    AttestationAccepted: null,
    ...overrides,
  });

  test('PascalCase names, explicit nulls and read-only fields (Id null) → 201, enums come back snake_case', async () => {
    const c = p.customers[0];
    const body = {
      Id: null,
      CreationTimestamp: null,
      LastModifiedTimestamp: null,
      ExpirationTimestamp: '0001-01-01T00:00:00',
      LastModifiedUser: null,
      LineItems: [dotNetLine()],
      Status: 'Active',
      PartnerOnRecordAttestationAccepted: null,
      Links: null,
      Attributes: { Etag: null, ObjectType: 'Cart' },
    };
    const res = await call(ctx.app, 'POST', cartsUrl(c.id), { token: p.appToken, body, headers: { 'MS-PartnerCenter-Client': 'Partner Center .NET SDK', Expect: '100-continue' } });
    assert.equal(res.statusCode, 201, res.body);
    const cart = res.json();
    assert.match(cart.id, GUID);
    assert.equal(cart.status, 'Active');
    assert.notEqual(cart.expirationTimestamp.slice(0, 4), '0001', 'ExpirationTimestamp is read-only');
    assert.equal(Date.parse(cart.expirationTimestamp) - Date.parse(cart.creationTimestamp), 7 * DAY_MS);
    const [line] = cart.lineItems as WireLine[];
    assert.equal(line.error, undefined, JSON.stringify(line.error));
    assert.equal(line.billingCycle, 'monthly');
    assert.equal(line.quantity, 3);
    assert.equal(line.termDuration, 'P1M');
    assert.equal(line.catalogItemId, 'CFQ7TTC0LH18:0001:CFQ7TTC0K971');
    assert.equal(line.orderGroup, '0');
    assert.equal(line.currencyCode, 'USD');
    for (const key of ['renewsTo', 'participants', 'provisioningContext', 'promotionId', 'friendlyName']) {
      assert.ok(!(key in line) || (line as unknown as Record<string, unknown>)[key] !== null, `${key} is not echoed as null`);
    }
    assert.equal((line as unknown as Record<string, unknown>).promotionId, undefined, 'a null PromotionId is no promotion');
  });

  test('a cart re-sent with a GUID Id, Links and OneTime / participant enums → 201 with a new id', async () => {
    const c = p.customers[0];
    const sentId = randomUUID();
    const body = {
      Id: sentId,
      CreationTimestamp: '2019-01-16T00:45:41.6062996Z',
      LastModifiedTimestamp: '2019-01-16T00:45:41.6062996Z',
      ExpirationTimestamp: '0001-01-01T00:00:00',
      LastModifiedUser: randomUUID(),
      LineItems: [
        dotNetLine({ Participants: [{ Key: 'transaction_reseller', Value: '5165347' }] }),
        dotNetLine({ Id: 1, CatalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', Quantity: 1, BillingCycle: 'OneTime', TermDuration: null }),
      ],
      Status: 'Active',
      PartnerOnRecordAttestationAccepted: null,
      Links: { Self: { Uri: `/customers/${c.id}/carts/${sentId}`, Method: 'GET', Headers: [] } },
      Attributes: { Etag: null, ObjectType: 'Cart' },
    };
    const res = await call(ctx.app, 'POST', cartsUrl(c.id), { token: p.appToken, body });
    assert.equal(res.statusCode, 201, res.body);
    const cart = res.json();
    assert.notEqual(cart.id, sentId, 'the server assigns the id');
    assert.notEqual(cart.creationTimestamp.slice(0, 4), '2019');
    const lines = cart.lineItems as WireLine[];
    for (const l of lines) assert.equal(l.error, undefined, JSON.stringify(l.error));
    assert.equal(lines[0].billingCycle, 'monthly');
    assert.deepEqual(lines[0].participants, [{ key: 'transaction_reseller', value: '5165347' }]);
    assert.equal(lines[1].billingCycle, 'one_time');
    assert.deepEqual(lines.map((l) => l.orderGroup), ['0', '1']);
  });
});

describe('updating a cart (PUT)', () => {
  test('the Java SDK PUT of the whole cart as read back, with a new quantity → 201; the doc path with a trailing slash works', async () => {
    const c = p.customers[0];
    const created = await call(ctx.app, 'POST', cartsUrl(c.id), { token: p.appToken, body: { lineItems: [nceLine(0, 2)] } });
    assert.equal(created.statusCode, 201, created.body);
    const cartId = created.json().id;

    const javaHeaders = {
      'Content-Type': 'application/json; charset=utf-8',
      'MS-Contract-Version': 'v1',
      'MS-PartnerCenter-Client': 'Partner Center Java SDK',
      'X-Locale': 'en-US',
      'MS-RequestId': randomUUID(),
    };
    const readBack = (await call(ctx.app, 'GET', cartUrl(c.id, cartId), { token: p.appToken })).json();
    readBack.lineItems[0].quantity = 5;
    const put = await call(ctx.app, 'PUT', cartUrl(c.id, cartId), { token: p.appToken, body: readBack, headers: javaHeaders });
    assert.equal(put.statusCode, 201, put.body);
    const updated = put.json();
    assert.equal(updated.id, cartId);
    assert.equal(updated.status, 'Active');
    assert.equal(updated.lineItems.length, 1);
    assert.equal(updated.lineItems[0].quantity, 5);
    assert.equal(updated.lineItems[0].error, undefined);
    assert.equal(updated.lineItems[0].orderGroup, '0');
    assert.equal(updated.creationTimestamp, created.json().creationTimestamp);
    assert.equal(updated.expirationTimestamp, created.json().expirationTimestamp, 'an update does not extend the cart');
    assert.ok(Date.parse(updated.lastModifiedTimestamp) >= Date.parse(updated.creationTimestamp));

    // update-a-cart.md: PUT /v1/customers/{customer-id}/carts/{cart-id}/ (trailing slash)
    const again = (await call(ctx.app, 'GET', `${cartUrl(c.id, cartId)}/`, { token: p.appToken })).json();
    assert.equal(again.lineItems[0].quantity, 5);
    again.lineItems[0].quantity = 7;
    const slash = await call(ctx.app, 'PUT', `${cartUrl(c.id, cartId)}/`, { token: p.appToken, body: again, headers: { ...javaHeaders, 'MS-RequestId': randomUUID() } });
    assert.equal(slash.statusCode, 201, slash.body);
    assert.equal(slash.json().lineItems[0].quantity, 7);
    const final = await call(ctx.app, 'GET', cartUrl(c.id, cartId), { token: p.appToken });
    assert.equal(final.json().lineItems[0].quantity, 7);
  });

  test('PUT replaces the lines (fewer lines afterwards) and regroups them', async () => {
    const c = p.customers[0];
    const created = await call(ctx.app, 'POST', cartsUrl(c.id), {
      token: p.appToken,
      body: {
        lineItems: [
          nceLine(0),
          { id: 1, catalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', quantity: 1, billingCycle: 'one_time' },
          { id: 2, catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
        ],
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json().lineItems.map((l: WireLine) => l.orderGroup), ['0', '1', '0']);
    const cartId = created.json().id;
    const put = await call(ctx.app, 'PUT', cartUrl(c.id, cartId), {
      token: p.appToken,
      body: { lineItems: [{ id: 0, catalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', quantity: 2, billingCycle: 'one_time' }] },
    });
    assert.equal(put.statusCode, 201, put.body);
    assert.equal(put.json().lineItems.length, 1);
    assert.equal(put.json().lineItems[0].catalogItemId, 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM');
    assert.equal(put.json().lineItems[0].orderGroup, '0');
    const read = await call(ctx.app, 'GET', cartUrl(c.id, cartId), { token: p.appToken });
    assert.deepEqual(read.json(), put.json());
  });

  test('lastModifiedUser is the app on create and the signed-in user after an app+user PUT', async () => {
    const c = p.customers[0];
    const created = await call(ctx.app, 'POST', cartsUrl(c.id), { token: p.appToken, body: { lineItems: [nceLine()] } });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().lastModifiedUser, decodeJwt(p.appToken).appid);
    const put = await call(ctx.app, 'PUT', cartUrl(c.id, created.json().id), { token: p.userToken, body: { lineItems: [nceLine(0, 4)] } });
    assert.equal(put.statusCode, 201, put.body);
    const oid = decodeJwt(p.userToken).oid;
    assert.ok(typeof oid === 'string' && oid.length > 0);
    assert.equal(put.json().lastModifiedUser, oid);
  });

  test('PUT on an Ordered cart (after checkout) → 400·800065, the cart unchanged', async () => {
    const c = p.customers[0];
    const created = await call(ctx.app, 'POST', cartsUrl(c.id), { token: p.appToken, body: { lineItems: [nceLine(0, 2)] } });
    const cartId = created.json().id;
    const checkout = await call(ctx.app, 'POST', `${cartUrl(c.id, cartId)}/checkout`, { token: p.appToken, body: '"success"' });
    assert.equal(checkout.statusCode, 201, checkout.body);
    const ordered = (await call(ctx.app, 'GET', cartUrl(c.id, cartId), { token: p.appToken })).json();
    assert.equal(ordered.status, 'Ordered');
    const resend = structuredClone(ordered);
    resend.lineItems[0].quantity = 9;
    const put = await call(ctx.app, 'PUT', cartUrl(c.id, cartId), { token: p.appToken, body: resend });
    assertErrorBody(put, 400, 800065);
    const after = await call(ctx.app, 'GET', cartUrl(c.id, cartId), { token: p.appToken });
    assert.deepEqual(after.json(), ordered);
  });
});

describe('line problems come back in the 201 Cart', () => {
  interface Case {
    name: string;
    line: (c: Partner['customers'][number]) => Record<string, unknown>;
    code?: number;
  }
  const ri = (provisioningContext: Record<string, string>) => ({
    catalogItemId: 'DZH318Z0BQ36:004G:DZH318Z08C0S',
    quantity: 1,
    billingCycle: 'one_time',
    termDuration: 'P1Y',
    provisioningContext,
  });
  let otherCustomerSubscription: string;
  before(() => {
    otherCustomerSubscription = other.customers[0].azureSubscriptionId;
  });
  const cases: Case[] = [
    { name: 'unknown catalog item → 10001', code: 10001, line: () => ({ catalogItemId: 'NOPE0000NOPE:0001:NOPE0000NOPE', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' }) },
    { name: 'an item of another country (GB availability, US customer) → 10001', code: 10001, line: () => ({ catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K972', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' }) },
    { name: 'an item that is not purchasable → a line error', line: () => ({ catalogItemId: 'CFQ7TTC0LF8Q:0001:CFQ7TTC0KJ4N', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' }) },
    { name: 'an unsupported billing cycle (annual Barracuda) → 10013', code: 10013, line: () => ({ catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'annual', termDuration: 'P1M' }) },
    { name: 'no billingCycle → 10013', code: 10013, line: () => ({ catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 1, termDuration: 'P1M' }) },
    { name: 'quantity 0 → 10010', code: 10010, line: () => ({ catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 0, billingCycle: 'monthly', termDuration: 'P1M' }) },
    { name: 'quantity above the maximum → 10015', code: 10015, line: () => ({ catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 11, billingCycle: 'monthly', termDuration: 'P1M' }) },
    { name: 'a term the NCE availability does not offer (P3Y) → 400039', code: 400039, line: () => ({ catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 1, billingCycle: 'monthly', termDuration: 'P3Y' }) },
    { name: 'a reservation without scope → 10010', code: 10010, line: (c) => ri({ subscriptionId: c.azureSubscriptionId }) },
    { name: 'a reservation against a random subscription GUID → 10007', code: 10007, line: () => ri({ subscriptionId: randomUUID(), scope: 'shared' }) },
    { name: "a reservation against another partner's customer's Azure subscription → 10007", code: 10007, line: () => ri({ subscriptionId: otherCustomerSubscription, scope: 'shared' }) },
    { name: 'a promotionId that is not valid → 10014', code: 10014, line: () => ({ catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y', promotionId: '39NFJQT1Q5KPZ:0001:39NFJQT1Q5KPZ' }) },
    { name: 'a legacy add-on offer on a line of its own → 10006', code: 10006, line: () => ({ catalogItemId: '2828BE95-46BA-4F91-B2FD-0BEF192ECF60', quantity: 1, billingCycle: 'monthly' }) },
  ];

  const assertLineError = (line: WireLine, code: number | undefined, label: string) => {
    assert.ok(line.error, `${label}: expected an error on line ${line.id}, got ${JSON.stringify(line)}`);
    assert.ok(Number.isInteger(line.error.errorCode), `${label}: errorCode is an integer`);
    assert.notEqual(line.error.errorCode, 0, label);
    assert.equal(typeof line.error.errorDescription, 'string');
    assert.ok(line.error.errorDescription.length > 0);
    if (code !== undefined) assert.equal(line.error.errorCode, code, `${label}: ${line.error.errorDescription}`);
    assert.equal(line.orderGroup, undefined, `${label}: a line with an error has no orderGroup`);
  };

  for (const tc of cases) {
    test(tc.name, async () => {
      const c = p.customers[0];
      const res = await call(ctx.app, 'POST', cartsUrl(c.id), { token: p.appToken, body: { lineItems: [nceLine(0), { id: 1, ...tc.line(c) }] } });
      assert.equal(res.statusCode, 201, res.body);
      const [good, bad] = res.json().lineItems as WireLine[];
      assertLineError(bad, tc.code, tc.name);
      assert.equal(good.error, undefined, JSON.stringify(good.error));
      assert.equal(good.orderGroup, '0', 'the valid line in the same cart is still grouped');
    });
  }

  test('all of them in one cart: each bad line has its error, the valid lines keep their groups; PUT re-validates', async () => {
    const c = p.customers[0];
    const lineItems = [
      { id: 0, catalogItemId: 'MS-AZR-0145P', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y' },
      ...cases.map((tc, i) => ({ id: i + 1, ...tc.line(c) })),
      nceLine(cases.length + 1),
    ];
    const res = await call(ctx.app, 'POST', cartsUrl(c.id), { token: p.appToken, body: { lineItems } });
    assert.equal(res.statusCode, 201, res.body);
    const lines = res.json().lineItems as WireLine[];
    assert.deepEqual(lines.map((l) => l.id), lineItems.map((l) => l.id));
    cases.forEach((tc, i) => assertLineError(lines[i + 1], tc.code, tc.name));
    assert.equal(lines[0].error, undefined);
    assert.equal(lines[0].orderGroup, 'OMS-0');
    assert.equal(lines.at(-1)!.error, undefined);
    assert.equal(lines.at(-1)!.orderGroup, '0');

    // Fixing the cart with a PUT clears the errors.
    const put = await call(ctx.app, 'PUT', cartUrl(c.id, res.json().id), { token: p.appToken, body: { lineItems: [lineItems[0], lineItems.at(-1)] } });
    assert.equal(put.statusCode, 201, put.body);
    for (const l of put.json().lineItems as WireLine[]) assert.equal(l.error, undefined);
    assert.deepEqual(put.json().lineItems.map((l: WireLine) => l.orderGroup), ['OMS-0', '0']);
  });

  test('a line error set by PUT comes back in the 201 too', async () => {
    const c = p.customers[0];
    const created = await call(ctx.app, 'POST', cartsUrl(c.id), { token: p.appToken, body: { lineItems: [nceLine()] } });
    const put = await call(ctx.app, 'PUT', cartUrl(c.id, created.json().id), { token: p.appToken, body: { lineItems: [nceLine(0, 0)] } });
    assert.equal(put.statusCode, 201, put.body);
    assertLineError(put.json().lineItems[0], 10010, 'quantity 0 on PUT');
  });
});

describe('malformed requests are 400 error bodies, never 500', () => {
  const post = (body: unknown, headers?: Record<string, string>) => call(ctx.app, 'POST', cartsUrl(p.customers[0].id), { token: p.appToken, body, headers });

  test('a body that is not JSON → 400·800002', async () => {
    assertErrorBody(await post('this is not json'), 400, 800002);
    assertErrorBody(await post('{"lineItems": [{"id": 0,'), 400, 800002);
  });

  test('lineItems missing or empty, or bodies of the wrong shape → 400·800002', async () => {
    assertErrorBody(await post({}), 400, 800002);
    assertErrorBody(await post({ lineItems: [] }), 400, 800002);
    assertErrorBody(await post({ lineItems: null }), 400, 800002);
    assertErrorBody(await post({ lineItems: { id: 0 } }), 400, 800002);
    assertErrorBody(await post('[]'), 400, 800002);
    assertErrorBody(await post('null'), 400, 800002);
    assertErrorBody(await post('"success"'), 400, 800002);
  });

  test('a bodiless create → 400·800002', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: cartsUrl(p.customers[0].id),
      headers: { authorization: `Bearer ${p.appToken}`, 'content-type': 'application/json', 'content-length': '0' },
    });
    assertErrorBody(res, 400, 800002);
  });

  test('quantity "abc" (or 1.5) → 400·800002', async () => {
    assertErrorBody(await post({ lineItems: [{ ...nceLine(), quantity: 'abc' }] }), 400, 800002);
    assertErrorBody(await post({ lineItems: [{ ...nceLine(), quantity: 1.5 }] }), 400, 800002);
  });

  test('billingCycle "weekly" → 400·900126', async () => {
    assertErrorBody(await post({ lineItems: [{ ...nceLine(), billingCycle: 'weekly' }] }), 400, 900126);
  });

  test('participant key "bogus" → 400·900126', async () => {
    assertErrorBody(await post({ lineItems: [{ ...nceLine(), participants: [{ key: 'bogus', value: '5165347' }] }] }), 400, 900126);
  });

  test('more than 100 lines → 400·800002', async () => {
    const lineItems = Array.from({ length: 101 }, (_, i) => nceLine(i, 1));
    assertErrorBody(await post({ lineItems }), 400, 800002);
    const hundred = await post({ lineItems: lineItems.slice(0, 100) });
    assert.equal(hundred.statusCode, 201, 'exactly 100 lines are allowed');
  });

  test('the same problems on PUT are 400s too', async () => {
    const c = p.customers[0];
    const url = cartUrl(c.id, c.cartId);
    assertErrorBody(await call(ctx.app, 'PUT', url, { token: p.appToken, body: 'not json' }), 400, 800002);
    assertErrorBody(await call(ctx.app, 'PUT', url, { token: p.appToken, body: { lineItems: [] } }), 400, 800002);
    assertErrorBody(await call(ctx.app, 'PUT', url, { token: p.appToken, body: { lineItems: [{ ...nceLine(), billingCycle: 'weekly' }] } }), 400, 900126);
  });

  test('Content-Type text/plain (or XML) with a body → 415', async () => {
    const json = JSON.stringify({ lineItems: [nceLine()] });
    assertErrorBody(await post('<Cart xmlns="http://schemas.microsoft.com/partner"/>', { 'content-type': 'application/xml' }), 415);
    assertErrorBody(await post(json, { 'content-type': 'text/plain' }), 415);
    assertErrorBody(await post(json, { 'content-type': 'text/plain; charset=utf-8' }), 415);
  });

  test('deeply nested JSON (10 000 levels, ~50 KB, under the size limit) → 400·800002, not 500', async () => {
    const depth = 10_000;
    const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    assertErrorBody(await post(`{"x":${nested},"lineItems":[${JSON.stringify(nceLine())}]}`), 400, 800002);
    assertErrorBody(await post(`{"lineItems":${'['.repeat(depth)}${']'.repeat(depth)}}`), 400, 800002);
  });

  test('a body over the limit (2 MB) → 413', async () => {
    const res = await post({ lineItems: [{ ...nceLine(), friendlyName: 'x'.repeat(2 * 1024 * 1024) }] });
    assertErrorBody(res, 413);
  });
});

describe('ids', () => {
  test('a customer id that is not a GUID → 400·900118', async () => {
    assertErrorBody(await call(ctx.app, 'POST', cartsUrl('not-a-guid'), { token: p.appToken, body: { lineItems: [nceLine()] } }), 400, 900118);
    assertErrorBody(await call(ctx.app, 'GET', cartUrl('not-a-guid', randomUUID()), { token: p.appToken }), 400, 900118);
  });

  test("an unknown customer GUID, or another partner's customer → 404", async () => {
    assertErrorBody(await call(ctx.app, 'POST', cartsUrl(randomUUID()), { token: p.appToken, body: { lineItems: [nceLine()] } }), 404);
    const theirs = other.customers[0];
    assertErrorBody(await call(ctx.app, 'POST', cartsUrl(theirs.id), { token: p.appToken, body: { lineItems: [nceLine()] } }), 404);
    assertErrorBody(await call(ctx.app, 'GET', cartUrl(theirs.id, theirs.cartId), { token: p.appToken }), 404);
  });

  test('an unknown cart GUID → 404·800008 (GET, PUT and checkout)', async () => {
    const c = p.customers[0];
    const url = cartUrl(c.id, randomUUID());
    assertErrorBody(await call(ctx.app, 'GET', url, { token: p.appToken }), 404, 800008);
    assertErrorBody(await call(ctx.app, 'PUT', url, { token: p.appToken, body: { lineItems: [nceLine()] } }), 404, 800008);
    assertErrorBody(await call(ctx.app, 'POST', `${url}/checkout`, { token: p.appToken }), 404, 800008);
  });

  test('a cart id that is not a GUID → 404·800008', async () => {
    const c = p.customers[0];
    assertErrorBody(await call(ctx.app, 'GET', cartUrl(c.id, 'not-a-cart'), { token: p.appToken }), 404, 800008);
    assertErrorBody(await call(ctx.app, 'PUT', cartUrl(c.id, 'not-a-cart'), { token: p.appToken, body: { lineItems: [nceLine()] } }), 404, 800008);
  });

  test('a cart id of 200 characters (not a GUID) → 404·800008; a customer id of 200 characters → 400·900118', async () => {
    const c = p.customers[0];
    const long = 'x'.repeat(200);
    assertErrorBody(await call(ctx.app, 'GET', cartUrl(c.id, long), { token: p.appToken }), 404, 800008);
    assertErrorBody(await call(ctx.app, 'PUT', cartUrl(c.id, long), { token: p.appToken, body: { lineItems: [nceLine()] } }), 404, 800008);
    assertErrorBody(await call(ctx.app, 'GET', cartUrl(long, randomUUID()), { token: p.appToken }), 400, 900118);
    assertErrorBody(await call(ctx.app, 'POST', cartsUrl(long), { token: p.appToken, body: { lineItems: [nceLine()] } }), 400, 900118);
  });

  test('a cart id of 300 characters (past the router limit) → 404·800008 with the Partner Center headers', async () => {
    const c = p.customers[0];
    const requestId = randomUUID();
    const res = await call(ctx.app, 'GET', cartUrl(c.id, 'x'.repeat(300)), { token: p.appToken, headers: { 'MS-RequestId': requestId } });
    assertErrorBody(res, 404, 800008);
    assert.equal(res.headers['ms-requestid'], requestId);
  });

  test('a cart id with broken percent-encoding (%ZZ) → a Partner Center error body', async () => {
    const c = p.customers[0];
    const res = await call(ctx.app, 'GET', cartUrl(c.id, '%ZZ'), { token: p.appToken });
    assert.ok([400, 404].includes(res.statusCode), `${res.statusCode} ${res.body}`);
    assertErrorBody(res, res.statusCode);
  });

  test("another customer's cart (same partner) → 404·800008", async () => {
    const mine = p.customers[0];
    const second = await newCustomer(p);
    assertErrorBody(await call(ctx.app, 'GET', cartUrl(mine.id, second.cartId), { token: p.appToken }), 404, 800008);
  });

  test('ids are read case-insensitively', async () => {
    const c = p.customers[0];
    const res = await call(ctx.app, 'GET', cartUrl(c.id.toUpperCase(), c.cartId.toUpperCase()), { token: p.appToken });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().id, c.cartId);
  });
});

describe('authentication', () => {
  const url = () => cartUrl(p.customers[0].id, p.customers[0].cartId);

  test('no Authorization → 401·800001 with WWW-Authenticate', async () => {
    const res = await call(ctx.app, 'GET', url());
    assertErrorBody(res, 401, 800001);
    assert.match(String(res.headers['www-authenticate']), /^OAuth realm=urn:cpsvc:cpid:/);
    const post = await call(ctx.app, 'POST', cartsUrl(p.customers[0].id), { body: { lineItems: [nceLine()] } });
    assertErrorBody(post, 401, 800001);
    const basic = await call(ctx.app, 'GET', url(), { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assertErrorBody(basic, 401, 800001);
  });

  test('a garbage token → 401·400', async () => {
    const res = await call(ctx.app, 'GET', url(), { token: 'not.a.jwt' });
    assertErrorBody(res, 401, 400);
    assert.ok(res.headers['www-authenticate']);
  });

  test('a token signed by another key (same claims, same kid) → 401', async () => {
    const claims = decodeJwt(p.appToken);
    const { kid } = decodeProtectedHeader(p.appToken);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ tid: claims.tid, appid: claims.appid, idtyp: 'app' })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(claims.iss!)
      .setAudience(claims.aud!)
      .setSubject(claims.sub!)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    assertErrorBody(await call(ctx.app, 'GET', url(), { token: forged }), 401, 400);
    assertErrorBody(await call(ctx.app, 'POST', cartsUrl(p.customers[0].id), { token: forged, body: { lineItems: [nceLine()] } }), 401, 400);
  });

  test('an expired token, or one for another audience, signed by the right key → 401', async () => {
    const [row] = await ctx.db.query<{ kid: string; private_jwk: JWK }>('SELECT kid, private_jwk FROM signing_keys ORDER BY created_at DESC LIMIT 1');
    const key = await importJWK(row.private_jwk, 'RS256');
    const claims = decodeJwt(p.appToken);
    const sign = (aud: string, exp: number) =>
      new SignJWT({ tid: claims.tid, appid: claims.appid, idtyp: 'app' })
        .setProtectedHeader({ alg: 'RS256', kid: row.kid, typ: 'JWT' })
        .setIssuer(claims.iss!)
        .setAudience(aud)
        .setIssuedAt(exp - 3600)
        .setExpirationTime(exp)
        .sign(key);
    const now = Math.floor(Date.now() / 1000);
    // The control: the same construction with valid values is accepted.
    assert.equal((await call(ctx.app, 'GET', url(), { token: await sign(String(claims.aud), now + 600) })).statusCode, 200);
    assertErrorBody(await call(ctx.app, 'GET', url(), { token: await sign(String(claims.aud), now - 600) }), 401, 400);
    assertErrorBody(await call(ctx.app, 'GET', url(), { token: await sign('https://management.azure.com', now + 600) }), 401, 400);
  });

  test('an app+user token works for create, get, update and checkout', async () => {
    const c = await newCustomer(p);
    const created = await call(ctx.app, 'POST', cartsUrl(c.id), { token: p.userToken, body: { lineItems: [nceLine()] } });
    assert.equal(created.statusCode, 201, created.body);
    const cartId = created.json().id;
    const got = await call(ctx.app, 'GET', cartUrl(c.id, cartId), { token: p.userToken });
    assert.equal(got.statusCode, 200);
    const put = await call(ctx.app, 'PUT', cartUrl(c.id, cartId), { token: p.userToken, body: { lineItems: [nceLine(0, 3)] } });
    assert.equal(put.statusCode, 201, put.body);
    const checkout = await call(ctx.app, 'POST', `${cartUrl(c.id, cartId)}/checkout`, { token: p.userToken });
    assert.equal(checkout.statusCode, 201, checkout.body);
  });

  test("a partner's token does not reach another partner's cart", async () => {
    const theirs = other.customers[0];
    assert.equal((await call(ctx.app, 'GET', cartUrl(theirs.id, theirs.cartId), { token: other.appToken })).statusCode, 200);
    assertErrorBody(await call(ctx.app, 'GET', cartUrl(theirs.id, theirs.cartId), { token: p.userToken }), 404);
  });
});

describe('headers', () => {
  test('MS-RequestId and MS-CorrelationId are echoed when sent (GET and POST)', async () => {
    const c = p.customers[0];
    for (const [method, body] of [['GET', undefined], ['POST', { lineItems: [nceLine()] }]] as const) {
      const requestId = randomUUID();
      const correlationId = randomUUID();
      const url = method === 'GET' ? cartUrl(c.id, c.cartId) : cartsUrl(c.id);
      const res = await call(ctx.app, method, url, { token: p.appToken, body, headers: { 'MS-RequestId': requestId, 'MS-CorrelationId': correlationId } });
      assert.ok(res.statusCode < 300, res.body);
      assert.equal(res.headers['ms-requestid'], requestId);
      assert.equal(res.headers['ms-correlationid'], correlationId);
      assert.match(String(res.headers['ms-cv']), /\.0$/);
      assert.ok(res.headers['ms-serverid']);
    }
  });

  test('generated as GUIDs when absent, fresh on each call', async () => {
    const c = p.customers[0];
    const a = await call(ctx.app, 'GET', cartUrl(c.id, c.cartId), { token: p.appToken });
    const b = await call(ctx.app, 'GET', cartUrl(c.id, c.cartId), { token: p.appToken });
    for (const res of [a, b]) {
      assert.match(String(res.headers['ms-requestid']), GUID);
      assert.match(String(res.headers['ms-correlationid']), GUID);
      assert.match(String(res.headers['ms-cv']), /^.+\.0$/);
    }
    assert.notEqual(a.headers['ms-requestid'], b.headers['ms-requestid']);
    assert.notEqual(a.headers['ms-correlationid'], b.headers['ms-correlationid']);
  });

  test('MS-CV: the client vector is extended with ".0"', async () => {
    const c = p.customers[0];
    const res = await call(ctx.app, 'GET', cartUrl(c.id, c.cartId), { token: p.appToken, headers: { 'MS-CV': 'sF/wRa2ih0CzbABc.1' } });
    assert.equal(res.headers['ms-cv'], 'sF/wRa2ih0CzbABc.1.0');
  });

  test('error responses carry the headers too (401, 400, 404)', async () => {
    const c = p.customers[0];
    const responses = [
      await call(ctx.app, 'GET', cartUrl(c.id, c.cartId), { headers: { 'MS-RequestId': 'r-401', 'MS-CorrelationId': 'c-401' } }),
      await call(ctx.app, 'POST', cartsUrl(c.id), { token: p.appToken, body: 'nope', headers: { 'MS-RequestId': randomUUID(), 'MS-CorrelationId': 'c-400' } }),
      await call(ctx.app, 'GET', cartUrl(c.id, randomUUID()), { token: p.appToken, headers: { 'MS-RequestId': 'r-404', 'MS-CorrelationId': 'c-404' } }),
    ];
    assert.deepEqual(responses.map((r) => r.statusCode), [401, 400, 404]);
    assert.deepEqual(responses.map((r) => r.headers['ms-correlationid']), ['c-401', 'c-400', 'c-404']);
    assert.equal(responses[0].headers['ms-requestid'], 'r-401');
    assert.equal(responses[2].headers['ms-requestid'], 'r-404');
    for (const r of responses) {
      assert.match(String(r.headers['ms-cv']), /\.0$/);
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    }
  });
});
