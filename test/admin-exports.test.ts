/**
 * The panel's "Download data" tab as an admin uses it: starting an export through the form
 * (and being told what is wrong with it), the list and each export's page with their live
 * fragments, running the jobs for real and downloading their files through the panel's links,
 * filtering jobs by state, cancelling and deleting behind a confirmation, and never seeing
 * another community's exports or members, nor a member's name as markup. Real stores, the real
 * app over inject().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunity as seedSynthetic } from '../src/content/seed-community.js';
import type { Id, Member } from '../src/domain/index.js';
import { runExport, sha256 } from './support/archives.js';
import { ON_CLUSTER } from './support/cluster-fixture.js';
import {
  createExport,
  type GraphFixture,
  graph,
  jobsOf,
  localPath,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';
import { createPanelAdmin, PanelClient } from './support/panel-client.js';

const HOSTILE_NAME = '<img src=x onerror=alert(1)>';

let fixture: GraphFixture;
let communityId: Id;
/** Members with content, whose jobs complete. */
let syntheticIds: readonly Id[];
let hostile: Member;
let zelda: Member;
let token: string;
let browser: PanelClient;
/** Another community, with its own admin, export and member named like ours. */
let other: { communityId: Id; exportId: Id; browser: PanelClient };

beforeAll(async () => {
  fixture = await startGraphFixture();
  const { runtime } = fixture;
  communityId = (await seedSynthetic(runtime, { users: 3, seed: 7, name: 'Acme' })).communityId;
  syntheticIds = await runtime.metadata.members.listActiveIds(communityId);
  hostile = await runtime.communities.addMember(communityId, {
    name: HOSTILE_NAME,
    email: null,
    status: 'active',
  });
  zelda = await runtime.communities.addMember(communityId, {
    name: 'Zelda Findable',
    email: null,
    status: 'active',
  });
  const integration = await runtime.access.createIntegration(communityId, { name: 'Check' });
  token = (await runtime.access.createToken(integration.id, ['read_company_data_exports'])).token;
  browser = await PanelClient.signedIn(fixture.app, await createPanelAdmin(runtime, communityId));

  const globex = await seedCommunity(runtime, 'Globex', 2);
  await runtime.communities.addMember(globex.community.id, {
    name: 'Zelda Elsewhere',
    email: null,
    status: 'active',
  });
  other = {
    communityId: globex.community.id,
    exportId: (await createExport(runtime, globex.community.id)).id,
    browser: await PanelClient.signedIn(
      fixture.app,
      await createPanelAdmin(runtime, globex.community.id, 'globex@example.test'),
    ),
  };
});

afterAll(async () => {
  await fixture.close();
});

/** The hidden fields of the export form as the page gives them. */
async function openForm(client = browser): Promise<{ _csrf: string; idempotency_key: string }> {
  const page = await client.get('/admin/exports/new');
  expect(page.status).toBe(200);
  const field = (name: string): string => {
    const value = new RegExp(`name="${name}" value="([^"]+)"`).exec(page.body)?.[1];
    if (value === undefined) throw new Error(`no ${name} on the form`);
    return value;
  };
  return { _csrf: field('_csrf'), idempotency_key: field('idempotency_key') };
}

type Form = Record<string, string | readonly string[]>;

/** Fills the form afresh and sends it; returns the answer. */
async function startExport(form: Form, client = browser) {
  return client.post('/admin/exports', { ...(await openForm(client)), ...form });
}

/** The id of the export a successful form redirected to. */
function exportIdOf(location: string | undefined): Id {
  const id = /^\/admin\/exports\/(\d+)$/.exec(location ?? '')?.[1];
  if (id === undefined) throw new Error(`not an export page: ${location}`);
  return id;
}

/** The `<input>` tag of a form control with this name and value. */
function inputTag(body: string, name: string, value: string): string {
  const tag = new RegExp(`<input[^>]*name="${name}"[^>]*value="${value}"[^>]*>`).exec(body)?.[0];
  if (tag === undefined) throw new Error(`no input ${name}=${value}`);
  return tag;
}

/** Every `data-live` URL of a page, as the browser reads the attribute. */
function liveUrls(body: string): string[] {
  return [...body.matchAll(/data-live="([^"]+)"/g)].map((match) =>
    (match[1] ?? '').replaceAll('&amp;', '&'),
  );
}

/** The member-jobs fragment of an export's page (filter and position as the page has them). */
async function memberJobsOf(exportId: Id, query = '', client = browser): Promise<string> {
  const page = await client.get(`/admin/exports/${exportId}${query}`);
  expect(page.status).toBe(200);
  const url = liveUrls(page.body).find((each) => each.includes('/fragment/jobs'));
  const fragment = await client.get(url ?? 'missing');
  expect(fragment.status).toBe(200);
  expect(page.body).toContain(fragment.body);
  return fragment.body;
}

function rowsOf(markup: string): string[] {
  return markup.split('<tr>').slice(2);
}

async function userIdsOf(exportId: Id): Promise<Id[]> {
  const jobs = await jobsOf(fixture.runtime, exportId);
  return jobs.flatMap((job) => (job.userId === null ? [] : [job.userId]));
}

