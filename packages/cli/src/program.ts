/**
 * The `pcx` commands, named after the Partner Center PowerShell cmdlets' verbs and nouns
 * (`pcx cart submit` is `Submit-PartnerCustomerCart -CustomerId -CartId`), on the SDK.
 */
import { randomUUID } from 'node:crypto';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  createPartnerOperations,
  PartnerCenterError,
  type Cart,
  type CartCheckoutResult,
  type Customer,
  type Order,
  type OrderLineItemProvisioningStatus,
  type PartnerOperations,
  type Subscription,
  type TransportEvent,
} from '@partner-commerce/sdk';
import { readCartInput } from './cart-input.js';
import { configPath, deleteConfig, readConfig, writeConfig, type PcxConfig } from './config.js';
import { ExitCode, NotSignedInError, UsageError, report, type Service } from './errors.js';
import { Output, renderFields, renderTable, type OutputFormat, type Writer } from './output.js';
import { describeRetry, Progress, progressMode, type ProgressStream } from './progress.js';
import { followProvisioning } from './wait.js';

/** The sandbox's documented defaults (README): its URL and its demo partner's user. */
export const SANDBOX = {
  baseUrl: 'http://127.0.0.1:8080',
  username: 'admin@demo-partner.onmicrosoft.com',
  password: 'sandbox-password',
};

export interface Io {
  stdout: Writer;
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
  readStdin: () => Promise<string>;
}

interface GlobalOptions {
  output: OutputFormat;
  config?: string;
  verbose?: boolean;
  quiet?: boolean;
}

/** What one run of `pcx` learns as it goes: what it prints with, and which service it called. */
interface RunState {
  out: Output;
  exit: number;
  service?: Service;
}

