/**
 * Cart use cases. Each opens one transaction: create and update validate every line against the
 * catalog (line problems come back as `lineItems[i].error` in the 201 Cart); checkout turns the
 * cart's order groups into orders, exactly once per cart, whatever clients and the network do.
 */
import { randomUUID } from 'node:crypto';
import type { Cart, CartCheckoutResult, CartInput, CartLineItem, OrderError } from '@partner-commerce/contract';
import type { Database, Queryable } from '../../db/database.js';
import { WriteBatch } from '../../db/write-batch.js';
import { auditEntry, recordAudit, type Actor } from '../audit/service.js';
import { PartnerCenterError, fail } from '../../errors.js';
import { isGuid, link } from '../../wire.js';
import { catalogItemsById, resolveCatalogItems, type CatalogItem } from '../catalog/service.js';
import { requireCustomer, type CustomerRecord } from '../customers/service.js';
import { placeOrders, renderOrder, type OrderGroupSpec } from '../orders/service.js';
import { listCartOrders } from '../orders/repo.js';
import { findOwnedSubscriptions, registeredSubscriptions } from '../subscriptions/repo.js';
import type { ProvisioningPolicy } from '../provisioning/service.js';
import { clockAt } from '../clock/service.js';
import * as repo from './repo.js';
import {
  assignOrderGroups,
  lineHasError,
  normalizeLines,
  referencedItemIds,
  referencedSubscriptionIds,
  validateLines,
  type LineContext,
} from './rules.js';

/** Carts expire 7 days after creation (create-a-cart, checkout-a-cart). */
export const CART_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/** Who last changed a cart, as Partner Center records it: the user's object id, else the app id. */
const modifiedBy = (p: Actor) => p.userId ?? p.appId;

export function renderCart(cart: repo.CartRecord): Cart {
  const out: Cart = {
    id: cart.id,
    creationTimestamp: cart.creationTimestamp,
    lastModifiedTimestamp: cart.lastModifiedTimestamp,
    expirationTimestamp: cart.expirationTimestamp,
    lastModifiedUser: cart.lastModifiedUser,
    lineItems: cart.lineItems,
    status: cart.status,
    links: { self: link(`/customers/${cart.customerId}/carts/${cart.id}`) },
    attributes: { objectType: 'Cart' },
  };
  if (cart.partnerOnRecordAttestationAccepted !== null) out.partnerOnRecordAttestationAccepted = cart.partnerOnRecordAttestationAccepted;
  return out;
}

/** What the rules need to judge the lines: their catalog items and the customer's subscriptions they name. */
async function lineContext(q: Queryable, customer: CustomerRecord, lines: CartLineItem[], now: Date): Promise<LineContext> {
  const items = await resolveCatalogItems(q, referencedItemIds(lines));
  const owned = await findOwnedSubscriptions(q, customer.partnerTenantId, customer.id, referencedSubscriptionIds(lines));
  return { now: now.getTime(), customerCountry: customer.country, items, subscriptions: new Map(owned.map((s) => [s.id, s])) };
}

/** Normalizes, validates (as of `now`) and groups a client's lines. */
export async function prepareLines(q: Queryable, customer: CustomerRecord, input: CartInput, now: Date): Promise<CartLineItem[]> {
  const lines = normalizeLines(input.lineItems);
  const ctx = await lineContext(q, customer, lines, now);
  validateLines(lines, ctx);
  assignOrderGroups(lines, ctx.items);
  for (const line of lines) {
    const currency = ctx.items.get(line.catalogItemId)?.currency.code;
    if (currency) line.currencyCode = currency;
    for (const addon of line.addonItems ?? []) if (currency) addon.currencyCode = currency;
  }
  return lines;
}

export interface CreateCartOptions {
  /** The client's MS-RequestId: a repeat of the same create returns the cart it created. */
  requestId?: string;
  /** Fixed id, for seeding the demo world only (clients never choose one). */
  cartId?: string;
}

/** Creates a cart. */
export async function createCart(db: Database, principal: Actor, customerId: string, input: CartInput, opts: CreateCartOptions = {}): Promise<Cart> {
  return db.transaction(async (tx) => {
    const customer = await requireCustomer(tx, principal.tenantId, customerId);
    const now = clockAt(customer.clockOffsetMs);
    if (opts.requestId) {
      const existing = await repo.findCartIdByCreationRequest(tx, principal.tenantId, opts.requestId);
      if (existing && existing.customer_id === customer.id) return renderCart((await repo.findCart(tx, principal.tenantId, customer.id, existing.id))!.cart);
      if (existing) fail('RequestIdReused', `MS-RequestId ${opts.requestId} was already used to create a cart for another customer.`);
    }
    const cart: repo.CartRecord = {
      id: opts.cartId ?? randomUUID(),
      partnerTenantId: principal.tenantId,
      customerId: customer.id,
      status: 'Active',
      creationTimestamp: now.toISOString(),
      lastModifiedTimestamp: now.toISOString(),
      expirationTimestamp: new Date(now.getTime() + CART_LIFETIME_MS).toISOString(),
      lastModifiedUser: modifiedBy(principal),
      partnerOnRecordAttestationAccepted: input.partnerOnRecordAttestationAccepted ?? null,
      checkoutResult: null,
      partlyOrdered: false,
      lineItems: await prepareLines(tx, customer, input, now),
      creationRequestId: opts.requestId,
    };
    await repo.insertCart(tx, cart);
    const rendered = renderCart(cart);
    await recordAudit(tx, [auditEntry(principal, customer.id, 'create_cart', 'cart', cart.id, rendered)]);
    return rendered;
  });
}

