/** Customer routes: `GET /v1/customers`, `GET /v1/customers/{customer-id}`. */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Collection, Customer } from '@partner-commerce/contract';
import * as service from './service.js';
import { CustomerParams, WithDefault } from '../../schemas.js';

const customerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['customers'];
  app.get('/customers', {
    schema: {
      tags,
      operationId: 'listCustomers',
      summary: "List the partner's customers",
      querystring: Type.Object({ size: WithDefault(Type.Integer({ minimum: 1, maximum: 500, default: 500 })) }),
      response: { 200: Collection(Customer) },
    },
  }, (req) => service.listCustomers(app.db, req.principal.tenantId, req.query.size));

  app.get('/customers/:customerId', {
    schema: { tags, operationId: 'getCustomer', summary: 'Get a customer', params: CustomerParams, response: { 200: Customer } },
  }, (req) => service.getCustomer(app.db, req.principal.tenantId, req.params.customerId));
};

export default customerRoutes;
