/** A customer and what hangs under it (`/v1/customers…`): the server's `modules/customers`. */
import type { Customer } from '@partner-commerce/contract' with { 'resolution-mode': 'import' };
import type { RequestOptions } from '../transport.js';
import { Builder, type Collection } from './builder.js';
import { CartCollectionOperations } from './carts.js';
import { OrderCollectionOperations } from './orders.js';
import { SubscriptionCollectionOperations } from './subscriptions.js';

/** `/v1/customers` */
export class CustomerCollectionOperations extends Builder {
  /**
   * Lists the partner's customers.
   * @example const { items } = await partner.customers.get();
   */
  get(query: { size?: number } = {}, options?: RequestOptions): Promise<Collection<Customer>> {
    return this.request('GET', options, { query });
  }

  /**
   * The operations of one customer.
   * @example partner.customers.byId('d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d')
   */
  byId(customerId: string): CustomerOperations {
    return new CustomerOperations(this.transport, [...this.path, customerId]);
  }
}

/** `/v1/customers/{customer-id}` */
export class CustomerOperations extends Builder {
  /** `/v1/customers/{customer-id}/carts` */
  readonly carts = new CartCollectionOperations(this.transport, [...this.path, 'carts']);
  /** `/v1/customers/{customer-id}/orders` */
  readonly orders = new OrderCollectionOperations(this.transport, [...this.path, 'orders']);
  /** `/v1/customers/{customer-id}/subscriptions` */
  readonly subscriptions = new SubscriptionCollectionOperations(this.transport, [...this.path, 'subscriptions']);

  /**
   * Gets the customer.
   * @example const customer = await partner.customers.byId(customerId).get();
   */
  get(options?: RequestOptions): Promise<Customer> {
    return this.request('GET', options);
  }
}
