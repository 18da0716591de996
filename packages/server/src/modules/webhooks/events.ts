/**
 * The outbox's front door: change points call `raiseEvents` in the transaction (or WriteBatch) of
 * their change, with events built here, so an event exists exactly when its change committed.
 */
import { randomUUID } from 'node:crypto';
import type { WebhookEventName } from '@partner-commerce/contract';
import type { Writer } from '../../db/database.js';
import { insertEvents, type NewEvent } from './repo.js';

/** A subscription's event. Its ResourceUri follows the events doc's syntax, `{baseURL}/webhooks/v1/customers/{c}/subscriptions/{s}`. */
export const subscriptionEvent = (name: Extract<WebhookEventName, `subscription-${string}`>, customerId: string, subscriptionId: string, auditId?: string): NewEvent => ({
  id: randomUUID(),
  name,
  resourceName: 'subscription',
  resourcePath: `/webhooks/v1/customers/${customerId}/subscriptions/${subscriptionId}`,
  resourceKey: `subscription:${subscriptionId}`,
  auditId,
});

/** An order's event (this service's own: Partner Center documents no order events); its ResourceUri is the order's GET. */
export const orderEvent = (name: Extract<WebhookEventName, `order-${string}`>, customerId: string, orderId: string, auditId?: string): NewEvent => ({
  id: randomUUID(),
  name,
  resourceName: 'order',
  resourcePath: `/v1/customers/${customerId}/orders/${orderId}`,
  resourceKey: `order:${orderId}`,
  auditId,
});

/** The validation event (`test-created`); its id is the correlation id its status is read with. */
export const testEvent = (correlationId: string): NewEvent => ({
  id: correlationId,
  name: 'test-created',
  resourceName: 'test',
  resourcePath: `/webhooks/v1/registration/validationEvents/${correlationId}`,
  resourceKey: `test:${correlationId}`,
});

/** Records the events in the caller's transaction; each registered one gets its delivery job there too. */
export const raiseEvents = (q: Writer, tenantId: string, events: NewEvent[]) => insertEvents(q, tenantId, events);
