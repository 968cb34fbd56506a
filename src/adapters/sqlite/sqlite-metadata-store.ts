/**
 * @module
 * MetadataStore on one SQLite file through Kysely and better-sqlite3.
 *
 * Writes: `<dataDir>/dyi.sqlite` (with its WAL files). Every object gets its id from the
 * `objects` table (one sequence for all kinds, starting at 15 digits), which also answers
 * "what is this id" for `GET /{id}` in one indexed read. Several processes may share the file:
 * WAL mode with a busy timeout; writes that span rows run in one transaction.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type Kysely, type Transaction, Kysely as KyselyClass, SqliteDialect } from 'kysely';
import type {
  AbortReason,
  AccessTokenRecord,
  Community,
  DataType,
  DyiFile,
  DyiJob,
  ExportJob,
  ExportJobCounts,
  Id,
  Integration,
  JobState,
  Member,
  MemberStatus,
  ObjectKind,
  Permission,
} from '../../domain/index.js';
import { ConflictError, TransientError } from '../../domain/index.js';
import type {
  CommunityRepository,
  ExportRepository,
  FileRepository,
  IntegrationRepository,
  JobRepository,
  JobStateChange,
  MemberRepository,
  MetadataStore,
  NewAccessToken,
  NewExport,
  NewFile,
  NewMember,
  PlannedJob,
  SettingsRepository,
  TokenRepository,
} from '../../ports/metadata-store.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { keysetPage } from './keyset-page.js';
import { migrateToLatest } from './sqlite-migrations.js';
import type {
  AccessTokensTable,
  DyiFilesTable,
  DyiJobsTable,
  ExportsTable,
  IntegrationsTable,
  MembersTable,
  SqliteDatabase,
} from './sqlite-schema.js';

type Db = Kysely<SqliteDatabase> | Transaction<SqliteDatabase>;

/** Rows per INSERT: SQLite allows 32,766 bound values, and a job row binds 12. */
const INSERT_CHUNK = 2000;

export interface SqliteMetadataStoreOptions {
  /** Path of the database file, or `:memory:`. */
  readonly filename: string;
}

export class SqliteMetadataStore implements MetadataStore {
  readonly #filename: string;
  #db: Kysely<SqliteDatabase> | undefined;

  readonly communities: CommunityRepository;
  readonly members: MemberRepository;
  readonly integrations: IntegrationRepository;
  readonly tokens: TokenRepository;
  readonly exports: ExportRepository;
  readonly jobs: JobRepository;
  readonly files: FileRepository;
  readonly settings: SettingsRepository;

  constructor(options: SqliteMetadataStoreOptions) {
    this.#filename = options.filename;
    const db = (): Kysely<SqliteDatabase> => this.#database();
    this.communities = new SqliteCommunities(db);
    this.members = new SqliteMembers(db);
    this.integrations = new SqliteIntegrations(db);
    this.tokens = new SqliteTokens(db);
    this.exports = new SqliteExports(db);
    this.jobs = new SqliteJobs(db);
    this.files = new SqliteFiles(db);
    this.settings = new SqliteSettings(db);
  }

