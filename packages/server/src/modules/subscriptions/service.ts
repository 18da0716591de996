/**
 * Subscription use cases: reading them (and what partners poll: provisioning status, add-ons,
 * reservation registration), building the records an order's provisioned lines create, a partner's
 * change (PATCH, one transaction, audited, If-Match-checked) and the renewal or expiry each term's end
 * brings (claimed from the database by the worker and by the sandbox clock).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Subscription, SubscriptionProvisioningStatus, SubscriptionRegistrationStatus, SubscriptionUpdate } from '@partner-commerce/contract';
import type { Database, Queryable, Writer } from '../../db/database.js';
import { fail } from '../../errors.js';
import { collection, isGuid, link } from '../../wire.js';
import { auditEntry, recordAudit, type Actor } from '../audit/service.js';
import { resolveCatalogItems, type CatalogItem } from '../catalog/service.js';
import { availabilityItemIds, findUpgradeTargets } from '../catalog/repo.js';
import { clockAt, partnerNow } from '../clock/service.js';
import * as jobs from '../jobs/repo.js';
import type { JobOutcome } from '../jobs/retry.js';
import { requireCustomer } from '../customers/service.js';
import { NEW_COMMERCE_WINDOW_MS, addTerm, instructionsItemId, isNewCommerce, openWindows, planTermEnd, planUpdate, transition, type Cause } from './lifecycle.js';
import { raiseEvents, subscriptionEvent } from '../webhooks/events.js';
import * as repo from './repo.js';

export type { SubscriptionRecord } from './repo.js';
export { addTerm } from './lifecycle.js';

const USAGE_END = '9999-12-31T00:00:00.000Z';

export interface NewSubscription {
  partnerTenantId: string;
  customerId: string;
  orderId: string | null;
  item: CatalogItem;
  friendlyName?: string;
  quantity: number;
  billingCycle: string;
  termDuration?: string;
  parentSubscriptionId?: string;
  status: 'active' | 'pending';
  now: Date;
}

/** The subscription record a provisioned (or pre-created, for new commerce) order line gets. */
export function buildSubscription(s: NewSubscription): repo.SubscriptionRecord {
  const start = new Date(Date.UTC(s.now.getUTCFullYear(), s.now.getUTCMonth(), s.now.getUTCDate()));
  const term = s.termDuration ?? (s.billingCycle === 'annual' ? 'P1Y' : 'P1M');
  const usage = s.item.billingType === 'usage';
  const windowEnd = new Date(s.now.getTime() + NEW_COMMERCE_WINDOW_MS).toISOString();
  const nce = isNewCommerce({ productId: s.item.productId ?? null, billingType: usage ? 'usage' : 'license' });
  return {
    id: randomUUID(),
    entitlementId: randomUUID(),
    partnerTenantId: s.partnerTenantId,
    customerId: s.customerId,
    orderId: s.orderId,
    offerId: s.item.catalogItemId,
    productId: s.item.productId ?? null,
    skuId: s.item.skuId ?? null,
    availabilityId: s.item.availabilityId ?? null,
    country: s.item.country,
    offerName: s.item.title,
    friendlyName: s.friendlyName || s.item.title,
    quantity: s.quantity,
    unitType: s.item.unitType,
    parentSubscriptionId: s.parentSubscriptionId ?? null,
    creationDate: s.now.toISOString(),
    effectiveStartDate: start.toISOString(),
    commitmentEndDate: usage ? USAGE_END : addTerm(start, term).toISOString(),
    status: s.status,
    autoRenewEnabled: !usage && !s.item.isTrial,
    isTrial: s.item.isTrial,
    billingType: usage ? 'usage' : 'license',
    billingCycle: s.billingCycle,
    termDuration: usage ? null : term,
    contractType: 'subscription',
    cancellationAllowedUntil: nce ? windowEnd : null,
    seatWindows: nce ? [{ quantity: s.quantity, allowedUntilDateTime: windowEnd }] : [],
    renewalTermDuration: usage ? null : term,
    scheduledNextTerm: null,
    version: 1,
  };
}

