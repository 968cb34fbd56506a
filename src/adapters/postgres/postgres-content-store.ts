/**
 * @module
 * The ContentStore of the scale-out deployment, in the metadata store's PostgreSQL database
 * (migrations `postgres-content-migrations.ts`, run by the metadata store's migrator). It writes
 * the same rows as the SQLite store, with the same SQL for reads (`adapters/sql/`):
 * - `content_records`: one row per record, keyed by (community_id, kind, id); `owner`, `parent`
 *   and `created_time` (from `linksOf`) are what exports select and order by, `data` is the
 *   record itself as JSON text, keys in the order it was given (byte for byte SQLite's).
 * - `content_involves`: one row per member a record involves besides its owner, with the
 *   record's created_time, so that they page in index order.
 * - `objects` and `members`: a member record creates the community member it stands for
 *   (`source_id` = the record's id), or updates its name, email and status, so that exports
 *   plan a job for it.
 *
 * Writes run in one transaction per batch (`postgres-content-writes.ts`). Reads page with
 * LIMIT on the keyset (created_time, id), one short query per page on any pooled connection:
 * nothing is held open between pages, so a reader that stops early leaves nothing behind.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import {
  ConfigurationError,
  type ContentKind,
  type ContentMember,
  type ContentRecord,
  type ContentRecordOf,
  type Id,
  DyiError,
  type MemberStatus,
  ValidationError,
} from '../../domain/index.js';
import type { ContentQuery, ContentStore, WriteSummary } from '../../ports/content-store.js';
import { contentMemberOf, countsOf, describeFailedRecord, recordOf } from '../sql/content-rows.js';
import {
  CONTENT_PAGE_SIZE,
  type ContentSqlDialect,
  contentCountSql,
  contentPageParameters,
  contentPageSql,
  contentSelections,
  existingIdsSql,
  numberPlaceholders,
} from '../sql/content-selections.js';
import { toRowId } from '../sql/object-ids.js';
import { writeContent } from './postgres-content-writes.js';
import {
  describeDatabaseUrl,
  fromPostgresError,
  openPostgres,
  type SharedPool,
} from './postgres-database.js';

export interface PostgresContentStoreOptions {
  /** `postgres://user:password@host:port/database`, the metadata store's database. */
  readonly url: string;
  /** Connections kept open at most (pg's default is 10). */
  readonly maxConnections?: number;
  /** The process's pool, shared with its other stores (see `SharedPool`); absent: its own. */
  readonly sharedPool?: SharedPool;
}

/**
 * Lists are one text[] parameter; PostgreSQL, with statistics, orders joins itself. A page's
 * records are read by a LATERAL lookup per key: LIMIT keeps the planner from flattening it
 * into a join, which it would rather run as a hash over the whole kind (a scan of every record
 * per page) until a table holds a few hundred thousand rows.
 */
export const POSTGRES_CONTENT_SQL: ContentSqlDialect = {
  listTable: 'unnest(?::text[]) AS l(value)',
  bindList: (values) => values,
  keysJoin: 'JOIN',
  recordsJoin: `CROSS JOIN LATERAL (SELECT data FROM content_records
                 WHERE community_id = ? AND kind = ? AND id = k.id LIMIT 1) AS r`,
};

export class PostgresContentStore implements ContentStore {
  readonly #options: PostgresContentStoreOptions;
  #db: Kysely<unknown> | undefined;

  constructor(options: PostgresContentStoreOptions) {
    this.#options = Object.freeze({ ...options });
  }

  async init(): Promise<void> {
    if (this.#db) return;
    const db = openPostgres<unknown>({
      ...this.#options,
      applicationName: 'dyi-export content',
    });
    try {
      await checkSchema(db, this.#location());
    } catch (error) {
      await db.destroy();
      throw fromPostgresError(error, this.#location());
    }
    this.#db = db;
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    await db?.destroy();
  }

  async write(communityId: Id, records: readonly ContentRecord[]): Promise<WriteSummary> {
    const community = toRowId(communityId);
    if (community === undefined) {
      throw new ValidationError('communityId', `'${communityId}' is not a community id.`);
    }
    const db = this.#open();
    try {
      const written = await db
        .transaction()
        .execute((trx) => writeContent(trx, community, records));
      return { written };
    } catch (error) {
      throw this.#asDomainError(error, () => describeFailedRecord(records, undefined));
    }
  }

  async existing(communityId: Id, kind: ContentKind, ids: readonly string[]): Promise<Set<string>> {
    const community = toRowId(communityId);
    if (community === undefined || ids.length === 0) return new Set<string>();
    const rows = await this.#rows<{ id: string }>(existingIdsSql(POSTGRES_CONTENT_SQL), [
      community,
      kind,
      POSTGRES_CONTENT_SQL.bindList(ids),
    ]);
    return new Set(rows.map((row) => row.id));
  }

  async *query<K extends ContentKind>(
    communityId: Id,
    query: ContentQuery<K>,
  ): AsyncIterable<ContentRecordOf<K>> {
    const community = toRowId(communityId);
    if (community === undefined) return;
    const selections = contentSelections(POSTGRES_CONTENT_SQL, community, query, true);
    const first = contentPageSql(POSTGRES_CONTENT_SQL, selections, true);
    const next = contentPageSql(POSTGRES_CONTENT_SQL, selections, false);
    let from: [number, string] = [query.range?.start ?? Number.MIN_SAFE_INTEGER, ''];
    for (let sql = first; ; sql = next) {
      const rows = await this.#rows<{ created_time: number; id: string; data: string }>(
        sql,
        contentPageParameters(selections, from, community, query.kind),
      );
      for (const row of rows) yield recordOf<K>(row.data);
      const last = rows.at(-1);
      if (last === undefined || rows.length < CONTENT_PAGE_SIZE) return;
      from = [last.created_time, last.id];
    }
  }

