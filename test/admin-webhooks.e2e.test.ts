/**
 * @module
 * Webhooks in the admin panel, in Chromium against a real `dyi serve` and a real receiver
 * (node:http on 127.0.0.1): subscribing on the integration's page runs the handshake (a receiver
 * that does not echo the challenge gets the error summary), an export that ends shows in the
 * delivery log as delivered with its HTTP status, and Redeliver sends the same signed bytes
 * again. Screenshots land in `test-results/screenshots/`.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openRuntime } from '../src/runtime.js';
import { launchBrowser, screenshot, type PanelAccount, signIn } from './support/browser.js';
import { createAdminWithCli, dyiIn } from './support/dyi-cli.js';
import { waitFor } from './support/export-scenarios.js';
import { type ServerProcess, startServer } from './support/server-process.js';

const ADMIN: PanelAccount = { email: 'hooks@acme.test', password: 'hooks test password' };

let dataDir: string;
let server: ServerProcess;
let browser: Browser | undefined;
let receiver: Server;
let receiverUrl: string;
let echoChallenge = true;
const posts: { raw: Buffer; signature: string }[] = [];
let app: { id: string; secret: string; token: string };

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-panel-hooks-'));
  await dyiIn(dataDir, ['seed', '--users', '2', '--name', 'Hooks Co']);
  await createAdminWithCli(dataDir, ADMIN);
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  try {
    const [community] = await runtime.communities.list();
    const integration = await runtime.access.createIntegration(community?.id ?? '', {
      name: 'Ticket system',
    });
    const { token } = await runtime.access.createToken(integration.id, [
      'read_company_data_exports',
      'manage_company_data_exports',
    ]);
    app = { id: integration.id, secret: integration.appSecret, token };
  } finally {
    await runtime.close();
  }
  receiver = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://receiver');
    if (request.method === 'GET') {
      response.end(echoChallenge ? url.searchParams.get('hub.challenge') : 'hello');
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      posts.push({
        raw: Buffer.concat(chunks),
        signature: String(request.headers['x-hub-signature-256']),
      });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  receiverUrl = `http://127.0.0.1:${address.port}/dyi-hook`;
  server = await startServer(dataDir, ['--workers', '1'], {
    DYI_WEBHOOK_ALLOW_PRIVATE: '1',
    DYI_WEBHOOK_POLL_MS: '100',
    DYI_SIGN_IN_FAILURE_DELAY_MS: '100',
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await rm(dataDir, { recursive: true, force: true });
});

async function signedIn(ctx: { skip(note?: string): void }): Promise<Page> {
  browser ??= await launchBrowser(ctx);
  if (!browser) throw new Error('unreachable: launchBrowser skipped the test');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, server.baseUrl, ADMIN);
  return page;
}

async function subscribe(page: Page): Promise<void> {
  await page.goto(`${server.baseUrl}/admin/integrations/${app.id}`);
  await page.getByLabel('Callback URL').fill(receiverUrl);
  await page.getByLabel('Verify token').fill('panel words');
  await page.getByRole('button', { name: 'Verify and subscribe' }).click();
}

describe('webhooks on the integration page', () => {
  it('refuses a URL that fails the handshake, subscribes one that answers it, and logs and redelivers', async (ctx) => {
    const page = await signedIn(ctx);
    echoChallenge = false;
    await subscribe(page);
    const summary = page.locator('#error-summary');
    await summary.waitFor();
    expect(await summary.innerText()).toContain('did not answer with the hub.challenge');
    await screenshot(page, 'webhooks-handshake-refused-1280');

    echoChallenge = true;
    await subscribe(page);
    await page.waitForURL(new RegExp(`/admin/integrations/${app.id}`));
    expect(await page.locator('body').innerText()).toContain(
      'The callback URL answered the handshake',
    );
    expect(await page.locator('#webhooks + *').innerText()).toContain('Active (verified)');

    const created = await fetch(new URL('/community/work_dyi_jobs', server.baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${app.token}` },
      body: new URLSearchParams({
        data_types: 'POSTS_YOUR_ACTIVITY',
        dyi_format: 'JSON',
        media_quality: 'LOW',
        start_time: '2020-01-01',
        end_time: '2030-01-01',
      }),
    });
    const { id: exportId } = (await created.json()) as { id: string };
    const first = await waitFor('the event', () => Promise.resolve(posts[0]), {
      timeoutMs: 60_000,
    });
    const expected = `sha256=${createHmac('sha256', app.secret).update(first.raw).digest('hex')}`;
    expect(first.signature).toBe(expected);

    await page.goto(`${server.baseUrl}/admin/integrations/${app.id}`);
    const row = page.locator('tr', { hasText: `is_completed:${exportId}` });
    expect(await row.locator('td[data-label="State"]').innerText()).toBe('Delivered');
    expect(await row.locator('td[data-label="HTTP status"]').innerText()).toBe('200');
    expect(await row.locator('td[data-label="Attempts"]').innerText()).toBe('1');
    await screenshot(page, 'webhooks-delivery-log-1280');

    await row.getByRole('button', { name: 'Redeliver' }).click();
    await page.waitForURL(new RegExp(`/admin/integrations/${app.id}`));
    expect(await page.locator('body').innerText()).toContain('The delivery is due again');
    const second = await waitFor('the redelivery', () => Promise.resolve(posts[1]), {
      timeoutMs: 30_000,
    });
    expect(second.raw.equals(first.raw)).toBe(true);
    expect(second.signature).toBe(expected);
  }, 180_000);
});
