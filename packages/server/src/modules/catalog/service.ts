/** Catalog use cases: browsing (wire rendering) and resolving the items a cart refers to. */
import type { Availability, Offer, Product, Sku } from '@partner-commerce/contract';
import type { Queryable } from '../../db/database.js';
import { fail } from '../../errors.js';
import { collection, link } from '../../wire.js';
import * as repo from './repo.js';

const q = (country: string) => `?country=${encodeURIComponent(country)}`;

function renderProduct(p: repo.ProductRow['data'], country: string): Product {
  return {
    id: p.id,
    title: p.title,
    description: p.description,
    productType: p.productType,
    isMicrosoftProduct: p.isMicrosoftProduct,
    publisherName: p.publisherName,
    links: { skus: link(`/products/${p.id}/skus${q(country)}`), self: link(`/products/${p.id}${q(country)}`) },
    attributes: { objectType: 'Product' },
  };
}

function renderSku(productId: string, s: repo.SkuRow['data'], country: string): Sku {
  const base = `/products/${productId}/skus/${s.id}`;
  return {
    id: s.id,
    productId,
    title: s.title,
    description: s.description,
    minimumQuantity: s.minimumQuantity,
    maximumQuantity: s.maximumQuantity,
    isTrial: s.isTrial,
    supportedBillingCycles: s.supportedBillingCycles,
    purchasePrerequisites: s.purchasePrerequisites,
    inventoryVariables: s.inventoryVariables,
    provisioningVariables: s.provisioningVariables,
    actions: s.actions,
    dynamicAttributes: s.dynamicAttributes,
    links: { availabilities: link(`${base}/availabilities${q(country)}`), self: link(`${base}${q(country)}`) },
    attributes: { objectType: 'Sku' },
  };
}

function renderAvailability(r: repo.AvailabilityRow): Availability {
  const a = r.data;
  return {
    id: a.id,
    productId: r.product_id,
    skuId: r.sku_id,
    catalogItemId: r.catalog_item_id,
    defaultCurrency: { code: a.defaultCurrency.code, symbol: a.defaultCurrency.symbol, name: a.defaultCurrency.name ?? a.defaultCurrency.code },
    segment: a.segment,
    country: a.country,
    isPurchasable: r.is_purchasable,
    isRenewable: a.isRenewable,
    terms: a.terms,
    links: { self: link(`/products/${r.product_id}/skus/${r.sku_id}/availabilities/${a.id}${q(a.country)}`) },
    attributes: { objectType: 'Availability' },
  };
}

function renderOffer(o: repo.SeedOffer, available: boolean): Offer {
  const { unitPrice: _p, provisioning: _v, ...wire } = o;
  return {
    ...(wire as unknown as Omit<Offer, 'links' | 'attributes' | 'isAvailableForPurchase'>),
    isAvailableForPurchase: available,
    uri: `/offers/${o.id}`,
    links: { self: link(`/offers/${o.id}${q(o.country)}`) },
    attributes: { objectType: 'Offer' },
  };
}

export const normalizeCountry = (country: string) => country.toUpperCase();

export async function listProducts(db: Queryable, country: string, targetView?: string) {
  const c = normalizeCountry(country);
  const rows = await repo.listProducts(db, c, targetView);
  const self = `/products${q(c)}${targetView ? `&targetView=${encodeURIComponent(targetView)}` : ''}`;
  return collection(rows.map((r) => renderProduct(r.data, c)), self);
}

export async function getProduct(db: Queryable, productId: string, country: string) {
  const c = normalizeCountry(country);
  const row = await repo.getProduct(db, productId, c);
  if (!row) fail('NotFound', `Product ${productId} was not found in country ${c}.`);
  return renderProduct(row.data, c);
}

export async function listSkus(db: Queryable, productId: string, country: string) {
  const c = normalizeCountry(country);
  await getProduct(db, productId, c);
  const rows = await repo.listSkus(db, productId, c);
  return collection(rows.map((r) => renderSku(productId, r.data, c)), `/products/${productId}/skus${q(c)}`);
}

export async function getSku(db: Queryable, productId: string, skuId: string, country: string) {
  const c = normalizeCountry(country);
  const [row] = await repo.listSkus(db, productId, c, skuId);
  if (!row) fail('NotFound', `SKU ${skuId} of product ${productId} was not found in country ${c}.`);
  return renderSku(productId, row.data, c);
}

export async function listAvailabilities(db: Queryable, productId: string, skuId: string, country: string) {
  const c = normalizeCountry(country);
  await getSku(db, productId, skuId, c);
  const rows = await repo.listAvailabilities(db, productId, skuId, c);
  return collection(rows.map(renderAvailability), `/products/${productId}/skus/${skuId}/availabilities${q(c)}`);
}

export async function getAvailability(db: Queryable, productId: string, skuId: string, availabilityId: string, country: string) {
  const c = normalizeCountry(country);
  const [row] = await repo.listAvailabilities(db, productId, skuId, c, availabilityId);
  if (!row) fail('NotFound', `Availability ${availabilityId} of ${productId}/${skuId} was not found in country ${c}.`);
  return renderAvailability(row);
}

export async function listOffers(db: Queryable, country: string) {
  const c = normalizeCountry(country);
  const rows = await repo.listOffers(db, c);
  return collection(rows.map((r) => renderOffer(r.data, r.is_available_for_purchase)), `/offers${q(c)}`);
}

