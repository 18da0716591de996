/**
 * Customer routes: `GET /v1/customers` (paged with `size` and `MS-ContinuationToken`), `POST /v1/customers`,
 * `GET /v1/customers/{customer-id}`, and domain availability `HEAD /v1/domains/{domain}`.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CreatedCustomer, Customer, CustomerInput, CustomerPage } from '@partner-commerce/contract';
import * as service from './service.js';
import { CustomerParams, WithDefault } from '../../schemas.js';
import { actorOf } from '../../plugins/auth.js';
import { readDb } from '../../plugins/read-consistency.js';

const customerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['customers'];
  app.get('/customers', {
    schema: {
      tags,
      operationId: 'listCustomers',
      summary: "List the partner's customers, a page at a time",
      description:
        'When more customers follow, the page has `continuationToken` and `links.next`; send `seekOperation=Next` with the ' +
        'token in the `MS-ContinuationToken` header for the next page (it keeps the filter). `size=0` (the .NET SDK\'s unindexed query) is the default size. ' +
        '`filter` (get-a-customer-by-name) keeps the customers whose `CompanyName` or `Domain` starts with `Value`; a malformed one is 400·800002.',
      querystring: Type.Object({
        size: WithDefault(Type.Integer({ minimum: 0, maximum: 500, default: 500 })),
        seekOperation: Type.Optional(Type.String({ maxLength: 32 })),
        seekoperation: Type.Optional(Type.String({ maxLength: 32, description: 'The docs\' other spelling of seekOperation' })),
        filter: Type.Optional(
          Type.String({
            maxLength: 1024,
            description: 'Only the customers whose company name or domain starts with a value (case ignored): JSON {"Field":"CompanyName"|"Domain","Value":"…","Operator":"starts_with"}',
          }),
        ),
      }),
      headers: Type.Object({ 'ms-continuationtoken': Type.Optional(Type.String({ maxLength: 1024 })) }),
      response: { 200: CustomerPage },
    },
  }, (req) =>
    service.listCustomerPage(readDb(req), req.principal.tenantId, {
      size: req.query.size,
      seekOperation: req.query.seekOperation ?? req.query.seekoperation,
      continuationToken: req.headers['ms-continuationtoken'],
      filter: req.query.filter,
    }),
  );

  app.post('/customers', {
    schema: {
      tags,
      operationId: 'createCustomer',
      summary: 'Create a customer',
      description:
        'Needs `billingProfile` (email, culture, language, companyName, defaultAddress) and `companyProfile.domain` (a full ' +
        'domain, or a prefix that becomes `{prefix}.onmicrosoft.com`). The 201 customer carries the initial admin\'s ' +
        '`userCredentials`, shown only here. A domain already in use is 400·800002. Exactly once per `MS-RequestId`.',
      body: CustomerInput,
      response: { 201: CreatedCustomer },
    },
  }, async (req, reply) => reply.status(201).send(await service.createCustomer(app.db, actorOf(req), req.body)));

  app.get('/customers/:customerId', {
    schema: { tags, operationId: 'getCustomer', summary: 'Get a customer', params: CustomerParams, response: { 200: Customer } },
  }, (req) => service.getCustomer(readDb(req), req.principal.tenantId, req.params.customerId));

  app.head('/domains/:domain', {
    schema: {
      tags,
      operationId: 'checkDomainAvailability',
      summary: 'Whether a customer domain is taken',
      description: '200: the domain exists (taken); 404: it is available; 400: not a domain name. No body either way.',
      params: Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253 }) }),
      response: {
        200: Type.Null({ description: 'The domain is taken' }),
        404: Type.Null({ description: 'The domain is available' }),
      },
    },
  }, async (req, reply) => {
    const taken = await service.domainTaken(readDb(req), req.params.domain);
    return reply.status(taken ? 200 : 404).send(undefined as never);
  });
};

export default customerRoutes;
