/** Catalog routes: products, SKUs, availabilities (`/v1/products…`) and legacy offers (`/v1/offers…`). */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Availability, Collection, Offer, Product, Sku } from '@partner-commerce/contract';
import * as service from './service.js';
import { readDb } from '../../plugins/read-consistency.js';

const Country = Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166 two-letter country code' });
const CountryQuery = Type.Object({ country: Country });
const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });

const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['catalog'];
  app.get('/products', {
    schema: {
      tags,
      operationId: 'listProducts',
      summary: 'List products of a country, optionally of one target view',
      querystring: Type.Object({ country: Country, targetView: Type.Optional(Type.String({ maxLength: 64 })) }),
      response: { 200: Collection(Product) },
    },
  }, (req) => service.listProducts(readDb(req), req.query.country, req.query.targetView));

  app.get('/products/:productId', {
    schema: { tags, operationId: 'getProduct', summary: 'Get a product', params: Type.Object({ productId: Id }), querystring: CountryQuery, response: { 200: Product } },
  }, (req) => service.getProduct(readDb(req), req.params.productId, req.query.country));

  app.get('/products/:productId/skus', {
    schema: { tags, operationId: 'listSkus', summary: 'List the SKUs of a product', params: Type.Object({ productId: Id }), querystring: CountryQuery, response: { 200: Collection(Sku) } },
  }, (req) => service.listSkus(readDb(req), req.params.productId, req.query.country));

  app.get('/products/:productId/skus/:skuId', {
    schema: { tags, operationId: 'getSku', summary: 'Get a SKU', params: Type.Object({ productId: Id, skuId: Id }), querystring: CountryQuery, response: { 200: Sku } },
  }, (req) => service.getSku(readDb(req), req.params.productId, req.params.skuId, req.query.country));

  app.get('/products/:productId/skus/:skuId/availabilities', {
    schema: {
      tags,
      operationId: 'listAvailabilities',
      summary: 'List the availabilities of a SKU',
      params: Type.Object({ productId: Id, skuId: Id }),
      querystring: CountryQuery,
      response: { 200: Collection(Availability) },
    },
  }, (req) => service.listAvailabilities(readDb(req), req.params.productId, req.params.skuId, req.query.country));

  app.get('/products/:productId/skus/:skuId/availabilities/:availabilityId', {
    schema: {
      tags,
      operationId: 'getAvailability',
      summary: 'Get an availability',
      params: Type.Object({ productId: Id, skuId: Id, availabilityId: Id }),
      querystring: CountryQuery,
      response: { 200: Availability },
    },
  }, (req) => service.getAvailability(readDb(req), req.params.productId, req.params.skuId, req.params.availabilityId, req.query.country));

  app.get('/offers', {
    schema: { tags, operationId: 'listOffers', summary: 'List legacy offers of a country', querystring: CountryQuery, response: { 200: Collection(Offer) } },
  }, (req) => service.listOffers(readDb(req), req.query.country));

  app.get('/offers/:offerId', {
    schema: { tags, operationId: 'getOffer', summary: 'Get a legacy offer', params: Type.Object({ offerId: Id }), querystring: CountryQuery, response: { 200: Offer } },
  }, (req) => service.getOffer(readDb(req), req.params.offerId, req.query.country));
};

export default catalogRoutes;
