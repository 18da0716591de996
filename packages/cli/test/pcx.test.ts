/**
 * `pcx` spawned as a process doing the whole walk-through against a listening server: login,
 * customers, catalog, cart new/get/set, submit --wait (following provisioning to the end), orders,
 * and the exit codes of failures (API error, usage, not signed in, provisioning failed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newPartner, startApp, type Partner, type TestContext } from '../../server/test/helpers.js';
import { JobWorker } from '../../server/src/modules/jobs/worker.js';
import { listen } from '../../sdk/test/support.js';
import { json, pcx, type PcxResult } from './support.js';

let ctx: TestContext;
let worker: JobWorker;
let baseUrl: string;
let dir: string;
before(async () => {
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_PROVISIONING_MAX_ATTEMPTS: '2', PC_PROVISIONING_BACKOFF_MS: '20' });
  baseUrl = await listen(ctx);
  worker = new JobWorker(ctx.db, { policy: ctx.config.provisioning, pollMs: 20 });
  worker.start();
  dir = await mkdtemp(join(tmpdir(), 'pcx-test-'));
});
after(async () => {
  await worker.stop();
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

const ok = (r: PcxResult) => assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n--- stderr ---\n${r.stderr}`);

interface Collection<T> {
  totalCount: number;
  items: T[];
}
interface OrderJson {
  id: string;
  status: string;
  lineItems: { subscriptionId?: string }[];
}

describe('pcx walk-through (app+user sign-in)', () => {
  let p: Partner;
  let env: Record<string, string>;
  let customerId: string;
  let cartId: string;
  let orders: OrderJson[];

  before(async () => {
    p = await newPartner(ctx.app);
    customerId = p.customers[0].id;
    env = { PCX_CONFIG: join(dir, 'user', 'config.json') };
  });

  test('login --sandbox stores credentials and token in a 0600 config file', async () => {
    const r = await pcx(['login', '--sandbox', '--base-url', baseUrl, '--username', p.username], { ...env, PCX_PASSWORD: p.password });
    ok(r);
    assert.match(r.stdout, new RegExp(`signed in to ${baseUrl} as user ${p.username}`));
    const info = await stat(env.PCX_CONFIG);
    assert.equal(info.mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'user'))).mode & 0o777, 0o700);
  });

  test('customer list and get', async () => {
    const list = await pcx(['-o', 'json', 'customer', 'list'], env);
    ok(list);
    assert.deepEqual(json<Collection<{ id: string }>>(list).items.map((c) => c.id), [customerId]);
    const table = await pcx(['customer', 'get', '--customer-id', customerId], env);
    ok(table);
    assert.match(table.stdout, new RegExp(`^id:\\s+${customerId}$`, 'm'));
    assert.match(table.stdout, /^company:\s+\S/m);
  });

  test('product list', async () => {
    const r = await pcx(['product', 'list', '--country', 'US', '--output', 'json'], env);
    ok(r);
    assert.ok(json<Collection<{ id: string }>>(r).items.some((x) => x.id === 'CFQ7TTC0LH18'));
  });

  test('cart new from a JSON file, cart set from --item flags, cart get', async () => {
    const file = join(dir, 'cart.json');
    await writeFile(
      file,
      JSON.stringify({
        lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 5, billingCycle: 'monthly', termDuration: 'P1Y' }],
      }),
    );
    const created = await pcx(['-o', 'json', 'cart', 'new', '--customer-id', customerId, '--file', file], env);
    ok(created);
    const cart = json<{ id: string; status: string }>(created);
    assert.equal(cart.status, 'Active');
    cartId = cart.id;

    const set = await pcx(
      [
        'cart', 'set', '--customer-id', customerId, '--cart-id', cartId,
        '--item', 'CFQ7TTC0LH18:0001:CFQ7TTC0K971,quantity=3,billingCycle=monthly,termDuration=P1Y',
        '--item', 'DZH318Z0BXWC:0002:DZH318Z0BMRV,termDuration=P1M',
        '--item', 'DZH318Z0BQ36:004G:DZH318Z08C0S,billingCycle=one_time,termDuration=P1Y,context.scope=shared,' +
          `context.subscriptionId=${p.customers[0].azureSubscriptionId},context.duration=1Year`,
      ],
      env,
    );
    ok(set);
    assert.match(set.stdout, /CFQ7TTC0LH18:0001:CFQ7TTC0K971\s+3\s+monthly/);

    const got = await pcx(['-o', 'json', 'cart', 'get', '--customer-id', customerId, '--cart-id', cartId], env);
    ok(got);
    const lines = json<{ lineItems: { catalogItemId: string; quantity: number; error?: unknown }[] }>(got).lineItems;
    assert.deepEqual(lines.map((l) => [l.catalogItemId, l.quantity]), [
      ['CFQ7TTC0LH18:0001:CFQ7TTC0K971', 3],
      ['DZH318Z0BXWC:0002:DZH318Z0BMRV', 1],
      ['DZH318Z0BQ36:004G:DZH318Z08C0S', 1],
    ]);
    assert.ok(lines.every((l) => l.error === undefined), JSON.stringify(lines));
  });

  test('cart submit --wait follows provisioning with progress lines until every order is completed', async () => {
    // Hold the marketplace (SaaS) line two seconds, so that the progress shows it pending first.
    const delay = await ctx.app.inject({ method: 'PUT', url: `/sandbox/partners/${p.tenantId}/provisioning`, payload: { delaysSeconds: { OnlineServices: 2 } } });
    assert.equal(delay.statusCode, 200);
    const r = await pcx(['-o', 'json', 'cart', 'submit', '--customer-id', customerId, '--cart-id', cartId, '--wait', '--interval', '50', '--timeout', '60'], env);
    ok(r);
    const result = json<{ orders: OrderJson[]; orderErrors: unknown[] }>(r);
    orders = result.orders;
    assert.equal(orders.length, 2, 'monthly and one_time');
    assert.deepEqual(result.orderErrors, []);
    assert.ok(orders.every((o) => o.status === 'completed'));
    assert.ok(orders.every((o) => o.lineItems.every((l) => l.subscriptionId)));
    assert.match(r.stderr, /waiting for [12] pending order\(s\) to be provisioned/);
    assert.match(r.stderr, /order \S+: 0\/\d lines fulfilled \(pending\)/);
    for (const o of orders) assert.match(r.stderr, new RegExp(`order ${o.id}: (\\d)/\\1 lines fulfilled \\(completed\\)`));
    assert.match(r.stderr, /all 2 order\(s\) completed/);
  });

  test('order list, get and status', async () => {
    const list = await pcx(['-o', 'json', 'order', 'list', '--customer-id', customerId], env);
    ok(list);
    const ids = json<Collection<OrderJson>>(list).items.map((o) => o.id);
    for (const o of orders) assert.ok(ids.includes(o.id));

    const got = await pcx(['order', 'get', '--customer-id', customerId, '--order-id', orders[0].id], env);
    ok(got);
    assert.match(got.stdout, /status:\s+completed/);

    const status = await pcx(['order', 'status', '--customer-id', customerId, '--order-id', orders[0].id], env);
    ok(status);
    assert.match(status.stdout, /^LINE\s+STATUS/);
    assert.match(status.stdout, /Fulfilled/);
    assert.doesNotMatch(status.stdout, /PrefulfillmentPending/);
  });

  test('subscription set (Set-PartnerCustomerSubscription): seats, auto-renew, suspend, friendly name; refusals exit 1', async () => {
    const subscriptionId = orders.flatMap((o) => o.lineItems).find((l) => l.subscriptionId)!.subscriptionId!;
    const ids = ['--customer-id', customerId, '--subscription-id', subscriptionId];
    const more = await pcx(['-o', 'json', 'subscription', 'set', ...ids, '--quantity', '6', '--auto-renew', 'false', '--friendly-name', 'Sales team'], env);
    ok(more);
    const sub = json<{ quantity: number; autoRenewEnabled: boolean; friendlyName: string }>(more);
    assert.deepEqual([sub.quantity, sub.autoRenewEnabled, sub.friendlyName], [6, false, 'Sales team']);
    const suspended = await pcx(['subscription', 'set', ...ids, '--status', 'Suspended'], env);
    ok(suspended);
    assert.match(suspended.stdout, /suspended/);
    const refused = await pcx(['subscription', 'set', ...ids, '--quantity', '7'], env);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /error 800091/);
    for (const bad of [['--status', 'frozen'], ['--auto-renew', 'maybe'], ['--quantity', '0'], []]) {
      const r = await pcx(['subscription', 'set', ...ids, ...bad], env);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
    }
    ok(await pcx(['subscription', 'set', ...ids, '--status', 'active'], env));
  });

  test('an API error prints code, description and request id, and exits 1', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const r = await pcx(['cart', 'get', '--customer-id', customerId, '--cart-id', missing], env);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /error 800008: Unable to retrieve cart Id/);
    assert.match(r.stderr, /HTTP 404 · MS-RequestId [0-9a-f-]{36}/);

    const asJson = await pcx(['-o', 'json', 'cart', 'submit', '--customer-id', customerId, '--cart-id', missing], env);
    assert.equal(asJson.code, 1);
    const err = JSON.parse(asJson.stderr).error;
    assert.equal(err.code, 800008);
    assert.equal(err.status, 404);
    assert.match(err.requestId, /^[0-9a-f-]{36}$/);
  });

  test('usage errors exit 2; not signed in exits 3', async () => {
    const missingOption = await pcx(['cart', 'get', '--customer-id', customerId], env);
    assert.equal(missingOption.code, 2);
    assert.match(missingOption.stderr, /required option '--cart-id <id>' not specified/);
    const badFile = await pcx(['cart', 'new', '--customer-id', customerId, '--file', join(dir, 'nope.json')], env);
    assert.equal(badFile.code, 2);
    const noConfig = await pcx(['customer', 'list'], { PCX_CONFIG: join(dir, 'nobody', 'config.json') });
    assert.equal(noConfig.code, 3);
    assert.match(noConfig.stderr, /not signed in/);
  });
});

describe('pcx with app-only sign-in', () => {
  let p: Partner;
  let env: Record<string, string>;
  before(async () => {
    p = await newPartner(ctx.app);
    env = { PCX_CONFIG: join(dir, 'app', 'config.json') };
  });

  test('wrong client credentials exit 3 with the sign-in error', async () => {
    const r = await pcx(['login', '--base-url', baseUrl, '--client-id', p.clientId, '--client-secret', 'wrong'], env);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /invalid_client/);
  });

  test('submit --wait with an app-only token follows the orders themselves', async () => {
    ok(await pcx(['login', '--base-url', baseUrl, '--client-id', p.clientId], { ...env, PCX_CLIENT_SECRET: p.clientSecret }));
    const customer = p.customers[0];
    const r = await pcx(['cart', 'submit', '--customer-id', customer.id, '--cart-id', customer.cartId, '--wait', '--interval', '50'], env);
    ok(r);
    assert.match(r.stdout, /^ID\s+CREATED\s+BILLING\s+STATUS/);
    assert.equal(r.stdout.match(/completed/g)?.length, 3, r.stdout);
    assert.match(r.stderr, /order \S+: 3\/3 lines fulfilled \(completed\)/);

    const status = await pcx(['order', 'status', '--customer-id', customer.id, '--order-id', 'any'], env);
    assert.equal(status.code, 1, 'provisioning status needs app+user');
    assert.match(status.stderr, /error 2032/);
  });

  test('submit --wait exits 5 when provisioning fails for good', async () => {
    await ctx.app.inject({
      method: 'PUT',
      url: `/sandbox/partners/${p.tenantId}/provisioning/faults/DZH318Z0BXWC:0002:DZH318Z0BMRV`,
      payload: { message: 'publisher rejected the subscription' },
    });
    const customer = p.customers[0];
    const created = await pcx(['-o', 'json', 'cart', 'new', '--customer-id', customer.id, '--item', 'DZH318Z0BXWC:0002:DZH318Z0BMRV,termDuration=P1M'], env);
    ok(created);
    const cartId = json<{ id: string }>(created).id;
    const r = await pcx(['-o', 'json', 'cart', 'submit', '--customer-id', customer.id, '--cart-id', cartId, '--wait', '--interval', '50'], env);
    assert.equal(r.code, 5, r.stderr);
    assert.equal(json<{ orders: OrderJson[] }>(r).orders[0].status, 'cancelled');
  });
});

describe('pcx on carts with line errors, and on checkouts done before', () => {
  let p: Partner;
  let env: Record<string, string>;
  let customerId: string;
  let cartId: string;
  const BAD = 'NOPE:0001:NOPE';
  const GOOD = 'DZH318Z0BXWC:0002:DZH318Z0BMRV,termDuration=P1M';
  before(async () => {
    p = await newPartner(ctx.app);
    customerId = p.customers[0].id;
    env = { PCX_CONFIG: join(dir, 'errors', 'config.json') };
    ok(await pcx(['login', '--base-url', baseUrl, '--username', p.username], { ...env, PCX_PASSWORD: p.password }));
  });

  test('cart new leaving a line error: the cart is printed, each bad line on stderr, exit 7', async () => {
    const r = await pcx(['-o', 'json', 'cart', 'new', '--customer-id', customerId, '--item', GOOD, '--item', BAD], env);
    assert.equal(r.code, 7, r.stderr);
    cartId = json<{ id: string }>(r).id;
    assert.deepEqual(r.stderr.trimEnd().split('\n'), [
      `cart ${cartId} was created, but 1 line(s) have errors and cannot be checked out:`,
      `  line 1 (${BAD}): 10001 The catalog item ID ${BAD} is not valid.`,
      `fix them with \`pcx cart set --customer-id ${customerId} --cart-id ${cartId} …\` (every line of the cart, the fixed ones too).`,
    ]);
    const table = await pcx(['cart', 'get', '--customer-id', customerId, '--cart-id', cartId], env);
    ok(table); // reading a cart is no failure; the errors are still told
    assert.match(table.stderr, new RegExp(`^warning: cart ${cartId}: 1 line\\(s\\) have errors`));
  });

  test('cart submit on it: the reason of each line, exit 1', async () => {
    const r = await pcx(['cart', 'submit', '--customer-id', customerId, '--cart-id', cartId], env);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error 800009: /);
    assert.match(r.stderr, new RegExp(`^  line 1 \\(${BAD}\\): 10001 The catalog item ID ${BAD} is not valid\\.$`, 'm'));
  });

  test('a replayed checkout says so, and shows the orders as they are now', async () => {
    ok(await pcx(['cart', 'set', '--customer-id', customerId, '--cart-id', cartId, '--item', GOOD], env));
    const requestId = '7d0c5b0e-4b8e-4f43-9a55-3c1f8f5e2a11';
    const submit = ['-o', 'json', 'cart', 'submit', '--customer-id', customerId, '--cart-id', cartId];
    const first = await pcx([...submit, '--request-id', requestId], env);
    ok(first);
    assert.equal(first.stderr, '', 'a first checkout is no replay');
    assert.deepEqual(json<{ orders: OrderJson[] }>(first).orders.map((o) => o.status), ['pending']);

    const again = await pcx([...submit, '--request-id', requestId, '--wait', '--interval', '50'], env);
    ok(again);
    assert.match(again.stderr, new RegExp(`^note: the service has already done this checkout \\(MS-RequestId ${requestId}\\) and replayed its original result; order statuses are as of now\\.$`, 'm'));

    const later = await pcx(submit, env);
    ok(later);
    assert.match(later.stderr, new RegExp(`^note: cart ${cartId} was already checked out \\(\\S+\\): this is its original result; order statuses are as of now\\.$`, 'm'));
    const orders = json<{ orders: OrderJson[] }>(later).orders;
    assert.deepEqual(orders.map((o) => o.id), json<{ orders: OrderJson[] }>(first).orders.map((o) => o.id), 'the same orders');
    assert.deepEqual(orders.map((o) => o.status), ['completed'], 'as they are now, not as the stored result has them');
  });
});