/** Runs `pcx` with `argv` (as process.argv: node, script, args…); resolves with the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const state: RunState = { out: new Output(io.env.PCX_OUTPUT === 'json' ? 'json' : 'table', io.stdout, io.stderr), exit: ExitCode.Ok };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    return report(err, state.out, state.service);
  } finally {
    state.out.progress.clear();
  }
  return state.exit;
}

function buildProgram(io: Io, state: RunState): Command {
  const program = new Command('pcx')
    .description('Partner Center commerce from the shell: customers, catalog, carts, checkout, orders.')
    .version('0.1.0')
    .addOption(
      new Option('-o, --output <format>', 'json for scripts, table for people')
        .choices(['json', 'table'])
        .default(io.env.PCX_OUTPUT === 'json' ? 'json' : 'table'),
    )
    .option('--config <path>', 'config file (default: $PCX_CONFIG or ~/.config/pcx/config.json)')
    .option('-v, --verbose', 'print each HTTP attempt and retry on stderr')
    .option('-q, --quiet', 'no progress on stderr while waiting (errors and warnings still print)')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  /** Wraps an action: global options, the Output, and the client when `signedIn`. */
  const action = <A extends unknown[]>(fn: (ctx: { out: Output; globals: GlobalOptions; cmd: Command }, ...args: A) => Promise<number | void>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const progress = new Progress(progressMode(io.stderr, { quiet: globals.quiet, env: io.env }), io.stderr);
      const out = new Output(globals.output, io.stdout, io.stderr, progress);
      state.out = out;
      const code = await fn({ out, globals, cmd }, ...(args.slice(0, -1) as A));
      state.exit = code ?? ExitCode.Ok;
    };

  /** The SDK client of the signed-in partner; the token it acquires is saved back to the config. */
  const connect = async (globals: GlobalOptions, out: Output): Promise<PartnerOperations> => {
    const path = configPath(io.env, globals.config);
    const config = await readConfig(path);
    if (!config) throw new NotSignedInError(`not signed in (no ${path}): run \`pcx login --sandbox\` or \`pcx login --client-id … --client-secret …\`.`);
    return client(config, path, globals, out);
  };

  const client = (config: PcxConfig, path: string, globals: GlobalOptions, out: Output) => {
    const partner = createPartnerOperations({
      baseUrl: config.baseUrl,
      cloud: config.cloud,
      credentials: config.credentials,
      tokenCache: {
        get: () => config.token,
        set: async (token) => {
          config.token = token;
          await writeConfig(path, config);
        },
      },
      onEvent: (e) => {
        if (globals.verbose) out.info(describeEvent(e));
        if (e.type === 'retry' && e.delayMs > 0) out.progress.countdown(e.delayMs, (left) => describeRetry(e, left));
        else if (e.type === 'response' && e.attempt > 1) out.progress.clear();
        if (e.type === 'response' && e.replayed) replayed.add(e.requestId);
      },
    });
    state.service = { baseUrl: partner.baseUrl, cloud: partner.cloud?.name };
    return partner;
  };
  /** MS-RequestIds the service answered from its replay store (`Idempotent-Replayed: true`). */
  const replayed = new Set<string>();

  // -------------------------------------------------------------------------------------------
  program
    .command('login')
    .description('sign in and remember it: the local sandbox (--sandbox), or a cloud with app or user credentials')
    .option('--sandbox', `the local service at ${SANDBOX.baseUrl} (or --base-url) as its demo partner's user, unless other credentials are given`)
    .option('--base-url <url>', 'API base URL of a partner-commerce service (its tokens come from <url>/oauth2/token)')
    .addOption(new Option('--cloud <name>', 'Partner Center cloud').choices(['global', 'china', '21vianet', 'germany', 'usgov']))
    .option('--tenant <tenant>', "the partner's tenant id or domain (signing in to a cloud)")
    .option('--client-id <id>', 'application (client) id')
    .addOption(new Option('--client-secret <secret>', 'application secret: app-only sign-in').env('PCX_CLIENT_SECRET'))
    .option('--username <upn>', 'user name: app+user sign-in')
    .addOption(new Option('--password <password>', "the user's password").env('PCX_PASSWORD'))
    .action(
      action(async ({ out, globals }, opts: Record<string, string | boolean | undefined>) => {
        const str = (k: string) => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
        let baseUrl = str('baseUrl');
        const cloud = str('cloud');
        if (opts.sandbox) baseUrl ??= io.env.PCX_BASE_URL ?? SANDBOX.baseUrl;
        if (!baseUrl && !cloud) throw new UsageError('say where to sign in: --sandbox, --base-url <url> or --cloud <name>.');
        let credentials: PcxConfig['credentials'];
        if (str('clientSecret')) {
          if (!str('clientId')) throw new UsageError('--client-secret needs --client-id.');
          credentials = { clientId: str('clientId')!, clientSecret: str('clientSecret')!, tenant: str('tenant') };
        } else if (str('username') || opts.sandbox) {
          const username = str('username') ?? SANDBOX.username;
          const password = str('password') ?? (str('username') ? undefined : SANDBOX.password);
          if (!password) throw new UsageError('--username needs --password (or $PCX_PASSWORD).');
          credentials = { username, password, clientId: str('clientId'), tenant: str('tenant') };
        } else {
          throw new UsageError('give --client-id and --client-secret (app-only), or --username and --password (app+user).');
        }
        const config: PcxConfig = { baseUrl, cloud: baseUrl ? undefined : cloud, credentials };
        const path = configPath(io.env, globals.config);
        const partner = client(config, path, globals, out);
        await partner.getAccessToken({ forceRefresh: true }); // proves the credentials; the cache saves the config
        const who = 'clientSecret' in credentials ? `app ${credentials.clientId}` : `user ${credentials.username}`;
        out.result({ baseUrl: partner.baseUrl, cloud: partner.cloud?.name ?? null, signedInAs: who, config: path }, () =>
          `signed in to ${partner.baseUrl} as ${who}\nconfig: ${path}\n`,
        );
      }),
    );

  program
    .command('logout')
    .description('forget the saved credentials and token')
    .action(
      action(async ({ out, globals }) => {
        const path = configPath(io.env, globals.config);
        const removed = await deleteConfig(path);
        out.result({ removed, config: path }, () => (removed ? `signed out (${path} removed)\n` : 'not signed in\n'));
      }),
    );

  // -------------------------------------------------------------------------------------------
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

  // -------------------------------------------------------------------------------------------
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

  // -------------------------------------------------------------------------------------------
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

  // -------------------------------------------------------------------------------------------
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

  // -------------------------------------------------------------------------------------------
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

  // -------------------------------------------------------------------------------------------
  program
    .command('serve')
    .description('run the partner-commerce service in this process (the same as `npm start`)')
    .option('--port <port>', 'listening port (0: any free port)')
    .option('--host <host>', 'listening address')
    .option('--data-dir <dir>', 'PGlite data directory (memory:// keeps nothing)')
    .option('--database-url <url>', 'PostgreSQL instead of the embedded PGlite')
    .action(
      action(async (_ctx, opts: { port?: string; host?: string; dataDir?: string; databaseUrl?: string }) => {
        if (opts.port !== undefined) process.env.PORT = opts.port;
        if (opts.host !== undefined) process.env.HOST = opts.host;
        if (opts.dataDir !== undefined) process.env.PC_DATA_DIR = opts.dataDir;
        if (opts.databaseUrl !== undefined) process.env.DATABASE_URL = opts.databaseUrl;
        // The server's own entry point: it listens, prints its URL and credentials, and exits on SIGTERM/SIGINT.
        await importServer('main');
        await new Promise(() => {}); // serve until a signal ends the process
      }),
    );

  program
    .command('worker')
    .description('run a provisioning worker in this process (the same as `npm run worker`; any number on one PostgreSQL)')
    .option('--database-url <url>', 'the PostgreSQL the API processes use')
    .action(
      action(async (_ctx, opts: { databaseUrl?: string }) => {
        if (opts.databaseUrl !== undefined) process.env.DATABASE_URL = opts.databaseUrl;
        // The worker's own entry point: it claims jobs until SIGTERM/SIGINT, then finishes its job and exits.
        await importServer('worker');
        await new Promise(() => {});
      }),
    );

  return program;
}

