/**
 * @module
 * The job queue of the embedded deployment: table `job_tasks` in the metadata database (made by
 * migration `0004_job_queue`), one row per DYI job: `queued` until due (`run_after`, ms),
 * `running` under a worker's lease (`worker`, `lease_until`, ms), `done` for good. A claim is a
 * single `UPDATE ... RETURNING` on the oldest ready row, so two workers (threads or processes)
 * never take the same task; an expired lease makes the row ready again. `attempts` counts the
 * runs that failed (`retry`), not the claims: a run lost with its process (kill -9, a crash)
 * never reached a verdict, so it costs the job no attempt; `lost_runs` (migration
 * `0008_job_task_lost_runs`) counts those apart; `claims` (migration `0018_run_claims`) counts
 * every claim, so each claim has a number higher than the ones before.
 *
 * It writes through the metadata store's own connection (`SqliteMetadataStore.jobQueue`), not a
 * second one: better-sqlite3 waits for a lock synchronously, so a second connection in the
 * same thread would block the event loop while the first holds a transaction open across an
 * `await`, and neither could go on until the busy timeout.
 */
import { type Kysely, sql } from 'kysely';
import type { Id } from '../../domain/index.js';
import type { Clock } from '../../ports/clock.js';
import type { ClaimedTask, JobQueue } from '../../ports/job-queue.js';
import type { SqliteDatabase } from './sqlite-schema.js';

export interface SqliteJobQueueOptions {
  /** The metadata store's connection (valid between its init and close). */
  readonly db: () => Kysely<SqliteDatabase>;
  readonly clock: Clock;
}

export class SqliteJobQueue implements JobQueue {
  readonly #options: SqliteJobQueueOptions;

  constructor(options: SqliteJobQueueOptions) {
    this.#options = Object.freeze({ ...options });
  }

  /** Nothing to open: the metadata store owns the connection and has migrated the table. */
  init(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  async enqueue(jobIds: readonly Id[]): Promise<void> {
    const now = this.#options.clock.now();
    // One statement per chunk: SQLite binds at most 32,766 values.
    for (let start = 0; start < jobIds.length; start += 10_000) {
      const rows = jobIds
        .slice(start, start + 10_000)
        .map((jobId) => sql`(${Number(jobId)}, 'queued', 0, ${now})`);
      await sql`INSERT OR IGNORE INTO job_tasks (job_id, state, attempts, run_after)
                VALUES ${sql.join(rows)}`.execute(this.#options.db());
    }
  }

  async claim(worker: string, leaseMs: number): Promise<ClaimedTask | undefined> {
    const now = this.#options.clock.now();
    // In SET, `state` is still the old one: 'running' means the lease of a lost run expired.
    const result = await sql<{
      job_id: number;
      attempts: number;
      lost_runs: number;
      claims: number;
    }>`
      UPDATE job_tasks
         SET state = 'running', worker = ${worker}, lease_until = ${now + leaseMs},
             lost_runs = lost_runs + (state = 'running'), claims = claims + 1
       WHERE job_id = (
         SELECT job_id FROM (
           SELECT job_id, run_after AS due FROM job_tasks
            WHERE state = 'queued' AND run_after <= ${now}
           UNION ALL
           SELECT job_id, lease_until AS due FROM job_tasks
            WHERE state = 'running' AND lease_until <= ${now})
         ORDER BY due, job_id
         LIMIT 1)
       RETURNING job_id, attempts, lost_runs, claims`.execute(this.#options.db());
    const [row] = result.rows;
    return (
      row && {
        jobId: String(row.job_id),
        attempt: row.attempts + 1,
        lostRuns: row.lost_runs,
        claim: row.claims,
      }
    );
  }

  async renew(jobId: Id, worker: string, leaseMs: number): Promise<boolean> {
    const result = await sql`
      UPDATE job_tasks SET lease_until = ${this.#options.clock.now() + leaseMs}
       WHERE job_id = ${Number(jobId)} AND state = 'running' AND worker = ${worker}`.execute(
      this.#options.db(),
    );
    return (result.numAffectedRows ?? 0n) > 0n;
  }

  async complete(jobId: Id): Promise<void> {
    await sql`
      UPDATE job_tasks SET state = 'done', worker = NULL, lease_until = NULL
       WHERE job_id = ${Number(jobId)}`.execute(this.#options.db());
  }

  async retry(jobId: Id, worker: string, delayMs: number, error: string): Promise<void> {
    await sql`
      UPDATE job_tasks
         SET state = 'queued', worker = NULL, lease_until = NULL, attempts = attempts + 1,
             run_after = ${this.#options.clock.now() + delayMs}, last_error = ${error}
       WHERE job_id = ${Number(jobId)} AND state = 'running' AND worker = ${worker}`.execute(
      this.#options.db(),
    );
  }

  async release(jobId: Id, worker: string): Promise<void> {
    await sql`
      UPDATE job_tasks SET state = 'queued', worker = NULL, lease_until = NULL,
             run_after = ${this.#options.clock.now()}
       WHERE job_id = ${Number(jobId)} AND state = 'running' AND worker = ${worker}`.execute(
      this.#options.db(),
    );
  }

  async stats(): Promise<{ queued: number; running: number; done: number }> {
    const result = await sql<{ state: string; n: number }>`
      SELECT state, count(*) AS n FROM job_tasks GROUP BY state`.execute(this.#options.db());
    const count = (state: string) => result.rows.find((row) => row.state === state)?.n ?? 0;
    return { queued: count('queued'), running: count('running'), done: count('done') };
  }
}
