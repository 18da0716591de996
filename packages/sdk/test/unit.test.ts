/**
 * Pure parts of the SDK, without a server: clouds and their sign-in endpoints, path encoding in one
 * place, backoff bounds, Retry-After parsing, error bodies, and that nothing ties it to Node.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import {
  CLOUDS,
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  buildUrl,
  createPartnerOperations,
  errorFromResponse,
  parseRetryAfter,
  resolveCloud,
  toIsoDuration,
} from '../src/index.js';

/** A fetch that records each call and answers from `reply`. */
function stubFetch(reply: (url: string, init: RequestInit) => { status?: number; body?: unknown; headers?: Record<string, string> }) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchImpl: typeof fetch = async (input, init = {}) => {
    const url = String(input);
    calls.push({ url, init });
    const r = reply(url, init);
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), { status: r.status ?? 200, headers: r.headers });
  };
  return { calls, fetchImpl };
}

const tokenReply = { body: { token_type: 'Bearer', expires_in: '3599', access_token: 'tok' } };
const emptyCollection = { totalCount: 0, items: [], links: { self: { uri: '/x', method: 'GET', headers: [] } }, attributes: { objectType: 'Collection' } };

describe('clouds', () => {
  test('the four clouds: API base URLs and sign-in authorities', () => {
    assert.equal(CLOUDS.global.apiBaseUrl, 'https://api.partnercenter.microsoft.com');
    assert.equal(CLOUDS.germany.apiBaseUrl, 'https://api.partnercenter.microsoft.com');
    assert.equal(CLOUDS.usgov.apiBaseUrl, 'https://api.partnercenter.microsoft.com');
    assert.equal(CLOUDS.china.apiBaseUrl, 'https://partner.partnercenterapi.microsoftonline.cn');
    assert.equal(CLOUDS.global.authority, 'https://login.microsoftonline.com');
    assert.equal(CLOUDS.china.authority, 'https://login.chinacloudapi.cn');
    assert.equal(CLOUDS.germany.authority, 'https://login.microsoftonline.de');
    assert.equal(CLOUDS.usgov.authority, 'https://login.microsoftonline.us');
    assert.equal(resolveCloud('21Vianet').name, 'china');
    assert.equal(resolveCloud('AzureUSGovernment').name, 'usgov');
    assert.throws(() => resolveCloud('mars'), /Unknown Partner Center cloud/);
  });

  test('app-only sign-in in a cloud: client_credentials at {authority}/{tenant}/oauth2/token for the Graph resource', async () => {
    const { calls, fetchImpl } = stubFetch((url) => (url.includes('/oauth2/token') ? tokenReply : { body: emptyCollection }));
    const partner = createPartnerOperations({
      cloud: '21Vianet',
      credentials: { clientId: 'app', clientSecret: 's3cret', tenant: 'contoso.partner.onmschina.cn' },
      fetch: fetchImpl,
    });
    assert.equal(partner.baseUrl, 'https://partner.partnercenterapi.microsoftonline.cn');
    await partner.customers.get();
    assert.equal(calls[0].url, 'https://login.chinacloudapi.cn/contoso.partner.onmschina.cn/oauth2/token');
    const form = new URLSearchParams(String(calls[0].init.body));
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('resource'), 'https://graph.chinacloudapi.cn');
    assert.equal(form.get('client_secret'), 's3cret');
    const tokenHeaders = calls[0].init.headers as Record<string, string>;
    assert.equal(tokenHeaders['MS-RequestId'], undefined, 'no Partner Center headers to the sign-in authority');
    assert.equal(calls[1].url, 'https://partner.partnercenterapi.microsoftonline.cn/v1/customers');
    assert.equal((calls[1].init.headers as Record<string, string>).Authorization, 'Bearer tok');
  });

  test('the global cloud by default; a tenant is required for app-only sign-in there', () => {
    assert.equal(createPartnerOperations({ credentials: { accessToken: 't' } }).baseUrl, 'https://api.partnercenter.microsoft.com');
    assert.throws(() => createPartnerOperations({ credentials: { clientId: 'a', clientSecret: 'b' } }), /needs credentials.tenant/);
  });

  test('a base URL signs in at {baseUrl}/oauth2/token; app+user by password asks the Partner Center resource', async () => {
    const { calls, fetchImpl } = stubFetch((url) => (url.includes('/oauth2/token') ? tokenReply : { body: emptyCollection }));
    const partner = createPartnerOperations({ baseUrl: 'http://127.0.0.1:9/', credentials: { username: 'u', password: 'p' }, fetch: fetchImpl });
    await partner.customers.get();
    assert.equal(calls[0].url, 'http://127.0.0.1:9/oauth2/token');
    const form = new URLSearchParams(String(calls[0].init.body));
    assert.equal(form.get('grant_type'), 'password');
    assert.equal(form.get('resource'), 'https://api.partnercenter.microsoft.com');
  });
});

