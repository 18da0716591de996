/** `pcx customer`, `pcx domain`: the partner's customers and domain availability (the server's `modules/customers`). */
import type { Command } from 'commander';
import type { Customer, CustomerFilter } from '@partner-commerce/sdk';
import type { Context } from '../context.js';
import { renderFields, renderTable } from '../output.js';
import { positiveInt } from '../options.js';
import { UsageError } from '../errors.js';

export function registerCustomerCommands(program: Command, { action, connect }: Context): void {
  const customer = program.command('customer').description("the partner's customers (Get-PartnerCustomer)");
  customer
    .command('list')
    .description('list the customers, following the service\'s pages to the end; --domain or --company-name keep those starting with a prefix')
    .option('--size <n>', 'customers per page', positiveInt)
    .option('--domain <prefix>', 'only customers whose domain starts with this (case ignored; Get-PartnerCustomer -Domain)')
    .option('--company-name <prefix>', 'only customers whose company name starts with this (case ignored)')
    .action(
      action(async ({ out, globals }, opts: { size?: number; domain?: string; companyName?: string }) => {
        if (opts.domain !== undefined && opts.companyName !== undefined) throw new UsageError('give --domain or --company-name, not both.');
        const filter: CustomerFilter | undefined =
          opts.domain !== undefined ? { field: 'Domain', value: opts.domain } : opts.companyName !== undefined ? { field: 'CompanyName', value: opts.companyName } : undefined;
        const customers = (await connect(globals, out)).customers;
        const list = await customers.get({ size: opts.size, filter });
        for (let page = list; page.continuationToken; ) {
          page = await customers.get({ size: opts.size, filter, continuationToken: page.continuationToken });
          list.items.push(...page.items);
        }
        list.totalCount = list.items.length;
        delete list.continuationToken;
        delete list.links.next;
        out.result(list, () => renderTable(list.items, customerColumns));
      }),
    );
  customer
    .command('new')
    .description('create a customer (New-PartnerCustomer); prints it with the initial admin\'s credentials')
    .requiredOption('--name <company>', 'company name')
    .requiredOption('--domain <domain>', 'domain, or a prefix for {prefix}.onmicrosoft.com')
    .requiredOption('--contact-email <email>', 'billing contact email')
    .requiredOption('--contact-first-name <name>', 'billing contact first name')
    .requiredOption('--contact-last-name <name>', 'billing contact last name')
    .requiredOption('--billing-address-line1 <line>', 'billing address line 1')
    .requiredOption('--billing-address-city <city>', 'billing address city')
    .requiredOption('--billing-address-country <cc>', 'billing address country (ISO 3166 alpha-2)')
    .option('--billing-address-line2 <line>', 'billing address line 2')
    .option('--billing-address-state <state>', 'billing address state')
    .option('--billing-address-region <region>', 'billing address region')
    .option('--billing-address-postal-code <code>', 'billing address postal code')
    .option('--contact-phone-number <phone>', 'billing contact phone number')
    .option('--organization-registration-number <n>', 'required for AM, AZ, BY, HU, KZ, KG, MD, RU, TJ, UZ, UA')
    .option('--culture <culture>', 'culture', 'en-US')
    .option('--language <language>', 'two-letter language', 'en')
    .action(
      action(async ({ out, globals }, opts: NewCustomerOptions) => {
        const c = await (await connect(globals, out)).customers.create({
          billingProfile: {
            email: opts.contactEmail,
            culture: opts.culture,
            language: opts.language,
            companyName: opts.name,
            defaultAddress: {
              firstName: opts.contactFirstName,
              lastName: opts.contactLastName,
              addressLine1: opts.billingAddressLine1,
              addressLine2: opts.billingAddressLine2,
              region: opts.billingAddressRegion,
              city: opts.billingAddressCity,
              state: opts.billingAddressState,
              postalCode: opts.billingAddressPostalCode,
              country: opts.billingAddressCountry,
              phoneNumber: opts.contactPhoneNumber,
            },
          },
          companyProfile: { domain: opts.domain, organizationRegistrationNumber: opts.organizationRegistrationNumber },
        });
        out.result(c, () =>
          renderFields([
            ['id', c.id],
            ['company', c.companyProfile.companyName],
            ['domain', c.companyProfile.domain],
            ['admin user', c.userCredentials.userName],
            ['admin password', c.userCredentials.password],
          ]),
        );
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

interface NewCustomerOptions {
  name: string;
  domain: string;
  contactEmail: string;
  contactFirstName: string;
  contactLastName: string;
  contactPhoneNumber?: string;
  billingAddressLine1: string;
  billingAddressLine2?: string;
  billingAddressRegion?: string;
  billingAddressCity: string;
  billingAddressState?: string;
  billingAddressPostalCode?: string;
  billingAddressCountry: string;
  organizationRegistrationNumber?: string;
  culture: string;
  language: string;
}

/** `pcx domain check`: whether a customer domain is free (Test-PartnerDomainAvailability). */
export function registerDomainCommands(program: Command, { action, connect }: Context): void {
  const domain = program.command('domain').description('customer domains (Test-PartnerDomainAvailability)');
  domain
    .command('check')
    .description('say whether a domain is available for a new customer')
    .requiredOption('--domain <domain>', 'domain, or a prefix for {prefix}.onmicrosoft.com')
    .action(
      action(async ({ out, globals }, opts: { domain: string }) => {
        const taken = await (await connect(globals, out)).domains.byDomain(opts.domain).exists();
        out.result({ domain: opts.domain, available: !taken }, () => `${opts.domain}: ${taken ? 'taken' : 'available'}\n`);
      }),
    );
}

const customerColumns = [
  { header: 'id', value: (c: Customer) => c.id },
  { header: 'company', value: (c: Customer) => c.companyProfile.companyName },
  { header: 'domain', value: (c: Customer) => c.companyProfile.domain },
  { header: 'country', value: (c: Customer) => c.companyProfile.address.country },
];
