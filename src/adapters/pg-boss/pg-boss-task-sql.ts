/**
 * @module
 * Our statements on pg-boss's job table (`<schema>.job`, partitioned by queue name), for what
 * pg-boss 10 has no call for: a lease per claim with its own length, its renewal, a worker's
 * name on the task, and a retry after a delay in milliseconds. They write only columns pg-boss
 * itself writes, with pg-boss's meanings:
 * - `state`: `created`/`retry` ready from `start_after`, `active` leased, `completed` done;
 * - the lease is pg-boss's expiration, `started_on + expire_in`: a claim sets `expire_in` to
 *   the lease, a renewal stretches it to "now + lease" (keeping `started_on` the time the run
 *   started), so pg-boss's own maintenance expires exactly the leases that ran out;
 * - `data` (the job's payload): `jobId`; `worker`, the lease holder while one runs; `attempts`,
 *   the failed runs; `lostRuns`, the runs lost with their worker; `claims`, every claim so far
 *   (the number of the latest). A claim finding `worker` still set knows the previous run
 *   ended without a verdict or a release (its lease ran out, whether our sweep or pg-boss's
 *   maintenance noticed), and counts a lost run. Until then
 *   the task is still that worker's to renew, retry or release, as in the SQLite queue;
 * - `output`: `{ "error": … }`, the last failed run's error, kept for people.
 *
 * pg-boss fetches rows with `start_after < now()`, strictly; our port calls a task ready once
 * its due time has come. So a due time is written as `start_after` one microsecond earlier.
 * Every time is the database's `now()`, one clock for every process.
 */

/** The SQL of a due time `expression`, in pg-boss's strict `start_after < now()` terms. */
const due = (expression: string) => `${expression} - interval '1 microsecond'`;
const ms = (parameter: string) => `${parameter}::float8 * interval '1 millisecond'`;

export interface TaskSql {
  /**
   * Our two indexes on pg-boss's job table (partial, so each holds only the rows it is for;
   * PostgreSQL adds them to every queue's partition, later ones included):
   * - ready tasks in pg-boss's fetch order (`created_on, id`): pg-boss 10's own fetch index is
   *   on `start_after`, so without it each fetch sorts every ready row of the queue (25 ms at
   *   20,000 ready tasks here, growing with the queue);
   * - leased tasks: the sweep reads them on every idle claim; without it, every row of the
   *   queue's partition, finished ones included.
   */
  readonly createIndexes: string;
  /**
   * Holds off other processes setting up the queue until this transaction ends: pg-boss 10's
   * `createQueue()` deadlocks with itself in another process (seen here: two processes
   * starting at once), and creating an index twice at once fails.
   */
  readonly lockSetUp: string;
  /** ($1 queue) Makes the queue's expired leases ready again; skips rows others hold. */
  readonly sweepExpired: string;
  /** ($1 queue, $2 uuid, $3 leaseMs, $4 worker) Leases a task just fetched; returns `data`. */
  readonly lease: string;
  /** ($1 queue, $2 uuid, $3 worker, $4 leaseMs) */
  readonly renew: string;
  /** ($1 queue, $2 uuid, $3 worker, $4 delayMs, $5 error) */
  readonly retry: string;
  /** ($1 queue, $2 uuid, $3 worker) */
  readonly release: string;
  /** ($1 queue, $2 uuid) */
  readonly complete: string;
  /** ($1 queue, $2 uuid[]) Those of the ids pg-boss has archived (finished long ago). */
  readonly archived: string;
  /**
   * ($1 queue) Rows `state`, `n`; a task whose lease ran out counts as `active` until another
   * worker takes it (as in the SQLite queue), archived tasks as `completed`.
   */
  readonly countStates: string;
}

/** The statements for pg-boss's tables in `schema` (a name pg-boss has validated). */
export function taskSql(schema: string): TaskSql {
  const job = `${schema}.job`;
  // Still the worker's: leased, or its lease ran out but nobody has taken it yet (a claim
  // that takes it holds the row locked until it has written its own worker's name).
  const ours = `name = $1 AND id = $2 AND state IN ('active', 'retry') AND data->>'worker' = $3`;
  return Object.freeze({
    // Looked up before creating: CREATE INDEX takes a lock on every queue's partition that
    // holds up their writes, even when IF NOT EXISTS then finds the index there.
    createIndexes: `
      DO $$ BEGIN
        IF to_regclass('${schema}.dyi_job_ready_order_i') IS NULL THEN
          CREATE INDEX dyi_job_ready_order_i ON ${job} (name, created_on, id)
           WHERE state < 'active';
        END IF;
        IF to_regclass('${schema}.dyi_job_leased_i') IS NULL THEN
          CREATE INDEX dyi_job_leased_i ON ${job} (name, started_on) WHERE state = 'active';
        END IF;
      END $$;`,
    lockSetUp: `SELECT pg_advisory_xact_lock(hashtext('dyi-export ${schema} set-up'))`,
    sweepExpired: `
      UPDATE ${job} SET state = 'retry', start_after = ${due('started_on + expire_in')}
       WHERE name = $1 AND id IN (
         SELECT id FROM ${job}
          WHERE name = $1 AND state = 'active' AND started_on + expire_in <= now()
            FOR UPDATE SKIP LOCKED)`,
    lease: `
      UPDATE ${job}
         SET expire_in = ${ms('$3')},
             data = data || jsonb_build_object(
               'worker', $4::text,
               'lostRuns', COALESCE((data->>'lostRuns')::int, 0)
                           + CASE WHEN data->>'worker' IS NULL THEN 0 ELSE 1 END,
               'claims', COALESCE((data->>'claims')::int, 0) + 1)
       WHERE name = $1 AND id = $2
      RETURNING data`,
    renew: `
      UPDATE ${job} SET state = 'active', expire_in = now() - started_on + ${ms('$4')}
       WHERE ${ours}`,
    retry: `
      UPDATE ${job}
         SET state = 'retry', start_after = ${due(`now() + ${ms('$4')}`)},
             data = (data - 'worker')
                    || jsonb_build_object('attempts', COALESCE((data->>'attempts')::int, 0) + 1),
             output = jsonb_build_object('error', $5::text)
       WHERE ${ours}`,
    release: `
      UPDATE ${job} SET state = 'created', start_after = ${due('now()')}, data = data - 'worker'
       WHERE ${ours}`,
    complete: `
      UPDATE ${job} SET state = 'completed', completed_on = now(), data = data - 'worker'
       WHERE name = $1 AND id = $2 AND state < 'completed'`,
    archived: `SELECT id FROM ${schema}.archive WHERE name = $1 AND id = ANY($2::uuid[])`,
    countStates: `
      SELECT CASE WHEN data ? 'worker' THEN 'active' ELSE state::text END AS state, count(*) AS n
        FROM ${job} WHERE name = $1 GROUP BY 1
      UNION ALL
      SELECT 'completed', count(*) FROM ${schema}.archive WHERE name = $1`,
  });
}
