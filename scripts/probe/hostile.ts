/**
 * `npm run probe:hostile`: hostile input against one real server process (issue 13's third figure).
 * Two sandbox partners: a victim, whose data (customers, carts, orders, subscriptions, audit records)
 * is snapshotted, and an attacker, who sends --requests generated requests at --concurrency: NUL and
 * lone surrogates in every string field, key, query parameter, path segment, form field and sandbox
 * name (as JSON escapes and as raw bytes), out-of-range numbers and dates, ~1 MB invalid bodies, forged
 * tokens, header abuse over raw sockets, and the victim's ids under the attacker's token. A thread of
 * its own polls /healthz every 50 ms. Fails on any 5xx, a /healthz poll over --stall-ms, a change to
 * the victim's data, a 2xx to a forged or cross-tenant request, or a victim id the request did not
 * carry in a response to the attacker. The same --seed sends the same requests.
 */
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { dropSchema, flags, freshSchema, groupBy, healthMonitor, http, inPool, printTable, rawHttp, Rng, sandboxPartner, sleep, startServer, type SandboxPartner } from './support.js';

const usage = `npm run probe:hostile [-- options]     (PGlite in a new directory, as npm start; with DATABASE_URL=postgres://… PostgreSQL, in a fresh schema)
  --data-dir=DIR      PGlite data directory (default: a new temporary one, removed after; memory:// keeps it in memory)
  --requests=50000    hostile requests to send
  --concurrency=8     requests in flight at once (more mostly queues: /healthz then waits behind the queue, not a stall)
  --huge=200          of which ~1 MB invalid bodies
  --stall-ms=200      slowest acceptable /healthz poll
  --seed=1            PRNG seed: the same seed sends the same requests
  --show=20           5xx (and other findings) listed in full
  --keep-schema       keep the PostgreSQL schema afterwards`;
const o = flags(usage, { 'data-dir': '', requests: 50_000, concurrency: 8, huge: 200, 'stall-ms': 200, seed: 1, show: 20, 'keep-schema': false });
const DATABASE_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const schema = freshSchema('probe_hostile');
const rng = new Rng(o.seed);

interface Req {
  kind: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The whole request as bytes, for what fetch refuses to send. */
  raw?: Buffer;
  /** Aimed at the victim without the victim's credentials: a 2xx is a breach. */
  victim?: boolean;
}

// ---- poisons -------------------------------------------------------------------------------------
/** Strings for JSON string contexts; JSON.stringify writes NUL and lone surrogates as \u escapes. */
const POISON = ['\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\udc00\ud800', '\u0000\ud800', '\ufffe', '\u202e', "'; DROP TABLE carts;--", '%00', '\\u0000', 'x'.repeat(300), '\u0085\u2028'];
/** Bytes no UTF-8 or JSON parser should take inside a string: raw NUL, a CESU-8 surrogate, an overlong NUL, 0xFF, a cut-off sequence. */
const RAW_POISON = [[0x00], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0xff], [0xf0, 0x9f, 0x98], [0xed, 0xbf, 0xbf]].map((b) => Buffer.from(b));
/** The same for URLs, percent-encoded. */
const URL_POISON = ['%00', 'a%00b', '%ED%A0%80', '%C0%80', '%FF', '%F0%9F%98', '%', '%zz', '%u0000', 'x'.repeat(3000), '%2e%2e%2f%2e%2e', '\u0000'];
const MARK = 'ⓅⓅ';
/** `json` with the placeholder replaced by `bytes` (raw, not escaped). */
const withBytes = (json: string, bytes: Buffer) => {
  const parts = json.split(MARK).map((p) => Buffer.from(p));
  return Buffer.concat(parts.flatMap((p, i) => (i ? [bytes, p] : [p])));
};
/** A poisoned value as JSON text: either an escaped string or raw bytes where the placeholder is. */
const poisoned = (build: (p: string) => unknown): string | Buffer =>
  rng.chance(0.6) ? JSON.stringify(build(rng.pick(POISON))) : withBytes(JSON.stringify(build(MARK)), rng.pick(RAW_POISON));

