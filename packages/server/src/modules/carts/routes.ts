/** Cart routes: create, get, update (PUT replaces the lines) and checkout. */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Cart, CartCheckoutResult, CartInput } from '@partner-commerce/contract';
import { CartParams, CustomerParams } from '../../schemas.js';
import * as service from './service.js';
import { actorOf } from '../../plugins/auth.js';
import { readDb } from '../../plugins/read-consistency.js';

const cartRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['carts'];
  app.post('/customers/:customerId/carts', {
    schema: {
      tags,
      operationId: 'createCart',
      summary: 'Create a cart',
      description: 'Line problems come back as lineItems[i].error (CartError) inside the 201 Cart, as Partner Center does.',
      params: CustomerParams,
      body: CartInput,
      response: { 201: Cart },
    },
  }, async (req, reply) => {
    const cart = await service.createCart(app.db, actorOf(req), req.params.customerId, req.body, {
      requestId: req.clientRequestId ? req.id : undefined,
    });
    return reply.status(201).send(cart);
  });

  app.get('/customers/:customerId/carts/:cartId', {
    schema: { tags, operationId: 'getCart', summary: 'Get a cart', params: CartParams, response: { 200: Cart } },
  }, (req) => service.getCart(readDb(req), actorOf(req), req.params.customerId, req.params.cartId));

  // The update doc's example path ends in a slash; ignoreTrailingSlash (app.ts) serves both.
  app.put('/customers/:customerId/carts/:cartId', {
    schema: {
      tags,
      operationId: 'updateCart',
      summary: "Replace an active cart's lines",
      params: CartParams,
      body: CartInput,
      response: { 201: Cart },
    },
  }, async (req, reply) => {
    const cart = await service.updateCart(app.db, actorOf(req), req.params.customerId, req.params.cartId, req.body);
    return reply.status(201).send(cart);
  });

  app.post('/customers/:customerId/carts/:cartId/checkout', {
    schema: {
      tags,
      operationId: 'checkoutCart',
      summary: 'Check out a cart',
      description:
        'Any body is accepted and ignored: none (the docs), or the JSON string "success" (the .NET and Java SDKs). ' +
        'Checking out an Ordered cart returns the result of its checkout again.',
      params: CartParams,
      body: Type.Optional(Type.Unknown()),
      response: { 201: CartCheckoutResult },
    },
  }, async (req, reply) => {
    const result = await service.checkout(app.db, actorOf(req), req.params.customerId, req.params.cartId, app.config.provisioning);
    return reply.status(201).send(result);
  });
};

export default cartRoutes;
