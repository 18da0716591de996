/**
 * Order and order-line states as transition tables (STYLE.md 5 and 17), pure: the routes (order
 * cancellation) and the provisioning worker both move them through these, so an illegal move is
 * refused in one place whoever attempts it.
 */
import { fail } from '../../errors.js';

/** Order statuses and the moves between them; provisioning settles `pending` ones, cancellation ends them. */
const ORDER_TRANSITIONS: Record<string, readonly string[]> = {
  pending: ['completed', 'cancelled'],
  completed: ['cancelled'],
  cancelled: [],
};

/** The order's status after moving to `to` (staying put is no move); 400·800061 when that move does not exist. */
export function orderTransition(order: { id: string; status: string }, to: string): string {
  if (order.status !== to && !ORDER_TRANSITIONS[order.status]?.includes(to)) {
    fail('OrderNotCancellable', `Order ${order.id} is ${order.status} and cannot become ${to}.`);
  }
  return to;
}

export type LineStatus = 'PrefulfillmentPending' | 'Fulfilled' | 'Unfulfilled';

/** Line provisioning statuses: provisioning fulfils or fails a waiting line; cancellation unfulfils a fulfilled one. */
const LINE_TRANSITIONS: Record<LineStatus, readonly LineStatus[]> = {
  PrefulfillmentPending: ['Fulfilled', 'Unfulfilled'],
  Fulfilled: ['Unfulfilled'],
  Unfulfilled: [],
};

/** The line's status after moving `from` to `to` (staying put is no move); 400·800092 when that move does not exist. */
export function lineTransition<T extends LineStatus>(from: string, to: T): T {
  if (from !== to && !LINE_TRANSITIONS[from as LineStatus]?.includes(to)) {
    fail('InvalidStatusTransition', `An order line cannot go from ${from} to ${to}.`);
  }
  return to;
}
