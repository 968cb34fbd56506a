/**
 * @module
 * Every way a DYI job ends without its archive, produced for real on real stores and checked as
 * an API client sees it: the job's `job_state`, `abort_reason` and `state_message`, an empty
 * `files` edge, and nothing of the job left in the blob directory (nor any upload half done).
 * - TARGET_NOT_VISIBLE: the member is deleted after the export was planned, before the job runs.
 * - CANCELLED_BY_USER: the export is cancelled through the API while the job streams its parts;
 *   the run stops within 2 seconds and takes back the parts it had stored.
 * - ARCHIVE_TOO_BIG: the job's output passes DYI_MAX_JOB_BYTES after some parts were stored.
 * - FAILED: a job whose media file is missing throws on every attempt; the worker retries it
 *   after 1 s, then 4 s (on the queue's clock, which the test holds), then marks it FAILED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunity } from '../src/content/seed-community.js';
import { DATA_TYPES, type DyiFile } from '../src/domain/index.js';
import { ExportWorker, type WorkerEvent } from '../src/export/export-worker.js';
import type { JobOutcome } from '../src/export/job-runner.js';
import { runExport } from './support/archives.js';
import {
  addBulkyMember,
  blobsUnder,
  memberRecordOf,
  recordingRunner,
  tokensFor,
  unfinishedBlobWrites,
  waitFor,
} from './support/export-scenarios.js';
import {
  type GraphFixture,
  graph,
  ManualClock,
  startGraphFixture,
} from './support/graph-fixture.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const START_TIME = '2024-01-01T00:00:00Z';
const END_TIME = '2026-01-01T00:00:00Z';
/** When the test members' posts and media were made: inside [START_TIME, END_TIME). */
const POST_TIME = Date.UTC(2025, 0, 15) / 1000;

interface JobView {
  readonly id: string;
  readonly job_state: string;
  readonly abort_reason?: string;
  readonly state_message?: string;
  readonly user?: { readonly id: string };
}

/** A community's export, as its API shows it. */
class ExportApi {
  constructor(
    private readonly fixture: GraphFixture,
    readonly tokens: { readToken: string; manageToken: string },
  ) {}

