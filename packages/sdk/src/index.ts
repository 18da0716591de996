/**
 * @partner-commerce/sdk: a fluent TypeScript client for Partner Center's cart, checkout, order,
 * subscription and catalog API (and this project's service), over one fetch transport.
 *
 * @example
 * import { createPartnerOperations } from '@partner-commerce/sdk';
 * const partner = createPartnerOperations({
 *   baseUrl: 'http://127.0.0.1:8080',
 *   credentials: { clientId: 'f1ce5d2b-6b1a-4c3e-9e8a-5a1d7c0e2b41', clientSecret: 'sandbox-secret' },
 * });
 * const result = await partner.customers.byId(customerId).carts.byId(cartId).checkout();
 */
import { resolveCloud, type Cloud, type CloudName } from './clouds.js';
import { createTokenGetter, type Credentials, type TokenCache } from './credentials.js';
import {
  CustomerCollectionOperations,
  DomainCollectionOperations,
  OfferCollectionOperations,
  ProductCollectionOperations,
  SandboxOperations,
  SandboxPartnerOperations,
  tenantOfToken,
  WebhookOperations,
} from './resources/index.js';
import { Transport, type TokenGetter, type TransportOptions } from './transport.js';

export * from './clouds.js';
export * from './credentials.js';
export * from './errors.js';
export * from './resources/index.js';
export * from './transport.js';
export type {
  Availability,
  Cart,
  CartCheckoutResult,
  CartError,
  CartInput,
  CartLineItem,
  CartLineItemInput,
  Customer,
  FaultEffect,
  FaultRule,
  LoggedRequest,
  NewFaultRule,
  Offer,
  Order,
  OrderError,
  OrderLineItem,
  Product,
  Sku,
  Subscription,
  Transition,
  TransitionEligibility,
  TransitionRequest,
  ValidationEventStatus,
  WebhookDelivery,
  WebhookDeliveryAttempt,
  WebhookEvent,
  WebhookRegistration,
} from '@partner-commerce/contract' with { 'resolution-mode': 'import' };

export interface PartnerOperationsOptions extends Omit<TransportOptions, 'baseUrl' | 'getToken'> {
  /** A Partner Center cloud: `global` (default), `china` (21Vianet), `germany`, `usgov`; aliases accepted. */
  cloud?: CloudName | (string & {});
  /**
   * Any API base URL, e.g. the local service `http://127.0.0.1:8080`; its tokens come from
   * `{baseUrl}/oauth2/token`. With `cloud` too, calls go to `baseUrl` and sign-in to the cloud's authority.
   */
  baseUrl?: string;
  credentials: Credentials;
  /** Keeps acquired tokens between processes. */
  tokenCache?: TokenCache;
}

/** The root of the fluent API, as the .NET SDK's `IPartner`. */
export interface PartnerOperations {
  /** API base URL in use. */
  readonly baseUrl: string;
  /** The cloud whose authority signs in, when a cloud is used. */
  readonly cloud: Cloud | undefined;
  /** `/v1/customers` */
  readonly customers: CustomerCollectionOperations;
  /** `/v1/domains` (availability of customer domains) */
  readonly domains: DomainCollectionOperations;
  /** `/v1/products` (by country) */
  readonly products: ProductCollectionOperations;
  /** `/v1/offers` (legacy offers, by country) */
  readonly offers: OfferCollectionOperations;
  /** `/webhooks/v1` (Partner Center's webhook registration) */
  readonly webhooks: WebhookOperations;
  /** `/sandbox/partners/{tenant-id}` of the signed-in partner (the sandbox's control API: its clock) */
  readonly sandbox: SandboxOperations;
  /** The transport every call goes through. */
  readonly transport: Transport;
  /**
   * The access token calls are made with (acquired or taken from the cache).
   * @example const token = await partner.getAccessToken();
   */
  getAccessToken(options?: { forceRefresh?: boolean }): Promise<string>;
}

/**
 * Creates the client of one partner: a cloud (or a base URL) and credentials.
 * @example
 * const partner = createPartnerOperations({ cloud: 'global', credentials: { clientId, clientSecret, tenant: 'contoso.onmicrosoft.com' } });
 * const cart = await partner.customers.byId(customerId).carts.create({ lineItems });
 */
export function createPartnerOperations(options: PartnerOperationsOptions): PartnerOperations {
  const { cloud: cloudName, baseUrl, credentials, tokenCache, ...transportOptions } = options;
  const cloud = cloudName !== undefined || baseUrl === undefined ? resolveCloud(cloudName ?? 'global') : undefined;
  const apiBaseUrl = (baseUrl ?? cloud!.apiBaseUrl).replace(/\/+$/, '');
  // Token requests go through the same transport (and retry policy) as the calls they authorize.
  const getToken: TokenGetter = (o) => tokens(o);
  const transport = new Transport({ ...transportOptions, baseUrl: apiBaseUrl, getToken });
  const tokens = createTokenGetter(credentials, { cloud, baseUrl: cloud ? undefined : apiBaseUrl }, () => transport, tokenCache);
  return {
    baseUrl: apiBaseUrl,
    cloud,
    transport,
    customers: new CustomerCollectionOperations(transport, ['v1', 'customers']),
    domains: new DomainCollectionOperations(transport, ['v1', 'domains']),
    products: new ProductCollectionOperations(transport, ['v1', 'products']),
    offers: new OfferCollectionOperations(transport, ['v1', 'offers']),
    webhooks: new WebhookOperations(transport, ['webhooks', 'v1']),
    sandbox: new SandboxOperations(
      (path) => new SandboxPartnerOperations(transport, path),
      async () => {
        const tenant = tenantOfToken(await getToken({ forceRefresh: false }));
        if (!tenant) throw new TypeError('The access token names no tenant (tid): use partner.sandbox.byTenant(tenantId).');
        return tenant;
      },
    ),
    getAccessToken: (o = {}) => getToken({ forceRefresh: o.forceRefresh ?? false }),
  };
}