export async function getOffer(db: Queryable, offerId: string, country: string) {
  const c = normalizeCountry(country);
  const [row] = await repo.listOffers(db, c, offerId);
  if (!row) fail('InvalidOfferId', `Invalid offer ID: ${offerId} is not offered in country ${c}.`);
  return renderOffer(row.data, row.is_available_for_purchase);
}

// ---------------------------------------------------------------------------------------------
// Resolving what a cart line refers to

/** Everything the cart and checkout rules need to know of one purchasable item. */
export interface CatalogItem {
  catalogItemId: string;
  kind: 'availability' | 'offer';
  productId?: string;
  skuId?: string;
  availabilityId?: string;
  title: string;
  /** Product type id (`Azure`, `Software`, `OnlineServices`, `OnlineServicesNCE`) or `LegacyOffer`. */
  productType: string;
  country: string;
  currency: { code: string; symbol: string };
  billingCycles: string[];
  terms: { duration: string; billingCycle?: string }[];
  minQuantity: number;
  maxQuantity: number;
  provisioningVariables: string[];
  /** The SKU's `purchasePrerequisites` (`AzureSubscriptionRegistration`: checkout wants the scope subscription registered). */
  purchasePrerequisites: string[];
  dynamicAttributes: Record<string, unknown>;
  purchasable: boolean;
  isTrial: boolean;
  isAddOn: boolean;
  prerequisiteOffers: string[];
  salesGroupId?: string;
  provisioning: 'immediate' | 'async';
  unitType: string;
  billingType: 'usage' | 'license';
  unitPrice: number;
  /** A commercial-marketplace (third-party) product: its order lines carry activation links. */
  marketplace: boolean;
}

const OFFER_CURRENCY: Record<string, { code: string; symbol: string }> = {
  US: { code: 'USD', symbol: '$' },
  GB: { code: 'GBP', symbol: '£' },
};

function toCatalogItem(r: repo.CatalogItemRow): CatalogItem {
  const unitPrice = Number(r.unit_price);
  if (r.offer) {
    const o = r.offer as repo.SeedOffer & {
      supportedBillingCycles: string[];
      minimumQuantity: number;
      maximumQuantity: number;
      isAddOn: boolean;
      isTrial: boolean;
      prerequisiteOffers: string[];
      salesGroupId?: string;
      unitType: string;
      billing: string;
    };
    return {
      catalogItemId: o.id,
      kind: 'offer',
      title: o.name,
      productType: 'LegacyOffer',
      country: o.country,
      currency: OFFER_CURRENCY[o.country] ?? OFFER_CURRENCY.US,
      billingCycles: o.supportedBillingCycles,
      terms: [],
      minQuantity: o.minimumQuantity,
      maxQuantity: o.maximumQuantity,
      provisioningVariables: [],
      purchasePrerequisites: [],
      dynamicAttributes: {},
      purchasable: r.purchasable,
      isTrial: o.isTrial,
      isAddOn: o.isAddOn,
      prerequisiteOffers: o.prerequisiteOffers,
      salesGroupId: o.salesGroupId,
      provisioning: o.provisioning,
      unitType: o.unitType,
      billingType: o.billing === 'usage' ? 'usage' : 'license',
      unitPrice,
      marketplace: false,
    };
  }
  const p = r.product!;
  const s = r.sku!;
  const a = r.availability!;
  return {
    catalogItemId: r.catalog_item_id,
    kind: 'availability',
    productId: p.id,
    skuId: s.id,
    availabilityId: a.id,
    title: s.title,
    productType: p.productType.id,
    country: a.country,
    currency: { code: a.defaultCurrency.code, symbol: a.defaultCurrency.symbol },
    billingCycles: s.supportedBillingCycles,
    terms: a.terms,
    minQuantity: s.minimumQuantity,
    maxQuantity: s.maximumQuantity,
    provisioningVariables: s.provisioningVariables,
    purchasePrerequisites: s.purchasePrerequisites ?? [],
    dynamicAttributes: s.dynamicAttributes,
    purchasable: r.purchasable,
    isTrial: s.isTrial,
    isAddOn: false,
    prerequisiteOffers: [],
    provisioning: p.provisioning,
    unitType: p.unitType,
    billingType: p.unitType === 'Usage-based' ? 'usage' : 'license',
    unitPrice,
    marketplace: !p.isMicrosoftProduct,
  };
}

/** Canonical spelling of a catalog item id: the catalog keeps them upper-case. */
export const canonicalCatalogItemId = (id: string) => id.trim().toUpperCase();

/** Resolves catalog item ids (case-insensitively) in one query. */
export async function resolveCatalogItems(db: Queryable, ids: string[]): Promise<Map<string, CatalogItem>> {
  const wanted = [...new Set(ids.map(canonicalCatalogItemId))];
  return catalogItemsById(wanted.length ? await repo.findCatalogItems(db, wanted) : []);
}

/** Catalog item rows (repo.catalogItemsSql) by canonical id. */
export const catalogItemsById = (rows: repo.CatalogItemRow[]): Map<string, CatalogItem> =>
  new Map(rows.map((r) => [canonicalCatalogItemId(r.catalog_item_id), toCatalogItem(r)]));
