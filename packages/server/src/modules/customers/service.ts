/** Customer use cases: reading the caller's customers, and the lookup every customer-scoped route starts with. */
import { randomUUID } from 'node:crypto';
import type { CreatedCustomer, Customer, CustomerInput, CustomerPage } from '@partner-commerce/contract';
import type { Database, Queryable } from '../../db/database.js';
import { fail } from '../../errors.js';
import { collection, enumKey, isGuid, link, parseEnum, parseIsoDateTime, randomToken } from '../../wire.js';
import { auditEntry, recordAudit, type Actor } from '../audit/service.js';
import * as repo from './repo.js';
import { isStorable } from '../../plugins/storable-input.js';

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

/** CustomerSearchField values ([NETM] `Customers/CustomerSearchField.cs`); the indirect ones match no sandbox customer. */
const SEARCH_FIELDS = ['CompanyName', 'Domain', 'IndirectReseller', 'IndirectCloudSolutionProvider'] as const;

/**
 * The list's `filter` (get-a-customer-by-name.md): `{"Field": CustomerSearchField, "Value": string,
 * "Operator": "starts_with"}`, the only operator the customers endpoint supports; names in any casing
 * (.NET sends PascalCase). 400·800002 for anything else.
 */
function parseFilter(text: string): repo.CustomerFilter {
  const bad = (why: string): never => fail('InvalidRequestInput', `filter ${why}; expected {"Field":"CompanyName"|"Domain","Value":"…","Operator":"starts_with"}.`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    bad('is not JSON');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) bad('is not a JSON object');
  const get = (name: string) => Object.entries(raw as Record<string, unknown>).find(([k]) => k.toLowerCase() === name)?.[1];
  const [field, value, operator] = [get('field'), get('value'), get('operator')];
  if (typeof field !== 'string' || typeof value !== 'string' || typeof operator !== 'string') bad('needs the strings Field, Value and Operator');
  const f = SEARCH_FIELDS.find((x) => enumKey(x) === enumKey(field as string));
  if (!f) bad(`Field ${(field as string).slice(0, 40)} is not a CustomerSearchField`);
  if (enumKey(operator as string) !== 'startswith') bad(`Operator ${(operator as string).slice(0, 40)} is not supported (only starts_with)`);
  if ((value as string).length > 256) bad('Value is longer than 256 characters');
  // The query string was storable, but JSON escapes (`\u0000`, a lone `\ud800`) inside it need not be.
  if (!isStorable(value as string)) bad('Value holds a NUL character or an unpaired surrogate');
  return { field: f as repo.CustomerFilter['field'], value: (value as string).toLowerCase() };
}

/** The opaque `MS-ContinuationToken`: the page's last cursor and the filter it was read with; anything else a client sends is 400·800002. */
const encodeToken = (c: repo.CustomerCursor, filter?: repo.CustomerFilter) => Buffer.from(JSON.stringify(filter ? [...c, filter] : c)).toString('base64url');
function decodeToken(token: string): { after: repo.CustomerCursor; filter?: repo.CustomerFilter } {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(c) && (c.length === 2 || c.length === 3) && typeof c[0] === 'string' && parseIsoDateTime(c[0]) !== undefined && isGuid(c[1])) {
      const f = c[2] as repo.CustomerFilter | undefined;
      if (f === undefined || (SEARCH_FIELDS.includes(f?.field) && typeof f?.value === 'string')) return { after: [c[0], c[1]], filter: f };
    }
  } catch {
    // falls through to the error
  }
  return fail('InvalidRequestInput', 'MS-ContinuationToken is not a continuation token this service gave.');
}

/**
 * A page of the partner's customers (`size`, 0 meaning the default, as the .NET SDK's unindexed query
 * sends), optionally filtered, and the next ones with `seekOperation=Next` and the `MS-ContinuationToken`
 * the previous page gave (which keeps the filter; one sent with it must be the same).
 */
export async function listCustomerPage(
  db: Queryable,
  tenantId: string,
  q: { size: number; seekOperation?: string; continuationToken?: string; filter?: string },
) {
  const size = q.size || DEFAULT_PAGE_SIZE;
  const seek = q.seekOperation ? parseEnum(q.seekOperation, SEEK_OPERATIONS, 'SeekOperation') : undefined;
  if (seek === 'Next' && !q.continuationToken) fail('InvalidRequestInput', 'seekOperation=Next needs the MS-ContinuationToken header.');
  let filter = q.filter === undefined ? undefined : parseFilter(q.filter);
  let after: repo.CustomerCursor | undefined;
  if (seek === 'Next') {
    const token = decodeToken(q.continuationToken!);
    if (filter && JSON.stringify(filter) !== JSON.stringify(token.filter)) fail('InvalidRequestInput', 'filter differs from the one the continuation token was given for.');
    [after, filter] = [token.after, token.filter];
  }
  const rows = await repo.listCustomersAfter(db, tenantId, size + 1, after, filter);
  const page = rows.slice(0, size);
  // The filter as sent, or (a page after the first, read with the token alone) as the token keeps it.
  const filterText = q.filter ?? (filter && JSON.stringify({ Field: filter.field, Value: filter.value, Operator: 'starts_with' }));
  const query = `size=${size}${filterText !== undefined ? `&filter=${encodeURIComponent(filterText)}` : ''}`;
  const out: CustomerPage = collection(page.map((r) => renderCustomer(r.customer)), `/customers?${query}`);
  if (rows.length > size) {
    const token = encodeToken(page[page.length - 1].cursor, filter);
    out.continuationToken = token;
    out.links.next = { uri: `/customers?${query}&seekOperation=Next`, method: 'GET', headers: [{ key: 'MS-ContinuationToken', value: token }] };
  }
  return out;
}

export const DEFAULT_PAGE_SIZE = 500;
