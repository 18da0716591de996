/**
 * Order use cases: turning checked-out order groups into orders (with the subscriptions of the lines
 * that provision at once), and reading orders and their provisioning status.
 */
import { randomUUID } from 'node:crypto';
import { BILLING_CYCLES, type CartInput, type CartLineItem, type Order, type OrderInput, type OrderLineItem, type OrderPatchInput } from '@partner-commerce/contract';
import type { Database, Queryable, Writer } from '../../db/database.js';
import { fail } from '../../errors.js';
import { collection, enumKey, link, parseEnum, randomToken } from '../../wire.js';
import { canonicalCatalogItemId, resolveCatalogItems, type CatalogItem } from '../catalog/service.js';
import { prepareLines } from '../carts/service.js';
import { auditEntry, recordAudit, type Actor } from '../audit/service.js';
import { clockAt } from '../clock/service.js';
import { requireCustomer, type CustomerRecord } from '../customers/service.js';
import { buildSubscription, moveSubscriptions, type SubscriptionRecord } from '../subscriptions/service.js';
import { lineTransition, orderTransition } from './lifecycle.js';
import { insertSubscriptions } from '../subscriptions/repo.js';
import { enqueueJobs } from '../provisioning/repo.js';
import { orderEvent, raiseEvents, subscriptionEvent } from '../webhooks/events.js';
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
  cartId: string | null;
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
  await repo.insertOrderLines(tx, input.partnerTenantId, orders.flatMap((o) => o.lines));
  await insertSubscriptions(tx, subscriptions);
  // Pending orders are provisioned later by a worker; the job is written in this same transaction.
  const waiting = orders.flatMap((o) =>
    o.lines.filter((l) => l.provisioningStatus === 'PrefulfillmentPending').map((l) => ({ orderId: o.id, productType: l.productType })),
  );
  await enqueueJobs(tx, input.partnerTenantId, waiting, input.provisioning.defaultDelaySeconds, input.provisioning.maxAttempts);
  // The outbox, in the same transaction: each order, then each subscription it created (active, or pending provisioning).
  await raiseEvents(tx, input.partnerTenantId, [
    ...orders.map((o) => orderEvent('order-created', o.customerId, o.id)),
    ...subscriptions.map((s) => subscriptionEvent(s.status === 'active' ? 'subscription-active' : 'subscription-pending', s.customerId, s.id)),
  ]);
  return orders;
}

const CURRENCY_SYMBOLS: Record<string, string> = { USD: '$', GBP: '£', EUR: '€' };

