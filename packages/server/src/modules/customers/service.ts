/** Customer use cases: reading the caller's customers, and the lookup every customer-scoped route starts with. */
import { randomUUID } from 'node:crypto';
import type { CreatedCustomer, Customer, CustomerInput, CustomerPage } from '@partner-commerce/contract';
import type { Database, Queryable } from '../../db/database.js';
import { fail } from '../../errors.js';
import { collection, isGuid, link, parseEnum, parseIsoDateTime, randomToken } from '../../wire.js';
import { auditEntry, recordAudit, type Actor } from '../audit/service.js';
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


// ---------------------------------------------------------------------------------------------
// Onboarding: creating customers, domain availability, paging (issue 15 item 5)

/** Countries whose customers need `companyProfile.organizationRegistrationNumber` (create-a-customer.md). */
const REGISTRATION_NUMBER_COUNTRIES = new Set(['AM', 'AZ', 'BY', 'HU', 'KZ', 'KG', 'MD', 'RU', 'TJ', 'UZ', 'UA']);
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * A customer domain as clients give it: a full name (`contoso.onmicrosoft.com`) or just the prefix
 * (`contoso`, which becomes `contoso.onmicrosoft.com`, the initial domain Partner Center creates);
 * lower-cased. Undefined when it is not a host name.
 */
export function normalizeDomain(domain: string): string | undefined {
  const d = domain.trim().toLowerCase();
  if (!HOST_NAME.test(d)) return undefined;
  return d.includes('.') ? d : `${d}.onmicrosoft.com`;
}

export async function createCustomer(db: Database, actor: Actor, input: CustomerInput): Promise<CreatedCustomer> {
  const b = input.billingProfile;
  const a = b.defaultAddress;
  const country = a.country.toUpperCase();
  const domain = normalizeDomain(input.companyProfile.domain);
  if (!domain) fail('InvalidRequestInput', `companyProfile.domain ${input.companyProfile.domain.slice(0, 64)} is not a valid domain name.`);
  if (REGISTRATION_NUMBER_COUNTRIES.has(country) && !input.companyProfile.organizationRegistrationNumber?.trim()) {
    fail('InvalidRequestInput', `companyProfile.organizationRegistrationNumber is required for customers in ${country}.`);
  }
  const [lang, ...region] = b.culture.split('-');
  const record: repo.CustomerRecord = {
    id: randomUUID(),
    partnerTenantId: actor.tenantId,
    commerceId: randomUUID(),
    companyName: b.companyName,
    domain: domain!,
    country,
    culture: [lang.toLowerCase(), ...region.map((r) => r.toUpperCase())].join('-'),
    billingContact: {
      id: randomUUID(),
      firstName: a.firstName,
      lastName: a.lastName,
      email: b.email,
      address: Object.fromEntries(
        Object.entries({ ...a, country: undefined, firstName: undefined, lastName: undefined }).filter(([, v]) => v !== undefined),
      ) as Record<string, string>,
    },
  };
  const customer = renderCustomer(record);
  await db.transaction(async (tx) => {
    if (!(await repo.insertNewCustomer(tx, record))) fail('DomainAlreadyExists', `The domain ${domain} is already in use.`);
    await recordAudit(tx, [auditEntry(actor, record.id, 'create_customer', 'customer', record.id, customer)]);
  });
  return { ...customer, userCredentials: { userName: 'admin', password: randomToken(12, 'base64url') } };
}

/** `HEAD /v1/domains/{domain}`: whether the domain is taken (by any partner's customer); 400 when it is no domain name. */
export async function domainTaken(db: Queryable, domain: string): Promise<boolean> {
  const d = normalizeDomain(domain);
  if (!d) fail('InvalidRequestInput', `${domain.slice(0, 64)} is not a valid domain name.`);
  return repo.domainExists(db, d!);
}

const SEEK_OPERATIONS = ['Next', 'First'] as const;

/** The opaque `MS-ContinuationToken`: the page's last cursor; anything else a client sends is 400·800002. */
const encodeToken = (c: repo.CustomerCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeToken(token: string): repo.CustomerCursor {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(c) && c.length === 2 && typeof c[0] === 'string' && parseIsoDateTime(c[0]) !== undefined && isGuid(c[1])) {
      return c as repo.CustomerCursor;
    }
  } catch {
    // falls through to the error
  }
  return fail('InvalidRequestInput', 'MS-ContinuationToken is not a continuation token this service gave.');
}

/**
 * A page of the partner's customers (`size`, 0 meaning the default, as the .NET SDK's unindexed query
 * sends), and the next ones with `seekOperation=Next` and the `MS-ContinuationToken` the previous page gave.
 */
export async function listCustomerPage(db: Queryable, tenantId: string, q: { size: number; seekOperation?: string; continuationToken?: string }) {
  const size = q.size || DEFAULT_PAGE_SIZE;
  const seek = q.seekOperation ? parseEnum(q.seekOperation, SEEK_OPERATIONS, 'SeekOperation') : undefined;
  if (seek === 'Next' && !q.continuationToken) fail('InvalidRequestInput', 'seekOperation=Next needs the MS-ContinuationToken header.');
  const after = seek === 'Next' ? decodeToken(q.continuationToken!) : undefined;
  const rows = await repo.listCustomersAfter(db, tenantId, size + 1, after);
  const page = rows.slice(0, size);
  const out: CustomerPage = collection(page.map((r) => renderCustomer(r.customer)), `/customers?size=${size}`);
  if (rows.length > size) {
    const token = encodeToken(page[page.length - 1].cursor);
    out.continuationToken = token;
    out.links.next = { uri: `/customers?size=${size}&seekOperation=Next`, method: 'GET', headers: [{ key: 'MS-ContinuationToken', value: token }] };
  }
  return out;
}

export const DEFAULT_PAGE_SIZE = 500;