/** The subscription as it travels, its windows judged at `now` (the partner's time). */
export function renderSubscription(s: repo.SubscriptionRecord, now: Date): Subscription {
  const country = `?country=${s.country}`;
  const links: Subscription['links'] = { self: link(`/customers/${s.customerId}/subscriptions/${s.id}`) };
  if (s.productId) {
    links.product = link(`/products/${s.productId}${country}`);
    links.sku = link(`/products/${s.productId}/skus/${s.skuId}${country}`);
    links.availability = link(`/products/${s.productId}/skus/${s.skuId}/availabilities/${s.availabilityId}${country}`);
  } else {
    links.offer = link(`/offers/${s.offerId}${country}`);
  }
  const out: Subscription = {
    id: s.id,
    entitlementId: s.entitlementId,
    offerId: s.offerId,
    offerName: s.offerName,
    friendlyName: s.friendlyName,
    quantity: s.quantity,
    unitType: s.unitType,
    creationDate: s.creationDate,
    effectiveStartDate: s.effectiveStartDate,
    commitmentEndDate: s.commitmentEndDate,
    status: s.status,
    autoRenewEnabled: s.autoRenewEnabled,
    isTrial: s.isTrial,
    billingType: s.billingType,
    billingCycle: s.billingCycle,
    contractType: s.contractType,
    orderId: s.orderId ?? '',
    links,
    attributes: { etag: String(s.version), objectType: 'Subscription' },
  };
  if (s.parentSubscriptionId) out.parentSubscriptionId = s.parentSubscriptionId;
  if (s.termDuration) out.termDuration = s.termDuration;
  if (s.renewalTermDuration) out.renewalTermDuration = s.renewalTermDuration;
  if (s.cancellationAllowedUntil) {
    out.cancellationAllowedUntilDate = s.cancellationAllowedUntil;
    // Inside the window a cancellation is refunded, prorated by day (new-commerce-cancellation-policy).
    const live = s.status === 'active' || s.status === 'suspended';
    if (live && Date.parse(s.cancellationAllowedUntil) > now.getTime()) out.refundOptions = [{ type: 'Partial', expiresAt: s.cancellationAllowedUntil }];
  }
  if (isNewCommerce(s)) {
    const details = openWindows(s.seatWindows, now);
    out.refundableQuantity = { totalQuantity: details.reduce((n, w) => n + w.quantity, 0), details };
  }
  if (s.scheduledNextTerm) out.scheduledNextTermInstructions = s.scheduledNextTerm;
  return out;
}

export async function listSubscriptions(db: Queryable, tenantId: string, customerId: string, orderId?: string) {
  const customer = await requireCustomer(db, tenantId, customerId);
  const rows = await repo.listSubscriptions(db, tenantId, customer.id, orderId);
  const self = `/customers/${customer.id}/subscriptions${orderId ? `?order_id=${encodeURIComponent(orderId)}` : ''}`;
  const now = clockAt(customer.clockOffsetMs);
  return collection(rows.map((r) => renderSubscription(r, now)), self);
}

/** The customer (404/400 as requireCustomer decides) and its subscription (404·20003), locked with `lock`. */
export async function requireSubscription(q: Queryable, tenantId: string, customerId: string, subscriptionId: string, lock = false) {
  const customer = await requireCustomer(q, tenantId, customerId);
  const row = isGuid(subscriptionId) ? await repo.findSubscription(q, tenantId, customer.id, subscriptionId.toLowerCase(), lock) : undefined;
  if (!row) fail('SubscriptionNotFound', `Subscription with id ${subscriptionId.slice(0, 64)} not found.`);
  return { customer, row: row!, now: clockAt(customer.clockOffsetMs) };
}

export async function getSubscription(db: Queryable, tenantId: string, customerId: string, subscriptionId: string) {
  const { row, now } = await requireSubscription(db, tenantId, customerId, subscriptionId);
  return renderSubscription(row, now);
}

