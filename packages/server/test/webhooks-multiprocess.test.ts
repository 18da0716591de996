/**
 * The check of issue 16 on PostgreSQL: a real receiver registered through the API verifies every
 * delivery's signature while checkouts, provisioning and subscription changes happen on two server
 * processes (each with its worker); the receiver answers 500 and then hangs for a while, and one
 * server is killed with SIGKILL while its worker waits on a delivery. Every event arrives at least
 * once, in order per resource; another tenant gets none. (The same on one process and on PGlite:
 * webhooks.test.ts.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../src/db/database.js';
import { engine, until } from './helpers.js';
import { json, newPartner, startServer, type Server } from './support/processes.js';
import { startReceiver, type Receiver } from './support/receiver.js';

const skip = engine !== 'postgres' && 'needs PostgreSQL: set DATABASE_URL';

describe('webhooks across two processes, one killed mid-delivery', { skip }, () => {
  const schema = `test_wh_${randomBytes(5).toString('hex')}`;
  const env = {
    PC_PROVISIONING_DELAY_SECONDS: '0',
    PC_JOB_LEASE_SECONDS: '2',
    PC_WEBHOOK_TIMEOUT_MS: '400',
    PC_WEBHOOK_BACKOFF_MS: '50',
    PC_WEBHOOK_MAX_BACKOFF_MS: '300',
    PC_THROTTLE_LIMIT: '0',
  };
  let a: Server;
  let b: Server;
  let db: Database;
  let receiver: Receiver;
  before(async () => {
    a = await startServer(schema, env);
    b = await startServer(schema, env);
    db = await openDatabase({ url: process.env.DATABASE_URL, schema, dropSchemaOnClose: true });
    receiver = await startReceiver([new URL(a.url).host, new URL(b.url).host]);
  });
  after(async () => {
    b?.proc.kill('SIGTERM');
    await b?.exited;
    await receiver?.close();
    await db?.close();
  });

  test('every event arrives, verified and in order per resource, despite 500s, hangs and a SIGKILL', async () => {
    const p = await newPartner(a.url);
    const other = await newPartner(b.url);
    const auth = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
    const events = ['order-created', 'order-updated', 'subscription-active', 'subscription-pending', 'subscription-updated', 'subscription-renewed', 'test-created'];
    const reg = await json(await fetch(`${a.url}/webhooks/v1/registration`, { method: 'POST', headers: auth(p.token), body: JSON.stringify({ WebhookUrl: receiver.url, WebhookEvents: events }) }));
    assert.equal(reg.status, 200, reg.text);
    await fetch(`${b.url}/webhooks/v1/registration`, { method: 'POST', headers: auth(other.token), body: JSON.stringify({ WebhookUrl: `${receiver.url}?other`, WebhookEvents: events }) });

    // The receiver fails (500) and then hangs past the senders' timeout while the changes happen.
    receiver.mode = 500;
    const customers = [p.customers[0]];
    for (let i = 0; i < 3; i++) {
      const c = await json(await fetch(`${(i % 2 ? b : a).url}/sandbox/partners/${p.tenantId}/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
      customers.push(c.body);
    }
    const checkouts = await Promise.all(
      customers.map((c, i) => fetch(`${(i % 2 ? b : a).url}/v1/customers/${c.id}/carts/${c.cartId}/checkout`, { method: 'POST', headers: auth(p.token), body: '"success"' }).then(json)),
    );
    for (const r of checkouts) assert.equal(r.status, 201, r.text);
    await until('failed attempts', () => (receiver.received.filter((r) => r.answered === 500).length >= 4 ? true : undefined), 60_000);
    receiver.mode = 'hang';
    // Kill A while its worker waits on a delivery it has claimed.
    await until("a delivery from A's worker hanging", () => (receiver.received.some((r) => r.answered === 'hang' && r.certificateUrl.startsWith(a.url)) ? true : undefined), 60_000);
    a.proc.kill('SIGKILL');
    assert.equal(await a.exited, null, 'killed by a signal');

    // Subscription changes on the surviving process, while the receiver still hangs.
    for (const c of customers) {
      const subs = await json(await fetch(`${b.url}/v1/customers/${c.id}/subscriptions`, { headers: auth(p.token) }));
      const active = subs.body.items.find((s: { status: string }) => s.status === 'active');
      const res = await json(await fetch(`${b.url}/v1/customers/${c.id}/subscriptions/${active.id}`, { method: 'PATCH', headers: auth(p.token), body: JSON.stringify({ friendlyName: `renamed ${c.id.slice(0, 4)}` }) }));
      assert.equal(res.status, 200, res.text);
    }
    receiver.mode = 200;

    const all = await until('provisioning settled and every event delivered', async () => {
      // Renewal jobs wait for their term ends (a year away): settled means nothing else is left to run.
      const pending = await db.query("SELECT 1 FROM jobs WHERE partner_tenant_id = $1 AND kind <> 'renewal' AND state IN ('queued', 'running')", [p.tenantId]);
      if (pending.length) return undefined;
      return db.query<{ id: string; resource_key: string; event_name: string }>('SELECT id::text, resource_key, event_name FROM events WHERE partner_tenant_id = $1 ORDER BY seq', [p.tenantId]);
    }, 60_000);
    assert.ok(all.length >= 16, `events raised: ${all.length}`);
    assert.ok(all.some((e) => e.event_name === 'order-updated') && all.some((e) => e.event_name === 'subscription-updated'));
    const delivered = new Set(receiver.received.filter((r) => r.answered === 200).map((r) => r.eventId));
    const lost = all.filter((e) => !delivered.has(e.id));
    assert.deepEqual(lost, [], 'nothing lost');
    assert.ok(receiver.received.every((r) => r.verified), 'every delivery verifies with the docs sample');
    const firstOk = (id: string) => receiver.received.findIndex((r) => r.eventId === id && r.answered === 200);
    for (const key of new Set(all.map((e) => e.resource_key))) {
      const order = all.filter((e) => e.resource_key === key).map((e) => firstOk(e.id));
      assert.deepEqual(order, [...order].sort((x, y) => x - y), `${key}: in order`);
    }
    const dead = await db.query("SELECT 1 FROM jobs WHERE partner_tenant_id = $1 AND kind = 'webhook_delivery' AND state = 'failed'", [p.tenantId]);
    assert.equal(dead.length, 0, 'none dead-lettered');
    assert.ok(!receiver.received.some((r) => r.body.ResourceUri.includes(other.customers[0].id)), 'the other tenant sees none');
  });
});
