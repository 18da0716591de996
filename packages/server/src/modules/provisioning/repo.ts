/** Provisioning SQL: its jobs' enqueueing (the queue itself is modules/jobs), line and order state changes, sandbox controls. */
import type { Queryable, Writer } from '../../db/database.js';
import { tenantNow } from '../clock/repo.js';

/** Enqueues one job per pending order, due (on the partner's clock) after its delay for the order's slowest product type. */
export async function enqueueJobs(
  q: Writer,
  tenantId: string,
  orders: { orderId: string; productType: string }[],
  defaultDelaySeconds: number,
  maxAttempts: number,
): Promise<void> {
  if (!orders.length) return;
  await q.query(
    `INSERT INTO jobs (key, partner_tenant_id, kind, state, run_at, max_attempts)
     SELECT x."orderId", $2, 'provisioning', 'queued',
            ${tenantNow('$2::uuid')} + make_interval(secs => max(coalesce((s.delays ->> lower(x."productType"))::float8, $3))), $4
       FROM jsonb_to_recordset($1::jsonb) AS x("orderId" text, "productType" text)
       LEFT JOIN sandbox_provisioning_settings s ON s.partner_tenant_id = $2
      GROUP BY x."orderId"`,
    [JSON.stringify(orders), tenantId, defaultDelaySeconds, maxAttempts],
  );
}

export interface PendingLine {
  line_item_number: number;
  provisioning_status: string;
  offer_id: string;
  subscription_id: string | null;
  friendly_name: string | null;
  quantity: number;
  billing_cycle: string;
  term_duration: string | null;
  parent_subscription_id: string | null;
}

/** The order's lines still waiting, locked for this transaction. */
export async function lockPendingLines(q: Queryable, tenantId: string, orderId: string) {
  return q.query<PendingLine>(
    `SELECT line_item_number, provisioning_status, offer_id, subscription_id, friendly_name, quantity, billing_cycle, term_duration, parent_subscription_id
       FROM order_line_items WHERE partner_tenant_id = $2 AND order_id = $1 AND provisioning_status = 'PrefulfillmentPending'
      ORDER BY line_item_number FOR UPDATE`,
    [orderId, tenantId],
  );
}

/** Moves waiting lines to a final status (only from PrefulfillmentPending: never twice). */
export async function settleLines(
  q: Queryable,
  tenantId: string,
  orderId: string,
  lines: { lineItemNumber: number; status: 'Fulfilled' | 'Unfulfilled'; subscriptionId: string | null; error: string | null }[],
) {
  await q.query(
    `UPDATE order_line_items l SET provisioning_status = x.status, subscription_id = coalesce(x."subscriptionId", l.subscription_id),
            provisioning_error = x.error
       FROM jsonb_to_recordset($2::jsonb) AS x("lineItemNumber" int, status text, "subscriptionId" uuid, error text)
      WHERE l.partner_tenant_id = $3 AND l.order_id = $1 AND l.line_item_number = x."lineItemNumber"
        AND l.provisioning_status = 'PrefulfillmentPending'`,
    [orderId, JSON.stringify(lines), tenantId],
  );
}

/** Sets the order's final status once no line waits any more; true when it did. */
export async function settleOrder(q: Queryable, tenantId: string, orderId: string): Promise<boolean> {
  const line = `FROM order_line_items l WHERE l.partner_tenant_id = o.partner_tenant_id AND l.order_id = o.id`;
  const rows = await q.query(
    `UPDATE orders o SET status = CASE WHEN EXISTS (SELECT 1 ${line} AND l.provisioning_status = 'Fulfilled') THEN 'completed' ELSE 'cancelled' END
      WHERE o.partner_tenant_id = $2 AND o.id = $1 AND o.status = 'pending'
        AND NOT EXISTS (SELECT 1 ${line} AND l.provisioning_status = 'PrefulfillmentPending')
      RETURNING 1`,
    [orderId, tenantId],
  );
  return rows.length > 0;
}

export async function findFault(q: Queryable, tenantId: string, catalogItemIds: string[]) {
  const rows = await q.query<{ catalog_item_id: string; failures: number | null; message: string }>(
    `SELECT catalog_item_id, failures, message FROM sandbox_provisioning_faults
      WHERE partner_tenant_id = $1 AND catalog_item_id = ANY ($2::text[]) AND (failures IS NULL OR failures > 0)
      ORDER BY catalog_item_id LIMIT 1`,
    [tenantId, catalogItemIds],
  );
  return rows[0];
}

/** Uses up one injected failure (a fault with a count). */
export async function consumeFault(q: Queryable, tenantId: string, catalogItemId: string) {
  await q.query(
    `UPDATE sandbox_provisioning_faults SET failures = failures - 1
      WHERE partner_tenant_id = $1 AND catalog_item_id = $2 AND failures > 0`,
    [tenantId, catalogItemId],
  );
}

/** Product types are matched case-insensitively: kept lower-case. */
export async function putSettings(q: Queryable, tenantId: string, delays: Record<string, number>) {
  const byType = Object.fromEntries(Object.entries(delays).map(([type, seconds]) => [type.toLowerCase(), seconds]));
  await q.query(
    `INSERT INTO sandbox_provisioning_settings (partner_tenant_id, delays) VALUES ($1, $2)
     ON CONFLICT (partner_tenant_id) DO UPDATE SET delays = EXCLUDED.delays`,
    [tenantId, JSON.stringify(byType)],
  );
}

export async function putFault(q: Queryable, tenantId: string, catalogItemId: string, failures: number | null, message: string) {
  await q.query(
    `INSERT INTO sandbox_provisioning_faults (partner_tenant_id, catalog_item_id, failures, message) VALUES ($1, $2, $3, $4)
     ON CONFLICT (partner_tenant_id, catalog_item_id) DO UPDATE SET failures = EXCLUDED.failures, message = EXCLUDED.message`,
    [tenantId, catalogItemId, failures, message],
  );
}

export async function deleteFault(q: Queryable, tenantId: string, catalogItemId: string) {
  await q.query('DELETE FROM sandbox_provisioning_faults WHERE partner_tenant_id = $1 AND catalog_item_id = $2', [tenantId, catalogItemId]);
}
