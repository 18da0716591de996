/** `GET /v1/auditrecords`: the partner's audit trail of carts and orders. */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditRecord, Collection } from '@partner-commerce/contract';
import * as service from './service.js';
import { WithDefault } from '../../schemas.js';
import { readDb } from '../../plugins/read-consistency.js';

const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/auditrecords', {
    schema: {
      tags: ['audit'],
      operationId: 'listAuditRecords',
      summary: 'Audit records of the partner (cart creation and changes, orders placed) over at most 30 days',
      querystring: Type.Object({
        startDate: Type.Optional(Type.String({ maxLength: 40 })),
        endDate: Type.Optional(Type.String({ maxLength: 40 })),
        customerId: Type.Optional(Type.String({ maxLength: 64 })),
        size: WithDefault(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })),
      }),
      response: { 200: Collection(AuditRecord) },
    },
  }, (req) => service.listAuditRecords(readDb(req), req.principal.tenantId, req.query));
};

export default auditRoutes;
