/**
 * @module
 * The job queue of the scale-out deployment, on pg-boss 10 in the PostgreSQL database: pg-boss
 * makes and migrates its own schema (`pgboss`); one pg-boss queue (`dyi-export-jobs`, its own
 * partition of `pgboss.job`) holds one pg-boss job per DYI job; pg-boss's maintenance (one
 * process at a time, every `maintenanceIntervalSeconds`) expires leases that ran out, archives
 * finished tasks to `pgboss.archive` 12 hours after they finished and deletes them from there 7
 * days later (pg-boss's defaults). We add two partial indexes to `pgboss.job` (see
 * `pg-boss-task-sql.ts`), made once by whichever process starts first.
 *
 * How the port maps onto pg-boss:
 * - enqueue: `insert()` with the pg-boss id derived from the job id (`task-uuid.ts`), so a
 *   second enqueue is a no-op (`ON CONFLICT DO NOTHING`); ids pg-boss has archived are left
 *   out first, so a finished task stays finished after archiving (until its deletion from the
 *   archive, a week later; only unfinished jobs are ever enqueued again, so that is enough).
 * - claim: in one transaction, our sweep makes the queue's expired leases ready, pg-boss's
 *   `fetch()` takes the oldest ready task (`FOR UPDATE SKIP LOCKED`: concurrent claims in any
 *   process never get the same one), and our lease update gives it this worker's name and
 *   lease. The sweep is pg-boss's expiry, done at once for our queue: a lost task is ready for
 *   the next claim the moment its lease ends, not at the next maintenance. It runs on every
 *   claim that finds nothing ready, and at most every SWEEP_EVERY_MS on a busy queue; so a
 *   task whose worker died is taken again at most its lease plus one second (plus the
 *   claimer's own polling interval) after the last renewal, by any process.
 * - Order: pg-boss hands out tasks by creation (`created_on`, then id): tasks enqueued
 *   together in id order (callers pass ids ascending), a retried or lost task before newer
 *   ones, whenever it is due.
 * - renew, retry, release, complete, stats: our statements on pg-boss's table (see
 *   `pg-boss-task-sql.ts`): pg-boss 10 has no heartbeat, and its `fail()` takes its retry delay
 *   in whole seconds from the job's options, not per call; its `complete()` ends only an active
 *   job, while ours also ends a task whose lease ran out meanwhile.
 * - pg-boss's own retry limit is set out of reach: it counts every re-run, lost ones included,
 *   whereas our workers count failed runs and lost runs apart and end the job themselves.
 *
 * Time is the database's `now()`: one clock for every process, so the adapter takes no Clock.
 * pg-boss's `error` events (a maintenance run that failed; it tries again next interval) go to
 * `onError`, never to an unhandled `error` event that would end the process.
 */
import PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Id } from '../../domain/index.js';
import type { ClaimedTask, JobQueue } from '../../ports/job-queue.js';
import { fromPostgresError, openPool } from '../postgres/postgres-database.js';
import { inPgBossTransaction, PgBossExecutor } from './pg-boss-executor.js';
import { type TaskSql, taskSql } from './pg-boss-task-sql.js';
import { jobIdOfTask, taskUuid } from './task-uuid.js';

export interface PgBossJobQueueOptions {
  /** `postgres://user:password@host:port/database` */
  readonly url: string;
  /** The pg-boss queue holding our tasks (default `dyi-export-jobs`). */
  readonly queueName?: string;
  /** Seconds between pg-boss maintenance runs (expiry backstop, archiving); default 30. */
  readonly maintenanceIntervalSeconds?: number;
  /** Connections of this process's queue pool (default 4, at least 2: see init). */
  readonly maxConnections?: number;
  /** pg-boss's background failures (maintenance), already ours; default: ignored. */
  readonly onError?: (error: unknown) => void;
}

