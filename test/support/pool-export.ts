/**
 * @module
 * One JSON export at MEDIUM of every data type, run by a fresh `WorkerPool` on the fixture's
 * runtime, and the digest of its archives (`storedExportDigest`): how the image tests compare
 * pool settings that must not change a byte.
 */
import { expect } from 'vitest';
import { DATA_TYPES } from '../../src/domain/index.js';
import { WorkerPool, type WorkerPoolOptions } from '../../src/export/worker-pool.js';
import type { Runtime } from '../../src/runtime.js';
import { storedExportDigest } from './archive-compare.js';
import { filesOfExport } from './archives.js';

/** How long an export may take before the helper gives up. */
const WAIT_MS = 180_000;

/** The pool's settings besides the runtime's stores. */
export type PoolSettings = Omit<WorkerPoolOptions, 'config' | 'metadata' | 'queue'>;

/** Runs the export to its end (every job completed) and answers its digest. */
export async function exportDigestWithPool(
  runtime: Runtime,
  communityId: string,
  settings: PoolSettings,
): Promise<Map<string, string>> {
  const pool = new WorkerPool({
    config: runtime.config,
    metadata: runtime.metadata,
    queue: runtime.queue,
    ...settings,
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
    return await storedExportDigest(await filesOfExport(runtime, exportJob.id), identity);
  } finally {
    await pool.stop();
  }
}

/** The JPEG entries of a digest (media scaled by the export). */
export function jpegEntries(digest: ReadonlyMap<string, string>): string[] {
  return [...digest.keys()].filter((key) => /#\d+ media\/.*\.jpg$/.test(key));
}