describe('starting an export', () => {
  it('creates the export with exactly the chosen parameters, both days included', async () => {
    const answer = await startExport({
      data_types: ['WORKPLACE_COMPANY_METADATA_GROUPS', 'POSTS_YOUR_ACTIVITY'],
      dyi_format: 'HTML_AND_JSON',
      media_quality: 'LOW',
      from: '2025-01-01',
      until: '2025-06-30',
      members: 'all',
    });
    expect(answer.status).toBe(303);
    const id = exportIdOf(answer.location);
    const created = await fixture.runtime.exports.get(communityId, id);
    expect(created).toMatchObject({
      dataTypes: ['WORKPLACE_COMPANY_METADATA_GROUPS', 'POSTS_YOUR_ACTIVITY'],
      dyiFormat: 'HTML_AND_JSON',
      mediaQuality: 'LOW',
      startTime: Date.UTC(2025, 0, 1) / 1000,
      endTime: Date.UTC(2025, 6, 1) / 1000,
    });
    const api = await graph(
      fixture.app,
      'GET',
      `/${id}?fields=data_types,dyi_format,media_quality,start_time,end_time`,
      { token },
    );
    expect(api.body).toEqual({
      id,
      data_types: ['WORKPLACE_COMPANY_METADATA_GROUPS', 'POSTS_YOUR_ACTIVITY'],
      dyi_format: 'HTML_AND_JSON',
      media_quality: 'LOW',
      start_time: '2025-01-01T00:00:00+0000',
      end_time: '2025-07-01T00:00:00+0000',
    });
    // Every active member gets a job.
    expect((await userIdsOf(id)).sort()).toEqual([...syntheticIds, hostile.id, zelda.id].sort());

    const page = await browser.get(answer.location ?? '');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(
      new RegExp(
        `<h1 class="export-title"><span class="export-name unnamed">Export of \\d{1,2} \\w{3} \\d{4}</span>\\s*<small class="export-id">Export ${id}</small></h1>`,
      ),
    );
    expect(page.body).toContain('The export was started.');
    expect(page.body).toContain('<dd id="member-scope">All members</dd>');
    expect(page.body).toContain('HTML and JSON');
    expect(page.body).toContain(
      '<time class="day" datetime="2025-01-01">2025-01-01</time> to <time class="day" datetime="2025-06-30">2025-06-30</time>',
    );
  });

  it('leaves an empty From and Until to the beginning and now', async () => {
    const answer = await startExport({ data_types: 'POSTS_YOUR_ACTIVITY', members: 'all' });
    const created = await fixture.runtime.exports.get(communityId, exportIdOf(answer.location));
    expect(created.startTime).toBe(0);
    expect(Math.abs(created.endTime - Date.now() / 1000)).toBeLessThan(60);
    expect(created).toMatchObject({ dyiFormat: 'JSON', mediaQuality: 'HIGH' });
  });

  it('keeps original files only at Very high, and withholds media others posted when ticked', async () => {
    const before = await fixture.runtime.exports.count(communityId);
    const options = { keep_original_media: 'true', withhold_others_media: 'true' };
    const form = { data_types: 'MESSENGER_V2', members: 'all', ...options };
    const refused = await startExport({ ...form, media_quality: 'HIGH' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatch(
      /data-error-summary[^>]*>[\s\S]*“Keep original files” needs Media quality “Very high”/,
    );
    expect(inputTag(refused.body, 'keep_original_media', 'true')).toMatch(/\schecked/);
    expect(inputTag(refused.body, 'withhold_others_media', 'true')).toMatch(/\schecked/);
    expect(await fixture.runtime.exports.count(communityId)).toBe(before);

    const started = await startExport({ ...form, media_quality: 'VERY_HIGH' });
    expect(started.status).toBe(303);
    const id = exportIdOf(started.location);
    expect(await fixture.runtime.exports.get(communityId, id)).toMatchObject({
      mediaQuality: 'VERY_HIGH',
      keepOriginalMedia: true,
      withholdOthersMedia: true,
    });
    const page = await browser.get(`/admin/exports/${id}`);
    expect(page.body).toContain(
      'original files kept, with their metadata; media other people posted withheld',
    );

    const plain = await startExport({ data_types: 'MESSENGER_V2', members: 'all' });
    const plainPage = await browser.get(`/admin/exports/${exportIdOf(plain.location)}`);
    expect(plainPage.body).toContain('None: images without metadata');
    expect(
      inputTag((await browser.get('/admin/exports/new')).body, 'keep_original_media', 'true'),
    ).not.toMatch(/\schecked/);
  });

  it('shows what is wrong and keeps every choice', async () => {
    const before = await fixture.runtime.exports.count(communityId);
    const none = await startExport({
      dyi_format: 'CSV',
      media_quality: 'VERY_LOW',
      from: '2025-03-01',
      until: '2025-03-31',
      members: 'all',
    });
    expect(none.status).toBe(400);
    expect(none.body).toMatch(/data-error-summary[^>]*>[\s\S]*Choose at least one data type/);
    expect(none.body).toMatch(/<option value="CSV"\s+selected/);
    expect(none.body).toMatch(/<option value="VERY_LOW"\s+selected/);
    expect(inputTag(none.body, 'from', '2025-03-01')).toContain('type="date"');
    expect(none.body).toContain('value="2025-03-31"');

    const backwards = await startExport({
      data_types: ['WORKPLACE_SURVEYS', 'MESSENGER_V2'],
      from: '2025-03-01',
      until: '2025-02-01',
      members: 'all',
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body).toContain('“Until” is before “From”');
    expect(inputTag(backwards.body, 'data_types', 'WORKPLACE_SURVEYS')).toMatch(/\schecked/);
    expect(inputTag(backwards.body, 'data_types', 'MESSENGER_V2')).toMatch(/\schecked/);
    expect(inputTag(backwards.body, 'data_types', 'POSTS_YOUR_ACTIVITY')).not.toMatch(/\schecked/);
    expect(await fixture.runtime.exports.count(communityId)).toBe(before);
  });

  it('refuses "Chosen members" with nobody chosen, and keeps the chosen ones on a refusal', async () => {
    const nobody = await startExport({ data_types: 'POSTS_YOUR_ACTIVITY', members: 'chosen' });
    expect(nobody.status).toBe(400);
    expect(nobody.body).toContain('no member is chosen');
    expect(inputTag(nobody.body, 'members', 'chosen')).toMatch(/\schecked/);

    const kept = await startExport({ members: 'chosen', user_ids: zelda.id });
    expect(kept.status).toBe(400);
    expect(inputTag(kept.body, 'user_ids', zelda.id)).toMatch(/\schecked/);
    expect(kept.body).toContain('Zelda Findable');

    const strangers = await startExport({
      data_types: 'POSTS_YOUR_ACTIVITY',
      members: 'chosen',
      member_ids: `${zelda.id}, 99999999`,
    });
    expect(strangers.status).toBe(400);
    expect(strangers.body).toContain('not members of this community: 99999999');
  });

  it('starts one export when the same form is sent twice', async () => {
    const before = await fixture.runtime.exports.count(communityId);
    const form = {
      ...(await openForm()),
      data_types: 'POSTS_YOUR_ACTIVITY',
      from: '2025-01-01',
      until: '2025-01-31',
      members: 'all',
    };
    const first = await browser.post('/admin/exports', form);
    const second = await browser.post('/admin/exports', form);
    expect(first.status).toBe(303);
    expect(second.location).toBe(first.location);
    expect(await fixture.runtime.exports.count(communityId)).toBe(before + 1);
  });

  it('starts nothing when a sent form comes back with other choices, and offers a fresh one', async () => {
    const hidden = await openForm();
    const first = await browser.post('/admin/exports', {
      ...hidden,
      data_types: 'POSTS_YOUR_ACTIVITY',
      members: 'all',
    });
    expect(first.status).toBe(303);
    const before = await fixture.runtime.exports.count(communityId);
    const changed = await browser.post('/admin/exports', {
      ...hidden,
      data_types: 'MESSENGER_V2',
      members: 'all',
    });
    expect(changed.status).toBe(409);
    expect(changed.body).toContain('This form was sent before with other choices');
    expect(inputTag(changed.body, 'data_types', 'MESSENGER_V2')).toMatch(/\schecked/);
    expect(changed.body).not.toContain(`value="${hidden.idempotency_key}"`);
    expect(await fixture.runtime.exports.count(communityId)).toBe(before);
  });

  it('gives jobs to the chosen members only', async () => {
    const [first, second] = syntheticIds;
    const answer = await startExport({
      data_types: 'POSTS_YOUR_ACTIVITY',
      members: 'chosen',
      user_ids: [first ?? '', second ?? ''],
    });
    expect(answer.status).toBe(303);
    expect((await userIdsOf(exportIdOf(answer.location))).sort()).toEqual([first, second].sort());
  });

  it('finds members by name, in this community only', async () => {
    const found = await browser.get('/admin/members.json?q=zELDa');
    expect(found.status).toBe(200);
    expect(JSON.parse(found.body)).toEqual({
      members: [{ id: zelda.id, name: 'Zelda Findable', status: 'active' }],
      total: 1,
    });
    const theirs = await other.browser.get('/admin/members.json?q=zelda');
    expect(JSON.parse(theirs.body).members.map((m: Member) => m.name)).toEqual(['Zelda Elsewhere']);
    expect(JSON.parse((await browser.get('/admin/members.json?q=')).body)).toEqual({
      members: [],
      total: 0,
    });
    const signedOut = await new PanelClient(fixture.app).get('/admin/members.json?q=zelda');
    expect(signedOut.status).toBe(303);
  });

  it('labels every control of the form', async () => {
    const page = await browser.get('/admin/exports/new');
    for (const label of [
      '<legend>Company data</legend>',
      '<legend>User data</legend>',
      '<label for="dyi-format">Format</label>',
      '<label for="media-quality">Media quality</label>',
      '<label for="from">From</label>',
      '<label for="until">Until</label>',
      '<label for="member-search">Find members by name or email</label>',
      '<label for="member-ids">Member ids</label>',
    ]) {
      expect(page.body).toContain(label);
    }
    expect(page.body).toContain('data-member-search="/admin/members.json"');
    expect(page.body.match(/data-select-all/g)).toHaveLength(2);
  });
});

/** The main content of a page, from its start. */
function mainOf(body: string): string {
  const start = body.search(/<main id="main"[^>]*>/);
  expect(start).toBeGreaterThan(-1);
  return body.slice(body.indexOf('>', start) + 1).trimStart();
}

/** The opening tag of the element with this id. */
function tagWithId(body: string, id: string): string {
  const tag = new RegExp(`<[a-z]+[^>]*\\sid="${id}"[^>]*>`).exec(body)?.[0];
  if (tag === undefined) throw new Error(`no element #${id}`);
  return tag;
}

describe('names, member scopes and states (issue 14)', () => {
  it('keeps a name, trimmed, and shows it first in the list and on the page, the id smaller', async () => {
    const answer = await startExport({
      name: '  Q1 legal hold  ',
      data_types: 'POSTS_YOUR_ACTIVITY',
      members: 'all',
    });
    expect(answer.status).toBe(303);
    const id = exportIdOf(answer.location);
    expect(await fixture.runtime.exports.get(communityId, id)).toMatchObject({
      name: 'Q1 legal hold',
      memberScope: 'all',
    });
    const page = await browser.get(`/admin/exports/${id}`);
    expect(page.body).toContain(`<title>Q1 legal hold (export ${id}) · dyi-export admin</title>`);
    expect(page.body).toMatch(
      new RegExp(
        `<h1 class="export-title"><span class="export-name">Q1 legal hold</span>\\s*<small class="export-id">Export ${id}</small></h1>`,
      ),
    );
    const list = await browser.get('/admin/exports');
    const row = list.body.split('<tr>').find((each) => each.includes(`/admin/exports/${id}"`));
    expect(row).toMatch(
      new RegExp(
        `<a href="/admin/exports/${id}"><span class="export-name">Q1 legal hold</span>\\s*<small class="export-id">Export ${id}</small>`,
      ),
    );
    const api = await graph(fixture.app, 'GET', `/${id}?fields=name`, { token });
    expect(api.body).toEqual({ id, name: 'Q1 legal hold' });
  });

  it('refuses a name too long or with a control character, saying what is allowed', async () => {
    const before = await fixture.runtime.exports.count(communityId);
    const long = await startExport({ name: 'x'.repeat(101), data_types: 'POSTS_YOUR_ACTIVITY' });
    expect(long.status).toBe(400);
    expect(long.body).toContain(
      '“Name”: must be at most 100 characters on one line (letters, digits, spaces and punctuation; no line breaks, tabs or other control characters); got 101 characters.',
    );
    expect(inputTag(long.body, 'name', 'x'.repeat(101))).toContain('aria-invalid="true"');
    const tab = await startExport({ name: 'Q1\tlegal hold', data_types: 'POSTS_YOUR_ACTIVITY' });
    expect(tab.status).toBe(400);
    expect(tab.body).toContain('character 3 is a control character (U+0009)');
    expect(await fixture.runtime.exports.count(communityId)).toBe(before);
  });

  it('puts an error summary first, linking each error to its field, which names its message', async () => {
    const answer = await startExport({
      data_types: [],
      from: '2025-03-01',
      until: '2025-02-01',
      members: 'all',
    });
    expect(answer.status).toBe(400);
    const main = mainOf(answer.body);
    // First in the main content, focusable and focused by autofocus (and by the script).
    expect(main).toMatch(
      /^<div\s+class="error error-summary"\s+id="error-summary"\s+tabindex="-1"\s+autofocus/,
    );
    expect(main).toContain('<h2 id="error-summary-title">The export was not started</h2>');
    expect(main).toContain('<li><a href="#data-types">Choose at least one data type');
    expect(main).toContain('<li><a href="#until">“Until” is before “From”');
    for (const field of ['data-types', 'until']) {
      const tag = tagWithId(answer.body, field);
      expect(tag).toContain('aria-invalid="true"');
      expect(tag).toMatch(new RegExp(`aria-describedby="[^"]*\\b${field}-error\\b`));
      expect(answer.body).toContain(`<p class="field-error" id="${field}-error">`);
    }
    expect(tagWithId(answer.body, 'from')).not.toContain('aria-invalid');
    expect(tagWithId(answer.body, 'until')).toContain(
      'aria-describedby="time-range-hint until-error"',
    );
  });

  it('names the chosen members in the parameters, ten at most and then how many more', async () => {
    const two = await startExport({
      data_types: 'POSTS_YOUR_ACTIVITY',
      members: 'chosen',
      user_ids: [zelda.id, hostile.id],
    });
    const twoPage = await browser.get(`/admin/exports/${exportIdOf(two.location)}`);
    const names = [hostile, zelda]
      .sort((a, b) => a.id.length - b.id.length || (a.id < b.id ? -1 : 1))
      .map((member) => member.name.replaceAll('<', '&lt;').replaceAll('>', '&gt;'));
    expect(twoPage.body).toContain(
      `<dd id="member-scope">2 chosen members: ${names.join(', ')}</dd>`,
    );

    const many = await seedCommunity(fixture.runtime, 'Many', 12);
    const admin = await PanelClient.signedIn(
      fixture.app,
      await createPanelAdmin(fixture.runtime, many.community.id, 'many@example.test'),
    );
    const exportJob = await createExport(fixture.runtime, many.community.id, {
      user_ids: many.members.map((member) => member.id),
    });
    const page = await admin.get(`/admin/exports/${exportJob.id}`);
    const first10 = many.members.slice(0, 10).map((member) => member.name);
    expect(page.body).toContain(
      `<dd id="member-scope">12 chosen members: ${first10.join(', ')} and 2 more</dd>`,
    );
  });

  it('warns before an export of user data in a community with no active member, and starts it once confirmed', async () => {
    const empty = await fixture.runtime.communities.create('Nobody Here');
    await fixture.runtime.communities.addMember(empty.id, {
      name: 'Gone Member',
      email: null,
      status: 'deactivated',
    });
    const admin = await PanelClient.signedIn(
      fixture.app,
      await createPanelAdmin(fixture.runtime, empty.id, 'nobody@example.test'),
    );
    const form = async () => {
      const page = await admin.get('/admin/exports/new');
      const value = (name: string) =>
        new RegExp(`name="${name}" value="([^"]+)"`).exec(page.body)?.[1] ?? '';
      return { _csrf: value('_csrf'), idempotency_key: value('idempotency_key') };
    };
    const fields = {
      ...(await form()),
      name: 'Leavers',
      data_types: ['WORKPLACE_COMPANY_METADATA_GROUPS', 'POSTS_YOUR_ACTIVITY'],
      members: 'all',
    };
    const warned = await admin.post('/admin/exports', fields);
    expect(warned.status).toBe(200);
    const main = mainOf(warned.body).replace(/\s+/g, ' ');
    expect(main).toMatch(/^<div class="warning" id="no-members-warning" tabindex="-1" autofocus/);
    expect(main).toContain('The export was not started: this community has no active members');
    expect(main).toContain('the user data you chose (Posts) would be exported for no one');
    expect(main).toMatch(
      /<button type="submit" form="export-form" name="confirm_no_members" value="yes">\s*Start it with no member jobs/,
    );
    expect(inputTag(warned.body, 'name', 'Leavers')).toBeDefined();
    expect(await fixture.runtime.exports.count(empty.id)).toBe(0);

    const started = await admin.post('/admin/exports', { ...fields, confirm_no_members: 'yes' });
    expect(started.status).toBe(303);
    const id = exportIdOf(started.location);
    expect(
      (await fixture.runtime.exports.status(await fixture.runtime.exports.get(empty.id, id))).counts
        .total,
    ).toBe(1);

    // Company data only has no member jobs to miss: no warning.
    const companyOnly = await admin.post('/admin/exports', {
      ...(await form()),
      data_types: 'WORKPLACE_COMPANY_METADATA_GROUPS',
      members: 'all',
    });
    expect(companyOnly.status).toBe(303);
  });

  it('shows a notice once: not on a reload, not from a shared link, and never from the URL', async () => {
    const answer = await startExport({ data_types: 'POSTS_YOUR_ACTIVITY', members: 'all' });
    expect(answer.status).toBe(303);
    expect(answer.location).toMatch(/^\/admin\/exports\/\d+$/);
    const first = await browser.get(answer.location ?? '');
    expect(first.body).toContain('<p class="notice" role="status">The export was started.');
    const reload = await browser.get(answer.location ?? '');
    expect(reload.status).toBe(200);
    expect(reload.body).not.toContain('The export was started.');
    const shared = await other.browser.get(`/admin/exports/${other.exportId}?notice=started`);
    expect(shared.status).toBe(200);
    expect(shared.body).not.toContain('class="notice"');
    const old = await browser.get(`${answer.location ?? ''}?notice=started`);
    expect(old.body).not.toContain('The export was started.');
  });

  it('marks each export in the live parts with what the status region says when it ends', async () => {
    const exportJob = await createExport(fixture.runtime, communityId, {
      name: 'Ends soon',
      data_types: ['WORKPLACE_COMPANY_METADATA_GROUPS'],
      user_ids: [zelda.id],
    });
    const page = await browser.get(`/admin/exports/${exportJob.id}`);
    expect(page.body).toContain(`data-export-id="${exportJob.id}" data-export-ended=""`);
    expect(page.body).toMatch(
      /<div\s+class="visually-hidden"\s+role="status"\s+aria-live="polite"/,
    );
    const list = await browser.get('/admin/exports/fragment/list');
    expect(list.body).toContain(`data-export-id="${exportJob.id}" data-export-ended=""`);
    for (const job of await jobsOf(fixture.runtime, exportJob.id)) {
      await fixture.runtime.jobs.start(job.id, 'test-run');
      await fixture.runtime.jobs.complete(job.id, 'test-run');
    }
    const ended = await browser.get(`/admin/exports/${exportJob.id}/fragment/summary`);
    expect(ended.body).toContain(
      `data-export-id="${exportJob.id}" data-export-ended="Export Ends soon completed."`,
    );
  });
});

describe('the list of exports', () => {
  it('shows each export with its state, progress and job counts, live', async () => {
    const exportJob = await createExport(fixture.runtime, communityId, {
      data_types: ['POSTS_YOUR_ACTIVITY'],
      dyi_format: 'CSV',
    });
    const page = await browser.get('/admin/exports');
    expect(page.status).toBe(200);
    expect(page.body).toContain('href="/admin/exports/new">Start an export</a>');
    const row = page.body
      .split('<tr>')
      .find((each) => each.includes(`href="/admin/exports/${exportJob.id}"`));
    expect(row).toBeDefined();
    expect(row).toContain('Waiting to start');
    expect(row).toContain(`aria-label="Export ${exportJob.id}: 0 %"`);
    expect(row).toContain('CSV');
    const { total } = (await fixture.runtime.exports.status(exportJob)).counts;
    expect(row).toContain(`0 / ${total} completed`);
    expect(row).toMatch(/<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">/);

    const [url] = liveUrls(page.body);
    expect(url).toBe('/admin/exports/fragment/list');
    const fragment = await browser.get(url ?? '');
    expect(fragment.status).toBe(200);
    expect(fragment.body).toContain(`href="/admin/exports/${exportJob.id}"`);
    expect(page.body).toContain(`data-live="${url}">${fragment.body}</div>`);

    // A job finishes: the fragment says so.
    const [company] = await jobsOf(fixture.runtime, exportJob.id);
    await fixture.runtime.jobs.start(company?.id ?? '', 'test-run');
    await fixture.runtime.jobs.complete(company?.id ?? '', 'test-run');
    const after = await browser.get(url ?? '');
    const changed = after.body
      .split('<tr>')
      .find((each) => each.includes(`href="/admin/exports/${exportJob.id}"`));
    expect(changed).toContain('In progress');
    const percent = Math.floor((1 / total) * 100);
    expect(changed).toContain(`aria-label="Export ${exportJob.id}: ${percent} %"`);
    expect(changed).toContain(`1 / ${total} completed`);
  });

  it('pages newest first with Older and Newer links', async () => {
    const many = await seedCommunity(fixture.runtime, 'Paged', 1);
    const made: Id[] = [];
    for (let i = 0; i < 22; i++)
      made.push((await createExport(fixture.runtime, many.community.id)).id);
    const admin = await PanelClient.signedIn(
      fixture.app,
      await createPanelAdmin(fixture.runtime, many.community.id, 'paged@example.test'),
    );
    const idsOn = (body: string) =>
      [...body.matchAll(/<a href="\/admin\/exports\/(\d+)">/g)].map((match) => match[1]);
    const first = await admin.get('/admin/exports');
    expect(idsOn(first.body)).toEqual(made.slice(2).reverse());
    const older = /<a href="([^"]+)" rel="next">Older<\/a>/.exec(first.body)?.[1] ?? '';
    expect(first.body).not.toContain('>Newer<');
    const second = await admin.get(older.replaceAll('&amp;', '&'));
    expect(idsOn(second.body)).toEqual(made.slice(0, 2).reverse());
    expect(liveUrls(second.body)[0]).toBe(`/admin/exports/fragment/list?after=${made[2]}`);
    expect(second.body).toContain('rel="prev">Newer</a>');
  });
});

describe('an export run to the end', () => {
  let exportId: Id;

  beforeAll(async () => {
    const answer = await startExport({
      data_types: ['WORKPLACE_COMPANY_METADATA_COMPANY_INFO', 'POSTS_YOUR_ACTIVITY'],
      dyi_format: 'JSON',
      members: 'chosen',
      user_ids: [...syntheticIds],
    });
    exportId = exportIdOf(answer.location);
    await runExport(fixture.runtime, exportId);
  });

  it('says Completed and lists every file with its size and a download link', async () => {
    const page = await browser.get(`/admin/exports/${exportId}`);
    expect(page.body).toContain('<span class="state state-COMPLETED">Completed</span>');
    expect(page.body).toContain(`aria-label="Export ${exportId}: 100 %"`);
    expect(page.body).not.toContain('Cancel export');
    expect(page.body).toContain('>Delete export</a>');
    for (const job of await jobsOf(fixture.runtime, exportId)) {
      const files = await fixture.runtime.jobs.listFiles(job.id, { limit: 100 });
      expect(files.items.length).toBeGreaterThan(0);
      for (const file of files.items) {
        expect(page.body).toContain(`<span class="file-name">${file.name}</span>`);
        expect(page.body).toContain(`title="${file.size} bytes"`);
        expect(page.body).toContain(
          `<a href="/admin/files/${file.id}/download" aria-label="Download ${file.name}"`,
        );
      }
    }
  });

  it('redirects a download link to a signed URL that serves the file', async () => {
    const [company] = await jobsOf(fixture.runtime, exportId);
    const [file] = (await fixture.runtime.jobs.listFiles(company?.id ?? '', { limit: 1 })).items;
    if (!file) throw new Error('no file');
    const link = await browser.get(`/admin/files/${file.id}/download`);
    expect(link.status).toBe(303);
    const bytes = await fixture.app.inject({ method: 'GET', url: localPath(link.location ?? '') });
    expect(bytes.statusCode).toBe(200);
    expect(sha256(bytes.rawPayload)).toBe(file.sha256);
    // Another community's admin cannot get it.
    expect((await other.browser.get(`/admin/files/${file.id}/download`)).status).toBe(404);
  });

  it('names the members of the jobs', async () => {
    const members = await fixture.runtime.metadata.members.getMany(communityId, syntheticIds);
    const jobs = await memberJobsOf(exportId);
    for (const member of members) expect(jobs).toContain(member.name);
  });
});

// A fixture of its own for tests that act on an export before its jobs run. On the scale-out
// run, the first runExport above started the cluster's workers, which take every new export's
// jobs at once (on a loaded machine, before the test's next request). Here no worker runs
// until the last test runs its export, so the cancel comes first.
describe('an export acted on before its jobs run', () => {
  let idle: { fixture: GraphFixture; communityId: Id; browser: PanelClient };

  beforeAll(async () => {
    const own = await startGraphFixture();
    const seeded = await seedSynthetic(own.runtime, { users: 3, seed: 7, name: 'Initech' });
    idle = {
      fixture: own,
      communityId: seeded.communityId,
      browser: await PanelClient.signedIn(
        own.app,
        await createPanelAdmin(own.runtime, seeded.communityId),
      ),
    };
  });

  afterAll(async () => {
    await idle?.fixture.close();
  });

  it('cancels after a confirmation: unfinished jobs abort as cancelled by an admin', async () => {
    const exportJob = await createExport(idle.fixture.runtime, idle.communityId, {
      data_types: ['POSTS_YOUR_ACTIVITY'],
    });
    const page = await idle.browser.get(`/admin/exports/${exportJob.id}`);
    expect(page.body).toContain(`href="/admin/exports/${exportJob.id}/cancel"`);
    const confirm = await idle.browser.get(`/admin/exports/${exportJob.id}/cancel`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Yes, cancel the export');
    expect(confirm.body).toContain('No, go back');
    expect(confirm.body).toContain('“Cancelled by an admin”');
    // Following the link changed nothing.
    const { counts } = await idle.fixture.runtime.exports.status(exportJob);
    expect(counts.pending).toBe(counts.total);

    const done = await idle.browser.submit(
      `/admin/exports/${exportJob.id}/cancel`,
      {},
      `/admin/exports/${exportJob.id}/cancel`,
    );
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/admin/exports/${exportJob.id}`);
    for (const job of await jobsOf(idle.fixture.runtime, exportJob.id)) {
      expect(job).toMatchObject({ state: 'ABORTED', abortReason: 'CANCELLED_BY_USER' });
    }
    const after = await idle.browser.get(done.location ?? '');
    expect(after.body).toContain('The export was cancelled.');
    expect(after.body).toContain('<span class="state state-ABORTED">Cancelled</span>');
    expect(after.body).toContain('Cancelled by an admin');
    expect(after.body).not.toContain('>Cancel export</a>');
  });

  it('shows only the jobs in the chosen state, and why they aborted', async () => {
    // A member deleted after the export started: their job aborts, the others complete.
    const leaving = await idle.fixture.runtime.communities.addMember(idle.communityId, {
      name: 'Leaving Member',
      email: null,
      status: 'active',
    });
    const members = await idle.fixture.runtime.metadata.members.listActiveIds(idle.communityId);
    const answer = await startExport(
      { data_types: 'POSTS_YOUR_ACTIVITY', members: 'all' },
      idle.browser,
    );
    const exportId = exportIdOf(answer.location);
    await idle.fixture.runtime.communities.setMemberStatus(idle.communityId, leaving.id, 'deleted');
    await runExport(idle.fixture.runtime, exportId);

    const all = await memberJobsOf(exportId, '', idle.browser);
    expect(rowsOf(all)).toHaveLength(members.length);
    const aborted = await memberJobsOf(exportId, '?state=ABORTED', idle.browser);
    expect(rowsOf(aborted)).toHaveLength(1);
    expect(aborted).toContain('Leaving Member');
    for (const row of rowsOf(aborted)) {
      expect(row).toContain('<span class="state state-ABORTED">Aborted</span>');
      expect(row).toContain('Member was deleted or is gone');
    }
    const completed = await memberJobsOf(exportId, '?state=COMPLETED', idle.browser);
    expect(rowsOf(completed)).toHaveLength(members.length - 1);
    expect(completed).not.toContain('Aborted');
    expect(await memberJobsOf(exportId, '?state=FAILED', idle.browser)).toContain(
      'No member job is failed.',
    );
    const page = await idle.browser.get(`/admin/exports/${exportId}?state=ABORTED`);
    expect(page.body).toMatch(/<option value="ABORTED"\s+selected/);
    expect(page.body).toContain('Completed with aborted jobs');
    expect((await idle.browser.get(`/admin/exports/${exportId}?state=DONE`)).status).toBe(400);
  });
});

describe('member jobs in pages', () => {
  it('pages member jobs 25 at a time', async () => {
    const crowd = await seedCommunity(fixture.runtime, 'Crowd', 30);
    const exportJob = await createExport(fixture.runtime, crowd.community.id);
    const admin = await PanelClient.signedIn(
      fixture.app,
      await createPanelAdmin(fixture.runtime, crowd.community.id, 'crowd@example.test'),
    );
    const first = await admin.get(`/admin/exports/${exportJob.id}`);
    const jobsPart = first.body.split('id="member-jobs-heading"')[1] ?? '';
    expect(rowsOf(jobsPart)).toHaveLength(25);
    const next = /<a href="([^"]+)" rel="next">Next<\/a>/.exec(jobsPart)?.[1] ?? '';
    const second = await admin.get(next.replaceAll('&amp;', '&'));
    const secondPart = second.body.split('id="member-jobs-heading"')[1] ?? '';
    expect(rowsOf(secondPart)).toHaveLength(5);
    expect(secondPart).toContain('rel="prev">Previous</a>');
    expect(secondPart).toContain('Crowd member 30');
  });
});

describe('member jobs searched by name or email', () => {
  /** An export of 60 members, every other one a Zoë; its admin and its page's path. */
  let searched: { admin: PanelClient; path: string; zoes: Member[] };

  beforeAll(async () => {
    const { runtime } = fixture;
    const community = await runtime.communities.create('Searchers');
    const zoes: Member[] = [];
    for (let i = 1; i <= 60; i++) {
      const isZoe = i % 2 === 0;
      const member = await runtime.communities.addMember(community.id, {
        name: isZoe ? `Zoë Searcher ${i}` : `Plain Person ${i}`,
        email: isZoe ? `z${i}@searchers.example` : `Plain.Person.${i}@Searchers.example`,
        status: 'active',
      });
      if (isZoe) zoes.push(member);
    }
    const exportJob = await createExport(runtime, community.id);
    searched = {
      admin: await PanelClient.signedIn(
        fixture.app,
        await createPanelAdmin(runtime, community.id, 'searchers@example.test'),
      ),
      path: `/admin/exports/${exportJob.id}`,
      zoes,
    };
  });

  /** The member-jobs part of a page of the export (or of any URL given). */
  async function jobsPart(query: string): Promise<string> {
    const page = await searched.admin.get(`${searched.path}${query}`);
    expect(page.status).toBe(200);
    return page.body.split('id="member-jobs-heading"')[1] ?? '';
  }

  function linkOf(markup: string, rel: 'next' | 'prev'): string {
    const href = new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(markup)?.[1];
    if (href === undefined) throw new Error(`no ${rel} link`);
    return href.replaceAll('&amp;', '&');
  }

  it('says how many member jobs there are and which page of how many this is', async () => {
    const first = await jobsPart('');
    expect(first).toContain('60 member jobs.');
    expect(first).toContain('Page 1 of 3');
    const second = await jobsPart(linkOf(first, 'next').slice(searched.path.length));
    expect(second).toContain('Page 2 of 3');
    expect(rowsOf(second)).toHaveLength(25);
    const third = await jobsPart(linkOf(second, 'next').slice(searched.path.length));
    expect(third).toContain('Page 3 of 3');
    expect(rowsOf(third)).toHaveLength(10);
    const back = await jobsPart(linkOf(third, 'prev').slice(searched.path.length));
    expect(back).toContain('Page 2 of 3');
  });

  it('finds the jobs of members by name, whatever the accents and case, and pages them keeping the search', async () => {
    for (const text of ['zoe', 'ZOË', 'Zoé']) {
      const found = await jobsPart(`?q=${encodeURIComponent(text)}`);
      expect(found).toContain('60 member jobs; 30 match.');
      expect(found).toContain('Page 1 of 2');
      expect(rowsOf(found)).toHaveLength(25);
      for (const row of rowsOf(found)) expect(row).toContain('Zoë Searcher');
    }
    const first = await jobsPart('?q=zoe');
    const next = linkOf(first, 'next');
    expect(new URL(next, 'http://x').searchParams.get('q')).toBe('zoe');
    const second = await jobsPart(next.slice(searched.path.length));
    expect(second).toContain('Page 2 of 2');
    expect(rowsOf(second)).toHaveLength(5);
    expect(second).toContain(`Zoë Searcher 60`);
    expect(new URL(linkOf(second, 'prev'), 'http://x').searchParams.get('q')).toBe('zoe');
    // The search box keeps what was typed, and the live part re-reads the same search.
    const page = await searched.admin.get(`${searched.path}?q=Zo%C3%AB`);
    expect(page.body).toMatch(/<input\s+type="search"\s+id="job-search"\s+name="q"\s+value="Zoë"/);
    const live = liveUrls(page.body).find((url) => url.includes('/fragment/jobs')) ?? '';
    expect(new URL(live, 'http://x').searchParams.get('q')).toBe('Zoë');
    const fragment = await searched.admin.get(live);
    expect(fragment.body).toContain('60 member jobs; 30 match.');
    expect(rowsOf(fragment.body)).toHaveLength(25);
  });

  it('finds them by any part of the email', async () => {
    const found = await jobsPart('?q=PLAIN.PERSON.7%40');
    expect(found).toContain('60 member jobs; 1 matches.');
    expect(rowsOf(found)).toHaveLength(1);
    expect(found).toContain('Plain Person 7');
    expect(found).not.toContain('Page 1 of');
  });

  it('combines the search with the state filter, and says when nothing matches', async () => {
    // One Zoë leaves before the export runs: her job aborts, the 59 others complete.
    const leaving = searched.zoes[2];
    const communityId = leaving?.communityId ?? '';
    await fixture.runtime.communities.setMemberStatus(communityId, leaving?.id ?? '', 'deleted');
    const exportId = searched.path.split('/').at(-1) ?? '';
    await runExport(fixture.runtime, exportId);
    // On a cluster its workers may have run her job before she left: what the page says must
    // follow the jobs' states as they are.
    const jobs = await fixture.runtime.jobs.listUserJobs(exportId, { limit: 100 });
    const stateOf = new Map(jobs.items.map((job) => [job.userId, job.state]));
    const zoesIn = (state: string): Member[] =>
      searched.zoes.filter((zoe) => stateOf.get(zoe.id) === state);
    const [abortedZoes, completedZoes] = [zoesIn('ABORTED'), zoesIn('COMPLETED')];
    expect(abortedZoes.length + completedZoes.length).toBe(30);
    if (!ON_CLUSTER) expect(abortedZoes).toEqual([leaving]);
    const aborted = await jobsPart('?q=zoe&state=ABORTED');
    if (abortedZoes.length > 0) {
      expect(aborted).toContain(`60 member jobs; ${abortedZoes.length} matches.`);
      expect(rowsOf(aborted)).toHaveLength(abortedZoes.length);
      expect(aborted).toContain(leaving?.name);
    } else {
      expect(aborted).toContain(
        'No member job that is aborted is for a member whose name or email contains “zoe”.',
      );
    }
    expect(await jobsPart('?q=plain&state=ABORTED')).toContain(
      'No member job that is aborted is for a member whose name or email contains “plain”.',
    );
    const completed = await jobsPart('?q=zoe&state=COMPLETED');
    expect(completed).toContain(`60 member jobs; ${completedZoes.length} match.`);
    expect(completed).toContain('Page 1 of 2');
    const next = new URL(linkOf(completed, 'next'), 'http://x').searchParams;
    expect([next.get('q'), next.get('state')]).toEqual(['zoe', 'COMPLETED']);
    const page = await searched.admin.get(`${searched.path}?q=zoe&state=COMPLETED`);
    expect(page.body).toMatch(/<option value="COMPLETED"\s+selected/);
    expect(await jobsPart('?q=nobody')).toContain(
      'No member job is for a member whose name or email contains “nobody”.',
    );
  }, 60_000);

  it('shows a search as text, never as markup, and refuses one too long', async () => {
    const hostileText = encodeURIComponent('<b>"x</b>');
    const page = await searched.admin.get(`${searched.path}?q=${hostileText}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('<b>');
    expect(page.body).toContain('value="&lt;b&gt;&quot;x&lt;/b&gt;"');
    expect(page.body).toContain('contains “&lt;b&gt;&quot;x&lt;/b&gt;”');
    const tooLong = await searched.admin.get(`${searched.path}?q=${'z'.repeat(101)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toContain('The member search must have at most 100 characters');
  });

  it('finds a member named like markup, and shows the name as text', async () => {
    const answer = await startExport({ data_types: 'POSTS_YOUR_ACTIVITY', members: 'all' });
    const found = await memberJobsOf(exportIdOf(answer.location), '?q=onerror');
    expect(rowsOf(found)).toHaveLength(1);
    expect(found).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(found).not.toContain(HOSTILE_NAME);
  });
});

describe('the member finder', () => {
  it('finds members whatever the accents and case, and says how many there are in all', async () => {
    const { runtime } = fixture;
    const community = await runtime.communities.create('Finders');
    for (let i = 1; i <= 25; i++) {
      await runtime.communities.addMember(community.id, {
        name: `Zoë Finder ${String(i).padStart(2, '0')}`,
        email: null,
        status: 'active',
      });
    }
    const admin = await PanelClient.signedIn(
      fixture.app,
      await createPanelAdmin(runtime, community.id, 'finders@example.test'),
    );
    const answer = JSON.parse((await admin.get('/admin/members.json?q=ZOE')).body) as {
      members: Member[];
      total: number;
    };
    expect(answer.total).toBe(25);
    expect(answer.members.map((member) => member.name)).toEqual(
      Array.from({ length: 20 }, (_, i) => `Zoë Finder ${String(i + 1).padStart(2, '0')}`),
    );
    const one = JSON.parse((await admin.get('/admin/members.json?q=finder%2007')).body);
    expect(one.total).toBe(1);
  });
});

describe('cancelling and deleting', () => {
  it('deletes after a confirmation: the export is gone', async () => {
    const exportJob = await createExport(fixture.runtime, communityId);
    const confirm = await browser.get(`/admin/exports/${exportJob.id}/delete`);
    expect(confirm.body).toContain('This cannot be undone.');
    expect(confirm.body).toContain('Yes, delete the export');
    const done = await browser.submit(
      `/admin/exports/${exportJob.id}/delete`,
      {},
      `/admin/exports/${exportJob.id}/delete`,
    );
    expect(done.location).toBe('/admin/exports');
    expect((await browser.get(done.location ?? '')).body).toContain('The export was deleted');
    expect((await browser.get(`/admin/exports/${exportJob.id}`)).status).toBe(404);
    await expect(fixture.runtime.exports.get(communityId, exportJob.id)).rejects.toThrow();
  });

  it('refuses forms without the CSRF token and changes nothing', async () => {
    const exportJob = await createExport(fixture.runtime, communityId);
    const before = await fixture.runtime.exports.count(communityId);
    const start = await browser.post('/admin/exports', {
      data_types: 'POSTS_YOUR_ACTIVITY',
      members: 'all',
    });
    expect(start.status).toBe(403);
    expect(await fixture.runtime.exports.count(communityId)).toBe(before);
    for (const action of ['cancel', 'delete']) {
      const answer = await browser.post(`/admin/exports/${exportJob.id}/${action}`, {});
      expect(answer.status).toBe(403);
    }
    // Neither cancelled nor deleted (on a cluster its workers may be running its jobs meanwhile).
    const after = await fixture.runtime.exports.get(communityId, exportJob.id);
    expect(after.cancelRequested).toBe(false);
    expect((await fixture.runtime.exports.status(after)).counts.aborted).toBe(0);
  });
});

describe('what an admin never sees', () => {
  it("answers 404 for another community's export, on every page of it", async () => {
    const id = other.exportId;
    for (const path of [
      `/admin/exports/${id}`,
      `/admin/exports/${id}/fragment/summary`,
      `/admin/exports/${id}/fragment/jobs`,
      `/admin/exports/${id}/cancel`,
      `/admin/exports/${id}/delete`,
      '/admin/exports/not-an-id',
    ]) {
      const answer = await browser.get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).toContain('Not found');
    }
    const cancel = await browser.submit(`/admin/exports/${id}/cancel`, {}, '/admin/exports');
    const remove = await browser.submit(`/admin/exports/${id}/delete`, {}, '/admin/exports');
    expect([cancel.status, remove.status]).toEqual([404, 404]);
    const theirs = await fixture.runtime.exports.get(other.communityId, id);
    expect((await fixture.runtime.exports.status(theirs)).counts.aborted).toBe(0);
  });

  it("shows a member's name as text, never as markup", async () => {
    const answer = await startExport({
      data_types: 'POSTS_YOUR_ACTIVITY',
      members: 'chosen',
      user_ids: hostile.id,
    });
    const page = await browser.get(`/admin/exports/${exportIdOf(answer.location)}`);
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.body).not.toContain('<img');
    const refused = await startExport({ members: 'chosen', user_ids: hostile.id });
    expect(refused.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(refused.body).not.toContain('<img');
  });
});
