/** Audit SQL: records are written in the caller's transaction, one statement however many. */
import type { Queryable, Writer } from '../../db/database.js';
import { tenantNow } from '../clock/repo.js';

export interface AuditEntry {
  id: string;
  partnerTenantId: string;
  customerId: string;
  operationType: 'create_cart' | 'update_cart' | 'create_order' | 'update_order' | 'create_customer' | 'update_subscription' | 'upgrade_subscription';
  resourceType: 'cart' | 'order' | 'customer' | 'subscription';
  resourceId: string;
  resourceNewValue: unknown;
  /** The resource before a change (absent for a creation). */
  resourceOldValue?: unknown;
  applicationId: string;
  userId: string | null;
  userPrincipalName: string | null;
  requestId: string | null;
  correlationId: string | null;
}

export async function insertAudit(q: Writer, entries: AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  await q.query(
    `INSERT INTO audit_records (id, partner_tenant_id, customer_id, operation_type, resource_type, resource_id, resource_new_value,
                                resource_old_value, application_id, user_id, user_principal_name, request_id, correlation_id, operation_date)
     SELECT id, "partnerTenantId", "customerId", "operationType", "resourceType", "resourceId", "resourceNewValue",
            "resourceOldValue", "applicationId", "userId", "userPrincipalName", "requestId", "correlationId",
            ${tenantNow('x."partnerTenantId"')}
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, "partnerTenantId" uuid, "customerId" uuid, "operationType" text,
            "resourceType" text, "resourceId" text, "resourceNewValue" jsonb, "resourceOldValue" jsonb, "applicationId" text, "userId" text,
            "userPrincipalName" text, "requestId" text, "correlationId" text)`,
    [JSON.stringify(entries)],
  );
}

export interface AuditRow {
  id: string;
  customer_id: string;
  company_name: string | null;
  operation_type: string;
  resource_type: string;
  resource_id: string;
  resource_new_value: unknown;
  resource_old_value: unknown;
  application_id: string;
  user_id: string | null;
  user_principal_name: string | null;
  request_id: string | null;
  correlation_id: string | null;
  operation_date: Date;
}

export const listAudit = (q: Queryable, tenantId: string, start: Date, end: Date, size: number, customerId?: string) =>
  q.query<AuditRow>(
    `SELECT a.id, a.customer_id, a.operation_type, a.resource_type, a.resource_id, a.resource_new_value, a.resource_old_value, a.application_id,
            a.user_id, a.user_principal_name, a.request_id, a.correlation_id, a.operation_date, c.company_name
       FROM audit_records a LEFT JOIN customers c ON c.partner_tenant_id = a.partner_tenant_id AND c.id = a.customer_id
      WHERE a.partner_tenant_id = $1 AND a.operation_date >= $2 AND a.operation_date < $3 AND ($5::uuid IS NULL OR a.customer_id = $5)
      ORDER BY a.operation_date, a.id LIMIT $4`,
    [tenantId, start, end, size, customerId ?? null],
  );
