/** Customers (Partner Center Customer resource, the fields this service keeps). Served by the server's `modules/customers`. */
import { Type, type Static } from 'typebox';
import { Attributes, SelfLinks } from './common.js';

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
