/**
 * @module
 * MetadataStore on one SQLite file through Kysely and better-sqlite3.
 *
 * Writes: `<dataDir>/dyi.sqlite` (with its WAL files). Every object gets its id from the
 * `objects` table (one sequence for all kinds, starting at 15 digits), which also answers
 * "what is this id" for `GET /{id}` in one indexed read. Several processes may share the file:
 * WAL mode with a busy timeout; writes that span rows run in one transaction. The repositories
 * are the ones PostgreSQL uses too (`../sql/`, over SQLITE_ENGINE), but for exports and
 * members, whose engine-specific writes and searches extend the shared ones beside this file.
 * Beside the file: `dyi.sqlite-reserve`, space kept so that
 * exports can be deleted on a full disk (`space-reserve.ts`).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Id, ObjectKind } from '../../domain/index.js';
import type {
  AdminRepository,
  AdminSessionRepository,
  ImportRunRepository,
  CommunityRepository,
  ExportRepository,
  FileRepository,
  RetentionRepository,
  IntegrationRepository,
  JobRepository,
  MemberRepository,
  MetadataStore,
  PendingRevealRepository,
  AuditRepository,
  SchemaProbe,
  SettingsRepository,
  SignInCounterRepository,
  TokenRepository,
} from '../../ports/metadata-store.js';
import type {
  WebhookDeliveryRepository,
  WebhookSubscriptionRepository,
} from '../../ports/webhook-repositories.js';
import {
  SqlWebhookDeliveryRepository,
  SqlWebhookSubscriptionRepository,
} from '../sql/sql-webhook-repositories.js';
import type { Clock } from '../../ports/clock.js';
import type { JobQueue } from '../../ports/job-queue.js';
import { objectReads } from '../sql/metadata-reads.js';
import { toRowId } from '../sql/object-ids.js';
import { SqlIntegrationRepository, SqlTokenRepository } from '../sql/sql-access-repositories.js';
import { SqlAdminRepository, SqlAdminSessionRepository } from '../sql/sql-admin-repositories.js';
import type { MetadataTables } from '../sql/metadata-tables.js';
import type { SqlEngine } from '../sql/sql-engine.js';
import { SqlSignInCounterRepository } from '../sql/sql-sign-in-counter-repository.js';
import { SqlJobRepository } from '../sql/sql-job-repository.js';
import { SqlRetentionRepository } from '../sql/sql-retention-repository.js';
import { SqlFileRepository } from '../sql/sql-file-repository.js';
import { SqlSettingsRepository } from '../sql/sql-settings-repository.js';
import { SqlImportRunRepository } from '../sql/sql-import-run-repository.js';
import { SqlCommunityRepository } from '../sql/sql-community-repositories.js';
import { SqlAuditRepository } from '../sql/sql-audit-repository.js';
import { SqlPendingRevealRepository } from '../sql/sql-pending-reveal-repository.js';
import { SqliteMemberRepository } from './sqlite-member-repository.js';
import {
  allRows,
  dataVersion,
  deleteObjects,
  firstRow,
  isUniqueViolation,
  mappedOnce,
  newObjectId,
  newObjectIds,
  openSqlite,
} from './sqlite-database.js';
import { SqliteJobQueue } from './sqlite-job-queue.js';
import { SqliteExportRepository } from './sqlite-export-repository.js';
import {
  LATEST_MIGRATION,
  migrateToLatest,
  probeSchemaVersion,
  schemaVersion,
} from './sqlite-migrations.js';
import type { SqliteDatabase } from './sqlite-schema.js';
import { SpaceReserve } from './space-reserve.js';
import { type MaybePromise, thenMaybe } from '../../ports/maybe-promise.js';

export interface SqliteMetadataStoreOptions {
  /** Path of the database file, or `:memory:`. */
  readonly filename: string;
}

/**
 * The file's connection seen as its metadata tables only, for the repositories shared with
 * PostgreSQL. The same object at run time (the read cache finds it by identity); the cast is
 * needed because Kysely's type is invariant in its tables, and the file also has the content's.
 */
const asMetadata = (db: Kysely<SqliteDatabase>): Kysely<MetadataTables> =>
  db as unknown as Kysely<MetadataTables>;
const asFile = (db: Kysely<MetadataTables>): Kysely<SqliteDatabase> =>
  db as unknown as Kysely<SqliteDatabase>;

/** What the repositories shared with PostgreSQL need of this engine (see SqlEngine). */
const SQLITE_ENGINE: SqlEngine = {
  query: (db, sql, parameters) => allRows(asFile(db), sql, parameters),
  queryOne: (db, sql, parameters) => firstRow(asFile(db), sql, parameters),
  isUniqueViolation,
  mapRows: mappedOnce,
  newObjectId: (db, kind, communityId) => newObjectId(asFile(db), kind, communityId),
  newObjectIds: (trx, kind, communityId, count) =>
    newObjectIds(trx as unknown as Transaction<SqliteDatabase>, kind, communityId, count),
  deleteObjects: (db, ids) => deleteObjects(asFile(db), ids),
  // A write transaction (BEGIN IMMEDIATE) holds the whole file from its first statement.
  forUpdate: (select) => select,
  lockTable: () => Promise.resolve(),
};

