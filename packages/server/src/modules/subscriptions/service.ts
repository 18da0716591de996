/** Subscription use cases: reading them, and building the records an order's provisioned lines create. */
import { createHash, randomUUID } from 'node:crypto';
import type { Subscription, SubscriptionProvisioningStatus, SubscriptionRegistrationStatus } from '@partner-commerce/contract';
import type { Queryable } from '../../db/database.js';
import { fail } from '../../errors.js';
import { collection, isGuid, link } from '../../wire.js';
import type { CatalogItem } from '../catalog/service.js';
import { requireCustomer } from '../customers/service.js';
import { clockAt } from '../clock/service.js';
import * as repo from './repo.js';

export type { SubscriptionRecord } from './repo.js';

const USAGE_END = '9999-12-31T00:00:00.000Z';

/** Adds an ISO-8601 term (P1M, P1Y, P3Y) to a date. */
export function addTerm(start: Date, term: string): Date {
  const m = /^P(\d+)([DMY])$/.exec(term);
  const end = new Date(start);
  if (!m) return end;
  const n = Number(m[1]);
  if (m[2] === 'D') end.setUTCDate(end.getUTCDate() + n);
  if (m[2] === 'M') end.setUTCMonth(end.getUTCMonth() + n);
  if (m[2] === 'Y') end.setUTCFullYear(end.getUTCFullYear() + n);
  return end;
}

export interface NewSubscription {
  partnerTenantId: string;
  customerId: string;
  orderId: string;
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
  };
}

export function renderSubscription(s: repo.SubscriptionRecord): Subscription {
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
    attributes: { objectType: 'Subscription' },
  };
  if (s.parentSubscriptionId) out.parentSubscriptionId = s.parentSubscriptionId;
  if (s.termDuration) out.termDuration = s.termDuration;
  return out;
}

export async function listSubscriptions(db: Queryable, tenantId: string, customerId: string, orderId?: string) {
  const customer = await requireCustomer(db, tenantId, customerId);
  const rows = await repo.listSubscriptions(db, tenantId, customer.id, orderId);
  const self = `/customers/${customer.id}/subscriptions${orderId ? `?order_id=${encodeURIComponent(orderId)}` : ''}`;
  return collection(rows.map(renderSubscription), self);
}

export async function getSubscription(db: Queryable, tenantId: string, customerId: string, subscriptionId: string) {
  const customer = await requireCustomer(db, tenantId, customerId);
  const row = isGuid(subscriptionId) ? await repo.findSubscription(db, tenantId, customer.id, subscriptionId.toLowerCase()) : undefined;
  if (!row) fail('SubscriptionNotFound', `Subscription with id ${subscriptionId.slice(0, 64)} not found.`);
  return renderSubscription(row!);
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
  const line = await repo.findLineProvisioningStatus(db, row.orderId, row.id);
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
  return collection(rows.map(renderSubscription), `/customers/${customer.id}/subscriptions/${row.id}/addons`);
}

const registrationStatusPath = (s: repo.SubscriptionRecord) => `/customers/${s.customerId}/subscriptions/${s.id}/registrationstatus`;

export async function getRegistrationStatus(db: Queryable, tenantId: string, customerId: string, subscriptionId: string): Promise<SubscriptionRegistrationStatus> {
  const { row } = await ownSubscription(db, tenantId, customerId, subscriptionId);
  const registered = await repo.findRegistration(db, row.id);
  return { subscriptionId: row.id, status: registered ? 'Registered' : 'NotRegistered', attributes: { objectType: 'SubscriptionRegistrationStatus' } };
}

/**
 * Registers an Azure subscription for reservation purchases (register-a-subscription.md); the answer
 * is the status resource's path, for the `Location` header. Registering again changes nothing.
 */
export async function register(db: Queryable, tenantId: string, customerId: string, subscriptionId: string): Promise<string> {
  const { customer, row } = await ownSubscription(db, tenantId, customerId, subscriptionId);
  if (row.billingType !== 'usage') fail('NotAzureSubscription', `Subscription ${row.id} is not a valid Azure subscription.`);
  await repo.insertRegistration(db, row.id, clockAt(customer.clockOffsetMs));
  return registrationStatusPath(row);
}
