/** Subscription routes: `GET /v1/customers/{c}/subscriptions[?order_id=]`, `GET` and `PATCH …/subscriptions/{id}`. */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  Collection,
  Subscription,
  SubscriptionProvisioningStatus,
  SubscriptionRegistrationStatus,
  SubscriptionUpdate,
  Transition,
  TransitionEligibility,
  TransitionRequest,
} from '@partner-commerce/contract';
import { actorOf } from '../../plugins/auth.js';
import { CustomerParams, SubscriptionParams } from '../../schemas.js';
import * as service from './service.js';
import * as transitions from './transitions.js';
import { readDb } from '../../plugins/read-consistency.js';

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
  }, (req) => service.listSubscriptions(readDb(req), req.principal.tenantId, req.params.customerId, req.query.order_id));

  app.get('/customers/:customerId/subscriptions/:subscriptionId', {
    schema: { tags, operationId: 'getSubscription', summary: 'Get a subscription', params: SubscriptionParams, response: { 200: Subscription } },
  }, (req) => service.getSubscription(readDb(req), req.principal.tenantId, req.params.customerId, req.params.subscriptionId));

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

  app.get('/customers/:customerId/subscriptions/:subscriptionId/provisioningstatus', {
    schema: {
      tags,
      operationId: 'getSubscriptionProvisioningStatus',
      summary: "Get a subscription's provisioning status",
      params: SubscriptionParams,
      response: { 200: SubscriptionProvisioningStatus },
    },
  }, (req) => service.getProvisioningStatus(readDb(req), req.principal.tenantId, req.params.customerId, req.params.subscriptionId));

  app.get('/customers/:customerId/subscriptions/:subscriptionId/addons', {
    schema: {
      tags,
      operationId: 'listSubscriptionAddOns',
      summary: 'List the add-on subscriptions bought on a subscription',
      params: SubscriptionParams,
      response: { 200: Collection(Subscription) },
    },
  }, (req) => service.listAddOns(readDb(req), req.principal.tenantId, req.params.customerId, req.params.subscriptionId));

  app.get('/customers/:customerId/subscriptions/:subscriptionId/registrationstatus', {
    schema: {
      tags,
      operationId: 'getSubscriptionRegistrationStatus',
      summary: "Get an Azure subscription's registration for reservation purchases",
      params: SubscriptionParams,
      response: { 200: SubscriptionRegistrationStatus },
    },
  }, (req) => service.getRegistrationStatus(readDb(req), req.principal.tenantId, req.params.customerId, req.params.subscriptionId));

  app.post('/customers/:customerId/subscriptions/:subscriptionId/registrations', {
    config: { naturallyIdempotent: true },
    schema: {
      tags,
      operationId: 'registerSubscription',
      summary: 'Register an Azure subscription for reservation purchases',
      description:
        '202 with no body and a Location header naming the registration status (the Java SDK reads it). Any body is ' +
        'accepted and ignored: none (the docs, .NET) or the JSON string "success" (Java). Registering again changes nothing.',
      params: SubscriptionParams,
      body: Type.Optional(Type.Unknown()),
      response: { 202: Type.Null({ description: 'No body; see the Location header' }) },
    },
  }, async (req, reply) => {
    const location = await service.register(app.db, req.principal.tenantId, req.params.customerId, req.params.subscriptionId);
    // No body at all (Content-Length: 0), as the doc's response shows.
    return reply.status(202).header('location', location).send(undefined as never);
  });

  app.get('/customers/:customerId/subscriptions/:subscriptionId/transitioneligibilities', {
    schema: {
      tags,
      operationId: 'listTransitionEligibilities',
      summary: 'List the catalog items a new-commerce subscription may transition (upgrade) to',
      description:
        '`eligibilityType=immediate` (the default; any case): the SKUs the catalog lets this one upgrade to, mid-term with its seats. ' +
        '`scheduled`: the other items of its product, for `scheduledNextTermInstructions`. Each item says whether the subscription is ' +
        'eligible now, with TransitionErrorCode numbers when not (2: not active, 9: not provisioned yet).',
      params: SubscriptionParams,
      querystring: Type.Object({ eligibilityType: Type.Optional(Type.String({ maxLength: 32 })) }),
      response: { 200: Collection(TransitionEligibility) },
    },
  }, (req) => transitions.listEligibilities(readDb(req), req.principal.tenantId, req.params.customerId, req.params.subscriptionId, req.query.eligibilityType));

  app.post('/customers/:customerId/subscriptions/:subscriptionId/transitions', {
    schema: {
      tags,
      operationId: 'createTransition',
      summary: 'Transition (upgrade) seats of a new-commerce subscription to another SKU',
      description:
        'Moves `quantity` seats (at most the subscription\'s) to `toCatalogItemId`, an eligible immediate target, into a new subscription ' +
        'co-termed with the source (or the existing one `toSubscriptionId` names). A partial transition reduces the source\'s seats; a full ' +
        'one ends it (`deleted`). An ineligible target is 400·800093. Answers 200 with the Transition, complete.',
      params: SubscriptionParams,
      body: TransitionRequest,
      response: { 200: Transition },
    },
  }, (req) => transitions.createTransition(app.db, actorOf(req), req.params.customerId, req.params.subscriptionId, req.body));

  app.get('/customers/:customerId/subscriptions/:subscriptionId/transitions', {
    schema: {
      tags,
      operationId: 'listTransitions',
      summary: 'List the transitions a subscription was the source or target of',
      params: SubscriptionParams,
      querystring: Type.Object({ operationId: Type.Optional(Type.String({ maxLength: 64 })) }),
      response: { 200: Collection(Transition) },
    },
  }, (req) => transitions.listTransitions(readDb(req), req.principal.tenantId, req.params.customerId, req.params.subscriptionId, req.query.operationId));
};

export default subscriptionRoutes;
