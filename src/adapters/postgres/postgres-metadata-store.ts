/**
 * @module
 * MetadataStore on PostgreSQL through Kysely and `pg`, for the scale-out deployment: any
 * number of processes share one database.
 *
 * Writes: the tables of `postgres-migrations.ts` in the database `url` names (its default
 * schema), with Kysely's `kysely_migration` tables beside them. Every object gets its id from
 * the `objects` table (one sequence for all kinds, starting at 15 digits), which also answers
 * "what is this id" in one indexed read. The repositories are the ones SQLite uses too
 * (`../sql/`, over POSTGRES_ENGINE), but for exports and members, whose engine-specific
 * writes and searches extend the shared ones beside this file.
 *
 * The change mark counts the notifications on `dyi_changes` that triggers send at every commit
 * writing a metadata table, and this process's own writes as soon as they complete
 * (`postgres-change-notices.ts`).
 *
 * What the SQLite store has and this one leaves out, and why: no space reserve (the database's
 * disk is not this process's to manage; a PostgreSQL out of space is its operator's to fix,
 * and its refusals come out as StorageFullError); no `data_version` polling (notifications
 * instead); no read cache (it would need the same notifications to stay true, and the services
 * above keep what they must answer fast); no BEGIN IMMEDIATE (PostgreSQL locks rows, not the
 * database, and compare-and-set updates order the writers that race).
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Id, ObjectKind } from '../../domain/index.js';
import type {
  AdminRepository,
  AdminSessionRepository,
  CommunityRepository,
  ExportRepository,
  FileRepository,
  RetentionRepository,
  ImportRunRepository,
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
import { objectReads } from '../sql/metadata-reads.js';
import { toRowId } from '../sql/object-ids.js';
import { SqlIntegrationRepository, SqlTokenRepository } from '../sql/sql-access-repositories.js';
import { SqlAdminRepository, SqlAdminSessionRepository } from '../sql/sql-admin-repositories.js';
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
import { ChangeNotices } from './postgres-change-notices.js';
import { PostgresMemberRepository } from './postgres-member-repository.js';
import {
  describeDatabaseUrl,
  fromPostgresError,
  isUniqueViolation,
  openPostgres,
  type SharedPool,
  query,
  queryOne,
} from './postgres-database.js';
import { PostgresExportRepository } from './postgres-export-repository.js';
import { deleteObjects, newObjectId, newObjectIds } from './postgres-object-ids.js';
import { LATEST_MIGRATION, migrateToLatest, schemaVersion } from './postgres-migrations.js';
import type { PostgresDatabase } from './postgres-schema.js';
import { type MaybePromise, thenMaybe } from '../../ports/maybe-promise.js';

export interface PostgresMetadataStoreOptions {
  /** `postgres://user:password@host:port/database` */
  readonly url: string;
  /** Pooled connections kept open at most, besides the one that listens (pg's default: 10). */
  readonly maxConnections?: number;
  /** The process's pool, shared with its other stores (see `SharedPool`); absent: its own. */
  readonly sharedPool?: SharedPool;
}

/** What the repositories shared with SQLite need of this engine (see SqlEngine). */
const POSTGRES_ENGINE: SqlEngine = {
  query,
  queryOne,
  isUniqueViolation,
  // Every read makes new row objects.
  mapRows: (map) => map,
  newObjectId,
  newObjectIds,
  deleteObjects,
  forUpdate: (select) => select.forUpdate(),
  lockTable: async (trx, table) => {
    await trx.executeQuery(CompiledQuery.raw(`LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`));
  },
};

export class PostgresMetadataStore implements MetadataStore {
  readonly cachesReadsByChangeMark = false;
  readonly #options: PostgresMetadataStoreOptions;
  readonly #notices: ChangeNotices;
  #db: Kysely<PostgresDatabase> | undefined;

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

  constructor(options: PostgresMetadataStoreOptions) {
    this.#options = Object.freeze({ ...options });
    this.#notices = new ChangeNotices({
      url: options.url,
      applicationName: 'dyi-export changes',
    });
    const db = (): Kysely<PostgresDatabase> => this.#database();
    this.communities = new SqlCommunityRepository(db, POSTGRES_ENGINE);
    this.members = new PostgresMemberRepository(db, POSTGRES_ENGINE);
    this.integrations = new SqlIntegrationRepository(db, POSTGRES_ENGINE);
    this.tokens = new SqlTokenRepository(db, POSTGRES_ENGINE);
    this.exports = new PostgresExportRepository(db, POSTGRES_ENGINE);
    this.jobs = new SqlJobRepository(db, POSTGRES_ENGINE);
    this.files = new SqlFileRepository(db, POSTGRES_ENGINE);
    this.retention = new SqlRetentionRepository(db, POSTGRES_ENGINE);
    this.settings = new SqlSettingsRepository(db, POSTGRES_ENGINE);
    this.admins = new SqlAdminRepository(db, POSTGRES_ENGINE);
    this.adminSessions = new SqlAdminSessionRepository(db, POSTGRES_ENGINE);
    this.signInCounters = new SqlSignInCounterRepository(db, POSTGRES_ENGINE);
    this.imports = new SqlImportRunRepository(db, POSTGRES_ENGINE);
    this.pendingReveals = new SqlPendingRevealRepository(db);
    this.webhookSubscriptions = new SqlWebhookSubscriptionRepository(db);
    this.webhookDeliveries = new SqlWebhookDeliveryRepository(db, {
      claimLock: ' FOR UPDATE SKIP LOCKED',
    });
    this.audit = new SqlAuditRepository(db, POSTGRES_ENGINE);
  }

  async init(): Promise<void> {
    if (this.#db) return;
    const db = openPostgres<PostgresDatabase>({
      url: this.#options.url,
      maxConnections: this.#options.maxConnections,
      sharedPool: this.#options.sharedPool,
      onWrite: () => this.#notices.bump(),
    });
    const location = describeDatabaseUrl(this.#options.url);
    try {
      await migrateToLatest(db as unknown as Kysely<unknown>, location);
      await this.#notices.start();
    } catch (error) {
      await this.#notices.stop();
      await db.destroy();
      // The listening connection is not the pool's: its failures are translated here.
      throw fromPostgresError(error, location);
    }
    this.#db = db;
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    await this.#notices.stop();
    await db?.destroy();
  }

  changeMark(): number {
    this.#database();
    return this.#notices.mark();
  }

  schemaVersion(): Promise<string> {
    return schemaVersion(this.#database() as unknown as Kysely<unknown>);
  }

  /** A round trip to the server through the pool: what every request needs. */
  async probeSchema(): Promise<SchemaProbe> {
    return { applied: await this.schemaVersion(), expected: LATEST_MIGRATION };
  }

  findObject(id: Id): MaybePromise<{ kind: ObjectKind; communityId: Id } | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    return thenMaybe(
      queryOne<{ kind: ObjectKind; community_id: number }>(this.#database(), objectReads.byId, [
        rowId,
      ]),
      (row) => row && { kind: row.kind, communityId: String(row.community_id) },
    );
  }

  #database(): Kysely<PostgresDatabase> {
    if (!this.#db) throw new Error('PostgresMetadataStore used before init() or after close()');
    return this.#db;
  }
}
