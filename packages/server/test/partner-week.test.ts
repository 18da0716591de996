/**
 * Issue 15's acceptance test: a partner's week, end to end, driven three ways — our SDK, `pcx` (the
 * verbs named after the PowerShell cmdlets) and a client sending exactly what Microsoft's Java SDK
 * sends (reference §10: its headers, camelCase bodies, the whole subscription read back as a PATCH,
 * `"success"` as the checkout and registration body). Each driver onboards a customer (POST
 * /v1/customers), buys an Azure plan and registers it, buys licences and a reservation in one cart,
 * adds seats, reduces seats inside the 7-day window and is refused after it, suspends and reactivates,
 * cancels inside the window, lets the partner's clock reach the term's end with and without auto-renew
 * (renewed / expired), and upgrades Business Basic → Standard.
 *
 * On PostgreSQL it runs against two real API processes and a worker process on one database, every
 * driver alternating its calls between the two API processes; on PGlite (one process by nature) against
 * one listening app with its in-process worker.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../src/db/database.js';
import { checkConsistency } from '../src/consistency.js';
import { engine, startApp, type TestContext } from './helpers.js';
import { startServer, startWorker, type Server } from './support/processes.js';
import { createPartnerOperations, PartnerCenterError, type PartnerOperations } from '../../sdk/src/index.js';
import { json as pcxJson, pcx, type PcxResult } from '../../cli/test/support.js';
import { listen } from '../../sdk/test/support.js';

type Sub = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const AZURE_PLAN = 'MS-AZR-0145P';
const BASIC = 'CFQ7TTC0LH18:0001:CFQ7TTC0K971';
const STANDARD = 'CFQ7TTC0LDPB:0001:CFQ7TTC0LDPM';
const E3 = 'CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF';
const AAD_P1 = 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ';
const RESERVATION = 'DZH318Z0BQ36:004G:DZH318Z08C0S';

/** What a partner's week needs from a client; each driver does it its own way, over HTTP only. */
interface Driver {
  createCustomer(domain: string): Promise<string>;
  /** An order without a cart for the Azure plan (New-PartnerCustomerOrder); the subscription's id. */
  buyAzurePlan(customerId: string): Promise<string>;
  registrationStatus(customerId: string, subscriptionId: string): Promise<string>;
  register(customerId: string, subscriptionId: string): Promise<void>;
  /** Creates a cart of `lines` and checks it out. */
  checkout(customerId: string, lines: object[]): Promise<{ orders: Sub[]; orderErrors: Sub[] }>;
  list(customerId: string): Promise<Sub[]>;
  get(customerId: string, subscriptionId: string): Promise<Sub>;
  /** Changes fields the way the client does (the whole subscription read back); a refusal comes back as `{ error }`. */
  set(customerId: string, subscriptionId: string, change: { quantity?: number; autoRenewEnabled?: boolean; status?: string }): Promise<Sub>;
  provisioningStatus(customerId: string, subscriptionId: string): Promise<string>;
  upgradeTargets(customerId: string, subscriptionId: string): Promise<{ catalogItemId: string; isEligible: boolean }[]>;
  upgrade(customerId: string, subscriptionId: string, to: string, quantity: number): Promise<Sub>;
  /** Moves the partner's clock (a duration such as P8D, or to an instant); answers once due work has run. */
  advance(by: string | { to: string }): Promise<void>;
}

