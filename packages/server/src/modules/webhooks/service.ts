/**
 * Webhook registration use cases (partner-center-webhooks.md, "Webhook APIs"): one registration per
 * partner tenant, its events from the list this service raises, and the validation event
 * (`test-created`) with its delivery status and its own throttle of 2 per minute.
 */
import { randomUUID } from 'node:crypto';
import { WEBHOOK_EVENTS, type ValidationEventStatus, type WebhookRegistration, type WebhookRegistrationInput } from '@partner-commerce/contract';
import type { Database, Queryable } from '../../db/database.js';
import { fail } from '../../errors.js';
import { isGuid } from '../../wire.js';
import { raiseEvents, testEvent } from './events.js';
import * as repo from './repo.js';

/** Validation events a partner may post per minute (partner-center-webhook-events.md: "2 requests per minute"). */
export const VALIDATION_EVENTS_PER_MINUTE = 2;

const render = (r: repo.RegistrationRow): WebhookRegistration => ({ SubscriberId: r.subscriber_id, WebhookUrl: r.webhook_url, WebhookEvents: r.webhook_events });

/** An absolute http(s) URL and known, distinct event names (in the list's spelling, matched without case); 400 otherwise. */
function validInput(input: WebhookRegistrationInput): { url: string; events: string[] } {
  let url: URL | undefined;
  try {
    url = new URL(input.webhookUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail('InvalidRequestInput', `WebhookUrl must be an absolute http or https URL, not ${input.webhookUrl.slice(0, 64)}.`);
  const events: string[] = [];
  for (const name of input.webhookEvents) {
    const known = WEBHOOK_EVENTS.find((e) => e.toLowerCase() === name.toLowerCase());
    if (!known) fail('InvalidRequestInput', `${name.slice(0, 64)} is not a supported webhook event: GET /webhooks/v1/registration/events lists them.`);
    if (!events.includes(known!)) events.push(known!);
  }
  return { url: url!.href, events };
}

export async function getRegistration(db: Queryable, tenantId: string): Promise<WebhookRegistration> {
  const r = await repo.findRegistration(db, tenantId);
  if (!r) fail('WebhookRegistrationNotFound', 'This partner has no webhook registration: POST /webhooks/v1/registration makes one.');
  return render(r!);
}

/** POST: 409·800094 when the partner has one (the REST reference: use PUT). */
export async function createRegistration(db: Queryable, tenantId: string, input: WebhookRegistrationInput): Promise<WebhookRegistration> {
  const { url, events } = validInput(input);
  const row = { subscriber_id: randomUUID(), webhook_url: url, webhook_events: events };
  if (!(await repo.insertRegistration(db, tenantId, row))) fail('WebhookRegistrationExists', 'This partner already has a webhook registration: update it with PUT /webhooks/v1/registration.');
  return render(row);
}

/** PUT: replaces the URL and the events; events already queued still go to the URL they were queued for. */
export async function updateRegistration(db: Queryable, tenantId: string, input: WebhookRegistrationInput): Promise<WebhookRegistration> {
  const { url, events } = validInput(input);
  const r = await repo.updateRegistration(db, tenantId, url, events);
  if (!r) fail('WebhookRegistrationNotFound', 'This partner has no webhook registration: POST /webhooks/v1/registration makes one.');
  return render(r!);
}

/** DELETE: no event is queued for the partner any more; those queued are still delivered. */
export async function deleteRegistration(db: Queryable, tenantId: string): Promise<void> {
  if (!(await repo.deleteRegistration(db, tenantId))) fail('WebhookRegistrationNotFound', 'This partner has no webhook registration.');
}

/**
 * `POST …/validationEvents`: raises a `test-created` event (delivered like any other) and answers its
 * correlation id, or, past 2 in the last minute, the seconds to wait (429 with Retry-After). The
 * registration's row lock makes concurrent posts count one after the other, across processes.
 */
export async function postValidationEvent(db: Database, tenantId: string): Promise<{ correlationId: string } | { retryAfterSeconds: number }> {
  return db.transaction(async (tx) => {
    const r = await repo.findRegistration(tx, tenantId, true);
    if (!r) fail('WebhookRegistrationNotFound', 'This partner has no webhook registration: register for test-created first.');
    if (!r!.webhook_events.includes('test-created')) fail('InvalidRequestInput', 'Register for the test-created event before posting a validation event.');
    const recent = await repo.recentTestEvents(tx, tenantId);
    if (recent.length >= VALIDATION_EVENTS_PER_MINUTE) {
      const oldest = recent[recent.length - VALIDATION_EVENTS_PER_MINUTE];
      return { retryAfterSeconds: Math.max(1, Math.ceil((oldest.getTime() + 60_000 - Date.now()) / 1000)) };
    }
    const correlationId = randomUUID();
    await raiseEvents(tx, tenantId, [testEvent(correlationId)]);
    return { correlationId };
  });
}

/** HTTP status names as .NET's HttpStatusCode spells them (the docs' `"responseCode": "OK"`). */
const STATUS_NAMES: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'NoContent', 301: 'MovedPermanently', 302: 'Found', 400: 'BadRequest', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 408: 'RequestTimeout', 409: 'Conflict', 413: 'RequestEntityTooLarge', 429: 'TooManyRequests',
  500: 'InternalServerError', 501: 'NotImplemented', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout',
};

/** `GET …/validationEvents/{correlationId}`: the test event's delivery state and every attempt. */
export async function getValidationEvent(db: Queryable, tenantId: string, correlationId: string): Promise<ValidationEventStatus> {
  const d = isGuid(correlationId) ? await repo.deliveryStatus(db, tenantId, correlationId.toLowerCase()) : undefined;
  if (!d || d.event_name !== 'test-created') fail('NotFound', `No validation event with correlation id ${correlationId.slice(0, 64)}.`);
  return {
    correlationId: correlationId.toLowerCase(),
    partnerId: tenantId,
    status: d!.state === 'done' ? 'completed' : d!.state === 'failed' ? 'failed' : 'pending',
    callbackUrl: d!.url,
    results: d!.attempts.map((a) => ({
      responseCode: a.status_code === null ? null : (STATUS_NAMES[a.status_code] ?? String(a.status_code)),
      responseMessage: a.error ?? '',
      systemError: a.status_code === null,
      dateTimeUtc: new Date(a.at).toISOString(),
    })),
  };
}