export const PG_BOSS_DEFAULTS = Object.freeze({
  queueName: 'dyi-export-jobs',
  maintenanceIntervalSeconds: 30,
  maxConnections: 4,
  /** pg-boss's schema; pg-boss creates and migrates it. */
  schema: 'pgboss',
  /** Out of reach: pg-boss must never fail a task on its own (see the module comment). */
  retryLimit: 1_000_000,
  /** Minutes a queued task may wait before pg-boss drops it (ten years; its default: 14 days). */
  retentionMinutes: 10 * 365 * 24 * 60,
});

/** How often a claim sweeps expired leases when it found a task without sweeping, in ms. */
const SWEEP_EVERY_MS = 1000;
/** Ids per insert statement. */
const ENQUEUE_CHUNK = 5000;

interface TaskData {
  readonly jobId: string;
  readonly attempts?: number;
  readonly lostRuns?: number;
  readonly claims?: number;
}

export class PgBossJobQueue implements JobQueue {
  readonly #options: PgBossJobQueueOptions;
  readonly #queue: string;
  readonly #sql: TaskSql = taskSql(PG_BOSS_DEFAULTS.schema);
  #pool: pg.Pool | undefined;
  #boss: PgBoss | undefined;
  #lastSweep = 0;

  constructor(options: PgBossJobQueueOptions) {
    this.#options = Object.freeze({ ...options });
    this.#queue = options.queueName ?? PG_BOSS_DEFAULTS.queueName;
  }

