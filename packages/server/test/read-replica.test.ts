/**
 * Read scaling (issue 18 item 4, docs/scaling.md "Read replicas"): a GET with `ConsistencyLevel:
 * eventual` may be served by the streaming replica in PC_READ_REPLICA_URL; everything else reads and
 * writes the primary. PostgreSQL only, against a real hot standby: start one with
 * `scripts/pg-local/replica.sh start` and give its URL as TEST_READ_REPLICA_URL. The test pauses the
 * standby's replay, so a write on the primary is visibly absent from it: reads that opted in do not
 * see it, reads that did not (and the writer's own next read) do.
 * The fallback suite needs no replica: a replica that cannot be reached leaves reads to the primary.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { ConfigError, loadConfig } from '../src/config.js';
import { call, engine, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

const primaryUrl = process.env.DATABASE_URL;
const replicaUrl = process.env.TEST_READ_REPLICA_URL;
const EVENTUAL = { consistencylevel: 'eventual' };

const skipReplica = engine !== 'postgres' ? 'PostgreSQL only' : !replicaUrl ? 'set TEST_READ_REPLICA_URL (scripts/pg-local/replica.sh start)' : false;

/** Waits until the replica has replayed everything the primary had written when called (an event, polled). */
async function caughtUp(primary: pg.Client, replica: pg.Client): Promise<void> {
  const [{ lsn }] = (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows;
  for (let i = 0; ; i++) {
    const { rows } = await replica.query<{ done: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn]);
    if (rows[0].done) return;
    if (i > 2000) throw new Error(`the replica did not replay up to ${lsn}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`reads that allow it go to the replica, everything else to the primary (${engine})`, { skip: skipReplica }, () => {
  let ctx: TestContext;
  let primary: pg.Client;
  let replica: pg.Client;
  let p: Partner;
  let customerId: string;
  let orderId: string;
  let subscriptionId: string;

  before(async () => {
    ctx = await startApp({ DATABASE_URL: primaryUrl!, PC_READ_REPLICA_URL: replicaUrl!, PC_PROVISIONING_DELAY_SECONDS: '0' });
    primary = new pg.Client({ connectionString: primaryUrl });
    replica = new pg.Client({ connectionString: replicaUrl });
    await primary.connect();
    await replica.connect();
    const [{ recovery }] = (await replica.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery')).rows;
    assert.equal(recovery, true, 'TEST_READ_REPLICA_URL is a standby');
    p = await newPartner(ctx.app);
    customerId = p.customers[0].id;
    const checkout = await call(ctx.app, 'POST', `/v1/customers/${customerId}/carts/${p.customers[0].cartId}/checkout`, { token: p.appToken });
    assert.equal(checkout.statusCode, 201, checkout.body);
    orderId = checkout.json().orders[0].id;
    const subs = await call(ctx.app, 'GET', `/v1/customers/${customerId}/subscriptions`, { token: p.appToken });
    subscriptionId = subs.json().items[0].id;
  });

  after(async () => {
    // Whatever happened, the shared standby replays again.
    await replica?.query('SELECT pg_wal_replay_resume()').catch(() => {});
    await replica?.end();
    await primary?.end();
    await ctx?.close();
  });

  test('every read route answers the same from the replica as from the primary once it has caught up', async () => {
    await caughtUp(primary, replica);
    const base = `/v1/customers/${customerId}`;
    const reads: [string, string][] = [
      [`/v1/customers`, p.appToken],
      [base, p.appToken],
      [`${base}/carts/${p.customers[0].cartId}`, p.appToken],
      [`${base}/orders`, p.appToken],
      [`${base}/orders/${orderId}`, p.appToken],
      [`${base}/orders/${orderId}/provisioningstatus`, p.userToken],
      [`${base}/subscriptions`, p.appToken],
      [`${base}/subscriptions/${subscriptionId}`, p.appToken],
      [`${base}/subscriptions/${subscriptionId}/provisioningstatus`, p.appToken],
      [`${base}/subscriptions/${subscriptionId}/addons`, p.appToken],
      [`${base}/subscriptions/${subscriptionId}/registrationstatus`, p.appToken],
      [`${base}/subscriptions/${subscriptionId}/transitioneligibilities`, p.appToken],
      [`${base}/subscriptions/${subscriptionId}/transitions`, p.appToken],
      [`/v1/auditrecords?customerId=${customerId}`, p.appToken],
      [`/v1/products?country=US&targetView=Azure`, p.appToken],
      [`/v1/offers?country=US`, p.appToken],
    ];
    for (const [url, token] of reads) {
      const strong = await call(ctx.app, 'GET', url, { token });
      const eventual = await call(ctx.app, 'GET', url, { token, headers: EVENTUAL });
      assert.ok(strong.statusCode < 300, `${url}: ${strong.statusCode} ${strong.body}`);
      assert.equal(eventual.statusCode, strong.statusCode, `${url}: ${eventual.body}`);
      // The audit page's links name its period, which ends at the moment of the call.
      const same = (res: typeof strong) => (url.startsWith('/v1/auditrecords') ? res.json().items : res.json());
      assert.deepEqual(same(eventual), same(strong), url);
    }
  });

  test('while the replica is behind, a read that allows it misses a new write; the primary and the writer see it', async () => {
    await caughtUp(primary, replica);
    await replica.query('SELECT pg_wal_replay_pause()');
    for (let i = 0; (await replica.query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s')).rows[0].s !== 'paused'; i++) {
      if (i > 2000) throw new Error('replay did not pause');
      await new Promise((r) => setTimeout(r, 10));
    }
    try {
      // A write that sends the header anyway is a write: the primary takes it.
      const created = await call(ctx.app, 'POST', `/v1/customers/${customerId}/carts`, {
        token: p.appToken,
        headers: EVENTUAL,
        body: { lineItems: [{ id: 0, catalogItemId: 'MS-AZR-0145P', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y' }] },
      });
      assert.equal(created.statusCode, 201, created.body);
      const cartUrl = `/v1/customers/${customerId}/carts/${created.json().id}`;

      const own = await call(ctx.app, 'GET', cartUrl, { token: p.appToken });
      assert.equal(own.statusCode, 200, 'the read after the write, without the header, reads the primary');
      const stale = await call(ctx.app, 'GET', cartUrl, { token: p.appToken, headers: EVENTUAL });
      assert.equal(stale.statusCode, 404, `the replica has not replayed the new cart: ${stale.body}`);

      // A new customer: in the list read from the primary, not yet in the one read from the replica.
      const added = await call(ctx.app, 'POST', '/v1/customers', {
        token: p.appToken,
        body: {
          companyProfile: { domain: `replica${randomUUID().slice(0, 8)}.onmicrosoft.com` },
          billingProfile: {
            email: 'a@example.com', culture: 'en-US', language: 'en', companyName: 'Replica Test',
            defaultAddress: { country: 'US', city: 'Redmond', state: 'WA', addressLine1: '1 Way', postalCode: '98052', firstName: 'A', lastName: 'B' },
          },
        },
      });
      assert.equal(added.statusCode, 201, added.body);
      const ids = (res: { json(): { items: { id: string }[] } }) => res.json().items.map((c) => c.id);
      assert.ok(ids(await call(ctx.app, 'GET', '/v1/customers', { token: p.appToken })).includes(added.json().id));
      assert.ok(!ids(await call(ctx.app, 'GET', '/v1/customers', { token: p.appToken, headers: EVENTUAL })).includes(added.json().id));

      await replica.query('SELECT pg_wal_replay_resume()');
      await caughtUp(primary, replica);
      const fresh = await call(ctx.app, 'GET', cartUrl, { token: p.appToken, headers: EVENTUAL });
      assert.equal(fresh.statusCode, 200, 'once replayed, the replica serves the new cart');
      assert.deepEqual(fresh.json(), own.json());
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
  });
});

describe(`a replica that cannot answer leaves reads to the primary (${engine})`, { skip: engine !== 'postgres' && 'PostgreSQL only' }, () => {
  let ctx: TestContext;
  before(async () => {
    // Port 1 on loopback: nothing listens, every connection is refused.
    ctx = await startApp({ DATABASE_URL: primaryUrl!, PC_READ_REPLICA_URL: 'postgres://postgres@127.0.0.1:1/none' });
  });
  after(() => ctx?.close());

  test('reads with ConsistencyLevel: eventual still answer, from the primary', async () => {
    const p = await newPartner(ctx.app);
    const url = `/v1/customers/${p.customers[0].id}/carts/${p.customers[0].cartId}`;
    const strong = await call(ctx.app, 'GET', url, { token: p.appToken });
    const eventual = await call(ctx.app, 'GET', url, { token: p.appToken, headers: EVENTUAL });
    assert.equal(eventual.statusCode, 200, eventual.body);
    assert.deepEqual(eventual.json(), strong.json());
  });
});

describe('PC_READ_REPLICA_URL is checked at start-up', () => {
  test('a replica needs DATABASE_URL, and a postgres:// URL', () => {
    const url = 'postgres://postgres@127.0.0.1:5499/test';
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', PC_READ_REPLICA_URL: url }).readReplicaUrl, url);
    assert.equal(loadConfig({}).readReplicaUrl, undefined);
    assert.throws(() => loadConfig({ PC_READ_REPLICA_URL: url }), (err: Error) => err instanceof ConfigError && /set DATABASE_URL too/.test(err.message));
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', PC_READ_REPLICA_URL: 'replica:5499' }),
      (err: Error) => err instanceof ConfigError && /PC_READ_REPLICA_URL must be a postgres:\/\/ URL, not replica:/.test(err.message),
    );
  });
});