describe('paths', () => {
  test('segments are encoded, each on its own', async () => {
    const { calls, fetchImpl } = stubFetch(() => ({ body: {} }));
    const partner = createPartnerOperations({ baseUrl: 'http://h', credentials: { accessToken: 't' }, fetch: fetchImpl });
    await partner.customers.byId('a/b?c#d').carts.byId('x y').get();
    await partner.customers.byId('c 1').carts.byId('k%2F').checkout();
    await partner.products.byCountry('US').byId('P/1').skus.byId('0001').availabilities.byId('A&B').get();
    await partner.customers.byId('c').orders.get({ billingType: 'one_time', includePrice: true });
    assert.deepEqual(calls.map((c) => `${c.init.method} ${c.url}`), [
      'GET http://h/v1/customers/a%2Fb%3Fc%23d/carts/x%20y',
      'POST http://h/v1/customers/c%201/carts/k%252F/checkout',
      'GET http://h/v1/products/P%2F1/skus/0001/availabilities/A%26B?country=US',
      'GET http://h/v1/customers/c/orders?billingType=one_time&include_price=true',
    ]);
    assert.equal(buildUrl('http://h/', ['v1', 'products'], { country: 'US', targetView: undefined }), 'http://h/v1/products?country=US');
  });

  test('checkout sends no body, and the customer user UPN when given', async () => {
    const { calls, fetchImpl } = stubFetch(() => ({ status: 201, body: { orders: [], orderErrors: [] } }));
    const partner = createPartnerOperations({ baseUrl: 'http://h', credentials: { accessToken: 't' }, fetch: fetchImpl });
    await partner.customers.byId('c').carts.byId('k').checkout({ customerUserUpn: 'admin@contoso.com', requestId: 'my-request-id' });
    assert.equal(calls[0].init.body, undefined);
    const headers = calls[0].init.headers as Record<string, string>;
    assert.equal(headers['x-ms-customeruser-upn'], 'admin@contoso.com');
    assert.equal(headers['MS-RequestId'], 'my-request-id');
  });
});

describe('retry policy', () => {
  test('backoff grows, is capped, and is jittered within [ceiling/2, ceiling]', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffDelay(1, policy, () => 0), 50);
    assert.equal(backoffDelay(1, policy, () => 1), 100);
    assert.equal(backoffDelay(3, policy, () => 1), 400);
    assert.equal(backoffDelay(10, policy, () => 1), 1000);
    assert.equal(backoffDelay(10, policy, () => 0), 500);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(2, policy);
      assert.ok(d >= 100 && d <= 200);
    }
  });

  test('Retry-After: seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('57'), 57_000);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
  });

  test('a user abort stops at once, without retrying', async () => {
    let calls = 0;
    const fetchImpl: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        calls++;
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      });
    const partner = createPartnerOperations({ baseUrl: 'http://h', credentials: { accessToken: 't' }, fetch: fetchImpl });
    const controller = new AbortController();
    const pending = partner.customers.get({}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user gave up')), 10);
    await assert.rejects(pending, /user gave up/);
    assert.equal(calls, 1);
  });
});

