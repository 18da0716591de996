/**
 * Fluent request builders that mirror the URL (STYLE.md 10, like msgraph's `byUserId(...)` and the
 * Partner Center SDKs' `ById(...)`): `customers.byId(c).carts.byId(k).checkout()` is
 * `POST /v1/customers/{c}/carts/{k}/checkout`. Builders only carry path segments; the transport
 * encodes them, in one place.
 */
import type {
  Availability,
  Cart,
  CartCheckoutResult,
  CartInput,
  Customer,
  Link,
  Offer,
  Order,
  OrderLineItemProvisioningStatus as ProvisioningStatusSchema,
  Product,
  Sku,
  Subscription,
} from '@partner-commerce/contract' with { 'resolution-mode': 'import' };
import type { Static } from 'typebox' with { 'resolution-mode': 'import' };
import type { HttpMethod, QueryValue, RequestOptions, Transport } from '../transport.js';

/** Partner Center's collection envelope. */
export interface Collection<T> {
  totalCount: number;
  items: T[];
  links: { self: Link; next?: Link; previous?: Link };
  attributes: { objectType: 'Collection'; etag?: string };
}

export type OrderLineItemProvisioningStatus = Static<typeof ProvisioningStatusSchema>;

/** A cart as sent on create or update: new lines, or a cart read back (read-only fields are ignored). */
export type CartBody = CartInput | Cart;

abstract class Builder {
  constructor(
    protected readonly transport: Transport,
    protected readonly path: readonly string[],
  ) {}

  protected async request<T>(
    method: HttpMethod,
    options: RequestOptions = {},
    extra: { query?: Record<string, QueryValue>; body?: unknown; headers?: Record<string, string>; action?: string } = {},
  ): Promise<T> {
    const res = await this.transport.send<T>({
      ...options,
      method,
      path: extra.action ? [...this.path, extra.action] : this.path,
      query: extra.query,
      body: extra.body,
      headers: { ...extra.headers, ...options.headers },
    });
    return res.body;
  }
}

// ------------------------------------------------------------------------------------------------
// Customers

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

// ------------------------------------------------------------------------------------------------
// Carts

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

// ------------------------------------------------------------------------------------------------
// Orders

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
   * Gets the order.
   * @example const order = await partner.customers.byId(customerId).orders.byId(orderId).get({ includePrice: true });
   */
  get(query: { includePrice?: boolean } = {}, options?: RequestOptions): Promise<Order> {
    return this.request('GET', options, { query: { include_price: query.includePrice } });
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

// ------------------------------------------------------------------------------------------------
// Subscriptions

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
}

// ------------------------------------------------------------------------------------------------
// Catalog: products, SKUs, availabilities (by country, as the .NET SDK's `Products.ByCountry("US")`)

/** A builder whose calls all carry `?country=`. */
abstract class CountryBuilder extends Builder {
  constructor(
    transport: Transport,
    path: readonly string[],
    protected readonly country: string,
  ) {
    super(transport, path);
  }

  protected getInCountry<T>(options?: RequestOptions, query: Record<string, QueryValue> = {}): Promise<T> {
    return this.request('GET', options, { query: { country: this.country, ...query } });
  }
}

/** `/v1/products` */
export class ProductCollectionOperations extends Builder {
  /**
   * The catalog of one country (ISO 3166 two-letter code).
   * @example const { items } = await partner.products.byCountry('US').get({ targetView: 'OnlineServices' });
   */
  byCountry(country: string): ProductsByCountryOperations {
    return new ProductsByCountryOperations(this.transport, this.path, country);
  }
}

/** `/v1/products?country={country}` */
export class ProductsByCountryOperations extends CountryBuilder {
  /**
   * Lists the products of the country, optionally of one target view (`Azure`, `OnlineServices`, `Software`…).
   * @example const { items } = await partner.products.byCountry('US').get({ targetView: 'Azure' });
   */
  get(query: { targetView?: string } = {}, options?: RequestOptions): Promise<Collection<Product>> {
    return this.getInCountry(options, { targetView: query.targetView });
  }

  /**
   * The products of one target view, as the .NET SDK's `ByTargetView(...)`.
   * @example const { items } = await partner.products.byCountry('US').byTargetView('Azure').get();
   */
  byTargetView(targetView: string): { get(options?: RequestOptions): Promise<Collection<Product>> } {
    return { get: (options) => this.get({ targetView }, options) };
  }

