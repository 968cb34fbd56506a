/**
 * @module
 * An export that yields the CPU to the API (`yieldToApi`, as `dyi serve` runs it) gives the
 * same archives as one that does not, and lowers the threads libvips scales its images on to
 * the export threads' nice value: those threads are started by libuv's pool threads, not by
 * the export thread, so they do not inherit its nice value (`src/export/thread-niceness.ts`).
 * Each pool has fresh threads, so each run scales every image (no rendition kept from a run
 * before).
 */
import { getPriority } from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedCommunity } from '../src/content/seed-community.js';
import { DATA_TYPES } from '../src/domain/index.js';
import { LIBVIPS_THREAD_NAME, threadsOfProcess } from '../src/export/thread-niceness.js';
import { WorkerPool } from '../src/export/worker-pool.js';
import { archiveDigest } from './support/archive-compare.js';
import { filesOfExport } from './support/archives.js';
import { type GraphFixture, startInProcessFixture } from './support/graph-fixture.js';

const WAIT_MS = 180_000;
/** The nice value export threads take in `dyi serve` (`export-worker.ts`). */
const EXPORT_NICENESS = 19;

let fixture: GraphFixture;
let communityId: string;

beforeAll(async () => {
  fixture = await startInProcessFixture({ maxPartBytes: 512 * 1024 });
  ({ communityId } = await seedCommunity(fixture.runtime, {
    users: 4,
    seed: 7,
    distinctImages: true,
  }));
}, 120_000);

afterAll(async () => {
  await fixture.close();
});

/** One export run by a fresh pool of 2 threads; the digest of its archives. */
async function exportWith(yieldToApi: boolean): Promise<Map<string, string>> {
  const { runtime } = fixture;
  const pool = new WorkerPool({
    config: runtime.config,
    metadata: runtime.metadata,
    queue: runtime.queue,
    threads: 2,
    yieldToApi,
  });
  await pool.start();
  try {
    const exportJob = await runtime.exports.create(communityId, {
      data_types: DATA_TYPES.join(','),
      dyi_format: 'JSON',
      media_quality: 'MEDIUM',
      start_time: '0',
      end_time: String(2 ** 31),
    });
    pool.wake();
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const counts = await runtime.metadata.exports.countJobs(exportJob.id);
      if (counts.pending + counts.inProgress === 0) {
        expect(counts.completed).toBe(counts.total);
        break;
      }
      if (Date.now() > deadline) throw new Error(`export ${exportJob.id} did not finish`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const identity = { exportId: exportJob.id, requestedTime: exportJob.createTime };
    const digest = new Map<string, string>();
    for (const { job, files } of await filesOfExport(runtime, exportJob.id)) {
      const parts = files.map(({ file, bytes }) => ({
        partNumber: file.partNumber,
        name: file.name,
        bytes,
      }));
      for (const entry of await archiveDigest(job.userId ?? 'company', parts, identity)) {
        digest.set(...entry);
      }
    }
    return digest;
  } finally {
    await pool.stop();
  }
}

it('gives the same archives whether or not the export yields to the API', async () => {
  const plain = await exportWith(false);
  expect(
    [...plain.keys()].filter((key) => /#\d+ media\/.*\.jpg$/.test(key)).length,
  ).toBeGreaterThan(3);
  expect(await exportWith(true)).toEqual(plain);
}, 600_000);

it.runIf(process.platform === 'linux')(
  "lowers libvips's threads to the export threads' nice value, and no other thread",
  async () => {
    const niceness = getPriority();
    await exportWith(true);
    const threads = threadsOfProcess();
    const imageThreads = threads.filter((thread) => thread.name === LIBVIPS_THREAD_NAME);
    // Some may have been started in the last moments of the run, before the next look.
    expect(imageThreads.some((thread) => thread.niceness === EXPORT_NICENESS)).toBe(true);
    expect(threads.find((thread) => thread.tid === process.pid)?.niceness).toBe(niceness);
    expect(getPriority()).toBe(niceness);
  },
  600_000,
);
