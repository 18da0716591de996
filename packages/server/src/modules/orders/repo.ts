/** Order SQL. Inserts are one statement per table whatever the number of rows (jsonb_to_recordset). */
import type { Queryable, Writer } from '../../db/database.js';

export interface OrderRecord {
  id: string;
  alternateId: string;
  partnerTenantId: string;
  customerId: string;
  referenceCustomerId: string;
  cartId: string | null;
  orderGroup: string | null;
  billingCycle: string;
  currencyCode: string;
  status: string;
  transactionType: string;
  partnerOnRecordAttestationAccepted: boolean | null;
  creationDate: string;
}

export interface OrderLineRecord {
  orderId: string;
  lineItemNumber: number;
  offerId: string;
  productId: string | null;
  skuId: string | null;
  availabilityId: string | null;
  country: string;
  subscriptionId: string | null;
  parentSubscriptionId: string | null;
  friendlyName: string | null;
  quantity: number;
  billingCycle: string;
  termDuration: string | null;
  renewsTo: { termDuration: string } | null;
  promotionId: string | null;
  customTermEndDate: string | null;
  transactionType: string;
  provisioningContext: Record<string, string> | null;
  partnerIdOnRecord: string | null;
  attestationAccepted: boolean | null;
  unitPrice: number;
  provisioningStatus: string;
  productType: string;
  provisioningError: string | null;
}

/** Inserts the orders' own rows; an order's lines, when it carries them, are left to insertOrderLines (not serialised twice). */
export async function insertOrders(q: Writer, orders: (OrderRecord & { lines?: unknown })[]): Promise<void> {
  if (!orders.length) return;
  await q.query(
    `INSERT INTO orders (id, alternate_id, partner_tenant_id, customer_id, cart_id, order_group, billing_cycle, currency_code,
                         status, transaction_type, partner_on_record_attestation_accepted, creation_date)
     SELECT id, "alternateId", "partnerTenantId", "customerId", "cartId", "orderGroup", "billingCycle", "currencyCode",
            status, "transactionType", "partnerOnRecordAttestationAccepted", "creationDate"
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, "alternateId" text, "partnerTenantId" uuid, "customerId" uuid,
            "cartId" uuid, "orderGroup" text, "billingCycle" text, "currencyCode" text, status text, "transactionType" text,
            "partnerOnRecordAttestationAccepted" boolean, "creationDate" timestamptz)`,
    [JSON.stringify(orders.map(({ lines: _lines, ...order }) => order))],
  );
}

/** Inserts the lines of `tenantId`'s orders (one partner's, as every write is). */
export async function insertOrderLines(q: Writer, tenantId: string, lines: OrderLineRecord[]): Promise<void> {
  if (!lines.length) return;
  await q.query(
    `INSERT INTO order_line_items (partner_tenant_id, order_id, line_item_number, offer_id, product_id, sku_id, availability_id, country,
            subscription_id, parent_subscription_id, friendly_name, quantity, billing_cycle, term_duration, renews_to,
            promotion_id, custom_term_end_date, transaction_type, provisioning_context, partner_id_on_record,
            attestation_accepted, unit_price, provisioning_status, product_type)
     SELECT $2::uuid, "orderId", "lineItemNumber", "offerId", "productId", "skuId", "availabilityId", country, "subscriptionId",
            "parentSubscriptionId", "friendlyName", quantity, "billingCycle", "termDuration", "renewsTo", "promotionId",
            "customTermEndDate", "transactionType", "provisioningContext", "partnerIdOnRecord", "attestationAccepted",
            "unitPrice", "provisioningStatus", "productType"
       FROM jsonb_to_recordset($1::jsonb) AS x("orderId" text, "lineItemNumber" int, "offerId" text, "productId" text,
            "skuId" text, "availabilityId" text, country text, "subscriptionId" uuid, "parentSubscriptionId" uuid,
            "friendlyName" text, quantity int, "billingCycle" text, "termDuration" text, "renewsTo" jsonb,
            "promotionId" text, "customTermEndDate" timestamptz, "transactionType" text, "provisioningContext" jsonb,
            "partnerIdOnRecord" text, "attestationAccepted" boolean, "unitPrice" numeric, "provisioningStatus" text,
            "productType" text)`,
    [JSON.stringify(lines), tenantId],
  );
}

interface OrderRow {
  id: string;
  alternate_id: string;
  partner_tenant_id: string;
  customer_id: string;
  commerce_id: string;
  cart_id: string | null;
  order_group: string | null;
  billing_cycle: string;
  currency_code: string;
  status: string;
  transaction_type: string;
  partner_on_record_attestation_accepted: boolean | null;
  creation_date: Date;
  lines: LineRow[];
}

interface LineRow {
  line_item_number: number;
  offer_id: string;
  product_id: string | null;
  sku_id: string | null;
  availability_id: string | null;
  country: string;
  subscription_id: string | null;
  parent_subscription_id: string | null;
  friendly_name: string | null;
  quantity: number;
  billing_cycle: string;
  term_duration: string | null;
  renews_to: { termDuration: string } | null;
  promotion_id: string | null;
  custom_term_end_date: string | null;
  transaction_type: string;
  provisioning_context: Record<string, string> | null;
  partner_id_on_record: string | null;
  attestation_accepted: boolean | null;
  unit_price: number | string;
  provisioning_status: string;
  product_type: string;
  provisioning_error: string | null;
}

