/**
 * Throttling per partner tenant: 429 with Retry-After and Partner Center's 429 body, other tenants
 * unaffected; counts kept per process and shared through the database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ThrottleCounter } from '../src/plugins/throttling.js';
import type { Database } from '../src/db/database.js';
import { call, engine, newPartner, openTestDatabase, startApp, type TestContext } from './helpers.js';

describe(`throttling over HTTP (${engine})`, () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await startApp({ PC_THROTTLE_LIMIT: '5' });
  });
  after(() => ctx.close());

  test('the sixth request in a minute is throttled for that tenant only', async () => {
    const b = await newPartner(ctx.app);
    const url = (p: { customers: { id: string }[] }) => `/v1/customers/${p.customers[0].id}`;
    // Six requests of a new partner in one window; should a minute boundary fall among them, again.
    let throttled;
    for (let round = 0; round < 2 && throttled?.statusCode !== 429; round++) {
      const a = await newPartner(ctx.app);
      const codes = [];
      for (let i = 0; i < 6; i++) codes.push(await call(ctx.app, 'GET', url(a), { token: a.appToken }));
      assert.deepEqual(codes.slice(0, 5).map((r) => r.statusCode), [200, 200, 200, 200, 200]);
      throttled = codes[5];
    }
    assert.ok(throttled);
    assert.equal(throttled.statusCode, 429);
    const seconds = Number(throttled.headers['retry-after']);
    assert.ok(seconds >= 1 && seconds <= 60, `Retry-After ${throttled.headers['retry-after']}`);
    assert.deepEqual(throttled.json(), { statusCode: 429, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` });
    assert.ok(throttled.headers['ms-requestid'], 'Partner Center headers on a 429 too');
    // The other tenant is not affected, and neither are unauthenticated routes.
    assert.equal((await call(ctx.app, 'GET', url(b), { token: b.appToken })).statusCode, 200);
    assert.equal((await ctx.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});

describe(`throttling counts shared through the database (${engine})`, () => {
  let db: Database;
  before(async () => {
    db = await openTestDatabase();
  });
  after(() => db.close());

  const MINUTE = 60_000;
  /** A clock the test moves: 10 s into some minute. */
  const clock = () => {
    const c = { ms: Math.floor(Date.now() / MINUTE) * MINUTE + 10_000, now: () => c.ms };
    return c;
  };
  const stored = async (tenant: string) =>
    (await db.query<{ requests: number }>('SELECT requests FROM throttle_windows WHERE partner_tenant_id = $1 ORDER BY window_start', [tenant])).map(
      (r) => r.requests,
    );
  const admitted = (c: ThrottleCounter, tenant: string, n: number) => Array.from({ length: n }, () => c.count(tenant) === undefined);

  test('two processes add up to one limit: each learns the other\'s count when it syncs', async () => {
    const tenant = randomUUID();
    const time = clock();
    const a = new ThrottleCounter(db, 5, time.now);
    const b = new ThrottleCounter(db, 5, time.now);
    assert.deepEqual(admitted(a, tenant, 3), [true, true, true]);
    await a.sync();
    assert.deepEqual(await stored(tenant), [3]);
    // b has not synced yet, so it admits on its own count; once synced it knows the tenant's 4.
    assert.deepEqual(admitted(b, tenant, 1), [true]);
    await b.sync();
    assert.deepEqual(admitted(b, tenant, 2), [true, false]);
    await b.sync();
    assert.deepEqual(await stored(tenant), [6]);
    // a learns the total at its next sync, and from then on turns the tenant away too.
    assert.deepEqual(admitted(a, tenant, 1), [true], 'a knows 3 and counts 1: within 5 until it syncs');
    await a.sync();
    assert.deepEqual(admitted(a, tenant, 1), [false]);
    await a.sync();
    assert.deepEqual(await stored(tenant), [8], 'every request counted, admitted or not');
  });

  test('a new minute starts a new count; the last minute\'s counts still reach the database', async () => {
    const tenant = randomUUID();
    const time = clock();
    const c = new ThrottleCounter(db, 2, time.now);
    assert.deepEqual(admitted(c, tenant, 3), [true, true, false]);
    time.ms += 20_000;
    assert.deepEqual(c.count(tenant), { retryAfterSeconds: 30 }, 'Retry-After: the seconds left in the window');
    time.ms += 30_000; // the next minute
    assert.deepEqual(admitted(c, tenant, 2), [true, true]);
    await c.sync();
    assert.deepEqual(await stored(tenant), [4, 2]);
  });

  test('a clock set back across a minute boundary still syncs every count', async () => {
    const tenant = randomUUID();
    const time = clock();
    const c = new ThrottleCounter(db, 100, time.now);
    admitted(c, tenant, 2);
    time.ms += MINUTE;
    admitted(c, tenant, 1);
    time.ms -= MINUTE; // the first minute is closed twice now
    admitted(c, tenant, 3);
    time.ms += MINUTE;
    await c.sync();
    assert.deepEqual(await stored(tenant), [5, 1]);
  });

  test('counts that fail to sync are kept and sent with the next sync', async () => {
    const tenant = randomUUID();
    const time = clock();
    let failing = true;
    const flaky = { query: (sql: string, params?: unknown[]) => (failing ? Promise.reject(new Error('connection lost')) : db.query(sql, params)) };
    const c = new ThrottleCounter(flaky as Database, 10, time.now);
    admitted(c, tenant, 2);
    time.ms += MINUTE; // a window closes while the database is unreachable
    admitted(c, tenant, 1);
    await assert.rejects(c.sync(), /connection lost/);
    failing = false;
    await c.sync();
    assert.deepEqual(await stored(tenant), [2, 1]);
  });
});