/** Whether an If-Match header names the subscription's etag (`*`, quoted, weak or bare; absent: no condition). */
const etagMatches = (ifMatch: string | undefined, etag: string) =>
  ifMatch === undefined ||
  ifMatch.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
    return tag === '*' || tag === etag;
  });

/**
 * The catalog items `sub` may renew into through `scheduledNextTermInstructions` (its `scheduled`
 * transition eligibilities): the other items of its own product (another SKU, term or billing
 * cycle) and its SKU's upgrade targets (another product), in its country.
 */
export async function scheduledTargetIds(q: Queryable, sub: repo.SubscriptionRecord): Promise<string[]> {
  if (!isNewCommerce(sub)) return [];
  const [own, upgrades] = [
    await availabilityItemIds(q, sub.country, { productId: sub.productId! }),
    await availabilityItemIds(q, sub.country, { skus: await findUpgradeTargets(q, sub.productId!, sub.skuId!) }),
  ];
  return [...new Set([...own, ...upgrades])].filter((id) => id !== sub.offerId);
}

/**
 * Checks what scheduled instructions renew into: a catalog item (400·800004 otherwise) that is the
 * subscription's own or one of its scheduled targets, purchasable, offering the term and billing cycle
 * (400·800002 otherwise), as `transitioneligibilities?eligibilityType=scheduled` lists them.
 */
async function checkInstructions(q: Queryable, sub: repo.SubscriptionRecord, i: NonNullable<repo.SubscriptionRecord['scheduledNextTerm']>) {
  const id = instructionsItemId(i);
  const item = (await resolveCatalogItems(q, [id])).get(id);
  if (!item) fail('InvalidOfferId', `scheduledNextTermInstructions name ${id}, which is not in the catalog.`);
  if (id !== sub.offerId && !(await scheduledTargetIds(q, sub)).includes(id)) {
    fail('InvalidRequestInput', `scheduledNextTermInstructions name ${id}, which subscription ${sub.id} cannot renew into: see its transitioneligibilities?eligibilityType=scheduled.`);
  }
  if (!item!.purchasable) fail('InvalidRequestInput', `scheduledNextTermInstructions name ${id}, which is not available for purchase.`);
  const { billingCycle, termDuration } = i.product;
  if (!item!.terms.some((t) => t.duration === termDuration && (!t.billingCycle || t.billingCycle === billingCycle)) || !item!.billingCycles.includes(billingCycle)) {
    fail('InvalidRequestInput', `${id} is not offered for a ${termDuration} term billed ${billingCycle}.`);
  }
}

/**
 * `PATCH …/subscriptions/{s}`: one transaction under the subscription's row lock. A stale If-Match is
 * 412·800036; a body that changes nothing answers the subscription as it is, unaudited.
 */
export async function updateSubscription(
  db: Database,
  actor: Actor,
  customerId: string,
  subscriptionId: string,
  input: SubscriptionUpdate,
  ifMatch?: string,
): Promise<Subscription> {
  return db.transaction(async (tx) => {
    const { customer, row, now } = await requireSubscription(tx, actor.tenantId, customerId, subscriptionId, true);
    if (!etagMatches(ifMatch, String(row.version))) {
      fail('PreconditionFailed', `Subscription ${row.id} changed since it was read (its etag is now ${row.version}); read it again and retry.`);
    }
    const { next, changed } = planUpdate(row, input, now);
    const before = renderSubscription(row, now);
    if (!changed.length) return before;
    if (changed.includes('scheduledNextTermInstructions')) await checkInstructions(tx, row, next.scheduledNextTerm!);
    await repo.updateSubscription(tx, next);
    const after = renderSubscription(next, now);
    const audit = auditEntry(actor, customer.id, 'update_subscription', 'subscription', row.id, after, before);
    await recordAudit(tx, [audit]);
    await raiseEvents(tx, actor.tenantId, [subscriptionEvent('subscription-updated', customer.id, row.id, audit.id)]);
    return after;
  });
}

