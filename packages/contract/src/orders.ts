/**
 * Orders (reference §2 Order, OrderLineItem, OrderLineItemProvisioningStatus), as checkout creates
 * them. Served by the server's `modules/orders`.
 */
import { Type, type Static } from 'typebox';
import { Attributes, Link, RenewsTo, StringMap } from './common.js';

export const ORDER_STATUSES = ['unknown', 'completed', 'pending', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Per-line provisioning status, spelled as order-resources.md's table does (see docs/compatibility.md). */
export const LINE_PROVISIONING_STATUSES = ['PrefulfillmentPending', 'Fulfilled', 'Unfulfilled'] as const;
export type LineProvisioningStatus = (typeof LINE_PROVISIONING_STATUSES)[number];

export const Pricing = Type.Object({
  listPrice: Type.Number(),
  discountedPrice: Type.Optional(Type.Number()),
  proratedPrice: Type.Optional(Type.Number()),
  price: Type.Number(),
  extendedPrice: Type.Number(),
});

export const OrderLineItem = Type.Object(
  {
    lineItemNumber: Type.Integer(),
    offerId: Type.String(),
    subscriptionId: Type.Optional(Type.String()),
    parentSubscriptionId: Type.Optional(Type.String()),
    termDuration: Type.Optional(Type.String()),
    renewsTo: Type.Optional(RenewsTo),
    transactionType: Type.Optional(Type.String()),
    promotionId: Type.Optional(Type.String()),
    customTermEndDate: Type.Optional(Type.String()),
    friendlyName: Type.Optional(Type.String()),
    quantity: Type.Integer(),
    pricing: Type.Optional(Pricing),
    partnerIdOnRecord: Type.Optional(Type.String()),
    additionalPartnerIdsOnRecord: Type.Optional(Type.Array(Type.String())),
    provisioningContext: Type.Optional(StringMap),
    attestationAccepted: Type.Optional(Type.Boolean()),
    links: Type.Object({
      subscription: Type.Optional(Link),
      product: Type.Optional(Link),
      sku: Type.Optional(Link),
      availability: Type.Optional(Link),
      provisioningStatus: Type.Optional(Link),
      activationLinks: Type.Optional(Link),
    }),
  },
  { title: 'OrderLineItem' },
);
export type OrderLineItem = Static<typeof OrderLineItem>;

export const Order = Type.Object(
  {
    id: Type.String(),
    alternateId: Type.String(),
    referenceCustomerId: Type.String(),
    billingCycle: Type.String(),
    currencyCode: Type.String(),
    currencySymbol: Type.String(),
    lineItems: Type.Array(OrderLineItem),
    creationDate: Type.String({ format: 'date-time' }),
    status: Type.String(),
    transactionType: Type.String(),
    totalPrice: Type.Optional(Type.Number()),
    partnerOnRecordAttestationAccepted: Type.Optional(Type.Boolean()),
    links: Type.Object({
      self: Link,
      provisioningStatus: Type.Optional(Link),
      patchOperation: Type.Optional(Link),
    }),
    attributes: Attributes('Order'),
  },
  { title: 'Order' },
);
export type Order = Static<typeof Order>;

export const OrderError = Type.Object(
  {
    orderGroupId: Type.String(),
    code: Type.Integer(),
    description: Type.String(),
    attributes: Attributes('OrderError'),
  },
  { title: 'OrderError' },
);
export type OrderError = Static<typeof OrderError>;

export const QuantityProvisioningStatus = Type.Object({
  quantity: Type.Integer(),
  status: Type.String(),
  attributes: Attributes('QuantityProvisioningStatus'),
});

export const OrderLineItemProvisioningStatus = Type.Object(
  {
    lineItemNumber: Type.Integer(),
    orderLineItemId: Type.Integer(),
    status: Type.String(),
    quantityProvisioningInformation: Type.Array(QuantityProvisioningStatus),
    /** Why an `Unfulfilled` line failed (not in Partner Center's model; clients ignore unknown fields). */
    error: Type.Optional(Type.Object({ code: Type.Integer(), description: Type.String() })),
    attributes: Attributes('OrderLineItemProvisioningStatus'),
  },
  { title: 'OrderLineItemProvisioningStatus' },
);

/** One line's activation link (get-activation-link-by-order-line-item.md): an absolute third-party URL. */
export const ActivationLink = Type.Object(
  { lineItemNumber: Type.Integer(), link: Link },
  { title: 'ActivationLink' },
);
export type ActivationLink = Static<typeof ActivationLink>;

const INT32_MAX = 2 ** 31 - 1;

/**
 * `POST /v1/customers/{c}/orders` (create-an-order.md, PowerShell `New-PartnerCustomerOrder`): an order
 * placed without a cart. Read-only fields are dropped; names are read in any casing.
 */
export const OrderInput = Type.Object({
  lineItems: Type.Array(
    Type.Object({
      lineItemNumber: Type.Optional(Type.Integer({ minimum: 0, maximum: 999 })),
      offerId: Type.String({ minLength: 1, maxLength: 256 }),
      quantity: Type.Integer({ minimum: -INT32_MAX - 1, maximum: INT32_MAX }),
      friendlyName: Type.Optional(Type.String({ maxLength: 256 })),
      partnerIdOnRecord: Type.Optional(Type.String({ maxLength: 64 })),
      parentSubscriptionId: Type.Optional(Type.String({ maxLength: 64 })),
      provisioningContext: Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 1024 }), { maxProperties: 32 })),
    }),
    { minItems: 1, maxItems: 100 },
  ),
  billingCycle: Type.Optional(Type.String({ maxLength: 64 })),
});
export type OrderInput = Static<typeof OrderInput>;

/**
 * `PATCH /v1/customers/{c}/orders/{o}` with `status: "cancelled"` (cancel-software-purchases.md): the
 * whole order, or only the lines listed.
 */
export const OrderPatchInput = Type.Object({
  status: Type.String({ maxLength: 32 }),
  lineItems: Type.Optional(
    Type.Array(Type.Object({ lineItemNumber: Type.Integer({ minimum: 0, maximum: 999 }), offerId: Type.Optional(Type.String({ maxLength: 256 })) }), {
      minItems: 1,
      maxItems: 100,
    }),
  ),
});
export type OrderPatchInput = Static<typeof OrderPatchInput>;
