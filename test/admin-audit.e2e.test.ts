/**
 * The panel's Audit section in headless Chromium against the real server on a loopback port:
 * an admin signs in, a file is downloaded by its signed URL with curl's user agent, and the
 * Audit tab shows both, filtered by act; at 1280 and 390 px with no sideways scrolling.
 * Screenshots `audit-{1280,390}.png` in `test-results/screenshots/`.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, signIn } from './support/browser.js';
import {
  completeJobWithFiles,
  createExport,
  type ListeningFixture,
  seedCommunity,
  startListeningFixture,
} from './support/graph-fixture.js';
import { createPanelAdmin, PANEL_PASSWORD } from './support/panel-client.js';

let fixture: ListeningFixture;
let browser: Browser | undefined;

beforeAll(async () => {
  fixture = await startListeningFixture({ signInFailureDelayMs: 0 });
  const { runtime } = fixture;
  const acme = await seedCommunity(runtime, 'Acme', 1);
  await createPanelAdmin(runtime, acme.community.id, 'ops@acme.example');
  const made = await createExport(runtime, acme.community.id, { name: 'Q1 legal hold' });
  const [file] = await completeJobWithFiles(runtime, await runtime.exports.companyJob(made.id), [
    'bytes',
  ]);
  if (!file) throw new Error('no file');
  const answer = await fetch(runtime.downloads.sign(file).url, {
    headers: { 'user-agent': 'curl/8.5.0' },
  });
  expect(await answer.text()).toBe('bytes');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
});

describe('Audit in Chromium', () => {
  it('shows the sign-in and the download, filtered by act, on a desktop and a phone', async (ctx) => {
    browser = await launchBrowser(ctx);
    if (!browser) return;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, fixture.baseUrl, { email: 'ops@acme.example', password: PANEL_PASSWORD });
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.waitForURL(/\/admin\/audit$/);
    const table = page.locator('#audit-records');
    expect(await table.innerText()).toContain('Admin signed in');
    expect(await table.innerText()).toContain('File downloaded');
    expect(await table.innerText()).toContain('curl/8.5.0');
    await screenshot(page, 'audit-1280');
    await page.locator('#audit-act').selectOption('file.download');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/act=file\.download/);
    expect(await page.locator('#audit-total').innerText()).toBe('1 record');
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${fixture.baseUrl}/admin/audit`);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'audit-390');
  }, 60_000);
});
