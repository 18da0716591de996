/**
 * `pcx` spawned as a process for a partner's onboarding and what it polls after a purchase: `domain
 * check` (Test-PartnerDomainAvailability), `customer new` (New-PartnerCustomer) and `customer list`
 * across the service's pages, the subscription reads (`status`, `addons`, `registration`, `register`),
 * an order line's `activation-link`, and `sandbox clock get|advance 8d`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, newPartner, startApp, type Partner, type TestContext } from '../../server/test/helpers.js';
import { listen } from '../../sdk/test/support.js';
import { json, pcx, type PcxResult } from './support.js';

let ctx: TestContext;
let baseUrl: string;
let dir: string;
let p: Partner;
let env: Record<string, string>;
before(async () => {
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '60', PC_WORKER: 'false' });
  baseUrl = await listen(ctx);
  dir = await mkdtemp(join(tmpdir(), 'pcx-onboarding-'));
  p = await newPartner(ctx.app);
  env = { PCX_CONFIG: join(dir, 'config.json') };
  ok(await pcx(['login', '--base-url', baseUrl, '--client-id', p.clientId], { ...env, PCX_CLIENT_SECRET: p.clientSecret }));
});
after(async () => {
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

const ok = (r: PcxResult) => assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n--- stderr ---\n${r.stderr}`);

describe('pcx onboarding', () => {
  const prefix = `newcustomer${Date.now().toString(36)}`;
  const domain = `${prefix}.onmicrosoft.com`;
  const newArgs = (d: string) => [
    'customer', 'new', '--name', 'New Customer', '--domain', d,
    '--contact-email', 'jdoe@customer.com', '--contact-first-name', 'Jane', '--contact-last-name', 'Doe',
    '--billing-address-line1', '1 Microsoft Way', '--billing-address-city', 'Redmond', '--billing-address-state', 'WA',
    '--billing-address-postal-code', '98052', '--billing-address-country', 'US',
  ];

  test('domain check says available, customer new (the New-PartnerCustomer example) creates it, then taken', async () => {
    const free = await pcx(['domain', 'check', '--domain', domain], env);
    ok(free);
    assert.equal(free.stdout, `${domain}: available\n`);
    const created = await pcx(['-o', 'json', ...newArgs(domain)], env);
    ok(created);
    const c = json<{ id: string; companyProfile: { domain: string }; userCredentials: { userName: string; password: string } }>(created);
    assert.equal(c.companyProfile.domain, domain);
    assert.ok(c.userCredentials.password);
    const table = await pcx(newArgs(`${prefix}b`), env);
    ok(table);
    assert.match(table.stdout, /^admin password:\s+\S+$/m);
    assert.match(table.stdout, new RegExp(`^domain:\\s+${prefix}b\\.onmicrosoft\\.com$`, 'm'));
    const taken = await pcx(['-o', 'json', 'domain', 'check', '--domain', domain], env);
    ok(taken);
    assert.deepEqual(json(taken), { domain, available: false });
    const again = await pcx(newArgs(domain), env);
    assert.equal(again.code, 1, 'a taken domain is an API error');
    assert.match(again.stderr, /error 800002: The domain .* is already in use/);
  });

  test('customer list follows every page (--size 1)', async () => {
    const all = await pcx(['-o', 'json', 'customer', 'list'], env);
    const paged = await pcx(['-o', 'json', 'customer', 'list', '--size', '1'], env);
    ok(all);
    ok(paged);
    const ids = (r: PcxResult) => json<{ totalCount: number; items: { id: string }[] }>(r).items.map((c) => c.id);
    assert.equal(ids(all).length, 3);
    assert.deepEqual(ids(paged), ids(all));
    assert.equal(json<{ totalCount: number }>(paged).totalCount, 3);
    assert.equal((await pcx(['customer', 'list', '--size', '0'], env)).code, 2, '--size must be positive');
  });

  test('customer list --domain / --company-name (Get-PartnerCustomer -Domain): only those starting with the prefix, across pages', async () => {
    const byDomain = await pcx(['-o', 'json', 'customer', 'list', '--domain', prefix.toUpperCase(), '--size', '1'], env);
    ok(byDomain);
    const domains = json<{ totalCount: number; items: { companyProfile: { domain: string } }[] }>(byDomain).items.map((c) => c.companyProfile.domain);
    assert.deepEqual(domains, [domain, `${prefix}b.onmicrosoft.com`]);
    const byName = await pcx(['-o', 'json', 'customer', 'list', '--company-name', 'new cust'], env);
    ok(byName);
    assert.equal(json<{ totalCount: number }>(byName).totalCount, 2);
    const none = await pcx(['customer', 'list', '--company-name', 'nobody'], env);
    ok(none);
    assert.equal((await pcx(['customer', 'list', '--domain', 'a', '--company-name', 'b'], env)).code, 2, 'one filter at a time');
  });
});

describe('pcx reads after a purchase, and the sandbox clock', () => {
  let saas: { orderId: string; line: number; subscriptionId: string };
  before(async () => {
    const c = p.customers[0];
    const res = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { token: p.appToken });
    assert.equal(res.statusCode, 201, res.body);
    for (const o of res.json().orders as { id: string; lineItems: { lineItemNumber: number; offerId: string }[] }[]) {
      const l = o.lineItems.find((x) => x.offerId.startsWith('DZH318Z0BXWC'));
      if (l) saas = { orderId: o.id, line: l.lineItemNumber, subscriptionId: '' };
    }
    assert.ok(saas);
  });

  test('sandbox clock get, advance 8d (provisioning falls due on the way), --to, and bad durations', async () => {
    const before = await pcx(['sandbox', 'clock', 'get'], env);
    ok(before);
    assert.match(before.stdout, /^ahead by:\s+0 \(real time\)$/m);
    const moved = await pcx(['-o', 'json', 'sandbox', 'clock', 'advance', '8d'], env);
    ok(moved);
    const state = json<{ now: string; offsetSeconds: number }>(moved);
    assert.ok(Math.abs(state.offsetSeconds - 8 * 86400) < 60, String(state.offsetSeconds));
    const table = await pcx(['sandbox', 'clock', 'advance', 'PT12H'], env);
    ok(table);
    // The offset is the clock's lead over real time when the advance ended: settling what fell due on the
    // way takes real time, so under load the lead can be a second or so short of the 8d 12h asked for.
    assert.match(table.stdout, /^ahead by:\s+8d (12h|11h 59m)/m);
    const to = new Date(Date.parse(state.now) + 86400_000 * 2).toISOString();
    ok(await pcx(['sandbox', 'clock', 'advance', '--to', to], env));
    assert.equal((await pcx(['sandbox', 'clock', 'advance', '8 days'], env)).code, 2);
    assert.equal((await pcx(['sandbox', 'clock', 'advance'], env)).code, 2);
    const back = await pcx(['sandbox', 'clock', 'advance', '--to', '2000-01-01T00:00:00Z'], env);
    assert.equal(back.code, 1);
    assert.match(back.stderr, /never moves back/);
  });

  test('order activation-link, subscription status and addons of the provisioned SaaS line', async () => {
    const c = p.customers[0];
    const link = await pcx(['-o', 'json', 'order', 'activation-link', '--customer-id', c.id, '--order-id', saas.orderId, '--line-item-number', String(saas.line)], env);
    ok(link);
    assert.match(json<{ items: { link: { uri: string } }[] }>(link).items[0].link.uri, /^https:\/\//);
    const order = await call(ctx.app, 'GET', `/v1/customers/${c.id}/orders/${saas.orderId}`, { token: p.appToken });
    const subscriptionId = order.json().lineItems[saas.line].subscriptionId;
    const status = await pcx(['subscription', 'status', '--customer-id', c.id, '--subscription-id', subscriptionId], env);
    ok(status);
    assert.match(status.stdout, /^status:\s+success$/m);
    const addons = await pcx(['-o', 'json', 'subscription', 'addons', '--customer-id', c.id, '--subscription-id', subscriptionId], env);
    ok(addons);
    assert.equal(json<{ totalCount: number }>(addons).totalCount, 0);
  });

  test('order new (New-PartnerCustomerOrder) and order cancel', async () => {
    const c = p.customers[0];
    const legacy = await pcx(['-o', 'json', 'order', 'new', '--customer-id', c.id, '--item', '031C9E47-4802-4248-838E-778FB1D2CC05,quantity=2,friendlyName=Sales'], env);
    ok(legacy);
    const order = json<{ id: string; status: string; lineItems: { quantity: number; friendlyName: string }[] }>(legacy);
    assert.equal(order.status, 'completed');
    assert.equal(order.lineItems[0].quantity, 2);
    assert.equal(order.lineItems[0].friendlyName, 'Sales');
    const refused = await pcx(['order', 'cancel', '--customer-id', c.id, '--order-id', order.id], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /error 800061: .*only software purchases can/);
    const software = await pcx(
      ['-o', 'json', 'order', 'new', '--customer-id', c.id, '--billing-cycle', 'one_time', '--item', 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', '--item', 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M'],
      env,
    );
    ok(software);
    const id = json<{ id: string }>(software).id;
    const partly = await pcx(['-o', 'json', 'order', 'cancel', '--customer-id', c.id, '--order-id', id, '--line-item-number', '0'], env);
    ok(partly);
    assert.deepEqual(json<{ lineItems: { quantity: number }[] }>(partly).lineItems.map((l) => l.quantity), [0, 1]);
    const all = await pcx(['order', 'cancel', '--customer-id', c.id, '--order-id', id], env);
    ok(all);
    assert.match(all.stdout, /cancelled/);
    assert.equal((await pcx(['order', 'new', '--customer-id', c.id, '--item', 'X,billingCycle=annual'], env)).code, 2);
  });

  test('subscription registration and register for the Azure subscription', async () => {
    const c = p.customers[0];
    // A new Azure plan: the sandbox customer's own comes registered (the doc's example cart buys reservations for it).
    const plan = await pcx(['-o', 'json', 'order', 'new', '--customer-id', c.id, '--item', 'MS-AZR-0145P'], env);
    ok(plan);
    const azureId = json<{ lineItems: { subscriptionId: string }[] }>(plan).lineItems[0].subscriptionId;
    const args = ['--customer-id', c.id, '--subscription-id', azureId];
    const before = await pcx(['subscription', 'registration', ...args], env);
    ok(before);
    assert.match(before.stdout, /^status:\s+NotRegistered$/m);
    const registered = await pcx(['subscription', 'register', ...args], env);
    ok(registered);
    assert.match(registered.stdout, new RegExp(`status at /customers/${c.id}/subscriptions/${azureId}/registrationstatus`));
    assert.match((await pcx(['subscription', 'registration', ...args], env)).stdout, /^status:\s+Registered$/m);
  });

  test('subscription eligibilities, transition and transitions: Business Basic → Standard', async () => {
    const c = p.customers[0];
    const cart = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts`, {
      token: p.appToken,
      body: { lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 3, billingCycle: 'monthly', termDuration: 'P1Y' }] },
    });
    const out = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${cart.json().id}/checkout`, { token: p.appToken });
    assert.equal(out.statusCode, 201, out.body);
    ok(await pcx(['sandbox', 'clock', 'advance', '2m'], env));
    const args = ['--customer-id', c.id, '--subscription-id', out.json().orders[0].lineItems[0].subscriptionId];
    const elig = await pcx(['subscription', 'eligibilities', ...args], env);
    ok(elig);
    assert.match(elig.stdout, /CFQ7TTC0LDPB:0001:CFQ7TTC0LDPM\s+Microsoft 365 Business Standard\s+true/);
    const moved = await pcx(['-o', 'json', 'subscription', 'transition', ...args, '--to', 'CFQ7TTC0LDPB:0001:CFQ7TTC0LDPM', '--quantity', '1'], env);
    ok(moved);
    assert.equal(json<{ quantity: number }>(moved).quantity, 1);
    const list = await pcx(['subscription', 'transitions', ...args], env);
    ok(list);
    assert.match(list.stdout, /transition_with_license_transfer/);
    const refused = await pcx(['subscription', 'transition', ...args, '--to', 'CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF', '--quantity', '1'], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /error 800093/);
    assert.equal((await pcx(['subscription', 'eligibilities', ...args, '--type', 'later'], env)).code, 2);
  });
});
