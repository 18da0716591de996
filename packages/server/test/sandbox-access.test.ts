/**
 * Who may use the sandbox control API (`/sandbox/...`): loopback clients when PC_SANDBOX_ADMIN_TOKEN is
 * not set, else only holders of that token; and a partner's own bearer token on its own
 * `/sandbox/partners/{tenantId}/...` routes, from anywhere. Another partner's tenant answers 404.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { engine, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

const REMOTE = '10.0.0.5';
const FAULT = 'DZH318Z0BXWC:0002:DZH318Z0BMRV';

interface Ask {
  from?: string;
  token?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** One sandbox call from `from` (loopback unless said), with a bearer token when given. */
const ask = (ctx: TestContext, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, opts: Ask = {}) =>
  ctx.app.inject({
    method,
    url,
    remoteAddress: opts.from ?? '127.0.0.1',
    headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
    ...(opts.body === undefined ? {} : { payload: opts.body as object }),
  });

/** Every control route of a partner tenant, as [method, url, body]. */
const tenantRoutes = (tenantId: string): ['GET' | 'POST' | 'PUT' | 'DELETE', string, unknown][] => [
  ['POST', `/sandbox/partners/${tenantId}/customers`, {}],
  ['PUT', `/sandbox/partners/${tenantId}/provisioning`, { delaysSeconds: { Azure: 0 } }],
  ['PUT', `/sandbox/partners/${tenantId}/provisioning/faults/${FAULT}`, { failures: 1 }],
  ['DELETE', `/sandbox/partners/${tenantId}/provisioning/faults/${FAULT}`, undefined],
  ['GET', `/sandbox/partners/${tenantId}/provisioning/jobs`, undefined],
];

