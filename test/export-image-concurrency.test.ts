/**
 * @module
 * Archives do not depend on how images are scaled at once: the same export of a community
 * whose images are all distinct (`distinctImages`), run by a `WorkerPool` of 1 thread and of 2,
 * each with the pool's own share of the cores and with other numbers of images at once and
 * libvips threads, gives the same archives but for the export's id and time (`archiveDigest`).
 * Each pool has fresh threads, so each run scales every image (no rendition kept from a run
 * before).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedCommunity } from '../src/content/seed-community.js';
import { DATA_TYPES } from '../src/domain/index.js';
import { type ImageShare, WorkerPool } from '../src/export/worker-pool.js';
import { archiveDigest } from './support/archive-compare.js';
import { filesOfExport } from './support/archives.js';
import { type GraphFixture, startInProcessFixture } from './support/graph-fixture.js';

/** Small parts, so that media also cross part boundaries. */
const PART_BYTES = 512 * 1024;
const WAIT_MS = 180_000;

let fixture: GraphFixture;
let communityId: string;

beforeAll(async () => {
  fixture = await startInProcessFixture({ maxPartBytes: PART_BYTES });
  ({ communityId } = await seedCommunity(fixture.runtime, {
    users: 6,
    seed: 5,
    distinctImages: true,
  }));
}, 120_000);

afterAll(async () => {
  await fixture.close();
});

/** One export run by a fresh pool; its digest and how many images its archives hold. */
async function exportWith(
  threads: number,
  images?: ImageShare,
): Promise<{ digest: Map<string, string>; images: number }> {
  const { runtime } = fixture;
  const pool = new WorkerPool({
    config: runtime.config,
    metadata: runtime.metadata,
    queue: runtime.queue,
    threads,
    ...(images && { images }),
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
    const jpegs = [...digest.keys()].filter((key) => /#\d+ media\/.*\.jpg$/.test(key));
    return { digest, images: jpegs.length };
  } finally {
    await pool.stop();
  }
}

it('gives the same archives with 1 and 2 threads and any number of images at once', async () => {
  const first = await exportWith(1);
  expect(first.images).toBeGreaterThan(5);
  const others = [
    await exportWith(2),
    await exportWith(1, { imagesAtOnce: 4, imageThreads: 1 }),
    await exportWith(2, { imagesAtOnce: 1, imageThreads: 0 }),
  ];
  for (const other of others) expect(other.digest).toEqual(first.digest);
}, 600_000);
