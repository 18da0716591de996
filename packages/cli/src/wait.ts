/**
 * `pcx cart submit --wait`: follows the checkout's pending orders until none is pending. Progress: a
 * pipe gets a line whenever an order moves ("order X: 2/3 lines fulfilled (pending)"); a terminal gets
 * a live line of the pending orders and the time waited, and a line for each order that is done. Line states come from the
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

  const started = Date.now();
  let progress = await Promise.all(orders.map(probe));
  const pendingCount = () => progress.filter((p) => p.order.status === 'pending').length;
  const live = out.progress.mode === 'tty';
  const show = () => {
    for (const p of progress) {
      const line = describe(p);
      // A terminal keeps the pending orders on the live line; a pipe gets every change.
      if (last.get(p.order.id) !== line && (!live || p.order.status !== 'pending')) out.progress.note(line);
      last.set(p.order.id, line);
    }
    const pending = progress.filter((p) => p.order.status === 'pending');
    if (live && pending.length) {
      const orders = pending.map((p) => `${p.order.id.slice(0, 8)}… ${p.fulfilled}/${p.total}`).join(', ');
      out.progress.status(`provisioning, ${Math.round((Date.now() - started) / 1000)}s: ${pending.length} order(s) pending (${orders} lines fulfilled)`);
    }
  };
  if (pendingCount()) out.progress.note(`waiting for ${pendingCount()} pending order(s) to be provisioned…`);
  show();
  while (pendingCount() > 0) {
    if (Date.now() >= deadline) return { progress, timedOut: true };
    await sleep(Math.min(opts.intervalMs, Math.max(0, deadline - Date.now())));
    progress = await Promise.all(progress.map((p) => (p.order.status === 'pending' ? probe(p.order) : p)));
    show();
  }
  return { progress, timedOut: false };
}
