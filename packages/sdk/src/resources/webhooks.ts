/**
 * Partner Center's webhook API (`/webhooks/v1/registration…`): the server's `modules/webhooks`. The
 * registration, the events one may register for, and the validation (`test-created`) event with its
 * delivery status. Bodies are PascalCase, as Partner Center's docs show them.
 */
import type { ValidationEventStatus, WebhookRegistration } from '@partner-commerce/contract' with { 'resolution-mode': 'import' };
import type { RequestOptions } from '../transport.js';
import { Builder } from './builder.js';

/** What a registration asks for: the URL events are POSTed to and the event names. */
export interface WebhookRegistrationRequest {
  webhookUrl: string;
  webhookEvents: string[];
}

const body = (r: WebhookRegistrationRequest) => ({ WebhookUrl: r.webhookUrl, WebhookEvents: r.webhookEvents });

/** `/webhooks/v1` */
export class WebhookOperations extends Builder {
  /** `/webhooks/v1/registration` */
  readonly registration = new WebhookRegistrationOperations(this.transport, [...this.path, 'registration']);
}

/** `/webhooks/v1/registration` */
export class WebhookRegistrationOperations extends Builder {
  /** `…/registration/events`: the event names one may register for. */
  readonly events = new WebhookEventTypeOperations(this.transport, [...this.path, 'events']);
  /** `…/registration/validationEvents` */
  readonly validationEvents = new WebhookValidationEventCollectionOperations(this.transport, [...this.path, 'validationEvents']);

  /**
   * The partner's registration (a 404 error when it has none).
   * @example const { WebhookUrl, WebhookEvents } = await partner.webhooks.registration.get();
   */
  get(options?: RequestOptions): Promise<WebhookRegistration> {
    return this.request('GET', options);
  }

  /**
   * Registers a URL for events (a 409 error when the partner has a registration: use `update`).
   * @example await partner.webhooks.registration.create({ webhookUrl: 'https://example.com/hook', webhookEvents: ['test-created'] });
   */
  create(registration: WebhookRegistrationRequest, options?: RequestOptions): Promise<WebhookRegistration> {
    return this.request('POST', options, { body: body(registration) });
  }

  /**
   * Replaces the registration's URL and events.
   * @example await partner.webhooks.registration.update({ webhookUrl, webhookEvents: ['subscription-updated'] });
   */
  update(registration: WebhookRegistrationRequest, options?: RequestOptions): Promise<WebhookRegistration> {
    return this.request('PUT', options, { body: body(registration) });
  }

  /**
   * Removes the registration.
   * @example await partner.webhooks.registration.delete();
   */
  async delete(options?: RequestOptions): Promise<void> {
    await this.request('DELETE', options);
  }
}

/** `/webhooks/v1/registration/events` */
export class WebhookEventTypeOperations extends Builder {
  /**
   * The event names one may register for.
   * @example const names = await partner.webhooks.registration.events.get();
   */
  get(options?: RequestOptions): Promise<string[]> {
    return this.request('GET', options);
  }
}

/** `/webhooks/v1/registration/validationEvents` */
export class WebhookValidationEventCollectionOperations extends Builder {
  /**
   * Sends a `test-created` event to the registered URL (at most 2 a minute); resolves with its correlation id.
   * @example const { correlationId } = await partner.webhooks.registration.validationEvents.create();
   */
  create(options?: RequestOptions): Promise<{ correlationId: string }> {
    return this.request('POST', options);
  }

  /**
   * One validation event.
   * @example const { status, results } = await partner.webhooks.registration.validationEvents.byId(correlationId).get();
   */
  byId(correlationId: string): WebhookValidationEventOperations {
    return new WebhookValidationEventOperations(this.transport, [...this.path, correlationId]);
  }
}

/** `/webhooks/v1/registration/validationEvents/{correlation-id}` */
export class WebhookValidationEventOperations extends Builder {
  /**
   * The validation event's delivery: `pending`, `completed` or `failed`, with every attempt.
   * @example const { status } = await partner.webhooks.registration.validationEvents.byId(correlationId).get();
   */
  get(options?: RequestOptions): Promise<ValidationEventStatus> {
    return this.request('GET', options);
  }
}