const line = (over: Record<string, unknown> = {}) => ({
  id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M', friendlyName: 'probe', ...over,
});
/** Every place a string goes in a cart line, as a function of the poison. */
const STRING_PLACES: ((p: string) => unknown)[] = [
  (p) => ({ lineItems: [line({ friendlyName: p })] }),
  (p) => ({ lineItems: [line({ catalogItemId: p })] }),
  (p) => ({ lineItems: [line({ catalogItemId: `CFQ7TTC0LH18:0001:CFQ7TTC0K971${p}` })] }),
  (p) => ({ lineItems: [line({ termDuration: p })] }),
  (p) => ({ lineItems: [line({ billingCycle: p })] }),
  (p) => ({ lineItems: [line({ promotionId: p })] }),
  (p) => ({ lineItems: [line({ customTermEndDate: p })] }),
  (p) => ({ lineItems: [line({ participants: [{ key: p, value: 'v' }] })] }),
  (p) => ({ lineItems: [line({ participants: [{ key: 'transactionType', value: p }] })] }),
  (p) => ({ lineItems: [line({ provisioningContext: { [p]: 'v' } })] }),
  (p) => ({ lineItems: [line({ provisioningContext: { subscriptionId: p } })] }),
  (p) => ({ lineItems: [line({ renewsTo: { termDuration: p } })] }),
  (p) => ({ lineItems: [line({ addonItems: [line({ friendlyName: p })] })] }),
  (p) => ({ lineItems: [{ ...line(), [`friendly${p}Name`]: 'x' }] }),
  (p) => ({ lineItems: [line()], [p]: 1 }),
  (p) => ({ [`line${p}Items`]: [line()] }),
];
const NUMBERS: unknown[] = [1e300, -1, 0, 2 ** 31, 2 ** 53 + 1, '5', 1.5, 'NaN', 'Infinity', -0, 1e-300, '1e3', true, null, [], {}, -(2 ** 63)];
/** Number tokens JSON.stringify cannot write: JSON.parse reads 1e999 as Infinity, JSON5 reads NaN. */
const RAW_NUMBERS = ['1e999', '-1e999', '123456789012345678901234567890', 'NaN', 'Infinity', '-Infinity', '0x7fffffff', '+1', '.5', '1e-999', '00'];
const DATES = ['+275760-09-13T00:00:00.000Z', '+275760-09-13T00:00:00.001Z', '-000001-01-01T00:00:00Z', '-271821-04-20T00:00:00Z', '9999-12-31T23:59:59Z', '2024-02-30T00:00:00Z', '2026-13-01', 'garbage', '', '0', '1e308', 'P1Y', '2026-01-01T25:61:61Z', '20260101'];

// ---- tokens --------------------------------------------------------------------------------------
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const ownKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const signRs = (header: object, payload: object) => {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', ...header })}.${b64(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(ownKey).toString('base64url')}`;
};

interface World {
  base: string;
  victim: SandboxPartner;
  attacker: SandboxPartner;
  /** Every id of the victim's: customers, carts, orders, subscriptions, the tenant. */
  victimIds: string[];
  orderId: string;
  subscriptionId: string;
  victimRequestId: string;
  /** startDate and endDate of the audit records compared (fixed: the answer names them). */
  auditWindow: string;
  kid: string;
  jwksN: string;
  forged: string[];
  huge: { kind: string; body: string }[];
}

function forgedTokens(w: Omit<World, 'forged' | 'huge'>): string[] {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: 'urn:partner-commerce:sandbox', aud: 'https://api.partnercenter.microsoft.com', tid: w.victim.tenantId, appid: w.victim.clientId, iat: now, exp: now + 3600 };
  const [h, p] = w.attacker.token.split('.');
  const real = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const hsInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: w.kid })}.${b64(claims)}`;
  return [
    `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    `${b64({ alg: 'NONE' })}.${b64(claims)}.${w.attacker.token.split('.')[2]}`,
    `${hsInput}.${createHmac('sha256', w.jwksN).update(hsInput).digest('base64url')}`,
    `${h}.${b64({ ...real, tid: w.victim.tenantId })}.${w.attacker.token.split('.')[2]}`,
    `${h}.${b64({ ...real, exp: now + 10 ** 9 })}.${w.attacker.token.split('.')[2]}`,
    signRs({ kid: w.kid }, claims),
    signRs({ kid: w.kid }, { ...claims, exp: now - 60 }),
    signRs({ kid: w.kid }, { ...claims, tid: 'not-a-guid' }),
    signRs({ kid: w.kid }, { ...claims, tid: '\u0000' }),
    signRs({ kid: w.kid }, { ...claims, tid: 42 }),
    signRs({ kid: w.kid }, { ...claims, exp: undefined }),
    signRs({ kid: w.kid }, { ...claims, iat: now + 10 ** 6 }),
    signRs({ kid: '../../../../dev/null', jku: 'http://127.0.0.1:1/jwks.json' }, claims),
    signRs({ kid: w.kid, x5u: 'http://127.0.0.1:1/cert' }, claims),
    'a.b.c', '..', '.', b64('x'.repeat(3000)), `${w.attacker.token}x`, w.attacker.token.slice(0, -1), w.attacker.token.split('.').slice(0, 2).join('.'),
  ];
}

