/**
 * @module
 * The ContentStore of the embedded deployment, in the metadata store's SQLite file (migration
 * `0003_content`). It writes:
 * - `content_records`: one row per record, keyed by (community_id, kind, id); `owner`, `parent`
 *   and `created_time` (from `linksOf`) are what exports select and order by, `data` is the
 *   record itself as JSON, keys in the order it was given.
 * - `content_involves`: one row per member a record involves besides its owner (chat thread
 *   participants, the other side of a connection), with the record's created_time, so that
 *   they page in index order; the owner needs no row, `content_records.owner` is indexed.
 * - `objects` and `members`: a member record creates the community member it stands for
 *   (`source_id` = the record's id), or updates its name, email, status and `search_key`
 *   (`memberSearchKey`), so that exports plan a job for it and the panel finds it. The metadata store reads those rows through its own connection.
 *
 * Writes run prepared better-sqlite3 statements in one transaction per batch: building a
 * query per row would cost more than SQLite takes to store it. Reads page with LIMIT on the
 * keyset (created_time, id) and never keep a statement open across a `yield`, because
 * better-sqlite3 refuses other statements on a connection while an iterator is open.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import {
  type ContentKind,
  type ContentMember,
  type ContentRecord,
  type ContentRecordOf,
  type Id,
  type MemberRecord,
  type MemberStatus,
  ValidationError,
} from '../../domain/index.js';
import type { ContentQuery, ContentStore, WriteSummary } from '../../ports/content-store.js';
import {
  contentMemberOf,
  contentRowOf,
  countsOf,
  describeFailedRecord,
  recordOf,
} from '../sql/content-rows.js';
import {
  CONTENT_PAGE_SIZE,
  type ContentSqlDialect,
  contentCountSql,
  contentPageParameters,
  contentPageSql,
  contentSelections,
  existingIdsSql,
} from '../sql/content-selections.js';
import { BUSY_TIMEOUT_MS } from './sqlite-database.js';
import { searchKeyOfRecord } from '../sql/member-search-keys.js';
import { toRowId } from '../sql/object-ids.js';
import { fromSqliteError } from './sqlite-errors.js';
import { migrateToLatest } from './sqlite-migrations.js';

export interface SqliteContentStoreOptions {
  /** Path of the database file (the metadata store's), or `:memory:`. */
  readonly filename: string;
}

/**
 * Lists are bound as one JSON array: no limit of 32,766 bound values to chunk by. Without
 * statistics SQLite would rather walk the time index than sort, which for a list of ids or
 * parents reads the whole kind; CROSS JOIN makes the list drive index lookups instead.
 */
const DIALECT: ContentSqlDialect = {
  listTable: 'json_each(?)',
  bindList: (values) => JSON.stringify(values),
  keysJoin: 'CROSS JOIN',
  recordsJoin: 'CROSS JOIN content_records r ON r.community_id = ? AND r.kind = ? AND r.id = k.id',
};

const WRITE_SQL = {
  community: 'SELECT 1 FROM communities WHERE id = ?',
  // DO NOTHING tells a new record (one change) from a replaced one (none) without a lookup.
  insert: `INSERT INTO content_records (community_id, kind, id, owner, parent, created_time, data)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (community_id, kind, id) DO NOTHING`,
  replace: `UPDATE content_records SET owner = ?, parent = ?, created_time = ?, data = ?
            WHERE community_id = ? AND kind = ? AND id = ?`,
  forgetInvolved: 'DELETE FROM content_involves WHERE community_id = ? AND kind = ? AND id = ?',
  involve: `INSERT INTO content_involves (community_id, kind, id, member, created_time)
            VALUES (?, ?, ?, ?, ?)`,
  findMember: 'SELECT id FROM members WHERE community_id = ? AND source_id = ?',
  updateMember: 'UPDATE members SET name = ?, email = ?, status = ?, search_key = ? WHERE id = ?',
  newObject: "INSERT INTO objects (kind, community_id) VALUES ('member', ?)",
  insertMember: `INSERT INTO members (id, community_id, name, email, status, source_id, search_key)
                 VALUES (?, ?, ?, ?, ?, ?, ?)`,
} as const;

type WriteStatements = { readonly [K in keyof typeof WRITE_SQL]: Database.Statement };

