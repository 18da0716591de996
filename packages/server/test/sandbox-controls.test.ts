/**
 * Sandbox controls per partner tenant (issue 16 items 3-5): fault rules on /v1, the request log (JSON
 * and server-sent events), and deleting or resetting a partner. Each fault is checked not to touch
 * another tenant.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';
import { OWNED_TABLES } from '../src/modules/sandbox/reset.js';
import { DEFAULT_LOG_SIZE } from '../src/plugins/request-log.js';
import { routeMatcher } from '../src/plugins/faults.js';
import { buildApp } from '../src/app.js';

let ctx: TestContext;
before(async () => {
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_WORKER: 'false' });
});
after(() => ctx.close());

const addFault = (p: Partner, rule: object, token?: string) =>
  ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/faults`, payload: rule, ...asRemote(token) });
/** A request from a remote address (not loopback, which may use every control route) bearing a partner's token. */
const asRemote = (token?: string) => (token ? { headers: { authorization: `Bearer ${token}` }, remoteAddress: '203.0.113.7' } : {});
const customers = (p: Partner) => call(ctx.app, 'GET', '/v1/customers', { token: p.appToken });
const cartUrl = (p: Partner) => `/v1/customers/${p.customers[0].id}/carts/${p.customers[0].cartId}`;

test('route patterns: `*` within a segment, `**` any segments, no case; linear on any pattern', () => {
  const cases: [string, string, boolean][] = [
    ['/v1/**', '/v1/customers', true],
    ['/v1/**', '/v1', true],
    ['/v1/**', '/v2/x', false],
    ['/v1/customers', '/v1/customers/', true],
    ['/v1/customers', '/v1/customers/x', false],
    ['/v1/customers/*/carts/*/checkout', '/v1/customers/a/carts/b/checkout', true],
    ['/v1/customers/*/carts/*/checkout', '/v1/customers/a/carts/checkout', false],
    ['/v1/Customers/*', '/v1/customers/ABC', true],
    ['/v1/**/checkout', '/v1/customers/a/carts/b/checkout', true],
    ['/v1/**/orders', '/v1/customers/a/carts', false],
    ['/v1/cust*', '/v1/customers', true],
    ['/v1/*x', '/v1/customers', false],
  ];
  for (const [pattern, path, want] of cases) assert.equal(routeMatcher(pattern).test(path), want, `${pattern} ~ ${path}`);
  // A pattern a backtracking matcher would take for ever on: answered (false) at once.
  assert.equal(routeMatcher(`/v1/${'*a'.repeat(40)}*b/**/${'*'.repeat(40)}`).test(`/v1/${'a'.repeat(1000)}`), false);
});

