/**
 * @module
 * Exports in SQLite: the shared repository (`../sql/sql-export-repository.ts`) with this
 * engine's way of writing an export's jobs (INSERT_CHUNK rows per statement) and a delete that
 * works on a full disk, by giving up the space reserve.
 */
import type { Kysely, Transaction } from 'kysely';
import { type AuditEntry, type Id, StorageFullError } from '../../domain/index.js';
import type { NewExport, PlannedJob } from '../../ports/metadata-store.js';
import type { DyiJobsTable, MetadataTables } from '../sql/metadata-tables.js';
import type { SqlEngine } from '../sql/sql-engine.js';
import { SqlExportRepository } from '../sql/sql-export-repository.js';
import { INSERT_CHUNK } from './sqlite-database.js';
import type { SpaceReserve } from './space-reserve.js';

export class SqliteExportRepository extends SqlExportRepository {
  constructor(
    db: () => Kysely<MetadataTables>,
    engine: SqlEngine,
    /** Space given up when a delete finds the disk full (see SpaceReserve). */
    private readonly reserve?: SpaceReserve,
  ) {
    super(db, engine);
  }

  protected override async insertJobs(
    trx: Transaction<MetadataTables>,
    input: NewExport,
    exportId: number,
    ids: readonly number[],
    jobs: readonly PlannedJob[],
  ): Promise<void> {
    const rows: DyiJobsTable[] = jobs.map((job, i) => ({
      id: ids[i] ?? 0,
      export_id: exportId,
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
      run_id: null,
      run_claim: null,
    }));
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      await trx
        .insertInto('dyi_jobs')
        .values(rows.slice(start, start + INSERT_CHUNK))
        .execute();
    }
  }

  /**
   * Deleting is how an operator frees space, so it must work on a full disk: when SQLite has no
   * room for the delete's WAL pages, the reserve is given up and the delete tried once more.
   */
  override async delete(id: Id, audit?: AuditEntry): Promise<readonly string[]> {
    await this.reserve?.ensure();
    try {
      return await super.delete(id, audit);
    } catch (error) {
      if (!(error instanceof StorageFullError) || !(await this.reserve?.release())) throw error;
      return super.delete(id, audit);
    }
  }
}