export class SqliteContentStore implements ContentStore {
  readonly #filename: string;
  #database: Database.Database | undefined;
  #writes: WriteStatements | undefined;
  /** Read statements by SQL text: a few dozen shapes, one per combination of conditions. */
  readonly #reads = new Map<string, Database.Statement>();

  constructor(options: SqliteContentStoreOptions) {
    this.#filename = options.filename;
  }

  async init(): Promise<void> {
    if (this.#database) return;
    const database = openDatabase(this.#filename);
    try {
      await migrate(database, this.#filename);
      this.#writes = prepareWrites(database);
    } catch (error) {
      database.close();
      throw error;
    }
    this.#database = database;
  }

  close(): Promise<void> {
    this.#database?.close();
    this.#database = undefined;
    this.#writes = undefined;
    this.#reads.clear();
    return Promise.resolve();
  }

  write(communityId: Id, records: readonly ContentRecord[]): Promise<WriteSummary> {
    return this.#settle(() => {
      const community = toRowId(communityId);
      if (community === undefined) {
        throw new ValidationError('communityId', `'${communityId}' is not a community id.`);
      }
      const statements = this.#statements();
      const position = { index: 0 };
      try {
        const transaction = this.#open().transaction(() =>
          writeRecords(statements, community, records, position),
        );
        // IMMEDIATE takes the write lock first: upgrading a read transaction fails at once.
        return { written: transaction.immediate() };
      } catch (error) {
        throw asDomainError(
          error,
          () => describeFailedRecord(records, position.index),
          this.#filename,
        );
      }
    });
  }

  existing(communityId: Id, kind: ContentKind, ids: readonly string[]): Promise<Set<string>> {
    return this.#settle(() => {
      const community = toRowId(communityId);
      if (community === undefined || ids.length === 0) return new Set<string>();
      const rows = this.#read(existingIdsSql(DIALECT)).all(
        community,
        kind,
        DIALECT.bindList(ids),
      ) as unknown[][];
      return new Set(rows.map((row) => row[0] as string));
    });
  }

  async *query<K extends ContentKind>(
    communityId: Id,
    query: ContentQuery<K>,
  ): AsyncIterable<ContentRecordOf<K>> {
    const community = toRowId(communityId);
    if (community === undefined) return;
    const selections = contentSelections(DIALECT, community, query, true);
    const first = contentPageSql(DIALECT, selections, true);
    const next = contentPageSql(DIALECT, selections, false);
    let from: [number, string] = [query.range?.start ?? Number.MIN_SAFE_INTEGER, ''];
    for (let sql = first; ; sql = next) {
      const rows = await this.#settle(
        () =>
          this.#read(sql).all(
            ...contentPageParameters(selections, from, community, query.kind),
          ) as [number, string, string][],
      );
      for (const [, , data] of rows) yield recordOf<K>(data);
      const last = rows.at(-1);
      if (last === undefined || rows.length < CONTENT_PAGE_SIZE) return;
      from = [last[0], last[1]];
    }
  }

  count(communityId: Id, query: ContentQuery): Promise<number> {
    return this.#settle(() => {
      const community = toRowId(communityId);
      if (community === undefined) return 0;
      const { sql, parameters } = contentCountSql(
        contentSelections(DIALECT, community, query, false),
      );
      const row = this.#read(sql).get(...parameters) as unknown[];
      return row[0] as number;
    });
  }

  counts(communityId: Id): Promise<Record<ContentKind, number>> {
    return this.#settle(() => {
      const community = toRowId(communityId);
      if (community === undefined) return countsOf([]);
      const rows = this.#read(
        'SELECT kind, count(*) FROM content_records WHERE community_id = ? GROUP BY kind',
      ).all(community) as [string, number][];
      return countsOf(rows);
    });
  }

  member(communityId: Id, memberId: Id): Promise<ContentMember | undefined> {
    return this.#settle(() => {
      const community = toRowId(communityId);
      const id = toRowId(memberId);
      if (community === undefined || id === undefined) return undefined;
      const row = this.#read(
        'SELECT source_id, status FROM members WHERE id = ? AND community_id = ?',
      ).get(id, community) as [string | null, MemberStatus] | undefined;
      return row && contentMemberOf(memberId, row[0], row[1]);
    });
  }

  memberIdOf(communityId: Id, sourceId: string): Promise<Id | undefined> {
    return this.#settle(() => {
      const community = toRowId(communityId);
      if (community === undefined) return undefined;
      const row = this.#read(
        'SELECT id FROM members WHERE community_id = ? AND (source_id = ? OR (source_id IS NULL AND id = ?))',
      ).get(community, sourceId, toRowId(sourceId) ?? null) as [number] | undefined;
      return row && String(row[0]);
    });
  }

  /** Runs synchronous work as a promise, its failures turned into ours. */
  #settle<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(asDomainError(error, () => 'Reading content failed.', this.#filename));
    }
  }

  #read(sql: string): Database.Statement {
    let statement = this.#reads.get(sql);
    if (!statement) {
      statement = this.#open().prepare(sql).raw(true);
      this.#reads.set(sql, statement);
    }
    return statement;
  }

  #statements(): WriteStatements {
    this.#open();
    return this.#writes as WriteStatements;
  }

  #open(): Database.Database {
    if (!this.#database) throw new Error('SqliteContentStore used before init() or after close()');
    return this.#database;
  }
}

