/**
 * @module
 * The behaviour every JobQueue adapter must show, run by each adapter's test file against a
 * real database: a task is taken by one worker at a time, comes back when its lease runs out
 * (the worker died), waits out a retry's delay, and never runs again once complete.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from './clock.js';
import type { JobQueue } from './job-queue.js';

export interface JobQueueFixture {
  readonly queue: JobQueue;
  /**
   * Moves the queue's clock forward: a stepped Clock, or, for an adapter on the database's
   * clock, that clock (a test-only `now()` the fixture steps).
   */
  advance(ms: number): void | Promise<void>;
  cleanup(): Promise<void>;
}

/** A clock the suite moves by hand; adapters take it at construction. */
export class SteppingClock implements Clock {
  time = Date.UTC(2026, 0, 1);
  now(): number {
    return this.time;
  }
}

const LEASE = 10_000;

export function runJobQueueContract(name: string, create: () => Promise<JobQueueFixture>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let fixture: JobQueueFixture | undefined;
    let queue: JobQueue;

    beforeEach(async () => {
      fixture = await create();
      queue = fixture.queue;
    });

    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    const advance = async (ms: number) => {
      await fixture?.advance(ms);
    };

    it('hands out tasks in the order queued, each to one worker', async () => {
      await queue.enqueue(['101', '102']);
      await queue.enqueue(['101', '103']);
      const first = { attempt: 1, lostRuns: 0, claim: 1 };
      expect(await queue.claim('a', LEASE)).toEqual({ jobId: '101', ...first });
      expect(await queue.claim('b', LEASE)).toEqual({ jobId: '102', ...first });
      expect(await queue.claim('a', LEASE)).toEqual({ jobId: '103', ...first });
      expect(await queue.claim('b', LEASE)).toBeUndefined();
      expect(await queue.stats()).toEqual({ queued: 0, running: 3, done: 0 });
    });

    it('never runs a completed task again, even when enqueued again', async () => {
      await queue.enqueue(['201']);
      await queue.claim('a', LEASE);
      await queue.complete('201');
      await queue.enqueue(['201']);
      await advance(LEASE * 2);
      expect(await queue.claim('a', LEASE)).toBeUndefined();
      expect(await queue.stats()).toEqual({ queued: 0, running: 0, done: 1 });
    });

    it('gives a task whose lease ran out to the next worker, keeping its attempts', async () => {
      await queue.enqueue(['301']);
      await queue.claim('dead', LEASE);
      await advance(LEASE - 1);
      expect(await queue.claim('b', LEASE)).toBeUndefined();
      await advance(1);
      // The first worker's process died (kill -9): its run reached no verdict, so it is not
      // an attempt that failed.
      expect(await queue.claim('b', LEASE)).toEqual({
        jobId: '301',
        attempt: 1,
        lostRuns: 1,
        claim: 2,
      });
      // The first worker has lost it: renewing fails and its retry changes nothing.
      expect(await queue.renew('301', 'dead', LEASE)).toBe(false);
      await queue.retry('301', 'dead', 0, 'late');
      expect(await queue.stats()).toEqual({ queued: 0, running: 1, done: 0 });
    });

    it('counts an attempt for each failed run, and none for a lease lost or a task released', async () => {
      await queue.enqueue(['601']);
      await queue.claim('a', LEASE);
      await queue.retry('601', 'a', 0, 'failed once');
      expect(await queue.claim('b', LEASE)).toMatchObject({ attempt: 2, lostRuns: 0 });
      await advance(LEASE);
      expect(await queue.claim('c', LEASE)).toMatchObject({ attempt: 2, lostRuns: 1 });
      await queue.release('601', 'c');
      expect(await queue.claim('d', LEASE)).toMatchObject({ attempt: 2, lostRuns: 1 });
      await queue.retry('601', 'd', 0, 'failed twice');
      expect(await queue.claim('e', LEASE)).toMatchObject({ attempt: 3, lostRuns: 1 });
    });

    it('numbers each claim of a task above every claim of it before', async () => {
      await queue.enqueue(['701']);
      const claims: (number | undefined)[] = [];
      const take = async (worker: string) => {
        const task = await queue.claim(worker, LEASE);
        expect(task?.jobId).toBe('701');
        claims.push(task?.claim);
      };
      await take('a');
      // Retried, lost with its worker, given back at shutdown: each next claim is a new number.
      await queue.retry('701', 'a', 0, 'failed');
      await take('b');
      await advance(LEASE);
      await take('c');
      await queue.release('701', 'c');
      await take('d');
      expect(claims).toEqual([1, 2, 3, 4]);
      // Numbers count per task: another task's first claim is 1.
      await queue.enqueue(['702']);
      expect(await queue.claim('e', LEASE)).toMatchObject({ jobId: '702', claim: 1 });
    });

    it('keeps a renewed lease', async () => {
      await queue.enqueue(['401']);
      await queue.claim('a', LEASE);
      await advance(LEASE - 1);
      expect(await queue.renew('401', 'a', LEASE)).toBe(true);
      await advance(LEASE - 1);
      expect(await queue.claim('b', LEASE)).toBeUndefined();
    });

    it('waits out the delay of a retry', async () => {
      await queue.enqueue(['501']);
      await queue.claim('a', LEASE);
      await queue.retry('501', 'a', 4000, 'disk full');
      expect(await queue.stats()).toEqual({ queued: 1, running: 0, done: 0 });
      await advance(3999);
      expect(await queue.claim('a', LEASE)).toBeUndefined();
      await advance(1);
      expect(await queue.claim('a', LEASE)).toEqual({
        jobId: '501',
        attempt: 2,
        lostRuns: 0,
        claim: 2,
      });
    });
  });
}
