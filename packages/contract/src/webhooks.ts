/**
 * Partner Center webhooks (partner-center-webhooks.md, partner-center-webhook-events.md; the REST
 * reference's Webhook operations): the registration a partner makes under `/webhooks/v1/registration`,
 * the validation (`test-created`) event and its delivery status, and the event every delivery POSTs.
 * Served by the server's `modules/webhooks`. Field names are spelled as the docs' samples spell them:
 * the registration and the event in PascalCase, the validation status in camelCase.
 */
import { Type, type Static } from 'typebox';

/**
 * The events this service raises. `test-created` and `subscription-updated` are in Partner Center's
 * event list; the others are named in its `{resource}-{action}` form (docs/webhooks.md says which
 * Partner Center documents and which are this service's own).
 */
export const WEBHOOK_EVENTS = [
  'test-created',
  'subscription-updated',
  'subscription-active',
  'subscription-pending',
  'subscription-renewed',
  'order-created',
  'order-updated',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** The registration as a partner sends it (PascalCase in the docs; names are read case-insensitively). */
export const WebhookRegistrationInput = Type.Object(
  {
    webhookUrl: Type.String({ minLength: 1, maxLength: 2048, description: 'The http(s) URL events are POSTed to' }),
    webhookEvents: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 64, description: 'Event names, from GET /webhooks/v1/registration/events' }),
    /** Fields the REST reference lists on the request; read and ignored. */
    subscriberId: Type.Optional(Type.String({ maxLength: 128 })),
    lastModifiedTimestamp: Type.Optional(Type.String({ maxLength: 64 })),
    signatureTokenToMsSignatureHeader: Type.Optional(Type.Boolean()),
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false, title: 'WebhookRegistrationInput' },
);
export type WebhookRegistrationInput = Static<typeof WebhookRegistrationInput>;

export const WebhookRegistration = Type.Object(
  {
    SubscriberId: Type.String(),
    WebhookUrl: Type.String(),
    WebhookEvents: Type.Array(Type.String()),
  },
  { title: 'WebhookRegistration' },
);
export type WebhookRegistration = Static<typeof WebhookRegistration>;

/** `POST …/validationEvents` answers the id to read the test event's status with. */
export const ValidationEventResult = Type.Object({ correlationId: Type.String() }, { title: 'ValidationEventResult' });

/** One delivery attempt of a validation event. */
export const ValidationEventAttempt = Type.Object({
  responseCode: Type.Union([Type.String(), Type.Null()], { description: 'The HTTP status name the receiver answered (OK, InternalServerError, ...); null: no answer' }),
  responseMessage: Type.String(),
  systemError: Type.Boolean({ description: 'True when the receiver gave no answer (timeout, refused connection)' }),
  dateTimeUtc: Type.String(),
});

export const ValidationEventStatus = Type.Object(
  {
    correlationId: Type.String(),
    partnerId: Type.String(),
    status: Type.String({ description: 'pending (delivery under way), completed (delivered) or failed (dead-lettered)' }),
    callbackUrl: Type.String(),
    results: Type.Array(ValidationEventAttempt),
  },
  { title: 'ValidationEventStatus' },
);
export type ValidationEventStatus = Static<typeof ValidationEventStatus>;

/** The body of every delivery (the event model of partner-center-webhooks.md). */
export const WebhookEvent = Type.Object(
  {
    EventName: Type.String(),
    ResourceUri: Type.String(),
    ResourceName: Type.String(),
    AuditUri: Type.Union([Type.String(), Type.Null()]),
    ResourceChangeUtcDate: Type.String(),
  },
  { title: 'WebhookEvent' },
);
export type WebhookEvent = Static<typeof WebhookEvent>;

/** One attempt to deliver an event, as the sandbox kept it (`webhook_attempts`). */
export const WebhookDeliveryAttempt = Type.Object(
  {
    attempt: Type.Integer({ description: 'The attempt number, from 1' }),
    at: Type.String(),
    statusCode: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's HTTP status; null: no answer (timeout, refused connection)" }),
    latencyMs: Type.Integer(),
    error: Type.Union([Type.String(), Type.Null()], { description: 'Why the attempt failed; null when the receiver answered 2xx' }),
  },
  { title: 'WebhookDeliveryAttempt' },
);
export type WebhookDeliveryAttempt = Static<typeof WebhookDeliveryAttempt>;

/**
 * A delivery of one of the partner's events (sandbox only, `GET /sandbox/partners/{t}/webhooks/deliveries`):
 * where it went, its state (the delivery job's), the body and headers it is POSTed with, every attempt.
 */
export const WebhookDelivery = Type.Object(
  {
    eventId: Type.String({ description: 'The event id, sent as the webhook-id header' }),
    seq: Type.Integer({ description: "The event's place among the partner's events" }),
    eventName: Type.String(),
    url: Type.String({ description: 'The URL it is delivered to (the registration’s when the event was raised)' }),
    state: Type.String({ description: 'queued, running, done (delivered) or failed (dead-lettered after its last attempt)' }),
    lastError: Type.Union([Type.String(), Type.Null()]),
    raisedAt: Type.String({ description: "When the event was raised, on the partner's clock" }),
    body: Type.String({ description: 'The delivery body, byte for byte as signed' }),
    headers: Type.Record(Type.String(), Type.String(), { description: 'The headers every attempt carries: Authorization (Signature), x-ms-signature-algorithm, x-ms-certificate-url, webhook-id' }),
    attempts: Type.Array(WebhookDeliveryAttempt),
  },
  { title: 'WebhookDelivery' },
);
export type WebhookDelivery = Static<typeof WebhookDelivery>;
