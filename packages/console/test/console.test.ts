/**
 * The console in a real browser (Debian's Chromium, driven by playwright-core) against a real
 * listening server and its provisioning worker: a partner's day from sign-in to renewal, the sandbox's
 * fault rules seen as the user sees an error, the narrow window, and the weight of the page's script.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { BUSINESS_BASIC, CHROMIUM, addLine, builtConsole, openFirstCustomer, signInAsDemo, withPage, startHarness, type Harness } from './harness.js';

/** Partner Center's answer when the partner has no webhook registration: the sandbox panel reads it first. */
const NO_REGISTRATION = (e: string) => /status of 404/.test(e) && /\/webhooks\/v1\/registration\)$/.test(e);

/** Where the console may send requests: its own files, the public API (webhooks too), sign-in and the partner's sandbox routes. */
const ALLOWED = /^(GET \/console(\/|$)|[A-Z]+ \/v1\/|[A-Z]+ \/webhooks\/v1\/|POST \/oauth2\/token$|[A-Z]+ \/sandbox\/partners(\/|$))/;

test('the built console: its initial load is far under 300 KB of compressed script, served gzipped', async () => {
  const { scripts, styles } = builtConsole();
  assert.equal(scripts.length, 1, 'one script');
  const js = scripts.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  const css = styles.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  console.log(`console initial load: ${js} bytes of gzipped JS, ${css} bytes of gzipped CSS`);
  assert.ok(js < 300 * 1024, `${js} bytes`);
  assert.ok(js < 60 * 1024, `${js} bytes: the budget this stack keeps far below the 300 KB limit`);
});