/**
 * Moves subscriptions `ids` to status `to` for `cause` through the lifecycle's one `transition()`
 * (STYLE.md 17), under their row locks: what the worker's provisioning and an order's cancellation do
 * to the subscriptions of their lines. One already at `to` stays as it is; any other move the table
 * lacks is refused (400·800092).
 */
export async function moveSubscriptions(q: Queryable, tenantId: string, ids: string[], to: string, cause: Cause): Promise<void> {
  if (!ids.length) return;
  const rows = await repo.lockStatuses(q, tenantId, ids);
  await repo.setStatuses(q, tenantId, rows.filter((r) => r.status !== to).map((r) => ({ id: r.id, status: transition(r.status, to, cause) })));
}

/** Who renews: Partner Center itself, recorded as the audit's application. */
const renewalActor = (tenantId: string): Actor => ({ tenantId, appId: 'partner-commerce-renewals', kind: 'app' });

/** Renews or expires one subscription whose term has ended: one term, audited, with its events. */
async function endTerm(tx: Queryable & Writer, sub: repo.SubscriptionRecord): Promise<repo.SubscriptionRecord> {
  const title = sub.scheduledNextTerm && sub.status === 'active' && sub.autoRenewEnabled
    ? (await resolveCatalogItems(tx, [instructionsItemId(sub.scheduledNextTerm)])).get(instructionsItemId(sub.scheduledNextTerm))?.title
    : undefined;
  const next = planTermEnd(sub, title);
  await repo.updateSubscription(tx, next);
  const at = new Date(sub.commitmentEndDate);
  const audit = auditEntry(renewalActor(sub.partnerTenantId), sub.customerId, 'update_subscription', 'subscription', sub.id, renderSubscription(next, at), renderSubscription(sub, at));
  await recordAudit(tx, [audit]);
  // A new term is a renewal; a term that ends without one (auto-renew off, suspended) changes the state only.
  const renewed = next.status !== 'expired';
  await raiseEvents(tx, sub.partnerTenantId, [
    ...(renewed ? [subscriptionEvent('subscription-renewed', sub.customerId, sub.id, audit.id)] : []),
    subscriptionEvent('subscription-updated', sub.customerId, sub.id, audit.id),
  ]);
  return next;
}

/** How long a pending subscription's renewal waits for its provisioning when its term has already ended. */
const PENDING_RECHECK_MS = 60_000;

/**
 * A subscription's renewal job (kind `renewal`, due at its commitment end on the partner's clock), in
 * one transaction under the job's and the subscription's row locks: exactly once, whichever worker or
 * clock advance claims it. A running subscription whose term has ended renews or expires (one term per
 * claim: one several terms behind is claimed again at once); the job is then due at the next term
 * end, or done once the subscription no longer runs. Pending ones wait for their provisioning.
 */
export async function runRenewalJob(db: Database, job: jobs.JobRow, workerId: string): Promise<JobOutcome> {
  return db.transaction(async (tx) => {
    if (!(await jobs.lockOwnedJob(tx, job, workerId))) return 'lost';
    let sub = await repo.lockSubscriptionById(tx, job.partner_tenant_id, job.key);
    const now = (await partnerNow(tx, job.partner_tenant_id)).getTime();
    if (sub && (sub.status === 'active' || sub.status === 'suspended') && Date.parse(sub.commitmentEndDate) <= now) sub = await endTerm(tx, sub);
    if (!sub || !['active', 'suspended', 'pending'].includes(sub.status)) {
      await jobs.finishJob(tx, job, 'done', null);
      return 'done';
    }
    const due = sub.status === 'pending' ? Math.max(Date.parse(sub.commitmentEndDate), now + PENDING_RECHECK_MS) : Date.parse(sub.commitmentEndDate);
    await jobs.rescheduleJob(tx, job, workerId, new Date(due).toISOString());
    return 'done';
  });
}

/** Claims and runs up to `limit` due renewal jobs (one partner's, or everyone's); how many it ran. */
export async function runDueRenewals(db: Database, limit: number, tenantId?: string): Promise<number> {
  const runner = `renewals-${process.pid}-${randomUUID().slice(0, 6)}`;
  const claimed = await jobs.claimJobs(db, runner, limit, 60, { tenantId, kinds: ['renewal'] });
  for (const job of claimed) await runRenewalJob(db, job, runner);
  return claimed.length;
}

