/**
 * Retention and "who asked" in the admin panel, over inject() on real stores and a manual
 * clock: the export form's reason and "Keep files for" (kept, refused with the field named),
 * the export page's creator, reason and expiry, "Keep files until" (moved, refused beyond the
 * maximum or without the CSRF token), "Delete files now" behind a confirmation, and an
 * expired export as the list, its page, its file links and "Download all" show it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Id } from '../src/domain/index.js';
import {
  completeJobWithFiles,
  type GraphFixture,
  graph,
  jobsOf,
  ManualClock,
  seedCommunity,
  type SeededCommunity,
  startInProcessFixture,
} from './support/graph-fixture.js';
import { createPanelAdmin, PanelClient } from './support/panel-client.js';

const DAY = 86_400;

let fixture: GraphFixture;
let clock: ManualClock;
let seeded: SeededCommunity;
let browser: PanelClient;

beforeAll(async () => {
  clock = new ManualClock();
  fixture = await startInProcessFixture({ retentionDays: 7, retentionMaxDays: 90 }, clock);
  seeded = await seedCommunity(fixture.runtime, 'Keep', 2);
  browser = await PanelClient.signedIn(
    fixture.app,
    await createPanelAdmin(fixture.runtime, seeded.community.id, 'ada@keep.example'),
  );
}, 60_000);

afterAll(async () => {
  await fixture.close();
});

function now(): number {
  return Math.floor(clock.now() / 1000);
}

/** Sends the export form (company data) with `extra`; returns the answer. */
async function startExport(extra: Record<string, string>) {
  const form = await browser.get('/admin/exports/new');
  const field = (name: string): string =>
    new RegExp(`name="${name}" value="([^"]+)"`).exec(form.body)?.[1] ?? '';
  return browser.post('/admin/exports', {
    _csrf: field('_csrf'),
    idempotency_key: field('idempotency_key'),
    data_types: 'WORKPLACE_COMPANY_METADATA_USER_PROFILE',
    dyi_format: 'JSON',
    media_quality: 'HIGH',
    members: 'all',
    ...extra,
  });
}

async function startedExport(extra: Record<string, string>): Promise<Id> {
  const answer = await startExport(extra);
  expect(answer.status, answer.body.slice(0, 2000)).toBe(303);
  const id = /^\/admin\/exports\/(\d+)$/.exec(answer.location ?? '')?.[1];
  if (id === undefined) throw new Error(`not an export page: ${answer.location}`);
  return id;
}

async function finish(exportId: Id): Promise<void> {
  for (const job of await jobsOf(fixture.runtime, exportId)) {
    await completeJobWithFiles(fixture.runtime, job, [`bytes of ${job.id}`]);
  }
}

/** The text of a page, tags dropped and spaces folded, as a reader sees it. */
function text(body: string): string {
  return body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ');
}

describe('who asked', () => {
  it('keeps the admin who started an export, its reason and its retention', async () => {
    const id = await startedExport({ reason: 'Ticket <b>LEGAL-9</b>', retention_days: '3' });
    const page = await browser.get(`/admin/exports/${id}`);
    expect(page.status).toBe(200);
    const words = text(page.body);
    expect(words).toContain('Created by Admin ada@keep.example');
    expect(words).toContain('Reason Ticket <b>LEGAL-9</b>');
    expect(page.body).toContain('Ticket &lt;b&gt;LEGAL-9&lt;/b&gt;');
    expect(words).toContain('Files kept 3 days after it is ready');
    const admin = await fixture.runtime.metadata.admins.findByEmail('ada@keep.example');
    const read = await graph(fixture.app, 'GET', `/${id}?fields=created_by,reason,retention_days`, {
      token: seeded.readToken,
    });
    expect(read.body).toEqual({
      id,
      created_by: { id: admin?.id, name: 'ada@keep.example', type: 'admin' },
      reason: 'Ticket <b>LEGAL-9</b>',
      retention_days: 3,
    });
  });

  it.each([
    [{ retention_days: '0' }, 'from 1 to 90 days'],
    [{ retention_days: '91' }, 'got 91'],
    [{ reason: 'r'.repeat(201) }, 'at most 200 characters'],
  ])('refuses %o at its field', async (extra, words) => {
    const answer = await startExport(extra);
    expect(answer.status).toBe(400);
    const field = 'retention_days' in extra ? 'retention-days' : 'export-reason';
    expect(answer.body).toContain(`href="#${field}"`);
    expect(text(answer.body)).toContain(words);
  });

  it('says what "Keep files for" defaults to', async () => {
    const form = await browser.get('/admin/exports/new');
    expect(text(form.body)).toContain('Empty: 7 days. At most 90 days.');
    expect(form.body).toMatch(/<input[^>]*id="retention-days"[^>]*max="90"/);
  });
});