  async count(communityId: Id, query: ContentQuery): Promise<number> {
    const community = toRowId(communityId);
    if (community === undefined) return 0;
    const { sql, parameters } = contentCountSql(
      contentSelections(POSTGRES_CONTENT_SQL, community, query, false),
    );
    const rows = await this.#rows<{ n: number }>(sql, parameters);
    return rows[0]?.n ?? 0;
  }

  async counts(communityId: Id): Promise<Record<ContentKind, number>> {
    const community = toRowId(communityId);
    if (community === undefined) return countsOf([]);
    const rows = await this.#rows<{ kind: string; n: number }>(
      'SELECT kind, count(*) AS n FROM content_records WHERE community_id = ? GROUP BY kind',
      [community],
    );
    return countsOf(rows.map((row) => [row.kind, row.n] as const));
  }

  async member(communityId: Id, memberId: Id): Promise<ContentMember | undefined> {
    const community = toRowId(communityId);
    const id = toRowId(memberId);
    if (community === undefined || id === undefined) return undefined;
    const [row] = await this.#rows<{ source_id: string | null; status: MemberStatus }>(
      'SELECT source_id, status FROM members WHERE id = ? AND community_id = ?',
      [id, community],
    );
    return row && contentMemberOf(memberId, row.source_id, row.status);
  }

  async memberIdOf(communityId: Id, sourceId: string): Promise<Id | undefined> {
    const community = toRowId(communityId);
    if (community === undefined) return undefined;
    const [row] = await this.#rows<{ id: number | string }>(
      'SELECT id FROM members WHERE community_id = ? AND (source_id = ? OR (source_id IS NULL AND id = ?))',
      [community, sourceId, toRowId(sourceId) ?? null],
    );
    return row && String(row.id);
  }

  /** Rows of one read, its `?` placeholders numbered, PostgreSQL's failures turned into ours. */
  async #rows<R>(sql: string, parameters: readonly unknown[]): Promise<R[]> {
    const db = this.#open();
    try {
      const result = await db.executeQuery<R>(
        CompiledQuery.raw(numberPlaceholders(sql), [...parameters]),
      );
      return result.rows;
    } catch (error) {
      throw this.#asDomainError(error, () => 'Reading content failed.');
    }
  }

  /** A refused value or constraint (SQLSTATE classes 22 and 23) is a validation error. */
  #asDomainError(error: unknown, describe: () => string): unknown {
    if (error instanceof DyiError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))) {
      const message = error instanceof Error ? error.message : String(error);
      return new ValidationError('records', `${describe()} (${message})`, { cause: error });
    }
    return fromPostgresError(error, this.#location());
  }

  #location(): string {
    return describeDatabaseUrl(this.#options.url);
  }

  #open(): Kysely<unknown> {
    if (!this.#db) throw new Error('PostgresContentStore used before init() or after close()');
    return this.#db;
  }
}

/**
 * Refuses a database without the content tables: the metadata store's migrator creates them
 * (`dyi migrate`, or the metadata store's init(), which the runtime runs first).
 */
async function checkSchema(db: Kysely<unknown>, location: string): Promise<void> {
  const result = await db.executeQuery<{ present: boolean }>(
    CompiledQuery.raw("SELECT to_regclass('content_records') IS NOT NULL AS present", []),
  );
  if (result.rows[0]?.present !== true) {
    throw new ConfigurationError(
      `The PostgreSQL database ${location} has no content tables yet; run \`dyi migrate\` ` +
        'against it (or open the metadata store first, whose init() migrates it).',
    );
  }
}
