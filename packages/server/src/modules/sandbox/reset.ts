/**
 * Deleting a sandbox partner and everything it owns, or putting it back to the state
 * `POST /sandbox/partners` created (issue 16, item 5), each in one transaction.
 *
 * OWNED lists every table that holds a tenant's rows, children before parents (foreign keys).
 * test/sandbox-reset.test.ts asserts against information_schema that no table with a
 * partner_tenant_id column is missing here, so a new table cannot be left behind unnoticed.
 */
import { withinTransaction, type Database, type Queryable } from '../../db/database.js';
import { insertSandboxCustomer, requirePartner, type NewSandboxCustomer } from './service.js';

/** [table, WHERE clause on $1 = the tenant id], children first. */
const OWNED: [string, string][] = [
  ['sandbox_request_log', 'partner_tenant_id = $1'],
  ['sandbox_fault_rules', 'partner_tenant_id = $1'],
  ['sandbox_provisioning_faults', 'partner_tenant_id = $1'],
  ['sandbox_provisioning_settings', 'partner_tenant_id = $1'],
  ['partner_clocks', 'partner_tenant_id = $1'],
  ['throttle_windows', 'partner_tenant_id = $1'],
  ['request_replays', 'partner_tenant_id = $1'],
  ['audit_records', 'partner_tenant_id = $1'],
  ['jobs', 'partner_tenant_id = $1'],
  ['webhook_attempts', 'partner_tenant_id = $1'],
  ['webhook_deliveries', 'partner_tenant_id = $1'],
  ['events', 'partner_tenant_id = $1'],
  ['webhook_registrations', 'partner_tenant_id = $1'],
  ['order_line_items', 'partner_tenant_id = $1'],
  ['subscription_transitions', 'partner_tenant_id = $1'],
  ['subscription_registrations', 'partner_tenant_id = $1'],
  ['subscriptions', 'partner_tenant_id = $1'],
  ['orders', 'partner_tenant_id = $1'],
  ['carts', 'partner_tenant_id = $1'],
  ['customers', 'partner_tenant_id = $1'],
  // Distributed by domain, not by tenant (db/sharding.ts): the one multi-shard statement here.
  ['customer_domains', 'partner_tenant_id = $1'],
];

/** The tables deletion and reset clear (the partner row and its seed record aside). */
export const OWNED_TABLES = OWNED.map(([t]) => t);

async function deleteOwned(q: Queryable, tenantId: string) {
  for (const [table, where] of OWNED) await q.query(`DELETE FROM ${table} WHERE ${where}`, [tenantId]);
}

/** `DELETE /sandbox/partners/{t}`: the partner and every row it owns; 404 when there is none. */
export function deleteSandboxPartner(db: Database, tenantId: string): Promise<void> {
  return db.transaction(async (tx) => {
    // The row lock makes a concurrent reset or delete of the same partner wait, then find nothing.
    await lockPartner(tx, tenantId);
    await deleteOwned(tx, tenantId);
    await tx.query('DELETE FROM sandbox_partner_seeds WHERE partner_tenant_id = $1', [tenantId]);
    await tx.query('DELETE FROM partners WHERE tenant_id = $1', [tenantId]);
  });
}

/**
 * `POST /sandbox/partners/{t}/reset`: the partner keeps its credentials and gets back the customers
 * and carts (same ids) it was created with; everything else it owns is gone, its clock is back to
 * real time (the only way back for a clock), its fault rules and request log are empty. A partner
 * with no seed record (the demo partner, seeded at start-up) is left with no customers.
 */
export function resetSandboxPartner(db: Database, tenantId: string) {
  return db.transaction(async (tx) => {
    const partner = await lockPartner(tx, tenantId);
    await deleteOwned(tx, tenantId);
    const [seed] = await tx.query<{ customers: (NewSandboxCustomer & { id: string })[] }>(
      'SELECT customers FROM sandbox_partner_seeds WHERE partner_tenant_id = $1',
      [tenantId],
    );
    const scoped = withinTransaction(db, tx);
    const customers = [];
    for (const c of seed?.customers ?? []) {
      const { commerceId: _c, ...customer } = await insertSandboxCustomer(scoped, partner, c);
      customers.push(customer);
    }
    return { tenantId, customers };
  });
}

async function lockPartner(q: Queryable, tenantId: string) {
  const partner = await requirePartner(q, tenantId);
  await q.query('SELECT 1 FROM partners WHERE tenant_id = $1 FOR UPDATE', [tenantId]);
  return partner;
}
