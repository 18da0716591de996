/**
 * The wire contract of partner-commerce: TypeBox schemas of every Partner Center resource this
 * service speaks, used at once for server validation, response serialization, OpenAPI and SDK types.
 * Field names and enum spellings follow shared/reference/partner-center-api.md; do not rename them.
 */
import { Type, type Static, type TSchema } from 'typebox';

export * from './errors.js';

// ---------------------------------------------------------------------------------------------
// Utility resources (reference §0, §2 Utility)

export const LinkHeader = Type.Object({ key: Type.String(), value: Type.String() });
export const Link = Type.Object(
  { uri: Type.String(), method: Type.String(), headers: Type.Array(LinkHeader) },
  { title: 'Link' },
);
export type Link = Static<typeof Link>;

/** `attributes` of a resource: its object type, and an etag where the resource carries one. */
export const Attributes = (objectType: string) =>
  Type.Object({ etag: Type.Optional(Type.String()), objectType: Type.Literal(objectType) });

export const SelfLinks = Type.Object({ self: Link });

/** Partner Center's collection envelope: `{totalCount, items, links, attributes:{objectType:"Collection"}}`. */
export const Collection = <T extends TSchema>(item: T) =>
  Type.Object({
    totalCount: Type.Integer(),
    items: Type.Array(item),
    links: Type.Object({
      self: Link,
      next: Type.Optional(Link),
      previous: Type.Optional(Link),
    }),
    attributes: Attributes('Collection'),
  });

// ---------------------------------------------------------------------------------------------
// Enums (wire spellings; reference §2)

/** BillingCycleType as it travels: snake_case of the .NET member names. */
export const BILLING_CYCLES = ['unknown', 'monthly', 'annual', 'none', 'one_time', 'triennial', 'biennial'] as const;
export type BillingCycle = (typeof BILLING_CYCLES)[number];

export const PARTICIPANT_TYPES = [
  'unknown',
  'transaction_reseller',
  'consumption_reseller',
  'additional_transaction_reseller',
] as const;

export const CART_STATUSES = ['Active', 'Ordered'] as const;
export type CartStatus = (typeof CART_STATUSES)[number];

export const ORDER_STATUSES = ['unknown', 'completed', 'pending', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Per-line provisioning status, spelled as order-resources.md's table does (see docs/compatibility.md). */
export const LINE_PROVISIONING_STATUSES = ['PrefulfillmentPending', 'Fulfilled', 'Unfulfilled'] as const;
export type LineProvisioningStatus = (typeof LINE_PROVISIONING_STATUSES)[number];

export const SUBSCRIPTION_STATUSES = ['none', 'active', 'pending', 'suspended', 'deleted'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

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

// ---------------------------------------------------------------------------------------------
// Carts (reference §2 Cart, CartLineItem, CartError, CartCheckoutResult, OrderError)

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
export const RenewsTo = Type.Object({ termDuration: Type.String() });
export const StringMap = Type.Record(Type.String(), Type.String());

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

// ---------------------------------------------------------------------------------------------
// Orders (reference §2 Order, OrderLineItem, OrderLineItemProvisioningStatus)

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

export const CartCheckoutResult = Type.Object(
  {
    orders: Type.Array(Order),
    orderErrors: Type.Array(OrderError),
    attributes: Attributes('CartCheckoutResult'),
  },
  { title: 'CartCheckoutResult' },
);
export type CartCheckoutResult = Static<typeof CartCheckoutResult>;

// ---------------------------------------------------------------------------------------------
// Subscriptions (reference §2 Subscription)

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

// ---------------------------------------------------------------------------------------------
// Customers (Partner Center Customer resource, the fields this service keeps)

export const Address = Type.Object({
  country: Type.String(),
  region: Type.Optional(Type.String()),
  city: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  addressLine1: Type.Optional(Type.String()),
  postalCode: Type.Optional(Type.String()),
  firstName: Type.Optional(Type.String()),
  lastName: Type.Optional(Type.String()),
  phoneNumber: Type.Optional(Type.String()),
});

export const Customer = Type.Object(
  {
    id: Type.String(),
    commerceId: Type.String(),
    companyProfile: Type.Object({
      tenantId: Type.String(),
      domain: Type.String(),
      companyName: Type.String(),
      address: Address,
      email: Type.String(),
      links: SelfLinks,
      attributes: Attributes('CustomerCompanyProfile'),
    }),
    billingProfile: Type.Object({
      id: Type.String(),
      firstName: Type.String(),
      lastName: Type.String(),
      email: Type.String(),
      culture: Type.String(),
      language: Type.String(),
      companyName: Type.String(),
      defaultAddress: Address,
      links: SelfLinks,
      attributes: Attributes('CustomerBillingProfile'),
    }),
    relationshipToPartner: Type.String(),
    allowDelegatedAccess: Type.Boolean(),
    customDomains: Type.Array(Type.String()),
    links: SelfLinks,
    attributes: Attributes('Customer'),
  },
  { title: 'Customer' },
);
export type Customer = Static<typeof Customer>;

// ---------------------------------------------------------------------------------------------
// Catalog (reference §2 Product / Sku / Availability, Offer)

export const ProductType = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  subType: Type.Optional(Type.Object({ id: Type.String(), displayName: Type.String() })),
});

