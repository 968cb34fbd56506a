/**
 * @module
 * Usage counters in PostgreSQL, shared by every API process of a scale-out deployment: table
 * `usage_windows` (migration `0201_usage_windows`), one row per key with its window's end and
 * the calls, wall and CPU milliseconds counted in it. A `count` is one statement, one round
 * trip: an `INSERT … ON CONFLICT DO UPDATE … RETURNING` over all keys of the call, which opens
 * a new window where the old one ended and otherwise adds, and answers the totals. PostgreSQL
 * locks the row for the update, so counts from any number of processes each see a different
 * total, and a limit holds exactly across them. Rows are locked in key order, so two counts
 * over the same keys never deadlock. Ended windows are deleted once a minute by each process.
 *
 * Why no library: the well-kept one, rate-limiter-flexible (11.x; `RateLimiterPostgres`),
 * runs this same kind of upsert, but one per limiter and key, on a table it creates itself from
 * its constructor, with `Date.now()` as the only clock and one number per key. We need three
 * sums per key (calls, wall, CPU) in one round trip for three keys, tests that move time with
 * an injected clock, and the schema in our migrations. The statement is the whole algorithm.
 *
 * Time is the API process's clock (`nowMs`), not the server's, so injected clocks work; keep
 * the processes' clocks in sync (NTP), or a lagging one sees a window end a little late.
 */
import type pg from 'pg';
import { ConfigurationError } from '../../domain/index.js';
import type { UsageCount, UsageCounters, UsageWindow } from '../../ports/usage-counters.js';
import {
  describeDatabaseUrl,
  fromPostgresError,
  poolFor,
  type SharedPool,
  type PostgresPoolOptions,
} from './postgres-database.js';

/** How often each process deletes ended windows, in milliseconds of its clock. */
const SWEEP_INTERVAL_MS = 60_000;

const COUNT_SQL = `
  INSERT INTO usage_windows AS w (key, window_end, calls, wall_ms, cpu_ms)
  SELECT c.key, $6::bigint + c.window_ms, c.calls, c.wall_ms, c.cpu_ms
  FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::float8[], $5::float8[])
    AS c(key, window_ms, calls, wall_ms, cpu_ms)
  ORDER BY c.key
  ON CONFLICT (key) DO UPDATE SET
    window_end = CASE WHEN w.window_end <= $6 THEN excluded.window_end ELSE w.window_end END,
    calls = CASE WHEN w.window_end <= $6 THEN 0 ELSE w.calls END + excluded.calls,
    wall_ms = CASE WHEN w.window_end <= $6 THEN 0 ELSE w.wall_ms END + excluded.wall_ms,
    cpu_ms = CASE WHEN w.window_end <= $6 THEN 0 ELSE w.cpu_ms END + excluded.cpu_ms
  RETURNING key, window_end, calls, wall_ms, cpu_ms`;

interface WindowRow {
  readonly key: string;
  readonly window_end: number;
  readonly calls: number;
  readonly wall_ms: number;
  readonly cpu_ms: number;
}

/** PostgreSQL's undefined_table. */
const UNDEFINED_TABLE = '42P01';

export class PostgresUsageCounters implements UsageCounters {
  readonly #options: PostgresPoolOptions;
  #shared: SharedPool | undefined;
  #pool: pg.Pool | undefined;
  #nextSweepAt = 0;
  #sweeping: Promise<void> = Promise.resolve();

  constructor(options: PostgresPoolOptions) {
    this.#options = Object.freeze({ applicationName: 'dyi-export usage', ...options });
  }

  async init(): Promise<void> {
    const shared = poolFor(this.#options);
    const pool = shared.hold();
    try {
      await pool.query('SELECT 1 FROM usage_windows LIMIT 0');
    } catch (error) {
      await shared.release();
      throw this.#ours(error);
    }
    this.#shared = shared;
    this.#pool = pool;
  }

  async close(): Promise<void> {
    const shared = this.#shared;
    this.#shared = undefined;
    this.#pool = undefined;
    await this.#sweeping;
    await shared?.release();
  }

  async count(counts: readonly UsageCount[], nowMs: number): Promise<readonly UsageWindow[]> {
    const pool = this.#open();
    if (nowMs >= this.#nextSweepAt) {
      this.#nextSweepAt = nowMs + SWEEP_INTERVAL_MS;
      this.#sweeping = this.#sweep(pool, nowMs);
    }
    let rows: WindowRow[];
    try {
      const result = await pool.query<WindowRow>({
        name: 'dyi-usage-count',
        text: COUNT_SQL,
        values: [
          counts.map((c) => c.key),
          counts.map((c) => c.windowMs),
          counts.map((c) => c.calls),
          counts.map((c) => c.wallMs),
          counts.map((c) => c.cpuMs),
          nowMs,
        ],
      });
      rows = result.rows;
    } catch (error) {
      throw this.#ours(error);
    }
    const byKey = new Map(rows.map((row) => [row.key, row]));
    return counts.map((count) => {
      const row = byKey.get(count.key);
      if (row === undefined) throw new Error(`usage_windows answered no row for ${count.key}`);
      return { endsAt: row.window_end, calls: row.calls, wallMs: row.wall_ms, cpuMs: row.cpu_ms };
    });
  }

  /** Deletes ended windows; a failure is left to the next sweep (the rows do no harm). */
  async #sweep(pool: pg.Pool, nowMs: number): Promise<void> {
    await pool.query('DELETE FROM usage_windows WHERE window_end <= $1', [nowMs]).then(
      () => undefined,
      () => undefined,
    );
  }

  #open(): pg.Pool {
    if (this.#pool === undefined) throw new Error('PostgresUsageCounters used before init()');
    return this.#pool;
  }

  #ours(error: unknown): unknown {
    if ((error as { code?: unknown } | null)?.code === UNDEFINED_TABLE) {
      return new ConfigurationError(
        `The database at ${describeDatabaseUrl(this.#options.url)} has no usage_windows table: run \`dyi migrate\` with this version of dyi-export first.`,
        { cause: error },
      );
    }
    return fromPostgresError(error, 'the usage counters');
  }
}
