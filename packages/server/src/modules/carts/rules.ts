/**
 * Cart rules as pure functions: reading a client's line as Partner Center does, validating it against
 * the catalog (a problem becomes the line's `error`, not an HTTP error), and assigning order groups.
 */
import {
  BILLING_CYCLES,
  CartErrorCode,
  PARTICIPANT_TYPES,
  type CartError,
  type CartLineItem,
  type CartLineItemInput,
} from '@partner-commerce/contract';
import { enumKey, isGuid, parseEnum, parseIsoDateTime } from '../../wire.js';
import { fail } from '../../errors.js';
import { canonicalCatalogItemId, type CatalogItem } from '../catalog/service.js';
import { addTerm } from '../subscriptions/service.js';

/** A subscription of the customer that a line may refer to (RI scope, add-on parent). */
export interface OwnedSubscription {
  id: string;
  offerId: string;
  billingType: string;
  status: string;
}

export interface LineContext {
  /** The time the lines are judged at (ms since the epoch). */
  now: number;
  customerCountry: string;
  items: Map<string, CatalogItem>;
  subscriptions: Map<string, OwnedSubscription>;
}

const TERM = /^P\d+[DMY]$/;
const RENEWAL_TERMS = new Set(['P1M', 'P1Y']);
const RI_SCOPES = new Set(['shared', 'single']);

const camelKey = (k: string) => k.charAt(0).toLowerCase() + k.slice(1);

/** A line as stored and returned: enums canonical, provisioning keys camelCased, read-only fields dropped. */
export function normalizeLine(input: CartLineItemInput, id: number, withAddons = true): CartLineItem {
  const line: CartLineItem = {
    id,
    catalogItemId: input.catalogItemId ? canonicalCatalogItemId(input.catalogItemId) : '',
    quantity: input.quantity ?? 0,
    billingCycle: input.billingCycle ? parseEnum(input.billingCycle, BILLING_CYCLES, 'BillingCycleType') : 'unknown',
  };
  if (input.friendlyName !== undefined) line.friendlyName = input.friendlyName;
  if (input.termDuration !== undefined) line.termDuration = input.termDuration.toUpperCase();
  if (input.promotionId !== undefined) line.promotionId = input.promotionId;
  if (input.participants?.length) {
    line.participants = input.participants.map((p) => ({
      key: parseEnum(p.key, PARTICIPANT_TYPES, 'ParticipantType'),
      value: p.value,
    }));
  }
  if (input.provisioningContext && Object.keys(input.provisioningContext).length) {
    line.provisioningContext = Object.fromEntries(
      Object.entries(input.provisioningContext).map(([k, v]) => [camelKey(k), v]),
    );
  }
  if (input.renewsTo?.termDuration) line.renewsTo = { termDuration: input.renewsTo.termDuration.toUpperCase() };
  if (input.customTermEndDate !== undefined) {
    // Kept in UTC ISO form when it is a date (what checkout stores), as sent otherwise (a line error).
    const end = parseIsoDateTime(input.customTermEndDate);
    line.customTermEndDate = end === undefined ? input.customTermEndDate : new Date(end).toISOString();
  }
  if (input.attestationAccepted !== undefined) line.attestationAccepted = input.attestationAccepted;
  if (withAddons && input.addonItems?.length) line.addonItems = numberLines(input.addonItems, 'addonItems', false);
  return line;
}

/**
 * Line ids are the client's (the docs number them 0..n). The SDKs send 0 for a line they did not
 * number (Java) or leave it out, so when every id is 0 or absent the lines are numbered by position;
 * otherwise an id used twice is a 400·800002: the line errors of the 201 Cart are found by id.
 */
function numberLines(inputs: CartLineItemInput[], where: string, withAddons: boolean): CartLineItem[] {
  const ids = inputs.map((l) => l.id ?? 0);
  if (ids.every((id) => id === 0)) return inputs.map((l, i) => normalizeLine(l, i, withAddons));
  const seen = new Map<number, number>();
  ids.forEach((id, i) => {
    if (seen.has(id)) fail('InvalidRequestInput', `Invalid request input: ${where}[${i}].id ${id} is also the id of ${where}[${seen.get(id)}]; line ids must be distinct.`);
    seen.set(id, i);
  });
  return inputs.map((l, i) => normalizeLine(l, ids[i], withAddons));
}

/** A client's lines, normalized and numbered (see numberLines). */
export const normalizeLines = (inputs: CartLineItemInput[]): CartLineItem[] => numberLines(inputs, 'lineItems', true);

/** When a term (`P1M`, `P1Y`, `P3Y`, `P30D`) started at `start` ends; undefined for anything else. */
const termEndOf = (start: number, term: string | undefined): number | undefined =>
  term && /^P\d{1,2}[DMY]$/.test(term) ? addTerm(new Date(start), term).getTime() : undefined;

const err = (errorCode: number, errorDescription: string): CartError => ({ errorCode, errorDescription });

