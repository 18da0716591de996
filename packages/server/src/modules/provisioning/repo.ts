/** Provisioning SQL: the job queue (claimed under row locks), line and order state changes, sandbox controls. */
import type { Queryable, Writer } from '../../db/database.js';
import { tenantNow } from '../clock/repo.js';

export interface JobRow {
  order_id: string;
  partner_tenant_id: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  max_attempts: number;
  last_error: string | null;
}

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
    `INSERT INTO provisioning_jobs (order_id, partner_tenant_id, state, run_at, max_attempts)
     SELECT x."orderId", $2, 'queued',
            ${tenantNow('$2::uuid')} + make_interval(secs => max(coalesce((s.delays ->> lower(x."productType"))::float8, $3))), $4
       FROM jsonb_to_recordset($1::jsonb) AS x("orderId" text, "productType" text)
       LEFT JOIN sandbox_provisioning_settings s ON s.partner_tenant_id = $2
      GROUP BY x."orderId"`,
    [JSON.stringify(orders), tenantId, defaultDelaySeconds, maxAttempts],
  );
}

/**
 * Claims up to `limit` due jobs for `workerId` (of one tenant with `tenantId`): queued ones whose time
 * has come on their partner's clock, and running ones whose worker's lease ran out (it crashed; leases
 * are real time). SKIP LOCKED keeps concurrent workers off each other's jobs.
 */
export async function claimJobs(q: Queryable, workerId: string, limit: number, leaseSeconds: number, tenantId?: string): Promise<JobRow[]> {
  return q.query<JobRow>(
    `UPDATE provisioning_jobs j
        SET state = 'running', locked_by = $1, locked_until = now() + make_interval(secs => $3),
            attempts = j.attempts + 1, updated_at = now()
      WHERE (j.partner_tenant_id, j.order_id) IN (
        SELECT partner_tenant_id, order_id FROM provisioning_jobs
         WHERE ((state = 'queued' AND run_at <= ${tenantNow('provisioning_jobs.partner_tenant_id')}) OR (state = 'running' AND locked_until < now()))
           AND ($4::uuid IS NULL OR partner_tenant_id = $4::uuid)
         ORDER BY run_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
      RETURNING j.order_id, j.partner_tenant_id, j.state, j.attempts, j.max_attempts, j.last_error`,
    [workerId, limit, leaseSeconds, tenantId ?? null],
  );
}

/** The tenant's unfinished jobs: the earliest due time of the queued ones, and whether any is running. */
export async function pendingWork(q: Queryable, tenantId: string): Promise<{ nextDue: Date | null; running: number }> {
  const [r] = await q.query<{ next_due: Date | null; running: string | number }>(
    `SELECT min(run_at) FILTER (WHERE state = 'queued') AS next_due, count(*) FILTER (WHERE state = 'running') AS running
       FROM provisioning_jobs WHERE partner_tenant_id = $1 AND state IN ('queued', 'running')`,
    [tenantId],
  );
  return { nextDue: r.next_due ? new Date(r.next_due) : null, running: Number(r.running) };
}

/** Locks the job if `workerId` still holds it (another worker may have taken over an expired lease). */
export async function lockOwnedJob(q: Queryable, tenantId: string, orderId: string, workerId: string) {
  const rows = await q.query<JobRow>(
    `SELECT order_id, partner_tenant_id, state, attempts, max_attempts, last_error FROM provisioning_jobs
      WHERE partner_tenant_id = $3 AND order_id = $1 AND locked_by = $2 AND state = 'running' FOR UPDATE`,
    [orderId, workerId, tenantId],
  );
  return rows[0];
}

export async function finishJob(q: Queryable, tenantId: string, orderId: string, state: 'done' | 'failed', lastError: string | null) {
  await q.query(
    `UPDATE provisioning_jobs SET state = $2, last_error = coalesce($3, last_error), locked_by = NULL, locked_until = NULL,
            updated_at = now(), finished_at = now() WHERE partner_tenant_id = $4 AND order_id = $1`,
    [orderId, state, lastError, tenantId],
  );
}

export async function retryJobLater(q: Queryable, tenantId: string, orderId: string, workerId: string, delayMs: number, lastError: string) {
  await q.query(
    `UPDATE provisioning_jobs SET state = 'queued', run_at = ${tenantNow('provisioning_jobs.partner_tenant_id')} + make_interval(secs => $3 / 1000.0), last_error = $4,
            locked_by = NULL, locked_until = NULL, updated_at = now()
      WHERE partner_tenant_id = $5 AND order_id = $1 AND locked_by = $2 AND state = 'running'`,
    [orderId, workerId, delayMs, lastError, tenantId],
  );
}

/** Gives back claimed jobs a stopping worker did not start (they run again at once elsewhere). */
export async function releaseJobs(q: Queryable, workerId: string, jobs: Pick<JobRow, 'partner_tenant_id' | 'order_id'>[]) {
  if (!jobs.length) return;
  await q.query(
    `UPDATE provisioning_jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), locked_by = NULL, locked_until = NULL,
            updated_at = now()
      WHERE locked_by = $1 AND state = 'running' AND (partner_tenant_id, order_id) IN (SELECT * FROM unnest($2::uuid[], $3::text[]))`,
    [workerId, jobs.map((j) => j.partner_tenant_id), jobs.map((j) => j.order_id)],
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

/** Sets the order's final status once no line waits any more. */
export async function settleOrder(q: Queryable, tenantId: string, orderId: string) {
  const line = `FROM order_line_items l WHERE l.partner_tenant_id = o.partner_tenant_id AND l.order_id = o.id`;
  await q.query(
    `UPDATE orders o SET status = CASE WHEN EXISTS (SELECT 1 ${line} AND l.provisioning_status = 'Fulfilled') THEN 'completed' ELSE 'cancelled' END
      WHERE o.partner_tenant_id = $2 AND o.id = $1 AND o.status = 'pending'
        AND NOT EXISTS (SELECT 1 ${line} AND l.provisioning_status = 'PrefulfillmentPending')`,
    [orderId, tenantId],
  );
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

export async function listJobs(q: Queryable, tenantId: string) {
  return q.query<{ orderId: string; state: string; attempts: number; maxAttempts: number; lastError: string | null; runAt: Date }>(
    `SELECT order_id AS "orderId", state, attempts, max_attempts AS "maxAttempts", last_error AS "lastError", run_at AS "runAt"
       FROM provisioning_jobs WHERE partner_tenant_id = $1 ORDER BY created_at, order_id`,
    [tenantId],
  );
}
