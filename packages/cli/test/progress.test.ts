/**
 * `pcx` never waits silently: retries to a service that is not there, a 429's Retry-After and
 * provisioning print progress on stderr (a live line on a terminal, plain lines down a pipe, nothing
 * with --quiet), and a service that cannot be reached ends in one line saying how to start it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newPartner, startApp, type Partner, type TestContext } from '../../server/test/helpers.js';
import { fixedWindow } from '../../server/src/plugins/throttling.js';
import { JobWorker } from '../../server/src/modules/jobs/worker.js';
import { listen, startFaultProxy } from '../../sdk/test/support.js';
import { json, pcx, type PcxResult } from './support.js';

/** What a terminal gets to rewrite the live line: carriage return, erase the line. */
const ERASE = '\r\x1b[2K';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pcx-progress-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const ok = (r: PcxResult) => assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A loopback port nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('a service that is not running', () => {
  let url: string;
  let env: Record<string, string>;
  before(async () => {
    url = `http://127.0.0.1:${await closedPort()}`;
    env = { PCX_CONFIG: join(dir, 'unreachable.json') };
  });

  test('down a pipe: a plain line per retry, then the URL and how to start the service, exit 4', async () => {
    const r = await pcx(['login', '--sandbox', '--base-url', url], env);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    for (const n of [1, 2, 3]) {
      assert.ok(
        lines.some((l) => new RegExp(`^cannot reach ${escape(url)} \\(ECONNREFUSED\\): retry ${n}/3 in \\d\\.\\ds · MS-RequestId [0-9a-f-]{36}$`).test(l)),
        r.stderr,
      );
    }
    assert.ok(!r.stderr.includes('\r') && !r.stderr.includes('\x1b'), 'no terminal control codes in a pipe');
    assert.match(r.stderr, new RegExp(`^error: cannot reach ${escape(url)} \\(ECONNREFUSED, 4 attempts\\)\\.$`, 'm'));
    assert.match(r.stderr, /^ {2}start it with `npx @partner-commerce\/server` \(or `npm start` in a partner-commerce checkout\)/m);
  });

  test('--quiet: no progress, the error and the hint still', async () => {
    const r = await pcx(['--quiet', 'login', '--sandbox', '--base-url', url], env);
    assert.equal(r.code, 4);
    assert.doesNotMatch(r.stderr, /retry/);
    assert.equal(r.stderr.split('\n')[0], `error: cannot reach ${url} (ECONNREFUSED, 4 attempts).`);
    assert.match(r.stderr, /npx @partner-commerce\/server/);
  });

  test('-o json: the error as JSON on stderr, with the hint', async () => {
    const r = await pcx(['-q', '-o', 'json', 'login', '--sandbox', '--base-url', url], env);
    assert.equal(r.code, 4);
    const { error } = JSON.parse(r.stderr) as { error: { status: number; description: string; hint: string; requestId: string } };
    assert.equal(error.status, 0);
    assert.equal(error.description, `cannot reach ${url} (ECONNREFUSED, 4 attempts).`);
    assert.match(error.hint, /npx @partner-commerce\/server/);
  });

  test('on a terminal: one live line rewritten in place, erased before the error', async () => {
    const r = await pcx(['login', '--sandbox', '--base-url', url], env, undefined, { tty: true });
    assert.equal(r.code, 4, r.stdout);
    assert.match(r.stdout, new RegExp(`^${escape(ERASE)}cannot reach ${escape(url)} \\(ECONNREFUSED\\): retry 1/3 in`));
    for (const n of [2, 3]) assert.ok(r.stdout.includes(`${ERASE}cannot reach ${url} (ECONNREFUSED): retry ${n}/3 in`), JSON.stringify(r.stdout));
    const firstLine = r.stdout.split('\n')[0];
    assert.ok(firstLine.includes(`${ERASE}error: cannot reach ${url}`), 'the retries share one terminal line, which the error replaces');
  });
});

