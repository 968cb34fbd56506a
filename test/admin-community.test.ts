/**
 * The panel's "Community data" page as an admin checks it: the community's name and id, its
 * members by status, records per content kind equal to what the content store holds (every
 * kind, with a total), and the latest imports, newest first, a failed one with its error shown
 * as text. Content comes in the real ways: a synthetic seed and `importFiles` on NDJSON files.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedCommunity } from '../src/content/seed-community.js';
import { CONTENT_KINDS, type Community } from '../src/domain/index.js';
import { CONTENT_KIND_LABELS } from '../src/server/admin/community-labels.js';
import { type GraphFixture, ManualClock, startGraphFixture } from './support/graph-fixture.js';
import { createPanelAdmin, PanelClient, type PanelResponse } from './support/panel-client.js';

const START = Date.UTC(2026, 10, 29, 12, 0, 0);

let fixture: GraphFixture;
let clock: ManualClock;
let community: Community;
let browser: PanelClient;
let inputDir: string;

beforeEach(async () => {
  clock = new ManualClock(START);
  fixture = await startGraphFixture({}, clock);
  community = await fixture.runtime.communities.create('Acme & Co');
  browser = await PanelClient.signedIn(
    fixture.app,
    await createPanelAdmin(fixture.runtime, community.id),
  );
  inputDir = await mkdtemp(path.join(tmpdir(), 'dyi-panel-import-'));
});

afterEach(async () => {
  await fixture.close();
  await rm(inputDir, { recursive: true, force: true });
});

const T = '2024-05-01T09:30:00Z';

const PEOPLE = [
  { type: 'member', id: 'm1', name: 'Ann', email: 'ann@acme.example', created_time: T },
  { type: 'member', id: 'm2', name: 'Bob', manager: 'm1', created_time: T },
  { type: 'member', id: 'm3', name: 'Cy', status: 'deactivated', created_time: T },
  { type: 'member', id: 'm4', name: 'Di', status: 'deleted', created_time: T },
  { type: 'post', id: 'p1', author: 'm1', message: 'Hello team', created_time: T },
  { type: 'comment', id: 'c1', post: 'p1', author: 'm2', message: 'Hi!', created_time: T },
];

/** A post whose author names no member: the whole import is refused. */
const BROKEN = [
  {
    type: 'post',
    id: 'p2',
    author: '<script>alert(1)</script>',
    message: 'Nobody wrote this',
    created_time: T,
  },
];

async function ndjson(name: string, records: readonly object[]): Promise<string> {
  const file = path.join(inputDir, name);
  await writeFile(file, `${records.map((record) => JSON.stringify(record)).join('\n')}\n`);
  return file;
}

/** The numbers of a table on the page, by row label. */
function tableCounts(page: PanelResponse, tableId: string): Map<string, number> {
  const start = page.body.indexOf(`id="${tableId}"`);
  expect(start, `#${tableId}`).toBeGreaterThan(-1);
  const table = page.body.slice(start, page.body.indexOf('</table>', start));
  const counts = new Map<string, number>();
  for (const [, label, count] of table.matchAll(
    /<th scope="row">([^<]+)<\/th>\s*<td class="number">([\d,]+)<\/td>/g,
  )) {
    counts.set(label ?? '', Number((count ?? '').replaceAll(',', '')));
  }
  return counts;
}

/** The rows of the "Last imports" table, as HTML. */
function importRows(page: PanelResponse): string[] {
  const start = page.body.indexOf('id="imports"');
  if (start === -1) return [];
  const table = page.body.slice(start, page.body.indexOf('</table>', start));
  return table.split('<tr>').slice(2);
}

