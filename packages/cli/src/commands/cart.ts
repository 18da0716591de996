/**
 * `pcx cart`: a customer's carts, created, read, replaced and checked out, with `--wait` following
 * provisioning (the server's `modules/carts`).
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { PartnerCenterError, type Cart, type CartCheckoutResult, type OrderLineItemProvisioningStatus } from '@partner-commerce/sdk';
import { readCartInput } from '../cart-input.js';
import type { Context } from '../context.js';
import { ExitCode, report } from '../errors.js';
import { renderFields, renderTable, type Output } from '../output.js';
import { followProvisioning } from '../wait.js';
import { orderColumns } from './order.js';

export function registerCartCommands(program: Command, { io, action, connect, replayed }: Context): void {
  const cart = program.command('cart').description("a customer's carts (New-/Get-/Set-/Submit-PartnerCustomerCart)");
  const cartLines = (cmd: Command) =>
    cmd
      .option('--file <path>', 'JSON cart ({"lineItems": [...]}) or array of lines; - reads stdin')
      .option('--item <spec...>', 'a line: <catalogItemId>[,quantity=N][,billingCycle=monthly][,termDuration=P1Y][,context.<key>=<value>]');
  cartLines(
    cart
      .command('new')
      .description('create a cart (New-PartnerCustomerCart)')
      .requiredOption('--customer-id <id>', 'customer id'),
  ).action(
    action(async ({ out, globals }, opts: { customerId: string; file?: string; item?: string[] }) => {
      const body = await readCartInput(opts, io.readStdin);
      const created = await (await connect(globals, out)).customers.byId(opts.customerId).carts.create(body);
      return printCart(created, out, opts.customerId, 'created');
    }),
  );
  cart
    .command('get')
    .description('show a cart (Get-PartnerCustomerCart)')
    .requiredOption('--customer-id <id>', 'customer id')
    .requiredOption('--cart-id <id>', 'cart id')
    .action(
      action(async ({ out, globals }, opts: { customerId: string; cartId: string }) => {
        return printCart(await (await connect(globals, out)).customers.byId(opts.customerId).carts.byId(opts.cartId).get(), out, opts.customerId);
      }),
    );
  cartLines(
    cart
      .command('set')
      .description("replace an active cart's lines (Set-PartnerCustomerCart)")
      .requiredOption('--customer-id <id>', 'customer id')
      .requiredOption('--cart-id <id>', 'cart id'),
  ).action(
    action(async ({ out, globals }, opts: { customerId: string; cartId: string; file?: string; item?: string[] }) => {
      const body = await readCartInput(opts, io.readStdin);
      return printCart(await (await connect(globals, out)).customers.byId(opts.customerId).carts.byId(opts.cartId).put(body), out, opts.customerId, 'saved');
    }),
  );
  cart
    .command('submit')
    .description('check a cart out into orders (Submit-PartnerCustomerCart); --wait follows provisioning')
    .requiredOption('--customer-id <id>', 'customer id')
    .requiredOption('--cart-id <id>', 'cart id')
    .option('--wait', 'wait until every order is provisioned, showing progress')
    .option('--interval <ms>', 'with --wait: milliseconds between polls', positiveInt, 2000)
    .option('--timeout <seconds>', 'with --wait: give up after this long (exit 6)', positiveInt, 600)
    .option('--request-id <id>', 'MS-RequestId to use: resend a submit whose outcome you did not see')
    .option('--customer-user-upn <upn>', 'customer user to assign licences to')
    .action(
      action(
        async (
          { out, globals },
          opts: { customerId: string; cartId: string; wait?: boolean; interval: number; timeout: number; requestId?: string; customerUserUpn?: string },
        ) => {
          const partner = await connect(globals, out);
          const customer = partner.customers.byId(opts.customerId);
          const cartOps = customer.carts.byId(opts.cartId);
          // The cart before: an Ordered one answers its original result; its lines name what an error is about.
          const before = await cartOps.get();
          const requestId = opts.requestId ?? randomUUID();
          let result: CartCheckoutResult;
          try {
            result = await cartOps.checkout({ requestId, customerUserUpn: opts.customerUserUpn });
          } catch (err) {
            if (!(err instanceof PartnerCenterError) || err.code !== CART_ITEM_ERRORS) throw err;
            const code = report(err, out);
            printLineErrors(lineErrorsOf(err, before), out);
            out.info(`fix them with \`pcx cart set --customer-id ${opts.customerId} --cart-id ${before.id} …\`, then submit again.`);
            return code;
          }
          const replay = replayed.has(requestId)
            ? `the service has already done this checkout (MS-RequestId ${requestId}) and replayed its original result`
            : before.status === 'Ordered'
              ? `cart ${before.id} was already checked out (${before.lastModifiedTimestamp}): this is its original result`
              : undefined;
          if (replay) {
            // The stored result says what the orders were then; show what they are now.
            result = { ...result, orders: await Promise.all(result.orders.map((o) => customer.orders.byId(o.id).get())) };
            out.info(`note: ${replay}; order statuses are as of now.`);
          }
          if (!opts.wait) {
            printCheckout(result, out);
            return result.orderErrors.length ? ExitCode.ProvisioningFailed : ExitCode.Ok;
          }
          const { progress, timedOut } = await followProvisioning(partner, opts.customerId, result.orders, out, {
            intervalMs: opts.interval,
            timeoutMs: opts.timeout * 1000,
          });
          const final: CartCheckoutResult = { ...result, orders: progress.map((p) => p.order) };
          printCheckout(final, out);
          if (timedOut) {
            out.info(`timed out after ${opts.timeout}s: ${progress.filter((p) => p.order.status === 'pending').length} order(s) still pending.`);
            return ExitCode.WaitTimedOut;
          }
          const failed = progress.filter((p) => p.order.status === 'cancelled' || p.unfulfilled > 0);
          for (const p of failed) {
            for (const line of p.lines ?? []) {
              const error = (line as OrderLineItemProvisioningStatus & { error?: { code: number; description: string } }).error;
              if (line.status.toLowerCase() === 'unfulfilled') out.info(`order ${p.order.id} line ${line.lineItemNumber}: unfulfilled${error ? ` (${error.code}: ${error.description})` : ''}`);
            }
          }
          if (failed.length || result.orderErrors.length) return ExitCode.ProvisioningFailed;
          out.progress.note(`all ${progress.length} order(s) completed.`);
        },
      ),
    );
}

/** A commander option parser for a positive integer. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('not a positive integer.');
  return n;
}

/** Partner Center's 800009: checkout refused because cart lines have errors. */
const CART_ITEM_ERRORS = 800009;

