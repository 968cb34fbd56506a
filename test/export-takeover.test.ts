/**
 * @module
 * A worker that is paused, not dead, past its lease (a long GC pause, a stalled disk, a
 * suspended VM) while another worker takes its job over: whatever the paused run does when it
 * wakes up, the job ends with exactly the newer run's files, once, and no stray bytes.
 * - Runner: the first run stores a part, then stalls in the middle of its second; a second run
 *   takes the job over and completes it; the first then finishes its upload and is refused
 *   (RunSupersededError), removing only the bytes it stored.
 * - Runner: the first run stalls in its start clean-up (after removing the earlier runs' rows,
 *   before their blobs) while a second run takes the job over and completes it; the first's
 *   clean-up then leaves the second run's blobs alone.
 * - Runner: a run of an older queue claim finds the job started by a later claim's run, and
 *   is refused its start: it does not take the job back.
 * - Worker: a worker whose lease was taken learns it at its next renewal, stops its run and
 *   leaves the task to the worker that holds it now (no release, no retry, no completion); one
 *   that paused between its claim and its start is refused the start, and does the same.
 * The stalls are a blob store that holds one chosen upload, and a metadata store that holds
 * one chosen call, until the test lets it go: the real stores underneath do every write.
 */
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DyiFile, RunSupersededError } from '../src/domain/index.js';
import { ExportWorker, type WorkerEvent } from '../src/export/export-worker.js';
import { JobRunner, jobRunnerDeps } from '../src/export/job-runner.js';
import type { BlobStore } from '../src/ports/blob-store.js';
import type { FileRepository, JobRepository, MetadataStore } from '../src/ports/metadata-store.js';
import type { Runtime } from '../src/runtime.js';
import { JobService } from '../src/services/job-service.js';
import { sha256 } from './support/archives.js';
import {
  addBulkyMember,
  blobsUnder,
  unfinishedBlobWrites,
  waitFor,
} from './support/export-scenarios.js';
import {
  createExport,
  type GraphFixture,
  jobsOf,
  ManualClock,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';

const MIB = 1024 * 1024;
/** When the bulky member's posts were made: inside createExport's default time range. */
const POST_TIME = Date.UTC(2026, 5, 1) / 1000;

/** A blob store that holds the `nth` upload of a job's file until `release()` (or its abort). */
class StalledUpload {
  readonly store: BlobStore;
  readonly #reached = deferred();
  readonly #released = deferred();
  #uploads = 0;

  constructor(inner: BlobStore, nth: number) {
    this.store = new Proxy(inner, {
      get: (target, property, receiver) => {
        if (property !== 'put') {
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        }
        const put: BlobStore['put'] = async (key, body, options) => {
          if (key.startsWith('exports/') && ++this.#uploads === nth) {
            this.#reached.resolve();
            await Promise.race([this.#released.promise, aborted(options?.signal)]);
          }
          return target.put(key, body, options);
        };
        return put;
      },
    });
  }

  /** Resolves once the held upload has begun. */
  get reached(): Promise<void> {
    return this.#reached.promise;
  }

  release(): void {
    this.#released.resolve();
  }
}

/**
 * The metadata store with `files.deleteByJob` held, after it ran, the first time (a run's
 * start clean-up) until `release()`.
 */
class StalledCleanUp {
  readonly store: MetadataStore;
  readonly #reached = deferred();
  readonly #released = deferred();
  #calls = 0;

  constructor(inner: MetadataStore) {
    const files = new Proxy(inner.files, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property !== 'deleteByJob') {
          return typeof value === 'function' ? value.bind(target) : value;
        }
        const deleteByJob: FileRepository['deleteByJob'] = async (jobId, ownRun) => {
          const removed = await target.deleteByJob(jobId, ownRun);
          if (++this.#calls === 1) {
            this.#reached.resolve();
            await this.#released.promise;
          }
          return removed;
        };
        return deleteByJob;
      },
    });
    this.store = new Proxy(inner, {
      get: (target, property, receiver) => {
        if (property === 'files') return files;
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  get reached(): Promise<void> {
    return this.#reached.promise;
  }

  release(): void {
    this.#released.resolve();
  }
}

/**
 * The metadata store whose first `jobs.get` runs `meanwhile` first: what happens while a
 * worker that just claimed a task is paused, before its run reads and starts the job.
 */
function pausedAfterClaim(inner: MetadataStore, meanwhile: () => Promise<void>): MetadataStore {
  let paused = false;
  const jobs = new Proxy(inner.jobs, {
    get: (target, property, receiver) => {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'get') return typeof value === 'function' ? value.bind(target) : value;
      const get: JobRepository['get'] = async (id) => {
        if (!paused) {
          paused = true;
          await meanwhile();
        }
        return target.get(id);
      };
      return get;
    },
  });
  return new Proxy(inner, {
    get: (target, property, receiver) => {
      if (property === 'jobs') return jobs;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => signal?.addEventListener('abort', () => resolve()));
}

/** The runtime as a worker sees it, with every job file upload going through `blobs`. */
function withBlobs(runtime: Runtime, blobs: BlobStore): Runtime {
  return { ...runtime, blobs, jobs: new JobService(runtime.metadata, blobs, runtime.clock) };
}

describe('a run taken over while it stalls', () => {
  let fixture: GraphFixture;

  beforeEach(async () => {
    // Parts of at most 1.5 MiB: the bulky member's three 1 MiB attachments make three parts.
    fixture = await startGraphFixture({ maxPartBytes: 1.5 * MIB });
  });

  afterEach(async () => {
    await fixture.close();
  });

  /** An export of one bulky member; answers that member's job. */
  async function bulkyJob(): Promise<{ exportId: string; jobId: string }> {
    const { community } = await seedCommunity(fixture.runtime, 'Acme', 0);
    const bulky = await addBulkyMember(fixture.runtime, community.id, {
      sourceId: 'bulky',
      posts: 3,
      fileBytes: MIB,
      time: POST_TIME,
    });
    const made = await createExport(fixture.runtime, community.id, {
      user_ids: [bulky.memberId],
    });
    const job = (await jobsOf(fixture.runtime, made.id)).find((each) => each.userId !== null);
    if (!job) throw new Error('the export has no user job');
    return { exportId: made.id, jobId: job.id };
  }

  it('ends with the newer run files only, once, when the older one wakes up', async () => {
    const { exportId, jobId } = await bulkyJob();
    const stalled = new StalledUpload(fixture.runtime.blobs, 2);
    const older = new JobRunner(jobRunnerDeps(withBlobs(fixture.runtime, stalled.store)));
    const olderRun = older.run(jobId);
    await stalled.reached;
    expect(await filesOf(fixture, jobId)).toHaveLength(1);

    const newer = new JobRunner(jobRunnerDeps(fixture.runtime));
    expect(await newer.run(jobId)).toBe('COMPLETED');
    const completed = await filesOf(fixture, jobId);
    expect(completed.map((file) => file.partNumber)).toEqual([1, 2, 3]);

    stalled.release();
    const olderEnd: unknown = await olderRun.catch((error: unknown) => error);

    const job = await fixture.runtime.metadata.jobs.get(jobId);
    expect(job).toMatchObject({ state: 'COMPLETED', progress: 1 });
    expect(await filesOf(fixture, jobId)).toEqual(completed);
    const keys = completed.map((file) => file.blobKey.slice(`exports/${exportId}/`.length));
    expect(await blobsUnder(fixture, `exports/${exportId}/`)).toEqual(keys.sort());
    expect(await unfinishedBlobWrites(fixture)).toEqual([]);
    for (const file of completed) {
      const bytes = await buffer(await fixture.runtime.blobs.openRead(file.blobKey));
      expect({ size: bytes.length, sha256: sha256(bytes) }).toEqual({
        size: file.size,
        sha256: file.sha256,
      });
    }
    expect(olderEnd).toBeInstanceOf(RunSupersededError);
  });

  it('keeps the newer run blobs when the older one wakes up in its start clean-up', async () => {
    const { exportId, jobId } = await bulkyJob();
    const stalled = new StalledCleanUp(fixture.runtime.metadata);
    const older = new JobRunner(jobRunnerDeps({ ...fixture.runtime, metadata: stalled.store }));
    const olderRun = older.run(jobId);
    await stalled.reached;

    const newer = new JobRunner(jobRunnerDeps(fixture.runtime));
    expect(await newer.run(jobId)).toBe('COMPLETED');
    const completed = await filesOf(fixture, jobId);
    expect(completed.map((file) => file.partNumber)).toEqual([1, 2, 3]);

    stalled.release();
    await expect(olderRun).rejects.toBeInstanceOf(RunSupersededError);
    await expectOnly(fixture, exportId, jobId, completed);
  });

  it('refuses a run of an older claim its start, leaving the job to the later claim', async () => {
    const { exportId, jobId } = await bulkyJob();
    const stalled = new StalledUpload(fixture.runtime.blobs, 2);
    const newer = new JobRunner(jobRunnerDeps(withBlobs(fixture.runtime, stalled.store)));
    const newerRun = newer.run(jobId, { claim: 2 });
    await stalled.reached;

    // Claim 1's worker paused between its claim and its start, and wakes up now.
    const older = new JobRunner(jobRunnerDeps(fixture.runtime));
    await expect(older.run(jobId, { claim: 1 })).rejects.toBeInstanceOf(RunSupersededError);
    expect(await filesOf(fixture, jobId)).toHaveLength(1);

    stalled.release();
    expect(await newerRun).toBe('COMPLETED');
    const completed = await filesOf(fixture, jobId);
    expect(completed.map((file) => file.partNumber)).toEqual([1, 2, 3]);
    await expectOnly(fixture, exportId, jobId, completed);
  });
});

describe('a worker whose lease was taken', () => {
  let fixture: GraphFixture;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(Date.now());
    fixture = await startGraphFixture({ maxPartBytes: 1.5 * MIB, jobLeaseMs: 1000 }, clock);
  });

  afterEach(async () => {
    await fixture.close();
  });

  it('stops its run at its next renewal and leaves the task to its new holder', async () => {
    const { community } = await seedCommunity(fixture.runtime, 'Acme', 0);
    const made = await createExport(fixture.runtime, community.id);
    const [company] = await jobsOf(fixture.runtime, made.id);
    if (!company) throw new Error('no company job');
    const stalled = new StalledUpload(fixture.runtime.blobs, 1);
    const events: WorkerEvent[] = [];
    const worker = new ExportWorker(withBlobs(fixture.runtime, stalled.store), 0, (event) =>
      events.push(event),
    );
    const running = worker.run();
    try {
      await stalled.reached;
      // The paused worker's lease runs out and another worker claims the task.
      clock.advance(fixture.runtime.config.jobLeaseMs + 1);
      expect(await fixture.runtime.queue.claim('other', 60_000)).toMatchObject({
        jobId: company.id,
      });
      const ended = await waitFor(
        'the paused worker to stop its run',
        () => Promise.resolve(events.find((event) => event.type === 'job')),
        { timeoutMs: 10_000 },
      );
      expect(ended).toMatchObject({ jobId: company.id, outcome: 'SUPERSEDED' });
    } finally {
      worker.stop();
      await running;
    }
    // Nothing was recorded, and the task is still the other worker's.
    expect(await fixture.runtime.metadata.jobs.get(company.id)).toMatchObject({
      state: 'IN_PROGRESS',
    });
    expect(await filesOf(fixture, company.id)).toEqual([]);
    expect(await fixture.runtime.queue.stats()).toMatchObject({ running: 1, done: 0 });
    expect(await fixture.runtime.queue.claim('third', 60_000)).toBeUndefined();
  });

  it('is refused its start after a pause between claim and start, and leaves the task', async () => {
    const { community } = await seedCommunity(fixture.runtime, 'Acme', 0);
    const made = await createExport(fixture.runtime, community.id);
    const [company] = await jobsOf(fixture.runtime, made.id);
    if (!company) throw new Error('no company job');
    const { runtime } = fixture;
    // While the worker is paused, its lease runs out; another worker claims the task and
    // starts the job.
    const metadata = pausedAfterClaim(runtime.metadata, async () => {
      clock.advance(runtime.config.jobLeaseMs + 1);
      const other = await runtime.queue.claim('other', 60_000);
      expect(other).toMatchObject({ jobId: company.id, claim: 2 });
      expect(await runtime.jobs.start(company.id, 'other-run', other?.claim)).toBe(true);
    });
    const events: WorkerEvent[] = [];
    const worker = new ExportWorker({ ...runtime, metadata }, 0, (event) => events.push(event));
    const running = worker.run();
    try {
      const ended = await waitFor(
        'the paused worker to stop its run',
        () => Promise.resolve(events.find((event) => event.type === 'job')),
        { timeoutMs: 10_000 },
      );
      expect(ended).toMatchObject({ jobId: company.id, outcome: 'SUPERSEDED' });
    } finally {
      worker.stop();
      await running;
    }
    expect(await runtime.metadata.jobs.get(company.id)).toMatchObject({ state: 'IN_PROGRESS' });
    expect(await filesOf(fixture, company.id)).toEqual([]);
    expect(await runtime.queue.stats()).toMatchObject({ running: 1, done: 0 });
    expect(await runtime.queue.claim('third', 60_000)).toBeUndefined();
  });
});

/** The job is COMPLETED with exactly `files`, whose blobs are intact and alone in the export. */
async function expectOnly(
  fixture: GraphFixture,
  exportId: string,
  jobId: string,
  files: readonly DyiFile[],
): Promise<void> {
  expect(await fixture.runtime.metadata.jobs.get(jobId)).toMatchObject({
    state: 'COMPLETED',
    progress: 1,
  });
  expect(await filesOf(fixture, jobId)).toEqual(files);
  const keys = files.map((file) => file.blobKey.slice(`exports/${exportId}/`.length));
  expect(await blobsUnder(fixture, `exports/${exportId}/`)).toEqual(keys.sort());
  expect(await unfinishedBlobWrites(fixture)).toEqual([]);
  for (const file of files) {
    const bytes = await buffer(await fixture.runtime.blobs.openRead(file.blobKey));
    expect({ size: bytes.length, sha256: sha256(bytes) }).toEqual({
      size: file.size,
      sha256: file.sha256,
    });
  }
}

async function filesOf(fixture: GraphFixture, jobId: string): Promise<readonly DyiFile[]> {
  return (await fixture.runtime.jobs.listFiles(jobId, { limit: 100 })).items;
}
