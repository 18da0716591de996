/**
 * Carts (reference §2 Cart, CartLineItem, CartError, CartCheckoutResult): the resource, the cart as
 * clients send it, and the checkout result. Served by the server's `modules/carts`.
 */
import { Type, type Static } from 'typebox';
import { Attributes, RenewsTo, SelfLinks, StringMap } from './common.js';
import { Order, OrderError, OrderInput, OrderPatchInput } from './orders.js';
import { SubscriptionUpdate } from './subscriptions.js';
import { CustomerInput } from './customers.js';
import { WebhookRegistrationInput } from './webhooks.js';

export const PARTICIPANT_TYPES = [
  'unknown',
  'transaction_reseller',
  'consumption_reseller',
  'additional_transaction_reseller',
] as const;

export const CART_STATUSES = ['Active', 'Ordered'] as const;
export type CartStatus = (typeof CART_STATUSES)[number];

/** CartErrorCode of the .NET SDK (integers on the wire). An open set: other codes may appear. */
export const CartErrorCode = {
  Unknown: 0,
  CurrencyIsNotSupported: 10000,
  CatalogItemIdIsNotValid: 10001,
  QuotaNotAvailable: 10002,
  InventoryNotAvailable: 10003,
  ParticipantsIsNotSupportedForPartner: 10004,
  UnableToProcessCartLineItem: 10006,
  SubscriptionIsNotValid: 10007,
  SubscriptionIsNotEnabledForRI: 10008,
  SandboxLimitExceeded: 10009,
  InvalidInput: 10010,
  SubscriptionNotRegistered: 10011,
  AttestationNotAccepted: 10012,
  BillingPlanNotSupported: 10013,
  InvalidPromotionId: 10014,
  MaxAllowedSeatsPerSubscriptionExceeded: 10015,
  InvalidCustomTermEndDateProduct: 10016,
  InvalidCustomTermEndDate: 10017,
  BaseOfferSeatQuantityNotMet: 10018,
  MinimumAddOnSeatsNotMet: 10019,
  LegacyOfferNotEligibleForPurchase: 500600,
} as const;
export type CartErrorCode = (typeof CartErrorCode)[keyof typeof CartErrorCode];

