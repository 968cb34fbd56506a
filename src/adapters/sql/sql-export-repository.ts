/**
 * @module
 * Exports (table `exports`, with `dyi_jobs` for their jobs and `export_job_counts`, which
 * triggers keep, for the counts of those jobs per state), the same on SQLite and PostgreSQL but
 * for how an export's jobs are written, many at a time: each engine's repository extends this
 * one with its `insertJobs` (and with what else only it needs around a create or a delete).
 */
import type { Kysely, Transaction } from 'kysely';
import {
  type AbortReason,
  type AuditEntry,
  ConflictError,
  type ExportJob,
  type ExportJobCounts,
  type Id,
  type UnixSeconds,
} from '../../domain/index.js';
import type { ExportRepository, NewExport, PlannedJob } from '../../ports/metadata-store.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { appendAudit } from './sql-audit-repository.js';
import { exportReads } from './metadata-reads.js';
import { keysetPage } from './keyset-page.js';
import { keysetParameters, keysetSql } from './keyset-sql.js';
import type { ExportJobCountsTable, ExportsTable, MetadataTables } from './metadata-tables.js';
import { toExport, toJobCounts } from './metadata-rows.js';
import { toRowId } from './object-ids.js';
import type { SqlEngine } from './sql-engine.js';
import { type MaybePromise, thenMaybe } from '../../ports/maybe-promise.js';

export abstract class SqlExportRepository implements ExportRepository {
  readonly #toExport: (row: ExportsTable) => ExportJob;

  constructor(
    protected readonly db: () => Kysely<MetadataTables>,
    protected readonly engine: SqlEngine,
  ) {
    this.#toExport = engine.mapRows(toExport);
  }

  /**
   * Writes the export's jobs, all PENDING, with `ids` (ascending, one per job) in plan order
   * (the company job's first).
   */
  protected abstract insertJobs(
    trx: Transaction<MetadataTables>,
    input: NewExport,
    exportId: number,
    ids: readonly number[],
    jobs: readonly PlannedJob[],
  ): Promise<void>;

  create(input: NewExport, jobs: readonly PlannedJob[], audit?: AuditEntry): Promise<ExportJob> {
    return this.db()
      .transaction()
      .execute(async (trx) => {
        const id = await this.engine.newObjectId(trx, 'work_dyi_job', input.communityId);
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
          keep_original_media: input.keepOriginalMedia ? 1 : 0,
          withhold_others_media: input.withholdOthersMedia ? 1 : 0,
          name: input.name ?? null,
          member_scope: input.memberScope ?? null,
          retention_days: input.retentionDays ?? null,
          expires_time: null,
          expiry_state: null,
          expired_time: null,
          expiry_claim_time: null,
          created_by_type: input.createdBy?.type ?? null,
          created_by_id: input.createdBy ? Number(input.createdBy.id) : null,
          created_by_name: input.createdBy?.name ?? null,
          created_by_token_id:
            input.createdBy?.tokenId === undefined || input.createdBy.tokenId === null
              ? null
              : Number(input.createdBy.tokenId),
          reason: input.reason ?? null,
        };
        try {
          await trx.insertInto('exports').values(row).execute();
        } catch (error) {
          if (this.engine.isUniqueViolation(error)) {
            throw new ConflictError(
              `An export with idempotency key "${input.idempotencyKey}" was created meanwhile.`,
              { cause: error },
            );
          }
          throw error;
        }
        const ids = await this.engine.newObjectIds(trx, 'dyi_job', input.communityId, jobs.length);
        await this.insertJobs(trx, input, id, ids, jobs);
        if (audit) await appendAudit(trx, this.engine, audit, String(id));
        return this.#toExport(row);
      });
  }

  get(id: Id): MaybePromise<ExportJob | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    return thenMaybe(
      this.engine.queryOne<ExportsTable>(this.db(), exportReads.byId, [rowId]),
      (row) => row && this.#toExport(row),
    );
  }

  async findByIdempotencyKey(communityId: Id, key: string): Promise<ExportJob | undefined> {
    const row = await this.engine.queryOne<ExportsTable>(this.db(), exportReads.byIdempotencyKey, [
      Number(communityId),
      key,
    ]);
    return row && this.#toExport(row);
  }

  async list(communityId: Id, page: PageRequest): Promise<Page<ExportJob>> {
    const base = exportReads.ofCommunity;
    const result = await keysetPage('desc', page, (direction, position, limit) =>
      this.engine.query<ExportsTable>(
        this.db(),
        keysetSql(base, direction, position !== undefined),
        keysetParameters([Number(communityId)], position, limit),
      ),
    );
    return { ...result, items: result.items.map(this.#toExport) };
  }

  async count(communityId: Id): Promise<number> {
    const row = await this.engine.queryOne<{ n: number }>(this.db(), exportReads.countOfCommunity, [
      Number(communityId),
    ]);
    return row?.n ?? 0;
  }

  countJobs(exportId: Id): MaybePromise<ExportJobCounts> {
    return thenMaybe(
      this.engine.queryOne<ExportJobCountsTable>(this.db(), exportReads.jobCounts, [
        Number(exportId),
      ]),
      toJobCounts,
    );
  }

  lastJobUpdate(exportId: Id): MaybePromise<UnixSeconds | null> {
    return thenMaybe(
      this.engine.queryOne<{ last_update: number | string | null }>(
        this.db(),
        exportReads.lastJobUpdate,
        [Number(exportId)],
      ),
      // PostgreSQL answers MAX of a bigint as text.
      (row) =>
        row?.last_update === null || row?.last_update === undefined
          ? null
          : Number(row.last_update),
    );
  }

  firstAbortReason(exportId: Id): MaybePromise<AbortReason | null> {
    return thenMaybe(
      this.engine.queryOne<{ abort_reason: AbortReason | null }>(
        this.db(),
        exportReads.firstAbortReason,
        [Number(exportId)],
      ),
      (row) => row?.abort_reason ?? null,
    );
  }

  /** Aborts the export's unfinished jobs; answers their ids in id order. */
  cancel(id: Id, time: number, audit?: AuditEntry): Promise<readonly Id[]> {
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
        if (audit) await appendAudit(trx, this.engine, audit);
        return rows
          .map((row) => row.id)
          .sort((a, b) => a - b)
          .map(String);
      });
  }

  /** Deletes rows before the `objects` rows they reference; answers blob keys in file id order. */
  delete(id: Id, audit?: AuditEntry): Promise<readonly string[]> {
    const exportId = Number(id);
    return this.db()
      .transaction()
      .execute(async (trx) => {
        const files = await trx
          .deleteFrom('dyi_files')
          .where('job_id', 'in', (eb) =>
            eb.selectFrom('dyi_jobs').select('id').where('export_id', '=', exportId),
          )
          .returning(['id', 'blob_key'])
          .execute();
        files.sort((a, b) => a.id - b.id);
        await this.engine.deleteObjects(
          trx,
          files.map((f) => f.id),
        );
        const jobs = await trx
          .deleteFrom('dyi_jobs')
          .where('export_id', '=', exportId)
          .returning('id')
          .execute();
        await this.engine.deleteObjects(
          trx,
          jobs.map((job) => job.id),
        );
        await trx.deleteFrom('exports').where('id', '=', exportId).execute();
        await this.engine.deleteObjects(trx, [exportId]);
        if (audit) await appendAudit(trx, this.engine, audit);
        return files.map((f) => f.blob_key);
      });
  }
}
