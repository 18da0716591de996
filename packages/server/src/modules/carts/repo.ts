/** Cart SQL. Lines are stored in their wire shape; a cart is always read scoped by partner and customer. */
import type { CartCheckoutResult, CartLineItem } from '@partner-commerce/contract';
import type { Queryable, Writer } from '../../db/database.js';
import { catalogItemsSql, type CatalogItemRow } from '../catalog/repo.js';
import { toCustomerRecord, type ReadCustomer, type CustomerRow } from '../customers/repo.js';
import { offsetOf } from '../clock/repo.js';

export interface CartRecord {
  id: string;
  partnerTenantId: string;
  customerId: string;
  status: 'Active' | 'Ordered';
  creationTimestamp: string;
  lastModifiedTimestamp: string;
  expirationTimestamp: string;
  lastModifiedUser: string;
  partnerOnRecordAttestationAccepted: boolean | null;
  checkoutResult: CartCheckoutResult | null;
  /** An earlier checkout ordered some of its groups and left it Active (005_cart_partly_ordered.sql). */
  partlyOrdered: boolean;
  lineItems: CartLineItem[];
  /** The client's MS-RequestId of the create call, when it sent one. */
  creationRequestId?: string;
}

interface Row {
  id: string;
  partner_tenant_id: string;
  customer_id: string;
  status: 'Active' | 'Ordered';
  creation_timestamp: Date;
  last_modified_timestamp: Date;
  expiration_timestamp: Date;
  last_modified_user: string;
  partner_on_record_attestation_accepted: boolean | null;
  checkout_result: CartCheckoutResult | null;
  partly_ordered: boolean;
  line_items: CartLineItem[];
}

const toRecord = (r: Row): CartRecord => ({
  id: r.id,
  partnerTenantId: r.partner_tenant_id,
  customerId: r.customer_id,
  status: r.status,
  creationTimestamp: new Date(r.creation_timestamp).toISOString(),
  lastModifiedTimestamp: new Date(r.last_modified_timestamp).toISOString(),
  expirationTimestamp: new Date(r.expiration_timestamp).toISOString(),
  lastModifiedUser: r.last_modified_user,
  partnerOnRecordAttestationAccepted: r.partner_on_record_attestation_accepted,
  checkoutResult: r.checkout_result,
  partlyOrdered: r.partly_ordered,
  lineItems: r.line_items ?? [],
});

export type LockMode = 'none' | 'wait' | 'nowait';
const LOCKS: Record<LockMode, string> = { none: '', wait: 'FOR UPDATE OF c', nowait: 'FOR UPDATE OF c NOWAIT' };

/** The catalog item ids a cart's lines (and their add-ons) name, as stored (canonical), for catalogItemsSql. */
const CART_ITEM_IDS = `ARRAY(SELECT DISTINCT ids.id FROM jsonb_array_elements(c.line_items) AS l(line)
    CROSS JOIN LATERAL (SELECT l.line->>'catalogItemId'
                        UNION ALL
                        SELECT a->>'catalogItemId'
                          FROM jsonb_array_elements(CASE jsonb_typeof(l.line->'addonItems') WHEN 'array' THEN l.line->'addonItems' ELSE '[]' END) a) AS ids(id)
   WHERE ids.id <> '')`;

export interface FoundCart {
  cart: CartRecord;
  customer: ReadCustomer;
  /** The catalog items its lines name, when asked for (`withCatalog`). */
  catalogItems: CatalogItemRow[];
}

/** findCart's statement for each lock mode, with and without the catalog items: built once, not per call. */
const findCartSql = (lock: LockMode, withCatalog: boolean) =>
  `SELECT c.id, c.partner_tenant_id, c.customer_id, c.status, c.creation_timestamp, c.last_modified_timestamp,
          c.expiration_timestamp, c.last_modified_user, c.partner_on_record_attestation_accepted, c.checkout_result,
          c.partly_ordered, c.line_items,
          to_jsonb(cu) || jsonb_build_object('clock_offset_ms', ${offsetOf('cu.partner_tenant_id')}) AS customer
          ${withCatalog ? `, (SELECT jsonb_agg(ci) FROM (${catalogItemsSql(CART_ITEM_IDS)}) ci) AS catalog_items` : ''}
     FROM carts c JOIN customers cu ON cu.partner_tenant_id = c.partner_tenant_id AND cu.id = c.customer_id
    WHERE c.id = $1 AND c.customer_id = $2 AND c.partner_tenant_id = $3
    ${LOCKS[lock]}`;