export const CartError = Type.Object(
  {
    errorCode: Type.Integer(),
    errorDescription: Type.String(),
    additionalInformation: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { title: 'CartError' },
);
export type CartError = Static<typeof CartError>;

export const Participant = Type.Object({ key: Type.String(), value: Type.String() });

const lineItemFields = {
  id: Type.Integer(),
  catalogItemId: Type.String(),
  friendlyName: Type.Optional(Type.String()),
  quantity: Type.Integer(),
  currencyCode: Type.Optional(Type.String()),
  billingCycle: Type.String(),
  termDuration: Type.Optional(Type.String()),
  promotionId: Type.Optional(Type.String()),
  participants: Type.Optional(Type.Array(Participant)),
  provisioningContext: Type.Optional(StringMap),
  orderGroup: Type.Optional(Type.String()),
  renewsTo: Type.Optional(RenewsTo),
  customTermEndDate: Type.Optional(Type.String({ format: 'date-time' })),
  attestationAccepted: Type.Optional(Type.Boolean()),
  error: Type.Optional(CartError),
};

/** A legacy offer's add-on line, bought against the subscription its parent line creates. */
export const CartAddOnLineItem = Type.Object(lineItemFields, { title: 'CartAddOnLineItem' });
export const CartLineItem = Type.Object(
  { ...lineItemFields, addonItems: Type.Optional(Type.Array(CartAddOnLineItem)) },
  { title: 'CartLineItem' },
);
export type CartLineItem = Static<typeof CartLineItem>;

export const Cart = Type.Object(
  {
    id: Type.String(),
    creationTimestamp: Type.String({ format: 'date-time' }),
    lastModifiedTimestamp: Type.String({ format: 'date-time' }),
    expirationTimestamp: Type.String({ format: 'date-time' }),
    lastModifiedUser: Type.String(),
    lineItems: Type.Array(CartLineItem),
    status: Type.String(),
    partnerOnRecordAttestationAccepted: Type.Optional(Type.Boolean()),
    links: SelfLinks,
    attributes: Attributes('Cart'),
  },
  { title: 'Cart' },
);
export type Cart = Static<typeof Cart>;

/**
 * A cart line as clients send it. Loose on purpose: wrong values become line errors inside the
 * 201 Cart, as Partner Center does; only wrong JSON types are a 400. Read-only fields
 * (`currencyCode`, `orderGroup`, `error`) and unknown ones are dropped by validation.
 */
/** The SDKs read line ids and quantities as 32-bit `int` (Java and .NET): nothing larger is accepted. */
const INT32_MAX = 2 ** 31 - 1;
const lineItemInputFields = {
  id: Type.Optional(Type.Integer({ minimum: 0, maximum: INT32_MAX })),
  catalogItemId: Type.Optional(Type.String({ maxLength: 256 })),
  friendlyName: Type.Optional(Type.String({ maxLength: 256 })),
  quantity: Type.Optional(Type.Integer({ minimum: -INT32_MAX - 1, maximum: INT32_MAX })),
  billingCycle: Type.Optional(Type.String({ maxLength: 64 })),
  termDuration: Type.Optional(Type.String({ maxLength: 64 })),
  promotionId: Type.Optional(Type.String({ maxLength: 256 })),
  participants: Type.Optional(
    Type.Array(
      Type.Object(
        { key: Type.String({ maxLength: 64 }), value: Type.String({ maxLength: 64 }) },
        { additionalProperties: false },
      ),
      { maxItems: 10 },
    ),
  ),
  provisioningContext: Type.Optional(
    Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 1024 }), { maxProperties: 32 }),
  ),
  renewsTo: Type.Optional(
    Type.Object({ termDuration: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
  ),
  customTermEndDate: Type.Optional(Type.String({ maxLength: 64 })),
  attestationAccepted: Type.Optional(Type.Boolean()),
};
export const MAX_CART_LINES = 100;

export const CartLineItemInput = Type.Object(
  {
    ...lineItemInputFields,
    addonItems: Type.Optional(
      Type.Array(Type.Object(lineItemInputFields, { additionalProperties: false }), { maxItems: MAX_CART_LINES }),
    ),
  },
  { additionalProperties: false },
);
export type CartLineItemInput = Static<typeof CartLineItemInput>;

export const CartInput = Type.Object(
  {
    lineItems: Type.Array(CartLineItemInput, { minItems: 1, maxItems: MAX_CART_LINES }),
    partnerOnRecordAttestationAccepted: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CartInput = Static<typeof CartInput>;

export const CartCheckoutResult = Type.Object(
  {
    orders: Type.Array(Order),
    orderErrors: Type.Array(OrderError),
    attributes: Attributes('CartCheckoutResult'),
  },
  { title: 'CartCheckoutResult' },
);
export type CartCheckoutResult = Static<typeof CartCheckoutResult>;

/** Every property name of the request schemas, by lower-case spelling: bodies are read case-insensitively. */
export const knownFieldNames: ReadonlyMap<string, string> = (() => {
  const names = new Map<string, string>();
  const walk = (schema: unknown) => {
    if (!schema || typeof schema !== 'object') return;
    const s = schema as { properties?: Record<string, unknown>; items?: unknown; patternProperties?: Record<string, unknown> };
    for (const [name, sub] of Object.entries(s.properties ?? {})) {
      names.set(name.toLowerCase(), name);
      walk(sub);
    }
    walk(s.items);
  };
  [CartInput, Cart, SubscriptionUpdate, CustomerInput, OrderInput, OrderPatchInput, WebhookRegistrationInput].forEach(walk);
  return names;
})();
