/**
 * @module
 * Exports in PostgreSQL: the shared repository (`../sql/sql-export-repository.ts`) with this
 * engine's way of writing an export's jobs, a few statements of JOBS_PER_INSERT rows whatever
 * their number, each passing its columns as arrays. After a large export (ANALYZE_AFTER_JOBS
 * jobs or more) the table's statistics are refreshed at once: until autovacuum gets to it, the
 * planner takes the new export for a few rows and answers its first page of jobs with a bitmap
 * scan of every job and a sort (2 s for 1,000,000 jobs) instead of reading 100 index entries.
 */
import type { Transaction } from 'kysely';
import type { AuditEntry, ExportJob } from '../../domain/index.js';
import type { NewExport, PlannedJob } from '../../ports/metadata-store.js';
import type { MetadataTables } from '../sql/metadata-tables.js';
import { SqlExportRepository } from '../sql/sql-export-repository.js';
import { query } from './postgres-database.js';

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

export class PostgresExportRepository extends SqlExportRepository {
  override async create(
    input: NewExport,
    jobs: readonly PlannedJob[],
    audit?: AuditEntry,
  ): Promise<ExportJob> {
    const created = await super.create(input, jobs, audit);
    if (jobs.length >= ANALYZE_AFTER_JOBS) await query(this.db(), 'ANALYZE dyi_jobs', []);
    return created;
  }

  protected override async insertJobs(
    trx: Transaction<MetadataTables>,
    input: NewExport,
    exportId: number,
    ids: readonly number[],
    jobs: readonly PlannedJob[],
  ): Promise<void> {
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
}
