/**
 * The subscription's lifecycle, as pure rules (time is given, never read): one transition table and
 * one `transition()` for its status (STYLE.md 17), what a partner's PATCH may change, and what a term's
 * end does. The service runs these in a transaction; the facts and sources are in docs/compatibility.md.
 */
import { BILLING_CYCLES, type ScheduledNextTermInstructions, type SubscriptionUpdate } from '@partner-commerce/contract';
import { fail } from '../../errors.js';
import type { SeatWindow, SubscriptionRecord } from './repo.js';

/** New commerce: cancel, and reduce seats, within 7 days (168 hours) of purchase, renewal or the seats' addition. */
export const NEW_COMMERCE_WINDOW_MS = 168 * 3600 * 1000;

/**
 * What moves a subscription: provisioning (the worker, or the clock's settle), a partner's PATCH, the
 * end of its term, a full transition (upgrade), or the cancellation of the order line that bought it.
 */
export type Cause = 'provisioning' | 'patch' | 'termEnd' | 'transition' | 'orderCancellation';

/** The status moves there are, and what may make each. Anything else is refused. */
const TRANSITIONS: Record<string, Record<string, Cause[]>> = {
  pending: { active: ['provisioning'], deleted: ['provisioning'] },
  active: { suspended: ['patch'], deleted: ['patch', 'transition', 'orderCancellation'], expired: ['termEnd'] },
  suspended: { active: ['patch'], deleted: ['patch', 'orderCancellation'], expired: ['termEnd'] },
  deleted: {},
  expired: {},
};

/** The status after moving `from` to `to` for `cause`; 400·800092 when that move does not exist. */
export function transition(from: string, to: string, cause: Cause): string {
  if (!TRANSITIONS[from]?.[to]?.includes(cause)) {
    fail('InvalidStatusTransition', `A subscription cannot go from ${from} to ${to.slice(0, 32)}${cause === 'patch' ? ' by an update' : ''}.`);
  }
  return to;
}

/** New commerce (and software) licences have Partner Center's windows; legacy offers and usage do not. */
export const isNewCommerce = (s: Pick<SubscriptionRecord, 'productId' | 'billingType'>) => s.productId !== null && s.billingType === 'license';

const at = (ms: number) => new Date(ms).toISOString();

/** The seat windows still open at `now`. */
export const openWindows = (windows: SeatWindow[], now: Date) => windows.filter((w) => Date.parse(w.allowedUntilDateTime) > now.getTime());

/** `windows` less `n` seats, taken from the newest window first. */
function takeSeats(windows: SeatWindow[], n: number): SeatWindow[] {
  const out = windows.map((w) => ({ ...w }));
  for (let i = out.length - 1; i >= 0 && n > 0; i--) {
    const taken = Math.min(out[i].quantity, n);
    out[i].quantity -= taken;
    n -= taken;
  }
  return out.filter((w) => w.quantity > 0);
}

/** A .NET object built client side (`new Subscription { Status = … }`) carries DateTime.MinValue and every default. */
const isDotNetPartialObject = (input: SubscriptionUpdate) => input.creationDate?.startsWith('0001-01-01') === true;

const TERM = /^P[1-9]\d?[MY]$/;

/** Instructions as stored: ids and term upper-case, billing cycle as it travels (lower-case). */
function normalizeInstructions(i: ScheduledNextTermInstructions): ScheduledNextTermInstructions {
  const billingCycle = i.product.billingCycle.toLowerCase();
  const termDuration = i.product.termDuration.toUpperCase();
  if (!(BILLING_CYCLES as readonly string[]).includes(billingCycle) || billingCycle === 'unknown' || billingCycle === 'none') {
    fail('InvalidRequestInput', `scheduledNextTermInstructions.product.billingCycle ${i.product.billingCycle.slice(0, 32)} is not a billing cycle.`);
  }
  if (!TERM.test(termDuration)) fail('InvalidRequestInput', `scheduledNextTermInstructions.product.termDuration ${termDuration.slice(0, 16)} is not a term such as P1M or P1Y.`);
  const out: ScheduledNextTermInstructions = {
    product: {
      productId: i.product.productId.toUpperCase(),
      skuId: i.product.skuId.toUpperCase(),
      availabilityId: i.product.availabilityId.toUpperCase(),
      billingCycle,
      termDuration,
    },
    quantity: i.quantity,
  };
  if (i.product.promotionId) out.product.promotionId = i.product.promotionId;
  if (i.customTermEndDate) out.customTermEndDate = i.customTermEndDate;
  return out;
}

/** The catalog item id (`product:sku:availability`) the instructions renew into. */
export const instructionsItemId = (i: ScheduledNextTermInstructions) => `${i.product.productId}:${i.product.skuId}:${i.product.availabilityId}`;

