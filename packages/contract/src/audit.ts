/** Audit records (Partner Center's AuditRecord). Served by the server's `modules/audit`. */
import { Type } from 'typebox';
import { Attributes } from './common.js';

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
    resourceOldValue: Type.Optional(Type.String({ description: 'The resource before the change (changes only), as JSON' })),
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
