/**
 * The catalog (`/v1/products…`, `/v1/offers…`): the server's `modules/catalog`. Products, SKUs,
 * availabilities and legacy offers, by country, as the .NET SDK's `Products.ByCountry("US")`.
 */
import type { Availability, Offer, Product, Sku } from '@partner-commerce/contract' with { 'resolution-mode': 'import' };
import type { QueryValue, RequestOptions, Transport } from '../transport.js';
import { Builder, type Collection } from './builder.js';

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