interface SandboxPartner {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/** The base URLs of the API processes; each driver alternates between them, call after call. */
let bases: string[] = [];
let ctx: TestContext | undefined;
let servers: Server[] = [];
let db: Database | undefined;
let pcxDir: string;

before(async () => {
  pcxDir = await mkdtemp(join(tmpdir(), 'partner-week-'));
  if (engine === 'postgres') {
    const schema = `test_week_${randomBytes(5).toString('hex')}`;
    // Two API processes without a worker of their own, and one worker process: the deployment DESIGN.md describes.
    const api = { PC_WORKER: 'false', PC_PROVISIONING_DELAY_SECONDS: '0' };
    const [a, b] = await Promise.all([startServer(schema, api), startServer(schema, api)]);
    servers = [a, b, await startWorker(schema, { PC_PROVISIONING_DELAY_SECONDS: '0' })];
    bases = [a.url, b.url];
    db = await openDatabase({ url: process.env.DATABASE_URL, schema, dropSchemaOnClose: true });
  } else {
    ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0' });
    bases = [await listen(ctx)];
  }
});
after(async () => {
  for (const s of servers) s.proc.kill('SIGTERM');
  const codes = await Promise.all(servers.map((s) => s.exited));
  if (db) {
    assert.deepEqual((await checkConsistency(db)).violations, []);
    await db.close();
  }
  await ctx?.close();
  await rm(pcxDir, { recursive: true, force: true });
  assert.deepEqual(codes, servers.map(() => 0), 'SIGTERM ends every process cleanly');
});

/** A fresh sandbox partner (created through the first process). */
async function newPartner(): Promise<SandboxPartner> {
  const res = await fetch(`${bases[0]}/sandbox/partners`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 201);
  return res.json() as Promise<SandboxPartner>;
}

const rotation = <T>(items: T[]) => {
  let i = 0;
  return () => items[i++ % items.length];
};

const customerBody = (domain: string) => ({
  billingProfile: {
    email: `admin@${domain}`,
    culture: 'en-US',
    language: 'en',
    companyName: `Week ${domain.split('.')[0]}`,
    defaultAddress: { firstName: 'Ann', lastName: 'Lee', addressLine1: '1 Main St', city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' },
  },
  companyProfile: { domain },
});

// ---------------------------------------------------------------------------------------------
// (a) our SDK

function sdkDriver(p: SandboxPartner): Driver {
  const next = rotation(bases.map((baseUrl) => createPartnerOperations({ baseUrl, credentials: { clientId: p.clientId, clientSecret: p.clientSecret } })));
  const sub = (c: string, s: string, partner: PartnerOperations = next()) => partner.customers.byId(c).subscriptions.byId(s);
  return {
    createCustomer: async (domain) => (await next().customers.create(customerBody(domain))).id,
    buyAzurePlan: async (c) => (await next().customers.byId(c).orders.create({ lineItems: [{ lineItemNumber: 0, offerId: AZURE_PLAN, quantity: 1 }] })).lineItems[0].subscriptionId!,
    registrationStatus: async (c, s) => (await sub(c, s).registrationStatus.get()).status,
    register: async (c, s) => void (await sub(c, s).registrations.create()),
    checkout: async (c, lines) => {
      const cart = await next().customers.byId(c).carts.create({ lineItems: lines } as never);
      return next().customers.byId(c).carts.byId(cart.id!).checkout();
    },
    list: async (c) => (await next().customers.byId(c).subscriptions.get()).items,
    get: (c, s) => sub(c, s).get(),
    set: async (c, s, change) => {
      const current = await sub(c, s).get();
      try {
        return await sub(c, s).patch({ ...current, ...change }, { ifMatch: current.attributes!.etag });
      } catch (e) {
        if (e instanceof PartnerCenterError) return { error: { status: e.status, code: e.code } };
        throw e;
      }
    },
    provisioningStatus: async (c, s) => (await sub(c, s).provisioningStatus.get()).status,
    upgradeTargets: async (c, s) =>
      (await sub(c, s).transitionEligibilities.get({ eligibilityType: 'immediate' })).items.map((i) => ({ catalogItemId: i.catalogItemId, isEligible: i.eligibilities[0].isEligible })),
    upgrade: (c, s, to, quantity) => sub(c, s).transitions.create({ toCatalogItemId: to, quantity }),
    advance: async (by) => void (await next().sandbox.clock.advance(by)),
  };
}

// ---------------------------------------------------------------------------------------------
// (b) pcx, a process per command, each command on the next API process (one config file each)

async function pcxDriver(p: SandboxPartner): Promise<Driver> {
  const envs: Record<string, string>[] = [];
  for (const [i, base] of bases.entries()) {
    const env = { PCX_CONFIG: join(pcxDir, `${p.tenantId}-${i}.json`) };
    ok(await pcx(['login', '--base-url', base, '--client-id', p.clientId], { ...env, PCX_CLIENT_SECRET: p.clientSecret }));
    envs.push(env);
  }
  const next = rotation(envs);
  const run = async (args: string[]) => {
    const r = await pcx(['-o', 'json', ...args], next());
    ok(r);
    return pcxJson<Sub>(r);
  };
  const ids = (c: string, s: string) => ['--customer-id', c, '--subscription-id', s];
  return {
    createCustomer: async (domain) =>
      (
        await run([
          'customer', 'new', '--name', `Week ${domain.split('.')[0]}`, '--domain', domain, '--contact-email', `admin@${domain}`,
          '--contact-first-name', 'Ann', '--contact-last-name', 'Lee', '--billing-address-line1', '1 Main St',
          '--billing-address-city', 'Seattle', '--billing-address-state', 'WA', '--billing-address-postal-code', '98101', '--billing-address-country', 'US',
        ])
      ).id,
    buyAzurePlan: async (c) => (await run(['order', 'new', '--customer-id', c, '--item', AZURE_PLAN])).lineItems[0].subscriptionId,
    registrationStatus: async (c, s) => (await run(['subscription', 'registration', ...ids(c, s)])).status,
    register: async (c, s) => void (await run(['subscription', 'register', ...ids(c, s)])),
    checkout: async (c, lines) => {
      const items = (lines as Sub[]).map((l) =>
        [
          l.catalogItemId,
          `quantity=${l.quantity}`,
          `billingCycle=${l.billingCycle}`,
          ...(l.termDuration ? [`termDuration=${l.termDuration}`] : []),
          ...Object.entries((l.provisioningContext ?? {}) as Record<string, string>).map(([k, v]) => `context.${k}=${v}`),
        ].join(','),
      );
      const cart = await run(['cart', 'new', '--customer-id', c, ...items.flatMap((i) => ['--item', i])]);
      return (await run(['cart', 'submit', '--customer-id', c, '--cart-id', cart.id])) as { orders: Sub[]; orderErrors: Sub[] };
    },
    list: async (c) => (await run(['subscription', 'list', '--customer-id', c])).items,
    get: (c, s) => run(['subscription', 'get', ...ids(c, s)]),
    set: async (c, s, change) => {
      const args = [
        ...(change.quantity !== undefined ? ['--quantity', String(change.quantity)] : []),
        ...(change.autoRenewEnabled !== undefined ? ['--auto-renew', String(change.autoRenewEnabled)] : []),
        ...(change.status !== undefined ? ['--status', change.status] : []),
      ];
      const r = await pcx(['-o', 'json', 'subscription', 'set', ...ids(c, s), ...args], next());
      if (r.code === 0) return pcxJson<Sub>(r);
      assert.equal(r.code, 1, `an API error exits 1:\n${r.stderr}`);
      return { error: (JSON.parse(r.stderr) as { error: { code: number } }).error };
    },
    provisioningStatus: async (c, s) => (await run(['subscription', 'status', ...ids(c, s)])).status,
    upgradeTargets: async (c, s) =>
      ((await run(['subscription', 'eligibilities', ...ids(c, s), '--type', 'immediate'])).items as Sub[]).map((i) => ({
        catalogItemId: i.catalogItemId,
        isEligible: i.eligibilities[0].isEligible,
      })),
    upgrade: (c, s, to, quantity) => run(['subscription', 'transition', ...ids(c, s), '--to', to, '--quantity', String(quantity)]),
    advance: async (by) => void (await run(['sandbox', 'clock', 'advance', ...(typeof by === 'string' ? [by] : ['--to', by.to])])),
  };
}

const ok = (r: PcxResult) => assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n--- stderr ---\n${r.stderr}`);

// ---------------------------------------------------------------------------------------------
// (c) what Microsoft's Java SDK sends (reference §10); the SDK itself cannot be fetched here

/** The enum values the Java SDK parses (§10: exact lower case; anything else throws). */
const JAVA_BILLING_CYCLES = new Set(['monthly', 'annual', 'one_time', 'none', 'unknown']);
/**
 * Subscription statuses the Java SDK parses (§10), and `expired`: what a subscription that reached
 * its term end without renewing shows here (docs/compatibility.md, "Renewal and expiry"), which the
 * Java SDK's enum lacks. Kept visible here, not hidden: see the report of issue 15.
 */
const JAVA_STATUSES = new Set(['active', 'suspended', 'deleted', 'none', 'expired']);

function javaDriver(p: SandboxPartner): Driver {
  const next = rotation(bases);
  const correlationId = randomUUID(); // one per partner-operations object
  let token: string | undefined;
  const signIn = async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: p.clientId, client_secret: p.clientSecret });
    token = ((await (await fetch(`${bases[0]}/oauth2/token`, { method: 'POST', body: form })).json()) as { access_token: string }).access_token;
  };
  /** One call, as the Java SDK makes it; a non-2xx comes back as `{ error }` (its retries are java-sdk-retries.test.ts's subject). */
  const send = async (method: string, path: string, body?: unknown): Promise<Sub> => {
    if (!token) await signIn();
    const res = await fetch(`${next()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'ms-requestid': randomUUID(),
        'ms-correlationid': correlationId,
        'ms-partnercenter-client': 'Partner Center Java SDK',
        'ms-sdkversion': '1.15.4',
        accept: 'application/json',
        'x-locale': 'en-US',
        'ms-contract-version': 'v1',
        'x-ms-client-request-id': randomUUID(),
        'user-agent': 'AutoRest-Java',
        'accept-encoding': 'gzip',
        ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) return { error: { status: res.status, code: Number(JSON.parse(text).code) } };
    // The Java SDK throws on an empty 2xx body, except where it reads a header instead (registrations' Location).
    if (!text) return { location: res.headers.get('location') };
    const out = JSON.parse(text) as Sub;
    for (const s of [out, ...(out.items ?? [])].filter((x: Sub) => x.attributes?.objectType === 'Subscription')) {
      assert.ok(JAVA_STATUSES.has(s.status), `the Java SDK cannot parse status ${s.status}`);
      assert.ok(JAVA_BILLING_CYCLES.has(s.billingCycle), `the Java SDK cannot parse billingCycle ${s.billingCycle}`);
    }
    return out;
  };
  const must = async (method: string, path: string, body?: unknown) => {
    const out = await send(method, path, body);
    assert.equal(out.error, undefined, `${method} ${path}: ${JSON.stringify(out.error)}`);
    return out;
  };
  const subPath = (c: string, s: string) => `/v1/customers/${c}/subscriptions/${s}`;
  return {
    // getCustomers().create(customer): Jackson camelCase, attributes.objectType on every model.
    createCustomer: async (domain) => {
      const body = customerBody(domain);
      return (
        await must('POST', '/v1/customers', {
          billingProfile: { ...body.billingProfile, attributes: { objectType: 'CustomerBillingProfile' } },
          companyProfile: { ...body.companyProfile, attributes: { objectType: 'CustomerCompanyProfile' } },
          attributes: { objectType: 'Customer' },
        })
      ).id;
    },
    buyAzurePlan: async (c) =>
      (
        await must('POST', `/v1/customers/${c}/orders`, {
          referenceCustomerId: c,
          lineItems: [{ lineItemNumber: 0, offerId: AZURE_PLAN, quantity: 1, attributes: { objectType: 'OrderLineItem' } }],
          attributes: { objectType: 'Order' },
        })
      ).lineItems[0].subscriptionId,
    registrationStatus: async (c, s) => (await must('GET', `${subPath(c, s)}/registrationstatus`)).status,
    register: async (c, s) => {
      const out = await must('POST', `${subPath(c, s)}/registrations`, 'success');
      assert.equal(out.location, `/customers/${c}/subscriptions/${s}/registrationstatus`, 'the Java SDK reads the Location header');
    },
    checkout: async (c, lines) => {
      const cart = await must('POST', `/v1/customers/${c}/carts`, {
        lineItems: (lines as Sub[]).map((l) => ({ ...l, attributes: { objectType: 'CartLineItem' } })),
        attributes: { objectType: 'Cart' },
      });
      return (await must('POST', `/v1/customers/${c}/carts/${cart.id}/checkout`, 'success')) as { orders: Sub[]; orderErrors: Sub[] };
    },
    list: async (c) => (await must('GET', `/v1/customers/${c}/subscriptions`)).items,
    get: (c, s) => must('GET', subPath(c, s)),
    // getSubscriptions().byId(s).patch(subscription): the whole object as read back, no If-Match.
    set: async (c, s, change) => send('PATCH', subPath(c, s), { ...(await must('GET', subPath(c, s))), ...change }),
    provisioningStatus: async (c, s) => (await must('GET', `${subPath(c, s)}/provisioningstatus`)).status,
    upgradeTargets: async (c, s) =>
      ((await must('GET', `${subPath(c, s)}/transitioneligibilities?eligibilityType=immediate`)).items as Sub[]).map((i) => ({
        catalogItemId: i.catalogItemId,
        isEligible: i.eligibilities[0].isEligible,
      })),
    upgrade: (c, s, to, quantity) => must('POST', `${subPath(c, s)}/transitions`, { toCatalogItemId: to, quantity, attributes: { objectType: 'Transition' } }),
    // The clock is the sandbox's, not Partner Center's: a plain call to its control API.
    advance: async (by) => {
      const res = await fetch(`${next()}/sandbox/partners/${p.tenantId}/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(typeof by === 'string' ? { advanceBy: by } : by),
      });
      assert.equal(res.status, 200, await res.text());
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The week itself, the same for every driver

const HOUR = 3600 * 1000;

async function partnersWeek(d: Driver, label: string) {
  // Monday: onboarding.
  const customerId = await d.createCustomer(`week${label}${randomBytes(4).toString('hex')}.onmicrosoft.com`);
  assert.deepEqual(await d.list(customerId), [], 'a new customer has no subscriptions');

  // The Azure plan, registered for reservations before one is bought.
  const azure = await d.buyAzurePlan(customerId);
  assert.equal(await d.registrationStatus(customerId, azure), 'NotRegistered');
  await d.register(customerId, azure);
  assert.equal(await d.registrationStatus(customerId, azure), 'Registered');

  // Licences (three new-commerce ones) and a reservation in one cart.
  const result = await d.checkout(customerId, [
    { id: 0, catalogItemId: BASIC, quantity: 5, billingCycle: 'monthly', termDuration: 'P1M' },
    { id: 1, catalogItemId: E3, quantity: 2, billingCycle: 'monthly', termDuration: 'P1M' },
    { id: 2, catalogItemId: AAD_P1, quantity: 3, billingCycle: 'monthly', termDuration: 'P1M' },
    { id: 3, catalogItemId: RESERVATION, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y', provisioningContext: { subscriptionId: azure, scope: 'shared' } },
  ]);
  assert.deepEqual(result.orderErrors, []);
  assert.equal(result.orders.length, 2, 'one order per billing cycle');
  await d.advance('PT5M'); // provisioning, whoever runs it (worker process or the clock's settle) runs it once
  const subs = await d.list(customerId);
  const byOffer = (offerId: string) => subs.find((s) => s.offerId === offerId)!;
  assert.deepEqual(subs.map((s) => s.offerId).sort(), [AZURE_PLAN, BASIC, E3, AAD_P1, RESERVATION].sort());
  assert.ok(subs.every((s) => s.status === 'active'), JSON.stringify(subs.map((s) => [s.offerId, s.status])));
  const [basic, e3, aad, ri] = [BASIC, E3, AAD_P1, RESERVATION].map((o) => byOffer(o).id as string);
  assert.equal(await d.provisioningStatus(customerId, ri), 'success');
  assert.equal(await d.provisioningStatus(customerId, basic), 'success');

  // Tuesday: seats up, then down inside their window.
  const up = await d.set(customerId, basic, { quantity: 8 });
  assert.equal(up.quantity, 8, JSON.stringify(up));
  assert.equal(up.refundableQuantity.totalQuantity, 8);
  const down = await d.set(customerId, basic, { quantity: 6 });
  assert.equal(down.quantity, 6, JSON.stringify(down));

  // Cancel inside the window: refunded, ended.
  const cancelled = await d.set(customerId, aad, { status: 'deleted' });
  assert.equal(cancelled.status, 'deleted', JSON.stringify(cancelled));
  assert.equal(cancelled.autoRenewEnabled, false);
  assert.equal(cancelled.refundOptions, undefined, 'refunded: nothing left to refund');

  // Suspend and reactivate.
  assert.equal((await d.set(customerId, basic, { status: 'suspended' })).status, 'suspended');
  assert.equal((await d.set(customerId, basic, { status: 'active' })).status, 'active');

  // E3 will not renew.
  assert.equal((await d.set(customerId, e3, { autoRenewEnabled: false })).autoRenewEnabled, false);

  // Next week: the window has closed.
  await d.advance('P8D');
  const late = await d.set(customerId, basic, { quantity: 5 });
  assert.equal(late.error?.code, 800090, `a reduction after the window is refused: ${JSON.stringify(late)}`);
  assert.equal((await d.get(customerId, basic)).quantity, 6, 'and changes nothing');

  // Term end: Basic (auto-renew) renews, E3 (auto-renew off) expires.
  const before = await d.get(customerId, basic);
  await d.advance({ to: new Date(Date.parse(before.commitmentEndDate) + HOUR).toISOString() });
  const renewed = await d.get(customerId, basic);
  assert.equal(renewed.status, 'active');
  assert.equal(renewed.effectiveStartDate, before.commitmentEndDate, 'the new term starts where the old one ended');
  assert.ok(Date.parse(renewed.commitmentEndDate) > Date.parse(before.commitmentEndDate));
  assert.equal(renewed.quantity, 6);
  assert.equal(Date.parse(renewed.cancellationAllowedUntilDate), Date.parse(before.commitmentEndDate) + 168 * HOUR, 'a new cancellation window');
  const expired = await d.get(customerId, e3);
  assert.equal(expired.status, 'expired');
  assert.equal((await d.get(customerId, aad)).status, 'deleted', 'a cancelled subscription stays cancelled');

  // Upgrade Basic → Standard, every seat.
  assert.deepEqual(await d.upgradeTargets(customerId, basic), [{ catalogItemId: STANDARD, isEligible: true }]);
  const t = await d.upgrade(customerId, basic, STANDARD, 6);
  assert.equal(t.fromSubscriptionId, basic);
  assert.equal((await d.get(customerId, basic)).status, 'deleted', 'a full upgrade ends the source');
  const standard = await d.get(customerId, t.toSubscriptionId);
  assert.equal(standard.offerId, STANDARD);
  assert.equal(standard.quantity, 6);
  assert.equal(standard.status, 'active');
  assert.equal((await d.get(customerId, ri)).status, 'active', 'the reservation lives on');
}

describe(`a partner's week, end to end (${engine === 'postgres' ? 'two API processes and a worker on PostgreSQL' : 'one process on PGlite'})`, () => {
  test('through our SDK', async () => {
    await partnersWeek(sdkDriver(await newPartner()), 'sdk');
  });
  test('through pcx', async () => {
    await partnersWeek(await pcxDriver(await newPartner()), 'pcx');
  });
  test("through what Microsoft's Java SDK sends", async () => {
    await partnersWeek(javaDriver(await newPartner()), 'java');
  });
});