/** Runs an entry point of the server package, an optional peer of the CLI (`pcx serve`, `pcx worker`). */
async function importServer(entry: 'main' | 'worker'): Promise<void> {
  const specifier = `@partner-commerce/server/${entry}`; // a variable: the CLI builds without the server's types
  try {
    await import(specifier);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('@partner-commerce/server');
    if (!missing) throw err;
    throw new UsageError('this command runs the server package: `npm install @partner-commerce/server`, or start the sandbox with `npx @partner-commerce/server`');
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('not a positive integer.');
  return n;
}

const customerColumns = [
  { header: 'id', value: (c: Customer) => c.id },
  { header: 'company', value: (c: Customer) => c.companyProfile.companyName },
  { header: 'domain', value: (c: Customer) => c.companyProfile.domain },
  { header: 'country', value: (c: Customer) => c.companyProfile.address.country },
];

const orderColumns = [
  { header: 'id', value: (o: Order) => o.id },
  { header: 'created', value: (o: Order) => o.creationDate },
  { header: 'billing', value: (o: Order) => o.billingCycle },
  { header: 'status', value: (o: Order) => o.status },
  { header: 'lines', value: (o: Order) => o.lineItems.length },
  { header: 'total', value: (o: Order) => (o.totalPrice === undefined ? '' : `${o.totalPrice} ${o.currencyCode}`) },
];

const subscriptionColumns = [
  { header: 'id', value: (s: Subscription) => s.id },
  { header: 'offer', value: (s: Subscription) => s.offerName },
  { header: 'qty', value: (s: Subscription) => s.quantity },
  { header: 'status', value: (s: Subscription) => s.status },
  { header: 'billing', value: (s: Subscription) => s.billingCycle },
  { header: 'orderId', value: (s: Subscription) => s.orderId },
];

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

function describeEvent(e: TransportEvent): string {
  switch (e.type) {
    case 'request':
      return `→ ${e.method} ${e.url} (attempt ${e.attempt}, MS-RequestId ${e.requestId})`;
    case 'response':
      return `← ${e.status}${e.replayed ? ' (replayed)' : ''} in ${e.durationMs} ms`;
    case 'retry':
      return `↻ ${e.reason}: retrying in ${e.delayMs} ms`;
  }
}
