/** A customer's carts and their checkout (`/v1/customers/{id}/carts…`): the server's `modules/carts`. */
import type { Cart, CartCheckoutResult, CartInput } from '@partner-commerce/contract' with { 'resolution-mode': 'import' };
import type { RequestOptions } from '../transport.js';
import { Builder } from './builder.js';

/** A cart as sent on create or update: new lines, or a cart read back (read-only fields are ignored). */
export type CartBody = CartInput | Cart;

/** `/v1/customers/{customer-id}/carts` */
export class CartCollectionOperations extends Builder {
  /**
   * Creates a cart; line problems come back as `lineItems[i].error` inside the created cart.
   * @example
   * const cart = await partner.customers.byId(customerId).carts.create({
   *   lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 5, billingCycle: 'monthly', termDuration: 'P1Y' }],
   * });
   */
  create(cart: CartBody, options?: RequestOptions): Promise<Cart> {
    return this.request('POST', options, { body: cart });
  }

  /**
   * The operations of one cart.
   * @example partner.customers.byId(customerId).carts.byId(cartId)
   */
  byId(cartId: string): CartOperations {
    return new CartOperations(this.transport, [...this.path, cartId]);
  }
}

/** `/v1/customers/{customer-id}/carts/{cart-id}` */
export class CartOperations extends Builder {
  /**
   * Gets the cart.
   * @example const cart = await partner.customers.byId(customerId).carts.byId(cartId).get();
   */
  get(options?: RequestOptions): Promise<Cart> {
    return this.request('GET', options);
  }

  /**
   * Replaces the lines of an active cart (PUT of the whole cart; a cart read back may be sent as it is).
   * @example
   * const cart = await carts.byId(cartId).get();
   * cart.lineItems[0].quantity = 10;
   * await carts.byId(cartId).put(cart);
   */
  put(cart: CartBody, options?: RequestOptions): Promise<Cart> {
    return this.request('PUT', options, { body: cart });
  }

  /**
   * Checks the cart out into orders (one per order group); calling it again returns the same result.
   * `customerUserUpn` names the customer user that licences are assigned to (`x-ms-customeruser-upn`).
   * @example
   * const { orders, orderErrors } = await partner.customers.byId(customerId).carts.byId(cartId).checkout();
   */
  checkout(options: RequestOptions & { customerUserUpn?: string } = {}): Promise<CartCheckoutResult> {
    const { customerUserUpn, ...rest } = options;
    return this.request('POST', rest, {
      action: 'checkout',
      headers: customerUserUpn ? { 'x-ms-customeruser-upn': customerUserUpn } : undefined,
    });
  }
}
