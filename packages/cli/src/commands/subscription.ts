/** `pcx subscription`: a customer's subscriptions (the server's `modules/subscriptions`). */
import { InvalidArgumentError, type Command } from 'commander';
import type { PartnerOperations, Subscription, Transition } from '@partner-commerce/sdk';
import type { Context } from '../context.js';
import { renderFields, renderTable } from '../output.js';
import { UsageError } from '../errors.js';
import { positiveInt } from '../options.js';

const STATUSES = ['active', 'suspended', 'deleted'];

function status(value: string): string {
  const s = value.toLowerCase();
  if (!STATUSES.includes(s)) throw new InvalidArgumentError(`one of ${STATUSES.join(', ')}.`);
  return s;
}

function bool(value: string): boolean {
  if (!/^(true|false)$/i.test(value)) throw new InvalidArgumentError('true or false.');
  return value.toLowerCase() === 'true';
}

export function registerSubscriptionCommands(program: Command, { action, connect }: Context): void {
  const subscription = program.command('subscription').description("a customer's subscriptions (Get-PartnerCustomerSubscription)");
  subscription
    .command('list')
    .description('list the subscriptions, optionally those of one order')
    .requiredOption('--customer-id <id>', 'customer id')
    .option('--order-id <id>', 'only the subscriptions of this order')
    .action(
      action(async ({ out, globals }, opts: { customerId: string; orderId?: string }) => {
        const list = await (await connect(globals, out)).customers.byId(opts.customerId).subscriptions.get({ orderId: opts.orderId });
        out.result(list, () => renderTable(list.items, subscriptionColumns));
      }),
    );
  subscription
    .command('get')
    .description('show one subscription')
    .requiredOption('--customer-id <id>', 'customer id')
    .requiredOption('--subscription-id <id>', 'subscription id')
    .action(
      action(async ({ out, globals }, opts: { customerId: string; subscriptionId: string }) => {
        const s = await (await connect(globals, out)).customers.byId(opts.customerId).subscriptions.byId(opts.subscriptionId).get();
        out.result(s, () => renderTable([s], subscriptionColumns));
      }),
    );
  subscription
    .command('set')
    .description(
      'change a subscription (Set-PartnerCustomerSubscription): seats, auto-renew, suspend (suspended), reactivate (active), ' +
        'cancel (deleted), friendly name; sent with its etag, so a concurrent change fails with 412',
    )
    .requiredOption('--customer-id <id>', 'customer id')
    .requiredOption('--subscription-id <id>', 'subscription id')
    .option('--quantity <n>', 'seats', positiveInt)
    .option('--auto-renew <bool>', 'true or false', bool)
    .option('--status <status>', 'active, suspended or deleted (cancel)', status)
    .option('--friendly-name <name>', 'a name of your choice')
    .action(
      action(
        async (
          { out, globals },
          opts: { customerId: string; subscriptionId: string; quantity?: number; autoRenew?: boolean; status?: string; friendlyName?: string },
        ) => {
          if ([opts.quantity, opts.autoRenew, opts.status, opts.friendlyName].every((v) => v === undefined)) {
            throw new UsageError('nothing to change: give --quantity, --auto-renew, --status or --friendly-name.');
          }
          const ops = (await connect(globals, out)).customers.byId(opts.customerId).subscriptions.byId(opts.subscriptionId);
          const current = await ops.get();
          const changed = {
            ...current,
            ...(opts.quantity !== undefined && { quantity: opts.quantity }),
            ...(opts.autoRenew !== undefined && { autoRenewEnabled: opts.autoRenew }),
            ...(opts.status !== undefined && { status: opts.status }),
            ...(opts.friendlyName !== undefined && { friendlyName: opts.friendlyName }),
          };
          const s = await ops.patch(changed, { ifMatch: current.attributes.etag });
          out.result(s, () => renderTable([s], subscriptionColumns));
        },
      ),
    );
  const one = (command: string, description: string) =>
    subscription
      .command(command)
      .description(description)
      .requiredOption('--customer-id <id>', 'customer id')
      .requiredOption('--subscription-id <id>', 'subscription id');
  const target = (partner: PartnerOperations, opts: SubscriptionOptions) => partner.customers.byId(opts.customerId).subscriptions.byId(opts.subscriptionId);
  one('status', "show the subscription's provisioning status (Get-PartnerCustomerSubscriptionProvisioningStatus)").action(
    action(async ({ out, globals }, opts: SubscriptionOptions) => {
      const s = await target(await connect(globals, out), opts).provisioningStatus.get();
      out.result(s, () => renderFields([['status', s.status], ['quantity', s.quantity], ['end date', s.endDate], ['sku id', s.skuId]]));
    }),
  );
  one('addons', 'list the add-on subscriptions bought on it (Get-PartnerCustomerSubscriptionAddOn)').action(
    action(async ({ out, globals }, opts: SubscriptionOptions) => {
      const list = await target(await connect(globals, out), opts).addons.get();
      out.result(list, () => renderTable(list.items, subscriptionColumns));
    }),
  );
  one('registration', "show an Azure subscription's registration for reservations (Get-PartnerCustomerSubscriptionRegistrationStatus)").action(
    action(async ({ out, globals }, opts: SubscriptionOptions) => {
      const s = await target(await connect(globals, out), opts).registrationStatus.get();
      out.result(s, () => renderFields([['subscription', s.subscriptionId], ['status', s.status]]));
    }),
  );
  one('register', 'register an Azure subscription for reservation purchases (the API\'s RegisterSubscription)').action(
    action(async ({ out, globals }, opts: SubscriptionOptions) => {
      const location = await target(await connect(globals, out), opts).registrations.create();
      out.result({ location }, () => `registration requested; status at ${location}\n`);
    }),
  );
  one('eligibilities', 'list the catalog items it may transition (upgrade) to (the API\'s GetTransitionEligibilities)')
    .option('--type <type>', 'immediate (default) or scheduled', eligibilityType)
    .action(
      action(async ({ out, globals }, opts: SubscriptionOptions & { type?: 'immediate' | 'scheduled' }) => {
        const list = await target(await connect(globals, out), opts).transitionEligibilities.get({ eligibilityType: opts.type });
        const rows = list.items.map((i) => ({ item: i.catalogItemId, title: i.title, e: i.eligibilities[0] }));
        out.result(list, () =>
          renderTable(rows, [
            { header: 'catalogItemId', value: (r) => r.item },
            { header: 'title', value: (r) => r.title },
            { header: 'eligible', value: (r) => r.e?.isEligible ?? false },
            { header: 'errors', value: (r) => (r.e?.errors ?? []).map((x) => `${x.code} ${x.description}`).join('; ') },
          ]),
        );
      }),
    );
  one('transition', 'move seats to an eligible catalog item: an upgrade (the API\'s CreateTransition)')
    .requiredOption('--to <catalogItemId>', 'the target catalog item (productId:skuId:availabilityId)')
    .requiredOption('--quantity <n>', 'seats to move (all of them ends the source)', positiveInt)
    .option('--to-subscription-id <id>', 'an existing subscription of the target item to move them into')
    .action(
      action(async ({ out, globals }, opts: SubscriptionOptions & { to: string; quantity: number; toSubscriptionId?: string }) => {
        const t = await target(await connect(globals, out), opts).transitions.create({
          toCatalogItemId: opts.to,
          quantity: opts.quantity,
          ...(opts.toSubscriptionId && { toSubscriptionId: opts.toSubscriptionId }),
        });
        out.result(t, () => renderTable([t], transitionColumns));
      }),
    );
  one('transitions', 'list the transitions it was the source or target of (the API\'s GetTransitions)').action(
    action(async ({ out, globals }, opts: SubscriptionOptions) => {
      const list = await target(await connect(globals, out), opts).transitions.get();
      out.result(list, () => renderTable(list.items, transitionColumns));
    }),
  );
}

