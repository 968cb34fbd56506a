/**
 * Every page of the admin panel, as a person sees it on a desktop (1280 px) and on a phone
 * (390 px): headless Chromium opens each one on a real `dyi serve`, and each must have no
 * axe-core violations; on the phone it must not scroll sideways and its main controls (buttons,
 * fields, tabs, pager links, checkboxes with their labels) must be at least 44 px in both
 * directions. A screenshot of each lands in `test-results/screenshots/<page>-<width>.png`.
 *
 * The data: a seeded community of 3 members with content, and 2,000 more members imported
 * from NDJSON (no content: an import of members alone takes a second, where seeding 2,000
 * members with content would take minutes). Three exports: one of the 3 seeded members that a
 * `dyi worker` runs to its end (files and download links), one cancelled before it ran
 * (aborted jobs), and one of all 2,003 members that no worker ever runs: its 2,004 jobs stay
 * waiting, which is what its page must show sensibly (the totals, 25 jobs a page, the pager).
 * Running 2,000 real jobs would add minutes and show the same page.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './support/archive-pages.js';
import { launchBrowser, screenshot, type PanelAccount, signIn } from './support/browser.js';
import { createAdminWithCli, dyiIn } from './support/dyi-cli.js';
import { type Deployment, serveSeeded, workUntil } from './support/deployment.js';

const ADMIN: PanelAccount = { email: 'pages@acme.test', password: 'pages test password' };
const IMPORTED_MEMBERS = 2_000;
const PHONE = 390;
const DESKTOP = 1280;
/** The smallest target a finger hits reliably (WCAG 2.5.5, Apple's and Google's guides). */
const TOUCH_TARGET = 44;

let dataDir: string;
let deployment: Deployment;
let browser: Browser | undefined;
/** The export a worker ran to its end, the cancelled one, and the one of 2,003 members. */
const exports = { done: '', cancelled: '', large: '' };

const FIRST = ['Ada', 'Bruno', 'Chiara', 'Dmitri', 'Emeka', 'Fatima', 'Goran', 'Hana', 'Ines'];
const LAST = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Silva', 'Novak', 'Haddad', 'Kowalski'];

async function dyi(args: readonly string[]): Promise<string> {
  // Once served, the served data (on a cluster, a copy of the seeded data dir in its storage).
  const dir = deployment?.dataDir ?? dataDir;
  return (await dyiIn(dir, args, { env: deployment?.env })).stdout.trim();
}

/** `dyi export create` of every active member; the new export's id. */
function createExport(dataTypes: string): Promise<string> {
  return dyi(['export', 'create', '--data-types', dataTypes, '--dyi-format', 'HTML_AND_JSON']);
}

async function newPage(width: number): Promise<Page> {
  if (!browser) throw new Error('no browser');
  // axe-core is a script of its own, which the panel's Content Security Policy forbids.
  const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
  return context.newPage();
}

/** Runs `dyi worker` until the export has completed, then stops it by its PID. */
async function runToTheEnd(page: Page, exportId: string): Promise<void> {
  const summary = `${deployment.baseUrl}/admin/exports/${exportId}/fragment/summary`;
  await workUntil(
    deployment,
    async () => (await (await page.request.get(summary)).text()).includes('>Completed<'),
    `export ${exportId}`,
    60_000,
  );
}