/** Checks one line against the catalog and the customer; returns its error, if any. */
export function validateLine(line: CartLineItem, ctx: LineContext, base?: { line: CartLineItem; item: CatalogItem }): CartError | undefined {
  if (!line.catalogItemId) return err(CartErrorCode.CatalogItemIdIsNotValid, 'The catalog item ID is required.');
  const item = ctx.items.get(line.catalogItemId);
  if (!item) return err(CartErrorCode.CatalogItemIdIsNotValid, `The catalog item ID ${line.catalogItemId} is not valid.`);
  if (item.country !== ctx.customerCountry) {
    return err(
      CartErrorCode.CatalogItemIdIsNotValid,
      `The catalog item ID ${line.catalogItemId} is offered in ${item.country}, not in the customer's country ${ctx.customerCountry}.`,
    );
  }
  if (!item.purchasable) {
    return item.kind === 'offer'
      ? err(CartErrorCode.LegacyOfferNotEligibleForPurchase, `The offer ${line.catalogItemId} is not eligible for purchase.`)
      : err(CartErrorCode.CatalogItemIdIsNotValid, `The catalog item ${line.catalogItemId} is not eligible for purchase.`);
  }

  // Add-ons: legacy add-ons are bought inside their base line's addonItems, or against an existing
  // subscription named by provisioningContext.parentSubscriptionId.
  const parentId = line.provisioningContext?.parentSubscriptionId;
  if (base) {
    if (!item.isAddOn || !item.prerequisiteOffers.some((p) => p.toUpperCase() === base.item.catalogItemId)) {
      return err(CartErrorCode.UnableToProcessCartLineItem, `${line.catalogItemId} is not an add-on of ${base.item.catalogItemId}.`);
    }
  } else if (item.isAddOn) {
    const parent = parentId ? ctx.subscriptions.get(parentId.toLowerCase()) : undefined;
    if (!parent) {
      return err(
        CartErrorCode.UnableToProcessCartLineItem,
        `${line.catalogItemId} is an add-on: buy it in its base line's addonItems, or name an existing subscription in provisioningContext.parentSubscriptionId.`,
      );
    }
    if (!item.prerequisiteOffers.some((p) => p.toUpperCase() === parent.offerId.toUpperCase()) || parent.status !== 'active') {
      return err(CartErrorCode.SubscriptionIsNotValid, `Subscription ${parentId} cannot take the add-on ${line.catalogItemId}.`);
    }
  }
  if (line.addonItems?.length && item.kind !== 'offer') {
    return err(CartErrorCode.UnableToProcessCartLineItem, 'addonItems apply to legacy offers only; add new-commerce add-ons as lines of their own.');
  }

  if (line.billingCycle === 'unknown' || !item.billingCycles.includes(line.billingCycle)) {
    return err(
      CartErrorCode.BillingPlanNotSupported,
      `Billing cycle ${line.billingCycle} is not supported for ${line.catalogItemId}; supported: ${item.billingCycles.join(', ')}.`,
    );
  }
  if (!Number.isInteger(line.quantity) || line.quantity < Math.max(1, item.minQuantity)) {
    return err(CartErrorCode.InvalidInput, `Quantity ${line.quantity} is below the minimum of ${Math.max(1, item.minQuantity)} for ${line.catalogItemId}.`);
  }
  if (line.quantity > item.maxQuantity) {
    return err(
      CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded,
      `Quantity ${line.quantity} exceeds the maximum of ${item.maxQuantity} for ${line.catalogItemId}.`,
    );
  }

  if (item.terms.length) {
    const term = line.termDuration ?? '';
    const ok = item.terms.some((t) => t.duration === term && (!t.billingCycle || enumKey(t.billingCycle) === enumKey(line.billingCycle)));
    if (!ok) {
      return err(400039, `Availability ${item.availabilityId} does not support term '${term}' with billing cycle ${line.billingCycle}.`);
    }
  } else if (line.termDuration !== undefined && !TERM.test(line.termDuration)) {
    return err(CartErrorCode.InvalidInput, `termDuration '${line.termDuration}' is not an ISO-8601 duration such as P1M or P1Y.`);
  }
  if (line.renewsTo && !RENEWAL_TERMS.has(line.renewsTo.termDuration)) {
    return err(CartErrorCode.InvalidInput, `renewsTo.termDuration must be P1M or P1Y, not '${line.renewsTo.termDuration}'.`);
  }
  if (line.promotionId !== undefined) {
    return err(CartErrorCode.InvalidPromotionId, `Promotion ${line.promotionId} is not valid for ${line.catalogItemId}.`);
  }
  if (line.customTermEndDate !== undefined) {
    if (item.productType !== 'OnlineServicesNCE') {
      return err(CartErrorCode.InvalidCustomTermEndDateProduct, `${line.catalogItemId} does not support customTermEndDate.`);
    }
    // Partner Center offers end dates that shorten the first term: a month's end or another
    // subscription's end, after the purchase and before the term would end (docs/compatibility.md).
    const end = parseIsoDateTime(line.customTermEndDate);
    const termEnd = termEndOf(ctx.now, line.termDuration);
    if (end === undefined || end <= ctx.now || termEnd === undefined || end > termEnd) {
      const bound = termEnd === undefined ? 'a termDuration' : `no later than the end of its term, ${new Date(termEnd).toISOString()}`;
      return err(
        CartErrorCode.InvalidCustomTermEndDate,
        `customTermEndDate '${line.customTermEndDate.slice(0, 64)}' must be an ISO-8601 date after now and ${bound}.`,
      );
    }
  }
  for (const p of line.participants ?? []) {
    if (!/^\d{1,10}$/.test(p.value)) return err(CartErrorCode.InvalidInput, `Participant ${p.key} must be an MPN id, not '${p.value}'.`);
  }
  return validateProvisioningContext(line, item, ctx);
}

