/** Catalog SQL: loading the seed file, reading products/SKUs/availabilities/offers, resolving catalog items. */
import type { Queryable } from '../../db/database.js';

export interface SeedAvailability {
  id: string;
  country: string;
  segment: string;
  defaultCurrency: { code: string; symbol: string; name?: string };
  isPurchasable: boolean;
  isRenewable: boolean;
  unitPrice: number;
  terms: { duration: string; description: string; billingCycle?: string }[];
}
export interface SeedSku {
  id: string;
  title: string;
  description: string;
  minimumQuantity: number;
  maximumQuantity: number;
  isTrial: boolean;
  supportedBillingCycles: string[];
  purchasePrerequisites: string[];
  inventoryVariables: string[];
  provisioningVariables: string[];
  actions: string[];
  dynamicAttributes: Record<string, unknown>;
  /** `productId:skuId` of the SKUs a subscription of this one may transition (upgrade) to; not on the wire. */
  upgradeTargets?: string[];
  availabilities: SeedAvailability[];
}
export interface SeedProduct {
  id: string;
  title: string;
  description: string;
  productType: { id: string; displayName: string; subType?: { id: string; displayName: string } };
  isMicrosoftProduct: boolean;
  publisherName: string;
  targetViews: string[];
  provisioning: 'immediate' | 'async';
  unitType: string;
  skus: SeedSku[];
}
export interface SeedOffer {
  id: string;
  name: string;
  country: string;
  isAvailableForPurchase: boolean;
  unitPrice: number;
  provisioning: 'immediate' | 'async';
  [field: string]: unknown;
}
export interface CatalogSeed {
  products: SeedProduct[];
  offers: SeedOffer[];
}

/** Upserts the whole seed catalog (idempotent; run at every start). */
export async function upsertCatalog(tx: Queryable, seed: CatalogSeed): Promise<void> {
  for (const { skus, targetViews, ...product } of seed.products) {
    await tx.query(
      `INSERT INTO products (id, target_views, data) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET target_views = EXCLUDED.target_views, data = EXCLUDED.data`,
      [product.id, targetViews, product],
    );
    for (const { availabilities, ...sku } of skus) {
      await tx.query(
        `INSERT INTO skus (product_id, id, data) VALUES ($1, $2, $3)
         ON CONFLICT (product_id, id) DO UPDATE SET data = EXCLUDED.data`,
        [product.id, sku.id, sku],
      );
      for (const a of availabilities) {
        await tx.query(
          `INSERT INTO availabilities (product_id, sku_id, id, catalog_item_id, country, is_purchasable, unit_price, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (product_id, sku_id, id) DO UPDATE SET country = EXCLUDED.country,
             is_purchasable = EXCLUDED.is_purchasable, unit_price = EXCLUDED.unit_price, data = EXCLUDED.data`,
          [product.id, sku.id, a.id, `${product.id}:${sku.id}:${a.id}`, a.country, a.isPurchasable, a.unitPrice, a],
        );
      }
    }
  }
  for (const offer of seed.offers) {
    await tx.query(
      `INSERT INTO offers (id, country, is_available_for_purchase, unit_price, data) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET country = EXCLUDED.country,
         is_available_for_purchase = EXCLUDED.is_available_for_purchase, unit_price = EXCLUDED.unit_price, data = EXCLUDED.data`,
      [offer.id, offer.country, offer.isAvailableForPurchase, offer.unitPrice, offer],
    );
  }
}

export interface ProductRow {
  data: Omit<SeedProduct, 'skus' | 'targetViews'>;
}
export interface SkuRow {
  product_id: string;
  data: Omit<SeedSku, 'availabilities'>;
}
export interface AvailabilityRow {
  product_id: string;
  sku_id: string;
  catalog_item_id: string;
  is_purchasable: boolean;
  data: SeedAvailability;
}

/** Products that have at least one availability in `country`, optionally of one target view. */
export const listProducts = (q: Queryable, country: string, targetView?: string) =>
  q.query<ProductRow>(
    `SELECT p.data FROM products p
     WHERE ($2::text IS NULL OR lower($2) = ANY (SELECT lower(v) FROM unnest(p.target_views) v))
       AND EXISTS (SELECT 1 FROM availabilities a WHERE a.product_id = p.id AND a.country = $1)
     ORDER BY p.id`,
    [country, targetView ?? null],
  );

