/**
 * @module
 * The one SQLite connection of a store and what every repository needs from it: Kysely over
 * better-sqlite3 with a prepared-statement cache, fixed-SQL reads, write transactions, failures
 * turned into ours (`sqlite-errors.ts`), and the id sequence shared by every kind of object.
 *
 * Write transactions start with BEGIN IMMEDIATE: a deferred BEGIN that reads first and writes
 * later must upgrade its read lock, and when another connection committed in between, SQLite
 * answers SQLITE_BUSY at once, without waiting out the busy timeout (jobs failed on this).
 * Taking the write lock first makes every writer wait its turn instead.
 *
 * Why fixed SQL for reads: building and compiling a Kysely query costs about ten times what
 * SQLite takes to run a one-row lookup (measured: 46 µs against 4 µs), and the API's hot paths
 * are such lookups. Reads outside a transaction go, as SQL texts with `?` placeholders, to a
 * second, read-only connection that sees only committed data (WAL), synchronously and with its
 * own statement cache; reads inside a write transaction go through that transaction. Writes,
 * which are rarer, use the query builder on the writing connection.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type SqliteDatabase as KyselySqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type SqliteStatement,
  type Transaction,
} from 'kysely';
import type { ObjectKind, Id } from '../../domain/index.js';
import type { MaybePromise } from '../../ports/maybe-promise.js';
import { fromSqliteError } from './sqlite-errors.js';
import type { SqliteDatabase } from './sqlite-schema.js';

export type Db = Kysely<SqliteDatabase> | Transaction<SqliteDatabase>;

/** Rows per INSERT: SQLite allows 32,766 bound values, and a job row binds 12. */
export const INSERT_CHUNK = 2000;

/** Read results kept while the data has not changed (see ReadStatements). */
const RESULT_CACHE_SIZE = 2000;

/**
 * How late, at most, reads see another process's commit, in milliseconds. Checking SQLite's
 * data_version costs a lock round trip (about 8 µs); once a millisecond is plenty.
 */
const MAX_STALENESS_MS = 1;

/** Distinct SQL texts kept prepared; reads are a few dozen, writes vary with row counts. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * How long a connection waits for another one's lock before giving up, in milliseconds. Write
 * transactions are short (one job's rows, one export's rows), so this is ample; reads in WAL
 * mode never wait for writers.
 */
export const BUSY_TIMEOUT_MS = 5000;

/** The read-only connection of each open store, found from its Kysely instance. */
const readers = new WeakMap<Kysely<SqliteDatabase>, ReadStatements>();

/** Opens the file with the pragmas every process sharing it must use. */
export function openSqlite(filename: string): Kysely<SqliteDatabase> {
  if (filename !== ':memory:') mkdirSync(path.dirname(filename), { recursive: true });
  const writer = new Database(filename);
  // First, so that even setting the journal mode waits for a writer in another process.
  writer.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  writer.pragma('journal_mode = WAL');
  writer.pragma('synchronous = NORMAL');
  writer.pragma('foreign_keys = ON');
  // A second connection to `:memory:` would be another database: there, reads share the writer.
  const reader = filename === ':memory:' ? undefined : new Database(filename, { readonly: true });
  reader?.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const writerStatements = new StatementCache(writer, filename);
  const readStatements = reader && new ReadStatements(reader, filename);
  const database: KyselySqliteDatabase = {
    close: () => {
      reader?.close();
      writer.close();
    },
    // Kysely prepares each statement right before running it: a write may follow.
    prepare: (sql: string): SqliteStatement => {
      readStatements?.invalidate();
      return writerStatements.prepare(sql);
    },
  };
  const db = new Kysely<SqliteDatabase>({ dialect: new WriterDialect({ database }, writer) });
  if (readStatements) readers.set(db, readStatements);
  return db;
}

/** Kysely's SQLite dialect with the transaction handling of `ImmediateDriver`. */
class WriterDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #writer: Database.Database;

  constructor(config: SqliteDialectConfig, writer: Database.Database) {
    super(config);
    this.#config = config;
    this.#writer = writer;
  }

  override createDriver(): Driver {
    return new ImmediateDriver(this.#config, this.#writer);
  }
}

/**
 * Starts write transactions with BEGIN IMMEDIATE (see the module comment), and rolls back only
 * a transaction that is still open: on SQLITE_FULL, an I/O error or SQLITE_BUSY mid-statement
 * SQLite may roll the transaction back by itself, and a ROLLBACK then fails with "cannot
 * rollback - no transaction is active", an error that would replace the one that mattered.
 * A transaction's failures thus come out as ours (the statements throw them): SQLITE_BUSY
 * after the busy timeout a TransientError, a full disk a StorageFullError, whatever SQLite did
 * to the transaction meanwhile.
 */
class ImmediateDriver extends SqliteDriver {
  readonly #writer: Database.Database;

  constructor(config: SqliteDialectConfig, writer: Database.Database) {
    super(config);
    this.#writer = writer;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('BEGIN IMMEDIATE'));
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#writer.inTransaction) await super.rollbackTransaction(connection);
  }
}

