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
