/**
 * Subscriptions (reference §2 Subscription; issue-15 facts §1–§3): as checkout creates them and as a
 * partner changes them (`PATCH …/subscriptions/{s}`). Served by the server's `modules/subscriptions`.
 */
import { Type, type Static } from 'typebox';
import { Attributes, Link } from './common.js';

/** SubscriptionStatus as it travels ([NETM] `SubscriptionStatus.cs`; the live docs table). */
export const SUBSCRIPTION_STATUSES = ['none', 'active', 'pending', 'suspended', 'deleted', 'expired', 'disabled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** A product, SKU, availability and term: what `scheduledNextTermInstructions` renews into ([NETM] `ProductTerm.cs`). */
export const ProductTerm = Type.Object(
  {
    productId: Type.String({ minLength: 1, maxLength: 64 }),
    skuId: Type.String({ minLength: 1, maxLength: 64 }),
    availabilityId: Type.String({ minLength: 1, maxLength: 64 }),
    billingCycle: Type.String({ minLength: 1, maxLength: 32 }),
    termDuration: Type.String({ minLength: 1, maxLength: 16 }),
    promotionId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** What the next term will be: applied at the next auto-renewal ([NETM] `ScheduledNextTermInstructions.cs`). */
export const ScheduledNextTermInstructions = Type.Object(
  {
    product: ProductTerm,
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    customTermEndDate: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false, title: 'ScheduledNextTermInstructions' },
);
export type ScheduledNextTermInstructions = Static<typeof ScheduledNextTermInstructions>;

/** Seats that may still be reduced, per return window ([NETM] `RefundableQuantity.cs`). */
export const RefundableQuantity = Type.Object({
  totalQuantity: Type.Integer(),
  details: Type.Array(Type.Object({ quantity: Type.Integer(), allowedUntilDateTime: Type.String({ format: 'date-time' }) })),
});

export const Subscription = Type.Object(
  {
    id: Type.String(),
    entitlementId: Type.String(),
    offerId: Type.String(),
    offerName: Type.String(),
    friendlyName: Type.String(),
    quantity: Type.Integer(),
    unitType: Type.String(),
    parentSubscriptionId: Type.Optional(Type.String()),
    creationDate: Type.String({ format: 'date-time' }),
    effectiveStartDate: Type.String({ format: 'date-time' }),
    commitmentEndDate: Type.String({ format: 'date-time' }),
    cancellationAllowedUntilDate: Type.Optional(Type.String({ format: 'date-time' })),
    status: Type.String(),
    autoRenewEnabled: Type.Boolean(),
    isTrial: Type.Boolean(),
    billingType: Type.String(),
    billingCycle: Type.String(),
    termDuration: Type.Optional(Type.String()),
    renewalTermDuration: Type.Optional(Type.String()),
    refundableQuantity: Type.Optional(RefundableQuantity),
    refundOptions: Type.Optional(Type.Array(Type.Object({ type: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }))),
    scheduledNextTermInstructions: Type.Optional(ScheduledNextTermInstructions),
    contractType: Type.String(),
    orderId: Type.String(),
    links: Type.Object({
      offer: Type.Optional(Link),
      product: Type.Optional(Link),
      sku: Type.Optional(Link),
      availability: Type.Optional(Link),
      self: Link,
    }),
    attributes: Attributes('Subscription'),
  },
  { title: 'Subscription' },
);
export type Subscription = Static<typeof Subscription>;

/**
 * The body of `PATCH …/subscriptions/{s}`: the whole Subscription as the SDKs send it back. Only the
 * fields a partner may change are read; every other (read-only) field is dropped. `creationDate` is
 * read only to recognise a .NET object built client side (`new Subscription { … }`, DateTime.MinValue).
 */
export const SubscriptionUpdate = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 64 })),
    quantity: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    friendlyName: Type.Optional(Type.String({ maxLength: 128 })),
    status: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    autoRenewEnabled: Type.Optional(Type.Boolean()),
    scheduledNextTermInstructions: Type.Optional(ScheduledNextTermInstructions),
    creationDate: Type.Optional(Type.String({ maxLength: 64 })),
    attributes: Type.Optional(Type.Object({ etag: Type.Optional(Type.String({ maxLength: 128 })) }, { additionalProperties: false })),
  },
  { additionalProperties: false, title: 'SubscriptionUpdate' },
);
export type SubscriptionUpdate = Static<typeof SubscriptionUpdate>;
