/**
 * @module
 * The PostgreSQL connection pool of a store and what every repository needs from it: Kysely's
 * PostgresDialect over `pg`, write transactions, fixed-SQL reads, and PostgreSQL's failures
 * turned into ours (every statement's, not only a transaction's).
 *
 * Numbers: `pg` hands 64-bit integers (ids, `count(*)`) back as strings, since they may exceed
 * 2^53. Our ids start at 15 digits and stay far below 2^53, and counts of rows do too, so this
 * pool parses them as numbers, as the SQLite adapters get them; row types can be shared.
 */
import {
  CompiledQuery,
  type Kysely as KyselyType,
  Kysely,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type QueryResult,
} from 'kysely';
import pg from 'pg';
import { StorageFullError, TransientError } from '../../domain/index.js';

/** PostgreSQL's type OID of `int8` (bigint, and what count(*) returns). */
const INT8_OID = 20;

export interface PostgresPoolOptions {
  /** `postgres://user:password@host:port/database` */
  readonly url: string;
  /** Connections kept open at most (pg's default is 10). */
  readonly maxConnections?: number;
  /** The name PostgreSQL shows for these connections in `pg_stat_activity`. */
  readonly applicationName?: string;
  /**
   * Called after every statement that may have changed data has completed: an INSERT, UPDATE,
   * DELETE, MERGE, TRUNCATE or COPY, and a COMMIT (so, for a transaction, once more when it is
   * visible to others).
   */
  readonly onWrite?: () => void;
  /**
   * A pool this store shares with the other stores of its process (`openStores`), which then
   * hold at most its `maxConnections` together; absent: the store opens a pool of its own.
   */
  readonly sharedPool?: SharedPool;
}

/** pg's type parsers, with `int8` read as a number (see the module comment). */
const numbersForInt8 = ((oid: number, format?: 'text' | 'binary'): unknown =>
  oid === INT8_OID
    ? (value: string): number => Number(value)
    : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser;

/** A `pg` pool with the settings every store uses. */
export function openPool(options: PostgresPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'dyi-export',
    types: { getTypeParser: numbersForInt8 },
  });
  // An idle connection the server closed (restart, failover) must not crash the process: the
  // pool drops it and the next query opens a new one.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * One `pg` pool that several stores of a process draw on, so that together they keep at most
 * its `maxConnections` open. It opens on the first `hold` and ends on the last `release`.
 */
export class SharedPool {
  readonly #options: PostgresPoolOptions;
  #pool: pg.Pool | undefined;
  #holders = 0;

  constructor(options: PostgresPoolOptions) {
    this.#options = Object.freeze({ ...options });
  }

  hold(): pg.Pool {
    this.#pool ??= openPool(this.#options);
    this.#holders++;
    return this.#pool;
  }

  /** Lets go of a `hold`; the last holder's release ends the pool. */
  async release(): Promise<void> {
    if (this.#holders === 0) return;
    this.#holders--;
    if (this.#holders > 0) return;
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end();
  }
}

/** The pool a store uses: the shared one of `options`, or one of its own. */
export function poolFor(options: PostgresPoolOptions): SharedPool {
  return options.sharedPool ?? new SharedPool(options);
}

/**
 * Kysely over the store's pool (`poolFor`), whose every failure comes out as ours
 * (`fromPostgresError`). Destroying it releases the pool: ends it, unless another store
 * still holds it.
 */
export function openPostgres<DB>(options: PostgresPoolOptions): KyselyType<DB> {
  const shared = poolFor(options);
  const pool = translatedPool(shared, describeDatabaseUrl(options.url), options.onWrite);
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** Commands after which data may have changed (see `onWrite`). */
const WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'TRUNCATE',
  'COPY',
  'COMMIT',
]);

/**
 * The pool as Kysely sees it, with failures turned into ours and writes reported; ending it
 * releases the shared pool.
 */
function translatedPool(shared: SharedPool, location: string, onWrite?: () => void): PostgresPool {
  const pool = shared.hold();
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const translate = (client: pg.PoolClient): PostgresPoolClient => ({
    query: (async (text: string, parameters: readonly unknown[]) => {
      try {
        const result = await client.query(text, [...parameters]);
        if (onWrite && WRITE_COMMANDS.has(result.command)) onWrite();
        return result;
      } catch (error) {
        throw fromPostgresError(error, location);
      }
    }) as unknown as PostgresPoolClient['query'],
    release: (destroy) => client.release(destroy),
  });
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw fromPostgresError(error, location);
      }
      // Kysely keeps its connection objects by client: give it the same one each time.
      let translated = clients.get(client);
      if (!translated) {
        translated = translate(client);
        clients.set(client, translated);
      }
      return translated;
    },
    end: () => shared.release(),
  };
}

/** SQLSTATE codes (and classes, by their first two characters) worth retrying. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

/** Node's socket errors when the server cannot be reached or dropped the connection. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * Our error for a failure of PostgreSQL: a full disk (53100) or exceeded quota (53xxx) is a
 * StorageFullError; a failure that passes on retry (deadlock, serialization, shutdown, network)
 * a TransientError. Anything else passes through unchanged, so callers keep matching constraint
 * codes (`isUniqueViolation`).
 */
export function fromPostgresError(error: unknown, location: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') {
    if (error instanceof Error && /Connection terminated|timeout exceeded/i.test(error.message)) {
      return new TransientError('The connection to PostgreSQL was lost; retry.', { cause: error });
    }
    return error;
  }
  if (code === '53100' || code === '53200') {
    return new StorageFullError('the metadata database', location, { cause: error });
  }
  if (TRANSIENT_CODES.has(code) || code.startsWith('08') || NETWORK_CODES.has(code)) {
    return new TransientError(`PostgreSQL could not complete the request (${code}); retry.`, {
      cause: error,
    });
  }
  return error;
}

/** PostgreSQL's unique_violation (23505). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}

/** SQL texts with `?` placeholders and the same texts numbered for PostgreSQL (`$1`, `$2`...). */
const numberedTexts = new Map<string, string>();

/** Distinct SQL texts kept numbered; the adapters' texts are a few dozen. */
const NUMBERED_TEXTS_KEPT = 500;

/**
 * `text` with its `?` placeholders numbered, so that SQL written for both engines (no `?`
 * other than placeholders: no string literals holding one, no jsonb `?` operators) runs here.
 */
export function numberPlaceholders(text: string): string {
  let numbered = numberedTexts.get(text);
  if (numbered === undefined) {
    let n = 0;
    numbered = text.replace(/\?/g, () => `$${++n}`);
    if (numberedTexts.size >= NUMBERED_TEXTS_KEPT) numberedTexts.clear();
    numberedTexts.set(text, numbered);
  }
  return numbered;
}

/** A Kysely instance or transaction, as far as fixed SQL needs one. */
export interface QueryExecutor {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/**
 * Runs a fixed SQL text with `?` placeholders and returns its rows, skipping the query
 * builder (reads are the API's hot path); inside a transaction when `db` is one.
 */
export async function query<R>(
  db: QueryExecutor,
  text: string,
  parameters: readonly unknown[],
): Promise<R[]> {
  const result = await db.executeQuery<R>(
    CompiledQuery.raw(numberPlaceholders(text), [...parameters]),
  );
  return result.rows;
}

export async function queryOne<R>(
  db: QueryExecutor,
  text: string,
  parameters: readonly unknown[],
): Promise<R | undefined> {
  return (await query<R>(db, text, parameters))[0];
}

/** Where a database URL points, with its password left out (for messages and logs). */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString().replace(/:@/, '@');
  } catch {
    return 'an unparsable PostgreSQL URL';
  }
}
