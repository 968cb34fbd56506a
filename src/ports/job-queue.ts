/**
 * @module
 * The durable queue of export work: one task per DYI job, taken by workers under a lease.
 *
 * Glossary
 * - **Task**: the work of running one DYI job. Enqueuing a job twice keeps one task.
 * - **Lease**: a task being run belongs to one worker until `leaseUntil`; the worker renews it
 *   while it works. A task whose lease ran out (its worker died, its process was killed) is
 *   ready again, so the job is re-run from its start by the next worker.
 * - **Claim**: one taking of a task by a worker. Each claim of a task has a higher number than
 *   every claim of it before, whoever made them; a run carries its claim's number into the
 *   metadata store (`JobService.start`), where a run of an older claim is refused, so a worker
 *   that paused past its lease never takes the job back from the worker that claimed it next.
 * - **Attempt**: one run of a task that reached a verdict. Only a failed run (`retry`) uses one
 *   up; a run lost with its worker (lease ran out, process killed) or given back at shutdown
 *   (`release`) does not, so a restart never brings a job closer to FAILED.
 *
 * Adapters: SQLite (a table in the metadata database, embedded) and pg-boss (PostgreSQL). Both run
 * the contract suite `job-queue.contract.ts`.
 */
import type { Id } from '../domain/index.js';

export interface ClaimedTask {
  readonly jobId: Id;
  /** 1 for the first run, 1 + the failed runs (`retry` calls) so far after that. */
  readonly attempt: number;
  /** Runs lost so far with their worker (their lease ran out): a job that kills its worker. */
  readonly lostRuns: number;
  /** This claim's number: higher than every earlier claim of the task (1 for the first). */
  readonly claim: number;
}

export interface JobQueue {
  init(): Promise<void>;
  close(): Promise<void>;
  /** Adds a task for each job that has none (finished tasks included); in the order given. */
  enqueue(jobIds: readonly Id[]): Promise<void>;
  /**
   * Takes the oldest ready task (queued and due, or leased but expired) for `worker`, leased
   * for `leaseMs`; undefined when none is ready.
   */
  claim(worker: string, leaseMs: number): Promise<ClaimedTask | undefined>;
  /** Extends the lease; false when the task is no longer this worker's (expired and taken). */
  renew(jobId: Id, worker: string, leaseMs: number): Promise<boolean>;
  /** The task is done (its job reached a final state, or is gone); it never runs again. */
  complete(jobId: Id): Promise<void>;
  /**
   * The run failed: gives the task back to run again after `delayMs`, counting an attempt and
   * keeping the error for people.
   */
  retry(jobId: Id, worker: string, delayMs: number, error: string): Promise<void>;
  /** Gives the task back, ready now, without counting an attempt (the worker is stopping). */
  release(jobId: Id, worker: string): Promise<void>;
  /** Counts of tasks per state, for the panel and tests. */
  stats(): Promise<{ queued: number; running: number; done: number }>;
}