  async init(): Promise<void> {
    if (this.#db) return;
    if (this.#filename !== ':memory:') mkdirSync(path.dirname(this.#filename), { recursive: true });
    const sqlite = new Database(this.#filename);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    const db = new KyselyClass<SqliteDatabase>({
      dialect: new SqliteDialect({ database: sqlite }),
    });
    try {
      await migrateToLatest(db as unknown as Kysely<unknown>, this.#filename);
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

  async findObject(id: Id): Promise<{ kind: ObjectKind; communityId: Id } | undefined> {
    const numeric = toRowId(id);
    if (numeric === undefined) return undefined;
    const row = await this.#database()
      .selectFrom('objects')
      .select(['kind', 'community_id'])
      .where('id', '=', numeric)
      .executeTakeFirst();
    if (!row) return undefined;
    const communityId = row.kind === 'community' ? id : String(row.community_id);
    return { kind: row.kind as ObjectKind, communityId };
  }

  #database(): Kysely<SqliteDatabase> {
    if (!this.#db) throw new Error('SqliteMetadataStore used before init() or after close()');
    return this.#db;
  }
}

/** A numeric row id for an id string, or undefined when it cannot name a row. */
function toRowId(id: Id): number | undefined {
  // Only the canonical spelling names a row: `0123` is not `123`.
  if (!/^[1-9]\d{0,15}$/.test(id)) return undefined;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : undefined;
}

async function newObjectId(db: Db, kind: ObjectKind, communityId: Id | null): Promise<number> {
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
async function newObjectIds(
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

/** Runs `fn` in a write transaction; SQLITE_BUSY after the busy timeout becomes retryable. */
async function inTransaction<T>(
  db: Kysely<SqliteDatabase>,
  fn: (trx: Transaction<SqliteDatabase>) => Promise<T>,
): Promise<T> {
  try {
    return await db.transaction().execute(fn);
  } catch (error) {
    if (isBusy(error)) {
      throw new TransientError('The database is busy with another writer; retry the request.', {
        cause: error,
      });
    }
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function isBusy(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('SQLITE_BUSY')
  );
}

class SqliteCommunities implements CommunityRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

  create(input: { name: string; createTime: number }): Promise<Community> {
    return inTransaction(this.db(), async (trx) => {
      const id = await newObjectId(trx, 'community', null);
      await trx.updateTable('objects').set({ community_id: id }).where('id', '=', id).execute();
      await trx
        .insertInto('communities')
        .values({ id, name: input.name, create_time: input.createTime })
        .execute();
      return { id: String(id), name: input.name, createTime: input.createTime };
    });
  }

  async get(id: Id): Promise<Community | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.db()
      .selectFrom('communities')
      .selectAll()
      .where('id', '=', rowId)
      .executeTakeFirst();
    return row && { id: String(row.id), name: row.name, createTime: row.create_time };
  }

  async list(): Promise<readonly Community[]> {
    const rows = await this.db().selectFrom('communities').selectAll().orderBy('id').execute();
    return rows.map((row) => ({ id: String(row.id), name: row.name, createTime: row.create_time }));
  }
}

function toMember(row: MembersTable): Member {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    name: row.name,
    email: row.email,
    status: row.status as MemberStatus,
  };
}

class SqliteMembers implements MemberRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

  create(communityId: Id, member: NewMember): Promise<Member> {
    return inTransaction(this.db(), async (trx) => {
      const id = await newObjectId(trx, 'member', communityId);
      const row = { id, community_id: Number(communityId), ...member };
      await trx.insertInto('members').values(row).execute();
      return toMember(row);
    });
  }

  async get(id: Id): Promise<Member | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.db()
      .selectFrom('members')
      .selectAll()
      .where('id', '=', rowId)
      .executeTakeFirst();
    return row && toMember(row);
  }

  async getMany(communityId: Id, ids: readonly Id[]): Promise<readonly Member[]> {
    const rowIds = ids.map(toRowId).filter((id): id is number => id !== undefined);
    const members: Member[] = [];
    for (let start = 0; start < rowIds.length; start += INSERT_CHUNK) {
      const rows = await this.db()
        .selectFrom('members')
        .selectAll()
        .where('community_id', '=', Number(communityId))
        .where('id', 'in', rowIds.slice(start, start + INSERT_CHUNK))
        .orderBy('id')
        .execute();
      members.push(...rows.map(toMember));
    }
    return members;
  }

  async listActiveIds(communityId: Id): Promise<readonly Id[]> {
    const rows = await this.db()
      .selectFrom('members')
      .select('id')
      .where('community_id', '=', Number(communityId))
      .where('status', '=', 'active')
      .orderBy('id')
      .execute();
    return rows.map((row) => String(row.id));
  }

  async setStatus(id: Id, status: MemberStatus): Promise<void> {
    await this.db().updateTable('members').set({ status }).where('id', '=', Number(id)).execute();
  }
}

function toIntegration(row: IntegrationsTable): Integration {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    name: row.name,
    appSecret: row.app_secret,
    requireAppsecretProof: row.require_appsecret_proof === 1,
    createTime: row.create_time,
  };
}

class SqliteIntegrations implements IntegrationRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

  create(input: Omit<Integration, 'id'>): Promise<Integration> {
    return inTransaction(this.db(), async (trx) => {
      const id = await newObjectId(trx, 'integration', input.communityId);
      const row: IntegrationsTable = {
        id,
        community_id: Number(input.communityId),
        name: input.name,
        app_secret: input.appSecret,
        require_appsecret_proof: input.requireAppsecretProof ? 1 : 0,
        create_time: input.createTime,
      };
      await trx.insertInto('integrations').values(row).execute();
      return toIntegration(row);
    });
  }

  async get(id: Id): Promise<Integration | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.db()
      .selectFrom('integrations')
      .selectAll()
      .where('id', '=', rowId)
      .executeTakeFirst();
    return row && toIntegration(row);
  }

  async list(communityId: Id): Promise<readonly Integration[]> {
    const rows = await this.db()
      .selectFrom('integrations')
      .selectAll()
      .where('community_id', '=', Number(communityId))
      .orderBy('id')
      .execute();
    return rows.map(toIntegration);
  }

  async setRequireAppsecretProof(id: Id, required: boolean): Promise<void> {
    await this.db()
      .updateTable('integrations')
      .set({ require_appsecret_proof: required ? 1 : 0 })
      .where('id', '=', Number(id))
      .execute();
  }
}

