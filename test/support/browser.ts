/**
 * @module
 * Headless Chromium for the end-to-end tests of the admin panel, driven by playwright-core:
 * Debian's `chromium` (installed by `.ci/run`), started with the flags this machine needs (no
 * sandbox as root; no background connections, which its closed network would refuse). Tests
 * skip without it, but fail under DYI_REQUIRE_SERVICES=1, as CI sets. Screenshots go to
 * `test-results/screenshots/` (ignored by git) for people to look at; those of a run on a
 * cluster (`DYI_TEST_ON_CLUSTER=1`) to its `cluster-<storage>/` folder, beside and not over
 * the embedded run's.
 */
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ON_CLUSTER } from './cluster-fixture.js';
import { SCALE_OUT } from './cluster-storage.js';

/** Where Debian puts Chromium; DYI_CHROMIUM points elsewhere. */
const CHROMIUM = process.env.DYI_CHROMIUM ?? '/usr/bin/chromium';
const REQUIRE_SERVICES = process.env.DYI_REQUIRE_SERVICES === '1';

export const SCREENSHOT_DIR = path.resolve(
  import.meta.dirname,
  '../../test-results/screenshots',
  ON_CLUSTER ? `cluster-${SCALE_OUT}` : '',
);

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Chromium, or undefined (with the test skipped) when this machine has none. */
export async function launchBrowser(ctx: {
  skip(note?: string): void;
}): Promise<Browser | undefined> {
  try {
    await access(CHROMIUM);
  } catch {
    const why = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set DYI_CHROMIUM)`;
    if (REQUIRE_SERVICES) throw new Error(`DYI_REQUIRE_SERVICES=1 but ${why}`);
    ctx.skip(why);
    return undefined;
  }
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** Saves a full-page screenshot as `<name>.png` in SCREENSHOT_DIR. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** An admin of the panel: what its sign-in form asks for. */
export interface PanelAccount {
  readonly email: string;
  readonly password: string;
}

/** Fills in the sign-in form at `baseUrl + formPath` and waits for the list of exports. */
export async function signIn(
  page: Page,
  baseUrl: string,
  account: PanelAccount,
  formPath = '/admin',
): Promise<void> {
  await page.goto(`${baseUrl}${formPath}`);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/exports$/);
}
