/**
 * The data the bench works on. Prepared in this process, through the service's own app (in-process,
 * `app.inject`) on the very database the server process will then open (a PGlite directory, or a
 * PostgreSQL schema): sandbox partners with customers, their app tokens, the demo world of the
 * checkout doc, and one bench cart made through the API. The thousands of fresh carts the checkout
 * runs consume are copies of that cart (same row, same stored lines, a new id and customer),
 * inserted in bulk: making each through the API would take longer than the benchmark itself.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../packages/server/src/app.js';
import { loadConfig } from '../../packages/server/src/config.js';
import { openDatabase, type Database, type DatabaseOptions } from '../../packages/server/src/db/database.js';
import { migrate } from '../../packages/server/src/db/migrate.js';
import { DEMO, seedCatalog, seedDemo } from '../../packages/server/src/seed/index.js';
import { recorder, templateOf, type RequestTemplate } from './raw-sql.js';

/** Two NCE monthly lines (one order group, '0') and one annual line ('1'): 2 orders per checkout. */
export const BENCH_CART = {
  lineItems: [
    { id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
    { id: 1, catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y' },
    { id: 2, catalogItemId: 'CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF', quantity: 1, billingCycle: 'annual', termDuration: 'P1Y' },
  ],
};
export const BENCH_CART_GROUPS = ['0', '0', '1'];

export interface Customer {
  id: string;
  tenantId: string;
  /** `Bearer …` for the customer's partner. */
  authorization: string;
}

export interface Cart {
  customer: Customer;
  id: string;
}

export interface World {
  customers: Customer[];
  /** The cart every bench cart copies. */
  templateCartId: string;
  /** A GET of that cart: the body the bare Fastify ceiling answers. */
  cartBody: string;
  /** The demo partner's app token, for the doc example. */
  demoAuthorization: string;
  /** What one checkout of a bench cart runs, for the raw-SQL ceiling. */
  checkout: RequestTemplate;
  /** What one GET of a cart runs. */
  getCart: RequestTemplate;
  /** Statements of that checkout, as the database counts them. */
  checkoutStatements: number;
  /** Bytes of that checkout's response body. */
  checkoutBytes: number;
}

async function inject(app: FastifyInstance, method: 'GET' | 'POST', url: string, opts: { authorization?: string; body?: unknown; form?: Record<string, string> } = {}) {
  const headers: Record<string, string> = {};
  if (opts.authorization) headers.authorization = opts.authorization;
  let payload: string | undefined;
  if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(opts.form).toString();
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(opts.body);
  }
  const res = await app.inject({ method, url, headers, payload });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res;
}

const tokenOf = async (app: FastifyInstance, clientId: string, clientSecret: string) =>
  `Bearer ${(await inject(app, 'POST', '/oauth2/token', { form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret } })).json().access_token}`;

/**
 * Migrates and seeds the database, makes `partners` × `customersPerPartner` customers, the bench
 * cart, and records one checkout of a copy of it (the raw-SQL ceiling replays that recording).
 * `env` is the server's environment: the in-process app runs with the same configuration.
 */
export async function prepare(target: DatabaseOptions, env: Record<string, string>, partners: number, customersPerPartner: number): Promise<World> {
  // Throttling syncs its counts on a timer, apart from any request: kept from landing in a recording.
  const config = loadConfig({ ...env, PC_THROTTLE_SYNC_MS: String(3_600_000) });
  const db = await openDatabase(target);
  try {
    await migrate(db);
    await seedCatalog(db);
    await seedDemo(db, config);
    const rec = recorder(db);
    const app = await buildApp({ config, db: rec.db });
    try {
      await app.ready();
      const customers: Customer[] = [];
      for (let i = 0; i < partners; i++) {
        const p = (await inject(app, 'POST', '/sandbox/partners', { body: { name: `bench partner ${i}` } })).json();
        const authorization = await tokenOf(app, p.clientId, p.clientSecret);
        customers.push({ id: p.customers[0].id, tenantId: p.tenantId, authorization });
        for (let c = 1; c < customersPerPartner; c++) {
          const id = (await inject(app, 'POST', `/sandbox/partners/${p.tenantId}/customers`, { body: {} })).json().id;
          customers.push({ id, tenantId: p.tenantId, authorization });
        }
      }
      const owner = customers[0];
      const cart = (await inject(app, 'POST', `/v1/customers/${owner.id}/carts`, { authorization: owner.authorization, body: BENCH_CART })).json();
      const groups = cart.lineItems.map((l: { orderGroup?: string }) => l.orderGroup);
      if (groups.join() !== BENCH_CART_GROUPS.join()) throw new Error(`the bench cart has order groups ${groups}, not ${BENCH_CART_GROUPS}`);
      const cartBody = (await inject(app, 'GET', `/v1/customers/${owner.id}/carts/${cart.id}`, { authorization: owner.authorization })).body;

      // One copy, read and checked out through the app while recording: proves copies check out like
      // the original, and gives the raw-SQL ceilings their statements.
      const [copy] = await cloneCarts(db, cart.id, [customers[customers.length - 1]], 1);
      const known = { tenant: copy.customer.tenantId, customer: copy.customer.id, cart: copy.id };
      const cartUrl = `/v1/customers/${copy.customer.id}/carts/${copy.id}`;
      const got = await rec.during(() => inject(app, 'GET', cartUrl, { authorization: copy.customer.authorization }));
      const before = db.statementCount;
      const { result: res, log } = await rec.during(() => inject(app, 'POST', `${cartUrl}/checkout`, { authorization: copy.customer.authorization }));
      const checkoutStatements = db.statementCount - before;
      const result = res.json();
      if (result.orders.length !== 2 || result.orderErrors.length) throw new Error(`a bench cart checks out into 2 orders, not: ${res.body}`);
      return {
        customers,
        templateCartId: cart.id,
        cartBody,
        demoAuthorization: await tokenOf(app, config.sandbox.clientId, config.sandbox.clientSecret),
        checkout: templateOf(log, known, result.orders),
        getCart: templateOf(got.log, known, []),
        checkoutStatements,
        checkoutBytes: Buffer.byteLength(res.body),
      };
    } finally {
      await app.close();
    }
  } finally {
    await db.close();
  }
}

/**
 * Copies the template cart `count` times, round-robin over `customers` (each copy under the
 * customer's partner), with one INSERT per batch (the lines are in the cart row). Column-agnostic: a row is copied as
 * jsonb with its ids replaced, so the copy follows the schema as migrations change it.
 */
export async function cloneCarts(db: Database, templateCartId: string, customers: Customer[], count: number, batch = 5000): Promise<Cart[]> {
  const carts: Cart[] = [];
  for (let done = 0; done < count; done += batch) {
    const chunk: Cart[] = [];
    for (let i = done; i < Math.min(count, done + batch); i++) chunk.push({ id: randomUUID(), customer: customers[i % customers.length] });
    const map = JSON.stringify(chunk.map((c) => ({ id: c.id, customer_id: c.customer.id, tenant_id: c.customer.tenantId })));
    await db.query(
      `INSERT INTO carts
       SELECT r.* FROM carts t
        CROSS JOIN jsonb_to_recordset($2::jsonb) AS m(id uuid, customer_id uuid, tenant_id uuid)
        CROSS JOIN LATERAL jsonb_populate_record(NULL::carts,
              to_jsonb(t) || jsonb_build_object('id', m.id, 'customer_id', m.customer_id, 'partner_tenant_id', m.tenant_id)) AS r
        WHERE t.id = $1`,
      [templateCartId, map],
    );
    carts.push(...chunk);
  }
  return carts;
}

/** Opens the bench database, copies `count` carts, closes it. */
export async function withClones(target: DatabaseOptions, world: World, count: number): Promise<Cart[]> {
  const db = await openDatabase(target);
  try {
    return await cloneCarts(db, world.templateCartId, world.customers, count);
  } finally {
    await db.close();
  }
}

/**
 * The checkout doc's request (checkout-a-cart.md), headers and all, on the demo cart. Under load it is
 * sent without `Expect: 100-continue`: Node answers that header with an interim `100 Continue`, which
 * autocannon would count as the response. `docExampleOnce` sends it exactly as the doc does.
 */
export const DOC_EXAMPLE = {
  path: `/v1/customers/${DEMO.customerId}/carts/${DEMO.cartId}/checkout`,
  headers: {
    accept: 'application/json',
    'ms-requestid': '4fa6dad6-a89f-4875-8247-8294a10ae1cf',
    'ms-correlationid': '0e93c70c-977a-4a88-9580-7cf084c73286',
    'x-locale': 'en-US',
    'ms-partnercenter-client': 'Partner Center .NET SDK',
    'content-type': 'application/json',
    'content-length': '0',
  },
};

/** Sends the doc's request once, `Expect: 100-continue` included; resolves with the final status and body. */
export function docExampleOnce(base: string, authorization: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${DOC_EXAMPLE.path}`, {
      method: 'POST',
      headers: { ...DOC_EXAMPLE.headers, expect: '100-continue', authorization },
    });
    req.on('continue', () => req.end());
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}
