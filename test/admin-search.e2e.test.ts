/**
 * The panel's two searches in Chromium against a real `dyi serve` (no workers: the jobs stay
 * waiting, which is all a search needs): the member finder of the export form finds "Zoë"
 * when "zoe" is typed, and an export's member jobs narrow to the members whose name or email
 * holds the text typed, with their count; Enter in either search box starts no export.
 * Screenshots of the searched jobs page at 1280 and 390 px: `test-results/screenshots/`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type PanelAccount, signIn } from './support/browser.js';
import { createAdminWithCli, dyiIn } from './support/dyi-cli.js';
import { type Deployment, serveSeeded } from './support/deployment.js';

const ADMIN: PanelAccount = { email: 'search@acme.test', password: 'browser search password' };
/** Members whose name or email holds "zoe" once accents and case are set aside. */
const ZOES = ['Zoë Ångström', 'ZOE Brandt', 'Noël Zoetrope', 'Ada Mail'];

let dataDir: string;
let deployment: Deployment;
let browser: Browser | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-search-e2e-'));
  const people = [
    ...ZOES.map((name, i) => ({ name, email: i === 3 ? 'ada@zoe-mail.example' : null })),
    ...Array.from({ length: 30 }, (_, i) => ({ name: `Plain Person ${i + 1}`, email: null })),
  ];
  const content = path.join(dataDir, 'members.ndjson');
  await writeFile(
    content,
    people
      .map(({ name, email }, i) =>
        JSON.stringify({
          type: 'member',
          id: `m${i}`,
          name,
          ...(email && { email }),
          created_time: '2025-03-01T00:00:00Z',
        }),
      )
      .join('\n'),
  );
  await dyiIn(dataDir, ['community', 'create', '--name', 'Search Co']);
  await dyiIn(dataDir, ['import', content]);
  await createAdminWithCli(dataDir, ADMIN);
  deployment = await serveSeeded(dataDir, { DYI_SIGN_IN_FAILURE_DELAY_MS: '100' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await deployment?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function newPage(ctx: { skip(note?: string): void }, width = 1280): Promise<Page> {
  browser ??= await launchBrowser(ctx);
  if (!browser) throw new Error('unreachable: launchBrowser skipped the test');
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  await signIn(page, deployment.baseUrl, ADMIN);
  return page;
}

/** How many exports the community has, as the list of exports shows them. */
async function exportCount(page: Page): Promise<number> {
  const list = await page.request.get(`${deployment.baseUrl}/admin/exports`);
  return new Set((await list.text()).match(/href="\/admin\/exports\/\d+"/g) ?? []).size;
}

describe('searching members in Chromium', () => {
  let exportPath = '';

  it('finds "Zoë" as "zoe" is typed in the finder, and Enter there starts nothing', async (ctx) => {
    const page = await newPage(ctx);
    await page.getByRole('link', { name: 'Start an export' }).first().click();
    const formUrl = page.url();
    const finder = page.getByLabel('Find members by name or email');
    await finder.fill('zoe');
    await page.getByLabel('Zoë Ångström').waitFor();
    for (const name of ZOES) await page.getByLabel(name).waitFor();
    expect(await page.locator('[data-member-status]').innerText()).toBe(
      '4 members found for “zoe”.',
    );
    // More members than the finder lists: it says how many it shows of how many.
    await finder.fill('person');
    await page.getByText('Showing the first 20 of 30 members found for “person”.').waitFor();
    await finder.fill('ZOË');
    await page.getByText('4 members found for “ZOË”.').waitFor();
    await finder.press('Enter');
    await page.getByLabel('Noël Zoetrope').waitFor();
    expect(page.url()).toBe(formUrl);
    expect(await exportCount(page)).toBe(0);
    // An export of every member, for the next test.
    await page.getByLabel('Posts', { exact: true }).check();
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.waitForURL(/\/admin\/exports\/\d+/);
    exportPath = new URL(page.url()).pathname;
    await page.context().close();
  }, 60_000);

  it("narrows an export's member jobs to the members searched, and Enter there starts nothing", async (ctx) => {
    for (const width of [1280, 390]) {
      const page = await newPage(ctx, width);
      await page.goto(`${deployment.baseUrl}${exportPath}`);
      const jobs = page.locator('[data-live*="fragment/jobs"]');
      expect(await jobs.locator('#member-job-totals').innerText()).toBe('34 member jobs.');
      expect(await jobs.locator('.pager-position').innerText()).toBe('Page 1 of 2');
      const search = page.getByLabel('Member name or email');
      await search.fill('zoe');
      await search.press('Enter');
      await page.waitForURL(/\?q=zoe/);
      expect(new URL(page.url()).pathname).toBe(exportPath);
      expect(await jobs.locator('#member-job-totals').innerText()).toBe('34 member jobs; 4 match.');
      const names = await jobs.locator('.member-name').allInnerTexts();
      expect(names.sort()).toEqual([...ZOES].sort());
      expect(await search.inputValue()).toBe('zoe');
      expect(await exportCount(page)).toBe(1);
      // No sideways scrolling, whatever the width.
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect(overflow).toBeLessThanOrEqual(width);
      await screenshot(page, `20-member-jobs-searched-${width}`);
      await page.context().close();
    }
  }, 90_000);
});
