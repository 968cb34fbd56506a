/**
 * The panel's states and feedback in headless Chromium against a real `dyi serve`: a refused
 * export form puts the focus on its error summary; a named export, started from the form,
 * is announced in the page's polite status region when a real `dyi worker` completes it, and
 * its "started" notice does not come back on a reload; a secret shown once is copied to the
 * clipboard by its button, which says "Copied". Screenshots at 1280 and 390 px of the form
 * with errors and of the named export land in `test-results/screenshots/`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type PanelAccount, signIn } from './support/browser.js';
import { createAdminWithCli, dyiIn } from './support/dyi-cli.js';
import { type Deployment, serveSeeded, workUntil } from './support/deployment.js';

const ADMIN: PanelAccount = { email: 'states@acme.test', password: 'states test password' };

let dataDir: string;
let deployment: Deployment;
let browser: Browser | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-panel-states-'));
  await dyiIn(dataDir, ['seed', '--users', '2', '--name', 'States Co']);
  await createAdminWithCli(dataDir, ADMIN);
  deployment = await serveSeeded(dataDir, { DYI_SIGN_IN_FAILURE_DELAY_MS: '100' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await deployment?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function newPage(
  ctx: { skip(note?: string): void },
  options: BrowserContextOptions = {},
): Promise<Page> {
  browser ??= await launchBrowser(ctx);
  if (!browser) throw new Error('unreachable: launchBrowser skipped the test');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  await signIn(page, deployment.baseUrl, ADMIN);
  return page;
}

/** Runs `dyi worker` until `done()` holds, then stops it (SIGTERM) and waits for its exit. */
async function withWorker(done: () => Promise<boolean>): Promise<void> {
  await workUntil(deployment, done);
}

describe('states and feedback in Chromium', () => {
  it('puts the focus on the error summary of a refused export form, which links to each field', async (ctx) => {
    const page = await newPage(ctx);
    await page.goto(`${deployment.baseUrl}/admin/exports/new`);
    await page.getByLabel(/^Name/).fill('Q1 legal hold');
    await page.getByLabel('From').fill('2025-03-01');
    await page.getByLabel('Until').fill('2025-02-01');
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.waitForURL(/\/admin\/exports$/);
    const summary = page.locator('#error-summary');
    await summary.waitFor();
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('error-summary');
    expect(await summary.getByRole('link').allInnerTexts()).toEqual([
      'Choose at least one data type, under “Company data” or “User data”.',
      '“Until” is before “From”: choose an Until on or after the From day.',
    ]);
    const until = page.getByLabel('Until');
    expect(await until.getAttribute('aria-invalid')).toBe('true');
    // The accessible description of the field is its hint and its message.
    expect(await until.evaluate((field) => field.getAttribute('aria-describedby'))).toBe(
      'time-range-hint until-error',
    );
    expect(await page.getByLabel(/^Name/).inputValue()).toBe('Q1 legal hold');
    await screenshot(page, 'states-form-errors-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'states-form-errors-390');
    await page.context().close();
  }, 60_000);

  it('announces a named export completing in the status region, and shows its notice once', async (ctx) => {
    const page = await newPage(ctx);
    await page.goto(`${deployment.baseUrl}/admin/exports/new`);
    await page.getByLabel(/^Name/).fill('Q1 legal hold');
    await page.getByLabel('Company details', { exact: true }).check();
    await page.getByLabel('Posts', { exact: true }).check();
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.waitForURL(/\/admin\/exports\/\d+$/);
    await page.getByText('The export was started.').waitFor();
    expect(await page.locator('h1').innerText()).toMatch(/^Q1 legal hold\s+Export \d+$/);
    expect(await page.locator('#member-scope').innerText()).toBe('All members');
    const announcer = page.locator('#export-announcer');
    expect(await announcer.getAttribute('role')).toBe('status');
    expect(await announcer.innerText()).toBe('');

    await withWorker(async () =>
      ((await announcer.textContent()) ?? '').includes('Export Q1 legal hold completed.'),
    );
    expect(await announcer.textContent()).toBe('Export Q1 legal hold completed.');
    await screenshot(page, 'states-named-export-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'states-named-export-390');

    // A reload shows the page without the notice, and without ?notice= in its URL.
    expect(page.url()).not.toContain('notice');
    await page.reload();
    await page.locator('h1').waitFor();
    expect(await page.getByText('The export was started.').count()).toBe(0);
    await page.goto(`${deployment.baseUrl}/admin/exports`);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await page.locator('main table').innerText()).toContain('Q1 legal hold');
    await screenshot(page, 'states-export-list-1280');
    await page.context().close();
  }, 120_000);

  it('copies a secret shown once with its button, which says "Copied"', async (ctx) => {
    const page = await newPage(ctx, { permissions: ['clipboard-read', 'clipboard-write'] });
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByLabel('Name').fill('Clipboard test');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.waitForURL(/\/admin\/integrations\/created/);
    const secret = (await page.locator('#new-app-secret').innerText()).trim();
    const secretStyle = await page.evaluate<{ wordBreak: string; hyphens: string; font: string }>(
      `(() => {
        const style = getComputedStyle(document.getElementById('new-app-secret'));
        return { wordBreak: style.wordBreak, hyphens: style.hyphens, font: style.fontFamily };
      })()`,
    );
    expect(secretStyle).toMatchObject({ wordBreak: 'break-all', hyphens: 'none' });
    expect(secretStyle.font).toContain('monospace');
    await page.getByRole('button', { name: 'Copy the app secret' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);

    await page.getByRole('link', { name: 'Go to the integration' }).click();
    await page.getByLabel(/read_company_data_exports/).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.locator('#new-token').innerText()).trim();
    await page.getByRole('button', { name: 'Copy the token' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(token);
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'states-token-copied-390');
    await page.context().close();
  }, 60_000);

  it('hides the copy button without script', async (ctx) => {
    const page = await newPage(ctx, { javaScriptEnabled: false });
    await page.goto(`${deployment.baseUrl}/admin/integrations`);
    await page.getByLabel('Name').fill('No script');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.locator('#new-app-secret').waitFor();
    expect(await page.getByRole('button', { name: 'Copy the app secret' }).isVisible()).toBe(false);
    await page.context().close();
  }, 60_000);
});