export const Product = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    description: Type.String(),
    productType: ProductType,
    isMicrosoftProduct: Type.Boolean(),
    publisherName: Type.String(),
    links: Type.Object({ skus: Link, self: Link }),
    attributes: Attributes('Product'),
  },
  { title: 'Product' },
);
export type Product = Static<typeof Product>;

export const Sku = Type.Object(
  {
    id: Type.String(),
    productId: Type.String(),
    title: Type.String(),
    description: Type.String(),
    minimumQuantity: Type.Integer(),
    maximumQuantity: Type.Integer(),
    isTrial: Type.Boolean(),
    supportedBillingCycles: Type.Array(Type.String()),
    purchasePrerequisites: Type.Array(Type.String()),
    inventoryVariables: Type.Array(Type.String()),
    provisioningVariables: Type.Array(Type.String()),
    actions: Type.Array(Type.String()),
    dynamicAttributes: Type.Record(Type.String(), Type.Unknown()),
    links: Type.Object({ availabilities: Link, self: Link }),
    attributes: Attributes('Sku'),
  },
  { title: 'Sku' },
);
export type Sku = Static<typeof Sku>;

export const Term = Type.Object({
  duration: Type.String(),
  description: Type.String(),
  billingCycle: Type.Optional(Type.String()),
});

export const Availability = Type.Object(
  {
    id: Type.String(),
    productId: Type.String(),
    skuId: Type.String(),
    catalogItemId: Type.String(),
    defaultCurrency: Type.Object({ code: Type.String(), symbol: Type.String(), name: Type.String() }),
    segment: Type.String(),
    country: Type.String(),
    isPurchasable: Type.Boolean(),
    isRenewable: Type.Boolean(),
    terms: Type.Array(Term),
    links: Type.Object({ self: Link }),
    attributes: Attributes('Availability'),
  },
  { title: 'Availability' },
);
export type Availability = Static<typeof Availability>;

export const Offer = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    minimumQuantity: Type.Integer(),
    maximumQuantity: Type.Integer(),
    rank: Type.Integer(),
    uri: Type.String(),
    locale: Type.String(),
    country: Type.String(),
    category: Type.Object({ id: Type.String(), name: Type.String(), rank: Type.Integer(), locale: Type.String(), country: Type.String() }),
    prerequisiteOffers: Type.Array(Type.String()),
    isAddOn: Type.Boolean(),
    isAvailableForPurchase: Type.Boolean(),
    billing: Type.String(),
    supportedBillingCycles: Type.Array(Type.String()),
    isAutoRenewable: Type.Boolean(),
    upgradeTargetOffers: Type.Array(Type.String()),
    isTrial: Type.Boolean(),
    salesGroupId: Type.Optional(Type.String()),
    unitType: Type.String(),
    links: Type.Object({ self: Link }),
    attributes: Attributes('Offer'),
  },
  { title: 'Offer' },
);
export type Offer = Static<typeof Offer>;

// ---------------------------------------------------------------------------------------------

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
  [CartInput, Cart].forEach(walk);
  return names;
})();

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

/** Partner Center's AuditRecord, for the carts and orders this service records. */
export const AuditRecord = Type.Object(
  {
    id: Type.String(),
    partnerId: Type.String(),
    customerId: Type.String(),
    customerName: Type.String(),
    userPrincipalName: Type.String(),
    applicationId: Type.String(),
    resourceType: Type.String(),
    resourceId: Type.String(),
    resourceNewValue: Type.String(),
    operationType: Type.String(),
    operationStatus: Type.String(),
    operationDate: Type.String({ format: 'date-time' }),
    originalCorrelationId: Type.String(),
    customizedData: Type.Array(Type.Object({ key: Type.String(), value: Type.String() })),
    attributes: Attributes('AuditRecord'),
  },
  { title: 'AuditRecord' },
);