describe('retention in the panel', () => {
  it('shows when the files go, and keeps them longer on request', async () => {
    const id = await startedExport({});
    await finish(id);
    const ended = now();
    const page = await browser.get(`/admin/exports/${id}`);
    const expires = new Date((ended + 7 * DAY) * 1000).toISOString();
    expect(text(page.body)).toContain(
      `Files kept until ${expires.slice(0, 10)} ${expires.slice(11, 16)} UTC`,
    );
    const day = new Date((now() + 40 * DAY) * 1000).toISOString().slice(0, 10);
    const kept = await browser.submit(
      `/admin/exports/${id}/expiry`,
      { keep_until: day },
      `/admin/exports/${id}`,
    );
    expect(kept.status).toBe(303);
    const after = await browser.get(`/admin/exports/${id}`);
    expect(text(after.body)).toContain('The export’s files are kept until the new date.');
    // The day chosen is included: the files go when it ends.
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + DAY * 1000).toISOString();
    expect(text(after.body)).toContain(`Files kept until ${next.slice(0, 10)} 00:00 UTC`);
    const read = await graph(fixture.app, 'GET', `/${id}?fields=expires_time&date_format=U`, {
      token: seeded.readToken,
    });
    expect(read.body.expires_time).toBe(Date.parse(`${day}T00:00:00Z`) / 1000 + DAY);

    const tooFar = new Date((now() + 120 * DAY) * 1000).toISOString().slice(0, 10);
    const refused = await browser.submit(
      `/admin/exports/${id}/expiry`,
      { keep_until: tooFar },
      `/admin/exports/${id}`,
    );
    expect(refused.status).toBe(400);
    expect(text(refused.body)).toContain('at most 90 days from now');
    const noCsrf = await browser.post(`/admin/exports/${id}/expiry`, { keep_until: day });
    expect(noCsrf.status).toBe(403);
  });

  it('deletes the files now behind a confirmation, and shows the export as expired', async () => {
    const id = await startedExport({ name: 'Old hold' });
    await finish(id);
    const [company] = await jobsOf(fixture.runtime, id);
    const files = await fixture.runtime.jobs.listFiles(company?.id ?? '', { limit: 10 });
    const fileId = files.items[0]?.id ?? '';
    expect((await browser.get(`/admin/files/${fileId}/download`)).status).toBe(303);

    const confirm = await browser.get(`/admin/exports/${id}/expire`);
    expect(confirm.status).toBe(200);
    expect(text(confirm.body)).toContain('The export stays listed, as expired');
    // The link alone changes nothing.
    expect((await fixture.runtime.exports.get(seeded.community.id, id)).expiryState).toBeNull();
    const done = await browser.submit(`/admin/exports/${id}/expire`, {});
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/admin/exports/${id}`);

    const page = await browser.get(`/admin/exports/${id}`);
    const words = text(page.body);
    expect(words).toContain('Its files were deleted at the end of their retention');
    expect(words).toContain('Expired');
    expect(page.body).not.toContain('id="download-all"');
    expect(page.body).not.toContain('id="keep-until"');
    expect(page.body).not.toContain(`/admin/files/${fileId}/download`);
    const list = await browser.get('/admin/exports');
    const row = list.body.split('<tr>').find((each) => each.includes(`/admin/exports/${id}"`));
    expect(text(row ?? '')).toContain('Expired');
    expect(row).not.toContain('Download all');

    const download = await browser.get(`/admin/files/${fileId}/download`);
    expect(download.status).toBe(410);
    expect(text(download.body)).toContain('expired on');
    expect((await browser.get(`/admin/exports/${id}/download-all`)).status).toBe(410);
    expect((await browser.get(`/admin/exports/${id}/download-all/curl.txt`)).status).toBe(410);
  });

  it('shows an export the sweep expired as expired in the list', async () => {
    const id = await startedExport({ retention_days: '1' });
    await finish(id);
    clock.advance((DAY + 1) * 1000);
    const report = await fixture.runtime.retention.sweep();
    expect(report.expired.map((e) => e.exportId)).toContain(id);
    // A day later the session has ended: sign in again.
    browser = await PanelClient.signedIn(fixture.app, 'ada@keep.example');
    const page = await browser.get(`/admin/exports/${id}`);
    const expired = new Date(now() * 1000).toISOString().slice(0, 10);
    expect(text(page.body)).toContain(`Expired ${expired}`);
  });
});
