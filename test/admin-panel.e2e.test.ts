/**
 * The admin panel end to end, as an admin uses it: a real `dyi serve` on a free port, export
 * workers in a `dyi worker` process of their own (started and stopped by the test, so that an
 * export waits for a cancel deterministically), and headless Chromium clicking through the
 * pages by their labels. Screenshots of every page land in `test-results/screenshots/`.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from './support/browser.js';
import { runDyi, spawnDyi } from './support/dyi-cli.js';
import { type ServerProcess, startServer } from './support/server-process.js';

const EMAIL = 'e2e@acme.test';
const PASSWORD = 'browser test password';
const XSS_NAME = '<img src=x onerror=alert(1)>';

let dataDir: string;
let server: ServerProcess;
let browser: Browser | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-panel-e2e-'));
  const seeded = await runDyi([
    'seed',
    '--users',
    '3',
    '--name',
    'Browser Co',
    '--data-dir',
    dataDir,
  ]);
  expect(seeded.code, seeded.stderr).toBe(0);
  // A member whose name is markup, with a post in the exported range.
  const content = path.join(dataDir, 'xss.ndjson');
  await writeFile(
    content,
    [
      { type: 'member', id: 'xss', name: XSS_NAME, created_time: '2025-03-01T00:00:00Z' },
      {
        type: 'post',
        id: 'xss-post',
        author: 'xss',
        message: 'hi',
        created_time: '2025-03-02T10:00:00Z',
      },
    ]
      .map((record) => JSON.stringify(record))
      .join('\n'),
  );
  const imported = await runDyi(['import', content, '--data-dir', dataDir]);
  expect(imported.code, imported.stderr).toBe(0);
  const admin = await runDyi(
    ['admin', 'create', '--email', EMAIL, '--password-stdin', '--data-dir', dataDir],
    {},
    `${PASSWORD}\n`,
  );
  expect(admin.code, admin.stderr).toBe(0);
  server = await startServer(dataDir, ['--no-workers'], { DYI_SIGN_IN_FAILURE_DELAY_MS: '100' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** The browser, launched on first use; the test is skipped (or fails in CI) without one. */
async function openBrowser(ctx: { skip(note?: string): void }): Promise<Browser> {
  browser ??= await launchBrowser(ctx);
  if (!browser) throw new Error('unreachable: launchBrowser skipped the test');
  return browser;
}

