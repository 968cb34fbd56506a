/**
 * @module
 * Exports in PostgreSQL (table `exports`, with `dyi_jobs` for their jobs and
 * `export_job_counts`, which triggers keep, for the counts of those jobs per state). An
 * export's jobs are written by a few statements of JOBS_PER_INSERT rows, whatever their
 * number, each passing its columns as arrays. After a large export (ANALYZE_AFTER_JOBS jobs or
 * more) the table's statistics are refreshed at once: until autovacuum gets to it, the planner
 * takes the new export for a few rows and answers its first page of jobs with a bitmap scan of
 * every job and a sort (2 s for 1,000,000 jobs) instead of reading 100 index entries.
 */
import type { Kysely } from 'kysely';
import {
  type AbortReason,
  ConflictError,
  type ExportJob,
  type ExportJobCounts,
  type Id,
} from '../../domain/index.js';
import type { ExportRepository, NewExport, PlannedJob } from '../../ports/metadata-store.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { exportReads } from '../sql/metadata-reads.js';
import { keysetPage } from '../sql/keyset-page.js';
import { keysetParameters, keysetSql } from '../sql/keyset-sql.js';
import type { ExportJobCountsTable, ExportsTable } from '../sql/metadata-tables.js';
import { toExport, toJobCounts } from '../sql/metadata-rows.js';
import { toRowId } from '../sql/object-ids.js';
import { isUniqueViolation, query, queryOne } from './postgres-database.js';
import { type Db, deleteObjects, newObjectId, newObjectIds } from './postgres-object-ids.js';
import type { PostgresDatabase } from './postgres-schema.js';

/** Jobs written by one INSERT: large enough to be few statements, small enough to be quick. */
const JOBS_PER_INSERT = 10_000;

/**
 * Jobs from which an export's creation runs ANALYZE on `dyi_jobs` (sampling, a fraction of a
 * second): autovacuum would, but only a minute or more later, and the export's id is in no
 * statistics until then.
 */
const ANALYZE_AFTER_JOBS = 10_000;

const INSERT_JOBS_SQL = `
  INSERT INTO dyi_jobs (id, export_id, community_id, job_type, user_id, data_types, state,
                        progress, left_out_count, create_time, update_time)
  SELECT j.id, ?::bigint, ?::bigint, j.job_type, j.user_id, j.data_types, 'PENDING', 0, 0,
         ?::bigint, ?::bigint
  FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::text[]) AS j(id, job_type, user_id, data_types)`;

export class PostgresExportRepository implements ExportRepository {
  constructor(private readonly db: () => Kysely<PostgresDatabase>) {}

  async create(input: NewExport, jobs: readonly PlannedJob[]): Promise<ExportJob> {
    const created = await this.#insert(input, jobs);
    if (jobs.length >= ANALYZE_AFTER_JOBS) await query(this.db(), 'ANALYZE dyi_jobs', []);
    return created;
  }

  #insert(input: NewExport, jobs: readonly PlannedJob[]): Promise<ExportJob> {
    return this.db()
      .transaction()
      .execute(async (trx) => {
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
        await insertJobs(trx, input, id, jobs);
        return toExport(row);
      });
  }

  async get(id: Id): Promise<ExportJob | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await queryOne<ExportsTable>(this.db(), exportReads.byId, [rowId]);
    return row && toExport(row);
  }

  async findByIdempotencyKey(communityId: Id, key: string): Promise<ExportJob | undefined> {
    const row = await queryOne<ExportsTable>(this.db(), exportReads.byIdempotencyKey, [
      Number(communityId),
      key,
    ]);
    return row && toExport(row);
  }

  async list(communityId: Id, page: PageRequest): Promise<Page<ExportJob>> {
    const base = exportReads.ofCommunity;
    const result = await keysetPage('desc', page, (direction, position, limit) =>
      query<ExportsTable>(
        this.db(),
        keysetSql(base, direction, position !== undefined),
        keysetParameters([Number(communityId)], position, limit),
      ),
    );
    return { ...result, items: result.items.map(toExport) };
  }

  async count(communityId: Id): Promise<number> {
    const row = await queryOne<{ n: number }>(this.db(), exportReads.countOfCommunity, [
      Number(communityId),
    ]);
    return row?.n ?? 0;
  }

  async countJobs(exportId: Id): Promise<ExportJobCounts> {
    const row = await queryOne<ExportJobCountsTable>(this.db(), exportReads.jobCounts, [
      Number(exportId),
    ]);
    return toJobCounts(row);
  }

  async firstAbortReason(exportId: Id): Promise<AbortReason | null> {
    const row = await queryOne<{ abort_reason: AbortReason | null }>(
      this.db(),
      exportReads.firstAbortReason,
      [Number(exportId)],
    );
    return row?.abort_reason ?? null;
  }

  cancel(id: Id, time: number): Promise<readonly Id[]> {
    return this.db()
      .transaction()
      .execute(async (trx) => {
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
        return rows
          .map((row) => row.id)
          .sort((a, b) => a - b)
          .map(String);
      });
  }

  /** Deletes rows before the `objects` rows they reference; answers blob keys in file id order. */
  delete(id: Id): Promise<readonly string[]> {
    const exportId = Number(id);
    return this.db()
      .transaction()
      .execute(async (trx) => {
        const files = await query<{ id: number; blob_key: string }>(
          trx,
          `DELETE FROM dyi_files f USING dyi_jobs j
           WHERE j.id = f.job_id AND j.export_id = ? RETURNING f.id, f.blob_key`,
          [exportId],
        );
        files.sort((a, b) => a.id - b.id);
        await deleteObjects(
          trx,
          files.map((f) => f.id),
        );
        const jobs = await trx
          .deleteFrom('dyi_jobs')
          .where('export_id', '=', exportId)
          .returning('id')
          .execute();
        await deleteObjects(
          trx,
          jobs.map((job) => job.id),
        );
        await trx.deleteFrom('exports').where('id', '=', exportId).execute();
        await deleteObjects(trx, [exportId]);
        return files.map((f) => f.blob_key);
      });
  }
}

/** Writes the export's jobs, all PENDING, with ids in plan order (the company job's first). */
async function insertJobs(
  trx: Db,
  input: NewExport,
  exportId: number,
  jobs: readonly PlannedJob[],
): Promise<void> {
  const ids = await newObjectIds(trx, 'dyi_job', input.communityId, jobs.length);
  for (let start = 0; start < jobs.length; start += JOBS_PER_INSERT) {
    const chunk = jobs.slice(start, start + JOBS_PER_INSERT);
    await query(trx, INSERT_JOBS_SQL, [
      exportId,
      Number(input.communityId),
      input.createTime,
      input.createTime,
      ids.slice(start, start + JOBS_PER_INSERT),
      chunk.map((job) => job.jobType),
      chunk.map((job) => (job.userId === null ? null : Number(job.userId))),
      chunk.map((job) => JSON.stringify(job.dataTypes)),
    ]);
  }
}
