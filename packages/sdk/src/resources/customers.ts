/** A customer and what hangs under it (`/v1/customers…`): the server's `modules/customers`. */
import type { CreatedCustomer, Customer, CustomerInput, CustomerPage } from '@partner-commerce/contract' with { 'resolution-mode': 'import' };
import { PartnerCenterError } from '../errors.js';
import type { RequestOptions } from '../transport.js';
import { Builder } from './builder.js';
import { CartCollectionOperations } from './carts.js';
import { OrderCollectionOperations } from './orders.js';
import { SubscriptionCollectionOperations } from './subscriptions.js';

/** A customer list filter (get-a-customer-by-name): `field` starts with `value`, case ignored. */
export interface CustomerFilter {
  field: 'CompanyName' | 'Domain' | 'IndirectReseller' | 'IndirectCloudSolutionProvider';
  value: string;
  /** The only operator the customers endpoint supports. */
  operator?: 'starts_with';
}

/** `/v1/customers` */
export class CustomerCollectionOperations extends Builder {
  /**
   * Lists the partner's customers, `size` at a time, optionally only those whose company name or
   * domain starts with `filter.value` (case ignored; the .NET SDK's `SimpleFieldFilter` with
   * `FieldFilterOperation.StartsWith`). When more follow, the page carries a `continuationToken`; pass
   * it back for the next page (sent as `seekOperation=Next` with the `MS-ContinuationToken` header, as
   * Partner Center's SDKs do; the token keeps the filter).
   * @example
   * let page = await partner.customers.get({ size: 100, filter: { field: 'CompanyName', value: 'cont' } });
   * while (page.continuationToken) page = await partner.customers.get({ size: 100, continuationToken: page.continuationToken });
   */
  get(query: { size?: number; continuationToken?: string; filter?: CustomerFilter } = {}, options?: RequestOptions): Promise<CustomerPage> {
    const { size, continuationToken, filter } = query;
    const filterText = filter && JSON.stringify({ Field: filter.field, Value: filter.value, Operator: filter.operator ?? 'starts_with' });
    if (!continuationToken) return this.request('GET', options, { query: { size, filter: filterText } });
    return this.request('GET', options, {
      query: { size, filter: filterText, seekOperation: 'Next' },
      headers: { 'MS-ContinuationToken': continuationToken },
    });
  }

  /**
   * Every customer of the partner (or every one `filter` keeps), fetching page after page as it is iterated.
   * @example for await (const customer of partner.customers.all({ size: 100 })) console.log(customer.id);
   */
  async *all(query: { size?: number; filter?: CustomerFilter } = {}, options?: RequestOptions): AsyncGenerator<Customer> {
    let page = await this.get(query, options);
    yield* page.items;
    while (page.continuationToken) {
      page = await this.get({ ...query, continuationToken: page.continuationToken }, options);
      yield* page.items;
    }
  }

  /**
   * Creates a customer from its billing and company profiles; the answer carries the initial admin's
   * `userCredentials`, shown only this once.
   * @example
   * const customer = await partner.customers.create({
   *   billingProfile: { email: 'it@fabrikam.com', culture: 'en-US', language: 'en', companyName: 'Fabrikam',
   *     defaultAddress: { firstName: 'Ann', lastName: 'Lee', addressLine1: '1 Main St', city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' } },
   *   companyProfile: { domain: 'fabrikam.onmicrosoft.com' },
   * });
   */
  create(customer: CustomerInput, options?: RequestOptions): Promise<CreatedCustomer> {
    return this.request('POST', options, { body: customer });
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

/** `/v1/domains` */
export class DomainCollectionOperations extends Builder {
  /**
   * The operations of one domain.
   * @example const taken = await partner.domains.byDomain('contoso.onmicrosoft.com').exists();
   */
  byDomain(domain: string): DomainOperations {
    return new DomainOperations(this.transport, [...this.path, domain]);
  }
}

/** `/v1/domains/{domain}` */
export class DomainOperations extends Builder {
  /**
   * Whether the domain is taken (a `HEAD`: 200 taken, 404 available), as the .NET SDK's `Exists()`.
   * @example if (await partner.domains.byDomain('contoso.onmicrosoft.com').exists()) console.log('taken');
   */
  async exists(options?: RequestOptions): Promise<boolean> {
    try {
      await this.request('HEAD', options);
      return true;
    } catch (err) {
      if (err instanceof PartnerCenterError && err.status === 404) return false;
      throw err;
    }
  }
}
