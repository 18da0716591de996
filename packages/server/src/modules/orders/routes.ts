/** Order routes: list, get, and per-line provisioning status (app+user only, as Partner Center). */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ActivationLink, Collection, Order, OrderInput, OrderLineItemProvisioningStatus, OrderPatchInput } from '@partner-commerce/contract';
import { actorOf } from '../../plugins/auth.js';
import { CustomerParams, OrderParams } from '../../schemas.js';
import * as service from './service.js';
import { readDb } from '../../plugins/read-consistency.js';

/** `include_price` as clients send it: `true`, `True`, `false`… */
const IncludePrice = Type.Optional(Type.String({ pattern: '^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$', maxLength: 5 }));
const wantsPrice = (v: string | undefined) => v?.toLowerCase() === 'true';

const orderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['orders'];
  app.get('/customers/:customerId/orders', {
    schema: {
      tags,
      operationId: 'listOrders',
      summary: "List a customer's orders, optionally of one billing cycle",
      params: CustomerParams,
      querystring: Type.Object({ billingType: Type.Optional(Type.String({ maxLength: 32 })), include_price: IncludePrice }),
      response: { 200: Collection(Order) },
    },
  }, (req) =>
    service.listOrders(readDb(req), req.principal.tenantId, req.params.customerId, req.query.billingType, wantsPrice(req.query.include_price)),
  );

  app.get('/customers/:customerId/orders/:orderId', {
    schema: {
      tags,
      operationId: 'getOrder',
      summary: 'Get an order',
      params: OrderParams,
      querystring: Type.Object({ include_price: IncludePrice }),
      response: { 200: Order },
    },
  }, (req) =>
    service.getOrder(readDb(req), req.principal.tenantId, req.params.customerId, req.params.orderId, wantsPrice(req.query.include_price)),
  );

  app.get('/customers/:customerId/orders/:orderId/provisioningstatus', {
    config: { tokenKinds: ['app+user'] },
    schema: {
      tags,
      operationId: 'getOrderProvisioningStatus',
      summary: "Get the provisioning status of an order's lines (app+user tokens only)",
      params: OrderParams,
      response: { 200: Collection(OrderLineItemProvisioningStatus) },
    },
  }, (req) => service.getProvisioningStatus(readDb(req), req.principal.tenantId, req.params.customerId, req.params.orderId));

  app.get('/customers/:customerId/orders/:orderId/lineitems/:lineItemNumber/activationlinks', {
    schema: {
      tags,
      operationId: 'getOrderLineActivationLinks',
      summary: "Get a marketplace SaaS order line's activation link",
      params: Type.Object({ ...OrderParams.properties, lineItemNumber: Type.String({ minLength: 1 }) }),
      response: { 200: Collection(ActivationLink) },
    },
  }, (req) =>
    service.getActivationLinks(readDb(req), req.principal.tenantId, req.params.customerId, req.params.orderId, req.params.lineItemNumber),
  );

  app.post('/customers/:customerId/orders', {
    schema: {
      tags,
      operationId: 'createOrder',
      summary: 'Place an order without a cart (legacy offers: New-PartnerCustomerOrder)',
      description:
        'The lines (offerId, quantity, optional lineItemNumber, friendlyName, provisioningContext) are checked as a cart\'s ' +
        'and must make one order; `billingCycle` defaults to monthly where the offer has it. 201 with the order; pending ' +
        'lines are provisioned as after a checkout. Exactly once per `MS-RequestId`.',
      params: CustomerParams,
      body: OrderInput,
      response: { 201: Order },
    },
  }, async (req, reply) =>
    reply.status(201).send(await service.createOrder(app.db, actorOf(req), req.params.customerId, req.body, app.config.provisioning)),
  );

  app.patch('/customers/:customerId/orders/:orderId', {
    schema: {
      tags,
      operationId: 'cancelOrder',
      summary: 'Cancel an order, or some of its lines (software within its cancellation window)',
      description:
        '`{"status":"cancelled"}` cancels the whole order; with `lineItems` only those lines (quantity 0 in the answer). ' +
        'Software subscriptions cancel within 7 days of purchase, perpetual software within 30, on the partner\'s clock; ' +
        'anything else is 400·800061.',
      params: OrderParams,
      body: OrderPatchInput,
      response: { 200: Order },
    },
  }, (req) => service.cancelOrder(app.db, actorOf(req), req.params.customerId, req.params.orderId, req.body));
};

export default orderRoutes;