  /** Starts pg-boss (creating or migrating its schema) and creates our queue if missing. */
  async init(): Promise<void> {
    const pool = openPool({
      url: this.#options.url,
      // At least 2: init holds one in a transaction while pg-boss uses another.
      maxConnections: Math.max(2, this.#options.maxConnections ?? PG_BOSS_DEFAULTS.maxConnections),
      applicationName: 'dyi-export-queue',
    });
    const boss = new PgBoss({
      db: new PgBossExecutor(pool),
      schema: PG_BOSS_DEFAULTS.schema,
      schedule: false,
      maintenanceIntervalSeconds:
        this.#options.maintenanceIntervalSeconds ?? PG_BOSS_DEFAULTS.maintenanceIntervalSeconds,
    });
    boss.on('error', (error) => this.#options.onError?.(fromPostgresError(error, 'pg-boss')));
    try {
      await boss.start();
      await inPgBossTransaction(pool, 'the job queue', async (client) => {
        // The lock is this client's; pg-boss creates the queue on another of the pool.
        await client.query(this.#sql.lockSetUp);
        await boss.createQueue(this.#queue, {
          name: this.#queue,
          policy: 'standard',
          retryLimit: PG_BOSS_DEFAULTS.retryLimit,
          retryDelay: 0,
          retentionMinutes: PG_BOSS_DEFAULTS.retentionMinutes,
        });
        await client.query(this.#sql.createIndexes);
      });
    } catch (error) {
      await boss.stop({ graceful: false }).catch(() => undefined);
      await pool.end().catch(() => undefined);
      throw fromPostgresError(error, 'the job queue');
    }
    this.#pool = pool;
    this.#boss = boss;
  }

  /** Stops pg-boss's maintenance and closes the pool (no pg-boss workers to wait for). */
  async close(): Promise<void> {
    const [boss, pool] = [this.#boss, this.#pool];
    this.#boss = undefined;
    this.#pool = undefined;
    await boss?.stop({ graceful: true, timeout: 5000 });
    await pool?.end();
  }

  async enqueue(jobIds: readonly Id[]): Promise<void> {
    for (let start = 0; start < jobIds.length; start += ENQUEUE_CHUNK) {
      const ids = jobIds.slice(start, start + ENQUEUE_CHUNK).map(taskUuid);
      const archived = await this.#query<{ id: string }>(this.#sql.archived, [this.#queue, ids]);
      const finished = new Set(archived.map((row) => row.id));
      const jobs = ids
        .filter((id) => !finished.has(id))
        .map((id) => ({
          id,
          name: this.#queue,
          data: { jobId: jobIdOfTask(id) },
          // Due now, in pg-boss's strict `start_after < now()` (see pg-boss-task-sql.ts).
          startAfter: '-1 microsecond',
        }));
      try {
        if (jobs.length > 0) await this.#started().insert(jobs);
      } catch (error) {
        throw fromPostgresError(error, 'the job queue');
      }
    }
  }

  async claim(worker: string, leaseMs: number): Promise<ClaimedTask | undefined> {
    const sweepFirst = Date.now() - this.#lastSweep >= SWEEP_EVERY_MS;
    return inPgBossTransaction(this.#openPool(), 'the job queue', async (client, executor) => {
      if (sweepFirst) await this.#sweep(client);
      const task = await this.#take(client, executor, worker, leaseMs);
      if (task || sweepFirst) return task;
      await this.#sweep(client);
      return this.#take(client, executor, worker, leaseMs);
    });
  }

  /** Makes the queue's expired leases ready (in the claim's transaction). */
  async #sweep(client: pg.PoolClient): Promise<void> {
    this.#lastSweep = Date.now();
    await client.query(this.#sql.sweepExpired, [this.#queue]);
  }

  /** pg-boss's fetch of the oldest ready task, then our lease on it (in the claim's transaction). */
  async #take(
    client: pg.PoolClient,
    executor: PgBossExecutor,
    worker: string,
    leaseMs: number,
  ): Promise<ClaimedTask | undefined> {
    const [job] = await this.#started().fetch<TaskData>(this.#queue, {
      priority: false,
      db: executor,
    });
    const failure = executor.takeFailure();
    if (failure !== undefined) throw failure;
    if (!job) return undefined;
    const leased = await client.query<{ data: TaskData }>(this.#sql.lease, [
      this.#queue,
      job.id,
      leaseMs,
      worker,
    ]);
    const data = leased.rows[0]?.data ?? job.data;
    return {
      jobId: data.jobId,
      attempt: (data.attempts ?? 0) + 1,
      lostRuns: data.lostRuns ?? 0,
      claim: data.claims ?? 1,
    };
  }

  async renew(jobId: Id, worker: string, leaseMs: number): Promise<boolean> {
    return (await this.#update(this.#sql.renew, [taskUuid(jobId), worker, leaseMs])) > 0;
  }

  async complete(jobId: Id): Promise<void> {
    await this.#update(this.#sql.complete, [taskUuid(jobId)]);
  }

  async retry(jobId: Id, worker: string, delayMs: number, error: string): Promise<void> {
    await this.#update(this.#sql.retry, [taskUuid(jobId), worker, delayMs, error]);
  }

  async release(jobId: Id, worker: string): Promise<void> {
    await this.#update(this.#sql.release, [taskUuid(jobId), worker]);
  }

  async stats(): Promise<{ queued: number; running: number; done: number }> {
    const rows = await this.#query<{ state: string; n: number }>(this.#sql.countStates, [
      this.#queue,
    ]);
    const count = (...states: string[]) =>
      rows.filter((row) => states.includes(row.state)).reduce((sum, row) => sum + row.n, 0);
    return {
      queued: count('created', 'retry'),
      running: count('active'),
      done: count('completed', 'cancelled', 'failed'),
    };
  }

  /** Runs one of our statements on the task table with `$1` our queue; rows changed. */
  async #update(text: string, values: unknown[]): Promise<number> {
    try {
      const result = await this.#openPool().query(text, [this.#queue, ...values]);
      return result.rowCount ?? 0;
    } catch (error) {
      throw fromPostgresError(error, 'the job queue');
    }
  }

  async #query<Row extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<Row[]> {
    try {
      return (await this.#openPool().query<Row>(text, values)).rows;
    } catch (error) {
      throw fromPostgresError(error, 'the job queue');
    }
  }

  #openPool(): pg.Pool {
    if (!this.#pool) throw new Error('PgBossJobQueue used before init() or after close()');
    return this.#pool;
  }

  #started(): PgBoss {
    if (!this.#boss) throw new Error('PgBossJobQueue used before init() or after close()');
    return this.#boss;
  }
}