function eligibilityType(value: string): 'immediate' | 'scheduled' {
  const t = value.toLowerCase();
  if (t !== 'immediate' && t !== 'scheduled') throw new InvalidArgumentError('immediate or scheduled.');
  return t;
}

const transitionColumns = [
  { header: 'operationId', value: (t: Transition) => t.operationId },
  { header: 'from', value: (t: Transition) => `${t.fromSubscriptionId} (${t.fromCatalogItemId})` },
  { header: 'to', value: (t: Transition) => `${t.toSubscriptionId} (${t.toCatalogItemId})` },
  { header: 'qty', value: (t: Transition) => t.quantity },
  { header: 'type', value: (t: Transition) => t.transitionType },
];

interface SubscriptionOptions {
  customerId: string;
  subscriptionId: string;
}

const subscriptionColumns = [
  { header: 'id', value: (s: Subscription) => s.id },
  { header: 'offer', value: (s: Subscription) => s.offerName },
  { header: 'qty', value: (s: Subscription) => s.quantity },
  { header: 'status', value: (s: Subscription) => s.status },
  { header: 'autoRenew', value: (s: Subscription) => s.autoRenewEnabled },
  { header: 'termEnd', value: (s: Subscription) => s.commitmentEndDate },
  { header: 'billing', value: (s: Subscription) => s.billingCycle },
  { header: 'orderId', value: (s: Subscription) => s.orderId },
];
