/**
 * The admin panel end to end, as an admin uses it: a real `dyi serve` on a free port, export
 * workers in a `dyi worker` process of their own (started and stopped by the test, so that an
 * export waits for a cancel deterministically), and headless Chromium clicking through the
 * pages by their labels. Screenshots of every page land in `test-results/screenshots/`.
 *
 * With `DYI_TEST_ON_CLUSTER=1` the seeded data is served by 2 API processes behind a
 * round-robin balancer instead (`support/deployment.ts`), on the storage `DYI_TEST_SCALE_OUT`
 * names, so each page load and form post is served by the other process than the one before.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type PanelAccount, signIn } from './support/browser.js';
import { createAdminWithCli, dyiIn } from './support/dyi-cli.js';
import { type Deployment, serveSeeded, workUntil } from './support/deployment.js';
import { BACKEND_HEADER } from './support/round-robin-balancer.js';

const ADMIN: PanelAccount = { email: 'e2e@acme.test', password: 'browser test password' };
const XSS_NAME = '<img src=x onerror=alert(1)>';

/** The seeded data dir, made with the CLI on the embedded engine. */
let dataDir: string;
let deployment: Deployment;
let browser: Browser | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-panel-e2e-'));
  await dyiIn(dataDir, ['seed', '--users', '3', '--name', 'Browser Co']);
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
  await dyiIn(dataDir, ['import', content]);
  await createAdminWithCli(dataDir, ADMIN);
  deployment = await serveSeeded(dataDir, { DYI_SIGN_IN_FAILURE_DELAY_MS: '100' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await deployment?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** The browser, launched on first use; the test is skipped (or fails in CI) without one. */
async function openBrowser(ctx: { skip(note?: string): void }): Promise<Browser> {
  browser ??= await launchBrowser(ctx);
  if (!browser) throw new Error('unreachable: launchBrowser skipped the test');
  return browser;
}

async function newPage(
  ctx: { skip(note?: string): void },
  width = 1280,
  javaScriptEnabled = true,
): Promise<Page> {
  const context = await (
    await openBrowser(ctx)
  ).newContext({
    viewport: { width, height: 900 },
    acceptDownloads: true,
    javaScriptEnabled,
  });
  const page = await context.newPage();
  // Any script run by content (an alert from an injected tag) fails the test.
  page.on('dialog', (dialog) => {
    throw new Error(`a dialog opened: ${dialog.message()}`);
  });
  return page;
}

/** Runs `dyi worker` until `done()` holds, then stops it (SIGTERM) and waits for its exit. */
async function withWorker(done: () => Promise<boolean>): Promise<void> {
  await workUntil(deployment, done);
}

async function graph(pathAndQuery: string, token: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${deployment.baseUrl}${pathAndQuery}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: await response.json() };
}

describe('the admin panel in Chromium', () => {
  let token = '';

  it('creates an integration and a token that the Graph API accepts', async (ctx) => {
    const page = await newPage(ctx);
    // The API process behind each page (on a cluster, the balancer names it).
    const servedBy = new Set<string>();
    page.on('response', (response) => {
      if (!response.request().isNavigationRequest()) return;
      servedBy.add(response.headers()[BACKEND_HEADER] ?? 'the one server');
    });
    await signIn(page, deployment.baseUrl, ADMIN);
    await page.getByRole('link', { name: 'Integrations' }).click();
    await screenshot(page, '01-integrations');
    await page.getByLabel('Name').fill('Browser test');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await expectText(page, 'h1', 'Integration created');
    const secret = await page.locator('#new-app-secret').innerText();
    expect(secret).toMatch(/^[0-9a-f]{32}$/);
    await screenshot(page, '02-integration-created');
    // A reload shows that the secret was shown, and creates no second integration.
    await page.reload();
    await expectText(page, 'h1', 'Already shown');
    expect(await page.locator('body').innerText()).not.toContain(secret);
    await page.getByRole('link', { name: 'Back to the integrations' }).click();
    expect(await page.getByRole('link', { name: 'Browser test' }).count()).toBe(1);
    await page.getByRole('link', { name: 'Browser test' }).click();
    await page.getByLabel(/read_company_data_exports/).check();
    await page.getByLabel(/manage_company_data_exports/).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    token = (await page.locator('#new-token').innerText()).trim();
    await screenshot(page, '03-token-created');
    await page.reload();
    await expectText(page, 'h1', 'Already shown');
    await page.goBack();
    await page.getByRole('heading', { name: 'Access tokens' }).waitFor();
    await page.reload();
    // One token, the one created above: neither the reload nor the back button made another.
    expect(await page.locator('td[data-label="Token id"]').count()).toBe(1);

    const community = await graph('/community', token);
    expect(community.status).toBe(200);
    expect(community.body.name).toBe('Browser Co');
    // Every API process served some of these pages and the forms posted from them.
    expect(servedBy.size).toBe(deployment.apiProcesses);
    await page.context().close();
  }, 60_000);

  it('starts an export, shows it completing live, and downloads a file the API vouches for', async (ctx) => {
    const page = await newPage(ctx);
    await signIn(page, deployment.baseUrl, ADMIN);
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
    await signIn(page, deployment.baseUrl, ADMIN);
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
    await page.waitForURL(/\/admin\/exports\/\d+$/);
    await page.getByText('The export was cancelled.').waitFor();
    await page.locator('main').getByText('CANCELLED_BY_USER').first().waitFor();
    // What happened, not a full bar: neither job completed.
    const summary = page.locator('main [data-live*="fragment/summary"]');
    expect(await summary.locator('.outcome').innerText()).toBe('0 of 2 completed, 2 aborted');
    expect(await summary.locator('progress').getAttribute('value')).toBe('0');
    await screenshot(page, '07-export-cancelled');
    await page.context().close();
  }, 60_000);

  it('without script, shows nothing that needs it, and starts an export for typed member ids', async (ctx) => {
    const page = await newPage(ctx, 1280, false);
    await signIn(page, deployment.baseUrl, ADMIN);
    await page.getByRole('link', { name: 'Start an export' }).first().click();
    // The finder and "Select all" need the script: a search box that Enter would submit with
    // "All members" must not be there at all.
    expect(await page.getByLabel('Find members by name').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: /Select (all|none)/ }).count()).toBe(0);
    const members = page.getByRole('group', { name: 'Members' });
    expect(await members.innerText()).toContain('type their ids below');
    expect(await members.innerText()).not.toContain('find them by name');
    await screenshot(page, '04b-export-form-no-script');
    // Her id, as an admin would read it from the community's data.
    const found = await page.request.get(`${deployment.baseUrl}/admin/members.json?q=zo`, {
      headers: { accept: 'application/json' },
    });
    const zoe = ((await found.json()) as { members: { id: string; name: string }[] }).members.find(
      (member) => member.name === 'Zoë Moreau',
    );
    expect(zoe).toBeDefined();
    await page.getByLabel('Posts', { exact: true }).check();
    await page.getByLabel('Chosen members').check();
    await page.getByLabel('Member ids').fill(zoe?.id ?? '');
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.waitForURL(/\/admin\/exports\/\d+/);
    // The company job and Zoë's: the member typed, not every member (4 of them).
    await page.locator('main').getByText('Zoë Moreau').first().waitFor();
    expect(await page.locator('dt:text-is("Jobs in all") + dd').innerText()).toBe('2');
    await page.context().close();
  }, 60_000);

  it('with script, Enter in the member finder searches and never submits the export form', async (ctx) => {
    const page = await newPage(ctx);
    await signIn(page, deployment.baseUrl, ADMIN);
    await page.getByRole('link', { name: 'Start an export' }).first().click();
    const formUrl = page.url();
    await page.getByLabel('Find members by name').fill('zo');
    await page.getByLabel('Find members by name').press('Enter');
    await page.getByLabel('Zoë Moreau').waitFor();
    expect(page.url()).toBe(formUrl);
    expect(await page.locator('h1').innerText()).toBe('Start an export');
    await page.context().close();
  }, 60_000);

  it('keeps "Select all" true to the boxes after one is unticked', async (ctx) => {
    const page = await newPage(ctx);
    await signIn(page, deployment.baseUrl, ADMIN);
    await page.getByRole('link', { name: 'Start an export' }).first().click();
    const userData = page.getByRole('group', { name: 'User data' });
    const button = userData.locator('button[data-select-all]');
    const boxes = userData.getByRole('checkbox');
    // The button shows once the page's script has run and given it its words.
    await button.waitFor();
    expect(await button.innerText()).toBe('Select all');
    await button.click();
    expect(await button.innerText()).toBe('Select none');
    await userData.getByLabel('Posts', { exact: true }).uncheck();
    // One box is unticked: the button offers to tick them all, and does.
    expect(await button.innerText()).toBe('Select all');
    await button.click();
    expect(await boxes.count()).toBe(13);
    expect(await userData.getByRole('checkbox', { checked: true }).count()).toBe(13);
    expect(await button.innerText()).toBe('Select none');
    // Ticking the last box by hand makes every box ticked: the button offers none.
    await userData.getByLabel('Posts', { exact: true }).uncheck();
    await userData.getByLabel('Posts', { exact: true }).check();
    expect(await button.innerText()).toBe('Select none');
    await button.click();
    expect(await userData.getByRole('checkbox', { checked: true }).count()).toBe(0);
    await page.context().close();
  }, 60_000);

  it('says when the live connection is lost, and recovers when it is back', async (ctx) => {
    const page = await newPage(ctx);
    await signIn(page, deployment.baseUrl, ADMIN);
    // The server refuses the stream for now, as a proxy in trouble would.
    await page.route('**/admin/live', (route) => route.fulfill({ status: 503, body: 'down' }));
    await page.locator('main a[href^="/admin/exports/"]').filter({ hasText: /\d/ }).first().click();
    await page.waitForURL(/\/admin\/exports\/\d+/);
    const lost = page.getByRole('status').filter({ hasText: 'Connection lost, reconnecting…' });
    await lost.waitFor({ timeout: 10_000 });
    await screenshot(page, '11-connection-lost');
    await page.unroute('**/admin/live');
    await lost.waitFor({ state: 'hidden', timeout: 15_000 });
    await page.context().close();
  }, 60_000);

  it('goes to the sign-in page when the session of a live page ends', async (ctx) => {
    const page = await newPage(ctx);
    await signIn(page, deployment.baseUrl, ADMIN);
    // As after a restart that lost the session: the stream is answered with the sign-in page.
    await page.route('**/admin/live', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: '<!doctype html><h1>Sign in</h1>',
      }),
    );
    await page.locator('main a[href^="/admin/exports/"]').filter({ hasText: /\d/ }).first().click();
    await page.waitForURL(/\/admin\/exports\/\d+/);
    const exportPath = new URL(page.url()).pathname;
    await page.getByText('Connection lost, reconnecting…').waitFor({ timeout: 10_000 });
    // The session ends (signed out in another tab); this page must not stay stale.
    const other = await page.context().newPage();
    await other.goto(`${deployment.baseUrl}/admin/integrations`);
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.waitForURL(/\/admin\/sign-in/);
    await page.waitForURL(/\/admin\/sign-in/, { timeout: 20_000 });
    expect(new URL(page.url()).searchParams.get('next')).toBe(exportPath);
    await page.context().close();
  }, 60_000);

  it('revokes the token, and the Graph API refuses it with code 190', async (ctx) => {
    const page = await newPage(ctx);
    await signIn(page, deployment.baseUrl, ADMIN);
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('link', { name: 'Browser test' }).click();
    await page.getByRole('link', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Yes, revoke the token' }).click();
    await page.waitForURL(/\/admin\/integrations\/\d+$/);
    await page.getByText('The access token was revoked').waitFor();
    await screenshot(page, '08-token-revoked');
    const refused = await graph('/community', token);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe(190);
    await page.context().close();
  }, 60_000);

  it('renames an integration, then deletes it from its danger zone, and its token stops working', async (ctx) => {
    const page = await newPage(ctx);
    await signIn(page, deployment.baseUrl, ADMIN);
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByLabel('Name').fill('Doomed draft');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.getByRole('link', { name: 'Go to the integration' }).click();
    await page.getByLabel(/read_company_data_exports/).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const doomedToken = (await page.locator('#new-token').innerText()).trim();
    expect((await graph('/community', doomedToken)).status).toBe(200);
    await page.getByRole('link', { name: 'Back to the integration' }).click();

    await page.getByRole('textbox', { name: 'Name' }).fill('Doomed');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByText('The integration was renamed.').waitFor();
    await expectText(page, 'h1', 'Doomed');
    await page
      .getByRole('region', { name: 'Danger zone' })
      .getByRole('link', { name: 'Delete integration' })
      .click();
    await page.getByText('Its 1 active access token will be revoked').waitFor();
    await screenshot(page, '12-delete-integration');
    await page.getByRole('button', { name: 'Yes, delete the integration' }).click();
    await page.waitForURL(/\/admin\/integrations$/);
    await page.getByText('The integration was deleted').waitFor();
    expect(await page.getByRole('link', { name: 'Doomed' }).count()).toBe(0);
    const refused = await graph('/community', doomedToken);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe(190);
    await page.context().close();
  }, 60_000);

  it('shows a member named with markup as text, runs no script, and reads on a phone', async (ctx) => {
    const page = await newPage(ctx, 360);
    await signIn(page, deployment.baseUrl, ADMIN);
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
    // No console errors, and no request for /favicon.ico (which the Graph API would refuse).
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/favicon.ico') problems.push(request.url());
    });
    await page.goto(`${deployment.baseUrl}/admin/exports`);
    await page.getByLabel('Email').focus();
    await page.keyboard.type(ADMIN.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/exports$/);
    await page.waitForLoadState('networkidle');
    expect(problems).toEqual([]);
    await screenshot(page, '00-exports');
    await page.context().close();
  }, 60_000);
});

async function expectText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector, { hasText: text }).first().waitFor();
}