describe('the console in a real browser', { skip: CHROMIUM ? false : 'no Chromium (apt-get install chromium, or set CHROMIUM_PATH)' }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h?.close());

  test('served at /console with this server’s auth mode, assets gzipped and cached; unknown assets 404', async () => {
    const page = await fetch(`${h.base}/console`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<meta name="pc-auth-mode" content="sandbox"/);
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1];
    const asset = await fetch(`${h.base}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('content-encoding'), 'gzip');
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
    for (const path of ['/console/assets/nothing.js', '/console/assets/..%2F..%2Fpackage.json', '/console/assets/%2e%2e%2f%2e%2e%2fpackage.json']) {
      assert.equal((await fetch(`${h.base}${path}`)).status, 404, path);
    }
  });

  test("a partner's day: sign in, a cart line error fixed, checkout, provisioning, seats, a renewal, a fault's error", async () => {
    await withPage(h, async ({ page, consoleErrors, requests }) => {
      await signInAsDemo(page, h.base);
      assert.ok((await page.evaluate(() => sessionStorage.length)) > 0, 'the token is kept in sessionStorage');

      // A new cart whose line comes back with Partner Center's error inside the 201 Cart, then fixed.
      await openFirstCustomer(page);
      await page.getByRole('link', { name: 'New cart' }).click();
      await addLine(page, { catalogItemId: BUSINESS_BASIC, quantity: 5000, billingCycle: 'monthly', termDuration: 'P1M' });
      const line = page.locator('table[aria-label="Cart lines"] tbody tr').first();
      assert.match(await line.locator('.line-result').innerText(), /^10015\b/, 'MaxAllowedSeatsPerSubscriptionExceeded on the line');
      await line.getByLabel('Quantity of line 0').fill('5');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await line.locator('.line-result .ok').waitFor();

      // Checkout: the CartCheckoutResult, one monthly order.
      await page.getByRole('button', { name: 'Check out' }).click();
      const result = page.locator('section.result');
      await result.getByRole('heading', { name: /^monthly order/ }).waitFor();
      assert.equal(await result.locator('.order-card').count(), 1);

      // The order's provisioning, watched until the line is fulfilled and has its subscription.
      await result.locator('.order-card a').first().click();
      await page.getByText('1 of 1 lines provisioned').waitFor();
      const provisioned = page.locator('table[aria-label="Order lines"] tbody tr').first();
      assert.equal(await provisioned.locator('.line-provisioning').innerText(), 'Fulfilled');
      const subscriptionLink = provisioned.getByRole('link');
      await subscriptionLink.waitFor();

      // Seats: 5 → 7.
      await subscriptionLink.click();
      await page.getByRole('button', { name: 'Change seats' }).waitFor();
      assert.equal(await page.locator('.subscription-quantity').innerText(), '5');
      await page.getByLabel('Seats', { exact: true }).fill('7');
      await page.getByRole('button', { name: 'Change seats' }).click();
      await page.locator('.subscription-quantity', { hasText: '7' }).waitFor();
      const subscriptionUrl = page.url();
      const termEnd = await page.locator('.subscription-end').innerText();

      // The partner's clock past the renewal: the subscription's term moves on.
      await page.getByRole('link', { name: 'Sandbox', exact: true }).click();
      const clockBefore = await page.locator('.clock-now').innerText();
      await page.getByLabel('Advance by').fill('32d');
      await page.getByRole('button', { name: 'Advance', exact: true }).click();
      await page.locator('.clock-offset', { hasText: '32 d 0 h' }).waitFor();
      assert.notEqual(await page.locator('.clock-now').innerText(), clockBefore);
      await page.goto(subscriptionUrl);
      await page.locator('.subscription-end').waitFor();
      const renewedEnd = await page.locator('.subscription-end').innerText();
      assert.ok(renewedEnd > termEnd, `the term ended ${termEnd}; after the renewal it ends ${renewedEnd}`);
      assert.equal(await page.locator('.subscription-status').innerText(), 'active');

      // A fault rule on reading subscriptions: the screen shows its code, description and MS-RequestId.
      await page.getByRole('link', { name: 'Sandbox', exact: true }).click();
      await page.getByLabel('Method').selectOption('GET');
      await page.getByLabel('Route').fill('/v1/customers/*/subscriptions/*');
      await page.getByLabel('Status').selectOption('404');
      await page.getByLabel('Code').fill('800099');
      await page.getByLabel('Times').fill('1');
      await page.getByRole('button', { name: 'Add rule' }).click();
      await page.locator('ul.rules li', { hasText: 'GET /v1/customers/*/subscriptions/*' }).waitFor();
      await page.goto(subscriptionUrl);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.equal(await alert.locator('.error-code').innerText(), '800099');
      const requestId = await alert.locator('.error-request-id').innerText();
      assert.match(requestId, /^[0-9a-f-]{36}$/);
      // The fault fired once: trying again loads the subscription.
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.locator('.subscription-quantity', { hasText: '7' }).waitFor();
      // The request log shows the failed request under the same MS-RequestId.
      await page.getByRole('link', { name: 'Sandbox', exact: true }).click();
      await page.locator('.request-log tr', { hasText: requestId }).filter({ hasText: '404' }).waitFor();

      const errors = consoleErrors.filter((e) => !NO_REGISTRATION(e));
      assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), [], 'no console errors but the fault rule’s 404');
      assert.ok(errors.length <= 1, errors.join('\n'));
      assert.deepEqual(requests.filter((r) => !ALLOWED.test(r)), [], 'only public routes, sign-in and the partner’s sandbox routes');
    });
  });

  test('webhooks: register a local receiver, a validation event delivered and its attempt shown, update, delete', async () => {
    const received: { body: string; headers: Record<string, string | string[] | undefined> }[] = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      await withPage(h, async ({ page, consoleErrors, requests }) => {
        page.on('dialog', (d) => void d.accept());
        await signInAsDemo(page, h.base);
        await page.getByRole('link', { name: 'Sandbox', exact: true }).click();
        const section = page.locator('section.webhooks');
        await section.getByText('No registration yet.').waitFor();
        await section.getByLabel('Webhook URL').fill(hookUrl);
        assert.equal(await section.getByLabel('test-created').isChecked(), true, 'test-created is chosen by default');
        await section.getByRole('button', { name: 'Register' }).click();
        await section.locator('.registration-url', { hasText: hookUrl }).waitFor();

        // The validation event: delivered to the receiver, its status completed, the delivery and its attempt listed.
        await section.getByRole('button', { name: 'Send a validation event' }).click();
        await section.locator('.validation-status', { hasText: 'completed' }).waitFor();
        assert.equal(received.length, 1, 'the receiver got the event once');
        const eventId = String(received[0].headers['webhook-id']);
        assert.match(await section.locator('.validation-status code').innerText(), new RegExp(`^${eventId}$`));
        const delivery = section.locator('details.delivery', { hasText: 'test-created' });
        await delivery.locator('summary', { hasText: 'done' }).waitFor();
        await delivery.locator('summary').click();
        const attempt = delivery.getByRole('table', { name: `Attempts of test-created ${eventId}` }).locator('tbody tr');
        assert.equal(await attempt.count(), 1);
        assert.equal(await attempt.locator('.attempt-status').innerText(), '200');
        assert.equal(await delivery.locator('.delivery-body').innerText(), received[0].body, 'the payload as the receiver got it');
        const headers = await delivery.locator('.delivery-headers').innerText();
        assert.ok(headers.includes(`authorization: ${String(received[0].headers.authorization)}`), headers);
        assert.ok(headers.includes(`webhook-id: ${eventId}`), headers);

        // Update: another event too; then delete.
        await section.getByLabel('subscription-updated').check();
        const reread = page.waitForResponse((r) => r.url().endsWith('/webhooks/v1/registration') && r.request().method() === 'GET' && r.ok());
        await section.getByRole('button', { name: 'Update registration' }).click();
        await reread;
        assert.equal(await section.getByLabel('subscription-updated').isChecked(), true, 'the update is read back');
        await section.getByRole('button', { name: 'Delete registration' }).click();
        await section.getByText('No registration yet.').waitFor();

        assert.deepEqual(consoleErrors.filter((e) => !NO_REGISTRATION(e)), [], 'no console errors but the reads of no registration');
        assert.deepEqual(requests.filter((r) => !ALLOWED.test(r)), [], 'only public routes, sign-in and the partner’s sandbox routes');
      });
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  test('customer search runs on the server: a domain prefix finds a customer that is not on the first page', async () => {
    await withPage(h, async ({ page, consoleErrors }) => {
      await signInAsDemo(page, h.base);
      const tenantId = await page.evaluate(() => {
        for (let i = 0; i < sessionStorage.length; i++) {
          const v = JSON.parse(sessionStorage.getItem(sessionStorage.key(i)!) ?? 'null') as { tenantId?: string } | null;
          if (v?.tenantId) return v.tenantId;
        }
        return undefined;
      });
      assert.ok(tenantId);
      // 21 more customers (the demo one is first): the last is on the second page of 20.
      let last: { domain: string } | undefined;
      for (let i = 0; i < 21; i++) {
        const res: Response = await fetch(`${h.base}/sandbox/partners/${tenantId}/customers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        assert.equal(res.status, 201);
        last = (await res.json()) as { domain: string };
      }
      await page.reload();
      await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
      await page.getByText('Page 1 · 20 customers').waitFor();
      assert.equal(await page.getByRole('cell', { name: last!.domain, exact: true }).count(), 0, 'not on the first page');

      const prefix = last!.domain.slice(0, 'sandbox'.length + 6);
      await page.getByLabel('Search by').selectOption('Domain');
      await page.getByLabel('Starts with').fill(prefix.toUpperCase());
      const searched = page.waitForRequest((r) => new URL(r.url()).pathname === '/v1/customers' && (new URL(r.url()).searchParams.get('filter') ?? '').includes(prefix.toUpperCase()));
      await page.getByRole('button', { name: 'Search' }).click();
      await searched;
      await page.getByText(`Page 1 · 1 customers whose domain starts with “${prefix.toUpperCase()}”`).waitFor();
      assert.equal(await page.getByRole('cell', { name: last!.domain, exact: true }).count(), 1);
      assert.deepEqual(consoleErrors, []);
    });
  });

  test('a narrow window (400 px): no sideways scrolling, navigation and tables still reachable', async () => {
    await withPage(
      h,
      async ({ page, consoleErrors }) => {
      await signInAsDemo(page, h.base);
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(await overflow(), 0, 'customers');
      await openFirstCustomer(page);
      assert.equal(await overflow(), 0, 'customer');
      await page.getByRole('link', { name: 'Catalog', exact: true }).click();
      await page.getByRole('button', { name: /Microsoft 365 Business Basic/ }).click();
      await page.getByRole('button', { name: /^Microsoft 365 Business Basic/ }).nth(1).click();
      await page.locator('ul.availabilities li').first().waitFor();
      assert.equal(await overflow(), 0, 'catalog');
      await page.getByRole('link', { name: 'Sandbox', exact: true }).click();
      await page.locator('.clock-now').waitFor();
      assert.equal(await overflow(), 0, 'sandbox');
      assert.deepEqual(consoleErrors.filter((e) => !NO_REGISTRATION(e)), []);
      },
      { width: 400, height: 800 },
    );
  });
});

