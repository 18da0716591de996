/**
 * The OpenAPI document and the docs page: every operation named and secured as the app secures it,
 * the error answers the app gives declared with Partner Center's error body, and, in a real browser,
 * "Try it out" on /docs sending the bearer token after Authorize.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Value } from 'typebox/value';
import { ErrorBody } from '@partner-commerce/contract';
import { call, newPartner, startApp, type Partner, type TestContext } from './helpers.js';
import { listen } from '../../sdk/test/support.js';

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema: { default?: unknown } }[];
  requestBody?: { required?: boolean };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface Document {
  servers?: { url: string }[];
  components: { securitySchemes: Record<string, { type: string; flows?: { password?: { tokenUrl: string } } }> };
  paths: Record<string, Record<string, Operation>>;
}

const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));

const documentOf = async (ctx: TestContext) => (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Document;

describe('sandbox mode', () => {
  let ctx: TestContext;
  let doc: Document;
  let partner: Partner;
  before(async () => {
    ctx = await startApp();
    doc = await documentOf(ctx);
    partner = await newPartner(ctx.app);
  });
  after(() => ctx.close());

  test('every operation has a unique operationId', () => {
    const ids = operations(doc).map(({ op }) => op.operationId);
    assert.ok(ids.length > 25);
    assert.ok(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id)), ids.join(' '));
    assert.equal(new Set(ids).size, ids.length);
  });

  test('every /v1 operation wants the partner token, got by pasting one or by signing in at the token endpoint', () => {
    const v1 = operations(doc).filter(({ path }) => path.startsWith('/v1/'));
    assert.ok(v1.length >= 20);
    for (const { path, method, op } of v1) assert.deepEqual(op.security, [{ partnerToken: [] }, { sandboxSignIn: [] }], `${method} ${path}`);
    assert.equal(doc.components.securitySchemes.partnerToken.type, 'http');
    assert.equal(doc.components.securitySchemes.sandboxSignIn.flows?.password?.tokenUrl, '/oauth2/token');
    assert.deepEqual(doc.servers, [{ url: '/', description: 'The server this document is served by' }]);
  });

  test('routes without the partner token say so: token endpoint, keys, health, metrics; the control API is loopback or a token', () => {
    const security = (path: string, method = 'get') => doc.paths[path][method].security;
    for (const path of ['/healthz', '/readyz', '/metrics', '/.well-known/jwks.json']) assert.deepEqual(security(path), [], path);
    assert.deepEqual(security('/oauth2/token', 'post'), []);
    assert.deepEqual(security('/sandbox/partners', 'post'), [{}, { sandboxAdmin: [] }]);
    assert.deepEqual(security('/sandbox/partners/{tenantId}/provisioning/jobs'), [{}, { sandboxAdmin: [] }, { partnerToken: [] }, { sandboxSignIn: [] }]);
  });

  test('a parameter with a default is not required; an optional body is not required', () => {
    const size = (path: string) => doc.paths[path].get.parameters?.find((p) => p.name === 'size');
    for (const path of ['/v1/customers', '/v1/auditrecords']) {
      assert.equal(size(path)?.required, false, path);
      assert.equal(size(path)?.schema.default, 500, path);
    }
    assert.equal(doc.paths['/v1/customers/{customerId}/carts/{cartId}/checkout'].post.requestBody?.required, false);
    assert.equal(doc.paths['/sandbox/partners'].post.requestBody?.required, false);
    assert.equal(doc.paths['/v1/customers/{customerId}/carts'].post.requestBody?.required, true);
  });

  test('every operation declares a 4xx; Partner Center errors carry its error body schema', () => {
    for (const { path, method, op } of operations(doc)) {
      const errors = Object.keys(op.responses).filter((s) => s.startsWith('4'));
      assert.ok(errors.length > 0, `${method} ${path}`);
      if (path.startsWith('/v1/')) {
        for (const status of ['400', '401', '500']) {
          assert.equal(op.responses[status]?.content?.['application/json'].schema.$ref, '#/components/schemas/ErrorBody', `${method} ${path} ${status}`);
        }
        assert.equal(op.responses['429']?.content?.['application/json'].schema.$ref, '#/components/schemas/ThrottleBody');
      }
    }
  });

  test('the errors the app answers are the ones the document declares, in the body it declares', async () => {
    const customer = partner.customers[0];
    const missing = '00000000-0000-4000-8000-000000000000';
    const cases: [string, 'GET' | 'POST', string, Parameters<typeof call>[3], number][] = [
      ['listCustomers', 'GET', '/v1/customers', {}, 401],
      ['listCustomers', 'GET', '/v1/customers?size=501', { token: partner.appToken }, 400],
      ['getCustomer', 'GET', `/v1/customers/${missing}`, { token: partner.appToken }, 404],
      ['getCart', 'GET', `/v1/customers/${customer.id}/carts/${missing}`, { token: partner.appToken }, 404],
      ['getOrderProvisioningStatus', 'GET', `/v1/customers/${customer.id}/orders/${missing}/provisioningstatus`, { token: partner.appToken }, 403],
      ['createCart', 'POST', `/v1/customers/${customer.id}/carts`, { token: partner.appToken, body: '{}', headers: { 'content-type': 'text/plain' } }, 415],
      ['listProvisioningJobs', 'GET', `/sandbox/partners/${missing}/provisioning/jobs`, { token: partner.appToken }, 404],
    ];
    const byId = new Map(operations(doc).map((o) => [o.op.operationId, o.op]));
    for (const [operationId, method, url, opts, status] of cases) {
      const res = await call(ctx.app, method, url, opts);
      assert.equal(res.statusCode, status, `${operationId}: ${res.body}`);
      assert.ok(byId.get(operationId)?.responses[String(status)], `${operationId} declares ${status}`);
      assert.ok(Value.Check(ErrorBody, res.json()), `${operationId} ${status}: ${res.body}`);
    }
  });

  test('with PC_SANDBOX_ADMIN_TOKEN set, the control API no longer claims to answer without a token', async () => {
    const guarded = await startApp({ PC_SANDBOX_ADMIN_TOKEN: 'admin-secret-token' });
    try {
      assert.deepEqual((await documentOf(guarded)).paths['/sandbox/partners'].post.security, [{ sandboxAdmin: [] }]);
    } finally {
      await guarded.close();
    }
  });

  describe('the docs page in a real browser', { skip: CHROMIUM ? false : 'no Chromium (apt-get install chromium, or set CHROMIUM_PATH)' }, () => {
    let base: string;
    let browser: import('playwright-core').Browser;
    before(async () => {
      const { chromium } = await import('playwright-core');
      base = await listen(ctx);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    });
    after(() => browser?.close());

    /** Runs `listCustomers` with Try it out; the Authorization header of the /v1 request and the status shown. */
    async function tryListCustomers(authorize: (page: import('playwright-core').Page) => Promise<void>) {
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      try {
        await page.goto(`${base}/docs`);
        await page.locator('.btn.authorize').first().click();
        await authorize(page);
        await page.locator('.modal-ux .close-modal').first().click();
        const op = page.locator('#operations-customers-listCustomers');
        await op.locator('.opblock-summary').click();
        await op.locator('.try-out__btn').click();
        const [request] = await Promise.all([page.waitForRequest((r) => r.url().startsWith(`${base}/v1/customers`)), op.locator('.execute').click()]);
        const status = op.locator('.live-responses-table tbody .response-col_status');
        await status.waitFor();
        return { authorization: request.headers().authorization, status: (await status.innerText()).trim() };
      } finally {
        await page.close();
      }
    }

    test('Authorize with a pasted token: Try it out sends it', async () => {
      const { appToken } = await newPartner(ctx.app);
      const result = await tryListCustomers(async (page) => {
        const scheme = page.locator('.auth-container').filter({ hasText: 'partnerToken' });
        await scheme.locator('input').fill(appToken);
        await scheme.locator('button.authorize').click();
      });
      assert.deepEqual(result, { authorization: `Bearer ${appToken}`, status: '200' });
    });

    test("Authorize by signing in: the page gets a token at the sandbox's /oauth2/token and Try it out sends it", async () => {
      const result = await tryListCustomers(async (page) => {
        const scheme = page.locator('.auth-container').filter({ hasText: 'sandboxSignIn' });
        await scheme.locator('#oauth_username').fill(ctx.config.sandbox.username);
        await scheme.locator('#oauth_password').fill(ctx.config.sandbox.password);
        await scheme.locator('button.authorize').click();
        await scheme.getByText('Authorized').waitFor();
      });
      assert.match(result.authorization ?? '', /^Bearer eyJ/);
      assert.equal(result.status, '200');
    });
  });
});

test('jwks mode: /v1 still declares the bearer token; no sandbox sign-in, no sandbox routes', async () => {
  const ctx = await startApp({ PC_AUTH_MODE: 'jwks', PC_JWKS_URL: 'https://issuer.invalid/keys', PC_JWT_ISSUER: 'https://issuer.invalid/' });
  try {
    const doc = await documentOf(ctx);
    assert.deepEqual(Object.keys(doc.components.securitySchemes), ['partnerToken']);
    const ops = operations(doc);
    assert.ok(ops.every(({ path }) => !path.startsWith('/sandbox') && !path.startsWith('/oauth2')));
    for (const { path, op } of ops.filter(({ path }) => path.startsWith('/v1/'))) assert.deepEqual(op.security, [{ partnerToken: [] }], path);
  } finally {
    await ctx.close();
  }
});

