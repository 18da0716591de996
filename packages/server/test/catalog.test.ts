/**
 * The catalog as clients browse it before building a cart: products of a country and target view,
 * their SKUs and availabilities (whose catalogItemId a cart line refers to), legacy offers, the
 * collection envelope, the Java SDK's query form, and the errors of a bad or missing query.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';
import { loadCatalogSeed } from '../src/seed/index.js';
import type { CatalogSeed } from '../src/modules/catalog/repo.js';

let ctx: TestContext;
let p: Partner;
let seed: CatalogSeed;
before(async () => {
  ctx = await startApp();
  p = await newPartner(ctx.app);
  seed = await loadCatalogSeed();
});
after(() => ctx.close());

type Res = Awaited<ReturnType<typeof call>>;
interface Link {
  uri: string;
  method: string;
  headers: unknown[];
}

const get = (url: string, token = p.appToken) => call(ctx.app, 'GET', url, { token });

/** A 200 with a JSON body. */
function ok(res: Res) {
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  return res.json();
}

/** A Partner Center error body `{code, description, data, source}` with the given status (and code). */
function error(res: Res, status: number, code?: number) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  assert.equal(typeof body.code, 'number', res.body);
  assert.equal(typeof body.description, 'string');
  assert.ok(body.description.length > 0 && body.description.length <= 1024);
  assert.ok(Array.isArray(body.data));
  assert.equal(typeof body.source, 'string');
  if (code !== undefined) assert.equal(body.code, code, res.body);
  return body;
}

function assertLink(l: Link, uri?: string) {
  assert.equal(typeof l.uri, 'string');
  assert.equal(l.method, 'GET');
  assert.deepEqual(l.headers, []);
  if (uri !== undefined) assert.equal(l.uri, uri);
}

function assertCollection(body: { totalCount: number; items: unknown[]; links: { self: Link }; attributes: { objectType: string } }, itemType: string) {
  assert.ok(Array.isArray(body.items), 'a collection is an object with items');
  assert.equal(body.totalCount, body.items.length);
  assertLink(body.links.self);
  assert.equal(body.attributes.objectType, 'Collection');
  for (const item of body.items as { attributes: { objectType: string } }[]) assert.equal(item.attributes.objectType, itemType);
}

/** Product ids of the seed with an availability in `country` and (optionally) the target view. */
function expectedProducts(country: string, targetView?: string): string[] {
  return seed.products
    .filter((pr) => !targetView || pr.targetViews.some((v) => v.toLowerCase() === targetView.toLowerCase()))
    .filter((pr) => pr.skus.some((s) => s.availabilities.some((a) => a.country === country)))
    .map((pr) => pr.id)
    .sort();
}
const idsOf = (body: { items: { id: string }[] }) => body.items.map((i) => i.id).sort();

const RI = 'DZH318Z0BQ36';

describe('GET /v1/products', () => {
  test('?country=US&targetView=Azure: a Collection of the Azure products, each a full Product', async () => {
    const body = ok(await get('/v1/products?country=US&targetView=Azure'));
    assertCollection(body, 'Product');
    const expected = expectedProducts('US', 'Azure');
    assert.ok(expected.includes(RI) && expected.length >= 2, 'the seed has Azure products');
    assert.deepEqual(idsOf(body), expected, 'only products of that target view');
    assert.ok(!idsOf(body).includes('CFQ7TTC0LH18'), 'no licence-based products in the Azure view');
    for (const product of body.items) {
      assert.equal(typeof product.id, 'string');
      assert.equal(typeof product.title, 'string');
      assert.ok(product.title.length > 0);
      assert.equal(typeof product.description, 'string');
      assert.equal(typeof product.productType.id, 'string');
      assert.equal(typeof product.productType.displayName, 'string');
      assert.equal(product.productType.id, 'Azure');
      assertLink(product.links.skus, `/products/${product.id}/skus?country=US`);
      assertLink(product.links.self, `/products/${product.id}?country=US`);
      assert.equal(product.attributes.objectType, 'Product');
    }
  });

  test('targetView is matched case-insensitively', async () => {
    const expected = expectedProducts('US', 'Azure');
    for (const view of ['azure', 'AZURE', 'aZuRe']) {
      assert.deepEqual(idsOf(ok(await get(`/v1/products?country=US&targetView=${view}`))), expected, view);
    }
    assert.deepEqual(idsOf(ok(await get('/v1/products?country=US&targetView=azurereservations'))), expectedProducts('US', 'AzureReservations'));
  });

  test('without targetView: every product of the country; an unknown view: an empty collection', async () => {
    const all = ok(await get('/v1/products?country=US'));
    assertCollection(all, 'Product');
    assert.deepEqual(idsOf(all), expectedProducts('US'));
    const none = ok(await get('/v1/products?country=US&targetView=NoSuchView'));
    assertCollection(none, 'Product');
    assert.equal(none.totalCount, 0);
  });

  test('the Java SDK form ?targetView=Azure&country=US answers the same', async () => {
    const java = ok(await call(ctx.app, 'GET', '/v1/products?targetView=Azure&country=US', {
      token: p.appToken,
      headers: { 'MS-Contract-Version': 'v1', 'MS-PartnerCenter-Client': 'Partner Center Java SDK', 'X-Locale': 'en-US' },
    }));
    const doc = ok(await get('/v1/products?country=US&targetView=Azure'));
    assert.deepEqual(java.items, doc.items);
    assert.equal(java.totalCount, doc.totalCount);
  });

  test('country missing: 400 with a Partner Center error body (800002)', async () => {
    error(await get('/v1/products'), 400, 800002);
    error(await get('/v1/products?targetView=Azure'), 400, 800002);
    error(await get('/v1/products?country='), 400, 800002);
    error(await get('/v1/products?country=USA'), 400, 800002);
  });

  test('country lower-case works: gb lists the GB products with GB links', async () => {
    const body = ok(await get('/v1/products?country=gb'));
    assertCollection(body, 'Product');
    assert.deepEqual(idsOf(body), expectedProducts('GB'));
    assert.ok(idsOf(body).includes('CFQ7TTC0LH18'));
    assert.ok(!idsOf(body).includes(RI), 'US-only products are not listed for GB');
    for (const product of body.items) assert.match(product.links.self.uri, /\?country=GB$/);
    assert.deepEqual(idsOf(ok(await get('/v1/products?country=us&targetView=Azure'))), expectedProducts('US', 'Azure'));
  });

  test('requires a bearer token: 401 without one, or with a bad one', async () => {
    for (const url of ['/v1/products?country=US&targetView=Azure', `/v1/products/${RI}?country=US`, '/v1/offers?country=US']) {
      const res = await call(ctx.app, 'GET', url);
      error(res, 401, 800001);
      assert.match(String(res.headers['www-authenticate']), /^OAuth realm=urn:cpsvc:cpid:/);
      error(await get(url, 'not-a-token'), 401);
    }
    ok(await get('/v1/products?country=US', p.userToken));
  });
});

