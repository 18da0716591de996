/**
 * The SDK's sandbox controls against a listening server: fault rules (create, list, remove one or all),
 * the request log (read, and streamed as server-sent events), and reset; plus the event-stream reader
 * on streams cut anywhere.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { newPartner, startApp, type Partner, type TestContext } from '../../server/test/helpers.js';
import { PartnerCenterError, createPartnerOperations, serverSentEvents, type LoggedRequest, type PartnerOperations } from '../src/index.js';
import { listen } from './support.js';

let ctx: TestContext;
let baseUrl: string;
before(async () => {
  ctx = await startApp({ PC_WORKER: 'false' });
  baseUrl = await listen(ctx);
});
after(() => ctx.close());

async function signedIn(): Promise<{ partner: Partner; client: PartnerOperations }> {
  const partner = await newPartner(ctx.app);
  const client = createPartnerOperations({ baseUrl, credentials: { username: partner.username, password: partner.password }, retry: { maxRetries: 0 } });
  return { partner, client };
}

describe('sandbox controls through the SDK', () => {
  test('fault rules: created, listed, firing on /v1 with their status and code, removed one by one and all at once', async () => {
    const { partner, client } = await signedIn();
    const sandbox = client.sandbox.byTenant(partner.tenantId);
    const rule = await sandbox.faults.create({ method: 'GET', route: '/v1/customers/*', count: 1, effect: { type: 'error', status: 409, code: 800099 } });
    assert.equal(rule.remaining, 1);
    assert.deepEqual((await sandbox.faults.get()).items.map((r) => r.id), [rule.id]);
    const customerId = partner.customers[0].id;
    await assert.rejects(client.customers.byId(customerId).get(), (err) => err instanceof PartnerCenterError && err.status === 409 && err.code === 800099);
    assert.equal((await client.customers.byId(customerId).get()).id, customerId, 'a counted rule stops firing');

    await sandbox.faults.byId(rule.id).delete();
    assert.deepEqual((await sandbox.faults.get()).items, []);
    await sandbox.faults.create({ effect: { type: 'delay', delayMs: 1 } });
    await sandbox.faults.create({ effect: { type: 'drop' }, method: 'DELETE' });
    await sandbox.faults.delete();
    assert.deepEqual((await sandbox.faults.get()).items, []);
  });

  test('the request log: read, then streamed as requests happen, each under its MS-RequestId; aborting ends the stream', async () => {
    const { partner, client } = await signedIn();
    const sandbox = client.sandbox.byTenant(partner.tenantId);
    await client.customers.get();
    const { items } = await sandbox.requests.get({ limit: 5 });
    assert.equal(items.at(-1)?.path, '/v1/customers');

    const controller = new AbortController();
    const seen: LoggedRequest[] = [];
    const reading = (async () => {
      for await (const entry of sandbox.requests.stream({ after: items.at(-1)!.seq }, { signal: controller.signal })) {
        seen.push(entry);
        if (seen.length === 2) controller.abort();
      }
    })();
    const first = '6f0c7d4e-8a1b-4c2d-9e3f-000000000001';
    const second = '6f0c7d4e-8a1b-4c2d-9e3f-000000000002';
    await client.customers.get({}, { requestId: first });
    await client.customers.byId(partner.customers[0].id).get({ requestId: second });
    await reading;
    assert.deepEqual(
      seen.map((e) => [e.requestId, e.method, e.status]),
      [
        [first, 'GET', 200],
        [second, 'GET', 200],
      ],
    );
    assert.ok(seen[0].seq > items.at(-1)!.seq && seen[1].seq > seen[0].seq);
  });

  test("a stream of a partner that does not exist is Partner Center's 404, typed, with its MS-RequestId", async () => {
    const { client } = await signedIn();
    await assert.rejects(
      (async () => {
        for await (const _ of client.sandbox.byTenant(randomUUID()).requests.stream()) break;
      })(),
      (err) => err instanceof PartnerCenterError && err.status === 404 && /^[0-9a-f-]{36}$/.test(err.requestId),
    );
  });

  test('reset: the customers the partner was created with, and no more', async () => {
    const { partner, client } = await signedIn();
    const before = (await client.customers.get()).items.map((c) => c.id);
    await client.customers.create({
      billingProfile: {
        email: 'it@fabrikam.example.com',
        culture: 'en-US',
        language: 'en',
        companyName: 'Fabrikam',
        defaultAddress: { firstName: 'Ann', lastName: 'Lee', addressLine1: '1 Main St', city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' },
      },
      companyProfile: { domain: `fabrikam${Date.now()}.onmicrosoft.com` },
    });
    assert.equal((await client.customers.get()).items.length, before.length + 1);
    const reset = await client.sandbox.byTenant(partner.tenantId).reset();
    assert.equal(reset.tenantId, partner.tenantId);
    assert.deepEqual((await client.customers.get()).items.map((c) => c.id), before);
  });
});

test('serverSentEvents: events cut anywhere, CRLF lines, comments, multi-line data', async () => {
  const text = ': a comment\r\n\r\nid: 1\r\ndata: {"a":1}\r\n\r\nid: 2\ndata: {"b":\ndata: 2}\n\nevent: ping\n\n';
  const bytes = new TextEncoder().encode(text);
  for (const size of [1, 3, 7, bytes.length]) {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size));
        c.close();
      },
    });
    const out: unknown[] = [];
    for await (const e of serverSentEvents(body)) out.push(e);
    assert.deepEqual(out, [{ a: 1 }, { b: 2 }], `chunks of ${size}`);
  }
});