/**
 * The cart and its customer, read together; on a miss, the customer decides the error: 400·900118 or
 * 404 for the customer, else 404·800008 for the cart (also for a malformed id or another partner's cart).
 */
async function requireCart(q: Queryable, tenantId: string, customerId: string, cartId: string, opts?: Parameters<typeof repo.findCart>[4]) {
  const found =
    isGuid(customerId) && isGuid(cartId) ? await repo.findCart(q, tenantId, customerId.toLowerCase(), cartId.toLowerCase(), opts) : undefined;
  if (found) return found;
  await requireCustomer(q, tenantId, customerId);
  return fail('CartNotFound', `Unable to retrieve cart Id ${cartId.slice(0, 64)}.`);
}

const isExpired = (cart: repo.CartRecord, now: Date) => Date.parse(cart.expirationTimestamp) <= now.getTime();

function failExpired(cart: repo.CartRecord): never {
  throw new PartnerCenterError('CartExpired', `Cart ${cart.id} expired at ${cart.expirationTimestamp}; create a new cart.`);
}

export async function getCart(db: Database, principal: Actor, customerId: string, cartId: string): Promise<Cart> {
  return renderCart((await requireCart(db, principal.tenantId, customerId, cartId)).cart);
}

/** PUT replaces the lines of an `Active`, unexpired cart that has not begun checking out. */
export async function updateCart(db: Database, principal: Actor, customerId: string, cartId: string, input: CartInput): Promise<Cart> {
  return db.transaction(async (tx) => {
    const { cart, customer } = await requireCart(tx, principal.tenantId, customerId, cartId, { lock: 'wait' });
    const now = clockAt(customer.clockOffsetMs);
    if (cart.status !== 'Active') fail('CartAlreadySubmitted', `Cannot update an already submitted cart ${cart.id}.`);
    if (isExpired(cart, now)) failExpired(cart);
    if (cart.partlyOrdered) {
      fail('CartAlreadySubmitted', `Cart ${cart.id} is partly ordered; check it out again to retry its failed order groups.`);
    }
    cart.lineItems = await prepareLines(tx, customer, input, now);
    cart.lastModifiedTimestamp = now.toISOString();
    cart.lastModifiedUser = modifiedBy(principal);
    if (input.partnerOnRecordAttestationAccepted !== undefined) {
      cart.partnerOnRecordAttestationAccepted = input.partnerOnRecordAttestationAccepted;
    }
    await repo.updateCart(tx, cart);
    const rendered = renderCart(cart);
    await recordAudit(tx, [auditEntry(principal, customer.id, 'update_cart', 'cart', cart.id, rendered)]);
    return rendered;
  });
}

/** Splits checked-out lines into order group specs, in group label order; add-ons follow their base line. */
function groupSpecs(lines: CartLineItem[], items: Map<string, CatalogItem>): OrderGroupSpec[] {
  const groups = new Map<string, OrderGroupSpec>();
  for (const line of lines) {
    if (!line.orderGroup) continue;
    let group = groups.get(line.orderGroup);
    if (!group) {
      group = { orderGroup: line.orderGroup, billingCycle: line.billingCycle, lines: [] };
      groups.set(line.orderGroup, group);
    }
    const baseIndex = group.lines.length;
    group.lines.push({ line, item: items.get(line.catalogItemId)! });
    for (const addon of line.addonItems ?? []) group.lines.push({ line: addon, item: items.get(addon.catalogItemId)!, parentLine: baseIndex });
  }
  return [...groups.values()];
}

const orderError = (group: OrderGroupSpec, code: number, description: string): OrderError => ({
  orderGroupId: group.orderGroup,
  code,
  description,
  attributes: { objectType: 'OrderError' },
});

/** The Azure subscription a reservation line is scoped to, when its SKU wants that subscription registered. */
const scopeNeedingRegistration = (line: CartLineItem, item: CatalogItem | undefined) =>
  item?.purchasePrerequisites.includes('AzureSubscriptionRegistration') ? line.provisioningContext?.subscriptionId?.toLowerCase() : undefined;