describe('GET /v1/products/{id}, SKUs and availabilities', () => {
  test(`GET /v1/products/${RI}?country=US`, async () => {
    const product = ok(await get(`/v1/products/${RI}?country=US`));
    assert.equal(product.id, RI);
    assert.equal(typeof product.title, 'string');
    assert.equal(typeof product.description, 'string');
    assert.equal(product.productType.id, 'Azure');
    assert.equal(typeof product.productType.displayName, 'string');
    assert.equal(typeof product.isMicrosoftProduct, 'boolean');
    assert.equal(typeof product.publisherName, 'string');
    assertLink(product.links.skus, `/products/${RI}/skus?country=US`);
    assertLink(product.links.self, `/products/${RI}?country=US`);
    assert.equal(product.attributes.objectType, 'Product');
    const listed = ok(await get('/v1/products?country=US&targetView=Azure')).items.find((i: { id: string }) => i.id === RI);
    assert.deepEqual(product, listed, 'the product as listed');
  });

  test('its SKUs: one_time billing, reservation provisioning variables', async () => {
    const body = ok(await get(`/v1/products/${RI}/skus?country=US`));
    assertCollection(body, 'Sku');
    assert.deepEqual(idsOf(body), ['004G', '004J']);
    for (const sku of body.items) {
      assert.equal(sku.productId, RI);
      assert.equal(typeof sku.title, 'string');
      assert.equal(typeof sku.description, 'string');
      assert.ok(Number.isInteger(sku.minimumQuantity) && Number.isInteger(sku.maximumQuantity));
      assert.equal(sku.isTrial, false);
      assert.deepEqual(sku.supportedBillingCycles, ['one_time']);
      assert.ok(sku.provisioningVariables.includes('Scope'), JSON.stringify(sku.provisioningVariables));
      assert.ok(Array.isArray(sku.purchasePrerequisites));
      assert.ok(Array.isArray(sku.inventoryVariables));
      assert.equal(typeof sku.dynamicAttributes, 'object');
      assertLink(sku.links.availabilities, `/products/${RI}/skus/${sku.id}/availabilities?country=US`);
      assertLink(sku.links.self, `/products/${RI}/skus/${sku.id}?country=US`);
    }
  });

  test('a SKU by id equals the listed one', async () => {
    const sku = ok(await get(`/v1/products/${RI}/skus/004G?country=US`));
    assert.equal(sku.id, '004G');
    assert.equal(sku.attributes.objectType, 'Sku');
    const listed = ok(await get(`/v1/products/${RI}/skus?country=US`)).items.find((s: { id: string }) => s.id === '004G');
    assert.deepEqual(sku, listed);
  });

  test('availabilities: catalogItemId is productId:skuId:availabilityId, with terms and USD', async () => {
    const body = ok(await get(`/v1/products/${RI}/skus/004G/availabilities?country=US`));
    assertCollection(body, 'Availability');
    assert.deepEqual(idsOf(body), ['DZH318Z08C0S']);
    const [av] = body.items;
    assert.equal(av.productId, RI);
    assert.equal(av.skuId, '004G');
    assert.equal(av.catalogItemId, `${RI}:004G:DZH318Z08C0S`);
    assert.equal(av.defaultCurrency.code, 'USD');
    assert.equal(av.defaultCurrency.symbol, '$');
    assert.equal(av.country, 'US');
    assert.equal(typeof av.segment, 'string');
    assert.equal(av.isPurchasable, true);
    assert.equal(typeof av.isRenewable, 'boolean');
    assert.ok(Array.isArray(av.terms) && av.terms.length >= 1);
    assert.equal(av.terms[0].duration, 'P1Y');
    assert.equal(typeof av.terms[0].description, 'string');
    assertLink(av.links.self, `/products/${RI}/skus/004G/availabilities/DZH318Z08C0S?country=US`);

    const byId = ok(await get(`/v1/products/${RI}/skus/004G/availabilities/DZH318Z08C0S?country=US`));
    assert.deepEqual(byId, av);
    const p3y = ok(await get(`/v1/products/${RI}/skus/004J/availabilities/DZH318Z08B8X?country=US`));
    assert.equal(p3y.catalogItemId, `${RI}:004J:DZH318Z08B8X`);
    assert.equal(p3y.terms[0].duration, 'P3Y');
  });

  test('the catalogItemId of an availability is what a cart line takes', async () => {
    const av = ok(await get(`/v1/products/CFQ7TTC0LH18/skus/0001/availabilities?country=US`)).items[0];
    const cart = await call(ctx.app, 'POST', `/v1/customers/${p.customers[0].id}/carts`, {
      token: p.appToken,
      body: { lineItems: [{ id: 0, catalogItemId: av.catalogItemId, quantity: 1, billingCycle: 'monthly', termDuration: av.terms[0].duration }] },
    });
    assert.equal(cart.statusCode, 201, cart.body);
    assert.equal(cart.json().lineItems[0].error, undefined, cart.body);
    assert.equal(cart.json().lineItems[0].currencyCode, av.defaultCurrency.code);
  });

  test('unknown product, SKU or availability, or one not sold in the country: 404 with an error body', async () => {
    error(await get('/v1/products/NOSUCHPRODUCT?country=US'), 404);
    error(await get('/v1/products/NOSUCHPRODUCT/skus?country=US'), 404);
    error(await get(`/v1/products/${RI}/skus/9999?country=US`), 404);
    error(await get(`/v1/products/${RI}/skus/9999/availabilities?country=US`), 404);
    error(await get(`/v1/products/${RI}/skus/004G/availabilities/NOSUCHAVAIL?country=US`), 404);
    error(await get(`/v1/products/${RI}?country=GB`), 404);
  });

  test('a product id query still needs the country', async () => {
    error(await get(`/v1/products/${RI}`), 400, 800002);
    error(await get(`/v1/products/${RI}/skus`), 400, 800002);
  });
});

