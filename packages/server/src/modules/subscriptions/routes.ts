/** Subscription routes: `GET /v1/customers/{c}/subscriptions[?order_id=]`, `GET …/subscriptions/{id}`. */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Collection, Subscription } from '@partner-commerce/contract';
import { CustomerParams, SubscriptionParams } from '../../schemas.js';
import * as service from './service.js';

const subscriptionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['subscriptions'];
  app.get('/customers/:customerId/subscriptions', {
    schema: {
      tags,
      operationId: 'listSubscriptions',
      summary: "List a customer's subscriptions, optionally those of one order",
      params: CustomerParams,
      querystring: Type.Object({ order_id: Type.Optional(Type.String({ maxLength: 64 })) }),
      response: { 200: Collection(Subscription) },
    },
  }, (req) => service.listSubscriptions(app.db, req.principal.tenantId, req.params.customerId, req.query.order_id));

  app.get('/customers/:customerId/subscriptions/:subscriptionId', {
    schema: { tags, operationId: 'getSubscription', summary: 'Get a subscription', params: SubscriptionParams, response: { 200: Subscription } },
  }, (req) => service.getSubscription(app.db, req.principal.tenantId, req.params.customerId, req.params.subscriptionId));
};

export default subscriptionRoutes;