/**
 * Why a group cannot be ordered now: its items changed in the catalog since the cart was saved
 * (800020), or a reservation's scope subscription is not registered for reservations (800030).
 */
function groupProblem(group: OrderGroupSpec, current: Map<string, CatalogItem>, registered: Set<string>): OrderError | undefined {
  for (const { line } of group.lines) {
    const item = current.get(line.catalogItemId);
    if (!item || !item.purchasable) return orderError(group, 800020, `The catalog item ${line.catalogItemId} is not eligible for purchase.`);
    const scope = scopeNeedingRegistration(line, item);
    if (scope && !registered.has(scope)) {
      return orderError(group, 800030, `This subscription is not registered: Azure subscription ${scope} must be registered (POST …/subscriptions/${scope}/registrations) before reservations are bought for it.`);
    }
  }
  return undefined;
}

/**
 * Checks a cart out, in one transaction, holding the cart's row lock:
 * - an `Ordered` cart answers the result of its checkout again (same orders, same body);
 * - a cart another request is checking out answers 409·800064 at once (retryable);
 * - each order group becomes one order; a group that cannot be ordered goes to `orderErrors`
 *   while the others become orders, and the cart stays `Active` so that checking out again
 *   retries only the failed groups (the database allows one order per cart and group);
 * - when every group is ordered the cart becomes `Ordered` and its result is kept.
 */
export async function checkout(
  db: Database,
  principal: Actor,
  customerId: string,
  cartId: string,
  provisioning: ProvisioningPolicy,
): Promise<CartCheckoutResult> {
  try {
    return await db.transaction(async (tx) => {
      // The cart, its customer and the catalog items its lines name, in one statement.
      const { cart, customer, catalogItems } = await requireCart(tx, principal.tenantId, customerId, cartId, { lock: 'nowait', withCatalog: true });
      if (cart.status === 'Ordered' && cart.checkoutResult) return cart.checkoutResult;
      const now = clockAt(customer.clockOffsetMs);
      if (isExpired(cart, now)) failExpired(cart);
      const broken = cart.lineItems.filter(lineHasError);
      if (broken.length) {
        fail('CartItemErrors', `Error in Cart item(s): line(s) ${broken.map((l) => l.id).join(', ')} of cart ${cart.id} have errors.`, broken.map((l) => ({ lineItemId: l.id, error: l.error ?? l.addonItems?.find((a) => a.error)?.error })));
      }
      const items = catalogItemsById(catalogItems);
      // Only a cart a partial checkout left Active has earlier orders; the locked row's flag says so.
      const earlier = cart.partlyOrdered ? await listCartOrders(tx, cart.partnerTenantId, cart.id) : [];
      const done = new Set(earlier.map((o) => o.orderGroup));
      const orderErrors: OrderError[] = [];
      const toOrder: OrderGroupSpec[] = [];
      const groups = groupSpecs(cart.lineItems, items).filter((g) => !done.has(g.orderGroup));
      const scopes = groups.flatMap((g) => g.lines.flatMap(({ line, item }) => scopeNeedingRegistration(line, item) ?? []));
      const registered = new Set(await registeredSubscriptions(tx, cart.partnerTenantId, customer.id, scopes));
      for (const group of groups) {
        const problem = groupProblem(group, items, registered);
        if (problem) orderErrors.push(problem);
        else toOrder.push(group);
      }
      // Everything checkout writes goes to the database as one statement, after every decision is made.
      const writes = new WriteBatch();
      const placed = await placeOrders(writes, {
        partnerTenantId: principal.tenantId,
        customer,
        cartId: cart.id,
        attestationAccepted: cart.partnerOnRecordAttestationAccepted ?? undefined,
        groups: toOrder,
        now,
        provisioning,
      });
      // Orders come back in the order their groups first appear in the cart.
      const rank = (o: { orderGroup: string | null }) => cart.lineItems.findIndex((l) => l.orderGroup === o.orderGroup);
      const orders = [...earlier, ...placed].sort((a, b) => rank(a) - rank(b));
      const result: CartCheckoutResult = {
        orders: orders.map((o) => renderOrder(o)),
        orderErrors,
        attributes: { objectType: 'CartCheckoutResult' },
      };
      await recordAudit(
        writes,
        result.orders.filter((o) => placed.some((p) => p.id === o.id)).map((o) => auditEntry(principal, customer.id, 'create_order', 'order', o.id, o)),
      );
      if (orderErrors.length === 0) await repo.markOrdered(writes, cart.partnerTenantId, cart.id, result);
      else if (placed.length > 0 && !cart.partlyOrdered) await repo.markPartlyOrdered(writes, cart.partnerTenantId, cart.id);
      await writes.run(tx);
      return result;
    });
  } catch (err) {
    if ((err as { code?: string }).code === '55P03') {
      fail('CartBeingProcessed', `Cart ${cartId} is being processed by another request.`);
    }
    throw err;
  }
}