describe('throttling (429)', () => {
  let ctx: TestContext;
  let baseUrl: string;
  let p: Partner;
  const env = () => ({ PCX_CONFIG: join(dir, 'throttled.json') });
  before(async () => {
    ctx = await startApp({ PC_THROTTLE_LIMIT: '3' });
    baseUrl = await listen(ctx);
    p = await newPartner(ctx.app);
    ok(await pcx(['login', '--base-url', baseUrl, '--client-id', p.clientId, '--client-secret', p.clientSecret], env())); // /oauth2 is not throttled
  });
  after(() => ctx.close());

  /** Uses up the partner's requests of this minute (leaving at least 8 s of it, so the next call waits). */
  async function exhaust() {
    const { retryAfterSeconds } = fixedWindow(Date.now(), 60_000);
    if (retryAfterSeconds < 8) await new Promise((r) => setTimeout(r, retryAfterSeconds * 1000 + 50));
    for (let i = 0; i < 4; i++) {
      await ctx.app.inject({ method: 'GET', url: '/v1/customers', headers: { authorization: `Bearer ${p.appToken}` } });
    }
  }

  test("the service's own 429: a pipe gets the wait it asked for, with the call's MS-RequestId", async () => {
    await exhaust();
    const r = await pcx(['customer', 'list'], env(), undefined, { until: /retry 1\/3/ });
    assert.match(
      r.stderr,
      new RegExp(`^throttled by ${escape(baseUrl)} \\(HTTP 429\\): retry 1/3 in \\d+(\\.\\d)?s, as asked · MS-RequestId [0-9a-f-]{36}\\n`),
    );
  });

  test("the service's own 429 on a terminal: the live line counts the wait down", async () => {
    await exhaust();
    const seconds = /HTTP 429\): retry 1\/3 in (\d+(?:\.\d)?)s/g;
    const r = await pcx(['customer', 'list'], env(), undefined, { tty: true, until: new RegExp(`(${seconds.source}[^]*){3}`) });
    const shown = [...r.stdout.matchAll(seconds)].map((m) => Number(m[1]));
    assert.ok(shown.length >= 3, JSON.stringify(r.stdout));
    assert.ok(shown[2] < shown[0], `counts down: ${shown.join(', ')}`);
    assert.ok(r.stdout.split(ERASE).length > 3 && !r.stdout.includes('\n'), 'one line, rewritten in place');
  });

  test('a short Retry-After is waited out: the call succeeds after one progress line; --quiet prints nothing', async () => {
    const proxy = await startFaultProxy(baseUrl, ({ url, attempt }) =>
      url.startsWith('/v1/') && attempt === 1
        ? { kind: 'answer', status: 429, headers: { 'retry-after': '1' }, body: { statusCode: 429, message: 'Rate limit is exceeded. Try again in 1 seconds.' } }
        : { kind: 'forward' },
    );
    try {
      const proxied = { PCX_CONFIG: join(dir, 'proxied.json') };
      const other = await newPartner(ctx.app); // a partner of its own: the real throttle counts per partner
      ok(await pcx(['login', '--base-url', proxy.url, '--client-id', other.clientId, '--client-secret', other.clientSecret], proxied));
      const r = await pcx(['-o', 'json', 'product', 'list', '--country', 'US'], proxied);
      ok(r);
      assert.ok(json<{ items: unknown[] }>(r).items.length > 0);
      assert.match(r.stderr, /^throttled by http:\/\/127\.0\.0\.1:\d+ \(HTTP 429\): retry 1\/3 in 1\.0s, as asked · MS-RequestId [0-9a-f-]{36}\n$/);

      const quiet = await pcx(['-q', '-o', 'json', 'customer', 'list'], proxied);
      ok(quiet);
      assert.equal(quiet.stderr, '');
      assert.equal(proxy.attempts.filter((a) => a.url === '/v1/customers').length, 2, 'it was throttled, and waited in silence');
    } finally {
      await proxy.close();
    }
  });
});

describe('provisioning wait', () => {
  let ctx: TestContext;
  let worker: JobWorker;
  let p: Partner;
  const env = () => ({ PCX_CONFIG: join(dir, 'provisioning.json') });
  before(async () => {
    ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0' });
    const baseUrl = await listen(ctx);
    worker = new JobWorker(ctx.db, { policy: ctx.config.provisioning, pollMs: 20 });
    worker.start();
    p = await newPartner(ctx.app);
    ok(await pcx(['login', '--base-url', baseUrl, '--username', p.username], { ...env(), PCX_PASSWORD: p.password }));
    const delay = await ctx.app.inject({ method: 'PUT', url: `/sandbox/partners/${p.tenantId}/provisioning`, payload: { delaysSeconds: { OnlineServices: 2 } } });
    assert.equal(delay.statusCode, 200);
  });
  after(async () => {
    await worker.stop();
    await ctx.close();
  });

  const newCart = async (customerId: string) => {
    const created = await pcx(['-o', 'json', 'cart', 'new', '--customer-id', customerId, '--item', 'DZH318Z0BXWC:0002:DZH318Z0BMRV,termDuration=P1M'], env());
    ok(created);
    return json<{ id: string }>(created).id;
  };

  test('on a terminal: a live line of the pending orders and the time waited, a line per order done', async () => {
    const customerId = p.customers[0].id;
    const cartId = await newCart(customerId);
    const r = await pcx(['cart', 'submit', '--customer-id', customerId, '--cart-id', cartId, '--wait', '--interval', '200'], env(), undefined, { tty: true });
    ok(r);
    assert.match(r.stdout, /waiting for 1 pending order\(s\) to be provisioned…\r\n/);
    const live = [...r.stdout.matchAll(new RegExp(`${escape(ERASE)}provisioning, (\\d+)s: 1 order\\(s\\) pending \\(\\S+… 0/1 lines fulfilled\\)`, 'g'))];
    assert.ok(live.length >= 2, JSON.stringify(r.stdout));
    assert.ok(Number(live.at(-1)![1]) > Number(live[0][1]), 'the time waited goes up');
    assert.doesNotMatch(r.stdout, /0\/1 lines fulfilled \(pending\)\r\n/, 'a pending order stays on the live line');
    assert.match(r.stdout, new RegExp(`${escape(ERASE)}order \\S+: 1/1 lines fulfilled \\(completed\\)\r\n`));
    assert.match(r.stdout, /all 1 order\(s\) completed\.\r\n/);
    assert.match(r.stdout, /ID\s+CREATED\s+BILLING\s+STATUS/);
  });

  test('--quiet: only the result', async () => {
    const customerId = p.customers[0].id;
    const cartId = await newCart(customerId);
    const r = await pcx(['--quiet', 'cart', 'submit', '--customer-id', customerId, '--cart-id', cartId, '--wait', '--interval', '200'], env());
    ok(r);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /completed/);
  });
});
