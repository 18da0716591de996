/** Subscription routes: `GET /v1/customers/{c}/subscriptions[?order_id=]`, `GET` and `PATCH …/subscriptions/{id}`. */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Collection, Subscription, SubscriptionUpdate } from '@partner-commerce/contract';
import { actorOf } from '../../plugins/auth.js';
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

  app.patch('/customers/:customerId/subscriptions/:subscriptionId', {
    schema: {
      tags,
      operationId: 'updateSubscription',
      summary: 'Change a subscription: seats, auto-renew, suspend/reactivate, cancel, friendly name, next-term instructions',
      description:
        'Send the whole subscription as read (property names in any case; read-only fields are ignored). Fields equal to the stored ' +
        'value are no change; `quantity: 0` is never one. With `If-Match: <attributes.etag>` a stale etag is 412·800036. ' +
        'New commerce: seats go down only within 7 days of being added (`refundableQuantity`), else 400·800090; `status: deleted` ' +
        'cancels until `cancellationAllowedUntilDate`, else 400·800061. Answers 200 with the updated subscription.',
      params: SubscriptionParams,
      headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 256 })) }),
      body: SubscriptionUpdate,
      response: { 200: Subscription },
    },
  }, (req) =>
    service.updateSubscription(app.db, actorOf(req), req.params.customerId, req.params.subscriptionId, req.body, req.headers['if-match']),
  );
};

export default subscriptionRoutes;
