/**
 * The partner's webhook events for the shell (issue 16 item 6, like `stripe listen` and `stripe
 * trigger`; sandbox only): `GET /sandbox/partners/{t}/events` lists them, or streams new ones as
 * server-sent events, each with the exact body and the signed headers a delivery carries, so that
 * `pcx events listen --forward-to URL` can POST them to a local receiver as Partner Center would;
 * `POST …/events/trigger` raises an event for one of the partner's resources; `GET …/webhooks/deliveries`
 * shows where the registered ones went: each delivery's state, signed body and headers, every attempt.
 */
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { WEBHOOK_EVENTS, WebhookDelivery, type WebhookEventName } from '@partner-commerce/contract';
import { fail } from '../../errors.js';
import { isGuid } from '../../wire.js';
import { signedDelivery } from '../webhooks/delivery.js';
import { orderEvent, raiseEvents, subscriptionEvent, testEvent } from '../webhooks/events.js';
import { eventsAfter, lastEventSeq, listDeliveries, type EventRow, type NewEvent } from '../webhooks/repo.js';
import { requirePartner } from './service.js';
import { SseStreams } from './sse.js';

const TenantParams = Type.Object({ tenantId: Type.String({ format: 'uuid' }) });
const SignedEvent = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  eventName: Type.String(),
  body: Type.String({ description: 'The delivery body, byte for byte as signed' }),
  headers: Type.Record(Type.String(), Type.String(), { description: 'The headers a delivery carries: Authorization (Signature), x-ms-certificate-url, x-ms-signature-algorithm, webhook-id' }),
});

