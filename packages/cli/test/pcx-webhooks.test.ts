/**
 * `pcx webhooks add|get|set|rm|events|validate` and `pcx events listen --forward-to|trigger` against a
 * listening server with its job worker: a real receiver (verifying signatures with the docs' sample)
 * gets the validation event through the registration, and the forwarded events through `pcx events
 * listen`, signed as a delivery is; the SDK's webhooks resource underneath.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPartnerOperations } from '@partner-commerce/sdk';
import { newPartner, startApp, type Partner, type TestContext } from '../../server/test/helpers.js';
import { JobWorker } from '../../server/src/modules/jobs/worker.js';
import { startReceiver, type Receiver } from '../../server/test/support/receiver.js';
import { listen } from '../../sdk/test/support.js';
import { json, pcx, type PcxResult } from './support.js';

let ctx: TestContext;
let baseUrl: string;
let dir: string;
let p: Partner;
let env: Record<string, string>;
let receiver: Receiver;
let worker: JobWorker;
before(async () => {
  ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '0', PC_THROTTLE_LIMIT: '0' });
  baseUrl = await listen(ctx);
  receiver = await startReceiver([new URL(baseUrl).host]);
  worker = new JobWorker(ctx.db, { policy: ctx.config.provisioning, webhooks: { timeoutMs: 2000, backoffMs: 20, maxBackoffMs: 100, baseUrl }, pollMs: 20 });
  worker.start();
  dir = await mkdtemp(join(tmpdir(), 'pcx-webhooks-'));
  p = await newPartner(ctx.app);
  env = { PCX_CONFIG: join(dir, 'config.json') };
  ok(await pcx(['login', '--base-url', baseUrl, '--client-id', p.clientId], { ...env, PCX_CLIENT_SECRET: p.clientSecret }));
});
after(async () => {
  await worker.stop();
  await receiver.close();
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

const ok = (r: PcxResult) => assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n--- stderr ---\n${r.stderr}`);

describe('pcx webhooks', () => {
  test('events, add, a second add is 409, get, set, validate --wait (delivered and verified), rm', async () => {
    const events = await pcx(['webhooks', 'events'], env);
    ok(events);
    assert.match(events.stdout, /^test-created$/m);
    ok(await pcx(['webhooks', 'add', '--url', receiver.url, '--events', 'subscription-updated'], env));
    const again = await pcx(['webhooks', 'add', '--url', receiver.url, '--events', 'test-created'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /800094/);
    ok(await pcx(['webhooks', 'set', '--url', receiver.url, '--events', 'test-created,subscription-updated'], env));
    const got = await pcx(['-o', 'json', 'webhooks', 'get'], env);
    ok(got);
    assert.deepEqual(json(got).WebhookEvents, ['test-created', 'subscription-updated']);
    const validated = await pcx(['-o', 'json', 'webhooks', 'validate', '--wait'], env);
    ok(validated);
    const v = json<{ correlationId: string; status: string; results: { responseCode: string }[] }>(validated);
    assert.equal(v.status, 'completed');
    assert.equal(v.results.at(-1)!.responseCode, 'OK');
    const delivered = receiver.received.find((r) => r.eventId === v.correlationId);
    assert.ok(delivered?.verified, 'the receiver verified the test event');
    ok(await pcx(['webhooks', 'rm'], env));
    const gone = await pcx(['webhooks', 'get'], env);
    assert.equal(gone.code, 1);
  });

  test('the SDK: partner.webhooks.registration create/get/validationEvents/delete', async () => {
    const q = await newPartner(ctx.app);
    const partner = createPartnerOperations({ baseUrl, credentials: { clientId: q.clientId, clientSecret: q.clientSecret } });
    const made = await partner.webhooks.registration.create({ webhookUrl: receiver.url, webhookEvents: ['test-created'] });
    assert.deepEqual(made.WebhookEvents, ['test-created']);
    assert.equal((await partner.webhooks.registration.get()).WebhookUrl, receiver.url);
    const { correlationId } = await partner.webhooks.registration.validationEvents.create();
    assert.ok((await partner.webhooks.registration.validationEvents.byId(correlationId).get()).callbackUrl);
    assert.ok((await partner.webhooks.registration.events.get()).includes('subscription-updated'));
    await partner.webhooks.registration.delete();
    await assert.rejects(partner.webhooks.registration.get(), /1000|not found|no webhook registration/i);
  });
});

describe('pcx events', () => {
  test('listen --forward-to POSTs each new event to a local receiver, signed; trigger raises one', async () => {
    const c = p.customers[0];
    const checkout = await ctx.app.inject({
      method: 'POST',
      url: `/v1/customers/${c.id}/carts/${c.cartId}/checkout`,
      headers: { authorization: `Bearer ${p.appToken}`, 'content-type': 'application/json' },
      payload: '"success"',
    });
    assert.equal(checkout.statusCode, 201, checkout.body);
    const before = receiver.received.length;
    let done = false;
    const listening = pcx(['events', 'listen', '--forward-to', receiver.url, '--max', '2'], env).finally(() => (done = true));
    // The stream starts at the next event: keep raising them until two have streamed (no guess at when it listens).
    const raised: string[] = [];
    for (let i = 0; i < 100 && !done; i++) {
      const r = await pcx(['-o', 'json', 'events', 'trigger', 'subscription-updated'], env);
      ok(r);
      raised.push(json<{ id: string }>(r).id);
    }
    const listened = await listening;
    ok(listened);
    const lines = listened.stdout.trim().split('\n');
    assert.equal(lines.length, 2, listened.stdout);
    for (const line of lines) assert.match(line, /^subscription-updated \S+ \S+\/webhooks\/v1\/customers\/\S+ → 200/);
    const forwarded = receiver.received.slice(before).filter((r) => raised.includes(r.eventId));
    assert.equal(forwarded.length, 2);
    assert.ok(forwarded.every((r) => r.verified), 'the forwarded events verify with the docs sample');
    const bad = await pcx(['events', 'trigger', 'subscription-exploded'], env);
    assert.equal(bad.code, 1);
  });
});