export const getProduct = async (q: Queryable, productId: string, country: string) =>
  (
    await q.query<ProductRow>(
      `SELECT p.data FROM products p WHERE p.id = $1
         AND EXISTS (SELECT 1 FROM availabilities a WHERE a.product_id = p.id AND a.country = $2)`,
      [productId, country],
    )
  )[0];

export const listSkus = (q: Queryable, productId: string, country: string, skuId?: string) =>
  q.query<SkuRow>(
    `SELECT s.product_id, s.data FROM skus s
     WHERE s.product_id = $1 AND ($3::text IS NULL OR s.id = $3)
       AND EXISTS (SELECT 1 FROM availabilities a WHERE a.product_id = s.product_id AND a.sku_id = s.id AND a.country = $2)
     ORDER BY s.id`,
    [productId, country, skuId ?? null],
  );

export const listAvailabilities = (q: Queryable, productId: string, skuId: string, country: string, availabilityId?: string) =>
  q.query<AvailabilityRow>(
    `SELECT product_id, sku_id, catalog_item_id, is_purchasable, data FROM availabilities
     WHERE product_id = $1 AND sku_id = $2 AND country = $3 AND ($4::text IS NULL OR id = $4)
     ORDER BY id`,
    [productId, skuId, country, availabilityId ?? null],
  );

export const listOffers = (q: Queryable, country: string, offerId?: string) =>
  q.query<{ data: SeedOffer; is_available_for_purchase: boolean }>(
    `SELECT data, is_available_for_purchase FROM offers WHERE country = $1 AND ($2::text IS NULL OR upper(id) = upper($2)) ORDER BY id`,
    [country, offerId ?? null],
  );

/** One row per resolvable catalog item id (an availability or a legacy offer), in one query. */
export interface CatalogItemRow {
  catalog_item_id: string;
  product: ProductRow['data'] | null;
  sku: SkuRow['data'] | null;
  availability: SeedAvailability | null;
  offer: SeedOffer | null;
  purchasable: boolean;
  unit_price: string | number;
}

/**
 * The catalog items whose (canonical) ids `ids` gives, an SQL expression of type text[]: a parameter,
 * or a subquery of the statement this is part of (a cart's lines, findCart).
 */
export const catalogItemsSql = (ids: string) =>
  `SELECT a.catalog_item_id, p.data AS product, s.data AS sku, a.data AS availability, NULL::jsonb AS offer,
          a.is_purchasable AS purchasable, a.unit_price
     FROM availabilities a
     JOIN skus s ON s.product_id = a.product_id AND s.id = a.sku_id
     JOIN products p ON p.id = a.product_id
    WHERE a.catalog_item_id = ANY (${ids})
   UNION ALL
   SELECT o.id, NULL, NULL, NULL, o.data, o.is_available_for_purchase, o.unit_price
     FROM offers o WHERE o.id = ANY (${ids})`;

const FIND_CATALOG_ITEMS_SQL = catalogItemsSql('$1::text[]');
export const findCatalogItems = (q: Queryable, ids: string[]) => q.query<CatalogItemRow>(FIND_CATALOG_ITEMS_SQL, [ids]);

/** `productId:skuId` of the SKUs a subscription of the given SKU may transition to (catalog `upgradeTargets`). */
export async function findUpgradeTargets(q: Queryable, productId: string, skuId: string): Promise<string[]> {
  const rows = await q.query<{ targets: string[] | null }>(`SELECT data->'upgradeTargets' AS targets FROM skus WHERE product_id = $1 AND id = $2`, [productId, skuId]);
  return rows[0]?.targets ?? [];
}

/** Catalog item ids of the availabilities in `country` of the SKUs `skus` (`productId:skuId`) or of product `productId`. */
export const availabilityItemIds = async (q: Queryable, country: string, of: { skus: string[] } | { productId: string }) =>
  (
    await q.query<{ id: string }>(
      `SELECT catalog_item_id AS id FROM availabilities
        WHERE country = $1 AND (product_id || ':' || sku_id = ANY ($2::text[]) OR product_id = $3) ORDER BY catalog_item_id`,
      [country, 'skus' in of ? of.skus : [], 'productId' in of ? of.productId : null],
    )
  ).map((r) => r.id);