function toToken(row: AccessTokensTable): AccessTokenRecord {
  return {
    id: String(row.id),
    integrationId: String(row.integration_id),
    communityId: String(row.community_id),
    hint: row.hint,
    permissions: row.permissions.split(',').filter(Boolean) as Permission[],
    createTime: row.create_time,
    revokeTime: row.revoke_time,
  };
}

class SqliteTokens implements TokenRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

  create(token: NewAccessToken): Promise<AccessTokenRecord> {
    return inTransaction(this.db(), async (trx) => {
      const id = await newObjectId(trx, 'access_token', token.communityId);
      const row: AccessTokensTable = {
        id,
        integration_id: Number(token.integrationId),
        community_id: Number(token.communityId),
        token_hash: token.tokenHash,
        hint: token.hint,
        permissions: token.permissions.join(','),
        create_time: token.createTime,
        revoke_time: null,
      };
      await trx.insertInto('access_tokens').values(row).execute();
      return toToken(row);
    });
  }

  async findByHash(
    tokenHash: string,
  ): Promise<(AccessTokenRecord & { tokenHash: string }) | undefined> {
    const row = await this.db()
      .selectFrom('access_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && { ...toToken(row), tokenHash: row.token_hash };
  }

  async get(id: Id): Promise<AccessTokenRecord | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.db()
      .selectFrom('access_tokens')
      .selectAll()
      .where('id', '=', rowId)
      .executeTakeFirst();
    return row && toToken(row);
  }

  async list(integrationId: Id): Promise<readonly AccessTokenRecord[]> {
    const rows = await this.db()
      .selectFrom('access_tokens')
      .selectAll()
      .where('integration_id', '=', Number(integrationId))
      .orderBy('id')
      .execute();
    return rows.map(toToken);
  }

  async revoke(id: Id, time: number): Promise<boolean> {
    const rowId = toRowId(id);
    if (rowId === undefined) return false;
    const result = await this.db()
      .updateTable('access_tokens')
      .set({ revoke_time: time })
      .where('id', '=', rowId)
      .where('revoke_time', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

function toExport(row: ExportsTable): ExportJob {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    createTime: row.create_time,
    dataTypes: JSON.parse(row.data_types) as DataType[],
    dyiFormat: row.dyi_format as ExportJob['dyiFormat'],
    mediaQuality: row.media_quality as ExportJob['mediaQuality'],
    startTime: row.start_time,
    endTime: row.end_time,
    idempotencyKey: row.idempotency_key,
    cancelRequested: row.cancel_requested === 1,
  };
}

class SqliteExports implements ExportRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

  create(input: NewExport, jobs: readonly PlannedJob[]): Promise<ExportJob> {
    return inTransaction(this.db(), async (trx) => {
      const id = await newObjectId(trx, 'work_dyi_job', input.communityId);
      const row: ExportsTable = {
        id,
        community_id: Number(input.communityId),
        create_time: input.createTime,
        data_types: JSON.stringify(input.dataTypes),
        dyi_format: input.dyiFormat,
        media_quality: input.mediaQuality,
        start_time: input.startTime,
        end_time: input.endTime,
        idempotency_key: input.idempotencyKey,
        cancel_requested: 0,
      };
      try {
        await trx.insertInto('exports').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError(
            `An export with idempotency key "${input.idempotencyKey}" was created meanwhile.`,
            { cause: error },
          );
        }
        throw error;
      }
      const jobIds = await newObjectIds(trx, 'dyi_job', input.communityId, jobs.length);
      const rows: DyiJobsTable[] = jobs.map((job, i) => ({
        id: jobIds[i] ?? 0,
        export_id: id,
        community_id: Number(input.communityId),
        job_type: job.jobType,
        user_id: job.userId === null ? null : Number(job.userId),
        data_types: JSON.stringify(job.dataTypes),
        state: 'PENDING',
        abort_reason: null,
        state_message: null,
        progress: 0,
        create_time: input.createTime,
        update_time: input.createTime,
      }));
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        await trx
          .insertInto('dyi_jobs')
          .values(rows.slice(start, start + INSERT_CHUNK))
          .execute();
      }
      return toExport(row);
    });
  }

  async get(id: Id): Promise<ExportJob | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.db()
      .selectFrom('exports')
      .selectAll()
      .where('id', '=', rowId)
      .executeTakeFirst();
    return row && toExport(row);
  }

  async findByIdempotencyKey(communityId: Id, key: string): Promise<ExportJob | undefined> {
    const row = await this.db()
      .selectFrom('exports')
      .selectAll()
      .where('community_id', '=', Number(communityId))
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row && toExport(row);
  }

  async list(communityId: Id, page: PageRequest): Promise<Page<ExportJob>> {
    const result = await keysetPage('desc', page, (direction, position, limit) => {
      let query = this.db()
        .selectFrom('exports')
        .selectAll()
        .where('community_id', '=', Number(communityId));
      if (position !== undefined)
        query = query.where('id', direction === 'asc' ? '>' : '<', position);
      return query.orderBy('id', direction).limit(limit).execute();
    });
    return { ...result, items: result.items.map(toExport) };
  }

  async count(communityId: Id): Promise<number> {
    const row = await this.db()
      .selectFrom('exports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('community_id', '=', Number(communityId))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  async countJobs(exportId: Id): Promise<ExportJobCounts> {
    const rows = await this.db()
      .selectFrom('dyi_jobs')
      .select([
        'state',
        (eb) => eb.fn.countAll<number>().as('n'),
        (eb) => eb.fn.sum<number>('progress').as('progress'),
      ])
      .where('export_id', '=', Number(exportId))
      .groupBy('state')
      .execute();
    const count = (state: JobState): number => rows.find((r) => r.state === state)?.n ?? 0;
    return {
      total: rows.reduce((sum, r) => sum + r.n, 0),
      pending: count('PENDING'),
      inProgress: count('IN_PROGRESS'),
      completed: count('COMPLETED'),
      aborted: count('ABORTED'),
      failed: count('FAILED'),
      runningProgress: rows.find((r) => r.state === 'IN_PROGRESS')?.progress ?? 0,
    };
  }

  async firstAbortReason(exportId: Id): Promise<AbortReason | null> {
    const row = await this.db()
      .selectFrom('dyi_jobs')
      .select('abort_reason')
      .where('export_id', '=', Number(exportId))
      .where('state', '=', 'ABORTED')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return (row?.abort_reason as AbortReason | undefined) ?? null;
  }

  cancel(id: Id, time: number): Promise<readonly Id[]> {
    return inTransaction(this.db(), async (trx) => {
      await trx
        .updateTable('exports')
        .set({ cancel_requested: 1 })
        .where('id', '=', Number(id))
        .execute();
      const rows = await trx
        .updateTable('dyi_jobs')
        .set({
          state: 'ABORTED',
          abort_reason: 'CANCELLED_BY_USER',
          state_message: 'The export was cancelled before this job finished.',
          update_time: time,
        })
        .where('export_id', '=', Number(id))
        .where('state', 'in', ['PENDING', 'IN_PROGRESS'])
        .returning('id')
        .execute();
      return rows.map((row) => String(row.id));
    });
  }

  delete(id: Id): Promise<readonly string[]> {
    return inTransaction(this.db(), async (trx) => {
      const exportId = Number(id);
      const jobIds = trx.selectFrom('dyi_jobs').select('id').where('export_id', '=', exportId);
      const files = await trx
        .selectFrom('dyi_files')
        .select(['id', 'blob_key'])
        .where('job_id', 'in', jobIds)
        .execute();
      await trx.deleteFrom('dyi_files').where('job_id', 'in', jobIds).execute();
      const fileObjects = files.map((f) => f.id);
      for (let start = 0; start < fileObjects.length; start += INSERT_CHUNK) {
        await trx
          .deleteFrom('objects')
          .where('id', 'in', fileObjects.slice(start, start + INSERT_CHUNK))
          .execute();
      }
      // dyi_jobs rows reference their objects rows (foreign keys on): read the ids, then
      // delete the jobs before their objects.
      const jobObjects = (await jobIds.execute()).map((job) => job.id);
      await trx.deleteFrom('dyi_jobs').where('export_id', '=', exportId).execute();
      for (let start = 0; start < jobObjects.length; start += INSERT_CHUNK) {
        await trx
          .deleteFrom('objects')
          .where('id', 'in', jobObjects.slice(start, start + INSERT_CHUNK))
          .execute();
      }
      await trx.deleteFrom('exports').where('id', '=', exportId).execute();
      await trx.deleteFrom('objects').where('id', '=', exportId).execute();
      return files.map((f) => f.blob_key);
    });
  }
}

