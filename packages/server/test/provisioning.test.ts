/**
 * Asynchronous provisioning: pending orders complete through workers that claim jobs from the
 * database, retry failures with backoff, report final failures, and never provision a line twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newPartner, startApp, type Partner, type TestContext, until } from './helpers.js';
import { JobWorker } from '../src/modules/jobs/worker.js';
import { claimJobs } from '../src/modules/jobs/repo.js';
import { checkConsistency } from '../src/consistency.js';

let ctx: TestContext;
const workers: JobWorker[] = [];
before(async () => {
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_PROVISIONING_BACKOFF_MS: '20', PC_PROVISIONING_MAX_ATTEMPTS: '3' });
});
after(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await ctx.close();
});

const startWorker = (leaseSeconds = 60) => {
  const w = new JobWorker(ctx.db, { policy: ctx.config.provisioning, pollMs: 20, leaseSeconds });
  workers.push(w);
  w.start();
  return w;
};

async function checkoutNew(p: Partner, lines?: object[]) {
  let customer = p.customers[0];
  let cartId = customer.cartId;
  if (lines) {
    const res = await call(ctx.app, 'POST', `/v1/customers/${customer.id}/carts`, { token: p.appToken, body: { lineItems: lines } });
    cartId = res.json().id;
  } else {
    customer = (await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/customers`, payload: {} })).json();
    cartId = customer.cartId;
  }
  const res = await call(ctx.app, 'POST', `/v1/customers/${customer.id}/carts/${cartId}/checkout`, { token: p.appToken });
  assert.equal(res.statusCode, 201, res.body);
  return { customerId: customer.id, orders: res.json().orders as { id: string; status: string }[] };
}

const getOrder = async (p: Partner, customerId: string, orderId: string) =>
  (await call(ctx.app, 'GET', `/v1/customers/${customerId}/orders/${orderId}`, { token: p.appToken })).json();

const barracuda = [{ id: 0, catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' }];

describe('provisioning', () => {
  let p: Partner;
  before(async () => {
    p = await newPartner(ctx.app);
    startWorker();
  });

  test('pending orders become completed; every line Fulfilled with its subscription', async () => {
    const { customerId, orders } = await checkoutNew(p);
    assert.deepEqual(orders.map((o) => o.status), ['completed', 'pending', 'pending']);
    for (const o of orders) {
      const done = await until(`order ${o.id}`, async () => {
        const order = await getOrder(p, customerId, o.id);
        return order.status === 'completed' ? order : undefined;
      });
      for (const line of done.lineItems) {
        assert.match(line.subscriptionId, /^[0-9a-f-]{36}$/);
        assert.equal(line.links.subscription.uri, `/customers/${customerId}/subscriptions/${line.subscriptionId}`);
        const sub = await call(ctx.app, 'GET', `/v1/customers/${customerId}/subscriptions/${line.subscriptionId}`, { token: p.appToken });
        assert.equal(sub.json().status, 'active');
        assert.equal(sub.json().orderId, o.id);
      }
      const status = await call(ctx.app, 'GET', `/v1/customers/${customerId}/orders/${o.id}/provisioningstatus`, { token: p.userToken });
      assert.equal(status.statusCode, 200);
      for (const item of status.json().items) assert.equal(item.status, 'Fulfilled');
    }
    const byOrder = await call(ctx.app, 'GET', `/v1/customers/${customerId}/subscriptions?order_id=${orders[1].id}`, { token: p.appToken });
    assert.equal(byOrder.json().totalCount, 3, 'two reservations and BizTalk');
  });

  test('a provisioning delay per product type holds the order pending until it is due', async () => {
    const slow = await newPartner(ctx.app);
    const put = await ctx.app.inject({
      method: 'PUT',
      url: `/sandbox/partners/${slow.tenantId}/provisioning`,
      payload: { delaysSeconds: { OnlineServices: 3600 } },
    });
    assert.equal(put.statusCode, 200);
    const { customerId, orders } = await checkoutNew(slow, barracuda);
    const nce = await checkoutNew(slow, [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' }]);
    await until('the NCE order', async () => ((await getOrder(slow, nce.customerId, nce.orders[0].id)).status === 'completed' ? true : undefined));
    assert.equal((await getOrder(slow, customerId, orders[0].id)).status, 'pending');
    const jobs = (await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${slow.tenantId}/provisioning/jobs` })).json().items;
    const job = jobs.find((j: { orderId: string }) => j.orderId === orders[0].id);
    assert.equal(job.state, 'queued');
    assert.ok(Date.parse(job.runAt) > Date.now() + 3000 * 1000);
  });

  test('an injected failure is retried with backoff, then the order completes once', async () => {
    const q = await newPartner(ctx.app);
    await ctx.app.inject({
      method: 'PUT',
      url: `/sandbox/partners/${q.tenantId}/provisioning/faults/DZH318Z0BXWC:0002:DZH318Z0BMRV`,
      payload: { failures: 2, message: 'marketplace publisher unavailable' },
    });
    const { customerId, orders } = await checkoutNew(q, barracuda);
    await until('completion', async () => ((await getOrder(q, customerId, orders[0].id)).status === 'completed' ? true : undefined));
    const [job] = (await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${q.tenantId}/provisioning/jobs` })).json().items;
    assert.equal(job.state, 'done');
    assert.equal(job.attempts, 3);
    assert.match(job.lastError, /marketplace publisher unavailable/);
    const subs = await ctx.db.query('SELECT id FROM subscriptions WHERE order_id = $1', [orders[0].id]);
    assert.equal(subs.length, 1);
  });

  test('a failure on every attempt is reported: lines Unfulfilled with the reason, order cancelled', async () => {
    const q = await newPartner(ctx.app);
    await ctx.app.inject({
      method: 'PUT',
      url: `/sandbox/partners/${q.tenantId}/provisioning/faults/dzh318z0bxwc:0002:dzh318z0bmrv`,
      payload: { message: 'publisher rejected the subscription' },
    });
    const { customerId, orders } = await checkoutNew(q, barracuda);
    const order = await until('the final failure', async () => {
      const o = await getOrder(q, customerId, orders[0].id);
      return o.status === 'pending' ? undefined : o;
    });
    assert.equal(order.status, 'cancelled');
    assert.equal(order.lineItems[0].subscriptionId, undefined);
    const status = (await call(ctx.app, 'GET', `/v1/customers/${customerId}/orders/${orders[0].id}/provisioningstatus`, { token: q.userToken })).json();
    assert.equal(status.items[0].status, 'Unfulfilled');
    assert.match(status.items[0].error.description, /publisher rejected/);
    const [job] = (await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${q.tenantId}/provisioning/jobs` })).json().items;
    assert.equal(job.state, 'failed');
    assert.equal(job.attempts, 3);
  });
});

describe('provisioning with several workers', () => {
  test('two more workers on one database provision every line exactly once', async () => {
    startWorker();
    startWorker();
    const p = await newPartner(ctx.app);
    const checkouts = [];
    for (let i = 0; i < 12; i++) checkouts.push(await checkoutNew(p));
    const pending = checkouts.flatMap((c) => c.orders.filter((o) => o.status === 'pending').map((o) => ({ ...o, customerId: c.customerId })));
    for (const o of pending) {
      await until(`order ${o.id}`, async () => ((await getOrder(p, o.customerId, o.id)).status === 'completed' ? true : undefined));
    }
    const [{ lines, subs }] = await ctx.db.query<{ lines: number; subs: number }>(
      `SELECT (SELECT count(*)::int FROM order_line_items WHERE order_id = ANY ($1::text[])) AS lines,
              (SELECT count(*)::int FROM subscriptions WHERE order_id = ANY ($1::text[])) AS subs`,
      [pending.map((o) => o.id)],
    );
    assert.equal(lines, 12 * 4);
    assert.equal(subs, lines, 'one subscription per line, none twice');
    assert.deepEqual((await checkConsistency(ctx.db)).violations, []);
  });

  test('a job whose worker died mid-job is taken over when its lease runs out, and completes once', async () => {
    const p = await newPartner(ctx.app);
    await ctx.app.inject({ method: 'PUT', url: `/sandbox/partners/${p.tenantId}/provisioning`, payload: { delaysSeconds: { OnlineServices: 3600 } } });
    const { customerId, orders } = await checkoutNew(p, barracuda);
    // A worker claims the job and dies: with no live worker running (one would race it for the job),
    // make it due, claim it with a 1-second lease, never finish it. Then a live worker starts.
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await ctx.db.query(`UPDATE jobs SET run_at = now() WHERE kind = 'provisioning' AND key = $1`, [orders[0].id]);
    const claimed = await claimJobs(ctx.db, 'dead-worker', 100, 1);
    assert.ok(claimed.some((j) => j.key === orders[0].id), 'the dead worker holds the job');
    startWorker();
    const order = await until('the takeover', async () => {
      const o = await getOrder(p, customerId, orders[0].id);
      return o.status === 'completed' ? o : undefined;
    });
    assert.ok(order.lineItems[0].subscriptionId);
    const [job] = (await ctx.app.inject({ method: 'GET', url: `/sandbox/partners/${p.tenantId}/provisioning/jobs` })).json().items;
    assert.equal(job.state, 'done');
    assert.equal(job.attempts, 2, 'the dead attempt, then the one that completed');
    const subs = await ctx.db.query('SELECT id FROM subscriptions WHERE order_id = $1', [orders[0].id]);
    assert.equal(subs.length, 1);
  });
});

describe('stopping a worker', () => {
  test('it finishes the running job and gives back the claimed ones it did not start', async () => {
    await Promise.all(workers.map((w) => w.stop())); // this worker must be the only one
    const p = await newPartner(ctx.app);
    await ctx.app.inject({ method: 'PUT', url: `/sandbox/partners/${p.tenantId}/provisioning`, payload: { delaysSeconds: { OnlineServices: 3600 } } });
    const orderIds: string[] = [];
    for (let i = 0; i < 5; i++) orderIds.push((await checkoutNew(p, barracuda)).orders[0].id);
    // Make them due together, so that one worker claims all five in one batch.
    await ctx.db.query(`UPDATE jobs SET run_at = now() WHERE kind = 'provisioning' AND key = ANY ($1::text[])`, [orderIds]);
    let stopping: Promise<void> | undefined;
    const done: string[] = [];
    const w = new JobWorker(ctx.db, {
      policy: ctx.config.provisioning,
      pollMs: 20,
      batchSize: 5,
      onJob: (orderId) => {
        done.push(orderId);
        stopping ??= w.stop(); // stop as soon as the first job is done
      },
    });
    w.start();
    await until('the first job', async () => (stopping ? true : undefined));
    await stopping;
    const jobs = await ctx.db.query<{ order_id: string; state: string; locked_by: string | null }>(
      'SELECT key AS order_id, state, locked_by FROM jobs WHERE kind = \'provisioning\' AND key = ANY ($1::text[])',
      [orderIds],
    );
    assert.equal(done.length, 1, 'no job started after stop()');
    for (const j of jobs) {
      if (j.order_id === done[0]) assert.equal(j.state, 'done');
      else assert.deepEqual([j.state, j.locked_by], ['queued', null], `job ${j.order_id} given back`);
    }
  });
});
