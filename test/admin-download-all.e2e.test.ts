/**
 * "Download all" end to end, as an admin uses it: a community seeded with the CLI, an export
 * run for real by a `dyi worker` process, a real `dyi serve`, and headless Chromium signing in
 * and opening the export's "Download all" page (screenshots at 1280 and 390 px in
 * `test-results/screenshots/`). The curl list is fetched with the browser's session, then the
 * real `curl -K` (and `wget -i`, where installed) downloads every file with no session at all;
 * each file's SHA-256 must match the page's and the Graph API's. Small on purpose: two members,
 * two data types, VERY_LOW media.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type PanelAccount, signIn } from './support/browser.js';
import { createAdminWithCli, dyiIn } from './support/dyi-cli.js';
import { type Deployment, serveSeeded, workUntil } from './support/deployment.js';

const ADMIN: PanelAccount = {
  email: 'download-all@acme.test',
  password: 'download all test password',
};

let dataDir: string;
let deployment: Deployment;
let browser: Browser | undefined;
let token = '';
let exportId = '';
/** Where the downloads land; removed at the end. */
let downloads: string;

/** `dyi ...args` on the served data; its stdout, trimmed. */
async function dyi(args: readonly string[]): Promise<string> {
  return (await dyiIn(dataDir, args)).stdout.trim();
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-download-all-e2e-'));
  downloads = await mkdtemp(path.join(tmpdir(), 'dyi-download-all-files-'));
  await dyi(['seed', '--users', '2', '--name', 'Takeout Co']);
  await createAdminWithCli(dataDir, ADMIN);
  token = await dyi(['token', 'create', '--permission', 'read_company_data_exports']);
  exportId = await dyi([
    'export',
    'create',
    '--data-types',
    'WORKPLACE_COMPANY_METADATA_COMPANY_INFO,POSTS_YOUR_ACTIVITY',
    '--media-quality',
    'VERY_LOW',
  ]);
  deployment = await serveSeeded(dataDir);
  // The export runs for real, in a worker process of its own.
  await workUntil(
    deployment,
    async () => (await graph(`/${exportId}?fields=is_completed`)).is_completed === true,
    `export ${exportId}`,
    60_000,
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await deployment?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(downloads, { recursive: true, force: true });
});

