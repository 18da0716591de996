/** Customer SQL. Every read is scoped by the partner tenant: another partner's customer is not found. */
import type { Queryable } from '../../db/database.js';
import { offsetOf } from '../clock/repo.js';
import { fail } from '../../errors.js';

export interface CustomerRecord {
  id: string;
  partnerTenantId: string;
  commerceId: string;
  companyName: string;
  domain: string;
  country: string;
  culture: string;
  billingContact: { id: string; firstName: string; lastName: string; email: string; address: Record<string, string> };
}

/** A customer as read: with its partner's clock (offset from real time, ms), read in the same statement. */
export interface ReadCustomer extends CustomerRecord {
  clockOffsetMs: number;
}

export interface CustomerRow {
  id: string;
  partner_tenant_id: string;
  commerce_id: string;
  company_name: string;
  domain: string;
  country: string;
  culture: string;
  billing_contact: CustomerRecord['billingContact'];
  clock_offset_ms: string | number | null;
}

export const toCustomerRecord = (r: CustomerRow): ReadCustomer => ({
  id: r.id,
  partnerTenantId: r.partner_tenant_id,
  commerceId: r.commerce_id,
  companyName: r.company_name,
  domain: r.domain,
  country: r.country,
  culture: r.culture,
  billingContact: r.billing_contact,
  clockOffsetMs: Number(r.clock_offset_ms ?? 0),
});

const COLUMNS = `id, partner_tenant_id, commerce_id, company_name, domain, country, culture, billing_contact,
  ${offsetOf('customers.partner_tenant_id')} AS clock_offset_ms`;

export async function findCustomer(q: Queryable, tenantId: string, customerId: string): Promise<ReadCustomer | undefined> {
  const rows = await q.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE id = $1 AND partner_tenant_id = $2`, [customerId, tenantId]);
  return rows[0] && toCustomerRecord(rows[0]);
}

/**
 * Claims the customer's domain for it, across partners (020_shard_keys.sql: the claim is a row of
 * its own, keyed by the domain, as no tenant shard can hold a cross-partner unique constraint). The
 * same customer claiming it again keeps it; false when another customer holds it.
 */
async function claimDomain(q: Queryable, c: CustomerRecord): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO customer_domains AS d (domain, partner_tenant_id, customer_id) VALUES ($1, $2, $3)
     ON CONFLICT (domain) DO UPDATE SET customer_id = EXCLUDED.customer_id
      WHERE d.partner_tenant_id = EXCLUDED.partner_tenant_id AND d.customer_id = EXCLUDED.customer_id
     RETURNING 1`,
    [c.domain.toLowerCase(), c.partnerTenantId, c.id],
  );
  return rows.length > 0;
}

const INSERT_CUSTOMER = `INSERT INTO customers (id, partner_tenant_id, commerce_id, company_name, domain, country, culture, billing_contact)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (partner_tenant_id, id) DO NOTHING`;

/** Inserts a customer (sandbox and seed: again is a no-op); its domain taken by another customer is an error. */
export async function insertCustomer(q: Queryable, c: CustomerRecord): Promise<void> {
  if (!(await claimDomain(q, c))) fail('DomainAlreadyExists', `The domain ${c.domain} is already in use.`);
  await q.query(INSERT_CUSTOMER, [c.id, c.partnerTenantId, c.commerceId, c.companyName, c.domain, c.country, c.culture, c.billingContact]);
}

/** Inserts a new customer unless its domain is taken (by any partner's customer); false when it is. Run it in a transaction. */
export async function insertNewCustomer(q: Queryable, c: CustomerRecord): Promise<boolean> {
  if (!(await claimDomain(q, c))) return false;
  await q.query(INSERT_CUSTOMER, [c.id, c.partnerTenantId, c.commerceId, c.companyName, c.domain, c.country, c.culture, c.billingContact]);
  return true;
}

/** Whether any customer (of any partner) has `domain` (any case): domains are global, as Entra ID's are. */
export async function domainExists(q: Queryable, domain: string): Promise<boolean> {
  const rows = await q.query('SELECT 1 FROM customer_domains WHERE domain = $1', [domain.toLowerCase()]);
  return rows.length > 0;
}

/** Where a page of customers ends: the last one's creation time (ISO 8601 in UTC to the microsecond: exact) and id. */
export type CustomerCursor = [createdAt: string, id: string];

/** A list filter: customers whose field starts with `value` (lower-case; compared case-insensitively). */
export interface CustomerFilter {
  field: 'CompanyName' | 'Domain' | 'IndirectReseller' | 'IndirectCloudSolutionProvider';
  value: string;
}

/** The column a filter field reads; the indirect fields match nothing (the sandbox has no indirect resellers). */
const FILTER_COLUMN: Record<CustomerFilter['field'], string> = {
  CompanyName: 'lower(company_name)',
  Domain: 'lower(domain)',
  IndirectReseller: 'NULL::text',
  IndirectCloudSolutionProvider: 'NULL::text',
};

/** Up to `limit` of the partner's customers after `after`, in creation order, each with its cursor; only those `filter` keeps. */
export async function listCustomersAfter(q: Queryable, tenantId: string, limit: number, after?: CustomerCursor, filter?: CustomerFilter) {
  const rows = await q.query<CustomerRow & { cursor_at: string }>(
    `SELECT ${COLUMNS}, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at FROM customers
      WHERE partner_tenant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
        ${filter ? `AND starts_with(${FILTER_COLUMN[filter.field]}, $5::text)` : ''}
      ORDER BY created_at, id LIMIT $4`,
    [tenantId, after?.[0] ?? null, after?.[1] ?? null, limit, ...(filter ? [filter.value] : [])],
  );
  return rows.map((r) => ({ customer: toCustomerRecord(r), cursor: [r.cursor_at, r.id] as CustomerCursor }));
}
