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
import type { ImageShare } from '../src/export/worker-pool.js';
import { type GraphFixture, startInProcessFixture } from './support/graph-fixture.js';
import { exportDigestWithPool, jpegEntries } from './support/pool-export.js';

/** Small parts, so that media also cross part boundaries. */
const PART_BYTES = 512 * 1024;

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
  const digest = await exportDigestWithPool(fixture.runtime, communityId, {
    threads,
    ...(images && { images }),
  });
  return { digest, images: jpegEntries(digest).length };
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