function validateProvisioningContext(line: CartLineItem, item: CatalogItem, ctx: LineContext): CartError | undefined {
  const context = line.provisioningContext ?? {};
  for (const variable of item.provisioningVariables) {
    const key = camelKey(variable);
    const value = context[key];
    // The SKU fixes the duration of a reservation; a client may state it, and must then agree.
    if (key === 'duration') {
      const expected = String(item.dynamicAttributes.duration ?? '');
      if (value !== undefined && enumKey(value) !== enumKey(expected) && enumKey(value) !== enumKey(expected.replace(/s$/, ''))) {
        return err(CartErrorCode.InvalidInput, `provisioningContext.duration '${value}' does not match this SKU's duration ${expected}.`);
      }
      continue;
    }
    if (value === undefined || value === '') {
      return err(CartErrorCode.InvalidInput, `provisioningContext.${key} is required for ${line.catalogItemId}.`);
    }
    if (key === 'scope' && !RI_SCOPES.has(value.toLowerCase())) {
      return err(CartErrorCode.InvalidInput, `provisioningContext.scope must be shared or single, not '${value}'.`);
    }
    if (key === 'subscriptionId') {
      const sub = isGuid(value) ? ctx.subscriptions.get(value.toLowerCase()) : undefined;
      if (!sub || sub.billingType !== 'usage') {
        return err(CartErrorCode.SubscriptionIsNotValid, `Subscription ${value} is not an Azure subscription of this customer.`);
      }
      if (sub.status !== 'active') {
        return err(CartErrorCode.SubscriptionIsNotValid, `Azure subscription ${value} is not active.`);
      }
    }
  }
  return undefined;
}

/** Validates every line (and add-on) in place, setting or clearing `error`. */
export function validateLines(lines: CartLineItem[], ctx: LineContext): void {
  for (const line of lines) {
    const error = validateLine(line, ctx);
    if (error) line.error = error;
    else delete line.error;
    const item = ctx.items.get(line.catalogItemId);
    for (const addon of line.addonItems ?? []) {
      const addonError = item && !error ? validateLine(addon, ctx, { line, item }) : undefined;
      if (addonError) addon.error = addonError;
      else delete addon.error;
    }
  }
}

/** Whether a line or any of its add-ons carries an error. */
export const lineHasError = (line: CartLineItem) => Boolean(line.error || line.addonItems?.some((a) => a.error));

/**
 * Assigns `orderGroup`: legacy offers go to `OMS-n` groups (split by sales group and billing cycle),
 * catalog items to `n` groups by billing cycle (a different term does not split a group); labels are
 * ordinal within the cart; add-ons share their base line's group; lines with errors get none.
 */
export function assignOrderGroups(lines: CartLineItem[], items: Map<string, CatalogItem>): void {
  const labels = new Map<string, string>();
  let legacy = 0;
  let modern = 0;
  for (const line of lines) {
    delete line.orderGroup;
    for (const addon of line.addonItems ?? []) delete addon.orderGroup;
    const item = items.get(line.catalogItemId);
    if (!item || lineHasError(line)) continue;
    const key = item.kind === 'offer' ? `offer:${item.salesGroupId ?? ''}:${line.billingCycle}` : `item:${line.billingCycle}`;
    let label = labels.get(key);
    if (!label) {
      label = item.kind === 'offer' ? `OMS-${legacy++}` : String(modern++);
      labels.set(key, label);
    }
    line.orderGroup = label;
    for (const addon of line.addonItems ?? []) addon.orderGroup = label;
  }
}

/** Catalog item ids a set of lines refers to, add-ons included. */
export const referencedItemIds = (lines: CartLineItem[]) =>
  lines.flatMap((l) => [l.catalogItemId, ...(l.addonItems ?? []).map((a) => a.catalogItemId)]).filter(Boolean);

/** Subscription ids a set of lines refers to (RI scope subscription, add-on parent). */
export const referencedSubscriptionIds = (lines: CartLineItem[]) =>
  lines
    .flatMap((l) => [l.provisioningContext?.subscriptionId, l.provisioningContext?.parentSubscriptionId])
    .filter((id): id is string => typeof id === 'string' && isGuid(id))
    .map((id) => id.toLowerCase());