beforeAll(async () => {
  // Without Chromium (and without DYI_REQUIRE_SERVICES=1) the tests skip themselves.
  browser = await launchBrowser({ skip: () => undefined });
  if (!browser) return;
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-panel-pages-'));
  await dyi(['seed', '--users', '3', '--name', 'Pages Co']);
  await createAdminWithCli(dataDir, ADMIN);
  deployment = await serveSeeded(dataDir, { DYI_SIGN_IN_FAILURE_DELAY_MS: '100' });

  const page = await newPage(DESKTOP);
  await signIn(page, deployment.baseUrl, ADMIN, '/admin/sign-in');
  exports.done = await createExport('POSTS_YOUR_ACTIVITY,WORKPLACE_COMPANY_METADATA_USER_PROFILE');
  await runToTheEnd(page, exports.done);
  exports.cancelled = await createExport('MESSENGER_V2');
  await page.goto(`${deployment.baseUrl}/admin/exports/${exports.cancelled}/cancel`);
  await page.getByRole('button', { name: 'Yes, cancel the export' }).click();
  await page.getByText('The export was cancelled.').waitFor();
  await page.context().close();

  const members = Array.from({ length: IMPORTED_MEMBERS }, (_, i) => ({
    type: 'member',
    id: `imported-${i}`,
    name: `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${i}`,
    created_time: '2025-02-01T00:00:00Z',
  }));
  const file = path.join(dataDir, 'members.ndjson');
  await writeFile(file, members.map((member) => JSON.stringify(member)).join('\n'));
  await dyi(['import', file]);
  exports.large = await createExport('POSTS_YOUR_ACTIVITY');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await deployment?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** One page to check: its screenshot's name, and how to get there from a signed-in page. */
interface Visit {
  readonly name: string;
  open(page: Page, width: number): Promise<unknown>;
}

/** A visit that opens a URL, worked out when the visit runs (the exports exist by then). */
function goTo(pathAndQuery: () => string): (page: Page) => Promise<unknown> {
  return (page) => page.goto(`${deployment.baseUrl}${pathAndQuery()}`);
}

/** Where the integration that the visits made at this width lives. */
const integrationUrls = new Map<number, string>();

const SIGNED_IN_VISITS: readonly Visit[] = [
  { name: 'exports', open: goTo(() => '/admin/exports') },
  { name: 'export-new', open: goTo(() => '/admin/exports/new') },
  {
    name: 'export-new-refused',
    async open(page) {
      await page.goto(`${deployment.baseUrl}/admin/exports/new`);
      // No data type ticked: the form comes back with what was wrong.
      await page.getByRole('button', { name: 'Start export' }).click();
      await page.locator('#error-summary').waitFor();
    },
  },
  { name: 'export-completed', open: goTo(() => `/admin/exports/${exports.done}`) },
  { name: 'export-cancelled', open: goTo(() => `/admin/exports/${exports.cancelled}`) },
  { name: 'export-2000-members', open: goTo(() => `/admin/exports/${exports.large}`) },
  {
    name: 'export-2000-members-page-2',
    async open(page) {
      await page.goto(`${deployment.baseUrl}/admin/exports/${exports.large}`);
      await page.getByRole('link', { name: 'Next' }).click();
      await page.waitForURL(/after=/);
    },
  },
  { name: 'export-cancel-confirm', open: goTo(() => `/admin/exports/${exports.large}/cancel`) },
  { name: 'export-delete-confirm', open: goTo(() => `/admin/exports/${exports.done}/delete`) },
  { name: 'export-expire-confirm', open: goTo(() => `/admin/exports/${exports.done}/expire`) },
  { name: 'download-all', open: goTo(() => `/admin/exports/${exports.done}/download-all`) },
  { name: 'bad-filter-error', open: goTo(() => `/admin/exports/${exports.done}?state=DONE`) },
  { name: 'not-found', open: goTo(() => '/admin/no-such-page') },
  { name: 'integrations-before-create', open: goTo(() => '/admin/integrations') },
  {
    name: 'integration-created',
    async open(page, width) {
      await page.goto(`${deployment.baseUrl}/admin/integrations`);
      await page.getByLabel('Name').fill(`Reporting tool ${width}`);
      await page.getByRole('button', { name: 'Create integration' }).click();
      await page.locator('#new-app-secret').waitFor();
      const link = page.getByRole('link', { name: 'Go to the integration' });
      integrationUrls.set(width, (await link.getAttribute('href')) ?? '');
    },
  },
  { name: 'integration-already-shown', open: (page) => page.reload() },
  { name: 'integrations', open: goTo(() => '/admin/integrations') },
  {
    name: 'token-created',
    async open(page, width) {
      await page.goto(`${deployment.baseUrl}${integrationUrls.get(width)}`);
      await page.getByLabel(/read_company_data_exports/).check();
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.locator('#new-token').waitFor();
    },
  },
  { name: 'token-already-shown', open: (page) => page.reload() },
  {
    name: 'token-refused',
    async open(page, width) {
      await page.goto(`${deployment.baseUrl}${integrationUrls.get(width)}`);
      // No permission ticked: the form comes back with what was wrong.
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.locator('#error-summary').waitFor();
    },
  },
  {
    name: 'integration',
    open: (page, width) => page.goto(`${deployment.baseUrl}${integrationUrls.get(width)}`),
  },
  {
    name: 'token-revoke-confirm',
    async open(page, width) {
      await page.goto(`${deployment.baseUrl}${integrationUrls.get(width)}`);
      await page.getByRole('link', { name: 'Revoke' }).click();
      await page.getByRole('button', { name: 'Yes, revoke the token' }).waitFor();
    },
  },
  {
    name: 'integration-delete-confirm',
    open: (page, width) => page.goto(`${deployment.baseUrl}${integrationUrls.get(width)}/delete`),
  },
  { name: 'community', open: goTo(() => '/admin/community') },
  { name: 'audit', open: goTo(() => '/admin/audit') },
];

/** What a visit found wrong: lines for the test's failure message, [] when all is well. */
async function problemsOn(page: Page, name: string, width: number): Promise<string[]> {
  const problems = (await axeViolations(page)).map((violation) => `${name}: ${violation.report}`);
  if (width === PHONE) {
    const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
    if (scrollWidth > width) problems.push(`${name}: scrolls sideways (${scrollWidth} px wide)`);
    for (const small of await smallTargets(page)) problems.push(`${name}: ${small}`);
  }
  return problems;
}

/** The main controls, and the labels of checkboxes and radio buttons, which are their targets. */
const CONTROLS = [
  'button',
  '.button',
  'input:not([type=hidden]):not([type=checkbox]):not([type=radio])',
  'select',
  'nav.tabs a',
  '.pager a',
  'label:has(> input[type=checkbox])',
  'label:has(> input[type=radio])',
  '.choice > label',
].join(', ');

/** Visible controls smaller than a finger, as "<tag> "<text>": <w>×<h>". */
async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(
    ({ selector, least }) => {
      const { document } = globalThis as unknown as {
        document: {
          querySelectorAll(s: string): Iterable<{
            tagName: string;
            textContent: string | null;
            getBoundingClientRect(): { width: number; height: number };
          }>;
        };
      };
      const found: string[] = [];
      for (const element of document.querySelectorAll(selector)) {
        const { width, height } = element.getBoundingClientRect();
        if (width === 0 && height === 0) continue; // hidden
        if (width < least || height < least) {
          const text = (element.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
          found.push(`${element.tagName} "${text}": ${Math.round(width)}×${Math.round(height)}`);
        }
      }
      return found;
    },
    { selector: CONTROLS, least: TOUCH_TARGET },
  );
}

async function check(page: Page, name: string, width: number): Promise<string[]> {
  const problems = await problemsOn(page, name, width);
  await screenshot(page, `${name}-${width}`);
  return problems;
}

describe.each([DESKTOP, PHONE])('every panel page at %i px', (width) => {
  it('has no axe violations, fits the screen and has targets a finger can hit', async (ctx) => {
    if (!browser) return ctx.skip('no Chromium');
    const page = await newPage(width);
    const problems: string[] = [];

    await page.goto(`${deployment.baseUrl}/admin/sign-in`);
    problems.push(...(await check(page, 'sign-in', width)));
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#sign-in-error').waitFor();
    problems.push(...(await check(page, 'sign-in-refused', width)));

    await signIn(page, deployment.baseUrl, ADMIN, '/admin/sign-in');
    for (const visit of SIGNED_IN_VISITS) {
      await visit.open(page, width);
      problems.push(...(await check(page, visit.name, width)));
    }
    expect.soft(problems.join('\n')).toBe('');

    // The export of 2,003 members shows its totals and a page of 25 of its jobs.
    await page.goto(`${deployment.baseUrl}/admin/exports/${exports.large}`);
    const jobsInAll = page.locator('dt:text-is("Jobs in all") + dd');
    expect(await jobsInAll.innerText()).toBe('2,004');
    expect(await page.locator('dt:text-is("Waiting jobs") + dd').innerText()).toBe('2,004');
    expect(await page.locator('td[data-label="Job"]').count()).toBe(1 + 25);
    // 2,003 member jobs at 25 a page.
    expect(
      await page.getByRole('navigation', { name: 'Pages of member jobs' }).innerText(),
    ).toMatch(/^Page 1 of 81\s+Next$/);
    expect(await page.locator('dt:text-is("Files") + dd').innerText()).toBe('0');
    expect(await page.locator('dt:text-is("Size") + dd').innerText()).toBe('0 bytes');
    expect(await page.locator('dt:text-is("Running for")').count()).toBe(1);
    // The finished export: as many files as download links, their sizes summed, and its time.
    await page.goto(`${deployment.baseUrl}/admin/exports/${exports.done}`);
    const links = await page.locator('a[href^="/admin/files/"]').count();
    expect(links).toBeGreaterThan(0);
    expect(await page.locator('dt:text-is("Files") + dd').innerText()).toBe(String(links));
    expect(await page.locator('dt:text-is("Size") + dd').innerText()).toMatch(/^[\d.]+ (KB|MB)$/);
    expect(await page.locator('dt:text-is("Time taken") + dd').innerText()).toMatch(/\d (s|min)/);
    await page.goto(`${deployment.baseUrl}/admin/exports`);
    const row = page.locator('tr', { hasText: exports.large });
    expect(await row.locator('td.counts').innerText()).toBe('0 / 2,004 completed');
    const cancelled = page.locator('tr', { hasText: exports.cancelled });
    expect(await cancelled.locator('td.counts').innerText()).toMatch(
      /^0 \/ 4 completed\s+4 aborted$/,
    );

    await page.context().close();
  }, 90_000);
});
