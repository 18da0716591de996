/** `pcx order`: a customer's orders and their provisioning status (the server's `modules/orders`). */
import type { Command } from 'commander';
import type { Order, OrderLineItemProvisioningStatus } from '@partner-commerce/sdk';
import type { Context } from '../context.js';
import { renderFields, renderTable } from '../output.js';
import { nonNegativeInt } from '../options.js';
import { parseItem } from '../cart-input.js';
import { UsageError } from '../errors.js';

export function registerOrderCommands(program: Command, { action, connect }: Context): void {
  const order = program.command('order').description("a customer's orders (Get-PartnerCustomerOrder)");
  order
    .command('list')
    .description('list the orders, with prices')
    .requiredOption('--customer-id <id>', 'customer id')
    .option('--billing-type <cycle>', 'only orders of this billing cycle (monthly, one_time…)')
    .action(
      action(async ({ out, globals }, opts: { customerId: string; billingType?: string }) => {
        const list = await (await connect(globals, out)).customers.byId(opts.customerId).orders.get({ billingType: opts.billingType, includePrice: true });
        out.result(list, () => renderTable(list.items, orderColumns));
      }),
    );
  order
    .command('get')
    .description('show an order and its lines')
    .requiredOption('--customer-id <id>', 'customer id')
    .requiredOption('--order-id <id>', 'order id')
    .action(
      action(async ({ out, globals }, opts: { customerId: string; orderId: string }) => {
        const o = await (await connect(globals, out)).customers.byId(opts.customerId).orders.byId(opts.orderId).get({ includePrice: true });
        out.result(o, () =>
          renderFields([
            ['id', o.id],
            ['status', o.status],
            ['billing cycle', o.billingCycle],
            ['created', o.creationDate],
            ['total', o.totalPrice === undefined ? undefined : `${o.currencySymbol}${o.totalPrice} ${o.currencyCode}`],
          ]) +
          '\n' +
          renderTable(o.lineItems, [
            { header: 'line', value: (l) => l.lineItemNumber },
            { header: 'offerId', value: (l) => l.offerId },
            { header: 'name', value: (l) => l.friendlyName },
            { header: 'qty', value: (l) => l.quantity },
            { header: 'term', value: (l) => l.termDuration },
            { header: 'subscriptionId', value: (l) => l.subscriptionId },
          ]),
        );
      }),
    );
  order
    .command('status')
    .description("the provisioning status of an order's lines (needs a user sign-in: pcx login --sandbox or --username)")
    .requiredOption('--customer-id <id>', 'customer id')
    .requiredOption('--order-id <id>', 'order id')
    .action(
      action(async ({ out, globals }, opts: { customerId: string; orderId: string }) => {
        const list = await (await connect(globals, out)).customers.byId(opts.customerId).orders.byId(opts.orderId).provisioningStatus.get();
        out.result(list, () =>
          renderTable(list.items as (OrderLineItemProvisioningStatus & { error?: { code: number; description: string } })[], [
            { header: 'line', value: (l) => l.lineItemNumber },
            { header: 'status', value: (l) => l.status },
            { header: 'quantity', value: (l) => l.quantityProvisioningInformation.map((q) => `${q.quantity} ${q.status}`) },
            { header: 'error', value: (l) => (l.error ? `${l.error.code}: ${l.error.description}` : '') },
          ]),
        );
      }),
    );
  order
    .command('new')
    .description('place an order without a cart, for legacy offers (New-PartnerCustomerOrder)')
    .requiredOption('--customer-id <id>', 'customer id')
    .requiredOption('--item <spec...>', 'a line: <offerId>[,quantity=N][,friendlyName=…][,context.<key>=<value>]')
    .option('--billing-cycle <cycle>', 'the order\'s billing cycle (default: monthly where the offer has it)')
    .action(
      action(async ({ out, globals }, opts: { customerId: string; item: string[]; billingCycle?: string }) => {
        const lineItems = opts.item.map((spec, i) => {
          const { catalogItemId, quantity, friendlyName, provisioningContext, billingCycle } = parseItem(spec, i);
          if (spec.toLowerCase().includes('billingcycle=')) throw new UsageError(`--item "${spec}": the billing cycle is the order's: --billing-cycle ${billingCycle}.`);
          return { lineItemNumber: i, offerId: catalogItemId!, quantity: quantity ?? 1, friendlyName, provisioningContext };
        });
        const o = await (await connect(globals, out)).customers.byId(opts.customerId).orders.create({ lineItems, billingCycle: opts.billingCycle });
        out.result(o, () => renderTable([o], orderColumns));
      }),
    );
  order
    .command('cancel')
    .description('cancel an order, or some of its lines (software within its cancellation window)')
    .requiredOption('--customer-id <id>', 'customer id')
    .requiredOption('--order-id <id>', 'order id')
    .option('--line-item-number <n...>', 'only these lines', (v: string, prev: number[] = []) => [...prev, nonNegativeInt(v)])
    .action(
      action(async ({ out, globals }, opts: { customerId: string; orderId: string; lineItemNumber?: number[] }) => {
        const o = await (await connect(globals, out)).customers.byId(opts.customerId).orders.byId(opts.orderId).cancel(opts.lineItemNumber);
        out.result(o, () => renderTable([o], orderColumns));
      }),
    );
  order
    .command('activation-link')
    .description("a marketplace SaaS line's activation link (Get-PartnerCustomerOrderLineItemActivationLink)")
    .requiredOption('--customer-id <id>', 'customer id')
    .requiredOption('--order-id <id>', 'order id')
    .requiredOption('--line-item-number <n>', 'line number', nonNegativeInt)
    .action(
      action(async ({ out, globals }, opts: { customerId: string; orderId: string; lineItemNumber: number }) => {
        const order = (await connect(globals, out)).customers.byId(opts.customerId).orders.byId(opts.orderId);
        const list = await order.lineItems.byNumber(opts.lineItemNumber).activationLinks.get();
        out.result(list, () =>
          list.items.length
            ? renderTable(list.items, [
                { header: 'line', value: (l) => l.lineItemNumber },
                { header: 'link', value: (l) => l.link.uri },
              ])
            : 'no activation link (not a marketplace line, or not provisioned yet)\n',
        );
      }),
    );
}

/** The columns of an order list, also what `pcx cart submit` prints its orders with. */
export const orderColumns = [
  { header: 'id', value: (o: Order) => o.id },
  { header: 'created', value: (o: Order) => o.creationDate },
  { header: 'billing', value: (o: Order) => o.billingCycle },
  { header: 'status', value: (o: Order) => o.status },
  { header: 'lines', value: (o: Order) => o.lineItems.length },
  { header: 'total', value: (o: Order) => (o.totalPrice === undefined ? '' : `${o.totalPrice} ${o.currencyCode}`) },
];