// ---- the generators, by kind ---------------------------------------------------------------------
const q = (s: string) => (s.includes('%') || s.length > 100 ? s : encodeURIComponent(s));
/** The attacker's first cart takes the checkouts (raw-header and huge bodies); the second, never checked out, the PUTs. */
const attackerCart = (w: World) => w.attacker.customers[0];
const putCart = (w: World) => w.attacker.customers[1];
const rawRequest = (head: string[], body: Buffer | string = '') =>
  Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body)]);

const GENERATORS: { kind: string; weight: number; make: (w: World) => Req }[] = [
  {
    kind: 'cart strings',
    weight: 24,
    make: (w) => {
      const c = putCart(w);
      const body = poisoned(rng.pick(STRING_PLACES));
      return rng.chance(0.5)
        ? { kind: 'cart strings', method: 'POST', path: `/v1/customers/${c.id}/carts`, body }
        : { kind: 'cart strings', method: 'PUT', path: `/v1/customers/${c.id}/carts/${c.cartId}`, body };
    },
  },
  {
    kind: 'numbers, dates',
    weight: 12,
    make: (w) => {
      const c = putCart(w);
      const path = rng.chance(0.5) ? `/v1/customers/${c.id}/carts` : `/v1/customers/${c.id}/carts/${c.cartId}`;
      const method = path.endsWith('carts') ? 'POST' : 'PUT';
      const field = rng.pick(['quantity', 'id', 'customTermEndDate', 'raw']);
      if (field === 'raw') {
        const json = JSON.stringify({ lineItems: [line({ [rng.pick(['quantity', 'id'])]: MARK })] }).replace(`"${MARK}"`, rng.pick(RAW_NUMBERS));
        return { kind: 'numbers, dates', method, path, body: json };
      }
      const value = field === 'customTermEndDate' ? rng.pick(DATES) : rng.pick(NUMBERS);
      const extra = field === 'customTermEndDate' ? { termDuration: rng.pick(['P1Y', 'P1M', 'P3Y']) } : {};
      return { kind: 'numbers, dates', method, path, body: JSON.stringify({ lineItems: [line({ ...extra, [field]: value })] }) };
    },
  },
  {
    kind: 'query',
    weight: 8,
    make: (w) => {
      const c = attackerCart(w);
      const p = () => q(rng.pick([...URL_POISON, ...DATES, ...NUMBERS.map(String)]));
      const path = rng.pick([
        () => `/v1/products?country=${p()}&targetView=${p()}`,
        () => `/v1/products?country=US&targetView=${p()}`,
        () => `/v1/products/CFQ7TTC0LH18/skus?country=${p()}`,
        () => `/v1/offers?country=${p()}`,
        () => `/v1/customers/${c.id}/orders?include_price=${p()}&billingType=${p()}`,
        () => `/v1/customers/${c.id}/orders?include_price=${p()}`,
        () => `/v1/customers/${c.id}/subscriptions?order_id=${p()}`,
        () => `/v1/auditrecords?startDate=${p()}&endDate=${p()}&customerId=${p()}`,
        () => `/v1/auditrecords?startDate=${p()}&size=${p()}`,
        () => `/v1/customers?size=${p()}`,
        () => `/v1/customers/${c.id}/orders?include_price=true&include_price=${p()}`,
      ])();
      return { kind: 'query', method: 'GET', path };
    },
  },
  {
    kind: 'path',
    weight: 8,
    make: (w) => {
      const c = attackerCart(w);
      const p = () => rng.pick(URL_POISON);
      const [method, path] = rng.pick([
        () => ['GET', `/v1/customers/${p()}`],
        () => ['GET', `/v1/customers/${c.id}/carts/${p()}`],
        () => ['GET', `/v1/customers/${p()}/carts/${c.cartId}`],
        () => ['POST', `/v1/customers/${c.id}/carts/${p()}/checkout`],
        () => ['PUT', `/v1/customers/${c.id}/carts/${p()}`],
        () => ['GET', `/v1/customers/${c.id}/orders/${p()}`],
        () => ['GET', `/v1/customers/${c.id}/orders/${p()}/provisioningstatus`],
        () => ['GET', `/v1/customers/${c.id}/subscriptions/${p()}`],
        () => ['GET', `/v1/products/${p()}/skus/${p()}/availabilities/${p()}?country=US`],
        () => ['GET', `/v1/offers/${p()}?country=US`],
        () => ['DELETE', `/v1/customers/${c.id}/carts/${c.cartId}/${p()}`],
      ])();
      const body = method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify({ lineItems: [line()] });
      if (path.includes('\u0000')) return { kind: 'path', method, path, raw: rawRequest([`${method} ${path} HTTP/1.1`, 'Host: x', `Authorization: Bearer ${w.attacker.token}`, 'Connection: close']) };
      return { kind: 'path', method, path, body };
    },
  },
  {
    kind: 'token form',
    weight: 5,
    make: (w) => {
      const fields: Record<string, string> = { grant_type: 'client_credentials', client_id: w.attacker.clientId, client_secret: w.attacker.clientSecret };
      if (rng.chance(0.3)) Object.assign(fields, { grant_type: 'password', username: w.attacker.username, password: w.attacker.password });
      const key = rng.pick(Object.keys(fields));
      const enc = new URLSearchParams(fields).toString().replace(`${key}=${encodeURIComponent(fields[key])}`, `${key}=${encodeURIComponent(fields[key]).slice(0, rng.int(0, 8))}${MARK}`);
      const body = withBytes(enc, rng.chance(0.5) ? Buffer.from(q(rng.pick(URL_POISON))) : rng.pick(RAW_POISON));
      const path = rng.pick(['/oauth2/token', `/${rng.pick(URL_POISON)}/oauth2/token`, `/${w.attacker.tenantId}/oauth2/v2.0/token`]);
      if (path.includes('\u0000')) return { kind: 'token form', method: 'POST', path, raw: rawRequest([`POST ${path} HTTP/1.1`, 'Host: x', 'Content-Type: application/x-www-form-urlencoded', `Content-Length: ${body.length}`, 'Connection: close'], body) };
      return { kind: 'token form', method: 'POST', path, headers: { 'content-type': rng.pick(['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-16', 'application/json']) }, body };
    },
  },
  {
    kind: 'sandbox names',
    weight: 3,
    make: (w) => {
      const [method, path, build] = rng.pick<[string, string, (p: string) => unknown]>([
        ['POST', '/sandbox/partners', (p) => ({ name: p })],
        ['POST', `/sandbox/partners/${w.attacker.tenantId}/customers`, (p) => ({ companyName: p })],
        ['POST', `/sandbox/partners/${w.attacker.tenantId}/customers`, (p) => ({ country: p })],
        ['PUT', `/sandbox/partners/${w.attacker.tenantId}/provisioning`, (p) => ({ delaysSeconds: { [p]: 1 } })],
        ['PUT', `/sandbox/partners/${w.attacker.tenantId}/provisioning`, () => ({ delaysSeconds: { Azure: rng.pick(NUMBERS) } })],
        ['PUT', `/sandbox/partners/${w.attacker.tenantId}/provisioning/faults/X${q(rng.pick(URL_POISON))}`, (p) => ({ message: p, failures: rng.pick(NUMBERS) })],
      ]);
      return { kind: 'sandbox names', method, path, body: poisoned(build) };
    },
  },
  {
    kind: 'tokens',
    weight: 10,
    make: (w) => {
      const v = w.victim.customers[0];
      const token = rng.pick(w.forged);
      const path = rng.pick([`/v1/customers/${v.id}`, `/v1/customers/${v.id}/carts/${v.cartId}`, `/v1/customers/${v.id}/orders`, '/v1/customers', '/v1/auditrecords']);
      const auth = rng.pick([`Bearer ${token}`, `bearer ${token}`, `Bearer  ${token} `, `Basic ${token}`, token]);
      if (token.includes('\u0000') || rng.chance(0.1)) {
        return { kind: 'tokens', method: 'GET', path, victim: true, raw: rawRequest([`GET ${path} HTTP/1.1`, 'Host: x', `Authorization: Bearer ${token}\u0000`, 'Connection: close']) };
      }
      return { kind: 'tokens', method: 'GET', path, headers: { authorization: auth }, victim: true };
    },
  },
  {
    kind: 'headers (raw)',
    weight: 10,
    make: (w) => {
      const c = attackerCart(w);
      const auth = `Authorization: Bearer ${w.attacker.token}`;
      const body = JSON.stringify({ lineItems: [line({ quantity: rng.int(1, 9) })] });
      const target = rng.pick([`POST /v1/customers/${c.id}/carts`, `POST /v1/customers/${c.id}/carts/${c.cartId}/checkout`, `PUT /v1/customers/${c.id}/carts/${c.cartId}`]);
      const len = `Content-Length: ${Buffer.byteLength(body)}`;
      const ct = 'Content-Type: application/json';
      const badRid = rng.pick(['x'.repeat(200), 'a b', '', '\u0000', 'é', '\u00ff\u00fe', '../../x', `${w.victimRequestId}`, `${w.victimRequestId}\t`]);
      const [heads, payload] = rng.pick<[string[], string | Buffer]>([
        [[auth, ct, len, `MS-RequestId: ${badRid}`], body],
        [[auth, ct, len, `MS-RequestId: ${rng.uuid()}`, `MS-RequestId: ${rng.uuid()}`], body],
        [[auth, `Authorization: Bearer ${rng.pick(w.forged)}`, ct, len], body],
        [[auth, ct, len, `MS-CorrelationId: ${badRid}`, `MS-CV: ${badRid}`, `X-Locale: ${badRid}`, `If-Match: ${badRid}`], body],
        [[auth, ct, len, `X-Big: ${'a'.repeat(rng.pick([8000, 15000, 20000]))}`], body],
        [[auth, ct, len, ...Array.from({ length: rng.pick([100, 300]) }, (_, i) => `X-H${i}: ${i}`)], body],
        [[auth, rng.pick(['Content-Type: application/json; charset=utf-16', 'Content-Type: application/json\u0000', 'Content-Type: text/plain', 'Content-Type: multipart/form-data; boundary=x', 'Content-Type: application/x-www-form-urlencoded', 'Content-Type:']), len], body],
        [[auth, ct, 'Content-Type: text/plain', len], body],
        [[auth, ct, `Content-Length: ${Buffer.byteLength(body) + rng.pick([-5, 1, 1000])}`], body],
        [[auth, ct, rng.pick(['Content-Length: -1', 'Content-Length: abc', 'Content-Length: 1e3', 'Content-Length: 99999999999999999999']), len], body],
        [[auth, ct, len, `Content-Length: ${Buffer.byteLength(body) + 1}`], body],
        [[auth, ct, len, 'Transfer-Encoding: chunked'], `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`],
        [[auth, ct, 'Transfer-Encoding: chunked'], rng.pick(['zz\r\nxx\r\n0\r\n\r\n', 'ffffffffffffffff\r\n{}\r\n', `${body.length.toString(16)}\r\n${body}\r\n`])],
        [[auth, ct, len, rng.pick(['Expect: 100-continue', 'Expect: garbage'])], body],
        [[auth, ct, 'Content-Length: 0', 'Expect: 100-continue'], ''],
      ]);
      const [method, path] = target.split(' ');
      return { kind: 'headers (raw)', method, path, raw: rawRequest([`${target} HTTP/1.1`, 'Host: 127.0.0.1', ...heads, 'Connection: close'], payload) };
    },
  },
  {
    kind: 'cross-tenant',
    weight: 10,
    make: (w) => {
      const v = w.victim.customers;
      const a = attackerCart(w);
      const valid = JSON.stringify({ lineItems: [line({ quantity: 7 })] });
      const [method, path, body] = rng.pick<[string, string, string?]>([
        ['GET', `/v1/customers/${v[0].id}`],
        ['GET', `/v1/customers/${v[1].id}/carts/${v[1].cartId}`],
        ['PUT', `/v1/customers/${v[1].id}/carts/${v[1].cartId}`, valid],
        ['POST', `/v1/customers/${v[1].id}/carts/${v[1].cartId}/checkout`, '"success"'],
        ['POST', `/v1/customers/${v[0].id}/carts/${v[0].cartId}/checkout`, '"success"'],
        ['POST', `/v1/customers/${v[1].id}/carts`, valid],
        ['GET', `/v1/customers/${v[0].id}/orders`],
        ['GET', `/v1/customers/${v[0].id}/orders/${w.orderId}`],
        ['GET', `/v1/customers/${v[0].id}/orders/${w.orderId}/provisioningstatus`],
        ['GET', `/v1/customers/${v[0].id}/subscriptions/${w.subscriptionId}`],
        ['GET', `/v1/customers/${a.id}/carts/${v[1].cartId}`],
        ['PUT', `/v1/customers/${a.id}/carts/${v[1].cartId}`, valid],
        ['POST', `/v1/customers/${a.id}/carts/${v[1].cartId}/checkout`, '"success"'],
        ['GET', `/v1/customers/${a.id}/orders/${w.orderId}`],
        ['GET', `/v1/customers/${a.id}/subscriptions/${w.subscriptionId}`],
        ['GET', `/v1/customers/${a.id}/subscriptions?order_id=${w.orderId}`],
        ['GET', `/v1/auditrecords?customerId=${v[0].id}`],
        ['GET', `/v1/customers/${v[0].id.toUpperCase()}/orders`],
      ]);
      // Half of them carry the MS-RequestId of the victim's checkout: its stored answer must not come back.
      const headers = rng.chance(0.5) ? { 'MS-RequestId': w.victimRequestId } : undefined;
      // A victim id in the path must not answer 2xx; one in a query filter may (an empty list), the leak check judges it.
      const victim = w.victimIds.some((id) => path.split('?')[0].toLowerCase().includes(id));
      return { kind: 'cross-tenant', method, path, body, headers: { ...headers, authorization: `Bearer ${w.attacker.token}` }, victim };
    },
  },
];

