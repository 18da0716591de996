/** A customer's subscriptions (`/v1/customers/{id}/subscriptions…`): the server's `modules/subscriptions`. */
import type {
  Subscription,
  SubscriptionProvisioningStatus,
  SubscriptionRegistrationStatus,
  SubscriptionUpdate,
  Transition,
  TransitionEligibility,
  TransitionRequest,
} from '@partner-commerce/contract' with { 'resolution-mode': 'import' };
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
  /** `…/subscriptions/{subscription-id}/provisioningstatus` */
  readonly provisioningStatus = new SubscriptionProvisioningStatusOperations(this.transport, [...this.path, 'provisioningstatus']);
  /** `…/subscriptions/{subscription-id}/addons` */
  readonly addons = new SubscriptionAddOnOperations(this.transport, [...this.path, 'addons']);
  /** `…/subscriptions/{subscription-id}/registrationstatus` */
  readonly registrationStatus = new SubscriptionRegistrationStatusOperations(this.transport, [...this.path, 'registrationstatus']);
  /** `…/subscriptions/{subscription-id}/registrations` */
  readonly registrations = new SubscriptionRegistrationOperations(this.transport, [...this.path, 'registrations']);
  /** `…/subscriptions/{subscription-id}/transitioneligibilities` */
  readonly transitionEligibilities = new SubscriptionTransitionEligibilityOperations(this.transport, [...this.path, 'transitioneligibilities']);
  /** `…/subscriptions/{subscription-id}/transitions` */
  readonly transitions = new SubscriptionTransitionOperations(this.transport, [...this.path, 'transitions']);

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

/** `…/subscriptions/{subscription-id}/provisioningstatus` */
export class SubscriptionProvisioningStatusOperations extends Builder {
  /**
   * Gets the subscription's provisioning status (`success`, `pending`, `failed`), its quantity and end date.
   * @example const { status } = await partner.customers.byId(c).subscriptions.byId(s).provisioningStatus.get();
   */
  get(options?: RequestOptions): Promise<SubscriptionProvisioningStatus> {
    return this.request('GET', options);
  }
}

/** `…/subscriptions/{subscription-id}/addons` */
export class SubscriptionAddOnOperations extends Builder {
  /**
   * Lists the add-on subscriptions bought on this subscription.
   * @example const { items } = await partner.customers.byId(c).subscriptions.byId(s).addons.get();
   */
  get(options?: RequestOptions): Promise<Collection<Subscription>> {
    return this.request('GET', options);
  }
}

/** `…/subscriptions/{subscription-id}/registrationstatus` */
export class SubscriptionRegistrationStatusOperations extends Builder {
  /**
   * Whether the Azure subscription is registered for reservation purchases (`Registered`, `NotRegistered`).
   * @example const { status } = await partner.customers.byId(c).subscriptions.byId(s).registrationStatus.get();
   */
  get(options?: RequestOptions): Promise<SubscriptionRegistrationStatus> {
    return this.request('GET', options);
  }
}

/** `…/subscriptions/{subscription-id}/registrations` */
export class SubscriptionRegistrationOperations extends Builder {
  /**
   * Registers the Azure subscription for reservation purchases; resolves to the `Location` the service
   * answers (the registration status's path), as the .NET SDK's `Register()` does.
   * @example const location = await partner.customers.byId(c).subscriptions.byId(s).registrations.create();
   */
  async create(options: RequestOptions = {}): Promise<string> {
    const res = await this.transport.send({ ...options, method: 'POST', path: this.path });
    return res.headers.get('location') ?? '';
  }
}

/** `…/subscriptions/{subscription-id}/transitioneligibilities` */
export class SubscriptionTransitionEligibilityOperations extends Builder {
  /**
   * The catalog items the new-commerce subscription may transition (upgrade) to: `immediate` (the
   * default; mid-term, seats moved) or `scheduled` (at the next term).
   * @example const { items } = await partner.customers.byId(c).subscriptions.byId(s).transitionEligibilities.get({ eligibilityType: 'immediate' });
   */
  get(query: { eligibilityType?: 'immediate' | 'scheduled' } = {}, options?: RequestOptions): Promise<Collection<TransitionEligibility>> {
    return this.request('GET', options, { query: { eligibilityType: query.eligibilityType } });
  }
}

/** `…/subscriptions/{subscription-id}/transitions` */
export class SubscriptionTransitionOperations extends Builder {
  /**
   * Moves seats of the subscription to an eligible target item (an upgrade); answers the Transition.
   * @example const t = await partner.customers.byId(c).subscriptions.byId(s).transitions.create({ toCatalogItemId, quantity: 2 });
   */
  create(transition: TransitionRequest, options?: RequestOptions): Promise<Transition> {
    return this.request('POST', options, { body: transition });
  }

  /**
   * The transitions the subscription was the source or target of, optionally one operation's.
   * @example const { items } = await partner.customers.byId(c).subscriptions.byId(s).transitions.get();
   */
  get(query: { operationId?: string } = {}, options?: RequestOptions): Promise<Collection<Transition>> {
    return this.request('GET', options, { query: { operationId: query.operationId } });
  }
}
