/**
 * Retention in a real Chromium against the panel on a loopback port (real stores, the app in
 * this process): an admin starts an export with a reason and a retention from the form, sees
 * who asked and when the files go on its page, keeps the files longer with "Keep files until",
 * deletes them with "Delete files now" and its confirmation, and finds the export expired.
 * Screenshots `retention-*` at 1280 and 390 px; no sideways scrolling on the phone.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, screenshot, signIn } from './support/browser.js';
import {
  completeJobWithFiles,
  jobsOf,
  type ListeningFixture,
  seedCommunity,
  startInProcessFixture,
} from './support/graph-fixture.js';
import { createPanelAdmin, PANEL_PASSWORD } from './support/panel-client.js';
import { freePort } from '../src/server/free-port.js';

const EMAIL = 'ada@retention.example';
let fixture: ListeningFixture;
let browser: Browser | undefined;

beforeAll(async () => {
  const port = await freePort('127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = await startInProcessFixture({
    port,
    publicUrl: baseUrl,
    retentionDays: 30,
    retentionMaxDays: 90,
  });
  await started.app.listen({ port, host: '127.0.0.1' });
  fixture = { ...started, port, baseUrl };
  const seeded = await seedCommunity(fixture.runtime, 'Retention', 2);
  await createPanelAdmin(fixture.runtime, seeded.community.id, EMAIL);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  fixture.app.server.closeAllConnections();
  await fixture.close();
});

async function signedIn(width: number): Promise<Page> {
  const context = await (browser as Browser).newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  await signIn(page, fixture.baseUrl, { email: EMAIL, password: PANEL_PASSWORD });
  return page;
}

async function hasNoSidewaysScroll(page: Page): Promise<void> {
  const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
  expect(scrollWidth).toBeLessThanOrEqual(390);
}

it('starts an export with a reason, keeps it longer, deletes its files, shows it expired', async (ctx) => {
  browser = await launchBrowser(ctx);
  if (!browser) return;
  const page = await signedIn(1280);
  await page.goto(`${fixture.baseUrl}/admin/exports/new`);
  await page.getByLabel(/^Name/).fill('Q4 legal hold');
  await page.getByLabel(/^Reason/).fill('Ticket LEGAL-123');
  await page.getByLabel('Keep files for (days)').fill('14');
  await page.getByLabel('Member profiles').check();
  await screenshot(page, 'retention-form-1280');
  await page.getByRole('button', { name: 'Start export' }).click();
  await page.waitForURL(/\/admin\/exports\/\d+$/);
  const exportId = /\/admin\/exports\/(\d+)$/.exec(page.url())?.[1] ?? '';
  for (const job of await jobsOf(fixture.runtime, exportId)) {
    await completeJobWithFiles(fixture.runtime, job, [`bytes of ${job.id}`]);
  }
  await page.reload();
  await expect.poll(() => page.locator('#created-by').innerText()).toContain(`Admin ${EMAIL}`);
  expect(await page.locator('#export-reason').innerText()).toBe('Ticket LEGAL-123');
  expect(await page.locator('#expiry').innerText()).toMatch(/\d{4}-\d\d-\d\d/);
  await screenshot(page, 'retention-export-1280');

  const day = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Keep files until (UTC, the day included)').fill(day);
  await page.getByRole('button', { name: 'Keep until then' }).click();
  await expect
    .poll(() => page.locator('body').innerText())
    .toContain('The export’s files are kept until the new date.');

  const phone = await signedIn(390);
  await phone.goto(`${fixture.baseUrl}/admin/exports/${exportId}`);
  await hasNoSidewaysScroll(phone);
  await screenshot(phone, 'retention-export-390');

  await page.getByRole('link', { name: 'Delete files now' }).click();
  await page.waitForURL(/\/expire$/);
  await screenshot(page, 'retention-expire-confirm-1280');
  await page.getByRole('button', { name: 'Yes, delete the files' }).click();
  await page.waitForURL(/\/admin\/exports\/\d+$/);
  const body = await page.locator('body').innerText();
  expect(body).toContain('Its files were deleted at the end of their retention');
  expect(await page.locator('.summary .state').innerText()).toBe('Expired');
  await screenshot(page, 'retention-expired-1280');
  await phone.reload();
  await hasNoSidewaysScroll(phone);
  await screenshot(phone, 'retention-expired-390');
  await page.goto(`${fixture.baseUrl}/admin/exports`);
  await screenshot(page, 'retention-list-1280');
});
