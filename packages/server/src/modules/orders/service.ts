/**
 * Order use cases: turning checked-out order groups into orders (with the subscriptions of the lines
 * that provision at once), and reading orders and their provisioning status.
 */
import { randomUUID } from 'node:crypto';
import type { CartLineItem, Order, OrderLineItem } from '@partner-commerce/contract';
import type { Queryable, Writer } from '../../db/database.js';
import { fail } from '../../errors.js';
import { collection, link, parseEnum, randomToken } from '../../wire.js';
import { resolveCatalogItems, type CatalogItem } from '../catalog/service.js';
import { requireCustomer, type CustomerRecord } from '../customers/service.js';
import { buildSubscription, type SubscriptionRecord } from '../subscriptions/service.js';
import { insertSubscriptions } from '../subscriptions/repo.js';
import { enqueueJobs } from '../provisioning/repo.js';
import type { ProvisioningPolicy } from '../provisioning/service.js';
import * as repo from './repo.js';

export type { OrderWithLines } from './repo.js';

/** One order group of a cart, ready to become an order: its lines in cart order, add-ons after their base. */
export interface OrderGroupSpec {
  orderGroup: string;
  billingCycle: string;
  lines: { line: CartLineItem; item: CatalogItem; parentLine?: number }[];
}

export interface PlaceOrdersInput {
  partnerTenantId: string;
  customer: CustomerRecord;
  cartId: string;
  attestationAccepted?: boolean;
  groups: OrderGroupSpec[];
  now: Date;
  provisioning: ProvisioningPolicy;
}

/** Order ids as Partner Center shapes them: GUIDs for legacy offers, a token plus a 12-hex friendly id otherwise. */
function newOrderIds(legacy: boolean): { id: string; alternateId: string } {
  if (legacy) {
    const id = randomUUID();
    return { id, alternateId: id };
  }
  return { id: randomToken(25, 'base64url').slice(0, 33), alternateId: randomToken(6, 'hex') };
}

/**
 * Writes one order per group through `tx` (the caller's transaction, or a WriteBatch run in it): legacy offers and other items that
 * provision at once are `Fulfilled` with a subscription; the rest wait `PrefulfillmentPending`
 * (new-commerce licences get their subscription id up front, as Partner Center shows them).
 * An order is `completed` when every line is fulfilled, `pending` otherwise.
 */
export async function placeOrders(tx: Writer, input: PlaceOrdersInput): Promise<repo.OrderWithLines[]> {
  const orders: repo.OrderWithLines[] = [];
  const subscriptions: SubscriptionRecord[] = [];
  for (const group of input.groups) {
    const ids = newOrderIds(group.lines.every((l) => l.item.kind === 'offer'));
    const lines: repo.OrderLineRecord[] = [];
    group.lines.forEach(({ line, item, parentLine }, lineItemNumber) => {
      const immediate = item.provisioning === 'immediate';
      let subscriptionId: string | null = null;
      const parentSubscriptionId =
        parentLine !== undefined ? lines[parentLine]?.subscriptionId ?? null : line.provisioningContext?.parentSubscriptionId?.toLowerCase() ?? null;
      if (immediate || item.productType === 'OnlineServicesNCE') {
        const sub = buildSubscription({
          partnerTenantId: input.partnerTenantId,
          customerId: input.customer.id,
          orderId: ids.id,
          item,
          friendlyName: line.friendlyName,
          quantity: line.quantity,
          billingCycle: line.billingCycle,
          termDuration: line.termDuration,
          parentSubscriptionId: parentSubscriptionId ?? undefined,
          status: immediate ? 'active' : 'pending',
          now: input.now,
        });
        subscriptions.push(sub);
        subscriptionId = sub.id;
      }
      const participants = line.participants ?? [];
      lines.push({
        orderId: ids.id,
        lineItemNumber,
        offerId: item.catalogItemId,
        productId: item.productId ?? null,
        skuId: item.skuId ?? null,
        availabilityId: item.availabilityId ?? null,
        country: item.country,
        subscriptionId,
        parentSubscriptionId,
        friendlyName: line.friendlyName ?? item.title,
        quantity: line.quantity,
        billingCycle: line.billingCycle,
        termDuration: line.termDuration ?? null,
        renewsTo: line.renewsTo ?? null,
        promotionId: line.promotionId ?? null,
        customTermEndDate: line.customTermEndDate ?? null,
        transactionType: 'New',
        provisioningContext: line.provisioningContext ?? null,
        partnerIdOnRecord: participants.find((p) => p.key === 'transaction_reseller')?.value ?? null,
        attestationAccepted: line.attestationAccepted ?? null,
        unitPrice: item.unitPrice,
        provisioningStatus: immediate ? 'Fulfilled' : 'PrefulfillmentPending',
        productType: item.productType,
        provisioningError: null,
      });
    });
    orders.push({
      ...ids,
      partnerTenantId: input.partnerTenantId,
      customerId: input.customer.id,
      referenceCustomerId: input.customer.commerceId,
      cartId: input.cartId,
      orderGroup: group.orderGroup,
      billingCycle: group.billingCycle,
      currencyCode: group.lines[0].item.currency.code,
      status: lines.every((l) => l.provisioningStatus === 'Fulfilled') ? 'completed' : 'pending',
      transactionType: 'UserPurchase',
      partnerOnRecordAttestationAccepted: input.attestationAccepted ?? null,
      creationDate: input.now.toISOString(),
      lines,
    });
  }
  await repo.insertOrders(tx, orders);
  await repo.insertOrderLines(tx, orders.flatMap((o) => o.lines));
  await insertSubscriptions(tx, subscriptions);
  // Pending orders are provisioned later by a worker; the job is written in this same transaction.
  const waiting = orders.flatMap((o) =>
    o.lines.filter((l) => l.provisioningStatus === 'PrefulfillmentPending').map((l) => ({ orderId: o.id, productType: l.productType })),
  );
  await enqueueJobs(tx, input.partnerTenantId, waiting, input.provisioning.defaultDelaySeconds, input.provisioning.maxAttempts);
  return orders;
}

