/** `pcx subscription`: a customer's subscriptions (the server's `modules/subscriptions`). */
import type { Command } from 'commander';
import type { Subscription } from '@partner-commerce/sdk';
import type { Context } from '../context.js';
import { renderTable } from '../output.js';

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
}

const subscriptionColumns = [
  { header: 'id', value: (s: Subscription) => s.id },
  { header: 'offer', value: (s: Subscription) => s.offerName },
  { header: 'qty', value: (s: Subscription) => s.quantity },
  { header: 'status', value: (s: Subscription) => s.status },
  { header: 'billing', value: (s: Subscription) => s.billingCycle },
  { header: 'orderId', value: (s: Subscription) => s.orderId },
];
