/**
 * @module
 * DYI jobs in SQLite (table `dyi_jobs`). State changes are compare-and-set updates, so a
 * cancel and a finishing worker cannot both win.
 */
import type { Kysely } from 'kysely';
import type { DyiJob, Id, JobState } from '../../domain/index.js';
import type { JobRepository, JobStateChange } from '../../ports/metadata-store.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { jobReads } from '../sql/metadata-reads.js';
import type { DyiJobsTable } from '../sql/metadata-tables.js';
import { keysetPage } from '../sql/keyset-page.js';
import { toJob as jobFromRow } from '../sql/metadata-rows.js';
import { keysetParameters, keysetSql } from '../sql/keyset-sql.js';
import { toRowId } from '../sql/object-ids.js';
import { queryOne, query, mappedOnce } from './sqlite-database.js';
import type { SqliteDatabase } from './sqlite-schema.js';

const toJob = mappedOnce(jobFromRow);

export class SqliteJobRepository implements JobRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

  async get(id: Id): Promise<DyiJob | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await queryOne<DyiJobsTable>(this.db(), jobReads.byId, [rowId]);
    return row && toJob(row);
  }

  async companyJob(exportId: Id): Promise<DyiJob> {
    const row = await queryOne<DyiJobsTable>(this.db(), jobReads.companyJob, [Number(exportId)]);
    if (!row) throw new Error(`Export ${exportId} has no company job; its rows are inconsistent.`);
    return toJob(row);
  }

  async listUserJobs(exportId: Id, page: PageRequest, state?: JobState): Promise<Page<DyiJob>> {
    const base = jobReads.userJobsOfExport + (state === undefined ? '' : ' AND state = ?');
    const filters = state === undefined ? [Number(exportId)] : [Number(exportId), state];
    const result = await keysetPage('asc', page, (direction, position, limit) =>
      query<DyiJobsTable>(
        this.db(),
        keysetSql(base, direction, position !== undefined),
        keysetParameters(filters, position, limit),
      ),
    );
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
        ...(change.leftOutCount !== undefined && { left_out_count: change.leftOutCount }),
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

  async idsOfExport(exportId: Id): Promise<readonly Id[]> {
    const rows = await query<{ id: number }>(this.db(), jobReads.idsOfExport, [Number(exportId)]);
    return rows.map((row) => String(row.id));
  }

  async unfinishedIds(): Promise<readonly Id[]> {
    const rows = await query<{ id: number }>(this.db(), jobReads.unfinishedIds, []);
    return rows.map((row) => String(row.id));
  }
}
