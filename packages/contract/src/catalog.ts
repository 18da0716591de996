/** The catalog (reference §2 Product / Sku / Availability, Offer). Served by the server's `modules/catalog`. */
import { Type, type Static } from 'typebox';
import { Attributes, Link } from './common.js';

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
