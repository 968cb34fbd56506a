/**
 * Writes through the Graph API: creating exports (every parameter validated, the plan of one
 * company job and one job per member), idempotency, cancel and delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_TYPES } from '../src/domain/index.js';
import {
  completeJobWithFiles,
  createExport,
  type GraphAnswer,
  type GraphFixture,
  graph,
  jobsOf,
  localPath,
  type SeededCommunity,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';

let fixture: GraphFixture;
let acme: SeededCommunity;

beforeAll(async () => {
  fixture = await startGraphFixture();
  acme = await seedCommunity(fixture.runtime, 'Acme', 3);
});

afterAll(() => fixture.close());

const create = (form: Record<string, string>): Promise<GraphAnswer> =>
  graph(fixture.app, 'POST', '/community/work_dyi_jobs', { token: acme.manageToken, form });

describe('POST /community/work_dyi_jobs', () => {
  it('creates an export with one company job and one job per active member', async () => {
    const answer = await create({
      data_types: 'WORKPLACE_KNOWLEDGE_LIBRARY,FRIENDS_V2',
      dyi_format: 'CSV',
      media_quality: 'VERY_LOW',
      start_time: '2026-03-01',
      end_time: '2026-04-01T00:00:00+02:00',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id: expect.stringMatching(/^\d{15}$/) });
    const read = await graph(
      fixture.app,
      'GET',
      `/${answer.body.id}?fields=data_types,dyi_format,media_quality,start_time,end_time,is_completed,total_number_of_jobs&date_format=U`,
      { token: acme.readToken },
    );
    expect(read.body).toEqual({
      id: answer.body.id,
      data_types: ['WORKPLACE_KNOWLEDGE_LIBRARY', 'FRIENDS_V2'],
      dyi_format: 'CSV',
      media_quality: 'VERY_LOW',
      start_time: Date.UTC(2026, 2, 1) / 1000,
      end_time: Date.UTC(2026, 2, 31, 22) / 1000,
      is_completed: false,
      total_number_of_jobs: 4,
    });
    const jobs = await jobsOf(fixture.runtime, answer.body.id as string);
    expect(jobs.map((j) => [j.jobType, j.userId, j.dataTypes])).toEqual([
      ['COMPANY', null, ['WORKPLACE_KNOWLEDGE_LIBRARY']],
      ...acme.members.map((m) => ['USER', m.id, ['FRIENDS_V2']]),
    ]);
  });

  it('takes data_types as a JSON array, a repeated field or a JSON body, and Unix times', async () => {
    const json = await create({ data_types: '["MESSENGER_V2"]' });
    expect(json.status).toBe(200);
    const repeated = await fixture.app.inject({
      method: 'POST',
      url: `/community/work_dyi_jobs?access_token=${acme.manageToken}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'data_types=MESSENGER_V2&data_types=WORKPLACE_NOTES&start_time=1767225600',
    });
    expect(repeated.statusCode).toBe(200);
    const body = await fixture.app.inject({
      method: 'POST',
      url: `/community/work_dyi_jobs?access_token=${acme.manageToken}`,
      payload: { data_types: ['SEARCH_LOGGED_INFO'], start_time: 1767225600, end_time: 1767312000 },
    });
    expect(body.statusCode).toBe(200);
    const made = await fixture.runtime.exports.get(
      acme.community.id,
      body.json<{ id: string }>().id,
    );
    expect([
      made.dataTypes,
      made.startTime,
      made.endTime,
      made.dyiFormat,
      made.mediaQuality,
    ]).toEqual([['SEARCH_LOGGED_INFO'], 1767225600, 1767312000, 'JSON', 'HIGH']);
  });

  it.each([
    [{}, 'data_types', DATA_TYPES.join(', ')],
    [{ data_types: 'POSTS' }, 'data_types', 'POSTS_YOUR_ACTIVITY'],
    [{ data_types: '["POSTS_YOUR_ACTIVITY"' }, 'data_types', 'JSON'],
    [{ data_types: 'POSTS_YOUR_ACTIVITY', dyi_format: 'json' }, 'dyi_format', 'HTML_AND_JSON'],
    [{ data_types: 'POSTS_YOUR_ACTIVITY', media_quality: 'ULTRA' }, 'media_quality', 'VERY_HIGH'],
    [{ data_types: 'POSTS_YOUR_ACTIVITY', start_time: 'yesterday' }, 'start_time', 'ISO 8601'],
    [{ data_types: 'POSTS_YOUR_ACTIVITY', end_time: '2026-13-45' }, 'end_time', 'Unix'],
    [
      { data_types: 'POSTS_YOUR_ACTIVITY', start_time: '2026-05-01', end_time: '2026-04-01' },
      'end_time',
      'later than start_time',
    ],
    [{ data_types: 'POSTS_YOUR_ACTIVITY', user_ids: 'abc' }, 'user_ids', 'numeric'],
    [
      { data_types: 'POSTS_YOUR_ACTIVITY', user_ids: '100000000099999' },
      'user_ids',
      'not a member',
    ],
    [
      { data_types: 'POSTS_YOUR_ACTIVITY', idempotency_key: 'has space' },
      'idempotency_key',
      'printable',
    ],
    [
      { data_types: 'POSTS_YOUR_ACTIVITY', keep_original_media: 'true' },
      'keep_original_media',
      'media_quality=VERY_HIGH; got media_quality=HIGH',
    ],
    [
      { data_types: 'POSTS_YOUR_ACTIVITY', media_quality: 'LOW', keep_original_media: '1' },
      'keep_original_media',
      'media_quality=VERY_HIGH; got media_quality=LOW',
    ],
    [
      { data_types: 'POSTS_YOUR_ACTIVITY', media_quality: 'VERY_HIGH', keep_original_media: 'yes' },
      'keep_original_media',
      'true or false',
    ],
    [
      { data_types: 'POSTS_YOUR_ACTIVITY', withhold_others_media: 'others' },
      'withhold_others_media',
      'true or false',
    ],
  ])('refuses %j naming %s and what is allowed', async (form, parameter, allowed) => {
    const before = await fixture.runtime.exports.count(acme.community.id);
    const answer = await create(form);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(100);
    expect(answer.body.error.message).toContain(parameter);
    expect(answer.body.error.message).toContain(allowed);
    expect(await fixture.runtime.exports.count(acme.community.id)).toBe(before);
  });

  it('keeps the media options it was created with, and returns them as fields (false by default)', async () => {
    const fields = 'fields=media_quality,keep_original_media,withhold_others_media';
    const read = async (id: unknown) =>
      (await graph(fixture.app, 'GET', `/${String(id)}?${fields}`, { token: acme.readToken })).body;
    const plain = await create({ data_types: 'POSTS_YOUR_ACTIVITY' });
    expect(await read(plain.body.id)).toEqual({
      id: plain.body.id,
      media_quality: 'HIGH',
      keep_original_media: false,
      withhold_others_media: false,
    });
    const both = await fixture.app.inject({
      method: 'POST',
      url: `/community/work_dyi_jobs?access_token=${acme.manageToken}`,
      payload: {
        data_types: ['MESSENGER_V2'],
        media_quality: 'VERY_HIGH',
        keep_original_media: true,
        withhold_others_media: true,
      },
    });
    expect(both.statusCode).toBe(200);
    expect(await read(both.json<{ id: string }>().id)).toMatchObject({
      media_quality: 'VERY_HIGH',
      keep_original_media: true,
      withhold_others_media: true,
    });
    const withheld = await create({ data_types: 'MESSENGER_V2', withhold_others_media: 'true' });
    expect(await read(withheld.body.id)).toMatchObject({
      keep_original_media: false,
      withhold_others_media: true,
    });
  });

  it('keeps an optional name, trimmed, returned only when asked for, and refuses a bad one', async () => {
    // A community of its own: the other cases use up Acme's export rate limit.
    const globex = await seedCommunity(fixture.runtime, 'Globex', 1);
    const createIn = (form: Record<string, string>) =>
      graph(fixture.app, 'POST', '/community/work_dyi_jobs', { token: globex.manageToken, form });
    for (const [name, allowed] of [
      ['n'.repeat(101), 'at most 100 characters on one line'],
      ['Q1\nlegal hold', 'character 3 is a control character (U+000A)'],
    ] as const) {
      const refused = await createIn({ data_types: 'POSTS_YOUR_ACTIVITY', name });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 100 });
      expect(refused.body.error.message).toContain(`name must be`);
      expect(refused.body.error.message).toContain(allowed);
    }
    const named = await createIn({ data_types: 'POSTS_YOUR_ACTIVITY', name: '  Q1 legal hold ' });
    expect(named.status).toBe(200);
    const id = String(named.body.id);
    const read = async (query: string) =>
      (await graph(fixture.app, 'GET', `/${id}${query}`, { token: globex.readToken })).body;
    expect(await read('?fields=name')).toEqual({ id, name: 'Q1 legal hold' });
    // The default fields stay as they were: a client that never asks never sees it.
    expect(Object.keys(await read(''))).toEqual(['id', 'create_time', 'is_completed']);
    const plainId = (await createExport(fixture.runtime, globex.community.id)).id;
    const plain = await graph(fixture.app, 'GET', `/${plainId}?fields=name`, {
      token: globex.readToken,
    });
    expect(plain.body).toEqual({ id: plainId });
  });

  it('includes deactivated members only when named, and members of another community never', async () => {
    const [first, second] = acme.members;
    await fixture.runtime.communities.setMemberStatus(
      acme.community.id,
      second?.id ?? '',
      'deactivated',
    );
    const all = await create({ data_types: 'POSTS_YOUR_ACTIVITY' });
    expect(
      (await jobsOf(fixture.runtime, all.body.id as string)).map((j) => j.userId),
    ).not.toContain(second?.id);
    const named = await create({
      data_types: 'POSTS_YOUR_ACTIVITY',
      user_ids: `${second?.id},${first?.id}`,
    });
    expect((await jobsOf(fixture.runtime, named.body.id as string)).map((j) => j.userId)).toEqual([
      null,
      first?.id,
      second?.id,
    ]);
    await fixture.runtime.communities.setMemberStatus(
      acme.community.id,
      second?.id ?? '',
      'active',
    );
    const other = await seedCommunity(fixture.runtime, 'Other', 1);
    const foreign = await create({
      data_types: 'POSTS_YOUR_ACTIVITY',
      user_ids: other.members[0]?.id ?? '',
    });
    expect(foreign.status).toBe(400);
  });

  it('gives racing creates with one idempotency key one export', async () => {
    const form = { data_types: 'FRIENDS_V2', idempotency_key: 'race-2026-11-29' };
    const before = await fixture.runtime.exports.count(acme.community.id);
    // Through the service, so that all three pass the "is this key known?" read before any
    // of them writes: the database's unique index decides, and the losers answer as repeats.
    const made = await Promise.all(
      [1, 2, 3].map(() => fixture.runtime.exports.create(acme.community.id, form)),
    );
    expect(new Set(made.map((m) => m.id)).size).toBe(1);
    expect(await fixture.runtime.exports.count(acme.community.id)).toBe(before + 1);
  });

  it('returns the same export for a repeated idempotency key, and refuses it with other parameters', async () => {
    const form = { data_types: 'POSTS_YOUR_ACTIVITY', idempotency_key: 'nightly-2026-11-29' };
    const first = await create(form);
    const again = await create(form);
    expect(again.body.id).toBe(first.body.id);
    const different = await create({ ...form, dyi_format: 'HTML' });
    expect(different.status).toBe(400);
    expect(different.body.error.message).toContain('idempotency_key');
    const withheld = await create({ ...form, withhold_others_media: 'true' });
    expect(withheld.status).toBe(400);
    expect(withheld.body.error.message).toContain('idempotency_key');
  });
});

describe('POST /{id}/cancel', () => {
  it('aborts unfinished jobs with CANCELLED_BY_USER and keeps finished jobs and files', async () => {
    const made = await createExport(fixture.runtime, acme.community.id);
    const [company, firstUser, secondUser] = await jobsOf(fixture.runtime, made.id);
    if (!company || !firstUser || !secondUser) throw new Error('expected three jobs');
    const kept = await completeJobWithFiles(fixture.runtime, company, ['company bytes']);
    await fixture.runtime.jobs.start(firstUser.id, 'test-run');
    const answer = await graph(fixture.app, 'POST', `/${made.id}/cancel`, {
      token: acme.manageToken,
    });
    expect(answer.body).toEqual({ success: true });
    const states = await graph(
      fixture.app,
      'GET',
      `/${made.id}/user_dyi_jobs?fields=job_state,abort_reason,state_message`,
      { token: acme.readToken },
    );
    for (const job of states.body.data as Record<string, string>[]) {
      expect(job).toMatchObject({ job_state: 'ABORTED', abort_reason: 'CANCELLED_BY_USER' });
      expect(job.state_message).toContain('cancelled');
    }
    const exportAnswer = await graph(
      fixture.app,
      'GET',
      `/${made.id}?fields=is_completed,abort_reason,total_number_of_completed_jobs,is_cancelled`,
      { token: acme.readToken },
    );
    expect(exportAnswer.body).toEqual({
      id: made.id,
      is_completed: true,
      abort_reason: 'CANCELLED_BY_USER',
      total_number_of_completed_jobs: 1,
      is_cancelled: true,
    });
    const files = await graph(fixture.app, 'GET', `/${company.id}/files`, {
      token: acme.readToken,
    });
    expect(files.body.data.map((f: { id: string }) => f.id)).toEqual(kept.map((f) => f.id));
  });

  it('is only for exports', async () => {
    const made = await createExport(fixture.runtime, acme.community.id);
    const company = await fixture.runtime.exports.companyJob(made.id);
    const answer = await graph(fixture.app, 'POST', `/${company.id}/cancel`, {
      token: acme.manageToken,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(2500);
  });
});

describe('DELETE /{id}', () => {
  it('deletes the export, its jobs and the bytes of its files', async () => {
    const made = await createExport(fixture.runtime, acme.community.id);
    const [company] = await jobsOf(fixture.runtime, made.id);
    if (!company) throw new Error('expected a company job');
    const [file] = await completeJobWithFiles(fixture.runtime, company, ['to be deleted']);
    const listed = await graph(fixture.app, 'GET', `/${company.id}/files`, {
      token: acme.readToken,
    });
    const url = localPath(listed.body.data[0].download_url as string);
    // The blob store the server uses: the data dir's blobs/, or the cluster's bucket.
    const blobKey = file?.blobKey ?? 'missing';
    expect(await fixture.runtime.blobs.stat(blobKey)).toEqual({ size: 13 });

    const answer = await graph(fixture.app, 'DELETE', `/${made.id}`, { token: acme.manageToken });
    expect(answer.body).toEqual({ success: true });
    expect(await fixture.runtime.blobs.stat(blobKey)).toBeUndefined();
    for (const id of [made.id, company.id, file?.id]) {
      const gone = await graph(fixture.app, 'GET', `/${id}`, { token: acme.readToken });
      expect(gone.body.error.error_subcode).toBe(33);
    }
    const download = await fixture.app.inject({ url });
    expect(download.statusCode).toBeGreaterThanOrEqual(400);
  });

  it('refuses to delete a job or a file, and a read-only token', async () => {
    const made = await createExport(fixture.runtime, acme.community.id);
    const company = await fixture.runtime.exports.companyJob(made.id);
    const job = await graph(fixture.app, 'DELETE', `/${company.id}`, { token: acme.manageToken });
    expect(job.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect(job.body.error.message).toContain('Unsupported delete request');
    const readOnly = await graph(fixture.app, 'DELETE', `/${made.id}`, { token: acme.readToken });
    expect(readOnly.status).toBe(403);
    expect(await fixture.runtime.exports.get(acme.community.id, made.id)).toBeDefined();
  });
});
