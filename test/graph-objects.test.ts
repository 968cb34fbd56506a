/**
 * Every endpoint and every field of the spec's tables, read through the HTTP API: types,
 * values and defaults as GRAPH-API.md fixes them.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPANY_DATA_TYPES, type DyiFile, type ExportJob } from '../src/domain/index.js';
import {
  completeJobWithFiles,
  createExport,
  type GraphFixture,
  graph,
  jobsOf,
  localPath,
  type SeededCommunity,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';

const GRAPH_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/;

let fixture: GraphFixture;
let acme: SeededCommunity;
let done: ExportJob;
let pending: ExportJob;
const filesByJob = new Map<string, DyiFile[]>();

beforeAll(async () => {
  fixture = await startGraphFixture();
  acme = await seedCommunity(fixture.runtime, 'Acme', 3);
  done = await createExport(fixture.runtime, acme.community.id, {
    data_types: ['WORKPLACE_COMPANY_METADATA_GROUPS', 'POSTS_YOUR_ACTIVITY', 'MESSENGER_V2'],
    dyi_format: 'HTML_AND_JSON',
    media_quality: 'LOW',
    start_time: '2026-02-01T00:00:00Z',
    end_time: 1785542400,
  });
  for (const job of await jobsOf(fixture.runtime, done.id)) {
    filesByJob.set(
      job.id,
      await completeJobWithFiles(fixture.runtime, job, [
        `first part of ${job.id}`,
        `second ${job.id}`,
      ]),
    );
  }
  pending = await createExport(fixture.runtime, acme.community.id);
});

afterAll(() => fixture.close());

describe('GET /community', () => {
  it('returns the token community id and name by default', async () => {
    const answer = await graph(fixture.app, 'GET', '/community', { token: acme.readToken });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id: acme.community.id, name: 'Acme' });
  });

  it('answers the same for the community id itself', async () => {
    const answer = await graph(fixture.app, 'GET', `/${acme.community.id}?fields=name`, {
      token: acme.readToken,
    });
    expect(answer.body).toEqual({ id: acme.community.id, name: 'Acme' });
  });
});

describe('GET /community/work_dyi_jobs', () => {
  it('lists exports newest first with id, create_time and is_completed', async () => {
    const answer = await graph(fixture.app, 'GET', '/community/work_dyi_jobs', {
      token: acme.readToken,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual([
      { id: pending.id, create_time: expect.stringMatching(GRAPH_DATE), is_completed: false },
      { id: done.id, create_time: expect.stringMatching(GRAPH_DATE), is_completed: true },
    ]);
    expect(answer.body.paging.next).toBeUndefined();
  });
});

describe('GET /{work_dyi_job_id}', () => {
  const allFields =
    'id,abort_reason,company_job,create_time,data_types,dyi_format,end_time,is_completed,media_quality,start_time,total_number_of_completed_jobs';

  it('returns every field of the spec with its type', async () => {
    const answer = await graph(fixture.app, 'GET', `/${done.id}?fields=${allFields}`, {
      token: acme.readToken,
    });
    expect(answer.status).toBe(200);
    const company = await fixture.runtime.exports.companyJob(done.id);
    expect(answer.body).toEqual({
      id: done.id,
      company_job: { id: company.id },
      create_time: expect.stringMatching(GRAPH_DATE),
      // In the spec's order, whatever order they were asked in.
      data_types: ['WORKPLACE_COMPANY_METADATA_GROUPS', 'MESSENGER_V2', 'POSTS_YOUR_ACTIVITY'],
      dyi_format: 'HTML_AND_JSON',
      end_time: '2026-08-01T00:00:00+0000',
      is_completed: true,
      media_quality: 'LOW',
      start_time: '2026-02-01T00:00:00+0000',
      total_number_of_completed_jobs: 4,
    });
    // abort_reason has no value until a job aborts, and Graph leaves such fields out.
    expect(answer.body).not.toHaveProperty('abort_reason');
  });

  it('defaults to id, create_time and is_completed', async () => {
    const answer = await graph(fixture.app, 'GET', `/${pending.id}`, { token: acme.readToken });
    expect(Object.keys(answer.body)).toEqual(['id', 'create_time', 'is_completed']);
    expect(answer.body.is_completed).toBe(false);
  });

  it('adds job counts and progress when asked', async () => {
    const answer = await graph(
      fixture.app,
      'GET',
      `/${pending.id}?fields=total_number_of_jobs,total_number_of_completed_jobs,total_number_of_aborted_jobs,total_number_of_failed_jobs,progress`,
      { token: acme.readToken },
    );
    expect(answer.body).toEqual({
      id: pending.id,
      total_number_of_jobs: 4,
      total_number_of_completed_jobs: 0,
      total_number_of_aborted_jobs: 0,
      total_number_of_failed_jobs: 0,
      progress: 0,
    });
  });

  it('expands company_job and user_dyi_jobs with nested fields', async () => {
    const answer = await graph(
      fixture.app,
      'GET',
      `/${done.id}?fields=company_job{id,job_state,job_type,files{file_size}},user_dyi_jobs.limit(2).summary(true){id,user{name}}`,
      { token: acme.readToken },
    );
    const company = await fixture.runtime.exports.companyJob(done.id);
    const companyFiles = filesByJob.get(company.id) ?? [];
    expect(answer.body.company_job).toMatchObject({
      id: company.id,
      job_state: 'COMPLETED',
      job_type: 'COMPANY',
      files: { data: companyFiles.map((f) => ({ id: f.id, file_size: f.size })) },
    });
    const users = answer.body.user_dyi_jobs;
    expect(users.data).toHaveLength(2);
    expect(users.data[0].user).toEqual({ id: acme.members[0]?.id, name: 'Acme member 1' });
    expect(users.summary).toEqual({ total_count: 3 });
    const next = await graph(fixture.app, 'GET', localPath(users.paging.next as string));
    expect(next.body.data).toHaveLength(1);
    expect(next.body.data[0].user.name).toBe('Acme member 3');
    expect(next.body.paging.next).toBeUndefined();
  });
});

describe('GET /{dyi_job_id}', () => {
  const allFields =
    'id,abort_reason,create_time,data_types,end_time,job_state,media_quality,start_time';

  it('returns every field of the spec for the company job', async () => {
    const company = await fixture.runtime.exports.companyJob(done.id);
    const answer = await graph(fixture.app, 'GET', `/${company.id}?fields=${allFields}`, {
      token: acme.readToken,
    });
    expect(answer.body).toEqual({
      id: company.id,
      create_time: expect.stringMatching(GRAPH_DATE),
      data_types: ['WORKPLACE_COMPANY_METADATA_GROUPS'],
      end_time: '2026-08-01T00:00:00+0000',
      job_state: 'COMPLETED',
      media_quality: 'LOW',
      start_time: '2026-02-01T00:00:00+0000',
    });
  });

  it('gives a user job the user-scoped data types and its member', async () => {
    const [, userJob] = await jobsOf(fixture.runtime, done.id);
    const answer = await graph(
      fixture.app,
      'GET',
      `/${userJob?.id}?fields=data_types,job_type,user{id,name,email},work_dyi_job,progress`,
      { token: acme.readToken },
    );
    expect(answer.body).toEqual({
      id: userJob?.id,
      data_types: ['MESSENGER_V2', 'POSTS_YOUR_ACTIVITY'],
      job_type: 'USER',
      user: { id: acme.members[0]?.id, name: 'Acme member 1', email: 'm1@acme.example' },
      work_dyi_job: { id: done.id },
      progress: 100,
    });
    for (const type of answer.body.data_types as string[]) {
      expect(COMPANY_DATA_TYPES).not.toContain(type);
    }
  });

  it('defaults to id and job_state', async () => {
    const company = await fixture.runtime.exports.companyJob(pending.id);
    const answer = await graph(fixture.app, 'GET', `/${company.id}`, { token: acme.readToken });
    expect(answer.body).toEqual({ id: company.id, job_state: 'PENDING' });
  });
});

describe('GET /{work_dyi_job_id}/user_dyi_jobs', () => {
  it('lists one job per included member with id and job_state', async () => {
    const answer = await graph(fixture.app, 'GET', `/${done.id}/user_dyi_jobs`, {
      token: acme.readToken,
    });
    const [, ...userJobs] = await jobsOf(fixture.runtime, done.id);
    expect(answer.body.data).toEqual(userJobs.map((j) => ({ id: j.id, job_state: 'COMPLETED' })));
  });
});

describe('GET /{dyi_job_id}/files and GET /{file_id}', () => {
  it('lists id, download_url and file_size by default', async () => {
    const company = await fixture.runtime.exports.companyJob(done.id);
    const answer = await graph(fixture.app, 'GET', `/${company.id}/files`, {
      token: acme.readToken,
    });
    const stored = filesByJob.get(company.id) ?? [];
    expect(answer.body.data).toEqual(
      stored.map((f) => ({ id: f.id, download_url: expect.any(String), file_size: f.size })),
    );
    for (const [index, file] of (answer.body.data as { download_url: string }[]).entries()) {
      const download = await fixture.app.inject({ url: localPath(file.download_url) });
      expect(download.statusCode).toBe(200);
      expect(sha256(download.rawPayload)).toBe(stored[index]?.sha256);
    }
  });

  it('gives a file its added fields when asked', async () => {
    const file = filesByJob.get((await fixture.runtime.exports.companyJob(done.id)).id)?.[1];
    const answer = await graph(
      fixture.app,
      'GET',
      `/${file?.id}?fields=id,name,sha256,content_type,part_number,file_size,expires_time,dyi_job&date_format=U`,
      { token: acme.readToken },
    );
    expect(answer.body).toEqual({
      id: file?.id,
      name: file?.name,
      sha256: file?.sha256,
      content_type: 'application/zip',
      part_number: 2,
      file_size: file?.size,
      expires_time: expect.any(Number),
      dyi_job: { id: file?.jobId },
    });
    const now = Math.floor(Date.now() / 1000);
    expect(answer.body.expires_time).toBeGreaterThan(now + 3500);
    expect(answer.body.expires_time).toBeLessThanOrEqual(now + 3601);
  });
});

describe('GET /?ids=', () => {
  it('returns several objects keyed by id with the asked fields', async () => {
    const company = await fixture.runtime.exports.companyJob(done.id);
    const answer = await graph(
      fixture.app,
      'GET',
      `/?ids=${done.id},${company.id},community&fields=id`,
      { token: acme.readToken },
    );
    expect(answer.body).toEqual({
      [done.id]: { id: done.id },
      [company.id]: { id: company.id },
      community: { id: acme.community.id },
    });
  });

  it('fails whole when one id does not exist', async () => {
    const answer = await graph(fixture.app, 'GET', `/?ids=${done.id},100000000099999`, {
      token: acme.readToken,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });
});

describe('date_format=U', () => {
  it('writes every datetime field as Unix seconds', async () => {
    const answer = await graph(
      fixture.app,
      'GET',
      `/${done.id}?fields=create_time,start_time,end_time&date_format=U`,
      { token: acme.readToken },
    );
    expect(answer.body).toEqual({
      id: done.id,
      create_time: done.createTime,
      start_time: 1769904000,
      end_time: 1785542400,
    });
  });
});

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