// ---------------------------------------------------------------------------------------------
// What partners poll: provisioning status, add-ons, reservation registration (issue 15 item 2)

async function ownSubscription(db: Queryable, tenantId: string, customerId: string, subscriptionId: string) {
  const customer = await requireCustomer(db, tenantId, customerId);
  const row = isGuid(subscriptionId) ? await repo.findSubscription(db, tenantId, customer.id, subscriptionId.toLowerCase()) : undefined;
  if (!row) fail('SubscriptionNotFound', `Subscription with id ${subscriptionId.slice(0, 64)} not found.`);
  return { customer, row: row! };
}

/**
 * The GUID `SubscriptionProvisioningStatus.skuId` carries (the .NET SDK parses it as a `Guid`): a legacy
 * offer's own id; for a product SKU, a name-based GUID (RFC 4122 version 5 layout, SHA-1 of
 * `productId:skuId`), the same on every call.
 */
export function skuGuid(s: Pick<repo.SubscriptionRecord, 'offerId' | 'productId' | 'skuId'>): string {
  if (!s.productId && isGuid(s.offerId)) return s.offerId.toLowerCase();
  const h = createHash('sha1').update(`${s.productId ?? s.offerId}:${s.skuId ?? ''}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Seconds precision, no fraction: the Java SDK's older models parse dates with `dateTimeNoMillis`. */
const noMillis = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');

export async function getProvisioningStatus(db: Queryable, tenantId: string, customerId: string, subscriptionId: string): Promise<SubscriptionProvisioningStatus> {
  const { row } = await ownSubscription(db, tenantId, customerId, subscriptionId);
  const line = await repo.findLineProvisioningStatus(db, tenantId, row.orderId, row.id);
  const status = line === 'Unfulfilled' ? 'failed' : row.status === 'pending' || line === 'PrefulfillmentPending' ? 'pending' : 'success';
  return {
    skuId: skuGuid(row),
    status,
    quantity: row.quantity,
    endDate: noMillis(row.commitmentEndDate),
    attributes: { objectType: 'SubscriptionProvisioningStatus' },
  };
}

export async function listAddOns(db: Queryable, tenantId: string, customerId: string, subscriptionId: string) {
  const { customer, row } = await ownSubscription(db, tenantId, customerId, subscriptionId);
  const rows = await repo.listAddOns(db, tenantId, customer.id, row.id);
  const now = clockAt(customer.clockOffsetMs);
  return collection(rows.map((r) => renderSubscription(r, now)), `/customers/${customer.id}/subscriptions/${row.id}/addons`);
}

const registrationStatusPath = (s: repo.SubscriptionRecord) => `/customers/${s.customerId}/subscriptions/${s.id}/registrationstatus`;

export async function getRegistrationStatus(db: Queryable, tenantId: string, customerId: string, subscriptionId: string): Promise<SubscriptionRegistrationStatus> {
  const { row } = await ownSubscription(db, tenantId, customerId, subscriptionId);
  const registered = await repo.findRegistration(db, tenantId, row.id);
  return { subscriptionId: row.id, status: registered ? 'Registered' : 'NotRegistered', attributes: { objectType: 'SubscriptionRegistrationStatus' } };
}

/**
 * Registers an Azure subscription for reservation purchases (register-a-subscription.md); the answer
 * is the status resource's path, for the `Location` header. Registering again changes nothing.
 */
export async function register(db: Queryable, tenantId: string, customerId: string, subscriptionId: string): Promise<string> {
  const { customer, row } = await ownSubscription(db, tenantId, customerId, subscriptionId);
  if (row.billingType !== 'usage') fail('NotAzureSubscription', `Subscription ${row.id} is not a valid Azure subscription.`);
  await repo.insertRegistration(db, tenantId, row.id, clockAt(customer.clockOffsetMs));
  return registrationStatusPath(row);
}