interface LineError {
  line: string;
  catalogItemId: string | undefined;
  error: { errorCode: number; errorDescription: string };
}

/** The lines of a cart that have errors, add-ons included (`0/addon 1`). */
function cartLineErrors(c: Cart): LineError[] {
  return c.lineItems.flatMap((l) => [
    ...(l.error ? [{ line: String(l.id), catalogItemId: l.catalogItemId, error: l.error }] : []),
    ...(l.addonItems ?? []).filter((a) => a.error).map((a) => ({ line: `${l.id}/addon ${a.id}`, catalogItemId: a.catalogItemId, error: a.error! })),
  ]);
}

/** The reasons of an 800009 (`data: [{lineItemId, error}]`), with each line's catalog item from the cart. */
function lineErrorsOf(err: PartnerCenterError, cart: Cart): LineError[] {
  const reasons = (err.data as { lineItemId?: number; error?: LineError['error'] }[]).filter((d) => d && d.error);
  if (!reasons.length) return cartLineErrors(cart);
  return reasons.map((d) => ({ line: String(d.lineItemId), catalogItemId: cart.lineItems.find((l) => l.id === d.lineItemId)?.catalogItemId, error: d.error! }));
}

function printLineErrors(errors: LineError[], out: Output): void {
  for (const e of errors) {
    out.info(`  line ${e.line}${e.catalogItemId ? ` (${e.catalogItemId})` : ''}: ${e.error.errorCode} ${e.error.errorDescription}`);
  }
}

/**
 * Prints a cart; when `saved` (created or updated) and lines have errors, says which and why on stderr
 * and answers exit 7: the cart exists (its id is printed) but cannot be checked out until fixed.
 */
function printCart(c: Cart, out: Output, customerId: string, saved?: 'created' | 'saved'): number {
  out.result(c, () =>
    renderFields([
      ['id', c.id],
      ['status', c.status],
      ['expires', c.expirationTimestamp],
    ]) +
    '\n' +
    renderTable(c.lineItems, [
      { header: 'id', value: (l) => l.id },
      { header: 'catalogItemId', value: (l) => l.catalogItemId },
      { header: 'qty', value: (l) => l.quantity },
      { header: 'billing', value: (l) => l.billingCycle },
      { header: 'term', value: (l) => l.termDuration },
      { header: 'group', value: (l) => l.orderGroup },
      { header: 'error', value: (l) => (l.error ? `${l.error.errorCode}: ${l.error.errorDescription}` : '') },
    ]),
  );
  const errors = cartLineErrors(c);
  if (!errors.length) return ExitCode.Ok;
  const what = saved ? `cart ${c.id} was ${saved}, but` : `warning: cart ${c.id}:`;
  out.info(`${what} ${errors.length} line(s) have errors and cannot be checked out:`);
  printLineErrors(errors, out);
  out.info(`fix them with \`pcx cart set --customer-id ${customerId} --cart-id ${c.id} …\` (every line of the cart, the fixed ones too).`);
  return saved ? ExitCode.CartLineErrors : ExitCode.Ok;
}

function printCheckout(result: CartCheckoutResult, out: Output): void {
  out.result(result, () => {
    let text = renderTable(result.orders, orderColumns);
    if (result.orderErrors.length) {
      text +=
        '\norder errors:\n' +
        renderTable(result.orderErrors, [
          { header: 'group', value: (e) => e.orderGroupId },
          { header: 'code', value: (e) => e.code },
          { header: 'description', value: (e) => e.description },
        ]);
    }
    return text;
  });
}
