// `npm run screenshots`: the console's main screens as PNGs in docs/console/ (shown in the README),
// taken in Debian's Chromium from a real server on PGlite, by the same steps the console's browser test
// takes (packages/console/test/harness.ts). Not a test: it asserts nothing beyond the steps working.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { BUSINESS_BASIC, CHROMIUM, addLine, openFirstCustomer, signInAsDemo, startHarness, withPage } from '../packages/console/test/harness.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'console');

async function shot(page: Page, name: string, fullPage = false) {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.screenshot({ path: join(out, `${name}.png`), fullPage });
  console.log(`docs/console/${name}.png`);
}

if (!CHROMIUM) throw new Error('No Chromium: apt-get install chromium, or set CHROMIUM_PATH.');
mkdirSync(out, { recursive: true });
delete process.env.DATABASE_URL;
const h = await startHarness();
// A webhook receiver that answers 200, for the sandbox panel's webhooks section.
const receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('ok')));
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
try {
  await withPage(h, async ({ page }) => {
    await page.goto(`${h.base}/console/`);
    await page.getByRole('button', { name: 'Start as a demo partner' }).waitFor();
    await shot(page, 'sign-in');

    await signInAsDemo(page, h.base);
    await shot(page, 'customers');

    await page.getByRole('link', { name: 'Catalog', exact: true }).click();
    await page.getByRole('button', { name: /Microsoft 365 Business Basic/ }).click();
    await page.getByRole('button', { name: /^Microsoft 365 Business Basic/ }).nth(1).click();
    await page.locator('ul.availabilities li').first().waitFor();
    await shot(page, 'catalog', true);

    await page.getByRole('link', { name: 'Customers', exact: true }).click();
    await openFirstCustomer(page);
    await page.getByRole('link', { name: 'New cart' }).click();
    await addLine(page, { catalogItemId: BUSINESS_BASIC, quantity: 5000, billingCycle: 'monthly', termDuration: 'P1M' });
    await addLine(page, { catalogItemId: 'CFQ7TTC0LDPB:0001:CFQ7TTC0LDPM', quantity: 3, billingCycle: 'annual', termDuration: 'P1Y' });
    await shot(page, 'cart-line-error', true);

    await page.getByLabel('Quantity of line 0').fill('5');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('table[aria-label="Cart lines"] tbody tr').first().locator('.ok').waitFor();
    await page.getByRole('button', { name: 'Check out' }).click();
    await page.locator('section.result .order-card').first().waitFor();
    await shot(page, 'checkout-result', true);

    await page.locator('section.result .order-card a').first().click();
    await page.getByText(/of \d lines provisioned/).waitFor();
    await shot(page, 'order-provisioning');
    await page.getByText(/(\d) of \1 lines provisioned$/).waitFor();
    await shot(page, 'order-provisioned');

    await page.locator('table[aria-label="Order lines"] tbody tr').first().getByRole('link').click();
    await page.getByRole('button', { name: 'Change seats' }).waitFor();
    await page.getByRole('button', { name: /^Upgrade to/ }).first().waitFor();
    await shot(page, 'subscription', true);
    const subscriptionUrl = page.url();

    await page.getByRole('link', { name: 'Sandbox', exact: true }).click();
    await page.getByLabel('Advance by').fill('32d');
    await page.getByRole('button', { name: 'Advance', exact: true }).click();
    await page.locator('.clock-offset', { hasText: '32 d' }).waitFor();
    await page.getByLabel('Method').selectOption('GET');
    await page.getByLabel('Route').fill('/v1/customers/*/subscriptions/*');
    await page.getByLabel('Status').selectOption('404');
    await page.getByLabel('Times').fill('1');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('ul.rules li').first().waitFor();
    await page.locator('.request-log tbody tr').nth(5).waitFor();
    await shot(page, 'sandbox');

    const webhooks = page.locator('section.webhooks');
    await webhooks.getByLabel('Webhook URL').fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
    await webhooks.getByLabel('subscription-updated').check();
    await webhooks.getByRole('button', { name: 'Register' }).click();
    await webhooks.locator('.registration-url').waitFor();
    await webhooks.getByRole('button', { name: 'Send a validation event' }).click();
    await webhooks.locator('.validation-status', { hasText: 'completed' }).waitFor();
    await webhooks.locator('details.delivery summary', { hasText: 'done' }).first().click();
    await webhooks.locator('.delivery-headers').waitFor();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await webhooks.screenshot({ path: join(out, 'webhooks.png') });
    console.log('docs/console/webhooks.png');

    await page.goto(subscriptionUrl);
    await page.getByRole('alert').waitFor();
    await shot(page, 'error');
  });

  await withPage(
    h,
    async ({ page }) => {
      await signInAsDemo(page, h.base);
      await shot(page, 'narrow-customers', true);
    },
    { width: 400, height: 800 },
  );
} finally {
  await h.close();
  await new Promise((resolve) => receiver.close(resolve));
}