describe('fault rules', () => {
  let p: Partner;
  let other: Partner;
  before(async () => {
    p = await newPartner(ctx.app);
    other = await newPartner(ctx.app);
  });

  test('a counted 500 fires exactly its count, in Partner Center error body; another tenant sees none', async () => {
    const added = await addFault(p, { method: 'GET', route: '/v1/customers', count: 2, effect: { type: 'error', status: 500 } });
    assert.equal(added.statusCode, 201, added.body);
    const rule = added.json();
    assert.equal(rule.remaining, 2);
    for (let i = 0; i < 2; i++) {
      const res = await customers(p);
      assert.equal(res.statusCode, 500);
      assert.equal(res.json().code, 800003);
      assert.equal(typeof res.json().description, 'string');
      assert.equal((await customers(other)).statusCode, 200, 'another tenant is not touched');
    }
    assert.equal((await customers(p)).statusCode, 200, 'the count is used up');
    const listed = (await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${p.tenantId}/faults` })).json();
    assert.equal(listed.items.find((r: { id: string }) => r.id === rule.id).remaining, 0);
  });

  test('429 carries Retry-After and the throttling body; 409·800064 only on the cart it names', async () => {
    await addFault(p, { route: '/v1/customers/*/carts/*', cartId: p.customers[0].cartId, count: 1, effect: { type: 'error', status: 409, code: 800064 } });
    const busy = await call(ctx.app, 'GET', cartUrl(p), { token: p.appToken });
    assert.equal(busy.statusCode, 409);
    assert.equal(busy.json().code, 800064);
    assert.equal((await call(ctx.app, 'GET', cartUrl(p), { token: p.appToken })).statusCode, 200);

    const r = (await addFault(p, { method: 'get', route: '/v1/**', effect: { type: 'error', status: 429, retryAfterSeconds: 7 } })).json();
    const throttled = await customers(p);
    assert.equal(throttled.statusCode, 429);
    assert.equal(throttled.headers['retry-after'], '7');
    assert.deepEqual(Object.keys(throttled.json()).sort(), ['message', 'statusCode']);
    assert.equal((await customers(other)).statusCode, 200);
    const removed = await ctx.app.inject({ method: 'DELETE', url: `/sandbox/partners/${p.tenantId}/faults/${r.id}` });
    assert.equal(removed.statusCode, 204);
    assert.equal((await customers(p)).statusCode, 200, 'a removed rule no longer fires');
    assert.equal((await ctx.app.inject({ method: 'DELETE', url: `/sandbox/partners/${p.tenantId}/faults/${r.id}` })).statusCode, 404);
  });

  test('a counted rule fires exactly its count across two apps on one database (two processes)', async () => {
    const second = await buildApp({ config: ctx.config, db: ctx.db });
    await second.ready();
    try {
      // Both apps have read the tenant's (empty) rules: the rule is added through the first only.
      await customers(p);
      await call(second, 'GET', '/v1/customers', { token: p.appToken });
      await new Promise((r) => setTimeout(r, 1000)); // the second app's cached read ages out (1 s)
      await addFault(p, { method: 'GET', route: '/v1/customers', count: 5, effect: { type: 'error', status: 503 } });
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => call(i % 2 ? second : ctx.app, 'GET', '/v1/customers', { token: p.appToken })),
      );
      const failed = answers.filter((r) => r.statusCode === 503).length;
      assert.equal(failed, 5, answers.map((r) => r.statusCode).join(','));
      assert.equal(answers.filter((r) => r.statusCode === 200).length, 25);
    } finally {
      await second.close();
    }
  });

  test('a rule expires', async () => {
    await addFault(p, { route: '/v1/customers', expiresInSeconds: 1, effect: { type: 'error', status: 503 } });
    assert.equal((await customers(p)).statusCode, 503);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await customers(p)).statusCode, 200);
  });

  test('a delay sleeps before handling; a probability of 1 always fires', async () => {
    await addFault(p, { route: '/v1/customers', count: 1, probability: 1, effect: { type: 'delay', delayMs: 300 } });
    const started = Date.now();
    assert.equal((await customers(p)).statusCode, 200);
    assert.ok(Date.now() - started >= 290, 'the request was held');
  });

  test('a dropped connection gets no answer (real socket)', async () => {
    await addFault(p, { method: 'GET', route: '/v1/customers', count: 1, effect: { type: 'drop' } });
    const url = new URL(await ctx.app.listen({ port: 0, host: '127.0.0.1' }));
    try {
      const outcome = await new Promise<string>((resolve) => {
        const req = request({ host: url.hostname, port: url.port, path: '/v1/customers', headers: { authorization: `Bearer ${p.appToken}` } }, (res) => resolve(`status ${res.statusCode}`));
        req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        req.end();
      });
      assert.equal(outcome, 'ECONNRESET');
    } finally {
      await ctx.close().catch(() => {});
      ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_WORKER: 'false' });
      p = await newPartner(ctx.app);
      other = await newPartner(ctx.app);
    }
  });

  test('bad rules are 400; another tenant token is 404; its rules are not listed', async () => {
    for (const bad of [
      {},
      { effect: { type: 'error', status: 200 } },
      { effect: { type: 'explode' } },
      { effect: { type: 'delay', delayMs: -1 } },
      { route: 'no-slash', effect: { type: 'drop' } },
      { probability: 0, effect: { type: 'drop' } },
      { count: 0, effect: { type: 'drop' } },
      { method: 'TRACE', effect: { type: 'drop' } },
      { customerId: 'not-a-guid', effect: { type: 'drop' } },
    ]) {
      const res = await addFault(p, bad);
      assert.equal(res.statusCode, 400, `${JSON.stringify(bad)}: ${res.body}`);
    }
    assert.equal((await addFault(p, { effect: { type: 'drop' } }, other.appToken)).statusCode, 404);
    const own = await addFault(p, { route: '/v1/nothing', effect: { type: 'drop' } }, p.appToken);
    assert.equal(own.statusCode, 201, own.body);
    const listed = await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${other.tenantId}/faults` });
    assert.deepEqual(listed.json().items, []);
    const all = await ctx.app.inject({ method: 'DELETE', url: `/sandbox/partners/${p.tenantId}/faults` });
    assert.ok(all.json().removed >= 1);
  });
});

interface Logged {
  seq: number;
  method: string;
  path: string;
  status: number;
  requestId: string;
  correlationId: string;
  latencyMs: number;
  replayed: boolean;
  faultRuleId: string | null;
  requestHeaders: Record<string, string>;
  requestBody: string;
  responseBody: string;
}