describe('GET /v1/offers (legacy offers)', () => {
  test('?country=US lists the US offers, MS-AZR-0145P among them', async () => {
    const body = ok(await get('/v1/offers?country=US'));
    assertCollection(body, 'Offer');
    const expected = seed.offers.filter((o) => o.country === 'US').map((o) => o.id).sort();
    assert.deepEqual(idsOf(body), expected);
    assert.ok(expected.includes('MS-AZR-0145P'));
    for (const offer of body.items) {
      assert.equal(offer.country, 'US');
      assert.equal(typeof offer.name, 'string');
      assertLink(offer.links.self);
      assert.equal(offer.unitPrice, undefined, 'seed-only fields do not leak');
      assert.equal(offer.provisioning, undefined, 'seed-only fields do not leak');
    }
  });

  test('/v1/offers/MS-AZR-0145P?country=US', async () => {
    const offer = ok(await get('/v1/offers/MS-AZR-0145P?country=US'));
    assert.equal(offer.id, 'MS-AZR-0145P');
    assert.equal(offer.name, 'Microsoft Azure');
    assert.equal(offer.billing, 'usage');
    assert.deepEqual(offer.supportedBillingCycles, ['monthly']);
    assert.equal(offer.isAddOn, false);
    assert.equal(offer.isAvailableForPurchase, true);
    assert.ok(Number.isInteger(offer.minimumQuantity) && Number.isInteger(offer.maximumQuantity));
    assert.equal(offer.attributes.objectType, 'Offer');
    assertLink(offer.links.self, '/offers/MS-AZR-0145P?country=US');
    const listed = ok(await get('/v1/offers?country=US')).items.find((o: { id: string }) => o.id === 'MS-AZR-0145P');
    assert.deepEqual(offer, listed);
    assert.deepEqual(ok(await get('/v1/offers/MS-AZR-0145P?country=us')), offer);
  });

  test('unknown offer: 400·800004 (invalid offer id); country missing: 400·800002', async () => {
    error(await get('/v1/offers/NO-SUCH-OFFER?country=US'), 400, 800004);
    error(await get('/v1/offers/MS-AZR-0145P?country=GB'), 400, 800004);
    error(await get('/v1/offers'), 400, 800002);
  });
});