/** Opens the file with the pragmas every connection to the metadata database uses. */
function openDatabase(filename: string): Database.Database {
  if (filename !== ':memory:') mkdirSync(path.dirname(filename), { recursive: true });
  const database = new Database(filename);
  try {
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    // Imports rewrite the same index pages batch after batch: checkpointing every 64 MiB of
    // WAL rather than every 4 MiB copies each page into the database once instead of often.
    database.pragma('wal_autocheckpoint = 16384');
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}

/** Runs the metadata store's migrations (a no-op when it already has) on this connection. */
async function migrate(database: Database.Database, location: string): Promise<void> {
  // Kysely borrows the connection: destroying it must leave the connection open.
  const db = new Kysely<unknown>({
    dialect: new SqliteDialect({
      database: { close: () => undefined, prepare: (sql: string) => database.prepare(sql) },
    }),
  });
  try {
    await migrateToLatest(db, location);
  } finally {
    await db.destroy();
  }
}

function prepareWrites(database: Database.Database): WriteStatements {
  const entries = Object.entries(WRITE_SQL).map(([name, sql]) => [name, database.prepare(sql)]);
  return Object.fromEntries(entries) as WriteStatements;
}

function writeRecords(
  statements: WriteStatements,
  community: number,
  records: readonly ContentRecord[],
  position: { index: number },
): Partial<Record<ContentKind, number>> {
  if (statements.community.get(community) === undefined) {
    throw new ValidationError(
      'communityId',
      `Community ${community} does not exist; create it before writing content into it.`,
    );
  }
  const written: Partial<Record<ContentKind, number>> = {};
  // An index loop: an import makes one pass, mostly unoptimized, where `entries()` makes a pair
  // per record.
  for (let index = 0; index < records.length; index += 1) {
    const record = records[index] as ContentRecord;
    position.index = index;
    const { kind, owner, parent, createdTime: time, data, others } = contentRowOf(record, index);
    const isNew =
      statements.insert.run(community, kind, record.id, owner, parent, time, data).changes > 0;
    if (!isNew) {
      statements.replace.run(owner, parent, time, data, community, kind, record.id);
      statements.forgetInvolved.run(community, kind, record.id);
    }
    for (const member of others) statements.involve.run(community, kind, record.id, member, time);
    if (record.type === 'member') writeMember(statements, community, record);
    written[kind] = (written[kind] ?? 0) + 1;
  }
  return written;
}

/** Creates or updates the community member a member record stands for. */
function writeMember(statements: WriteStatements, community: number, record: MemberRecord): void {
  const found = statements.findMember.get(community, record.id) as { id: number } | undefined;
  const key = searchKeyOfRecord(record);
  if (found) {
    statements.updateMember.run(record.name, record.email, record.status, key, found.id);
    return;
  }
  // Ids come from `objects`, as for every object, so they never collide across kinds.
  const id = statements.newObject.run(community).lastInsertRowid;
  const { name, email, status } = record;
  statements.insertMember.run(id, community, name, email, status, record.id, key);
}

/** Our error for a failure of a write or read, a refused constraint as a validation error. */
function asDomainError(error: unknown, describe: () => string, location: string): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  if (!(error instanceof Database.SqliteError)) return error;
  if (error.code.startsWith('SQLITE_CONSTRAINT')) {
    return new ValidationError('records', `${describe()} (${error.message})`, { cause: error });
  }
  return fromSqliteError(error, location) as Error;
}