const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const streams = new SseStreams(app);
  const baseOf = (req: FastifyRequest) => app.config.webhooks.baseUrl ?? `${req.protocol}://${req.host}`;
  const signed = async (e: EventRow, base: string) => ({ seq: Number(e.seq), id: e.id, eventName: e.event_name, ...(await signedDelivery(app.db, e, base)) });

  app.get('/sandbox/partners/:tenantId/events', {
    schema: {
      tags: ['sandbox'],
      operationId: 'listSandboxEvents',
      summary: "The partner's webhook events, registered or not, each with its signed body and headers; or a stream of new ones",
      description:
        'Oldest first, after `after` (a seq). With `stream=true` or `Accept: text/event-stream`: server-sent events, one per new event ' +
        '(`Last-Event-ID` resumes; without a resume point, from the next event on).',
      params: TenantParams,
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
        stream: Type.Optional(Type.Boolean()),
      }),
      response: { 200: Type.Object({ items: Type.Array(SignedEvent) }) },
    },
  }, async (req, reply) => {
    const { tenantId } = await requirePartner(app.db, req.params.tenantId.toLowerCase());
    const base = baseOf(req);
    const wantsStream = req.query.stream === true || /text\/event-stream/i.test(req.headers.accept ?? '');
    if (!wantsStream) {
      const rows = await eventsAfter(app.db, tenantId, req.query.after ?? 0, req.query.limit ?? 50);
      return { items: await Promise.all(rows.map((e) => signed(e, base))) };
    }
    const after = SseStreams.resumeFrom(req, req.query.after) ?? (await lastEventSeq(app.db, tenantId));
    streams.start(req, reply, `webhook events of partner ${tenantId}`, after, async (from) =>
      Promise.all((await eventsAfter(app.db, tenantId, from, 100)).map(async (e) => ({ seq: Number(e.seq), data: await signed(e, base) }))),
    );
  });

  app.get('/sandbox/partners/:tenantId/webhooks/deliveries', {
    schema: {
      tags: ['sandbox'],
      operationId: 'listSandboxWebhookDeliveries',
      summary: "The partner's webhook deliveries, newest first: state, signed body and headers, and every attempt (status code, latency, error)",
      description:
        'One per event the registration named when it was raised. `before` (a seq) pages back: pass the last item\'s seq. ' +
        'An attempt\'s statusCode is null when the receiver gave no answer; the delivery is failed (dead-lettered) after 10 attempts.',
      params: TenantParams,
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
        before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
      }),
      response: { 200: Type.Object({ items: Type.Array(WebhookDelivery) }) },
    },
  }, async (req) => {
    const { tenantId } = await requirePartner(app.db, req.params.tenantId.toLowerCase());
    const base = baseOf(req);
    const rows = await listDeliveries(app.db, tenantId, req.query.limit ?? 20, req.query.before);
    const items = await Promise.all(
      rows.map(async (d) => {
        const { seq, id, eventName, body, headers } = await signed(d, base);
        return {
          eventId: id,
          seq,
          eventName,
          url: d.url,
          state: d.state,
          lastError: d.last_error,
          raisedAt: new Date(d.changed_at).toISOString(),
          body,
          headers,
          attempts: d.attempts.map((a) => ({ attempt: a.attempt, at: new Date(a.at).toISOString(), statusCode: a.status_code, latencyMs: a.latency_ms, error: a.error })),
        };
      }),
    );
    return { items };
  });

  app.post('/sandbox/partners/:tenantId/events/trigger', {
    schema: {
      tags: ['sandbox'],
      operationId: 'triggerSandboxEvent',
      summary: 'Raise a webhook event for one of the partner\'s resources (the resource is not changed)',
      description:
        'subscription-* events name a subscription (`resourceId`, default: the newest), order-* events an order (default: the newest); ' +
        'test-created needs none and is not throttled here. Delivered like any event when the registration names it.',
      params: TenantParams,
      body: Type.Object(
        { eventName: Type.String({ maxLength: 64 }), resourceId: Type.Optional(Type.String({ maxLength: 64 })) },
        { additionalProperties: false },
      ),
      response: { 201: Type.Object({ id: Type.String(), eventName: Type.String(), resourcePath: Type.String() }) },
    },
  }, async (req, reply) => {
    const { tenantId } = await requirePartner(app.db, req.params.tenantId.toLowerCase());
    const name = WEBHOOK_EVENTS.find((e) => e === req.body.eventName.toLowerCase());
    if (!name) fail('InvalidRequestInput', `${req.body.eventName.slice(0, 64)} is not an event: ${WEBHOOK_EVENTS.join(', ')}.`);
    const id = req.body.resourceId?.toLowerCase();
    if (id !== undefined && !isGuid(id) && !name!.startsWith('order-')) fail('InvalidRequestInput', `resourceId ${id.slice(0, 64)} is not a GUID.`);
    const event = await eventFor(tenantId, name!, id);
    await app.db.transaction((tx) => raiseEvents(tx, tenantId, [event]));
    return reply.status(201).send({ id: event.id, eventName: event.name, resourcePath: event.resourcePath });
  });

  /** The event `name` for the partner's resource `id` (or its newest of the kind); 404 when it has none. */
  async function eventFor(tenantId: string, name: WebhookEventName, id?: string): Promise<NewEvent> {
    if (name === 'test-created') return testEvent(randomUUID());
    const table = name.startsWith('order-') ? 'orders' : 'subscriptions';
    const [row] = await app.db.query<{ id: string; customer_id: string }>(
      `SELECT id::text, customer_id::text FROM ${table} WHERE partner_tenant_id = $1 AND ($2::text IS NULL OR id::text = $2) ORDER BY creation_date DESC LIMIT 1`,
      [tenantId, id ?? null],
    );
    if (!row) fail('NotFound', `The partner has no ${table === 'orders' ? 'order' : 'subscription'}${id ? ` ${id}` : ''} to raise ${name} for.`);
    return name.startsWith('order-')
      ? orderEvent(name as 'order-created' | 'order-updated', row!.customer_id, row!.id)
      : subscriptionEvent(name as Extract<WebhookEventName, `subscription-${string}`>, row!.customer_id, row!.id);
  }
};

export default eventRoutes;