describe('jwks mode: the console takes a bearer token', { skip: CHROMIUM ? false : 'no Chromium' }, () => {
  const ISSUER = 'https://sts.windows.net/11111111-2222-4333-8444-555555555555/';
  let h: Harness;
  let keys: Server;
  let signingKey: CryptoKey;
  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    signingKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    keys = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    const { port } = keys.address() as AddressInfo;
    h = await startHarness({ PC_AUTH_MODE: 'jwks', PC_JWKS_URL: `http://127.0.0.1:${port}/keys`, PC_JWT_ISSUER: ISSUER });
  });
  after(async () => {
    await h?.close();
    keys?.close();
  });

  test('a pasted token signs in (no sandbox panel); a bad one shows the 401 with its MS-RequestId', async () => {
    await withPage(h, async ({ page, consoleErrors }) => {
      await page.goto(`${h.base}/console/`);
      const token = await new SignJWT({ tid: randomUUID(), appid: randomUUID() })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(ISSUER)
        .setAudience('https://api.partnercenter.microsoft.com')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(signingKey);
      await page.getByLabel('Access token').fill(`Bearer ${token}`);
      await page.getByRole('button', { name: 'Use this token' }).click();
      await page.getByText('No customers yet.').waitFor();
      assert.equal(await page.getByRole('link', { name: 'Sandbox', exact: true }).count(), 0);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Access token').fill('not-a-token');
      await page.getByRole('button', { name: 'Use this token' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.equal(await alert.locator('dd').nth(2).innerText(), '401');
      assert.match(await alert.locator('.error-request-id').innerText(), /^[0-9a-f-]{36}$/);
      assert.ok(consoleErrors.every((e) => /status of 401/.test(e)), consoleErrors.join('\n'));
    });
  });
});