describe('the request log', () => {
  let p: Partner;
  let other: Partner;
  before(async () => {
    p = await newPartner(ctx.app);
    other = await newPartner(ctx.app);
  });
  const log = async (t: Partner, query = '') => {
    // Entries are written after the answer goes out (a read through this process writes them first).
    const res = await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${t.tenantId}/requests${query}` });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().items as Logged[];
  };

  test('records method, path, status, ids, latency, redacted headers and bodies, replays and faults', async () => {
    const requestId = randomUUID();
    const body = { lineItems: [{ id: 0, catalogItemId: 'MS-AZR-0145P', quantity: 1, billingCycle: 'monthly' }], client_secret: 's3cret', password: 'pw' };
    const headers = { 'ms-requestid': requestId, 'ms-correlationid': randomUUID() };
    const first = await call(ctx.app, 'POST', `/v1/customers/${p.customers[0].id}/carts`, { token: p.appToken, body, headers });
    assert.equal(first.statusCode, 201, first.body);
    const again = await call(ctx.app, 'POST', `/v1/customers/${p.customers[0].id}/carts`, { token: p.appToken, body, headers });
    assert.equal(again.headers['idempotent-replayed'], 'true');
    const items = await log(p);
    const [a, b] = items.slice(-2);
    assert.equal(a.method, 'POST');
    assert.equal(a.path, `/v1/customers/${p.customers[0].id}/carts`);
    assert.equal(a.status, 201);
    assert.equal(a.requestId, requestId);
    assert.equal(a.correlationId, headers['ms-correlationid']);
    assert.equal(typeof a.latencyMs, 'number');
    assert.equal(a.replayed, false);
    assert.equal(b.replayed, true);
    assert.equal(a.requestHeaders.authorization, '[redacted]');
    const sent = JSON.parse(a.requestBody);
    assert.equal(sent.client_secret, '[redacted]');
    assert.equal(sent.password, '[redacted]');
    assert.equal(sent.lineItems[0].catalogItemId, 'MS-AZR-0145P');
    assert.ok(!JSON.stringify(items).includes(p.appToken), 'no token anywhere');
    assert.equal(JSON.parse(a.responseBody).id, first.json().id);
    assert.ok(a.seq < b.seq);
    assert.deepEqual(await log(other), [], 'another tenant sees none of it');
    assert.equal((await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${p.tenantId}/requests`, ...asRemote(other.appToken) })).statusCode, 404);

    await addFault(p, { route: '/v1/customers', count: 1, effect: { type: 'error', status: 503 } });
    await customers(p);
    const [faulted] = (await log(p)).slice(-1);
    assert.equal(faulted.status, 503);
    assert.match(faulted.faultRuleId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal((await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${p.tenantId}/requests?limit=0` })).statusCode, 400);

    // A NUL character (which jsonb refuses) does not lose the entry, nor the others of its batch.
    ctx.app.requestLog.add(p.tenantId, { path: 'nul', requestBody: 'A\u0000B', literal: '\\u0000' });
    await customers(p);
    const [nul, next] = (await log(p)).slice(-2) as unknown as Record<string, string>[];
    assert.equal(nul.requestBody, 'A\uFFFDB');
    assert.equal(nul.literal, '\\u0000', 'an escaped backslash before u0000 is text, kept as it is');
    assert.equal(next.path, '/v1/customers');
  });

  test(`keeps the newest ${DEFAULT_LOG_SIZE} entries`, async () => {
    const q = await newPartner(ctx.app);
    for (let i = 0; i < DEFAULT_LOG_SIZE + 5; i++) await customers(q);
    await ctx.app.requestLog.flush();
    const [{ n }] = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sandbox_request_log WHERE partner_tenant_id = $1', [q.tenantId]);
    assert.equal(n, DEFAULT_LOG_SIZE);
  });

  test('streams new entries as server-sent events and ends when the app closes', async () => {
    const local = await startApp({ PC_WORKER: 'false' });
    const q = await newPartner(local.app);
    const url = new URL(await local.app.listen({ port: 0, host: '127.0.0.1' }));
    const res = await fetch(new URL(`/sandbox/partners/${q.tenantId}/requests`, url), { headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/event-stream/);
    const reader = res.body!.getReader();
    const got: string[] = [];
    await call(local.app, 'GET', '/v1/customers', { token: q.appToken });
    const decoder = new TextDecoder();
    let text = '';
    while (!/\ndata: /.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    got.push(...text.split('\n').filter((l) => l.startsWith('data: ')));
    assert.equal(got.length, 1, text);
    assert.equal(JSON.parse(got[0].slice(6)).path, '/v1/customers');
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();
    await local.close();
    assert.equal(await ended, true);
  });
});

describe('delete and reset', () => {
  const tenantTables = async () =>
    (
      await ctx.db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.columns WHERE column_name = 'partner_tenant_id' AND table_schema = current_schema()`,
      )
    ).map((r) => r.table_name);

  /** Makes the partner own a row in as many tables as the API reaches. */
  async function busy(p: Partner) {
    const c = p.customers[0];
    const out = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { token: p.userToken, headers: { 'ms-requestid': randomUUID() } });
    assert.equal(out.statusCode, 201, out.body);
    await ctx.app.inject({ method: 'PUT', url: `/sandbox/partners/${p.tenantId}/provisioning`, payload: { delaysSeconds: { Azure: 5 } } });
    await ctx.app.inject({ method: 'PUT', url: `/sandbox/partners/${p.tenantId}/provisioning/faults/MS-AZR-0145P`, payload: {} });
    await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/clock`, payload: { advanceBy: 'P1D' } });
    await addFault(p, { route: '/v1/nothing', effect: { type: 'drop' } });
    await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/customers`, payload: {} });
    await new Promise((r) => setTimeout(r, 50));
  }

  test('every table with partner_tenant_id is one deletion and reset clear', async () => {
    const missing = (await tenantTables()).filter((t) => !OWNED_TABLES.includes(t) && t !== 'sandbox_partner_seeds');
    assert.deepEqual(missing, []);
  });

  test('DELETE removes the partner and every row it owns; other tenants keep theirs', async () => {
    const p = await newPartner(ctx.app);
    const other = await newPartner(ctx.app);
    await busy(p);
    const denied = await ctx.app.inject({ method: 'DELETE', url: `/sandbox/partners/${p.tenantId}`, ...asRemote(other.appToken) });
    assert.equal(denied.statusCode, 404);
    const res = await ctx.app.inject({ method: 'DELETE', url: `/sandbox/partners/${p.tenantId}` });
    assert.equal(res.statusCode, 204, res.body);
    for (const table of await tenantTables()) {
      const [{ n }] = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE partner_tenant_id = $1`, [p.tenantId]);
      assert.equal(n, 0, `${table} keeps rows of the deleted partner`);
    }
    assert.equal((await ctx.db.query('SELECT 1 FROM partners WHERE tenant_id = $1', [p.tenantId])).length, 0);
    assert.equal((await ctx.app.inject({ method: 'DELETE', url: `/sandbox/partners/${p.tenantId}` })).statusCode, 404);
    assert.equal((await customers(other)).statusCode, 200);
    assert.equal((await ctx.app.inject({ method: 'DELETE', url: '/sandbox/partners/not-a-guid' })).statusCode, 400);
  });

  test('reset puts back the created customers and carts, the real clock, and nothing else', async () => {
    const p = await newPartner(ctx.app);
    await busy(p);
    const res = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/reset` });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().customers, p.customers);
    const list = (await customers(p)).json();
    assert.deepEqual(list.items.map((c: { id: string }) => c.id), [p.customers[0].id]);
    const cart = await call(ctx.app, 'GET', cartUrl(p), { token: p.appToken });
    assert.equal(cart.json().status, 'Active');
    const clock = (await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${p.tenantId}/clock` })).json();
    assert.equal(clock.offsetSeconds, 0);
    for (const table of ['orders', 'sandbox_fault_rules', 'sandbox_provisioning_faults']) {
      const [{ n }] = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE partner_tenant_id = $1`, [p.tenantId]);
      assert.equal(n, 0, table);
    }
    // The only jobs left are the renewals of the subscriptions a sandbox customer comes with (its Azure plan).
    const jobs = await ctx.db.query<{ kind: string; key: string }>('SELECT kind, key FROM jobs WHERE partner_tenant_id = $1 ORDER BY key', [p.tenantId]);
    const subs = await ctx.db.query<{ id: string }>('SELECT id::text FROM subscriptions WHERE partner_tenant_id = $1 ORDER BY id', [p.tenantId]);
    assert.deepEqual(jobs, subs.map((s) => ({ kind: 'renewal', key: s.id })));
    // Its credentials still work: the tokens it had still sign in.
    const again = await call(ctx.app, 'POST', `/v1/customers/${p.customers[0].id}/carts/${p.customers[0].cartId}/checkout`, { token: p.userToken });
    assert.equal(again.statusCode, 201, again.body);
  });
});
