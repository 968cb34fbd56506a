/**
 * @module
 * Exports in SQLite (table `exports`, with `dyi_jobs` for their jobs and `export_job_counts`,
 * which triggers keep, for the counts of those jobs per state).
 */
import type { Kysely } from 'kysely';
import {
  type AbortReason,
  ConflictError,
  StorageFullError,
  type ExportJob,
  type ExportJobCounts,
  type Id,
} from '../../domain/index.js';
import type { ExportRepository, NewExport, PlannedJob } from '../../ports/metadata-store.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { exportReads } from '../sql/metadata-reads.js';
import type { DyiJobsTable, ExportJobCountsTable, ExportsTable } from '../sql/metadata-tables.js';
import { keysetPage } from '../sql/keyset-page.js';
import { toExport as exportFromRow, toJobCounts } from '../sql/metadata-rows.js';
import { keysetParameters, keysetSql } from '../sql/keyset-sql.js';
import { toRowId } from '../sql/object-ids.js';
import {
  deleteObjects,
  INSERT_CHUNK,
  inTransaction,
  isUniqueViolation,
  newObjectId,
  newObjectIds,
  query,
  queryOne,
  mappedOnce,
} from './sqlite-database.js';
import type { SqliteDatabase } from './sqlite-schema.js';
import type { SpaceReserve } from './space-reserve.js';

const toExport = mappedOnce(exportFromRow);

export class SqliteExportRepository implements ExportRepository {
  constructor(
    private readonly db: () => Kysely<SqliteDatabase>,
    /** Space given up when a delete finds the disk full (see SpaceReserve). */
    private readonly reserve?: SpaceReserve,
  ) {}

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
        left_out_count: 0,
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

  /**
   * Deleting is how an operator frees space, so it must work on a full disk: when SQLite has no
   * room for the delete's WAL pages, the reserve is given up and the delete tried once more.
   */
  async delete(id: Id): Promise<readonly string[]> {
    await this.reserve?.ensure();
    try {
      return await this.#deleteRows(id);
    } catch (error) {
      if (!(error instanceof StorageFullError) || !(await this.reserve?.release())) throw error;
      return this.#deleteRows(id);
    }
  }

  #deleteRows(id: Id): Promise<readonly string[]> {
    return inTransaction(this.db(), async (trx) => {
      const exportId = Number(id);
      const jobIds = (
        await query<{ id: number }>(trx, 'SELECT id FROM dyi_jobs WHERE export_id = ?', [exportId])
      ).map((job) => job.id);
      const files = await query<{ id: number; blob_key: string }>(
        trx,
        'SELECT f.id, f.blob_key FROM dyi_files f JOIN dyi_jobs j ON j.id = f.job_id WHERE j.export_id = ?',
        [exportId],
      );
      // Rows go before the objects rows they reference (foreign keys are on).
      await trx
        .deleteFrom('dyi_files')
        .where('job_id', 'in', (eb) =>
          eb.selectFrom('dyi_jobs').select('id').where('export_id', '=', exportId),
        )
        .execute();
      await deleteObjects(
        trx,
        files.map((f) => f.id),
      );
      await trx.deleteFrom('dyi_jobs').where('export_id', '=', exportId).execute();
      await deleteObjects(trx, jobIds);
      await trx.deleteFrom('exports').where('id', '=', exportId).execute();
      await deleteObjects(trx, [exportId]);
      return files.map((f) => f.blob_key);
    });
  }
}
