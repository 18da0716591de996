/** A customer's subscriptions (`/v1/customers/{id}/subscriptions…`): the server's `modules/subscriptions`. */
import type { Subscription, SubscriptionUpdate } from '@partner-commerce/contract' with { 'resolution-mode': 'import' };
import type { RequestOptions } from '../transport.js';
import { Builder, type Collection } from './builder.js';

/** `/v1/customers/{customer-id}/subscriptions` */
export class SubscriptionCollectionOperations extends Builder {
  /**
   * Lists the customer's subscriptions, optionally those of one order.
   * @example const { items } = await partner.customers.byId(customerId).subscriptions.get({ orderId });
   */
  get(query: { orderId?: string } = {}, options?: RequestOptions): Promise<Collection<Subscription>> {
    return this.request('GET', options, { query: { order_id: query.orderId } });
  }

  /**
   * The operations of one subscription.
   * @example const sub = await partner.customers.byId(customerId).subscriptions.byId(subscriptionId).get();
   */
  byId(subscriptionId: string): SubscriptionOperations {
    return new SubscriptionOperations(this.transport, [...this.path, subscriptionId]);
  }
}

/** `/v1/customers/{customer-id}/subscriptions/{subscription-id}` */
export class SubscriptionOperations extends Builder {
  /**
   * Gets the subscription.
   * @example const sub = await partner.customers.byId(customerId).subscriptions.byId(subscriptionId).get();
   */
  get(options?: RequestOptions): Promise<Subscription> {
    return this.request('GET', options);
  }

  /**
   * Changes the subscription: send it as read with the fields to change (`quantity`, `autoRenewEnabled`,
   * `status` `suspended`/`active`/`deleted`, `friendlyName`, `scheduledNextTermInstructions`); answers
   * the updated subscription. `ifMatch` (its `attributes.etag`) makes a concurrent change fail with 412.
   * @example
   * const subs = partner.customers.byId(customerId).subscriptions.byId(subscriptionId);
   * const sub = await subs.get();
   * const updated = await subs.patch({ ...sub, quantity: sub.quantity + 2 }, { ifMatch: sub.attributes.etag });
   */
  patch(subscription: Subscription | SubscriptionUpdate, options: RequestOptions & { ifMatch?: string } = {}): Promise<Subscription> {
    const { ifMatch, ...rest } = options;
    return this.request('PATCH', rest, { body: subscription, headers: ifMatch ? { 'if-match': `"${ifMatch}"` } : undefined });
  }
}
