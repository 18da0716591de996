/** `pcx product`: the catalog of a country, products with their SKUs and availabilities (the server's `modules/catalog`). */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { renderFields, renderTable } from '../output.js';

export function registerProductCommands(program: Command, { action, connect }: Context): void {
  const product = program.command('product').description('the catalog (Get-PartnerProduct)');
  product
    .command('list')
    .description("list a country's products")
    .option('--country <code>', 'ISO 3166 two-letter country code', 'US')
    .option('--target-view <view>', 'Azure, OnlineServices, Software…')
    .action(
      action(async ({ out, globals }, opts: { country: string; targetView?: string }) => {
        const list = await (await connect(globals, out)).products.byCountry(opts.country).get({ targetView: opts.targetView });
        out.result(list, () =>
          renderTable(list.items, [
            { header: 'id', value: (p) => p.id },
            { header: 'type', value: (p) => p.productType.id },
            { header: 'publisher', value: (p) => p.publisherName },
            { header: 'title', value: (p) => p.title },
          ]),
        );
      }),
    );
  product
    .command('get')
    .description('show a product with its SKUs and availabilities: the catalogItemId of each is what a cart line orders')
    .requiredOption('--product-id <id>', 'product id')
    .option('--country <code>', 'ISO 3166 two-letter country code', 'US')
    .action(
      action(async ({ out, globals }, opts: { productId: string; country: string }) => {
        const p = (await connect(globals, out)).products.byCountry(opts.country).byId(opts.productId);
        const [prod, skus] = await Promise.all([p.get(), p.skus.get()]);
        const skuDetails = await Promise.all(
          skus.items.map(async (sku) => ({ ...sku, availabilities: (await p.skus.byId(sku.id).availabilities.get()).items })),
        );
        const rows = skuDetails.flatMap((s) => s.availabilities.map((a) => ({ s, a })));
        out.result({ ...prod, skus: skuDetails }, () =>
          renderFields([
            ['id', prod.id],
            ['title', prod.title],
            ['type', prod.productType.id],
            ['publisher', prod.publisherName],
          ]) +
          '\n' +
          renderTable(rows, [
            { header: 'catalogItemId', value: (r) => r.a.catalogItemId },
            { header: 'sku', value: (r) => r.s.title },
            { header: 'billing cycles', value: (r) => r.s.supportedBillingCycles },
            { header: 'terms', value: (r) => r.a.terms.map((t) => t.duration) },
            { header: 'purchasable', value: (r) => r.a.isPurchasable },
          ]),
        );
      }),
    );
}
