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
/** SubscriptionProvisioningStatus.status (.NET enum `ProvisioningStatus`, lower-case on the wire). */
export const SUBSCRIPTION_PROVISIONING_STATUSES = ['none', 'success', 'pending', 'failed'] as const;

/**
 * `GET …/subscriptions/{s}/provisioningstatus` (get-subscription-provisioning-status.md): no
 * subscription id; `skuId` is GUID-shaped because the .NET SDK parses it as a `Guid`.
 */
export const SubscriptionProvisioningStatus = Type.Object(
  {
    skuId: Type.String({ format: 'uuid' }),
    status: Type.String({ description: 'none | success | pending | failed' }),
    quantity: Type.Integer(),
    endDate: Type.String({ format: 'date-time' }),
    attributes: Attributes('SubscriptionProvisioningStatus'),
  },
  { title: 'SubscriptionProvisioningStatus' },
);
export type SubscriptionProvisioningStatus = Static<typeof SubscriptionProvisioningStatus>;

/** SubscriptionRegistrationStatus.status, spelled as the doc's sample (`NotRegistered`); see docs/compatibility.md. */
export const SUBSCRIPTION_REGISTRATION_STATUSES = ['NotRegistered', 'Registering', 'Registered'] as const;

/** `GET …/subscriptions/{s}/registrationstatus` (get-subscription-registration-status.md). */
export const SubscriptionRegistrationStatus = Type.Object(
  {
    subscriptionId: Type.String(),
    status: Type.String({ description: 'NotRegistered | Registering | Registered' }),
    attributes: Attributes('SubscriptionRegistrationStatus'),
  },
  { title: 'SubscriptionRegistrationStatus' },
);
export type SubscriptionRegistrationStatus = Static<typeof SubscriptionRegistrationStatus>;

/** TransitionEligibility.eligibilities[].errors[]: `code` is the numeric TransitionErrorCode ([NETM] `TransitionErrorCode.cs`). */
export const TransitionError = Type.Object({ code: Type.Integer(), description: Type.String() });

/** `GET …/subscriptions/{s}/transitioneligibilities` items ([NETM] `TransitionEligibility.cs`; transition-a-new-commerce-subscription.md). */
export const TransitionEligibility = Type.Object(
  {
    catalogItemId: Type.String(),
    title: Type.String(),
    description: Type.String(),
    quantity: Type.Integer(),
    eligibilities: Type.Array(
      Type.Object({
        isEligible: Type.Boolean(),
        transitionType: Type.String({ description: 'transition_only | transition_with_license_transfer | none' }),
        eligibilityType: Type.String({ description: 'immediate | scheduled' }),
        errors: Type.Array(TransitionError),
      }),
    ),
    attributes: Attributes('TransitionEligibility'),
  },
  { title: 'TransitionEligibility' },
);
export type TransitionEligibility = Static<typeof TransitionEligibility>;

/** TransitionEvent ([NETM] `TransitionEvent.cs`): `Conversion`, `SeatReassignment`. */
export const TransitionEvent = Type.Object({
  name: Type.String(),
  status: Type.String({ description: 'InProgress | Completed | Failed' }),
  timestamp: Type.String({ format: 'date-time' }),
  attributes: Attributes('TransitionEvent'),
});

/** A transition as `POST`/`GET …/subscriptions/{s}/transitions` answer it ([NETM] `Transition.cs`). */
export const Transition = Type.Object(
  {
    operationId: Type.String(),
    fromCatalogItemId: Type.String(),
    fromSubscriptionId: Type.String(),
    toCatalogItemId: Type.String(),
    toSubscriptionId: Type.String(),
    quantity: Type.Integer(),
    termDuration: Type.String(),
    billingCycle: Type.String(),
    transitionType: Type.String(),
    events: Type.Array(TransitionEvent),
    attributes: Attributes('Transition'),
  },
  { title: 'Transition' },
);
export type Transition = Static<typeof Transition>;

/** The body of `POST …/subscriptions/{s}/transitions` (the doc's sample; .NET's Transition with the read-only fields ignored). */
export const TransitionRequest = Type.Object(
  {
    toCatalogItemId: Type.String({ minLength: 1, maxLength: 200 }),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    transitionType: Type.Optional(Type.String({ maxLength: 64 })),
    toSubscriptionId: Type.Optional(Type.String({ maxLength: 64 })),
    operationId: Type.Optional(Type.String({ maxLength: 64 })),
    fromCatalogItemId: Type.Optional(Type.String({ maxLength: 200 })),
    fromSubscriptionId: Type.Optional(Type.String({ maxLength: 64 })),
    termDuration: Type.Optional(Type.String({ maxLength: 16 })),
    billingCycle: Type.Optional(Type.String({ maxLength: 32 })),
    promotionId: Type.Optional(Type.String({ maxLength: 64 })),
    events: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 16 })),
    attributes: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false, title: 'TransitionRequest' },
);
export type TransitionRequest = Static<typeof TransitionRequest>;
