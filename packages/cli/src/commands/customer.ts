/** `pcx customer`: the partner's customers (the server's `modules/customers`). */
import type { Command } from 'commander';
import type { Customer } from '@partner-commerce/sdk';
import type { Context } from '../context.js';
import { renderFields, renderTable } from '../output.js';

export function registerCustomerCommands(program: Command, { action, connect }: Context): void {
  const customer = program.command('customer').description("the partner's customers (Get-PartnerCustomer)");
  customer
    .command('list')
    .description('list the customers')
    .action(
      action(async ({ out, globals }) => {
        const list = await (await connect(globals, out)).customers.get();
        out.result(list, () => renderTable(list.items, customerColumns));
      }),
    );
  customer
    .command('get')
    .description('show one customer')
    .requiredOption('--customer-id <id>', 'customer id')
    .action(
      action(async ({ out, globals }, opts: { customerId: string }) => {
        const c = await (await connect(globals, out)).customers.byId(opts.customerId).get();
        out.result(c, () =>
          renderFields([
            ['id', c.id],
            ['company', c.companyProfile.companyName],
            ['domain', c.companyProfile.domain],
            ['country', c.companyProfile.address.country],
            ['relationship', c.relationshipToPartner],
            ['billing contact', `${c.billingProfile.firstName} ${c.billingProfile.lastName} <${c.billingProfile.email}>`],
          ]),
        );
      }),
    );
}

const customerColumns = [
  { header: 'id', value: (c: Customer) => c.id },
  { header: 'company', value: (c: Customer) => c.companyProfile.companyName },
  { header: 'domain', value: (c: Customer) => c.companyProfile.domain },
  { header: 'country', value: (c: Customer) => c.companyProfile.address.country },
];
