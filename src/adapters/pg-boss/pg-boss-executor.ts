/**
 * @module
 * pg-boss's `db` option (an object with `executeSql`) over our own `pg` pool, or over one
 * client for the statements of a transaction. pg-boss then runs on the pool `openPool` makes
 * (our settings, our int8 parsing, its idle-connection errors swallowed), and a claim can run
 * pg-boss's fetch and our lease update in one transaction.
 *
 * It remembers the last failure: pg-boss's `fetch()` swallows its query's errors (it expects
 * only unique violations there) and answers "no job", which would hide a lost database from
 * the workers; the queue asks `takeFailure()` after a fetch and throws it instead.
 */
import type pg from 'pg';
import { fromPostgresError } from '../postgres/postgres-database.js';

export class PgBossExecutor {
  readonly #target: pg.Pool | pg.PoolClient;
  #failure: Error | undefined;

  constructor(target: pg.Pool | pg.PoolClient) {
    this.#target = target;
  }

  async executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    try {
      return await this.#target.query(text, values);
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  }

  /** The failure of a statement since the last call, if any (and forgets it). */
  takeFailure(): Error | undefined {
    const failure = this.#failure;
    this.#failure = undefined;
    return failure;
  }
}

/**
 * Runs `fn` in one transaction on one client of `pool`, with an executor pg-boss can use on
 * that client; failures come out as ours (`fromPostgresError`).
 */
export async function inPgBossTransaction<T>(
  pool: pg.Pool,
  location: string,
  fn: (client: pg.PoolClient, executor: PgBossExecutor) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw fromPostgresError(error, location);
  }
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const result = await fn(client, new PgBossExecutor(client));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
    throw fromPostgresError(error, location);
  } finally {
    // A client whose rollback failed may be in any state: the pool drops it.
    client.release(broken instanceof Error ? broken : undefined);
  }
}