async function graph(pathAndQuery: string): Promise<any> {
  const response = await fetch(`${deployment.baseUrl}${pathAndQuery}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.json();
}

async function newPage(
  ctx: { skip(note?: string): void },
  width: number,
  javaScriptEnabled = true,
): Promise<Page> {
  browser ??= await launchBrowser(ctx);
  if (!browser) throw new Error('unreachable: launchBrowser skipped the test');
  const context = await browser.newContext({
    viewport: { width, height: 900 },
    acceptDownloads: true,
    javaScriptEnabled,
  });
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    throw new Error(`a dialog opened: ${dialog.message()}`);
  });
  await signIn(page, deployment.baseUrl, ADMIN);
  return page;
}

/** A file as the page lists it. */
interface ListedFile {
  readonly id: string;
  readonly name: string;
  readonly sha256: string;
}

async function filesOnPage(page: Page): Promise<ListedFile[]> {
  const rows = page.locator('#files tbody tr');
  const listed: ListedFile[] = [];
  for (let index = 0; index < (await rows.count()); index++) {
    const row = rows.nth(index);
    const href = (await row.getByRole('link', { name: /^Download/ }).getAttribute('href')) ?? '';
    listed.push({
      id: /\/admin\/files\/(\d+)\//.exec(href)?.[1] ?? '',
      name: await row.locator('.file-name').innerText(),
      sha256: await row.locator('code.sha256').innerText(),
    });
  }
  return listed;
}

/** Every regular file under `dir`, by its path relative to it. */
async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    found.set(path.relative(dir, full).split(path.sep).join('/'), await readFile(full));
  }
  return found;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('Download all in Chromium', () => {
  it('lists every file, and curl (and wget) fetch them all with the hashes the page and API give', async (ctx) => {
    const page = await newPage(ctx, 1280);
    // The list offers it on the export's row; the export's page, as a button.
    const fromList = page.getByRole('link', { name: `(export ${exportId})` });
    expect(await fromList.getAttribute('href')).toBe(`/admin/exports/${exportId}/download-all`);
    await screenshot(page, '19-export-list');
    await page.locator(`a[href="/admin/exports/${exportId}"]`).click();
    await page.getByRole('link', { name: 'Download all' }).click();
    await page.getByRole('heading', { name: `Export ${exportId}` }).waitFor();
    const listed = await filesOnPage(page);
    // The company job and both members' jobs each made at least one file.
    expect(listed.length).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#file-count').innerText()).toBe(String(listed.length));
    const command = await page.locator('#dyi-command').innerText();
    expect(command).toBe(
      `dyi download --base-url ${deployment.baseUrl} --export ${exportId} --out dyi-export-${exportId}`,
    );
    expect(await page.locator('body').innerText()).not.toContain(token);
    // The script is there and the page is a secure context (loopback): the copy button shows.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Copy command' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(command);
    await screenshot(page, '20-download-all');

    // The curl list, fetched as the admin would: a click, with the session's cookie.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'List for curl' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`export-${exportId}-curl.txt`);
    const curlDir = path.join(downloads, 'curl');
    const curlList = path.join(downloads, download.suggestedFilename());
    await download.saveAs(curlList);
    await mkdir(curlDir);
    const curl = spawnSync('curl', ['--silent', '--show-error', '-K', curlList], {
      cwd: curlDir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(curl.status, curl.stderr).toBe(0);
    const fetched = await filesUnder(curlDir);
    expect(fetched.size).toBe(listed.length);
    for (const file of listed) {
      const api = await graph(`/${file.id}?fields=sha256,file_size`);
      const [where, bytes] =
        [...fetched].find(([relative]) => relative.endsWith(`/${file.name}`)) ?? [];
      expect(where, file.name).toMatch(new RegExp(`^${exportId}/(company|user-\\d+)/`));
      expect(bytes?.length).toBe(api.file_size);
      expect(sha256(bytes ?? Buffer.alloc(0))).toBe(file.sha256);
      expect(file.sha256).toBe(api.sha256);
    }

    // wget, where this machine has it: one folder, the files' own names.
    const hasWget = spawnSync('wget', ['--version']).status === 0;
    if (!hasWget) {
      await ctx.annotate('wget is not installed here: its list was not run');
    } else {
      const wgetDir = path.join(downloads, 'wget');
      await mkdir(wgetDir);
      const wgetList = path.join(downloads, `export-${exportId}-wget.txt`);
      const answer = await page.request.get(
        `${deployment.baseUrl}/admin/exports/${exportId}/download-all/wget.txt`,
      );
      expect(answer.status()).toBe(200);
      await writeFile(wgetList, await answer.body());
      const wget = spawnSync('wget', ['--quiet', '--content-disposition', '-i', wgetList], {
        cwd: wgetDir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(wget.status, wget.stderr).toBe(0);
      const got = await filesUnder(wgetDir);
      expect([...got.keys()].sort()).toEqual(listed.map((file) => file.name).sort());
      for (const file of listed)
        expect(sha256(got.get(file.name) ?? Buffer.alloc(0))).toBe(file.sha256);
    }
    await page.context().close();
  }, 90_000);

  it('fits a 390 px screen, and without script shows no copy button', async (ctx) => {
    const page = await newPage(ctx, 390);
    await page.goto(`${deployment.baseUrl}/admin/exports/${exportId}/download-all`);
    await page.locator('#files').waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(overflow).toBeLessThanOrEqual(390);
    await screenshot(page, '21-download-all-390');
    await page.context().close();

    const plain = await newPage(ctx, 1280, false);
    await plain.goto(`${deployment.baseUrl}/admin/exports/${exportId}/download-all`);
    expect(await plain.locator('#dyi-command').isVisible()).toBe(true);
    expect(await plain.getByRole('button', { name: 'Copy command' }).count()).toBe(0);
    await plain.context().close();
  }, 60_000);
});
