/** Customer routes: `GET /v1/customers`, `GET /v1/customers/{customer-id}`. */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Collection, Customer } from '@partner-commerce/contract';
import * as service from './service.js';
import { CustomerParams } from '../../schemas.js';

const customerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['customers'];
  app.get('/customers', {
    schema: {
      tags,
      summary: "List the partner's customers",
      querystring: Type.Object({ size: Type.Integer({ minimum: 1, maximum: 500, default: 500 }) }),
      response: { 200: Collection(Customer) },
    },
  }, (req) => service.listCustomers(app.db, req.principal.tenantId, req.query.size));

  app.get('/customers/:customerId', {
    schema: { tags, summary: 'Get a customer', params: CustomerParams, response: { 200: Customer } },
  }, (req) => service.getCustomer(app.db, req.principal.tenantId, req.params.customerId));
};

export default customerRoutes;