/**
 * Prepared statements kept by their SQL text (preparing costs more than most reads), each
 * wrapped so that its failures reach Kysely already turned into ours.
 */
class StatementCache {
  readonly #database: Database.Database;
  readonly #location: string;
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(database: Database.Database, location: string) {
    this.#database = database;
    this.#location = location;
  }

  prepare(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.clear();
      statement = translated(this.#prepare(sql), this.#location);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #prepare(sql: string): Database.Statement {
    try {
      return this.#database.prepare(sql);
    } catch (error) {
      throw fromSqliteError(error, this.#location);
    }
  }
}

/** A statement whose every call throws our errors instead of better-sqlite3's. */
function translated(statement: Database.Statement, location: string): SqliteStatement {
  const run = <T>(work: () => T): T => {
    try {
      return work();
    } catch (error) {
      throw fromSqliteError(error, location);
    }
  };
  return {
    reader: statement.reader,
    all: (parameters) => run(() => statement.all(parameters)),
    run: (parameters) => run(() => statement.run(parameters)),
    iterate: (parameters) => run(() => statement.iterate(parameters)),
  };
}

interface ReadStatement {
  readonly statement: Database.Statement;
  /** Turns one raw row (an array, in column order) into an object keyed by column. */
  readonly toRow: (values: unknown[]) => unknown;
  /** Kept results of this statement, by parameters (`resultKey`). */
  readonly results: Map<unknown, unknown[]>;
}

/**
 * Read statements in raw mode, with a row builder made once per statement: better-sqlite3
 * builds row objects a property at a time through V8's API, which costs about a microsecond
 * per column (measured: 48 µs for three 10-column rows, 21 µs raw); an object literal in JS
 * costs next to nothing.
 *
 * Results are also kept while the data cannot have changed: every statement outside a
 * transaction opens a WAL read transaction (about 10 µs of locking), and one request reads the
 * same few rows through several layers. Before a read, the cache checks SQLite's `data_version`
 * (any other connection's commit, this store's writer included, changes it) unless it checked
 * less than MAX_STALENESS_MS ago; any statement of this store's writer empties it and forces
 * the next check. A read thus sees everything this process wrote, and other processes' commits
 * at most MAX_STALENESS_MS late. Cached rows are shared: callers map, never mutate.
 *
 * Results are kept per statement, keyed by their parameters alone (a single id as it is), so
 * that a hit neither builds nor hashes a key holding the SQL text.
 */
class ReadStatements {
  readonly #database: Database.Database;
  readonly #location: string;
  readonly #statements = new Map<string, ReadStatement>();
  /** Statements holding kept results, so that forgetting them touches only those. */
  readonly #holding = new Set<ReadStatement>();
  /** Results kept, over every statement. */
  #kept = 0;
  #version = 0;
  /** When data_version was last read (performance.now()); -Infinity forces a read. */
  #checkedAt = Number.NEGATIVE_INFINITY;

  constructor(database: Database.Database, location: string) {
    this.#database = database;
    this.#location = location;
  }

  /** Forgets every kept result (the writer is about to change data). */
  invalidate(): void {
    this.#forgetResults();
    this.#checkedAt = Number.NEGATIVE_INFINITY;
  }

  /** SQLite's data_version on this connection, read again when the last reading is stale. */
  version(): number {
    const now = performance.now();
    if (now - this.#checkedAt < MAX_STALENESS_MS) return this.#version;
    this.#checkedAt = now;
    const [row] = this.#run(this.#statement('PRAGMA data_version'), []) as [
      { data_version: number },
    ];
    if (row.data_version !== this.#version) {
      this.#version = row.data_version;
      this.#forgetResults();
    }
    return row.data_version;
  }

  all(sql: string, parameters: readonly unknown[]): unknown[] {
    this.version();
    const entry = this.#statement(sql);
    const key = resultKey(parameters);
    let rows = entry.results.get(key);
    if (!rows) {
      if (this.#kept >= RESULT_CACHE_SIZE) this.#forgetResults();
      rows = this.#run(entry, parameters);
      entry.results.set(key, rows);
      this.#holding.add(entry);
      this.#kept += 1;
    }
    return rows;
  }

  #forgetResults(): void {
    for (const entry of this.#holding) entry.results.clear();
    this.#holding.clear();
    this.#kept = 0;
  }

  #statement(sql: string): ReadStatement {
    let entry = this.#statements.get(sql);
    if (!entry) {
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        this.#forgetResults();
        this.#statements.clear();
      }
      let statement: Database.Statement;
      try {
        statement = this.#database.prepare(sql).raw(true);
      } catch (error) {
        throw fromSqliteError(error, this.#location);
      }
      const toRow = rowBuilder(statement.columns().map((c) => c.name));
      entry = { statement, toRow, results: new Map() };
      this.#statements.set(sql, entry);
    }
    return entry;
  }

  #run(entry: ReadStatement, parameters: readonly unknown[]): unknown[] {
    try {
      const rows = entry.statement.all(...parameters) as unknown[][];
      return rows.map(entry.toRow);
    } catch (error) {
      throw fromSqliteError(error, this.#location);
    }
  }
}

/**
 * Key of a statement's result by its parameters: one number or string as it is (a Map tells
 * 1 from '1', as SQLite does), otherwise their typed text.
 */
function resultKey(parameters: readonly unknown[]): unknown {
  if (parameters.length === 1) {
    const [only] = parameters;
    if (typeof only === 'number' || typeof only === 'string') return only;
  }
  let key = '';
  for (const parameter of parameters) {
    key +=
      typeof parameter === 'number' ? `\u0000n${parameter}` : `\u0000${JSON.stringify(parameter)}`;
  }
  return key;
}

/**
 * Wraps a row mapper so that a row object (shared by the read cache) is mapped once: domain
 * records are read-only, so every caller may share the result.
 */
export function mappedOnce<Row extends object, T>(map: (row: Row) => T): (row: Row) => T {
  const mapped = new WeakMap<Row, T>();
  return (row) => {
    let result = mapped.get(row);
    if (result === undefined) {
      result = map(row);
      mapped.set(row, result);
    }
    return result;
  };
}

/** A function building `{column: values[i]}`; the names come from our own schema. */
function rowBuilder(columns: readonly string[]): (values: unknown[]) => unknown {
  const fields = columns.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a literal per statement is the point
  return new Function('v', `return { ${fields} };`) as (values: unknown[]) => unknown;
}

let uncachedMark = 0;

/**
 * SQLite's `data_version` as seen by the read connection: it changes whenever another
 * connection (including this store's writer) commits; see ReadStatements for how fresh it is.
 * Without a read connection, every call gives a new mark.
 */
export function dataVersion(db: Kysely<SqliteDatabase>): number {
  const reader = readers.get(db);
  if (!reader) return --uncachedMark;
  return reader.version();
}

/**
 * Runs a fixed SQL read with its parameters and returns the rows: on the read connection
 * outside a transaction, inside the transaction otherwise. Not `async`: a read on the read
 * connection answers one settled promise, without the frame and the await an async function
 * would allocate (a Graph request makes several such reads).
 */
export function query<R>(db: Db, sql: string, parameters: readonly unknown[]): Promise<R[]> {
  const rows = allRows<R>(db, sql, parameters);
  return rows instanceof Promise ? rows : Promise.resolve(rows);
}

/**
 * `query` without a promise when the read connection answers: the rows themselves, shared
 * with the read cache (callers copy, never change them), as the Graph's hot reads take them
 * (`MaybePromise`); a failure is a rejected promise still.
 */
export function allRows<R>(db: Db, sql: string, parameters: readonly unknown[]): MaybePromise<R[]> {
  const reader = db.isTransaction ? undefined : readers.get(db);
  if (!reader) {
    return db
      .executeQuery<R>(CompiledQuery.raw(sql, [...parameters]))
      .then((result) => result.rows);
  }
  try {
    return reader.all(sql, parameters) as R[];
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as thrown
    return Promise.reject(error);
  }
}

export function queryOne<R>(
  db: Db,
  sql: string,
  parameters: readonly unknown[],
): Promise<R | undefined> {
  const row = firstRow<R>(db, sql, parameters);
  return row instanceof Promise ? row : Promise.resolve(row);
}

/**
 * `queryOne` without a promise when the read connection answers: the row itself, as the
 * Graph's hot reads take it (`MaybePromise`); a failure is a rejected promise still.
 */
export function firstRow<R>(
  db: Db,
  sql: string,
  parameters: readonly unknown[],
): MaybePromise<R | undefined> {
  const rows = allRows<R>(db, sql, parameters);
  return rows instanceof Promise ? rows.then((all) => all[0]) : rows[0];
}

export async function newObjectId(
  db: Db,
  kind: ObjectKind,
  communityId: Id | null,
): Promise<number> {
  const result = await db
    .insertInto('objects')
    .values({ kind, community_id: communityId === null ? null : Number(communityId) })
    .executeTakeFirstOrThrow();
  return Number(result.insertId);
}

/**
 * Allocates `count` consecutive ids. Inside a write transaction nobody else can insert, and
 * AUTOINCREMENT hands out consecutive rowids to one multi-row INSERT.
 */
export async function newObjectIds(
  db: Transaction<SqliteDatabase>,
  kind: ObjectKind,
  communityId: Id,
  count: number,
): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < count; start += INSERT_CHUNK) {
    const n = Math.min(INSERT_CHUNK, count - start);
    const rows = Array.from({ length: n }, () => ({ kind, community_id: Number(communityId) }));
    const result = await db.insertInto('objects').values(rows).executeTakeFirstOrThrow();
    const last = Number(result.insertId);
    for (let i = n - 1; i >= 0; i--) ids.push(last - i);
  }
  return ids;
}

/** Deletes rows of `objects` in chunks (SQLite limits bound values per statement). */
export async function deleteObjects(db: Db, ids: readonly number[]): Promise<void> {
  for (let start = 0; start < ids.length; start += INSERT_CHUNK) {
    await db
      .deleteFrom('objects')
      .where('id', 'in', ids.slice(start, start + INSERT_CHUNK))
      .execute();
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