/** JSON with object keys sorted: the database's jsonb gives stored objects back in its own key order. */
const canonical = (v: unknown): string =>
  v && typeof v === 'object'
    ? Array.isArray(v)
      ? `[${v.map(canonical).join(',')}]`
      : `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`
    : JSON.stringify(v ?? null);
const sameJson = (a: unknown, b: unknown) => canonical(a) === canonical(b);

export interface PlannedChange {
  next: SubscriptionRecord;
  /** The fields this change sets, in the order they were decided (empty: nothing to do). */
  changed: string[];
}

/**
 * What a PATCH does to `sub` at `now`. Fields equal to the stored value are no change (the SDKs send the
 * whole resource back); `quantity: 0` is never a change (a subscription ends by `status: deleted`), nor is
 * an empty `friendlyName`, nor `autoRenewEnabled: false` in a .NET object built client side. Any
 * immediate change (seats, status, auto-renew off) deletes scheduled next-term instructions, as the
 * docs say; instructions sent with it that differ from the stored ones are kept.
 */
export function planUpdate(sub: SubscriptionRecord, input: SubscriptionUpdate, now: Date): PlannedChange {
  const next: SubscriptionRecord = { ...sub, seatWindows: openWindows(sub.seatWindows, now) };
  const changed: string[] = [];
  const nce = isNewCommerce(sub);
  const status = input.status?.toLowerCase();
  const wantsStatus = status !== undefined && status !== sub.status;
  const wantsQuantity = input.quantity !== undefined && input.quantity !== 0 && input.quantity !== sub.quantity;
  const wantsAutoRenew =
    input.autoRenewEnabled !== undefined && input.autoRenewEnabled !== sub.autoRenewEnabled && !(isDotNetPartialObject(input) && !input.autoRenewEnabled);
  const wantsName = !!input.friendlyName && input.friendlyName !== sub.friendlyName;
  const instructions = input.scheduledNextTermInstructions && normalizeInstructions(input.scheduledNextTermInstructions);
  const wantsInstructions = instructions !== undefined && !sameJson(instructions, sub.scheduledNextTerm);
  if (!(wantsStatus || wantsQuantity || wantsAutoRenew || wantsName || wantsInstructions)) return { next: sub, changed };
  if (sub.status !== 'active' && sub.status !== 'suspended') {
    fail('SubscriptionNotActive', `Subscription ${sub.id} is ${sub.status}; it cannot be changed.`);
  }
  let immediate = false;

  if (wantsStatus) {
    next.status = transition(sub.status, status, 'patch');
    changed.push('status');
    immediate = true;
    if (next.status === 'deleted') {
      const until = sub.cancellationAllowedUntil;
      if (!until) fail('CancellationWindowClosed', `Subscription ${sub.id} cannot be cancelled: its offer allows no cancellation; suspend it instead.`);
      if (Date.parse(until!) <= now.getTime()) {
        fail('CancellationWindowClosed', `Subscription ${sub.id} can no longer be cancelled: its cancellation window ended at ${until}.`);
      }
      // A cancellation inside the window ends the subscription and refunds it: nothing else in the body applies.
      return { next: { ...next, autoRenewEnabled: false, scheduledNextTerm: null, seatWindows: [], version: sub.version + 1 }, changed };
    }
  }

  if (wantsQuantity) {
    const quantity = input.quantity!;
    if (next.status !== 'active') fail('SubscriptionNotActive', `Subscription ${sub.id} is ${next.status}; its seats change only while it is active.`);
    if (sub.billingType === 'usage') fail('InvalidRequestInput', `Subscription ${sub.id} is billed by usage; it has no seats to change.`);
    if (quantity > sub.quantity) {
      if (nce) next.seatWindows = [...next.seatWindows, { quantity: quantity - sub.quantity, allowedUntilDateTime: at(now.getTime() + NEW_COMMERCE_WINDOW_MS) }];
    } else if (nce) {
      const reducible = next.seatWindows.reduce((n, w) => n + w.quantity, 0);
      if (sub.quantity - quantity > reducible) {
        fail(
          'SeatReductionNotAllowed',
          `Subscription ${sub.id} can lose at most ${reducible} seat(s) now: seats can be reduced only within 7 days (168 hours) of being added.`,
          [{ refundableQuantity: reducible }],
        );
      }
      next.seatWindows = takeSeats(next.seatWindows, sub.quantity - quantity);
    }
    next.quantity = quantity;
    changed.push('quantity');
    immediate = true;
  }

  if (wantsAutoRenew) {
    next.autoRenewEnabled = input.autoRenewEnabled!;
    changed.push('autoRenewEnabled');
    if (!next.autoRenewEnabled) immediate = true;
  }
  if (wantsName) {
    next.friendlyName = input.friendlyName!;
    changed.push('friendlyName');
  }

  if (immediate && sub.scheduledNextTerm) next.scheduledNextTerm = null;
  if (wantsInstructions) {
    if (!nce) fail('InvalidRequestInput', 'scheduledNextTermInstructions apply to new-commerce subscriptions only.');
    if (next.status !== 'active') fail('SubscriptionNotActive', `Subscription ${sub.id} is ${next.status}; schedule next-term changes while it is active.`);
    if (!next.autoRenewEnabled) fail('InvalidRequestInput', 'scheduledNextTermInstructions need autoRenewEnabled: true (they apply at the next auto-renewal).');
    next.scheduledNextTerm = instructions!;
    changed.push('scheduledNextTermInstructions');
  }
  next.version = sub.version + 1;
  return { next, changed };
}