describe('errors', () => {
  const ctx = { requestId: 'r', correlationId: 'c' };
  test('Partner Center bodies, the 429 body, OAuth bodies, text', () => {
    const pc = errorFromResponse(404, { code: '800008', description: 'Unable to retrieve cart Id x.', data: ['x'], source: 'PartnerFD' }, ctx);
    assert.equal(pc.code, 800008);
    assert.deepEqual(pc.data, ['x']);
    assert.equal(pc.source, 'PartnerFD');
    assert.match(pc.message, /800008 \(HTTP 404\): Unable to retrieve cart Id x\. \[MS-RequestId r\]/);
    const throttled = errorFromResponse(429, { statusCode: 429, message: 'Rate limit is exceeded.' }, { ...ctx, retryAfterSeconds: 57 });
    assert.equal(throttled.code, undefined);
    assert.equal(throttled.description, 'Rate limit is exceeded.');
    assert.equal(throttled.retryAfterSeconds, 57);
    const oauth = errorFromResponse(400, { error: 'invalid_grant', error_description: 'AADSTS70000: bad grant' }, ctx);
    assert.equal(oauth.code, 'invalid_grant');
    assert.match(oauth.description, /AADSTS70000/);
    assert.equal(errorFromResponse(502, 'Bad gateway', ctx).description, 'Bad gateway');
    assert.equal(errorFromResponse(500, undefined, { ...ctx, statusText: 'Internal Server Error' }).description, 'Internal Server Error');
  });
});

describe('runs in browsers', () => {
  test('the SDK sources use no Node built-in and no Node global', () => {
    const dir = new URL('../src/', import.meta.url);
    for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.ts'))) {
      const source = readFileSync(new URL(name, dir), 'utf8');
      assert.doesNotMatch(source, /from ['"]node:|require\(|\bprocess\.|\bBuffer\b/, name);
      for (const m of source.matchAll(/^import (?!type)[^;]*from ['"]([^'"]+)['"]/gm)) {
        assert.ok(/^\.\.?\//.test(m[1]), `${name} imports ${m[1]} at run time; only types may come from other packages`);
      }
    }
  });
});

describe('request ids', () => {
  test('a v4 GUID even where crypto.randomUUID is missing (insecure browser contexts)', async () => {
    const { calls, fetchImpl } = stubFetch(() => ({ body: {} }));
    const partner = createPartnerOperations({ baseUrl: 'http://h', credentials: { accessToken: 't' }, fetch: fetchImpl });
    // Shadow the prototype's method with an own property, then remove it again.
    Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true, writable: true });
    try {
      await partner.customers.get();
    } finally {
      delete (globalThis.crypto as { randomUUID?: unknown }).randomUUID;
    }
    assert.equal(typeof globalThis.crypto.randomUUID, 'function');
    const headers = calls[0].init.headers as Record<string, string>;
    assert.match(headers['MS-RequestId'], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(headers['MS-RequestId'], headers['MS-CorrelationId']);
  });
});

describe('toIsoDuration', () => {
  test('short durations become ISO-8601; ISO ones pass; anything else throws', () => {
    const cases: [string, string][] = [
      ['8d', 'P8D'], ['12h', 'PT12H'], ['1y', 'P1Y'], ['2w', 'P2W'], ['3mo', 'P3M'], ['30m', 'PT30M'], ['45s', 'PT45S'],
      ['1d12h', 'P1DT12H'], ['1Y2MO', 'P1Y2M'], ['P8D', 'P8D'], ['pt12h', 'PT12H'],
    ];
    for (const [given, iso] of cases) assert.equal(toIsoDuration(given), iso, given);
    for (const bad of ['', '8', 'd', '8 days', '-1d', '8x', '1d 2h']) assert.throws(() => toIsoDuration(bad), RangeError, bad);
  });
});
