/** `pcx subscription`: a customer's subscriptions (the server's `modules/subscriptions`). */
import { InvalidArgumentError, type Command } from 'commander';
import type { Subscription } from '@partner-commerce/sdk';
import type { Context } from '../context.js';
import { renderTable } from '../output.js';
import { UsageError } from '../errors.js';
import { positiveInt } from './cart.js';

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
