/**
 * @module
 * What a repository shared by both engines needs from the one it runs on: fixed-SQL reads
 * (SQL texts with `?` placeholders, as `metadata-reads.ts` holds them), how that engine
 * reports a unique-key violation, the id sequence of table `objects` (SQLite reads the new
 * rowid, PostgreSQL asks `RETURNING`), how a write transaction keeps others out of what it is
 * about to change, and how read rows are mapped. SQLite's come from `sqlite-database.ts` (with
 * its read connection and cache), PostgreSQL's from `postgres-database.ts` and
 * `postgres-object-ids.ts`.
 *
 * Write transactions are Kysely's on both engines (`db.transaction()`): SQLite's begin with
 * BEGIN IMMEDIATE and so hold the file's write lock from their first statement, which is why
 * the locks below cost it nothing.
 */
import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import type { Id, ObjectKind } from '../../domain/index.js';
import type { MaybePromise } from '../../ports/maybe-promise.js';
import type { MetadataTables } from './metadata-tables.js';

export interface SqlEngine {
  /**
   * Runs a fixed SQL read; inside the transaction when `db` is one. SQLite answers the rows of
   * its read connection without a promise (see `MaybePromise`; they may be shared with its
   * read cache, so copy before reordering); a failure is a rejected promise on both engines.
   */
  query<R>(
    db: Kysely<MetadataTables>,
    sql: string,
    parameters: readonly unknown[],
  ): MaybePromise<R[]>;
  /** The first row of a fixed SQL read, answered as `query` answers. */
  queryOne<R>(
    db: Kysely<MetadataTables>,
    sql: string,
    parameters: readonly unknown[],
  ): MaybePromise<R | undefined>;
  isUniqueViolation(error: unknown): boolean;

  /**
   * `map` as the engine's reads need it: SQLite's read cache hands the same row objects to
   * every caller, so there each row is mapped once and the record shared.
   */
  mapRows<Row extends object, T>(map: (row: Row) => T): (row: Row) => T;

  /** A new row of `objects` (inserted before the row that references it); its id. */
  newObjectId(
    db: Kysely<MetadataTables>,
    kind: ObjectKind,
    communityId: Id | null,
  ): Promise<number>;
  /** `count` new rows of `objects` in one transaction; their ids, ascending. */
  newObjectIds(
    trx: Transaction<MetadataTables>,
    kind: ObjectKind,
    communityId: Id,
    count: number,
  ): Promise<number[]>;
  /** Deletes rows of `objects` (after the rows that reference them). */
  deleteObjects(db: Kysely<MetadataTables>, ids: readonly number[]): Promise<void>;

  /**
   * `select` locking the rows it reads until the transaction ends, so that a writer racing
   * for them waits (PostgreSQL's FOR UPDATE; SQLite's transaction holds the file already).
   */
  forUpdate<TB extends keyof MetadataTables, O>(
    select: SelectQueryBuilder<MetadataTables, TB, O>,
  ): SelectQueryBuilder<MetadataTables, TB, O>;
  /**
   * Makes `trx` the only transaction writing `table` until it ends, rows it has not inserted
   * yet included; reads are not held up (PostgreSQL's SHARE ROW EXCLUSIVE table lock).
   */
  lockTable(trx: Transaction<MetadataTables>, table: keyof MetadataTables): Promise<void>;
}
