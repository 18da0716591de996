/** Subscriptions (reference §2 Subscription), as checkout creates them. Served by the server's `modules/subscriptions`. */
import { Type, type Static } from 'typebox';
import { Attributes, Link } from './common.js';

export const SUBSCRIPTION_STATUSES = ['none', 'active', 'pending', 'suspended', 'deleted'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

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
    status: Type.String(),
    autoRenewEnabled: Type.Boolean(),
    isTrial: Type.Boolean(),
    billingType: Type.String(),
    billingCycle: Type.String(),
    termDuration: Type.Optional(Type.String()),
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
