/**
 * `pcx cart submit --wait`: follows the checkout's pending orders until none is pending, printing a
 * progress line whenever an order moves ("order X: 2/3 lines fulfilled"). Line states come from the
 * provisioning status (app+user tokens); with an app-only token, which may not read it, from the
 * order itself (a line with its subscription counts as fulfilled).
 */
import { PartnerCenterError, type Order, type OrderLineItemProvisioningStatus, type PartnerOperations } from '@partner-commerce/sdk';
import type { Output } from './output.js';

export interface OrderProgress {
  order: Order;
  total: number;
  fulfilled: number;
  unfulfilled: number;
  /** Each line's provisioning status, when it could be read. */
  lines?: OrderLineItemProvisioningStatus[];
}

export interface WaitOptions {
  intervalMs: number;
  timeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface WaitResult {
  progress: OrderProgress[];
  timedOut: boolean;
}

const describe = (p: OrderProgress): string => {
  const failed = p.unfulfilled ? `, ${p.unfulfilled} unfulfilled` : '';
  return `order ${p.order.id}: ${p.fulfilled}/${p.total} lines fulfilled${failed} (${p.order.status})`;
};

/** Reads where each of `orders` stands, and waits until none is `pending` or the time is up. */
export async function followProvisioning(
  partner: PartnerOperations,
  customerId: string,
  orders: Order[],
  out: Output,
  opts: WaitOptions,
): Promise<WaitResult> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const customer = partner.customers.byId(customerId);
  let canReadStatus = true;
  const last = new Map<string, string>();
  const deadline = Date.now() + opts.timeoutMs;

  const probe = async (order: Order): Promise<OrderProgress> => {
    const fresh = order.status === 'pending' ? await customer.orders.byId(order.id).get() : order;
    if (canReadStatus) {
      try {
        const { items } = await customer.orders.byId(order.id).provisioningStatus.get();
        const count = (s: string) => items.filter((l) => l.status.toLowerCase() === s).length;
        return { order: fresh, total: items.length, fulfilled: count('fulfilled'), unfulfilled: count('unfulfilled'), lines: items };
      } catch (err) {
        // App-only tokens may not read provisioning status (403): fall back to the order's lines.
        if (!(err instanceof PartnerCenterError) || err.status !== 403) throw err;
        canReadStatus = false;
      }
    }
    const total = fresh.lineItems.length;
    const fulfilled = fresh.status === 'completed' ? total : fresh.lineItems.filter((l) => l.subscriptionId).length;
    return { order: fresh, total, fulfilled, unfulfilled: fresh.status === 'cancelled' ? total - fulfilled : 0 };
  };

  let progress = await Promise.all(orders.map(probe));
  const pendingCount = () => progress.filter((p) => p.order.status === 'pending').length;
  const show = () => {
    for (const p of progress) {
      const line = describe(p);
      if (last.get(p.order.id) !== line) out.info(line);
      last.set(p.order.id, line);
    }
  };
  if (pendingCount()) out.info(`waiting for ${pendingCount()} pending order(s) to be provisioned…`);
  show();
  while (pendingCount() > 0) {
    if (Date.now() >= deadline) return { progress, timedOut: true };
    await sleep(Math.min(opts.intervalMs, Math.max(0, deadline - Date.now())));
    progress = await Promise.all(progress.map((p) => (p.order.status === 'pending' ? probe(p.order) : p)));
    show();
  }
  return { progress, timedOut: false };
}
