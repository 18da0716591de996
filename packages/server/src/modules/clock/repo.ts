/** Clock SQL: a partner tenant's offset from real time. */
import type { Queryable } from '../../db/database.js';

/** SQL for the offset (ms) of the tenant in `tenantColumn` (qualify it: `pc.partner_tenant_id` is in scope), 0 when its clock was never moved. */
export const offsetOf = (tenantColumn: string) =>
  `coalesce((SELECT pc.offset_ms FROM partner_clocks pc WHERE pc.partner_tenant_id = ${tenantColumn}), 0)`;

/** SQL for the tenant's current time (the database's clock plus the offset). */
export const tenantNow = (tenantColumn: string) => `(now() + make_interval(secs => ${offsetOf(tenantColumn)} / 1000.0))`;

export async function readOffset(q: Queryable, tenantId: string): Promise<number> {
  const rows = await q.query<{ offset_ms: string | number }>(`SELECT ${offsetOf('$1::uuid')} AS offset_ms`, [tenantId]);
  return Number(rows[0]?.offset_ms ?? 0);
}

/** The tenant's offset, its clock row created (at 0) when it has none. */
export async function lockOffset(q: Queryable, tenantId: string): Promise<number> {
  const rows = await q.query<{ offset_ms: string | number }>(
    `INSERT INTO partner_clocks (partner_tenant_id, offset_ms) VALUES ($1, 0)
     ON CONFLICT (partner_tenant_id) DO UPDATE SET offset_ms = partner_clocks.offset_ms
     RETURNING offset_ms`,
    [tenantId],
  );
  return Number(rows[0].offset_ms);
}

/** Moves the offset up to `offsetMs`, never down (two moves at once keep the later time). */
export async function advanceOffset(q: Queryable, tenantId: string, offsetMs: number): Promise<void> {
  await q.query(
    'UPDATE partner_clocks SET offset_ms = greatest(offset_ms, $2::bigint), updated_at = now() WHERE partner_tenant_id = $1',
    [tenantId, Math.max(0, Math.round(offsetMs))],
  );
}
