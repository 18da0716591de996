/**
 * `/sandbox/partners/{t}/faults`: add, list and remove the fault rules of plugins/faults.ts. Guarded
 * like every control route (access.ts): loopback or admin token, or the partner's own token.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { addRule, listRules, removeRules, ROUTE_PATTERN, type NewFaultRule } from '../../plugins/faults.js';
import { fail } from '../../errors.js';
import { requirePartner } from './service.js';

const TenantParams = Type.Object({ tenantId: Type.String({ format: 'uuid' }) });

const Effect = Type.Union(
  [
    Type.Object(
      {
        type: Type.Literal('error'),
        status: Type.Integer({ minimum: 400, maximum: 599, description: "The HTTP status, answered with Partner Center's error body (429: its throttling body)" }),
        code: Type.Optional(Type.Integer({ minimum: 0, maximum: 99_999_999, description: 'The error code (default by status: 409 → 800060, 500/503 → 800003, ...); 800064 for "cart being processed"' })),
        description: Type.Optional(Type.String({ maxLength: 512 })),
        retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, description: 'Retry-After; a 429 always carries it (default 1)' })),
      },
    ),
    Type.Object({ type: Type.Literal('delay'), delayMs: Type.Integer({ minimum: 1, maximum: 60_000, description: 'Sleep this long before handling' }) }),
    Type.Object({ type: Type.Literal('drop') }, { description: 'Destroy the connection without an answer' }),
    Type.Object(
      {
        type: Type.Literal('webhookFailure'),
        status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599, description: "The status recorded as the receiver's answer; absent: no answer (as a timeout)" })),
      },
      { description: "The partner's webhook deliveries fail (retried with backoff, as a real failure); method, route, customer and cart do not apply" },
    ),
  ],
  { title: 'FaultEffect' },
);

const NewRule = Type.Object(
  {
    method: Type.Optional(Type.String({ pattern: '^(\\*|GET|POST|PUT|PATCH|DELETE|get|post|put|patch|delete)$', description: 'HTTP method, or * (default)' })),
    route: Type.Optional(
      Type.String({ pattern: ROUTE_PATTERN, maxLength: 512, description: 'A path pattern: `*` one segment, `**` any; default /v1/**. E.g. /v1/customers/*/carts/*/checkout' }),
    ),
    customerId: Type.Optional(Type.String({ format: 'uuid', description: 'Only requests on this customer' })),
    cartId: Type.Optional(Type.String({ format: 'uuid', description: 'Only requests on this cart' })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Fire this many times (exact across processes), then stop' })),
    probability: Type.Optional(Type.Number({ minimum: 0.000001, maximum: 1, description: 'Fire on this share of matching requests (above 0, at most 1)' })),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400, description: 'Default 3600' })),
    effect: Effect,
  },
  { additionalProperties: false },
);

const Rule = Type.Object({
  id: Type.String(),
  method: Type.String(),
  route: Type.String(),
  customerId: Type.Union([Type.String(), Type.Null()]),
  cartId: Type.Union([Type.String(), Type.Null()]),
  remaining: Type.Union([Type.Integer(), Type.Null()], { description: 'Firings left of a counted rule' }),
  probability: Type.Union([Type.Number(), Type.Null()]),
  effect: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String(),
  expiresAt: Type.String(),
});

const faultRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tenantOf = async (tenantId: string) => (await requirePartner(app.db, tenantId.toLowerCase())).tenantId;

  app.post('/sandbox/partners/:tenantId/faults', {
    schema: {
      tags: ['sandbox'],
      operationId: 'addFaultRule',
      summary: "Add a fault rule for the partner's /v1 requests: an error status, a delay or a dropped connection",
      description:
        'Rules are tried oldest first; the first that matches (method, route, customer, cart), rolls under its probability and has ' +
        'a firing left answers. A rule added here applies at once in this process and within a second in the others. ' +
        'Provisioning failures are injected per catalog item with PUT /sandbox/partners/{tenantId}/provisioning/faults/{catalogItemId}; ' +
        'webhook delivery failures with the effect `webhookFailure` (its count and probability apply per delivery attempt).',
      params: TenantParams,
      body: NewRule,
      response: { 201: Rule },
    },
  }, async (req, reply) => {
    const tenantId = await tenantOf(req.params.tenantId);
    const body = req.body as NewFaultRule;
    const rule = await addRule(app.db, tenantId, body);
    app.sandboxFaults.forget(tenantId);
    return reply.status(201).send(rule);
  });

  app.get('/sandbox/partners/:tenantId/faults', {
    schema: {
      tags: ['sandbox'],
      operationId: 'listFaultRules',
      summary: "The partner's fault rules, spent and expired ones included until removed",
      params: TenantParams,
      response: { 200: Type.Object({ items: Type.Array(Rule) }) },
    },
  }, async (req) => ({ items: await listRules(app.db, await tenantOf(req.params.tenantId)) }));

  app.delete('/sandbox/partners/:tenantId/faults/:ruleId', {
    schema: {
      tags: ['sandbox'],
      operationId: 'deleteFaultRule',
      summary: 'Remove a fault rule',
      params: Type.Object({ tenantId: Type.String({ format: 'uuid' }), ruleId: Type.String({ format: 'uuid' }) }),
      docResponses: { 204: Type.Null({ description: 'Removed' }), 404: Type.Null({ description: 'No such rule for this partner' }) },
    },
  }, async (req, reply) => {
    const tenantId = await tenantOf(req.params.tenantId);
    const removed = await removeRules(app.db, tenantId, req.params.ruleId.toLowerCase());
    app.sandboxFaults.forget(tenantId);
    if (!removed) fail('NotFound', `Fault rule ${req.params.ruleId} was not found.`);
    return reply.status(204).send();
  });

  app.delete('/sandbox/partners/:tenantId/faults', {
    schema: {
      tags: ['sandbox'],
      operationId: 'deleteFaultRules',
      summary: "Remove all of the partner's fault rules",
      params: TenantParams,
      response: { 200: Type.Object({ removed: Type.Integer() }) },
    },
  }, async (req) => {
    const tenantId = await tenantOf(req.params.tenantId);
    const removed = await removeRules(app.db, tenantId);
    app.sandboxFaults.forget(tenantId);
    return { removed };
  });
};

export default faultRoutes;
