/**
 * Provisioning one pending order, in one transaction: each waiting line gets its subscription (or its
 * pre-created new-commerce subscription becomes active) and becomes `Fulfilled`, then the order is
 * settled and the job done. Everything is conditional on the worker still holding the job and on the
 * line still waiting, so a line is never provisioned twice, whatever workers crash or overlap.
 */
import { isFailoverError } from '../../db/failover.js';
import type { Database } from '../../db/database.js';
import { resolveCatalogItems } from '../catalog/service.js';
import { buildSubscription, type SubscriptionRecord } from '../subscriptions/service.js';
import { insertSubscriptions } from '../subscriptions/repo.js';
import { partnerNow, untilSettled } from '../clock/service.js';
import * as repo from './repo.js';

export interface ProvisioningPolicy {
  /** Delay before a pending order is provisioned when the partner set none for its product type. */
  defaultDelaySeconds: number;
  maxAttempts: number;
  /** First retry delay; doubled each attempt up to `maxBackoffMs`, with ±20 % jitter. */
  backoffMs: number;
  maxBackoffMs: number;
}

/** A failure injected through the sandbox control API, or a real one. */
export class ProvisioningFailure extends Error {}

export const backoffDelay = (attempt: number, policy: ProvisioningPolicy) => {
  const raw = Math.min(policy.backoffMs * 2 ** Math.max(0, attempt - 1), policy.maxBackoffMs);
  return Math.round(raw * (0.8 + Math.random() * 0.4));
};

export type JobOutcome = 'done' | 'retry' | 'failed' | 'lost';

/** Runs one claimed job; returns what became of it. */
export async function runJob(db: Database, job: repo.JobRow, workerId: string, policy: ProvisioningPolicy): Promise<JobOutcome> {
  try {
    return await db.transaction(async (tx) => {
      const owned = await repo.lockOwnedJob(tx, job.order_id, workerId);
      if (!owned) return 'lost';
      const lines = await repo.lockPendingLines(tx, job.order_id);
      const fault = await repo.findFault(tx, job.partner_tenant_id, lines.map((l) => l.offer_id));
      if (fault) throw new ProvisioningFailure(`${fault.catalog_item_id}: ${fault.message}`);

      const [order] = await tx.query<{ customer_id: string }>('SELECT customer_id FROM orders WHERE id = $1', [job.order_id]);
      const items = await resolveCatalogItems(tx, lines.map((l) => l.offer_id));
      const now = await partnerNow(tx, job.partner_tenant_id);
      const created: SubscriptionRecord[] = [];
      const activated: string[] = [];
      const settled = lines.map((l) => {
        if (l.subscription_id) activated.push(l.subscription_id);
        else {
          const item = items.get(l.offer_id);
          if (!item) throw new ProvisioningFailure(`${l.offer_id} is no longer in the catalog`);
          created.push(
            buildSubscription({
              partnerTenantId: job.partner_tenant_id,
              customerId: order.customer_id,
              orderId: job.order_id,
              item,
              friendlyName: l.friendly_name ?? undefined,
              quantity: l.quantity,
              billingCycle: l.billing_cycle,
              termDuration: l.term_duration ?? undefined,
              parentSubscriptionId: l.parent_subscription_id ?? undefined,
              status: 'active',
              now,
            }),
          );
        }
        return {
          lineItemNumber: l.line_item_number,
          status: 'Fulfilled' as const,
          subscriptionId: l.subscription_id ? null : created[created.length - 1].id,
          error: null,
        };
      });
      await insertSubscriptions(tx, created);
      await repo.setSubscriptionStatus(tx, activated, 'active');
      await repo.settleLines(tx, job.order_id, settled);
      await repo.settleOrder(tx, job.order_id);
      await repo.finishJob(tx, job.order_id, 'done', null);
      return 'done';
    });
  } catch (err) {
    // The database going away is no failure of the job's: it keeps its attempts, and runs again when
    // its lease runs out (the worker logs it). Its transaction either committed or did not; either way
    // the job row says so.
    if (isFailoverError(err)) throw err;
    return recordFailure(db, job, workerId, policy, err);
  }
}

/** A failed attempt: retried later with backoff, or, once attempts are used up, reported on the lines. */
async function recordFailure(db: Database, job: repo.JobRow, workerId: string, policy: ProvisioningPolicy, err: unknown): Promise<JobOutcome> {
  const message = err instanceof Error ? err.message : String(err);
  return db.transaction(async (tx) => {
    const owned = await repo.lockOwnedJob(tx, job.order_id, workerId);
    if (!owned) return 'lost';
    const lines = await repo.lockPendingLines(tx, job.order_id);
    const fault = await repo.findFault(tx, job.partner_tenant_id, lines.map((l) => l.offer_id));
    if (fault) await repo.consumeFault(tx, job.partner_tenant_id, fault.catalog_item_id);
    if (owned.attempts < owned.max_attempts) {
      await repo.retryJobLater(tx, job.order_id, workerId, backoffDelay(owned.attempts, policy), message);
      return 'retry';
    }
    await repo.setSubscriptionStatus(tx, lines.flatMap((l) => (l.subscription_id ? [l.subscription_id] : [])), 'deleted');
    await repo.settleLines(
      tx,
      job.order_id,
      lines.map((l) => ({ lineItemNumber: l.line_item_number, status: 'Unfulfilled' as const, subscriptionId: null, error: message })),
    );
    await repo.settleOrder(tx, job.order_id);
    await repo.finishJob(tx, job.order_id, 'failed', message);
    return 'failed';
  });
}

/**
 * Runs the tenant's due jobs here and now, until none is due on its clock (the sandbox clock's
 * advance settles the tenant before it answers). A due job another worker holds is waited for; a job
 * whose lease ran out is taken over, as a worker would.
 */
export async function runDueJobs(db: Database, tenantId: string, runnerId: string, policy: ProvisioningPolicy): Promise<number> {
  return untilSettled(
    async () => {
      const claimed = await repo.claimJobs(db, runnerId, 10, 60, tenantId);
      for (const job of claimed) await runJob(db, job, runnerId, policy);
      return claimed.length;
    },
    async () => {
      const [{ nextDue, running }, now] = [await repo.pendingWork(db, tenantId), await partnerNow(db, tenantId)];
      return running > 0 || (nextDue !== null && nextDue <= now);
    },
  );
}

/** When the tenant's next job falls due on its clock (null: none waits). */
export async function nextJobDue(db: Database, tenantId: string): Promise<Date | null> {
  return (await repo.pendingWork(db, tenantId)).nextDue;
}
