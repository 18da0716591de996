/**
 * What the console's browser test and `npm run screenshots` share: a real listening server (PGlite,
 * or PostgreSQL with DATABASE_URL) with its job worker, Debian's Chromium driven by
 * playwright-core, and the steps a partner takes in the console, written as a user does them: by
 * labels, roles and visible text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startApp, type TestContext } from '../../server/test/helpers.js';
import { listen } from '../../sdk/test/support.js';
import { JobWorker } from '../../server/src/modules/jobs/worker.js';
import { CONSOLE_DIR } from '../../server/src/plugins/console.js';

export const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));

/** Microsoft 365 Business Basic, monthly term billed monthly: provisions asynchronously, renews after a month. */
export const BUSINESS_BASIC = 'CFQ7TTC0LH18:0001:CFQ7TTC0K971';

export interface Harness {
  ctx: TestContext;
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

/** The console must have been built (`npm run build`, which `npm ci` runs through prepare). */
export function builtConsole(): { html: string; scripts: string[]; styles: string[] } {
  const index = join(CONSOLE_DIR, 'index.html');
  if (!existsSync(index)) throw new Error(`${index} is missing: run \`npm run build\` first (npm ci runs it).`);
  const html = readFileSync(index, 'utf8');
  const refs = (re: RegExp) => [...html.matchAll(re)].map((m) => join(CONSOLE_DIR, m[1].replace(/^\/console\//, '')));
  return { html, scripts: refs(/<script[^>]+src="([^"]+)"/g), styles: refs(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g) };
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  builtConsole();
  const ctx = await startApp({ PC_PROVISIONING_DELAY_SECONDS: '1', ...env });
  const base = await listen(ctx);
  // As main.ts runs it: webhook payloads and the certificate URL on the address the server listens on.
  const worker = new JobWorker(ctx.db, { policy: ctx.config.provisioning, webhooks: { ...ctx.config.webhooks, baseUrl: ctx.config.webhooks.baseUrl ?? base }, pollMs: 20 });
  worker.start();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  return {
    ctx,
    base,
    browser,
    async close() {
      await browser.close();
      await worker.stop();
      await ctx.close();
    },
  };
}

/** A page that records what the browser reported as errors and every URL the console called. */
export async function openPage(h: Harness, viewport = { width: 1280, height: 800 }) {
  const page = await h.browser.newPage({ viewport });
  page.setDefaultTimeout(30_000);
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    // With the resource's URL when the browser names one (a failed load says only its status).
    if (m.type() === 'error') consoleErrors.push(m.location().url ? `${m.text()} (${m.location().url})` : m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  return { page, consoleErrors, requests };
}

type Opened = Awaited<ReturnType<typeof openPage>>;

/**
 * Runs `fn` on a new page and closes it; on failure, with CONSOLE_DEBUG=dir, saves a screenshot of
 * what the page showed there.
 */
export async function withPage(h: Harness, fn: (opened: Opened) => Promise<void>, viewport?: { width: number; height: number }): Promise<void> {
  const opened = await openPage(h, viewport);
  try {
    await fn(opened);
  } catch (err) {
    const dir = process.env.CONSOLE_DEBUG;
    if (dir) await opened.page.screenshot({ path: join(dir, `console-failure-${Date.now()}.png`), fullPage: true });
    throw err;
  } finally {
    await opened.page.close();
  }
}

/** Signs in as a fresh demo partner, with the keyboard: Tab to the button, Enter. */
export async function signInAsDemo(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/console/`);
  const demo = page.getByRole('button', { name: 'Start as a demo partner' });
  await demo.waitFor();
  for (let i = 0; i < 5 && !(await demo.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
}

/** Opens the first customer of the list. */
export async function openFirstCustomer(page: Page): Promise<void> {
  await page.getByRole('table').getByRole('link').first().click();
  await page.getByRole('link', { name: 'New cart' }).waitFor();
}

/** Adds a line in the cart builder and waits for the saved cart to show it. */
export async function addLine(page: Page, line: { catalogItemId: string; quantity: number; billingCycle: string; termDuration?: string }): Promise<void> {
  const form = page.locator('form.add-line');
  const rows = await page.locator('table[aria-label="Cart lines"] tbody tr').count();
  await form.getByLabel('Catalog item id').fill(line.catalogItemId);
  await form.getByLabel('Quantity').fill(String(line.quantity));
  await form.getByLabel('Billing cycle').selectOption(line.billingCycle);
  await form.getByLabel('Term').fill(line.termDuration ?? '');
  await form.getByRole('button', { name: 'Add to cart' }).click();
  await page.locator('table[aria-label="Cart lines"] tbody tr').nth(rows).locator('.line-result').filter({ hasNotText: 'not saved' }).waitFor();
}
