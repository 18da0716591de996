/** A customer's orders and their provisioning status (`/v1/customers/{id}/orders…`): the server's `modules/orders`. */
import type { ActivationLink, Order, OrderInput, OrderLineItemProvisioningStatus as ProvisioningStatusSchema, OrderPatchInput } from '@partner-commerce/contract' with { 'resolution-mode': 'import' };
import type { Static } from 'typebox' with { 'resolution-mode': 'import' };
import type { RequestOptions } from '../transport.js';
import { Builder, type Collection } from './builder.js';

export type OrderLineItemProvisioningStatus = Static<typeof ProvisioningStatusSchema>;

/** `/v1/customers/{customer-id}/orders` */
export class OrderCollectionOperations extends Builder {
  /**
   * Lists the customer's orders, optionally of one billing cycle, optionally with prices.
   * @example const { items } = await partner.customers.byId(customerId).orders.get({ billingType: 'monthly' });
   */
  get(query: { billingType?: string; includePrice?: boolean } = {}, options?: RequestOptions): Promise<Collection<Order>> {
    return this.request('GET', options, { query: { billingType: query.billingType, include_price: query.includePrice } });
  }

  /**
   * Places an order without a cart (legacy offers; PowerShell's `New-PartnerCustomerOrder`).
   * @example
   * const order = await partner.customers.byId(customerId).orders.create({
   *   lineItems: [{ lineItemNumber: 0, offerId: '031C9E47-4802-4248-838E-778FB1D2CC05', quantity: 5 }],
   * });
   */
  create(order: OrderInput, options?: RequestOptions): Promise<Order> {
    return this.request('POST', options, { body: order });
  }

  /**
   * The operations of one order.
   * @example partner.customers.byId(customerId).orders.byId(orderId)
   */
  byId(orderId: string): OrderOperations {
    return new OrderOperations(this.transport, [...this.path, orderId]);
  }
}

/** `/v1/customers/{customer-id}/orders/{order-id}` */
export class OrderOperations extends Builder {
  /** `/v1/customers/{customer-id}/orders/{order-id}/provisioningstatus` (app+user tokens only). */
  readonly provisioningStatus = new OrderProvisioningStatusOperations(this.transport, [...this.path, 'provisioningstatus']);

  /**
   * One line of the order.
   * @example const { items } = await partner.customers.byId(c).orders.byId(o).lineItems.byNumber(0).activationLinks.get();
   */
  readonly lineItems = { byNumber: (n: number) => new OrderLineItemOperations(this.transport, [...this.path, 'lineitems', String(n)]) };

  /**
   * Gets the order.
   * @example const order = await partner.customers.byId(customerId).orders.byId(orderId).get({ includePrice: true });
   */
  get(query: { includePrice?: boolean } = {}, options?: RequestOptions): Promise<Order> {
    return this.request('GET', options, { query: { include_price: query.includePrice } });
  }

  /**
   * Changes the order: Partner Center allows only `{ status: 'cancelled' }` (software within its
   * cancellation window), for the whole order or the `lineItems` listed.
   * @example await partner.customers.byId(c).orders.byId(o).patch({ status: 'cancelled', lineItems: [{ lineItemNumber: 0 }] });
   */
  patch(change: OrderPatchInput, options?: RequestOptions): Promise<Order> {
    return this.request('PATCH', options, { body: change });
  }

  /**
   * Cancels the order, or only the lines numbered (`patch({ status: 'cancelled' })`).
   * @example const order = await partner.customers.byId(c).orders.byId(o).cancel();
   */
  cancel(lineItemNumbers?: number[], options?: RequestOptions): Promise<Order> {
    return this.patch({ status: 'cancelled', lineItems: lineItemNumbers?.map((lineItemNumber) => ({ lineItemNumber })) }, options);
  }
}

/** `/v1/customers/{customer-id}/orders/{order-id}/provisioningstatus` */
export class OrderProvisioningStatusOperations extends Builder {
  /**
   * Gets the provisioning status of each line of the order (needs an app+user token).
   * @example const { items } = await partner.customers.byId(c).orders.byId(o).provisioningStatus.get();
   */
  get(options?: RequestOptions): Promise<Collection<OrderLineItemProvisioningStatus>> {
    return this.request('GET', options);
  }
}

/** `/v1/customers/{customer-id}/orders/{order-id}/lineitems/{line-item-number}` */
export class OrderLineItemOperations extends Builder {
  /** `…/lineitems/{n}/activationlinks` */
  readonly activationLinks = new OrderLineItemActivationLinkOperations(this.transport, [...this.path, 'activationlinks']);
}

/** `/v1/customers/{customer-id}/orders/{order-id}/lineitems/{line-item-number}/activationlinks` */
export class OrderLineItemActivationLinkOperations extends Builder {
  /**
   * The activation link of a marketplace SaaS line, once provisioned (none for other lines).
   * @example const { items } = await partner.customers.byId(c).orders.byId(o).lineItems.byNumber(0).activationLinks.get();
   */
  get(options?: RequestOptions): Promise<Collection<ActivationLink>> {
    return this.request('GET', options);
  }
}