const CURRENCY_SYMBOLS: Record<string, string> = { USD: '$', GBP: '£', EUR: '€' };

function renderLine(o: repo.OrderWithLines, l: repo.OrderLineRecord, includePrice: boolean): OrderLineItem {
  const country = `?country=${l.country}`;
  const links: OrderLineItem['links'] = {};
  if (l.subscriptionId) links.subscription = link(`/customers/${o.customerId}/subscriptions/${l.subscriptionId}`);
  if (l.productId) {
    links.product = link(`/products/${l.productId}${country}`);
    links.sku = link(`/products/${l.productId}/skus/${l.skuId}${country}`);
    links.availability = link(`/products/${l.productId}/skus/${l.skuId}/availabilities/${l.availabilityId}${country}`);
  }
  const out: OrderLineItem = { lineItemNumber: l.lineItemNumber, offerId: l.offerId, quantity: l.quantity, links };
  if (l.subscriptionId) out.subscriptionId = l.subscriptionId;
  if (l.parentSubscriptionId) out.parentSubscriptionId = l.parentSubscriptionId;
  if (l.termDuration) out.termDuration = l.termDuration;
  if (l.renewsTo) out.renewsTo = l.renewsTo;
  out.transactionType = l.transactionType;
  if (l.promotionId) out.promotionId = l.promotionId;
  if (l.customTermEndDate) out.customTermEndDate = new Date(l.customTermEndDate).toISOString();
  if (l.friendlyName) out.friendlyName = l.friendlyName;
  if (l.partnerIdOnRecord) out.partnerIdOnRecord = l.partnerIdOnRecord;
  if (l.provisioningContext) out.provisioningContext = l.provisioningContext;
  if (l.attestationAccepted !== null) out.attestationAccepted = l.attestationAccepted;
  if (includePrice) {
    const extended = Math.round(l.unitPrice * l.quantity * 100) / 100;
    out.pricing = { listPrice: l.unitPrice, discountedPrice: l.unitPrice, price: l.unitPrice, extendedPrice: extended };
  }
  return out;
}

/** An order as Partner Center returns it; prices only when asked (`include_price=true`). */
export function renderOrder(o: repo.OrderWithLines, includePrice = false): Order {
  const self = `/customers/${o.customerId}/orders/${o.id}`;
  const out: Order = {
    id: o.id,
    alternateId: o.alternateId,
    referenceCustomerId: o.referenceCustomerId,
    billingCycle: o.billingCycle,
    currencyCode: o.currencyCode,
    currencySymbol: CURRENCY_SYMBOLS[o.currencyCode] ?? o.currencyCode,
    lineItems: o.lines.map((l) => renderLine(o, l, includePrice)),
    creationDate: o.creationDate,
    status: o.status,
    transactionType: o.transactionType,
    links: {
      self: link(self),
      provisioningStatus: link(`${self}/provisioningstatus`),
      patchOperation: link(self, 'PATCH'),
    },
    attributes: { objectType: 'Order' },
  };
  if (o.partnerOnRecordAttestationAccepted !== null) out.partnerOnRecordAttestationAccepted = o.partnerOnRecordAttestationAccepted;
  if (includePrice) out.totalPrice = Math.round(o.lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0) * 100) / 100;
  return out;
}

