/**
 * Partner Center webhooks: the registration API as the docs show it, the validation event and its
 * throttle, and delivery of the events checkout, provisioning and subscription changes raise, to a
 * real receiver that verifies signatures with the docs' sample, through receiver failures, timeouts
 * and injected delivery faults; another tenant sees none of it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { WebhookDelivery } from '@partner-commerce/contract';
import { call, newPartner, startApp, type Partner, type TestContext, until } from './helpers.js';
import { JobWorker } from '../src/modules/jobs/worker.js';
import { startReceiver, type Receiver } from './support/receiver.js';

let ctx: TestContext;
let base: string;
let worker: JobWorker;
let receiver: Receiver;
before(async () => {
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_THROTTLE_LIMIT: '0' });
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  receiver = await startReceiver([new URL(base).host]);
  worker = new JobWorker(ctx.db, {
    policy: ctx.config.provisioning,
    webhooks: { timeoutMs: 1000, backoffMs: 20, maxBackoffMs: 100, baseUrl: base },
    pollMs: 20,
  });
  worker.start();
});
after(async () => {
  await worker.stop();
  await receiver.close();
  await ctx.close();
});

const register = (p: Partner, events: string[], method: 'POST' | 'PUT' = 'POST') =>
  call(ctx.app, method, '/webhooks/v1/registration', { token: p.appToken, body: { WebhookUrl: receiver.url, WebhookEvents: events } });

describe('the registration API', () => {
  test('events list, register (PascalCase, as the docs send it), read, update, a second POST is 409, delete', async () => {
    const p = await newPartner(ctx.app);
    const events = await call(ctx.app, 'GET', '/webhooks/v1/registration/events', { token: p.appToken });
    assert.equal(events.statusCode, 200);
    assert.ok(events.json().includes('test-created') && events.json().includes('subscription-updated'));

    assert.equal((await call(ctx.app, 'GET', '/webhooks/v1/registration', { token: p.appToken })).statusCode, 404);
    const made = await register(p, ['subscription-updated', 'TEST-CREATED']);
    assert.equal(made.statusCode, 200, made.body);
    assert.deepEqual(Object.keys(made.json()).sort(), ['SubscriberId', 'WebhookEvents', 'WebhookUrl']);
    assert.deepEqual(made.json().WebhookEvents, ['subscription-updated', 'test-created']);
    assert.equal((await register(p, ['test-created'])).json().code, 800094);
    const bad = await register(p, ['subscription-exploded'], 'PUT');
    assert.equal(bad.statusCode, 400);
    const notUrl = await call(ctx.app, 'PUT', '/webhooks/v1/registration', { token: p.appToken, body: { webhookUrl: 'ftp://x', webhookEvents: ['test-created'] } });
    assert.equal(notUrl.statusCode, 400);
    const put = await register(p, ['test-created'], 'PUT');
    assert.equal(put.statusCode, 200);
    assert.deepEqual((await call(ctx.app, 'GET', '/webhooks/v1/registration', { token: p.userToken })).json(), put.json());
    assert.equal((await call(ctx.app, 'DELETE', '/webhooks/v1/registration', { token: p.appToken })).statusCode, 204);
    assert.equal((await call(ctx.app, 'DELETE', '/webhooks/v1/registration', { token: p.appToken })).statusCode, 404);
    assert.equal((await call(ctx.app, 'GET', '/webhooks/v1/registration')).statusCode, 401);
  });
});

describe('the validation event', () => {
  test('test-created reaches the receiver signed as Partner Center signs; its status lists the attempt; a third within a minute is 429', async () => {
    const p = await newPartner(ctx.app);
    await register(p, ['test-created']);
    const posted = await call(ctx.app, 'POST', '/webhooks/v1/registration/validationEvents', { token: p.appToken, headers: { 'content-type': 'application/json', 'content-length': '0' } });
    assert.equal(posted.statusCode, 200, posted.body);
    const { correlationId } = posted.json();
    const got = await until('the test event', () => receiver.received.find((r) => r.eventId === correlationId));
    assert.equal(got.verified, true, 'the signature verifies with the docs sample');
    assert.equal(got.body.EventName, 'test-created');
    assert.equal(got.body.ResourceName, 'test');
    assert.equal(got.body.ResourceUri, `${base}/webhooks/v1/registration/validationEvents/${correlationId}`);
    assert.match(got.body.ResourceChangeUtcDate, /^\d{4}-\d\d-\d\dT[\d:.]+\+00:00$/);
    const status = await until('completed', async () => {
      const s = (await call(ctx.app, 'GET', `/webhooks/v1/registration/validationEvents/${correlationId}`, { token: p.appToken })).json();
      return s.status === 'completed' ? s : undefined;
    });
    assert.equal(status.callbackUrl, receiver.url);
    assert.equal(status.results.at(-1).responseCode, 'OK', 'the last attempt delivered (an earlier one may have timed out on a busy machine)');

    assert.equal((await call(ctx.app, 'POST', '/webhooks/v1/registration/validationEvents', { token: p.appToken })).statusCode, 200);
    const third = await call(ctx.app, 'POST', '/webhooks/v1/registration/validationEvents', { token: p.appToken });
    assert.equal(third.statusCode, 429);
    assert.ok(Number(third.headers['retry-after']) >= 1);
  });

  test('the sandbox deliveries route: each delivery with its state, attempts (an injected 503, then 200), the body and headers the receiver got', async () => {
    const p = await newPartner(ctx.app);
    const other = await newPartner(ctx.app);
    await register(p, ['test-created']);
    const fault = await call(ctx.app, 'POST', `/sandbox/partners/${p.tenantId}/faults`, { token: p.userToken, body: { count: 1, effect: { type: 'webhookFailure', status: 503 } } });
    assert.equal(fault.statusCode, 201, fault.body);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await call(ctx.app, 'POST', '/webhooks/v1/registration/validationEvents', { token: p.appToken })).json().correlationId);
    const read = async (tenantId: string, token: string, query = '') => {
      const res = await fetch(`${base}/sandbox/partners/${tenantId}/webhooks/deliveries${query}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      return ((await res.json()) as { items: WebhookDelivery[] }).items;
    };
    const items = await until('both delivered', async () => {
      const got = await read(p.tenantId, p.userToken);
      return got.length === 2 && got.every((d) => d.state === 'done') ? got : undefined;
    });
    assert.deepEqual(items.map((d) => d.eventId), [...ids].reverse(), 'newest first');
    const attempts = items.flatMap((d) => d.attempts);
    assert.equal(attempts.length, 3, 'one injected failure, then one success each');
    const failed = attempts.find((a) => a.statusCode === 503)!;
    assert.match(failed.error ?? '', /fault rule/);
    assert.equal(failed.attempt, 1);
    for (const d of items) {
      assert.equal(d.eventName, 'test-created');
      assert.equal(d.url, receiver.url);
      assert.equal(d.lastError, d.attempts.length > 1 ? failed.error : null);
      const last = d.attempts.at(-1)!;
      assert.equal(last.statusCode, 200);
      assert.equal(last.error, null);
      assert.ok(Number.isInteger(last.latencyMs) && last.latencyMs >= 0);
      const got = receiver.received.find((r) => r.eventId === d.eventId && r.answered === 200)!;
      assert.equal(d.body, got.rawBody, 'the body, byte for byte as delivered');
      assert.equal(d.headers.authorization, got.authorization, 'the signature as delivered');
      assert.equal(d.headers['webhook-id'], d.eventId);
      assert.equal(d.headers['x-ms-signature-algorithm'], 'rsa-sha256');
    }
    // Paging back from the newest; another partner's list has none of them; a bad limit is 400.
    const older = await read(p.tenantId, p.userToken, `?limit=1&before=${items[0].seq}`);
    assert.deepEqual(older.map((d) => d.eventId), [ids[0]]);
    assert.deepEqual(await read(other.tenantId, other.userToken), []);
    const bad = await fetch(`${base}/sandbox/partners/${p.tenantId}/webhooks/deliveries?limit=0`, { headers: { authorization: `Bearer ${p.userToken}` } });
    assert.equal(bad.status, 400);
  });

  test('the certificate is X.509 of the sandbox organisation, and a tampered body fails the sample', async () => {
    const res = await fetch(`${base}/webhooks/v1/certificate`);
    assert.equal(res.status, 200);
    const cert = new X509Certificate(Buffer.from(await res.arrayBuffer()));
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.match(cert.subject, /O=partner-commerce sandbox/);
    const { verifyPartnerCenterEvent } = await import('./support/verify-webhook.js');
    const { signedDelivery } = await import('../src/modules/webhooks/delivery.js');
    const d = await signedDelivery(ctx.db, { id: 'x', seq: 1, event_name: 'test-created', resource_name: 'test', resource_path: '/x', audit_id: null, changed_at: new Date() }, base);
    const opts = { organization: 'partner-commerce sandbox', certificateHosts: [new URL(base).host] };
    assert.equal(await verifyPartnerCenterEvent(d.headers, Buffer.from(d.body), opts), true);
    assert.equal(await verifyPartnerCenterEvent(d.headers, Buffer.from(d.body.replace('test', 'tost')), opts), false);
    assert.equal(await verifyPartnerCenterEvent(d.headers, Buffer.from(d.body), { ...opts, organization: 'Microsoft Corporation' }), false);
  });

  test('docs/webhooks.md shows the verification sample the receiver uses, verbatim', async () => {
    const docs = await readFile(new URL('../../../docs/webhooks.md', import.meta.url), 'utf8');
    const sample = await readFile(new URL('./support/verify-webhook.ts', import.meta.url), 'utf8');
    assert.ok(docs.includes(sample.trim()), 'docs/webhooks.md holds test/support/verify-webhook.ts');
  });
});

describe('delivery of what checkout, provisioning and subscription changes raise', () => {
  test('every event arrives, verified, in order per resource, through 500s, timeouts and injected faults; another tenant gets none', async () => {
    const p = await newPartner(ctx.app);
    const other = await newPartner(ctx.app);
    const all = ['order-created', 'order-updated', 'subscription-active', 'subscription-pending', 'subscription-updated', 'subscription-renewed'];
    await register(p, all);
    await call(ctx.app, 'POST', '/webhooks/v1/registration', { token: other.appToken, body: { WebhookUrl: receiver.url.replace('/callback', '/other'), WebhookEvents: ['test-created'] } });
    // The receiver fails for a while: 500s, then hangs past the sender's timeout; and two injected failures.
    receiver.mode = 500;
    const fault = await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/faults`, payload: { count: 2, effect: { type: 'webhookFailure', status: 503 } } });
    assert.equal(fault.statusCode, 201, fault.body);
    const c = p.customers[0];
    const checkout = await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { token: p.appToken, body: '"success"' });
    assert.equal(checkout.statusCode, 201, checkout.body);
    await until('some failed attempts', () => (receiver.received.filter((r) => r.answered === 500).length >= 2 ? true : undefined));
    receiver.mode = 'hang';
    await until('a timed-out attempt', () => (receiver.received.some((r) => r.answered === 'hang') ? true : undefined));
    receiver.mode = 200;
    const orders = checkout.json().orders as { id: string; status: string; lineItems: { subscriptionId?: string }[] }[];
    await until('provisioning', async () => {
      for (const o of orders) if ((await call(ctx.app, 'GET', `/v1/customers/${c.id}/orders/${o.id}`, { token: p.appToken })).json().status === 'pending') return undefined;
      return true;
    });
    const subs = (await call(ctx.app, 'GET', `/v1/customers/${c.id}/subscriptions`, { token: p.appToken })).json().items as { id: string; status: string }[];
    const azure = subs.find((s) => s.status === 'active')!;
    const patched = await call(ctx.app, 'PATCH', `/v1/customers/${c.id}/subscriptions/${azure.id}`, { token: p.appToken, body: { friendlyName: 'renamed' } });
    assert.equal(patched.statusCode, 200, patched.body);

    const events = await ctx.db.query<{ id: string; event_name: string; resource_key: string; seq: string }>(
      'SELECT id::text, event_name, resource_key, seq FROM events WHERE partner_tenant_id = $1 ORDER BY seq',
      [p.tenantId],
    );
    assert.ok(events.some((e) => e.event_name === 'order-created') && events.some((e) => e.event_name === 'subscription-updated'));
    const delivered = await until('every event delivered', () => {
      const ok = new Set(receiver.received.filter((r) => r.answered === 200).map((r) => r.eventId));
      return events.every((e) => ok.has(e.id)) ? ok : undefined;
    });
    assert.equal(delivered.size >= events.length, true);
    const mine = receiver.received.filter((r) => events.some((e) => e.id === r.eventId));
    assert.ok(mine.every((r) => r.verified), 'every delivery verifies');
    // In order per resource: a resource's first successful delivery of each event follows its predecessors'.
    const firstOk = (id: string) => receiver.received.findIndex((r) => r.eventId === id && r.answered === 200);
    for (const key of new Set(events.map((e) => e.resource_key))) {
      const seqd = events.filter((e) => e.resource_key === key).map((e) => firstOk(e.id));
      assert.deepEqual(seqd, [...seqd].sort((a, b) => a - b), `events of ${key} arrive in order`);
    }
    const attempts = await ctx.db.query<{ status_code: number | null; error: string | null; latency_ms: number }>(
      'SELECT status_code, error, latency_ms FROM webhook_attempts WHERE partner_tenant_id = $1',
      [p.tenantId],
    );
    assert.ok(attempts.some((a) => a.status_code === 500));
    assert.ok(attempts.some((a) => a.status_code === null && /no answer within/.test(a.error ?? '')), 'a timeout is kept');
    assert.ok(attempts.some((a) => /fault rule/.test(a.error ?? '')), 'injected failures are kept');
    assert.ok(!receiver.received.some((r) => r.body.ResourceUri.includes(other.customers[0].id)), 'the other tenant sees none');
    assert.equal((await ctx.db.query("SELECT 1 FROM jobs WHERE partner_tenant_id = $1 AND kind = 'webhook_delivery'", [other.tenantId])).length, 0);
  });

  test('an event whose receiver never answers 2xx is dead-lettered after its attempts, and the resource\'s next event goes on', async () => {
    const p = await newPartner(ctx.app);
    await register(p, ['subscription-updated']);
    const c = p.customers[0];
    await call(ctx.app, 'POST', `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { token: p.appToken, body: '"success"' });
    const sub = (await call(ctx.app, 'GET', `/v1/customers/${c.id}/subscriptions`, { token: p.appToken })).json().items.find((s: { status: string }) => s.status === 'active');
    await ctx.app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/faults`, payload: { count: 3, effect: { type: 'webhookFailure' } } });
    await ctx.db.query("UPDATE jobs SET max_attempts = 3 WHERE partner_tenant_id = $1 AND kind = 'webhook_delivery'", [p.tenantId]);
    const first = await call(ctx.app, 'PATCH', `/v1/customers/${c.id}/subscriptions/${sub.id}`, { token: p.appToken, body: { friendlyName: 'one' } });
    assert.equal(first.statusCode, 200);
    await ctx.db.query("UPDATE jobs SET max_attempts = 3 WHERE partner_tenant_id = $1 AND kind = 'webhook_delivery'", [p.tenantId]);
    await call(ctx.app, 'PATCH', `/v1/customers/${c.id}/subscriptions/${sub.id}`, { token: p.appToken, body: { friendlyName: 'two' } });
    const [dead, next] = await until('the first dead, the second delivered', async () => {
      const rows = await ctx.db.query<{ state: string; attempts: number }>(
        "SELECT state, attempts FROM jobs WHERE partner_tenant_id = $1 AND kind = 'webhook_delivery' ORDER BY seq",
        [p.tenantId],
      );
      return rows.length === 2 && rows[1].state === 'done' ? rows : undefined;
    });
    assert.deepEqual([dead.state, dead.attempts], ['failed', 3]);
    assert.equal(next.state, 'done');
  });
});
