/** Customers (Partner Center Customer resource, the fields this service keeps). Served by the server's `modules/customers`. */
import { Type, type Static } from 'typebox';
import { Attributes, Collection, SelfLinks } from './common.js';

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

/** A customer as `POST /v1/customers` answers it: with the initial admin's credentials, shown once. */
export const CreatedCustomer = Type.Object(
  {
    ...Customer.properties,
    userCredentials: Type.Object({ userName: Type.String(), password: Type.String() }),
  },
  { title: 'CreatedCustomer' },
);
export type CreatedCustomer = Static<typeof CreatedCustomer>;

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Optional = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

/** A customer's address as create-a-customer.md lists it (country: ISO 3166 alpha-2). */
export const CustomerAddressInput = Type.Object({
  country: Type.String({ pattern: '^[A-Za-z]{2}$' }),
  region: Optional(128),
  city: Text(128),
  state: Optional(128),
  addressLine1: Text(256),
  addressLine2: Optional(256),
  addressLine3: Optional(256),
  postalCode: Optional(32),
  firstName: Text(128),
  lastName: Text(128),
  phoneNumber: Optional(64),
});

/**
 * `POST /v1/customers` as the SDKs and the doc send it (names in any casing; read-only and unknown
 * fields, such as the `attributes` the Java SDK's models always carry, are dropped).
 */
export const CustomerInput = Type.Object({
  billingProfile: Type.Object({
    email: Type.String({ minLength: 3, maxLength: 256, pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' }),
    culture: Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 32 }),
    language: Type.String({ pattern: '^[A-Za-z]{2}$' }),
    companyName: Text(256),
    defaultAddress: CustomerAddressInput,
  }),
  companyProfile: Type.Object({
    domain: Type.String({ minLength: 1, maxLength: 253 }),
    organizationRegistrationNumber: Optional(64),
  }),
});
export type CustomerInput = Static<typeof CustomerInput>;

/**
 * A page of customers (get-a-list-of-customers.md): Partner Center's collection plus, when more follow,
 * `continuationToken` and `links.next` carrying it in an `MS-ContinuationToken` header (the .NET and
 * Java SDKs' `SeekBasedResourceCollection`).
 */
export const CustomerPage = Type.Object(
  { ...Collection(Customer).properties, continuationToken: Type.Optional(Type.String()) },
  { title: 'CustomerPage' },
);
export type CustomerPage = Static<typeof CustomerPage>;