const FIND_CART_SQL = Object.fromEntries(
  (Object.keys(LOCKS) as LockMode[]).map((lock) => [lock, { plain: findCartSql(lock, false), withCatalog: findCartSql(lock, true) }]),
) as Record<LockMode, { plain: string; withCatalog: string }>;

/**
 * The cart with its lines and its customer, scoped by partner and customer, in one statement; with
 * `withCatalog`, the catalog items its lines name too (checkout: one round trip fewer). With a lock
 * mode, the cart row stays locked until the caller's transaction ends; `nowait` fails at once (55P03)
 * when another transaction holds it, which checkout answers with 409·800064. The lines are a column
 * of the cart row, so a locked read returns the lines of the version it locked, even when that
 * version was committed after the statement's snapshot (007_cart_lines_in_cart_row.sql).
 */
export async function findCart(
  q: Queryable,
  tenantId: string,
  customerId: string,
  cartId: string,
  { lock = 'none', withCatalog = false }: { lock?: LockMode; withCatalog?: boolean } = {},
): Promise<FoundCart | undefined> {
  const rows = await q.query<Row & { customer: CustomerRow; catalog_items: CatalogItemRow[] | null }>(
    FIND_CART_SQL[lock][withCatalog ? 'withCatalog' : 'plain'],
    [cartId, customerId, tenantId],
  );
  const r = rows[0];
  return r && { cart: toRecord(r), customer: toCustomerRecord(r.customer), catalogItems: r.catalog_items ?? [] };
}

export async function insertCart(q: Queryable, cart: CartRecord): Promise<void> {
  await q.query(
    `INSERT INTO carts (id, partner_tenant_id, customer_id, status, creation_timestamp, last_modified_timestamp,
                        expiration_timestamp, last_modified_user, partner_on_record_attestation_accepted, creation_request_id, line_items)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      cart.id,
      cart.partnerTenantId,
      cart.customerId,
      cart.status,
      cart.creationTimestamp,
      cart.lastModifiedTimestamp,
      cart.expirationTimestamp,
      cart.lastModifiedUser,
      cart.partnerOnRecordAttestationAccepted,
      cart.creationRequestId ?? null,
      JSON.stringify(cart.lineItems),
    ],
  );
}

/** The id of the cart a partner created with this MS-RequestId, if any. */
export async function findCartIdByCreationRequest(q: Queryable, tenantId: string, requestId: string) {
  const rows = await q.query<{ id: string; customer_id: string }>(
    'SELECT id, customer_id FROM carts WHERE partner_tenant_id = $1 AND creation_request_id = $2',
    [tenantId, requestId],
  );
  return rows[0];
}

/** Replaces a cart's lines (PUT replaces, as Partner Center does). */
export async function updateCart(q: Queryable, cart: CartRecord): Promise<void> {
  await q.query(
    `UPDATE carts SET last_modified_timestamp = $2, last_modified_user = $3, partner_on_record_attestation_accepted = $4, line_items = $5
      WHERE partner_tenant_id = $6 AND id = $1`,
    [cart.id, cart.lastModifiedTimestamp, cart.lastModifiedUser, cart.partnerOnRecordAttestationAccepted, JSON.stringify(cart.lineItems), cart.partnerTenantId],
  );
}

/** Marks an Active cart as holding orders of some of its groups (a partial checkout). */
export async function markPartlyOrdered(q: Writer, tenantId: string, cartId: string): Promise<void> {
  await q.query(`UPDATE carts SET partly_ordered = true WHERE partner_tenant_id = $2 AND id = $1 AND status = 'Active'`, [cartId, tenantId]);
}

/** Marks the cart ordered and keeps the checkout result that later checkouts replay. */
export async function markOrdered(q: Writer, tenantId: string, cartId: string, result: CartCheckoutResult): Promise<void> {
  await q.query(`UPDATE carts SET status = 'Ordered', checkout_result = $2 WHERE partner_tenant_id = $3 AND id = $1 AND status = 'Active'`, [
    cartId,
    JSON.stringify(result),
    tenantId,
  ]);
}