  /**
   * The operations of one product.
   * @example const product = await partner.products.byCountry('US').byId('DZH318Z0BQ36').get();
   */
  byId(productId: string): ProductOperations {
    return new ProductOperations(this.transport, [...this.path, productId], this.country);
  }
}

/** `/v1/products/{product-id}?country={country}` */
export class ProductOperations extends CountryBuilder {
  /** `/v1/products/{product-id}/skus` */
  readonly skus = new SkuCollectionOperations(this.transport, [...this.path, 'skus'], this.country);

  /**
   * Gets the product.
   * @example const product = await partner.products.byCountry('US').byId('DZH318Z0BQ36').get();
   */
  get(options?: RequestOptions): Promise<Product> {
    return this.getInCountry(options);
  }
}

/** `/v1/products/{product-id}/skus?country={country}` */
export class SkuCollectionOperations extends CountryBuilder {
  /**
   * Lists the SKUs of the product.
   * @example const { items } = await partner.products.byCountry('US').byId(productId).skus.get();
   */
  get(options?: RequestOptions): Promise<Collection<Sku>> {
    return this.getInCountry(options);
  }

  /**
   * The operations of one SKU.
   * @example const sku = await partner.products.byCountry('US').byId(productId).skus.byId('0001').get();
   */
  byId(skuId: string): SkuOperations {
    return new SkuOperations(this.transport, [...this.path, skuId], this.country);
  }
}

/** `/v1/products/{product-id}/skus/{sku-id}?country={country}` */
export class SkuOperations extends CountryBuilder {
  /** `/v1/products/{product-id}/skus/{sku-id}/availabilities` */
  readonly availabilities = new AvailabilityCollectionOperations(this.transport, [...this.path, 'availabilities'], this.country);

  /**
   * Gets the SKU.
   * @example const sku = await partner.products.byCountry('US').byId(productId).skus.byId(skuId).get();
   */
  get(options?: RequestOptions): Promise<Sku> {
    return this.getInCountry(options);
  }
}

/** `/v1/products/{product-id}/skus/{sku-id}/availabilities?country={country}` */
export class AvailabilityCollectionOperations extends CountryBuilder {
  /**
   * Lists the availabilities of the SKU; each one's `catalogItemId` is what a cart line orders.
   * @example const { items } = await partner.products.byCountry('US').byId(p).skus.byId(s).availabilities.get();
   */
  get(options?: RequestOptions): Promise<Collection<Availability>> {
    return this.getInCountry(options);
  }

  /**
   * The operations of one availability.
   * @example const a = await partner.products.byCountry('US').byId(p).skus.byId(s).availabilities.byId(id).get();
   */
  byId(availabilityId: string): AvailabilityOperations {
    return new AvailabilityOperations(this.transport, [...this.path, availabilityId], this.country);
  }
}

/** `/v1/products/{product-id}/skus/{sku-id}/availabilities/{availability-id}?country={country}` */
export class AvailabilityOperations extends CountryBuilder {
  /**
   * Gets the availability.
   * @example const a = await partner.products.byCountry('US').byId(p).skus.byId(s).availabilities.byId(id).get();
   */
  get(options?: RequestOptions): Promise<Availability> {
    return this.getInCountry(options);
  }
}

// ------------------------------------------------------------------------------------------------
// Legacy offers

/** `/v1/offers` */
export class OfferCollectionOperations extends Builder {
  /**
   * The legacy offers of one country.
   * @example const { items } = await partner.offers.byCountry('US').get();
   */
  byCountry(country: string): OffersByCountryOperations {
    return new OffersByCountryOperations(this.transport, this.path, country);
  }
}

/** `/v1/offers?country={country}` */
export class OffersByCountryOperations extends CountryBuilder {
  /**
   * Lists the legacy offers of the country.
   * @example const { items } = await partner.offers.byCountry('US').get();
   */
  get(options?: RequestOptions): Promise<Collection<Offer>> {
    return this.getInCountry(options);
  }

  /**
   * Gets one legacy offer.
   * @example const offer = await partner.offers.byCountry('US').byId('MS-AZR-0145P').get();
   */
  byId(offerId: string): OfferOperations {
    return new OfferOperations(this.transport, [...this.path, offerId], this.country);
  }
}

/** `/v1/offers/{offer-id}?country={country}` */
export class OfferOperations extends CountryBuilder {
  /**
   * Gets the legacy offer.
   * @example const offer = await partner.offers.byCountry('US').byId('MS-AZR-0145P').get();
   */
  get(options?: RequestOptions): Promise<Offer> {
    return this.getInCountry(options);
  }
}
