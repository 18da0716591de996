/**
 * Seeding at start-up: the catalog from catalog.json (every start; idempotent), and in sandbox mode
 * the demo world of DESIGN.md, whose ids are the checkout doc's so that its example runs as written.
 */
import { readFile } from 'node:fs/promises';
import { withinTransaction, type Database } from '../db/database.js';
import type { Config } from '../config.js';
import { upsertCatalog, type CatalogSeed } from '../modules/catalog/repo.js';
import { addSandboxCustomer, upsertPartner } from '../modules/sandbox/service.js';

export const DEMO = {
  tenantId: '7c2e5a4b-3f1d-4e8a-9b6c-0d1e2f3a4b5c',
  partnerName: 'Demo Partner',
  userObjectId: '1824b7fc-2fac-4478-b177-66823c40ab75',
  customerId: 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d',
  commerceId: '28045616-f6b9-462f-9701-0d89b5e65c44',
  azureSubscriptionId: '1c461a25-f729-4fa5-aadb-280947dd05e8',
  cartId: 'b4c8fdea-cbe4-4d17-9576-13fcacbf9605',
} as const;

const CATALOG_FILE = new URL('../../data/catalog.json', import.meta.url);

export async function loadCatalogSeed(): Promise<CatalogSeed> {
  return JSON.parse(await readFile(CATALOG_FILE, 'utf8')) as CatalogSeed;
}

export async function seedCatalog(db: Database): Promise<void> {
  const seed = await loadCatalogSeed();
  await db.transaction((tx) => upsertCatalog(tx, seed));
}

const SEED_LOCK = 727_100_002; // held while one process seeds; others wait, then find it done

/**
 * The demo partner, customer and active cart, in one transaction under an advisory lock, so that
 * processes starting together neither race nor half-seed. An expired or missing demo cart is made
 * anew, so the doc's example keeps working on a long-lived data directory; an ordered one is kept.
 */
export async function seedDemo(database: Database, config: Config): Promise<void> {
  await database.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK]);
    await seedDemoLocked(withinTransaction(database, tx), config);
  });
}

async function seedDemoLocked(db: Database, config: Config): Promise<void> {
  await upsertPartner(db, {
    tenantId: DEMO.tenantId,
    name: DEMO.partnerName,
    clientId: config.sandbox.clientId,
    clientSecret: config.sandbox.clientSecret,
    username: config.sandbox.username,
    password: config.sandbox.password,
    userObjectId: DEMO.userObjectId,
  });
  const [cart] = await db.query<{ status: string; expired: boolean; ordered_from: boolean }>(
    `SELECT status, expiration_timestamp <= now() AS expired,
            EXISTS (SELECT 1 FROM orders o WHERE o.partner_tenant_id = carts.partner_tenant_id AND o.cart_id = carts.id) AS ordered_from
       FROM carts WHERE partner_tenant_id = $2 AND id = $1`,
    [DEMO.cartId, DEMO.tenantId],
  );
  if (cart && (cart.status === 'Ordered' || !cart.expired || cart.ordered_from)) return;
  await db.query('DELETE FROM carts WHERE partner_tenant_id = $2 AND id = $1', [DEMO.cartId, DEMO.tenantId]);
  await db.query('DELETE FROM subscriptions WHERE partner_tenant_id = $2 AND id = $1 AND order_id IS NULL', [DEMO.azureSubscriptionId, DEMO.tenantId]);
  await db.query(
    `DELETE FROM customers WHERE partner_tenant_id = $2 AND id = $1
        AND NOT EXISTS (SELECT 1 FROM orders WHERE partner_tenant_id = $2 AND customer_id = $1)`,
    [DEMO.customerId, DEMO.tenantId],
  );
  await addSandboxCustomer(db, { tenantId: DEMO.tenantId, clientId: config.sandbox.clientId }, {
    id: DEMO.customerId,
    commerceId: DEMO.commerceId,
    companyName: 'Contoso Demo',
    domain: 'contosodemo.onmicrosoft.com',
    azureSubscriptionId: DEMO.azureSubscriptionId,
    cartId: DEMO.cartId,
  });
}