export class SqliteMetadataStore implements MetadataStore {
  readonly cachesReadsByChangeMark = true;
  readonly #filename: string;
  /** Absent for `:memory:`, which has no disk to fill. */
  readonly #reserve: SpaceReserve | undefined;
  #db: Kysely<SqliteDatabase> | undefined;

  readonly communities: CommunityRepository;
  readonly members: MemberRepository;
  readonly integrations: IntegrationRepository;
  readonly tokens: TokenRepository;
  readonly exports: ExportRepository;
  readonly jobs: JobRepository;
  readonly files: FileRepository;
  readonly retention: RetentionRepository;
  readonly settings: SettingsRepository;
  readonly admins: AdminRepository;
  readonly adminSessions: AdminSessionRepository;
  readonly signInCounters: SignInCounterRepository;
  readonly imports: ImportRunRepository;
  readonly pendingReveals: PendingRevealRepository;
  readonly webhookSubscriptions: WebhookSubscriptionRepository;
  readonly webhookDeliveries: WebhookDeliveryRepository;
  readonly audit: AuditRepository;

  constructor(options: SqliteMetadataStoreOptions) {
    this.#filename = options.filename;
    this.#reserve =
      options.filename === ':memory:' ? undefined : new SpaceReserve(`${options.filename}-reserve`);
    const tables = (): Kysely<MetadataTables> => asMetadata(this.#database());
    this.communities = new SqlCommunityRepository(tables, SQLITE_ENGINE);
    this.members = new SqliteMemberRepository(tables, SQLITE_ENGINE);
    this.integrations = new SqlIntegrationRepository(tables, SQLITE_ENGINE);
    this.tokens = new SqlTokenRepository(tables, SQLITE_ENGINE);
    this.exports = new SqliteExportRepository(tables, SQLITE_ENGINE, this.#reserve);
    this.jobs = new SqlJobRepository(tables, SQLITE_ENGINE);
    this.files = new SqlFileRepository(tables, SQLITE_ENGINE);
    this.retention = new SqlRetentionRepository(tables, SQLITE_ENGINE);
    this.settings = new SqlSettingsRepository(tables, SQLITE_ENGINE);
    this.admins = new SqlAdminRepository(tables, SQLITE_ENGINE);
    this.adminSessions = new SqlAdminSessionRepository(tables, SQLITE_ENGINE);
    this.signInCounters = new SqlSignInCounterRepository(tables, SQLITE_ENGINE);
    this.imports = new SqlImportRunRepository(tables, SQLITE_ENGINE);
    this.pendingReveals = new SqlPendingRevealRepository(tables);
    this.webhookSubscriptions = new SqlWebhookSubscriptionRepository(tables);
    this.webhookDeliveries = new SqlWebhookDeliveryRepository(tables, { claimLock: '' });
    this.audit = new SqlAuditRepository(tables, SQLITE_ENGINE);
  }

  async init(): Promise<void> {
    if (this.#db) return;
    const db = openSqlite(this.#filename);
    try {
      await migrateToLatest(db as unknown as Kysely<unknown>, this.#filename);
      await this.#reserve?.ensure();
    } catch (error) {
      await db.destroy();
      throw error;
    }
    this.#db = db;
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    await db?.destroy();
  }

  changeMark(): number {
    return dataVersion(this.#database());
  }

  schemaVersion(): Promise<string> {
    return schemaVersion(this.#database() as unknown as Kysely<unknown>);
  }

  /**
   * Opens the file again rather than asking the open connections: those keep reading a file
   * that was moved, replaced or deleted, while every process starting now (a CLI command,
   * `dyi worker`, this server after a restart) would find it missing or unreadable.
   */
  probeSchema(): Promise<SchemaProbe> {
    this.#database();
    return Promise.resolve({
      applied: probeSchemaVersion(this.#filename),
      expected: LATEST_MIGRATION,
    });
  }

  findObject(id: Id): MaybePromise<{ kind: ObjectKind; communityId: Id } | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    return thenMaybe(
      firstRow<{ kind: ObjectKind; community_id: number }>(this.#database(), objectReads.byId, [
        rowId,
      ]),
      (row) => row && { kind: row.kind, communityId: String(row.community_id) },
    );
  }

  /** The job queue in this database, sharing this store's connection (see SqliteJobQueue). */
  jobQueue(clock: Clock): JobQueue {
    return new SqliteJobQueue({ db: () => this.#database(), clock });
  }

  #database(): Kysely<SqliteDatabase> {
    if (!this.#db) throw new Error('SqliteMetadataStore used before init() or after close()');
    return this.#db;
  }
}