async function newPage(ctx: { skip(note?: string): void }, width = 1280): Promise<Page> {
  const context = await (
    await openBrowser(ctx)
  ).newContext({
    viewport: { width, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  // Any script run by content (an alert from an injected tag) fails the test.
  page.on('dialog', (dialog) => {
    throw new Error(`a dialog opened: ${dialog.message()}`);
  });
  return page;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${server.baseUrl}/admin`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/exports$/);
}

/** Runs `dyi worker` until `done()` holds, then stops it (SIGTERM) and waits for its exit. */
async function withWorker(done: () => Promise<boolean>): Promise<void> {
  const worker = spawnDyi(['worker', '--threads', '1', '--data-dir', dataDir], {
    DYI_LOG_LEVEL: 'silent',
  });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  try {
    const deadline = Date.now() + 90_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error('the export did not finish in 90 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    if (worker.exitCode === null) worker.kill('SIGTERM');
    await exited;
  }
}

async function graph(pathAndQuery: string, token: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.baseUrl}${pathAndQuery}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: await response.json() };
}

describe('the admin panel in Chromium', () => {
  let token = '';

  it('creates an integration and a token that the Graph API accepts', async (ctx) => {
    const page = await newPage(ctx);
    await signIn(page);
    await page.getByRole('link', { name: 'Integrations' }).click();
    await screenshot(page, '01-integrations');
    await page.getByLabel('Name').fill('Browser test');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await expectText(page, 'h1', 'Integration created');
    const secret = await page.locator('#new-app-secret').innerText();
    expect(secret).toMatch(/^[0-9a-f]{32}$/);
    await screenshot(page, '02-integration-created');
    await page.getByRole('link', { name: 'Go to the integration' }).click();
    await page.getByLabel(/read_company_data_exports/).check();
    await page.getByLabel(/manage_company_data_exports/).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    token = (await page.locator('#new-token').innerText()).trim();
    await screenshot(page, '03-token-created');

    const community = await graph('/community', token);
    expect(community.status).toBe(200);
    expect(community.body.name).toBe('Browser Co');
    await page.context().close();
  }, 60_000);

  it('starts an export, shows it completing live, and downloads a file the API vouches for', async (ctx) => {
    const page = await newPage(ctx);
    await signIn(page);
    await page.getByRole('link', { name: 'Start an export' }).first().click();
    await page.getByLabel('Posts', { exact: true }).check();
    await page.getByLabel('Member profiles', { exact: true }).check();
    await page.getByLabel('Format').selectOption('HTML_AND_JSON');
    await page.getByLabel('From').fill('2025-01-01');
    await page.getByLabel('Until').fill('2025-12-31');
    await screenshot(page, '04-export-form');
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.waitForURL(/\/admin\/exports\/\d+/);
    const exportId = /\/admin\/exports\/(\d+)/.exec(page.url())?.[1] ?? '';

    // The API sees exactly what the form asked for.
    const created = await graph(
      `/${exportId}?fields=data_types,dyi_format,start_time,end_time&date_format=U`,
      token,
    );
    expect(created.body).toMatchObject({
      data_types: ['WORKPLACE_COMPANY_METADATA_USER_PROFILE', 'POSTS_YOUR_ACTIVITY'],
      dyi_format: 'HTML_AND_JSON',
      start_time: Date.UTC(2025, 0, 1) / 1000,
      end_time: Date.UTC(2026, 0, 1) / 1000,
    });

    // No workers yet: the export waits. No reload from here on: a reload would drop this mark.
    const exportState = page.locator('main [data-live*="fragment/summary"] .state').first();
    expect(await exportState.innerText()).toBe('Waiting to start');
    await page.evaluate(() => ((globalThis as { unreloaded?: boolean }).unreloaded = true));
    await withWorker(
      async () =>
        (await graph(`/${exportId}?fields=is_completed`, token)).body.is_completed === true,
    );
    await page
      .locator('main [data-live*="fragment/summary"] .state', { hasText: /^Completed$/ })
      .first()
      .waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (globalThis as { unreloaded?: boolean }).unreloaded)).toBe(
      true,
    );
    await screenshot(page, '05-export-completed');

    // A member's file: download it as the admin would, and hash what arrived.
    const link = page.locator('a[href^="/admin/files/"]').last();
    const fileId = /\/admin\/files\/(\d+)\//.exec((await link.getAttribute('href')) ?? '')?.[1];
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const bytes = await readFile((await download.path()) ?? '');
    const file = await graph(`/${fileId}?fields=sha256,file_size`, token);
    expect(bytes.length).toBe(file.body.file_size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.body.sha256);
    await page.context().close();
  }, 150_000);

  it('cancels a waiting export, and shows why its jobs ended', async (ctx) => {
    const page = await newPage(ctx);
    await signIn(page);
    await page.getByRole('link', { name: 'Start an export' }).first().click();
    // "Select all" ticks every box of its group, and a second press none.
    const company = page.getByRole('group', { name: 'Company data' });
    await company.getByRole('button', { name: 'Select all' }).click();
    expect(await company.getByRole('checkbox', { checked: false }).count()).toBe(0);
    await company.getByRole('button', { name: 'Select none' }).click();
    expect(await company.getByRole('checkbox', { checked: true }).count()).toBe(0);
    await page.getByLabel('Chats', { exact: true }).check();
    // One member, found by name as one types; ticking her chooses "Chosen members".
    await page.getByLabel('Find members by name').fill('zoë');
    await page.getByLabel('Zoë Moreau').check();
    expect(await page.getByLabel('Chosen members').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.waitForURL(/\/admin\/exports\/\d+/);
    await page.getByRole('link', { name: 'Cancel export' }).click();
    // The company job and Zoë's: nothing has run them.
    await page.getByText('Unfinished jobs (2)').waitFor();
    await screenshot(page, '06-cancel-confirmation');
    await page.getByRole('button', { name: 'Yes, cancel the export' }).click();
    await page.waitForURL(/\/admin\/exports\/\d+\?notice=/);
    await page.locator('main').getByText('CANCELLED_BY_USER').first().waitFor();
    await screenshot(page, '07-export-cancelled');
    await page.context().close();
  }, 60_000);

  it('revokes the token, and the Graph API refuses it with code 190', async (ctx) => {
    const page = await newPage(ctx);
    await signIn(page);
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('link', { name: 'Browser test' }).click();
    await page.getByRole('link', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Yes, revoke the token' }).click();
    await page.waitForURL(/notice=token-revoked/);
    await screenshot(page, '08-token-revoked');
    const refused = await graph('/community', token);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe(190);
    await page.context().close();
  }, 60_000);

  it('shows a member named with markup as text, runs no script, and reads on a phone', async (ctx) => {
    const page = await newPage(ctx, 360);
    await signIn(page);
    // The first export, whose member jobs include every member.
    await page.locator('main a[href^="/admin/exports/"]').filter({ hasText: /\d/ }).last().click();
    await page.getByText(XSS_NAME, { exact: true }).first().waitFor();
    expect(await page.locator('img').count()).toBe(0);
    await screenshot(page, '09-export-narrow');
    await page.getByRole('link', { name: 'Community data' }).click();
    await screenshot(page, '10-community');
    // Nothing sticks out sideways on a 360 px screen.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(overflow).toBeLessThanOrEqual(360);
    await page.context().close();
  }, 60_000);

  it('signs in with the keyboard alone', async (ctx) => {
    const page = await newPage(ctx);
    await page.goto(`${server.baseUrl}/admin/exports`);
    await page.getByLabel('Email').focus();
    await page.keyboard.type(EMAIL);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/exports$/);
    await screenshot(page, '00-exports');
    await page.context().close();
  }, 60_000);
});

async function expectText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector, { hasText: text }).first().waitFor();
}
