/** Customer use cases: reading the caller's customers, and the lookup every customer-scoped route starts with. */
import type { Customer } from '@partner-commerce/contract';
import type { Queryable } from '../../db/database.js';
import { fail } from '../../errors.js';
import { collection, isGuid, link } from '../../wire.js';
import * as repo from './repo.js';

export type { CustomerRecord, ReadCustomer } from './repo.js';

/** The customer `customerId` of partner `tenantId`; 404 when it does not exist or belongs to another partner. */
export async function requireCustomer(db: Queryable, tenantId: string, customerId: string): Promise<repo.ReadCustomer> {
  if (!isGuid(customerId)) fail('InvalidCustomerId', `Invalid Customer Id: ${customerId.slice(0, 64)} is not a GUID.`);
  const customer = await repo.findCustomer(db, tenantId, customerId.toLowerCase());
  if (!customer) fail('TenantNotFound', `Customer ${customerId} was not found.`);
  return customer!;
}

export function renderCustomer(c: repo.CustomerRecord): Customer {
  const b = c.billingContact;
  const self = `/customers/${c.id}`;
  return {
    id: c.id,
    commerceId: c.commerceId,
    companyProfile: {
      tenantId: c.id,
      domain: c.domain,
      companyName: c.companyName,
      address: { country: c.country, ...b.address },
      email: b.email,
      links: { self: link(`${self}/profiles/company`) },
      attributes: { objectType: 'CustomerCompanyProfile' },
    },
    billingProfile: {
      id: b.id,
      firstName: b.firstName,
      lastName: b.lastName,
      email: b.email,
      culture: c.culture,
      language: c.culture.split('-')[0],
      companyName: c.companyName,
      defaultAddress: { country: c.country, ...b.address, firstName: b.firstName, lastName: b.lastName },
      links: { self: link(`${self}/profiles/billing`) },
      attributes: { objectType: 'CustomerBillingProfile' },
    },
    relationshipToPartner: 'reseller',
    allowDelegatedAccess: true,
    customDomains: [c.domain],
    links: { self: link(self) },
    attributes: { objectType: 'Customer' },
  };
}

export async function getCustomer(db: Queryable, tenantId: string, customerId: string) {
  return renderCustomer(await requireCustomer(db, tenantId, customerId));
}

export async function listCustomers(db: Queryable, tenantId: string, size: number) {
  const rows = await repo.listCustomers(db, tenantId, size);
  return collection(rows.map(renderCustomer), `/customers?size=${size}`);
}
