/**
 * Two real `dyi worker` processes sweeping one data directory at once (SQLite file and local
 * blob store), and one PostgreSQL database where it runs: every due export is expired by one
 * of them (their reports add up to the number of exports, never more), every blob is gone,
 * and both stop cleanly (exit 0) on SIGTERM.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { Id } from '../src/domain/index.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import {
  completeJobWithFiles,
  createExport,
  jobsOf,
  seedCommunity,
} from './support/graph-fixture.js';
import { postgresOrSkip } from './support/postgres.js';
import { startWorker, type WorkerProcess } from './support/worker-process.js';

const EXPORTS = 12;
const closers: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function blobCount(runtime: Runtime, exportId: Id): Promise<number> {
  let count = 0;
  for await (const blob of runtime.blobs.list(`exports/${exportId}/`)) if (blob) count += 1;
  return count;
}

/** Sums "retention: N exports expired" over a worker's lines. */
function expiredBy(worker: WorkerProcess): number {
  let sum = 0;
  for (const match of worker.stderr().matchAll(/^retention: (\d+) exports? expired/gm)) {
    sum += Number(match[1]);
  }
  return sum;
}

describe.each([
  { name: 'SQLite', postgres: false },
  { name: 'PostgreSQL', postgres: true },
])('two dyi worker processes sweeping on $name', ({ postgres }) => {
  it('expire each due export once, delete every blob, and stop cleanly', async (ctx) => {
    const database = postgres ? await postgresOrSkip(ctx) : undefined;
    if (database) closers.push(() => database.drop());
    const dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-retention-e2e-'));
    closers.push(() => rm(dataDir, { recursive: true, force: true }));
    const env: Record<string, string> = {
      DYI_RETENTION_SWEEP_SECONDS: '1',
      DYI_WORKERS: '1',
      ...(database && { DYI_DATABASE_URL: database.url }),
    };
    const config = loadConfig(
      {},
      { dataDir, logLevel: 'silent', ...(database && { databaseUrl: database.url }) },
    );
    const runtime = await openRuntime(config);
    closers.push(() => runtime.close());
    const seeded = await seedCommunity(runtime, 'Sweep', 2);
    const ids: Id[] = [];
    let files = 0;
    for (let i = 0; i < EXPORTS; i++) {
      const made = await createExport(runtime, seeded.community.id, {
        user_ids: seeded.members.map((m) => m.id),
      });
      for (const job of await jobsOf(runtime, made.id)) {
        await completeJobWithFiles(runtime, job, [`part 1 of ${job.id}`, `part 2 of ${job.id}`]);
        files += 2;
      }
      // Due a minute ago: both workers find it at their first sweep.
      const past = Math.floor(Date.now() / 1000) - 60;
      expect(await runtime.metadata.retention.setExpiresTime(made.id, past)).toBe(true);
      ids.push(made.id);
    }
    expect(files).toBe(EXPORTS * 3 * 2);

    const workers = await Promise.all([
      startWorker(dataDir, [], env),
      startWorker(dataDir, [], env),
    ]);
    closers.push(() => Promise.all(workers.map((w) => w.kill())));
    const deadline = Date.now() + 60_000;
    while (expiredBy(workers[0]) + expiredBy(workers[1]) < EXPORTS && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // One more sweep each, which must find nothing left to do.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const codes = await Promise.all(workers.map((w) => w.stop()));
    expect(codes).toEqual([0, 0]);
    for (const worker of workers) expect(worker.stderr()).not.toContain('failed');
    expect(expiredBy(workers[0]) + expiredBy(workers[1])).toBe(EXPORTS);
    for (const id of ids) {
      expect(await blobCount(runtime, id)).toBe(0);
      expect((await runtime.metadata.exports.get(id))?.expiryState).toBe('expired');
    }
  });
});
