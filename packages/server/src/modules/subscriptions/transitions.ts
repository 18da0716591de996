/**
 * New-commerce transitions (upgrades, issue 15 item 3): which catalog items a subscription may move to
 * (`…/transitioneligibilities`), moving seats there (`POST …/transitions`: one transaction, audited as
 * `upgrade_subscription`) and the transitions made (`GET …/transitions`). What may be upgraded to what is
 * the catalog's `upgradeTargets`; the rules and their sources are in docs/compatibility.md.
 */
import { randomUUID } from 'node:crypto';
import type { Transition, TransitionEligibility, TransitionRequest } from '@partner-commerce/contract';
import type { Database, Queryable } from '../../db/database.js';
import { fail } from '../../errors.js';
import { collection, isGuid } from '../../wire.js';
import { auditEntry, recordAudit, type Actor } from '../audit/service.js';
import { availabilityItemIds, findUpgradeTargets } from '../catalog/repo.js';
import { canonicalCatalogItemId, resolveCatalogItems } from '../catalog/service.js';
import { isNewCommerce, openWindows, planTransitionSource } from './lifecycle.js';
import { raiseEvents, subscriptionEvent } from '../webhooks/events.js';
import * as repo from './repo.js';
import { buildSubscription, renderSubscription, requireSubscription, scheduledTargetIds } from './service.js';

export const ELIGIBILITY_TYPES = ['immediate', 'scheduled'] as const;
export const TRANSITION_TYPES = ['transition_only', 'transition_with_license_transfer'] as const;

/** TransitionErrorCode values ([NETM] `TransitionErrorCode.cs`) and the docs' descriptions. */
const NOT_ACTIVE = { code: 2, description: 'Subscription cannot be Transitioned - source subscription is not active.' };
const NOT_PROVISIONED = { code: 9, description: 'Subscription cannot be Transitioned - source subscription is not provisioned yet.' };
const NO_PATHS = { code: 7, description: 'Subscription cannot be Transitioned - it has no transition paths.' };

/** Why `sub` cannot transition now (none: it can). */
function sourceErrors(sub: repo.SubscriptionRecord) {
  if (!isNewCommerce(sub)) return [NO_PATHS];
  if (sub.status === 'pending') return [NOT_PROVISIONED];
  return sub.status === 'active' ? [] : [NOT_ACTIVE];
}

/**
 * The eligibilities of `sub`: `immediate`, its SKU's upgrade targets in its country (a mid-term
 * transition, seats transferred); `scheduled`, the other items of its own product and its upgrade
 * targets (what `scheduledNextTermInstructions` may renew into at the next term).
 */
async function eligibilities(q: Queryable, sub: repo.SubscriptionRecord, eligibilityType: string): Promise<TransitionEligibility[]> {
  if (!isNewCommerce(sub)) return [];
  const ids =
    eligibilityType === 'scheduled'
      ? await scheduledTargetIds(q, sub)
      : await availabilityItemIds(q, sub.country, { skus: await findUpgradeTargets(q, sub.productId!, sub.skuId!) });
  const items = await resolveCatalogItems(q, ids);
  const errors = sourceErrors(sub);
  return ids.flatMap((id) => {
    const item = items.get(id);
    if (!item) return [];
    const itemErrors = item.purchasable ? errors : [...errors, { code: 8, description: `Target offer ${id} is not available for purchase.` }];
    return [{
      catalogItemId: id,
      title: item.title,
      description: item.title,
      quantity: sub.quantity,
      eligibilities: [{
        isEligible: itemErrors.length === 0,
        transitionType: eligibilityType === 'scheduled' ? 'transition_only' : 'transition_with_license_transfer',
        eligibilityType,
        errors: itemErrors,
      }],
      attributes: { objectType: 'TransitionEligibility' as const },
    }];
  });
}

export async function listEligibilities(db: Queryable, tenantId: string, customerId: string, subscriptionId: string, eligibilityType = 'immediate') {
  const type = eligibilityType.toLowerCase();
  if (!(ELIGIBILITY_TYPES as readonly string[]).includes(type)) fail('InvalidRequestInput', `eligibilityType must be immediate or scheduled, not ${eligibilityType.slice(0, 32)}.`);
  const { customer, row } = await requireSubscription(db, tenantId, customerId, subscriptionId);
  const items = await eligibilities(db, row, type);
  return collection(items, `/customers/${customer.id}/subscriptions/${row.id}/transitioneligibilities?eligibilityType=${type}`);
}

export async function listTransitions(db: Queryable, tenantId: string, customerId: string, subscriptionId: string, operationId?: string) {
  const { customer, row } = await requireSubscription(db, tenantId, customerId, subscriptionId);
  if (operationId !== undefined && !isGuid(operationId)) fail('InvalidRequestInput', `operationId ${operationId.slice(0, 64)} is not a GUID.`);
  const items = (await repo.listTransitions(db, tenantId, row.id, operationId?.toLowerCase())) as Transition[];
  return collection(items, `/customers/${customer.id}/subscriptions/${row.id}/transitions`);
}

