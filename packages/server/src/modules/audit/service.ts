/**
 * Audit: who (partner tenant, application, user) created or changed which cart and placed which order,
 * recorded in the same transaction as the change, and read back as Partner Center AuditRecords.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable, Writer } from '../../db/database.js';
import type { Principal } from '../../auth/tokens.js';
import { fail } from '../../errors.js';
import { collection, isGuid, parseIsoDateTime } from '../../wire.js';
import { partnerNow } from '../clock/service.js';
import * as repo from './repo.js';

/** The caller of a use case: its principal and the request's ids, for the audit trail. */
export interface Actor extends Principal {
  requestId?: string;
  correlationId?: string;
}

export function auditEntry(
  actor: Actor,
  customerId: string,
  operationType: repo.AuditEntry['operationType'],
  resourceType: repo.AuditEntry['resourceType'],
  resourceId: string,
  resourceNewValue: unknown,
  resourceOldValue?: unknown,
): repo.AuditEntry {
  return {
    id: randomUUID(),
    partnerTenantId: actor.tenantId,
    customerId,
    operationType,
    resourceType,
    resourceId,
    resourceNewValue,
    ...(resourceOldValue !== undefined && { resourceOldValue }),
    applicationId: actor.appId,
    userId: actor.userId ?? null,
    userPrincipalName: actor.upn ?? null,
    requestId: actor.requestId ?? null,
    correlationId: actor.correlationId ?? null,
  };
}

export const recordAudit = (tx: Writer, entries: repo.AuditEntry[]) => repo.insertAudit(tx, entries);

const DAY_MS = 24 * 3600 * 1000;

/** `GET /v1/auditrecords?startDate&endDate[&customerId][&size]`: at most 30 days, the partner's own records. */
export async function listAuditRecords(db: Queryable, tenantId: string, q: { startDate?: string; endDate?: string; customerId?: string; size: number }) {
  // ISO-8601 with four-digit years only: JavaScript also reads years up to ±275760, which the database does not store.
  // No endDate: up to the partner's now (records written on a moved clock carry its time).
  const end = new Date(q.endDate ? (parseIsoDateTime(q.endDate) ?? NaN) : (await partnerNow(db, tenantId)).getTime());
  const start = new Date(q.startDate ? (parseIsoDateTime(q.startDate) ?? NaN) : end.getTime() - 30 * DAY_MS);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) fail('InvalidRequestInput', 'startDate and endDate must be ISO-8601 dates.');
  if (end.getTime() - start.getTime() > 30 * DAY_MS || end <= start) {
    fail('InvalidRequestInput', 'The audit period must be positive and at most 30 days.');
  }
  // An empty customerId is no filter, as an empty startDate or endDate is no bound.
  const customerId = q.customerId || undefined;
  if (customerId && !isGuid(customerId)) fail('InvalidCustomerId', `Invalid Customer Id: ${customerId.slice(0, 64)} is not a GUID.`);
  const rows = await repo.listAudit(db, tenantId, start, end, q.size, customerId?.toLowerCase());
  const items = rows.map((r) => ({
    id: r.id,
    partnerId: tenantId,
    customerId: r.customer_id,
    customerName: r.company_name ?? '',
    userPrincipalName: r.user_principal_name ?? '',
    applicationId: r.application_id,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    ...(r.resource_old_value != null && { resourceOldValue: JSON.stringify(r.resource_old_value) }),
    resourceNewValue: JSON.stringify(r.resource_new_value ?? null),
    operationType: r.operation_type,
    operationStatus: 'succeeded',
    operationDate: new Date(r.operation_date).toISOString(),
    originalCorrelationId: r.correlation_id ?? '',
    customizedData: [
      ...(r.user_id ? [{ key: 'UserId', value: r.user_id }] : []),
      ...(r.request_id ? [{ key: 'MS-RequestId', value: r.request_id }] : []),
    ],
    attributes: { objectType: 'AuditRecord' as const },
  }));
  return collection(items, `/auditrecords?startDate=${start.toISOString()}&endDate=${end.toISOString()}`);
}