export type OrderWithLines = OrderRecord & { lines: OrderLineRecord[] };

const toOrder = (r: OrderRow): OrderWithLines => ({
  id: r.id,
  alternateId: r.alternate_id,
  partnerTenantId: r.partner_tenant_id,
  customerId: r.customer_id,
  referenceCustomerId: r.commerce_id,
  cartId: r.cart_id,
  orderGroup: r.order_group,
  billingCycle: r.billing_cycle,
  currencyCode: r.currency_code,
  status: r.status,
  transactionType: r.transaction_type,
  partnerOnRecordAttestationAccepted: r.partner_on_record_attestation_accepted,
  creationDate: new Date(r.creation_date).toISOString(),
  lines: (r.lines ?? [])
    .map((l) => ({
      orderId: r.id,
      lineItemNumber: l.line_item_number,
      offerId: l.offer_id,
      productId: l.product_id,
      skuId: l.sku_id,
      availabilityId: l.availability_id,
      country: l.country,
      subscriptionId: l.subscription_id,
      parentSubscriptionId: l.parent_subscription_id,
      friendlyName: l.friendly_name,
      quantity: l.quantity,
      billingCycle: l.billing_cycle,
      termDuration: l.term_duration,
      renewsTo: l.renews_to,
      promotionId: l.promotion_id,
      customTermEndDate: l.custom_term_end_date,
      transactionType: l.transaction_type,
      provisioningContext: l.provisioning_context,
      partnerIdOnRecord: l.partner_id_on_record,
      attestationAccepted: l.attestation_accepted,
      unitPrice: Number(l.unit_price),
      provisioningStatus: l.provisioning_status,
      productType: l.product_type,
      provisioningError: l.provisioning_error,
    }))
    .sort((a, b) => a.lineItemNumber - b.lineItemNumber),
});

/** Orders with their lines in one statement, filtered by the WHERE clause given (always tenant-scoped). */
async function selectOrders(q: Queryable, where: string, params: unknown[]): Promise<OrderWithLines[]> {
  const rows = await q.query<OrderRow>(
    `SELECT o.id, o.alternate_id, o.partner_tenant_id, o.customer_id, o.cart_id, o.order_group, o.billing_cycle,
            o.currency_code, o.status, o.transaction_type, o.partner_on_record_attestation_accepted, o.creation_date, c.commerce_id,
            COALESCE((SELECT jsonb_agg(to_jsonb(l)) FROM order_line_items l WHERE l.partner_tenant_id = o.partner_tenant_id AND l.order_id = o.id), '[]'::jsonb) AS lines
       FROM orders o JOIN customers c ON c.partner_tenant_id = o.partner_tenant_id AND c.id = o.customer_id
      WHERE ${where}
      ORDER BY o.creation_date, o.order_group, o.id`,
    params,
  );
  return rows.map(toOrder);
}

export const findOrder = async (q: Queryable, tenantId: string, customerId: string, orderId: string) =>
  (await selectOrders(q, 'o.partner_tenant_id = $1 AND o.customer_id = $2 AND o.id = $3', [tenantId, customerId, orderId]))[0];

export const listOrders = (q: Queryable, tenantId: string, customerId: string, billingCycle?: string) =>
  selectOrders(q, 'o.partner_tenant_id = $1 AND o.customer_id = $2 AND ($3::text IS NULL OR o.billing_cycle = $3)', [
    tenantId,
    customerId,
    billingCycle ?? null,
  ]);

export const listCartOrders = (q: Queryable, tenantId: string, cartId: string) =>
  selectOrders(q, 'o.partner_tenant_id = $1 AND o.cart_id = $2', [tenantId, cartId]);

/** Locks an order's row for a change (the caller's transaction); false when the partner's customer has no such order. */
export async function lockOrder(q: Queryable, tenantId: string, customerId: string, orderId: string): Promise<boolean> {
  const rows = await q.query('SELECT 1 FROM orders WHERE partner_tenant_id = $1 AND customer_id = $2 AND id = $3 FOR UPDATE', [tenantId, customerId, orderId]);
  return rows.length > 0;
}

/** Cancelled lines keep their number with quantity 0, `Unfulfilled`; the order takes `status`. */
export async function cancelOrderLines(q: Queryable, tenantId: string, orderId: string, lineNumbers: number[], status: string): Promise<void> {
  await q.query(
    `UPDATE order_line_items SET quantity = 0, provisioning_status = 'Unfulfilled'
      WHERE partner_tenant_id = $3 AND order_id = $1 AND line_item_number = ANY ($2::int[])`,
    [orderId, lineNumbers, tenantId],
  );
  await q.query('UPDATE orders SET status = $2 WHERE partner_tenant_id = $3 AND id = $1', [orderId, status, tenantId]);
}