describe('the community page', () => {
  it('shows an empty community, with how to import', async () => {
    const page = await browser.get('/admin/community');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Community data</h1>');
    expect(page.body).toContain('<li>Name: Acme &amp; Co</li>');
    expect(page.body).toContain(`Community id: <span id="community-id">${community.id}</span>`);
    expect(page.body).toMatch(/href="\/admin\/community"\s+aria-current="page"/);
    expect(Object.fromEntries(tableCounts(page, 'members-by-status'))).toEqual({
      Active: 0,
      Deactivated: 0,
      Deleted: 0,
    });
    const records = tableCounts(page, 'records-by-kind');
    expect(records.size).toBe(CONTENT_KINDS.length + 1);
    expect([...records.values()].every((count) => count === 0)).toBe(true);
    expect(page.body).toContain('<h2>Last imports</h2>');
    expect(page.body).toContain('Nothing was imported yet.');
    expect(page.body).toContain(`<code>dyi import --community ${community.id} FILE...</code>`);
    expect(page.body).toContain(`<code>dyi seed --community ${community.id} --users 50</code>`);
  });

  it('counts what the content store holds, per kind and in total, and members by status', async () => {
    const seeded = await seedCommunity(fixture.runtime, {
      users: 3,
      seed: 7,
      communityId: community.id,
    });
    await fixture.runtime.imports.recordSeed(seeded, 3, 7);
    clock.advance(60_000);
    await fixture.runtime.imports.importFiles(community.id, [
      await ndjson('people.ndjson', PEOPLE),
    ]);

    const page = await browser.get('/admin/community');
    const stored = await fixture.runtime.content.counts(community.id);
    const shown = tableCounts(page, 'records-by-kind');
    for (const kind of CONTENT_KINDS) {
      expect(shown.get(CONTENT_KIND_LABELS[kind]), kind).toBe(stored[kind]);
    }
    const total = CONTENT_KINDS.reduce((sum, kind) => sum + stored[kind], 0);
    expect(total).toBeGreaterThan(100);
    expect(shown.get('Total')).toBe(total);
    expect(page.body).toContain(`<td class="number">${total.toLocaleString('en')}</td>`);

    const members = await fixture.runtime.metadata.members.countByStatus(community.id);
    // Three seeded members and four imported, one of them deactivated and one deleted.
    expect(members.active + members.deactivated + members.deleted).toBe(7);
    expect(members.deleted).toBeGreaterThanOrEqual(1);
    expect(Object.fromEntries(tableCounts(page, 'members-by-status'))).toEqual({
      Active: members.active,
      Deactivated: members.deactivated,
      Deleted: members.deleted,
    });
  });

  it('lists the latest imports newest first, a failed one with its error as text', async () => {
    const seeded = await seedCommunity(fixture.runtime, {
      users: 2,
      seed: 3,
      communityId: community.id,
    });
    await fixture.runtime.imports.recordSeed(seeded, 2, 3);
    clock.advance(60_000);
    const people = await ndjson('people.ndjson', PEOPLE);
    await fixture.runtime.imports.importFiles(community.id, [people]);
    clock.advance(60_000);
    const broken = await ndjson('broken.ndjson', BROKEN);
    await expect(fixture.runtime.imports.importFiles(community.id, [broken])).rejects.toThrow();
    const [failedRun] = await fixture.runtime.imports.latest(community.id, 1);
    expect(failedRun?.error).toContain('<script>alert(1)</script>');

    const page = await browser.get('/admin/community');
    expect(page.body).not.toContain('<script>alert(1)</script>');
    const [failed, imported, seed, ...rest] = importRows(page);
    expect(rest).toEqual([]);

    expect(failed).toContain('<td data-label="Source">broken.ndjson</td>');
    expect(failed).toContain('>Failed</span');
    expect(failed).toContain('<time datetime="2026-11-29T12:02:00Z">');
    expect(failed).toMatch(/data-label="Records written">0</);
    expect(failed).toContain(
      `<pre class="import-error">${escapeText(failedRun?.error ?? '')}</pre>`,
    );
    expect(failed).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

    expect(imported).toContain('<td data-label="Source">people.ndjson</td>');
    expect(imported).toContain('>Succeeded</span');
    expect(imported).toContain('<time datetime="2026-11-29T12:01:00Z">');
    expect(imported).toContain('<summary>6</summary>');
    expect(imported).toContain('<li>Member profiles: 4</li>');
    expect(imported).toContain('<li>Posts: 1</li>');
    expect(imported).toContain('<li>Comments: 1</li>');
    expect(imported).not.toContain('import-error');

    expect(seed).toContain('<td data-label="Source">synthetic seed 3, 2 members</td>');
    expect(seed).toContain('>Succeeded</span');
    const seedTotal = Object.values(seeded.records).reduce((sum, n) => sum + n, 0);
    expect(seed).toContain(`<summary>${seedTotal.toLocaleString('en')}</summary>`);
  });

  it('names the imported file by its base name in a failed run, not by the server folder', async () => {
    const broken = await ndjson('broken.ndjson', BROKEN);
    expect(path.isAbsolute(broken)).toBe(true);
    await expect(fixture.runtime.imports.importFiles(community.id, [broken])).rejects.toThrow(
      broken,
    );
    const [run] = await fixture.runtime.imports.latest(community.id, 1);
    expect(run?.error).toMatch(/^broken\.ndjson:1: author: /m);
    expect(run?.error).not.toContain(inputDir);
    const page = await browser.get('/admin/community');
    expect(page.body).toMatch(/<pre class="import-error">[^<]*\nbroken\.ndjson:1: author: /);
    expect(page.body).not.toContain(inputDir);
  });

  it('shows a run recorded with absolute paths by base names too', async () => {
    await fixture.runtime.metadata.imports.record({
      communityId: community.id,
      source: 'old.ndjson',
      startTime: START / 1000,
      endTime: START / 1000,
      succeeded: false,
      records: {},
      error:
        'Nothing was imported: 1 problem in the input:\n/srv/dyi/incoming/old.ndjson:7: id: is missing',
    });
    const page = await browser.get('/admin/community');
    expect(page.body).toContain('\nold.ndjson:7: id: is missing</pre>');
    expect(page.body).not.toContain('/srv/dyi/incoming');
  });

  it('lists only the latest 10 imports', async () => {
    const people = await ndjson('people.ndjson', PEOPLE);
    for (let i = 0; i < 12; i++) {
      clock.advance(1000);
      await fixture.runtime.imports.importFiles(community.id, [people]);
    }
    const rows = importRows(await browser.get('/admin/community'));
    expect(rows).toHaveLength(10);
    expect(rows[0]).toContain('<time datetime="2026-11-29T12:00:12Z">');
    expect(rows[9]).toContain('<time datetime="2026-11-29T12:00:03Z">');
  });

  it('sends the signed-out to sign in', async () => {
    const stranger = new PanelClient(fixture.app);
    expect((await stranger.get('/admin/community')).location).toBe(
      '/admin/sign-in?next=%2Fadmin%2Fcommunity',
    );
  });
});

function escapeText(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
