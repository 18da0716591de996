/**
 * Partner Center's webhook API under `/webhooks/v1` (partner-center-webhooks.md; the REST reference's
 * Webhook operations): the registration (GET, POST, PUT, DELETE), the events a partner may register
 * for, the validation event and its status; and, as the events doc's ResourceUri syntax names it,
 * a subscription read at `/webhooks/v1/customers/{c}/subscriptions/{s}`. Bearer tokens of both kinds.
 * The signing certificate (`certificateRoutes`) is public, as Partner Center's is.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Subscription, ValidationEventResult, ValidationEventStatus, WEBHOOK_EVENTS, WebhookRegistration, WebhookRegistrationInput } from '@partner-commerce/contract';
import { SubscriptionParams } from '../../schemas.js';
import { sendThrottled } from '../../plugins/throttling.js';
import { THROTTLED } from '../../plugins/openapi.js';
import { getSubscription } from '../subscriptions/service.js';
import { CERTIFICATE_PATH } from './delivery.js';
import { signingKey } from './signing.js';
import * as service from './service.js';

const tags = ['webhooks'];

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/registration/events', {
    schema: { tags, operationId: 'listWebhookEvents', summary: 'The events a partner may register for', response: { 200: Type.Array(Type.String()) } },
  }, async () => [...WEBHOOK_EVENTS]);

  app.get('/registration', {
    schema: { tags, operationId: 'getWebhookRegistration', summary: "The partner's webhook registration (404 when it has none)", response: { 200: WebhookRegistration } },
  }, (req) => service.getRegistration(app.db, req.principal.tenantId));

  app.post('/registration', {
    schema: {
      tags,
      operationId: 'createWebhookRegistration',
      summary: 'Register a URL to receive events',
      description: 'One registration per partner: a second POST is 409·800094 (update it with PUT). Answers 200, as the docs show.',
      body: WebhookRegistrationInput,
      response: { 200: WebhookRegistration },
    },
  }, (req) => service.createRegistration(app.db, req.principal.tenantId, req.body));

  app.put('/registration', {
    schema: {
      tags,
      operationId: 'updateWebhookRegistration',
      summary: "Replace the registration's URL and events",
      description: 'Events already queued are still delivered to the URL they were queued for.',
      body: WebhookRegistrationInput,
      response: { 200: WebhookRegistration },
    },
  }, (req) => service.updateRegistration(app.db, req.principal.tenantId, req.body));

  app.delete('/registration', {
    schema: { tags, operationId: 'deleteWebhookRegistration', summary: 'Remove the registration (Remove-PartnerWebhookRegistration)', docResponses: { 204: Type.Null({ description: 'Removed' }) } },
  }, async (req, reply) => {
    await service.deleteRegistration(app.db, req.principal.tenantId);
    return reply.status(204).send();
  });

  app.post('/registration/validationEvents', {
    schema: {
      tags,
      operationId: 'createWebhookValidationEvent',
      summary: 'Send a test-created event to the registered URL',
      description: 'Needs a registration for test-created. At most 2 per partner per minute (429 with Retry-After beyond). Any body is ignored.',
      response: { 200: ValidationEventResult },
      docResponses: { 429: THROTTLED },
    },
  }, async (req, reply) => {
    const r = await service.postValidationEvent(app.db, req.principal.tenantId);
    if ('retryAfterSeconds' in r) return sendThrottled(reply, r.retryAfterSeconds);
    return r;
  });

  app.get('/registration/validationEvents/:correlationId', {
    schema: {
      tags,
      operationId: 'getWebhookValidationEvent',
      summary: "A validation event's delivery: status and every attempt",
      params: Type.Object({ correlationId: Type.String({ maxLength: 64 }) }),
      response: { 200: ValidationEventStatus },
    },
  }, (req) => service.getValidationEvent(app.db, req.principal.tenantId, req.params.correlationId));

  app.get('/customers/:customerId/subscriptions/:subscriptionId', {
    schema: {
      tags,
      operationId: 'getWebhookSubscriptionResource',
      summary: 'A subscription, at the ResourceUri its events carry (the same as GET /v1/customers/{c}/subscriptions/{s})',
      params: SubscriptionParams,
      response: { 200: Subscription },
    },
  }, (req) => getSubscription(app.db, req.principal.tenantId, req.params.customerId, req.params.subscriptionId));
};

/** The certificate deliveries are signed with (x-ms-certificate-url), DER-encoded; no token needed. */
export const certificateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(CERTIFICATE_PATH, {
    schema: {
      tags,
      operationId: 'getWebhookCertificate',
      summary: 'The X.509 certificate (DER) whose key signs webhook deliveries',
      security: [],
      docResponses: { 200: Type.String({ description: 'application/pkix-cert' }) },
    },
  }, async (_req, reply) => {
    const { certificate } = await signingKey(app.db);
    return reply.type('application/pkix-cert').header('cache-control', 'public, max-age=3600').send(certificate);
  });
};

export default webhookRoutes;
