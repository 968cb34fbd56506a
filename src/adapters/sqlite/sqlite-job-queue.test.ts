/**
 * @module
 * Runs the JobQueue contract on a SQLite file migrated by the metadata store, plus two workers
 * on two connections racing for the same tasks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobQueue } from '../../ports/job-queue.js';
import { runJobQueueContract, SteppingClock } from '../../ports/job-queue.contract.js';
import { SqliteMetadataStore } from './sqlite-metadata-store.js';

async function openQueues(count: number, clock: SteppingClock) {
  const dir = await mkdtemp(path.join(tmpdir(), 'dyi-queue-'));
  const filename = path.join(dir, 'dyi.sqlite');
  const store = new SqliteMetadataStore({ filename });
  await store.init();
  // Each queue on a store of its own: separate connections, as separate processes would have.
  const stores = [store];
  for (let i = 1; i < count; i++) {
    const other = new SqliteMetadataStore({ filename });
    await other.init();
    stores.push(other);
  }
  const queues = stores.map((each) => each.jobQueue(clock));
  for (const queue of queues) await queue.init();
  return {
    queues,
    async cleanup() {
      for (const queue of queues) await queue.close();
      for (const each of stores) await each.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

runJobQueueContract('SqliteJobQueue on a temporary file', async () => {
  const clock = new SteppingClock();
  const opened = await openQueues(1, clock);
  const [queue] = opened.queues;
  if (!queue) throw new Error('no queue');
  return {
    queue,
    advance: (ms) => {
      clock.time += ms;
    },
    cleanup: () => opened.cleanup(),
  };
});

describe('SqliteJobQueue on two connections', () => {
  it('gives every task to exactly one of two racing workers', async () => {
    const clock = new SteppingClock();
    const opened = await openQueues(2, clock);
    try {
      const [first, second] = opened.queues as [JobQueue, JobQueue];
      const ids = Array.from({ length: 200 }, (_, i) => String(1000 + i));
      await first.enqueue(ids);
      const taken: string[] = [];
      for (;;) {
        const claims = await Promise.all([first.claim('a', 1000), second.claim('b', 1000)]);
        const got = claims.filter((claim) => claim !== undefined).map((claim) => claim.jobId);
        if (got.length === 0) break;
        taken.push(...got);
      }
      expect(taken.sort()).toEqual(ids);
    } finally {
      await opened.cleanup();
    }
  });
});