function toJob(row: DyiJobsTable): DyiJob {
  return {
    id: String(row.id),
    exportId: String(row.export_id),
    communityId: String(row.community_id),
    jobType: row.job_type as DyiJob['jobType'],
    userId: row.user_id === null ? null : String(row.user_id),
    dataTypes: JSON.parse(row.data_types) as DataType[],
    state: row.state as JobState,
    abortReason: row.abort_reason as AbortReason | null,
    stateMessage: row.state_message,
    progress: row.progress,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

class SqliteJobs implements JobRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

  async get(id: Id): Promise<DyiJob | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.db()
      .selectFrom('dyi_jobs')
      .selectAll()
      .where('id', '=', rowId)
      .executeTakeFirst();
    return row && toJob(row);
  }

  async companyJob(exportId: Id): Promise<DyiJob> {
    const row = await this.db()
      .selectFrom('dyi_jobs')
      .selectAll()
      .where('export_id', '=', Number(exportId))
      .where('job_type', '=', 'COMPANY')
      .executeTakeFirstOrThrow();
    return toJob(row);
  }

  async listUserJobs(exportId: Id, page: PageRequest, state?: JobState): Promise<Page<DyiJob>> {
    const result = await keysetPage('asc', page, (direction, position, limit) => {
      let query = this.db()
        .selectFrom('dyi_jobs')
        .selectAll()
        .where('export_id', '=', Number(exportId))
        .where('job_type', '=', 'USER');
      if (state !== undefined) query = query.where('state', '=', state);
      if (position !== undefined)
        query = query.where('id', direction === 'asc' ? '>' : '<', position);
      return query.orderBy('id', direction).limit(limit).execute();
    });
    return { ...result, items: result.items.map(toJob) };
  }

  async transition(id: Id, from: readonly JobState[], change: JobStateChange): Promise<boolean> {
    const result = await this.db()
      .updateTable('dyi_jobs')
      .set({
        state: change.state,
        update_time: change.time,
        ...(change.abortReason !== undefined && { abort_reason: change.abortReason }),
        ...(change.stateMessage !== undefined && { state_message: change.stateMessage }),
        ...(change.progress !== undefined && { progress: change.progress }),
      })
      .where('id', '=', Number(id))
      .where('state', 'in', [...from])
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async setProgress(id: Id, progress: number, time: number): Promise<void> {
    await this.db()
      .updateTable('dyi_jobs')
      .set({ progress, update_time: time })
      .where('id', '=', Number(id))
      .execute();
  }
}

function toFile(row: DyiFilesTable): DyiFile {
  return {
    id: String(row.id),
    jobId: String(row.job_id),
    communityId: String(row.community_id),
    name: row.name,
    size: row.size,
    sha256: row.sha256,
    contentType: row.content_type,
    partNumber: row.part_number,
    blobKey: row.blob_key,
    createTime: row.create_time,
  };
}

class SqliteFiles implements FileRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

  async allocateId(communityId: Id): Promise<Id> {
    return String(await newObjectId(this.db(), 'dyi_file', communityId));
  }

  async create(id: Id, file: NewFile): Promise<DyiFile> {
    const row: DyiFilesTable = {
      id: Number(id),
      job_id: Number(file.jobId),
      community_id: Number(file.communityId),
      name: file.name,
      size: file.size,
      sha256: file.sha256,
      content_type: file.contentType,
      part_number: file.partNumber,
      blob_key: file.blobKey,
      create_time: file.createTime,
    };
    await this.db().insertInto('dyi_files').values(row).execute();
    return toFile(row);
  }

  async get(id: Id): Promise<DyiFile | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.db()
      .selectFrom('dyi_files')
      .selectAll()
      .where('id', '=', rowId)
      .executeTakeFirst();
    return row && toFile(row);
  }

  async listByJob(jobId: Id, page: PageRequest): Promise<Page<DyiFile>> {
    const result = await keysetPage('asc', page, (direction, position, limit) => {
      let query = this.db().selectFrom('dyi_files').selectAll().where('job_id', '=', Number(jobId));
      if (position !== undefined)
        query = query.where('id', direction === 'asc' ? '>' : '<', position);
      return query.orderBy('id', direction).limit(limit).execute();
    });
    return { ...result, items: result.items.map(toFile) };
  }

  async countByJob(jobId: Id): Promise<number> {
    const row = await this.db()
      .selectFrom('dyi_files')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('job_id', '=', Number(jobId))
      .executeTakeFirstOrThrow();
    return row.n;
  }
}

class SqliteSettings implements SettingsRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

  async getOrCreate(key: string, create: () => string): Promise<string> {
    const existing = await this.db()
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    if (existing) return existing.value;
    await this.db()
      .insertInto('settings')
      .values({ key, value: create() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await this.db()
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    return row.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db()
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}
