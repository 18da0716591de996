/**
 * Provisioning one pending order, in one transaction: each waiting line gets its subscription (or its
 * pre-created new-commerce subscription becomes active) and becomes `Fulfilled`, then the order is
 * settled and the job done. Everything is conditional on the worker still holding the job and on the
 * line still waiting, so a line is never provisioned twice, whatever workers crash or overlap.
 */
import { isFailoverError } from '../../db/failover.js';
import type { Database } from '../../db/database.js';
import { resolveCatalogItems } from '../catalog/service.js';
import { buildSubscription, moveSubscriptions, type SubscriptionRecord } from '../subscriptions/service.js';
import { lineTransition } from '../orders/lifecycle.js';
import { insertSubscriptions } from '../subscriptions/repo.js';
import { partnerNow } from '../clock/service.js';
import * as jobs from '../jobs/repo.js';
import { backoffDelay, type JobOutcome } from '../jobs/retry.js';
import { orderEvent, raiseEvents, subscriptionEvent } from '../webhooks/events.js';
import type { NewEvent } from '../webhooks/repo.js';
import * as repo from './repo.js';

export interface ProvisioningPolicy {
  /** Delay before a pending order is provisioned when the partner set none for its product type. */
  defaultDelaySeconds: number;
  maxAttempts: number;
  /** First retry delay; doubled each attempt up to `maxBackoffMs`, with ±20 % jitter. */
  backoffMs: number;
  maxBackoffMs: number;
}

export type { JobOutcome } from '../jobs/retry.js';

/** A failure injected through the sandbox control API, or a real one. */
export class ProvisioningFailure extends Error {}

/** Runs one claimed job; returns what became of it. */
export async function runJob(db: Database, job: jobs.JobRow, workerId: string, policy: ProvisioningPolicy): Promise<JobOutcome> {
  try {
    return await db.transaction(async (tx) => {
      const owned = await jobs.lockOwnedJob(tx, job, workerId);
      if (!owned) return 'lost';
      const orderId = job.key;
      const lines = await repo.lockPendingLines(tx, job.partner_tenant_id, orderId);
      const fault = await repo.findFault(tx, job.partner_tenant_id, lines.map((l) => l.offer_id));
      if (fault) throw new ProvisioningFailure(`${fault.catalog_item_id}: ${fault.message}`);

      const [order] = await tx.query<{ customer_id: string }>('SELECT customer_id FROM orders WHERE partner_tenant_id = $1 AND id = $2', [job.partner_tenant_id, orderId]);
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
              orderId,
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
          status: lineTransition(l.provisioning_status, 'Fulfilled'),
          subscriptionId: l.subscription_id ? null : created[created.length - 1].id,
          error: null,
        };
      });
      await insertSubscriptions(tx, created);
      await moveSubscriptions(tx, job.partner_tenant_id, activated, 'active', 'provisioning');
      await repo.settleLines(tx, job.partner_tenant_id, orderId, settled);
      const events: NewEvent[] = [
        ...created.map((s) => subscriptionEvent('subscription-active', order.customer_id, s.id)),
        ...activated.flatMap((id) => [subscriptionEvent('subscription-active', order.customer_id, id), subscriptionEvent('subscription-updated', order.customer_id, id)]),
      ];
      if (await repo.settleOrder(tx, job.partner_tenant_id, orderId)) events.push(orderEvent('order-updated', order.customer_id, orderId));
      await raiseEvents(tx, job.partner_tenant_id, events);
      await jobs.finishJob(tx, job, 'done', null);
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
async function recordFailure(db: Database, job: jobs.JobRow, workerId: string, policy: ProvisioningPolicy, err: unknown): Promise<JobOutcome> {
  const message = err instanceof Error ? err.message : String(err);
  const orderId = job.key;
  return db.transaction(async (tx) => {
    const owned = await jobs.lockOwnedJob(tx, job, workerId);
    if (!owned) return 'lost';
    const lines = await repo.lockPendingLines(tx, job.partner_tenant_id, orderId);
    const fault = await repo.findFault(tx, job.partner_tenant_id, lines.map((l) => l.offer_id));
    if (fault) await repo.consumeFault(tx, job.partner_tenant_id, fault.catalog_item_id);
    if (owned.attempts < owned.max_attempts) {
      await jobs.retryJobLater(tx, job, workerId, backoffDelay(owned.attempts, policy), message);
      return 'retry';
    }
    const deleted = lines.flatMap((l) => (l.subscription_id ? [l.subscription_id] : []));
    await moveSubscriptions(tx, job.partner_tenant_id, deleted, 'deleted', 'provisioning');
    await repo.settleLines(
      tx,
      job.partner_tenant_id,
      orderId,
      lines.map((l) => ({ lineItemNumber: l.line_item_number, status: lineTransition(l.provisioning_status, 'Unfulfilled'), subscriptionId: null, error: message })),
    );
    const [order] = await tx.query<{ customer_id: string }>('SELECT customer_id FROM orders WHERE partner_tenant_id = $1 AND id = $2', [job.partner_tenant_id, orderId]);
    const events = deleted.map((id) => subscriptionEvent('subscription-updated', order.customer_id, id));
    if (await repo.settleOrder(tx, job.partner_tenant_id, orderId)) events.push(orderEvent('order-updated', order.customer_id, orderId));
    await raiseEvents(tx, job.partner_tenant_id, events);
    await jobs.finishJob(tx, job, 'failed', message);
    return 'failed';
  });
}