  /** Creates an export through `POST /community/work_dyi_jobs`; returns its id. */
  async create(params: Record<string, string>): Promise<string> {
    const created = await graph(this.fixture.app, 'POST', '/v22.0/community/work_dyi_jobs', {
      token: this.tokens.manageToken,
      form: {
        dyi_format: 'JSON',
        media_quality: 'VERY_HIGH',
        start_time: START_TIME,
        end_time: END_TIME,
        ...params,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return (created.body as { id: string }).id;
  }

  async cancel(exportId: string): Promise<void> {
    const answer = await graph(this.fixture.app, 'POST', `/v22.0/${exportId}/cancel`, {
      token: this.tokens.manageToken,
    });
    expect(answer).toMatchObject({ status: 200, body: { success: true } });
  }

  async job(jobId: string): Promise<JobView> {
    const answer = await graph(
      this.fixture.app,
      'GET',
      `/v22.0/${jobId}?fields=id,job_state,abort_reason,state_message,user`,
      { token: this.tokens.readToken },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as JobView;
  }

  async exportStatus(exportId: string): Promise<unknown> {
    const answer = await graph(
      this.fixture.app,
      'GET',
      `/v22.0/${exportId}?fields=is_completed,abort_reason`,
      { token: this.tokens.readToken },
    );
    return answer.body;
  }

  /** The company job and then every user job of the export. */
  async jobs(exportId: string): Promise<JobView[]> {
    const exportJob = await graph(
      this.fixture.app,
      'GET',
      `/v22.0/${exportId}?fields=company_job`,
      {
        token: this.tokens.readToken,
      },
    );
    const users = await graph(
      this.fixture.app,
      'GET',
      `/v22.0/${exportId}/user_dyi_jobs?fields=id&limit=100`,
      { token: this.tokens.readToken },
    );
    const { company_job: company } = exportJob.body as { company_job: { id: string } };
    const { data } = users.body as { data: { id: string }[] };
    return Promise.all([company, ...data].map((job) => this.job(job.id)));
  }

  /** The files edge of a job (all of them: tests keep jobs under 100 parts). */
  async files(jobId: string): Promise<{ id: string; file_size: number; sha256: string }[]> {
    const answer = await graph(
      this.fixture.app,
      'GET',
      `/v22.0/${jobId}/files?fields=id,file_size,sha256&limit=100`,
      { token: this.tokens.readToken },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return (answer.body as { data: { id: string; file_size: number; sha256: string }[] }).data;
  }

  /** Whether `GET /{id}` finds the object (a removed file answers 400, code 100, subcode 33). */
  async exists(id: string): Promise<boolean> {
    const answer = await graph(this.fixture.app, 'GET', `/v22.0/${id}`, {
      token: this.tokens.readToken,
    });
    if (answer.status === 200) return true;
    expect(answer.body).toMatchObject({ error: { code: 100, error_subcode: 33 } });
    return false;
  }
}

/**
 * Asserts that a job has no file rows and no bytes in the blob store (the blob directory, or
 * the cluster's bucket), and that no upload is half done.
 */
async function expectNothingLeft(
  fixture: GraphFixture,
  api: ExportApi,
  exportId: string,
  jobId: string,
  stored: readonly DyiFile[] = [],
): Promise<void> {
  expect(await api.files(jobId)).toEqual([]);
  expect(await blobsUnder(fixture, `exports/${exportId}/${jobId}/`)).toEqual([]);
  expect(await unfinishedBlobWrites(fixture)).toEqual([]);
  for (const file of stored.filter((file) => file.jobId === jobId)) {
    expect(await api.exists(file.id), `file ${file.id} was removed`).toBe(false);
    expect(await fixture.runtime.blobs.stat(file.blobKey)).toBeUndefined();
  }
}

describe('with the default job size limit', () => {
  let fixture: GraphFixture;
  let api: ExportApi;
  let communityId: string;

  beforeAll(async () => {
    // Parts of at most 1.5 MiB: each holds one 1 MiB attachment, so parts are stored early.
    fixture = await startGraphFixture({ maxPartBytes: 1.5 * MIB });
    communityId = (await seedCommunity(fixture.runtime, { users: 4, seed: 21 })).communityId;
    api = new ExportApi(fixture, await tokensFor(fixture.runtime, communityId));
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('aborts TARGET_NOT_VISIBLE for a member deleted after the export was planned', async () => {
    const exportId = await api.create({ data_types: DATA_TYPES.join(',') });
    const jobs = await api.jobs(exportId);
    const [, deletedJob, ...others] = jobs;
    const userId = deletedJob?.user?.id;
    if (!deletedJob || !userId) throw new Error('the export has no user job');
    expect(others.length).toBeGreaterThan(0);

    const record = await memberRecordOf(fixture.runtime, communityId, userId);
    await fixture.runtime.content.write(communityId, [{ ...record, status: 'deleted' }]);
    const outcomes = await runExport(fixture.runtime, exportId);

    expect(outcomes.get(deletedJob.id)).toBe('ABORTED');
    const seen = await api.job(deletedJob.id);
    expect(seen).toMatchObject({ job_state: 'ABORTED', abort_reason: 'TARGET_NOT_VISIBLE' });
    expect(seen.state_message).toContain(`Member ${userId} is deleted`);
    await expectNothingLeft(fixture, api, exportId, deletedJob.id);
    // The other jobs ran as usual, and the export is complete, showing why one job is not.
    for (const job of [jobs[0], ...others]) {
      expect((await api.job(job?.id ?? '')).job_state).toBe('COMPLETED');
      expect((await api.files(job?.id ?? '')).length).toBeGreaterThan(0);
    }
    expect(await api.exportStatus(exportId)).toMatchObject({
      is_completed: true,
      abort_reason: 'TARGET_NOT_VISIBLE',
    });
  });
});

// A fixture of its own, on which no worker runs (in the scale-out run, the first describe's
// runExport started the cluster's workers, which would take this job too): the job runs here,
// in the test's own runner, and the cancel reaches it from an API process through the store.
describe('cancelling an export while its job runs', () => {
  let fixture: GraphFixture;
  let api: ExportApi;
  let communityId: string;

  beforeAll(async () => {
    fixture = await startGraphFixture({ maxPartBytes: 1.5 * MIB });
    communityId = (await fixture.runtime.communities.create('Cancelled While Running')).id;
    api = new ExportApi(fixture, await tokensFor(fixture.runtime, communityId));
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('stops a running job within 2 s of a cancel through the API and removes its parts', async () => {
    // 600 attachments of 1 MiB: about 6 s of work here, far longer than the test lets it run.
    const { memberId } = await addBulkyMember(fixture.runtime, communityId, {
      sourceId: 'bulky-cancelled',
      posts: 600,
      fileBytes: MIB,
      time: POST_TIME,
    });
    const exportId = await api.create({ data_types: 'POSTS_YOUR_ACTIVITY', user_ids: memberId });
    const [companyJob, userJob] = await api.jobs(exportId);
    if (!companyJob || !userJob) throw new Error('the export has no user job');

    const { runner, stored } = recordingRunner(fixture.runtime);
    let settled: { outcome?: JobOutcome; error?: unknown; at: number } | undefined;
    const running = runner.run(userJob.id).then(
      (outcome) => (settled = { outcome, at: Date.now() }),
      (error: unknown) => (settled = { error, at: Date.now() }),
    );
    try {
      await waitFor(
        'the job to be IN_PROGRESS with a stored part',
        async () =>
          (await api.job(userJob.id)).job_state === 'IN_PROGRESS' &&
          (await api.files(userJob.id)).length > 0
            ? true
            : undefined,
        { timeoutMs: 10_000, intervalMs: 20 },
      );
      expect(settled).toBeUndefined();

      const cancelledAt = Date.now();
      await api.cancel(exportId);
      await waitFor('the run to stop', () => Promise.resolve(settled), {
        timeoutMs: 2000,
        intervalMs: 20,
      });
      expect(settled).toMatchObject({ outcome: 'ABORTED' });
      expect((settled?.at ?? Infinity) - cancelledAt).toBeLessThan(2000);
    } finally {
      await running;
    }

    const seen = await api.job(userJob.id);
    expect(seen).toMatchObject({ job_state: 'ABORTED', abort_reason: 'CANCELLED_BY_USER' });
    expect(seen.state_message).toMatch(/cancelled/);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThan(600);
    await expectNothingLeft(fixture, api, exportId, userJob.id, stored);
    // The company job never ran: it is cancelled too, with nothing stored.
    expect(await api.job(companyJob.id)).toMatchObject({
      job_state: 'ABORTED',
      abort_reason: 'CANCELLED_BY_USER',
    });
    await expectNothingLeft(fixture, api, exportId, companyJob.id);
  });
});

describe('deleting an export while its job runs', () => {
  let fixture: GraphFixture;
  let api: ExportApi;
  let communityId: string;

  beforeAll(async () => {
    fixture = await startGraphFixture({ maxPartBytes: 1.5 * MIB });
    communityId = (await fixture.runtime.communities.create('Deleted While Running')).id;
    api = new ExportApi(fixture, await tokensFor(fixture.runtime, communityId));
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('stops the job, and leaves no file, row or byte of the export behind', async () => {
    const { memberId } = await addBulkyMember(fixture.runtime, communityId, {
      sourceId: 'bulky-deleted',
      posts: 600,
      fileBytes: MIB,
      time: POST_TIME,
    });
    const exportId = await api.create({ data_types: 'POSTS_YOUR_ACTIVITY', user_ids: memberId });
    const [, userJob] = await api.jobs(exportId);
    if (!userJob) throw new Error('the export has no user job');

    const { runner, stored } = recordingRunner(fixture.runtime);
    let settled: { outcome?: JobOutcome; error?: unknown } | undefined;
    const running = runner.run(userJob.id).then(
      (outcome) => (settled = { outcome }),
      (error: unknown) => (settled = { error }),
    );
    try {
      await waitFor(
        'the job to have stored a part',
        async () => ((await api.files(userJob.id)).length > 0 ? true : undefined),
        { timeoutMs: 10_000, intervalMs: 20 },
      );
      const deleted = await graph(fixture.app, 'DELETE', `/v22.0/${exportId}`, {
        token: api.tokens.manageToken,
      });
      expect(deleted).toMatchObject({ status: 200, body: { success: true } });
      await waitFor('the run to stop', () => Promise.resolve(settled), {
        timeoutMs: 5000,
        intervalMs: 20,
      });
    } finally {
      await running;
    }

    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThan(600);
    // Deleted with its export, the job has no row left to fail or retry: the run just ends.
    expect(settled).toEqual({ outcome: 'SKIPPED' });
    expect(await api.exists(exportId)).toBe(false);
    expect(await api.exists(userJob.id)).toBe(false);
    for (const file of stored) {
      expect(await api.exists(file.id), `file ${file.id}`).toBe(false);
      expect(await fixture.runtime.blobs.stat(file.blobKey)).toBeUndefined();
    }
    expect(await blobsUnder(fixture, `exports/${exportId}/`)).toEqual([]);
    expect(await unfinishedBlobWrites(fixture)).toEqual([]);
  });
});

describe('with DYI_MAX_JOB_BYTES of 200 KiB', () => {
  const LIMIT = 200 * KIB;
  let fixture: GraphFixture;
  let api: ExportApi;
  let communityId: string;

  beforeAll(async () => {
    // Parts of at most 64 KiB: the member's job stores several parts before it passes the limit.
    fixture = await startGraphFixture({ maxJobBytes: LIMIT, maxPartBytes: 64 * KIB });
    communityId = (await fixture.runtime.communities.create('Big Archives')).id;
    api = new ExportApi(fixture, await tokensFor(fixture.runtime, communityId));
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('aborts ARCHIVE_TOO_BIG naming the limit and the size reached, and removes the parts', async () => {
    // 40 attachments of 40 KiB (one per part): 1.6 MiB, eight times the limit.
    const { memberId } = await addBulkyMember(fixture.runtime, communityId, {
      sourceId: 'too-big',
      posts: 40,
      fileBytes: 40 * KIB,
      time: POST_TIME,
    });
    const exportId = await api.create({
      data_types: 'POSTS_YOUR_ACTIVITY,WORKPLACE_COMPANY_METADATA_COMPANY_INFO',
      user_ids: memberId,
    });
    const [companyJob, userJob] = await api.jobs(exportId);
    if (!companyJob || !userJob) throw new Error('the export has no user job');

    const { runner, stored } = recordingRunner(fixture.runtime);
    expect(await runner.run(companyJob.id)).toBe('COMPLETED');
    expect(await runner.run(userJob.id)).toBe('ABORTED');

    const seen = await api.job(userJob.id);
    expect(seen).toMatchObject({ job_state: 'ABORTED', abort_reason: 'ARCHIVE_TOO_BIG' });
    const message = seen.state_message ?? '';
    expect(message).toContain(
      'above the limit of 200 KiB (204,800 bytes) set by DYI_MAX_JOB_BYTES',
    );
    const reached = /reached .*?\(([\d,]+) bytes\)/.exec(message)?.[1];
    expect(reached, message).toBeDefined();
    expect(Number(reached?.replaceAll(',', ''))).toBeGreaterThan(LIMIT);
    // Parts had been stored before the limit was passed; none of them is left.
    expect(stored.filter((file) => file.jobId === userJob.id).length).toBeGreaterThan(1);
    await expectNothingLeft(fixture, api, exportId, userJob.id, stored);

    // The small company job is within the limit and keeps its archive.
    const companyFiles = await api.files(companyJob.id);
    expect(companyFiles.length).toBe(1);
    expect(companyFiles[0]?.file_size).toBeLessThanOrEqual(LIMIT);
  });
});

describe('a job that throws on every attempt', () => {
  it('retries a job that keeps failing after 1 s and 4 s, then marks it FAILED', async () => {
    // The queue runs on a clock the test holds, so the backoff is checked without waiting it out.
    const clock = new ManualClock(Date.now());
    const failing = await startGraphFixture({ maxPartBytes: 1.5 * MIB }, clock);
    const events: Extract<WorkerEvent, { type: 'job' }>[] = [];
    const worker = new ExportWorker(failing.runtime, 0, (event) => {
      if (event.type === 'job') events.push(event);
    });
    let working: Promise<void> | undefined;
    try {
      const { runtime } = failing;
      const community = await runtime.communities.create('Missing Media');
      const failingApi = new ExportApi(failing, await tokensFor(runtime, community.id));
      // Five attachments of a file that then goes missing from the blob store.
      const { memberId, blobKey } = await addBulkyMember(runtime, community.id, {
        sourceId: 'missing-media',
        posts: 5,
        fileBytes: 512 * KIB,
        time: POST_TIME,
      });
      await runtime.blobs.delete(blobKey);
      const exportId = await failingApi.create({
        data_types: 'POSTS_YOUR_ACTIVITY,WORKPLACE_COMPANY_METADATA_COMPANY_INFO',
        user_ids: memberId,
      });
      const [companyJob, userJob] = await failingApi.jobs(exportId);
      if (!companyJob || !userJob) throw new Error('the export has no user job');

      working = worker.run();
      const attemptsSeen = (count: number) => () =>
        Promise.resolve(
          events.filter((event) => event.jobId === userJob.id).length >= count ? true : undefined,
        );
      const seenEvents = () => JSON.stringify(events);
      for (const [attempt, backoffMs] of [
        [1, 1000],
        [2, 4000],
      ] as const) {
        await waitFor(`attempt ${attempt} to fail`, attemptsSeen(attempt), {
          timeoutMs: 10_000,
          describe: seenEvents,
        });
        expect(events.at(-1)).toMatchObject({ jobId: userJob.id, outcome: 'RETRY' });
        expect(events.at(-1)?.message).toContain(blobKey);
        // Nothing of the failed attempt is left, and the job waits for its next attempt.
        expect((await failingApi.job(userJob.id)).job_state).toBe('IN_PROGRESS');
        await expectNothingLeft(failing, failingApi, exportId, userJob.id);
        clock.advance(backoffMs - 1);
        expect(await runtime.queue.claim('a-test-probe', 10_000)).toBeUndefined();
        clock.advance(1);
      }
      const attempts = runtime.config.jobAttempts;
      await waitFor(`attempt ${attempts} to fail`, attemptsSeen(attempts), {
        timeoutMs: 10_000,
        describe: seenEvents,
      });
      expect(events.filter((event) => event.jobId === userJob.id).map((e) => e.outcome)).toEqual([
        'RETRY',
        'RETRY',
        'FAILED',
      ]);

      const seen = await failingApi.job(userJob.id);
      expect(seen.job_state).toBe('FAILED');
      expect(seen.abort_reason).toBeUndefined();
      expect(seen.state_message).toMatch(/^The job failed 3 times; the last error: /);
      expect(seen.state_message).toContain(blobKey);
      await expectNothingLeft(failing, failingApi, exportId, userJob.id);
      expect(await runtime.queue.stats()).toEqual({ queued: 0, running: 0, done: 2 });
      // The company job of the same export was not held back by the failing one.
      expect((await failingApi.job(companyJob.id)).job_state).toBe('COMPLETED');
      expect((await failingApi.files(companyJob.id)).length).toBe(1);
    } finally {
      worker.stop();
      await working;
      await failing.close();
    }
  });
});