function generate(w: World, i: number, hugeEvery: number): Req {
  if (hugeEvery && i % hugeEvery === hugeEvery - 1) {
    const c = attackerCart(w);
    const h = rng.pick(w.huge);
    const [method, path] = rng.pick([
      ['POST', `/v1/customers/${c.id}/carts`], ['PUT', `/v1/customers/${putCart(w).id}/carts/${putCart(w).cartId}`],
      ['POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`], ['POST', '/sandbox/partners'],
    ]);
    return { kind: `huge: ${h.kind}`, method, path, body: h.body };
  }
  const total = GENERATORS.reduce((s, g) => s + g.weight, 0);
  let r = rng.next() * total;
  const g = GENERATORS.find((x) => (r -= x.weight) < 0) ?? GENERATORS[0];
  return g.make(w);
}

/** ~1 MB bodies (under the 1 MiB limit) that are not valid JSON, or are JSON no cart can be. */
function hugeBodies(): { kind: string; body: string }[] {
  const n = 1_000_000;
  const fill = (unit: string) => unit.repeat(Math.floor(n / unit.length));
  return [
    { kind: 'open brackets', body: fill('[') },
    { kind: 'open objects', body: fill('{"a":') },
    { kind: 'unterminated string', body: `"${fill('a')}` },
    { kind: 'unterminated comment', body: `{"lineItems": /*${fill('x')}` },
    { kind: 'line list cut off', body: `{"lineItems":[${fill('{"friendlyName":"x"},')}` },
    { kind: 'whitespace then junk', body: `${fill(' ')}x` },
    { kind: 'escapes', body: `{"lineItems":"${fill('\\u0000')}` },
    { kind: 'digits', body: fill('9') },
    { kind: 'deep valid nesting', body: `${'['.repeat(n / 2 - 1)}${']'.repeat(n / 2 - 1)}` },
    { kind: 'json5 junk', body: `{a:${fill("'x',")}` },
  ];
}

// ---- the victim's data ---------------------------------------------------------------------------
async function snapshot(w: World, db?: pg.Client): Promise<Record<string, string>> {
  const get = async (path: string) => (await http(w.base, 'GET', path, { token: w.victim.token })).text;
  const out: Record<string, string> = { customers: await get('/v1/customers'), audit: await get(`/v1/auditrecords?${w.auditWindow}&size=5000`) };
  for (const c of w.victim.customers) {
    out[`customer ${c.id}`] = await get(`/v1/customers/${c.id}`);
    out[`cart ${c.cartId}`] = await get(`/v1/customers/${c.id}/carts/${c.cartId}`);
    out[`orders of ${c.id}`] = await get(`/v1/customers/${c.id}/orders?include_price=true`);
    out[`subscriptions of ${c.id}`] = await get(`/v1/customers/${c.id}/subscriptions`);
  }
  if (db) {
    const { rows } = await db.query(
      `SELECT (SELECT jsonb_agg(to_jsonb(c) ORDER BY id) FROM carts c WHERE partner_tenant_id = $1) AS carts,
              (SELECT jsonb_agg(to_jsonb(o) ORDER BY id) FROM orders o WHERE partner_tenant_id = $1) AS orders,
              (SELECT jsonb_agg(to_jsonb(s) ORDER BY id) FROM subscriptions s WHERE partner_tenant_id = $1) AS subscriptions,
              (SELECT jsonb_agg(to_jsonb(c) ORDER BY id) FROM customers c WHERE partner_tenant_id = $1) AS customers`,
      [w.victim.tenantId],
    );
    out['database rows'] = JSON.stringify(rows[0]);
  }
  return out;
}

/** The victim: two customers, the first one's cart checked out and provisioned, the second's active. */
async function setUp(base: string): Promise<World> {
  const victim = await sandboxPartner(base, 2, 'victim');
  const attacker = await sandboxPartner(base, 2, 'attacker');
  for (const p of [victim, attacker]) {
    await http(base, 'PUT', `/sandbox/partners/${p.tenantId}/provisioning`, { body: { delaysSeconds: { Azure: 0, Software: 0, OnlineServices: 0, OnlineServicesNCE: 0 } } });
  }
  const v = victim.customers[0];
  const victimRequestId = rng.uuid();
  const done = await http(base, 'POST', `/v1/customers/${v.id}/carts/${v.cartId}/checkout`, { token: victim.token, headers: { 'MS-RequestId': victimRequestId }, body: '"success"' });
  if (done.status !== 201) throw new Error(`victim checkout: ${done.status} ${done.text}`);
  const orders = (JSON.parse(done.text) as { orders: { id: string }[] }).orders.map((x) => x.id);
  for (let i = 0; i < 100; i++) {
    const list = JSON.parse((await http(base, 'GET', `/v1/customers/${v.id}/orders`, { token: victim.token })).text) as { items: { status: string }[] };
    if (list.items.every((x) => x.status !== 'pending')) break;
    await sleep(200);
  }
  const subs = JSON.parse((await http(base, 'GET', `/v1/customers/${v.id}/subscriptions`, { token: victim.token })).text) as { items: { id: string }[] };
  const jwks = JSON.parse((await http(base, 'GET', '/.well-known/jwks.json')).text) as { keys: { kid: string; n: string }[] };
  const w0 = {
    base, victim, attacker, victimRequestId, auditWindow: `startDate=${new Date(Date.now() - 86_400_000).toISOString()}&endDate=${new Date(Date.now() + 86_400_000).toISOString()}`, orderId: orders[0], subscriptionId: subs.items[0].id, kid: jwks.keys[0].kid, jwksN: jwks.keys[0].n,
    victimIds: [victim.tenantId, ...victim.customers.flatMap((c) => [c.id, c.cartId]), ...orders, ...subs.items.map((s) => s.id)],
  };
  return { ...w0, forged: forgedTokens(w0), huge: hugeBodies() };
}

async function main() {
  // A directory by default, as `npm start` uses: in memory (MEMFS), PGlite pauses ~200 ms once in a
  // while as a file outgrows its buffer and is copied, which a sandbox on disk never does (probes.md).
  const tempDir = DATABASE_URL || o['data-dir'] ? undefined : mkdtempSync(join(tmpdir(), 'pc-probe-'));
  const dataDir = o['data-dir'] || (tempDir && join(tempDir, 'data'));
  const env = DATABASE_URL ? { DATABASE_URL, PC_DB_SCHEMA: schema } : { DATABASE_URL: '', PC_DATA_DIR: dataDir! };
  const server = await startServer({ ...env, PC_THROTTLE_LIMIT: '0' });
  const db = DATABASE_URL ? new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` }) : undefined;
  await db?.connect();
  const findings: string[] = [];
  try {
    const w = await setUp(server.url);
    const before = await snapshot(w, db);
    console.log(`# probe:hostile on ${DATABASE_URL ? `PostgreSQL (schema ${schema})` : `PGlite (${dataDir})`}: ${o.requests} requests at ${o.concurrency} at once, ${o.huge} of ~1 MB, seed ${o.seed}`);
    const monitor = healthMonitor(server.url, 50, o['stall-ms']);
    const byKind = new Map<string, Map<string, number>>();
    const fives: { status: number; req: Req; rid: string; sent: string }[] = [];
    const slowest: { ms: number; what: string }[] = [];
    const t0 = Date.now();
    const hugeEvery = o.huge ? Math.floor(o.requests / o.huge) : 0;
    await inPool(o.concurrency, Array.from({ length: o.requests }, (_, i) => i), async (i) => {
      const req = generate(w, i, hugeEvery);
      const what = `${req.kind}: ${req.method} ${req.path.slice(0, 160)}`;
      let status: number | string;
      let text = '';
      let ms = 0;
      let rid: string | null | undefined;
      try {
        if (req.raw) {
          ({ status, text, ms } = await rawHttp(w.base, req.raw, 2_000));
          rid = /\r\nms-requestid: ([^\r]*)/i.exec(text)?.[1];
        } else {
          const a = await http(w.base, req.method, req.path, { headers: { authorization: `Bearer ${w.attacker.token}`, ...req.headers }, body: req.body });
          ({ status, text, ms } = a);
          rid = a.headers.get('ms-requestid');
        }
      } catch (err) {
        status = `fetch refused (${(err as Error).message.slice(0, 40)})`;
      }
      const row = byKind.get(req.kind) ?? new Map<string, number>();
      byKind.set(req.kind, row);
      const cls = typeof status === 'number' ? (status === 0 ? 'no answer' : `${Math.floor(status / 100)}xx`) : 'not sent';
      row.set(cls, (row.get(cls) ?? 0) + 1);
      row.set(String(status), (row.get(String(status)) ?? 0) + 1);
      row.set('max ms', Math.max(row.get('max ms') ?? 0, Math.round(ms)));
      const reqText = `${req.path} ${req.raw?.toString('latin1') ?? ''} ${req.body?.toString() ?? ''}`;
      if (typeof status === 'number' && status >= 500) fives.push({ status, req, rid: rid ?? '', sent: JSON.stringify(reqText.slice(0, 300)) });
      if (typeof status === 'number' && req.victim && status >= 200 && status < 300) findings.push(`breach: ${status} to ${what}: ${text.slice(0, 200)}`);
      const leaked = w.victimIds.filter((id) => text.toLowerCase().includes(id.toLowerCase()) && !reqText.toLowerCase().includes(id.toLowerCase()));
      if (leaked.length) findings.push(`leak: ${what} answered ${status} with the victim's ${leaked.join(', ')}`);
      if (slowest.length < 5 || ms > slowest[4].ms) slowest.splice(0, slowest.length, ...[...slowest, { ms, what }].sort((a, b) => b.ms - a.ms).slice(0, 5));
      if ((i + 1) % 10_000 === 0) console.log(`# ${i + 1} sent, ${fives.length} 5xx so far, ${Math.round((Date.now() - t0) / 1000)} s`);
    });
    const secs = (Date.now() - t0) / 1000;
    const health = await monitor.stop();
    const after = await snapshot(w, db);

    console.log(`\n${o.requests} requests in ${Math.round(secs)} s (${Math.round(o.requests / secs)}/s)\n`);
    const classes = ['2xx', '4xx', '5xx', 'no answer', 'not sent'];
    const rows: (string | number)[][] = [['kind', 'sent', ...classes, 'slowest ms', 'statuses']];
    for (const [kind, m] of [...byKind].sort()) {
      const sent = classes.reduce((s, c) => s + (m.get(c) ?? 0), 0);
      const statuses = [...m].filter(([k]) => /^\d+$/.test(k)).sort().map(([k, n]) => `${k}×${n}`).join(' ');
      rows.push([kind, sent, ...classes.map((c) => m.get(c) ?? 0), m.get('max ms') ?? 0, statuses]);
    }
    rows.push(['total', o.requests, ...classes.map((c) => [...byKind.values()].reduce((s, m) => s + (m.get(c) ?? 0), 0)), Math.max(...[...byKind.values()].map((m) => m.get('max ms') ?? 0)), '']);
    printTable(rows);
    console.log(`\n/healthz: ${health.samples} polls, max ${health.maxMs} ms, p99 ${health.p99Ms} ms, ${health.failures} failed, ${health.stalls.length} over ${o['stall-ms']} ms`);
    for (const s of health.stalls.slice(0, 10)) console.log(`  ${s.ms} ms at ${(s.atMs / 1000).toFixed(1)} s`);
    console.log('slowest requests:');
    for (const s of slowest) console.log(`  ${Math.round(s.ms)} ms  ${s.what}`);
    const changed = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
    console.log(`victim's data: ${changed.length ? `CHANGED: ${changed.join(', ')}` : `unchanged (${Object.keys(before).length} resources compared)`}`);

    if (fives.length) {
      // Each 5xx with the error the server logged for its MS-RequestId, grouped by route and error.
      const logged = new Map<string, string>();
      for (const l of server.output().split('\n')) {
        const m = /^\{.*"level":(50|60).*\}$/.test(l) ? (JSON.parse(l) as { msRequestId?: string; err?: { message?: string } }) : undefined;
        if (m?.msRequestId) logged.set(m.msRequestId, m.err?.message?.split('\n')[0] ?? '?');
      }
      const route = (r: Req) => `${r.method} ${r.path.split('?')[0].replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, '{id}').slice(0, 80)}`;
      const groups = groupBy(fives, (f) => `${f.status} ${f.req.kind} | ${route(f.req)} | ${logged.get(f.rid) ?? 'nothing logged'}`);
      console.log(`\n${fives.length} × 5xx, in ${groups.size} groups (status kind | route | error logged), each with its first request:`);
      for (const [key, list] of [...groups].sort((a, b) => b[1].length - a[1].length).slice(0, o.show)) console.log(`  ${list.length} × ${key}\n      ${list[0].sent}`);
      findings.push(`${fives.length} × 5xx`);
    }
    if (health.maxMs > o['stall-ms'] || health.failures) findings.push(`/healthz stalled: max ${health.maxMs} ms, ${health.failures} failed polls`);
    for (const k of changed) findings.push(`victim's ${k} changed:\n      before ${before[k].slice(0, 300)}\n      after  ${after[k].slice(0, 300)}`);
    const errors = server.output().split('\n').filter((l) => /"level":(50|60)/.test(l));
    if (errors.length) console.log(`\n${errors.length} error log lines from the server, e.g. ${errors[0].slice(0, 400)}`);
  } finally {
    const code = await server.stop();
    if (code !== 0) findings.push(`the server did not stop cleanly on SIGTERM (exit ${code})`);
    await db?.end();
    if (DATABASE_URL && !o['keep-schema']) await dropSchema(DATABASE_URL, schema);
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
  if (findings.length) {
    console.log(`\nFAILED: ${findings.length} findings`);
    for (const f of findings.slice(0, 40)) console.log(`  ${f}`);
    process.exit(1);
  }
  console.log('\nno 5xx, no stall, victim unchanged');
}

await main();