function renderLine(o: repo.OrderWithLines, l: repo.OrderLineRecord, includePrice: boolean): OrderLineItem {
  const country = `?country=${l.country}`;
  const links: OrderLineItem['links'] = {};
  if (l.subscriptionId) links.subscription = link(`/customers/${o.customerId}/subscriptions/${l.subscriptionId}`);
  // Each line links to the order's provisioning status (order-resources.md: OrderLineItem links).
  links.provisioningStatus = link(`/customers/${o.customerId}/orders/${o.id}/provisioningstatus`);
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

// ---------------------------------------------------------------------------------------------
// Orders without a cart, and cancelling them (issue 15 item 4)

/**
 * Places an order without a cart (create-an-order.md, `New-PartnerCustomerOrder`): its lines are
 * checked as a cart's are, must make one order (one billing cycle, one sales group), and are ordered
 * in one transaction, pending lines provisioned by the worker as after a checkout. A line problem is
 * a 400: the unknown offer 800004, anything else 800002 with the line's cart error in `data`.
 */
export async function createOrder(db: Database, actor: Actor, customerId: string, input: OrderInput, provisioning: ProvisioningPolicy): Promise<Order> {
  return db.transaction(async (tx) => {
    const customer = await requireCustomer(tx, actor.tenantId, customerId);
    const now = clockAt(customer.clockOffsetMs);
    const items = await resolveCatalogItems(tx, input.lineItems.map((l) => l.offerId));
    const cycle = input.billingCycle ? parseEnum(input.billingCycle, BILLING_CYCLES, 'BillingCycleType') : undefined;
    const numbers = input.lineItems.map((l, i) => l.lineItemNumber ?? i);
    if (new Set(numbers).size !== numbers.length) fail('InvalidRequestInput', 'lineItemNumber must differ from line to line.');
    const cartInput: CartInput = {
      lineItems: input.lineItems.map((l, i) => {
        const item = items.get(canonicalCatalogItemId(l.offerId));
        const parent: Record<string, string> = l.parentSubscriptionId ? { parentSubscriptionId: l.parentSubscriptionId } : {};
        return {
          id: numbers[i],
          catalogItemId: l.offerId,
          quantity: l.quantity,
          billingCycle: cycle ?? (!item || item.billingCycles.includes('monthly') ? 'monthly' : item.billingCycles[0]),
          friendlyName: l.friendlyName,
          provisioningContext: l.provisioningContext || l.parentSubscriptionId ? { ...l.provisioningContext, ...parent } : undefined,
          participants: l.partnerIdOnRecord ? [{ key: 'transaction_reseller', value: l.partnerIdOnRecord }] : undefined,
        };
      }),
    };
    const lines = await prepareLines(tx, customer, cartInput, now);
    const broken = lines.find((l) => l.error);
    if (broken) {
      const { errorCode, errorDescription } = broken.error!;
      fail(errorCode === 10001 ? 'InvalidOfferId' : 'InvalidRequestInput', `Line ${broken.id} (${broken.catalogItemId}): ${errorDescription}`, [broken.error]);
    }
    if (new Set(lines.map((l) => l.orderGroup)).size > 1) {
      fail('InvalidRequestInput', 'The lines make more than one order (billing cycles or sales groups differ): place them in separate orders, or use a cart.');
    }
    const group: OrderGroupSpec = {
      orderGroup: lines[0].orderGroup!,
      billingCycle: lines[0].billingCycle,
      lines: lines.map((line) => ({ line, item: items.get(canonicalCatalogItemId(line.catalogItemId))! })),
    };
    const [order] = await placeOrders(tx, { partnerTenantId: actor.tenantId, customer, cartId: null, groups: [group], now, provisioning });
    const rendered = renderOrder(order);
    await recordAudit(tx, [auditEntry(actor, customer.id, 'create_order', 'order', order.id, rendered)]);
    return rendered;
  });
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * How long after purchase a line may be cancelled (cancel-software-purchases.md; the current
 * cancellation policy): software subscriptions 7 days, perpetual software 30 days; nothing else
 * cancels through an order. Undefined: not cancellable this way.
 */
function cancellationWindowMs(line: repo.OrderLineRecord): number | undefined {
  if (line.productType !== 'Software') return undefined;
  return line.termDuration ? 7 * DAY_MS : 30 * DAY_MS;
}

/**
 * Cancels an order (`PATCH … {"status":"cancelled"}`): the lines listed, or all of them. Each must be
 * software within its window on the partner's clock (400·800061 otherwise, nothing changed). A
 * cancelled line keeps its number with quantity 0 and `Unfulfilled`; its subscription, if it has one,
 * is `deleted`; the order is `cancelled` when no line is left, otherwise it keeps its status.
 */
export async function cancelOrder(db: Database, actor: Actor, customerId: string, orderId: string, input: OrderPatchInput): Promise<Order> {
  if (enumKey(input.status) !== 'cancelled') fail('InvalidRequestInput', `Only status "cancelled" can be set on an order, not ${input.status.slice(0, 32)}.`);
  return db.transaction(async (tx) => {
    const customer = await requireCustomer(tx, actor.tenantId, customerId);
    if (!ORDER_ID.test(orderId) || !(await repo.lockOrder(tx, actor.tenantId, customer.id, orderId))) fail('OrderNotFound', `Order Id not found: ${orderId.slice(0, 64)}.`);
    const order = (await repo.findOrder(tx, actor.tenantId, customer.id, orderId))!;
    const now = clockAt(customer.clockOffsetMs).getTime();
    const wanted = input.lineItems ? new Set(input.lineItems.map((l) => l.lineItemNumber)) : undefined;
    const open = (l: repo.OrderLineRecord) => !(l.quantity === 0 && l.provisioningStatus === 'Unfulfilled');
    const lines = order.lines.filter((l) => (!wanted || wanted.has(l.lineItemNumber)) && open(l));
    for (const n of wanted ?? []) {
      if (!order.lines.some((l) => l.lineItemNumber === n)) fail('InvalidRequestInput', `Order ${order.id} has no line ${n}.`);
    }
    for (const l of lines) {
      const window = cancellationWindowMs(l);
      if (window === undefined) fail('OrderNotCancellable', `Line ${l.lineItemNumber} (${l.offerId}) of order ${order.id} cannot be cancelled: only software purchases can.`);
      if (now > Date.parse(order.creationDate) + window!) {
        fail('OrderNotCancellable', `Line ${l.lineItemNumber} (${l.offerId}) of order ${order.id} is past its cancellation window of ${window! / DAY_MS} days.`);
      }
    }
    const cancelled = new Set(lines.map((l) => l.lineItemNumber));
    const left = order.lines.some((l) => open(l) && !cancelled.has(l.lineItemNumber));
    const status = left ? order.status : orderTransition(order, 'cancelled');
    for (const l of lines) lineTransition(l.provisioningStatus, 'Unfulfilled');
    if (lines.length) {
      await repo.cancelOrderLines(tx, actor.tenantId, order.id, [...cancelled], status);
      await moveSubscriptions(tx, actor.tenantId, lines.flatMap((l) => (l.subscriptionId ? [l.subscriptionId] : [])), 'deleted', 'orderCancellation');
    }
    const rendered = renderOrder((await repo.findOrder(tx, actor.tenantId, customer.id, order.id))!);
    if (lines.length) {
      const audit = auditEntry(actor, customer.id, 'update_order', 'order', order.id, rendered);
      await recordAudit(tx, [audit]);
      await raiseEvents(tx, actor.tenantId, [
        orderEvent('order-updated', customer.id, order.id, audit.id),
        ...lines.flatMap((l) => (l.subscriptionId ? [subscriptionEvent('subscription-updated', customer.id, l.subscriptionId)] : [])),
      ]);
    }
    return rendered;
  });
}
