/**
 * @module
 * An export that yields the CPU to the API (`yieldToApi`, as `dyi serve` runs it: its threads
 * also deflate on their own thread and optimize their own code, `inline-deflate.ts` and
 * `own-thread-compiles.ts`) gives the same archives as one that does not, and lowers the threads libvips scales its images on to
 * the export threads' nice value: those threads are started by libuv's pool threads, not by
 * the export thread, so they do not inherit its nice value (`src/export/thread-niceness.ts`).
 * Each pool has fresh threads, so each run scales every image (no rendition kept from a run
 * before).
 */
import { getPriority } from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedCommunity } from '../src/content/seed-community.js';
import { LIBVIPS_THREAD_NAME, threadsOfProcess } from '../src/export/thread-niceness.js';
import { type GraphFixture, startInProcessFixture } from './support/graph-fixture.js';
import { exportDigestWithPool, jpegEntries } from './support/pool-export.js';

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
function exportWith(yieldToApi: boolean): Promise<Map<string, string>> {
  return exportDigestWithPool(fixture.runtime, communityId, { threads: 2, yieldToApi });
}

it('gives the same archives whether or not the export yields to the API', async () => {
  const plain = await exportWith(false);
  expect(jpegEntries(plain).length).toBeGreaterThan(3);
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