/** The target the seats move into: the named existing subscription (locked) of the target item, or a new one. */
async function targetSubscription(q: Queryable, source: repo.SubscriptionRecord, input: TransitionRequest, toItemId: string, now: Date) {
  if (input.toSubscriptionId) {
    const { row } = await requireSubscription(q, source.partnerTenantId, source.customerId, input.toSubscriptionId, true);
    if (row.offerId !== toItemId || row.status !== 'active') {
      fail('TransitionNotEligible', `toSubscriptionId ${row.id} is not an active subscription of ${toItemId}.`);
    }
    return { existing: true, row };
  }
  const item = (await resolveCatalogItems(q, [toItemId])).get(toItemId)!;
  const fresh = buildSubscription({
    partnerTenantId: source.partnerTenantId,
    customerId: source.customerId,
    orderId: null,
    item,
    quantity: 0,
    billingCycle: source.billingCycle,
    termDuration: source.termDuration ?? undefined,
    status: 'active',
    now,
  });
  // Co-termed with the source, and with its cancellation window (new-commerce-cancellation-policy).
  return {
    existing: false,
    row: {
      ...fresh,
      commitmentEndDate: source.commitmentEndDate,
      renewalTermDuration: source.renewalTermDuration,
      autoRenewEnabled: source.autoRenewEnabled,
      cancellationAllowedUntil: source.cancellationAllowedUntil,
      seatWindows: [],
    },
  };
}

/**
 * `POST …/subscriptions/{s}/transitions`: moves `quantity` seats of `s` to `toCatalogItemId`, which
 * must be an eligible immediate target; one transaction under both subscriptions' row locks.
 */
export async function createTransition(db: Database, actor: Actor, customerId: string, subscriptionId: string, input: TransitionRequest): Promise<Transition> {
  const transitionType = (input.transitionType || 'transition_with_license_transfer').toLowerCase();
  if (!(TRANSITION_TYPES as readonly string[]).includes(transitionType)) {
    fail('InvalidRequestInput', `transitionType must be transition_only or transition_with_license_transfer, not ${transitionType.slice(0, 40)}.`);
  }
  if (input.toSubscriptionId !== undefined && !isGuid(input.toSubscriptionId)) fail('InvalidRequestInput', `toSubscriptionId ${input.toSubscriptionId.slice(0, 64)} is not a GUID.`);
  const toItemId = canonicalCatalogItemId(input.toCatalogItemId);
  return db.transaction(async (tx) => {
    const { customer, row: source, now } = await requireSubscription(tx, actor.tenantId, customerId, subscriptionId, true);
    const target = (await eligibilities(tx, source, 'immediate')).find((e) => e.catalogItemId === toItemId);
    if (!target) fail('TransitionNotEligible', `Subscription ${source.id} (${source.offerId}) cannot transition to ${toItemId.slice(0, 64)}: see its transitioneligibilities.`);
    const errors = target!.eligibilities[0].errors;
    if (errors.length) fail('TransitionNotEligible', `Subscription ${source.id} cannot transition to ${toItemId}: ${errors[0].description}`, errors);
    if (input.quantity > source.quantity) {
      fail('InvalidRequestInput', `quantity ${input.quantity} exceeds the subscription's ${source.quantity} seats; a transition cannot add seats.`);
    }
    const before = renderSubscription(source, now);
    const nextSource = planTransitionSource(source, input.quantity, now);
    const { existing, row } = await targetSubscription(tx, source, input, toItemId, now);
    if (row.id === source.id) fail('TransitionNotEligible', 'A subscription cannot transition into itself.');
    // The moved seats keep the return window they had in the source, when it is still open.
    const window = source.cancellationAllowedUntil && openWindows([{ quantity: input.quantity, allowedUntilDateTime: source.cancellationAllowedUntil }], now);
    const nextTarget = {
      ...row,
      quantity: row.quantity + input.quantity,
      seatWindows: [...openWindows(row.seatWindows, now), ...(window || [])],
      version: existing ? row.version + 1 : row.version,
    };
    await repo.updateSubscription(tx, nextSource);
    if (existing) await repo.updateSubscription(tx, nextTarget);
    else await repo.insertSubscriptions(tx, [nextTarget]);
    const timestamp = now.toISOString();
    const event = (name: string) => ({ name, status: 'Completed', timestamp, attributes: { objectType: 'TransitionEvent' as const } });
    const transition: Transition = {
      operationId: randomUUID(),
      fromCatalogItemId: source.offerId,
      fromSubscriptionId: source.id,
      toCatalogItemId: toItemId,
      toSubscriptionId: nextTarget.id,
      quantity: input.quantity,
      termDuration: source.termDuration ?? '',
      billingCycle: source.billingCycle,
      transitionType,
      events: transitionType === 'transition_with_license_transfer' ? [event('Conversion'), event('SeatReassignment')] : [event('Conversion')],
      attributes: { objectType: 'Transition' },
    };
    await repo.insertTransition(tx, {
      operationId: transition.operationId,
      partnerTenantId: actor.tenantId,
      customerId: customer.id,
      fromSubscriptionId: source.id,
      toSubscriptionId: nextTarget.id,
      data: transition,
      createdAt: timestamp,
    });
    const audit = auditEntry(actor, customer.id, 'upgrade_subscription', 'subscription', source.id, { transition, subscription: renderSubscription(nextSource, now) }, before);
    await recordAudit(tx, [audit]);
    await raiseEvents(tx, actor.tenantId, [
      subscriptionEvent('subscription-updated', customer.id, source.id, audit.id),
      subscriptionEvent(existing ? 'subscription-updated' : 'subscription-active', customer.id, nextTarget.id),
    ]);
    return transition;
  });
}