const ORDER_ID = /^[A-Za-z0-9_-]{1,64}$/;

async function requireOrder(db: Queryable, tenantId: string, customerId: string, orderId: string) {
  const customer = await requireCustomer(db, tenantId, customerId);
  const order = ORDER_ID.test(orderId) ? await repo.findOrder(db, tenantId, customer.id, orderId) : undefined;
  if (!order) fail('OrderNotFound', `Order Id not found: ${orderId.slice(0, 64)}.`);
  return order!;
}

export async function getOrder(db: Queryable, tenantId: string, customerId: string, orderId: string, includePrice: boolean) {
  return renderOrder(await requireOrder(db, tenantId, customerId, orderId), includePrice);
}

const ORDER_BILLING_CYCLES = ['monthly', 'annual', 'one_time', 'triennial', 'none'] as const;

/** `billingType` filter values as clients send them (`OneTime`, `onetime`, `one_time`, `Monthly`…). */
export function parseBillingType(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return parseEnum(value, ORDER_BILLING_CYCLES, 'BillingCycleType');
}

export async function listOrders(db: Queryable, tenantId: string, customerId: string, billingType: string | undefined, includePrice: boolean) {
  const customer = await requireCustomer(db, tenantId, customerId);
  const cycle = parseBillingType(billingType);
  const orders = await repo.listOrders(db, tenantId, customer.id, cycle);
  const self = `/customers/${customer.id}/orders${billingType ? `?billingType=${encodeURIComponent(billingType)}` : ''}`;
  return collection(orders.map((o) => renderOrder(o, includePrice)), self);
}

/** Per-line provisioning status (order-resources.md's spelling; see docs/compatibility.md). */
export async function getProvisioningStatus(db: Queryable, tenantId: string, customerId: string, orderId: string) {
  const order = await requireOrder(db, tenantId, customerId, orderId);
  const items = order.lines.map((l) => ({
    lineItemNumber: l.lineItemNumber,
    orderLineItemId: l.lineItemNumber,
    status: l.provisioningStatus,
    quantityProvisioningInformation: [
      { quantity: l.quantity, status: l.provisioningStatus, attributes: { objectType: 'QuantityProvisioningStatus' as const } },
    ],
    ...(l.provisioningError ? { error: { code: 800087, description: l.provisioningError } } : {}),
    attributes: { objectType: 'OrderLineItemProvisioningStatus' as const },
  }));
  return collection(items, `/customers/${order.customerId}/orders/${order.id}/provisioningstatus`);
}

/**
 * Activation links of one order line (get-activation-link-by-order-line-item.md): a commercial-marketplace
 * (third-party SaaS) line, once provisioned, links to its publisher's landing page with the subscription
 * to activate; any other line, or one not yet provisioned, has none (an empty collection).
 */
export async function getActivationLinks(db: Queryable, tenantId: string, customerId: string, orderId: string, lineItemNumber: string) {
  const order = await requireOrder(db, tenantId, customerId, orderId);
  const line = /^\d{1,6}$/.test(lineItemNumber) ? order.lines.find((l) => l.lineItemNumber === Number(lineItemNumber)) : undefined;
  if (!line) fail('NotFound', `Line item ${lineItemNumber.slice(0, 16)} of order ${order.id} was not found.`);
  const item = (await resolveCatalogItems(db, [line!.offerId])).get(line!.offerId);
  const items =
    item?.marketplace && line!.subscriptionId && line!.provisioningStatus === 'Fulfilled'
      ? [{ lineItemNumber: line!.lineItemNumber, link: link(`${MARKETPLACE_LANDING}/${line!.productId}/activate?subscriptionId=${line!.subscriptionId}`) }]
      : [];
  return collection(items, `/customers/${order.customerId}/orders/${order.id}/lineitems/${line!.lineItemNumber}/activationlinks`);
}

/** The sandbox's stand-in for a publisher's landing page (a reserved example domain; see docs/compatibility.md). */
const MARKETPLACE_LANDING = 'https://marketplace.example.com';