function assertRefused(res: LightMyRequestResponse, status: 401 | 403 | 404, what: string) {
  assert.equal(res.statusCode, status, `${what}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  const body = res.json();
  assert.deepEqual(Object.keys(body).sort(), ['code', 'data', 'description', 'source'], what);
  if (status === 401) assert.match(String(res.headers['www-authenticate']), /^OAuth realm=/, what);
}

const customersOf = async (ctx: TestContext, tenantId: string) =>
  (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE partner_tenant_id = $1', [tenantId]))[0].n;
const faultsOf = async (ctx: TestContext, tenantId: string) =>
  (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sandbox_provisioning_faults WHERE partner_tenant_id = $1', [tenantId]))[0].n;

describe(`sandbox control API without PC_SANDBOX_ADMIN_TOKEN: loopback only (${engine})`, () => {
  let ctx: TestContext;
  let a: Partner;
  let b: Partner;
  before(async () => {
    ctx = await startApp();
    a = await newPartner(ctx.app);
    b = await newPartner(ctx.app);
  });
  after(() => ctx.close());

  test('loopback clients (127.0.0.0/8, ::1, ::ffff:127.x) may do everything', async () => {
    for (const from of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      assert.equal((await ask(ctx, 'POST', '/sandbox/partners', { from, body: {} })).statusCode, 201, from);
      for (const [method, url, body] of tenantRoutes(a.tenantId)) {
        const res = await ask(ctx, method, url, { from, body });
        assert.ok(res.statusCode === 200 || res.statusCode === 201, `${from} ${method} ${url}: ${res.statusCode} ${res.body}`);
      }
    }
  });

  test('any other client is refused, and changes nothing', async () => {
    const customers = await customersOf(ctx, b.tenantId);
    const partners = (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM partners'))[0].n;
    for (const from of [REMOTE, '::ffff:10.0.0.5', '2001:db8::1', '128.0.0.1']) {
      assertRefused(await ask(ctx, 'POST', '/sandbox/partners', { from, body: {} }), 403, `${from} create partner`);
      for (const [method, url, body] of tenantRoutes(b.tenantId)) assertRefused(await ask(ctx, method, url, { from, body }), 401, `${from} ${method} ${url}`);
    }
    assert.equal(await customersOf(ctx, b.tenantId), customers);
    assert.equal(await faultsOf(ctx, b.tenantId), 0);
    assert.equal((await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM partners'))[0].n, partners);
  });

  test('X-Forwarded-For is not trusted (no trustProxy): it neither grants loopback nor keeps it', async () => {
    assertRefused(await ask(ctx, 'POST', '/sandbox/partners', { from: REMOTE, headers: { 'x-forwarded-for': '127.0.0.1' }, body: {} }), 403, 'spoofed');
    // A reverse proxy on the same host forwards remote clients from 127.0.0.1: not loopback clients.
    assertRefused(await ask(ctx, 'POST', '/sandbox/partners', { headers: { 'x-forwarded-for': '203.0.113.9' }, body: {} }), 403, 'proxied');
    assertRefused(await ask(ctx, 'POST', '/sandbox/partners', { headers: { forwarded: 'for=203.0.113.9' }, body: {} }), 403, 'proxied (Forwarded)');
  });

  test("a partner's own token (app-only or app+user) opens its own control routes, from anywhere", async () => {
    for (const token of [a.appToken, a.userToken]) {
      for (const [method, url, body] of tenantRoutes(a.tenantId)) {
        const res = await ask(ctx, method, url, { from: REMOTE, token, body });
        assert.ok(res.statusCode === 200 || res.statusCode === 201, `${method} ${url}: ${res.statusCode} ${res.body}`);
      }
      // Tenant ids are GUIDs in any case.
      assert.equal((await ask(ctx, 'GET', `/sandbox/partners/${a.tenantId.toUpperCase()}/provisioning/jobs`, { from: REMOTE, token })).statusCode, 200);
    }
  });

  test("another partner's routes answer 404 to a partner token; creating partners 403; a bad token 401", async () => {
    const customers = await customersOf(ctx, b.tenantId);
    for (const [method, url, body] of tenantRoutes(b.tenantId)) {
      assertRefused(await ask(ctx, method, url, { from: REMOTE, token: a.appToken, body }), 404, `${method} ${url}`);
    }
    assertRefused(await ask(ctx, 'POST', '/sandbox/partners', { from: REMOTE, token: a.appToken, body: {} }), 403, 'partner token creating a partner');
    assertRefused(await ask(ctx, 'GET', `/sandbox/partners/${randomUUID()}/provisioning/jobs`, { from: REMOTE, token: a.appToken }), 404, 'missing tenant');
    assertRefused(await ask(ctx, 'GET', `/sandbox/partners/${a.tenantId}/provisioning/jobs`, { from: REMOTE, token: `${a.appToken}x` }), 401, 'bad token');
    assertRefused(await ask(ctx, 'GET', `/sandbox/partners/not-a-guid/provisioning/jobs`, { from: REMOTE, token: a.appToken }), 404, 'not a GUID');
    assert.equal(await customersOf(ctx, b.tenantId), customers);
    assert.equal(await faultsOf(ctx, b.tenantId), 0);
  });

  test('the token endpoint and the JWKS stay open to everyone', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: a.clientId, client_secret: a.clientSecret }).toString();
    const res = await ask(ctx, 'POST', '/oauth2/token', { from: REMOTE, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await ask(ctx, 'GET', '/.well-known/jwks.json', { from: REMOTE })).statusCode, 200);
  });
});

describe(`sandbox control API with PC_SANDBOX_ADMIN_TOKEN (${engine})`, () => {
  const ADMIN = `admin-${randomUUID()}`;
  let ctx: TestContext;
  let a: Partner;
  let b: Partner;
  before(async () => {
    ctx = await startApp({ PC_SANDBOX_ADMIN_TOKEN: ADMIN });
    a = await newPartner(ctx.app, ADMIN);
    b = await newPartner(ctx.app, ADMIN);
  });
  after(() => ctx.close());

  test('without the admin token every control route is refused, loopback included', async () => {
    for (const from of ['127.0.0.1', '::1', REMOTE]) {
      for (const token of [undefined, 'wrong', ADMIN.slice(0, -1), `${ADMIN}x`]) {
        assertRefused(await ask(ctx, 'POST', '/sandbox/partners', { from, token, body: {} }), 401, `${from} ${token} create partner`);
        for (const [method, url, body] of tenantRoutes(b.tenantId)) assertRefused(await ask(ctx, method, url, { from, token, body }), 401, `${from} ${token} ${method} ${url}`);
      }
    }
    assert.equal(await faultsOf(ctx, b.tenantId), 0);
  });

  test('with it, everything is allowed, from anywhere', async () => {
    for (const from of ['127.0.0.1', REMOTE]) {
      assert.equal((await ask(ctx, 'POST', '/sandbox/partners', { from, token: ADMIN, body: {} })).statusCode, 201);
      for (const [method, url, body] of tenantRoutes(b.tenantId)) {
        const res = await ask(ctx, method, url, { from, token: ADMIN, body });
        assert.ok(res.statusCode === 200 || res.statusCode === 201, `${from} ${method} ${url}: ${res.statusCode} ${res.body}`);
      }
    }
  });

  test("a partner's token: its own routes yes, another partner's 404, creating partners 403", async () => {
    for (const [method, url, body] of tenantRoutes(a.tenantId)) {
      const res = await ask(ctx, method, url, { token: a.userToken, body });
      assert.ok(res.statusCode === 200 || res.statusCode === 201, `${method} ${url}: ${res.statusCode} ${res.body}`);
    }
    const faults = await faultsOf(ctx, b.tenantId);
    for (const [method, url, body] of tenantRoutes(b.tenantId)) assertRefused(await ask(ctx, method, url, { token: a.appToken, body }), 404, `${method} ${url}`);
    assertRefused(await ask(ctx, 'POST', '/sandbox/partners', { token: a.appToken, body: {} }), 403, 'create partner');
    assert.equal(await faultsOf(ctx, b.tenantId), faults);
  });
});