/**
 * What a transition (upgrade) of `moved` seats at `now` does to its source `sub`: a partial one reduces
 * its seats (the moved ones leave the reduction windows, newest first, as a seat reduction would take
 * them); a full one ends it (`deleted`: the seats live on in the target). Either is an immediate change,
 * so scheduled next-term instructions go. The caller has checked eligibility and `moved <= quantity`.
 */
export function planTransitionSource(sub: SubscriptionRecord, moved: number, now: Date): SubscriptionRecord {
  const full = moved >= sub.quantity;
  return {
    ...sub,
    status: full ? transition(sub.status, 'deleted', 'transition') : sub.status,
    quantity: full ? sub.quantity : sub.quantity - moved,
    autoRenewEnabled: full ? false : sub.autoRenewEnabled,
    seatWindows: full ? [] : takeSeats(openWindows(sub.seatWindows, now), moved),
    scheduledNextTerm: null,
    version: sub.version + 1,
  };
}

/**
 * What the end of `sub`'s term does, at that instant (not when a worker got to it): an active
 * subscription with auto-renew starts its next term, its scheduled instructions applied (which may
 * name another SKU or product: it renews into that catalog item), with a new
 * cancellation window and every seat in a new reduction window; any other one expires.
 */
export function planTermEnd(sub: SubscriptionRecord, renewalTitle?: string): SubscriptionRecord {
  const end = sub.commitmentEndDate;
  if (sub.status !== 'active' || !sub.autoRenewEnabled) {
    return { ...sub, status: transition(sub.status, 'expired', 'termEnd'), scheduledNextTerm: null, seatWindows: [], version: sub.version + 1 };
  }
  const i = sub.scheduledNextTerm;
  const term = i?.product.termDuration ?? sub.renewalTermDuration ?? sub.termDuration ?? 'P1M';
  const quantity = i?.quantity ?? sub.quantity;
  const windowEnd = at(Date.parse(end) + NEW_COMMERCE_WINDOW_MS);
  const nce = isNewCommerce(sub);
  return {
    ...sub,
    ...(i && {
      offerId: instructionsItemId(i),
      productId: i.product.productId,
      skuId: i.product.skuId,
      availabilityId: i.product.availabilityId,
      offerName: renewalTitle ?? sub.offerName,
      billingCycle: i.product.billingCycle,
    }),
    quantity,
    effectiveStartDate: end,
    commitmentEndDate: addTerm(new Date(end), term, new Date(sub.creationDate).getUTCDate()).toISOString(),
    termDuration: term,
    renewalTermDuration: term,
    cancellationAllowedUntil: nce ? windowEnd : sub.cancellationAllowedUntil,
    seatWindows: nce ? [{ quantity, allowedUntilDateTime: windowEnd }] : [],
    scheduledNextTerm: null,
    version: sub.version + 1,
  };
}

/**
 * Adds an ISO-8601 term (P1M, P1Y, P3Y) to a date. Months and years keep the day of month `anchorDay`
 * (default: the start's), clamped to the month's last day: a term bought on the 31st ends on 28 February,
 * and, anchored to the 31st, the next one on 31 March, so monthly renewals do not drift.
 */
export function addTerm(start: Date, term: string, anchorDay = start.getUTCDate()): Date {
  const m = /^P(\d+)([DMY])$/.exec(term);
  const end = new Date(start);
  if (!m) return end;
  const n = Number(m[1]);
  if (m[2] === 'D') {
    end.setUTCDate(end.getUTCDate() + n);
    return end;
  }
  const months = start.getUTCMonth() + (m[2] === 'M' ? n : 12 * n);
  const lastDay = new Date(Date.UTC(start.getUTCFullYear(), months + 1, 0)).getUTCDate();
  end.setUTCFullYear(start.getUTCFullYear(), months, Math.min(anchorDay, lastDay));
  return end;
}
