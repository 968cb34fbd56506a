/**
 * @module
 * DYI jobs (table `dyi_jobs`), the same on SQLite and PostgreSQL (`SqlEngine` gives the
 * engine's reads). State changes are compare-and-set updates, so a cancel and a finishing
 * worker cannot both win: SQLite runs one write at a time; under PostgreSQL's READ COMMITTED a
 * second UPDATE of the same row waits for the first to commit and then checks its WHERE again
 * on the new row.
 */
import type { Kysely } from 'kysely';
import type { DyiJob, Id, JobState } from '../../domain/index.js';
import type { JobRepository, JobStateChange } from '../../ports/metadata-store.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { jobReads } from './metadata-reads.js';
import { keysetPage } from './keyset-page.js';
import { keysetParameters, keysetSql } from './keyset-sql.js';
import type { DyiJobsTable, MetadataTables } from './metadata-tables.js';
import { toJob } from './metadata-rows.js';
import { toRowId } from './object-ids.js';
import type { SqlEngine } from './sql-engine.js';

export class SqlJobRepository implements JobRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {
    this.#toJob = engine.mapRows(toJob);
  }

  readonly #toJob: (row: DyiJobsTable) => DyiJob;

  async get(id: Id): Promise<DyiJob | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.engine.queryOne<DyiJobsTable>(this.db(), jobReads.byId, [rowId]);
    return row && this.#toJob(row);
  }

  async companyJob(exportId: Id): Promise<DyiJob> {
    const row = await this.engine.queryOne<DyiJobsTable>(this.db(), jobReads.companyJob, [
      Number(exportId),
    ]);
    if (!row) throw new Error(`Export ${exportId} has no company job; its rows are inconsistent.`);
    return this.#toJob(row);
  }

  async listUserJobs(exportId: Id, page: PageRequest, state?: JobState): Promise<Page<DyiJob>> {
    const base = jobReads.userJobsOfExport + (state === undefined ? '' : ' AND state = ?');
    const filters = state === undefined ? [Number(exportId)] : [Number(exportId), state];
    const result = await keysetPage('asc', page, (direction, position, limit) =>
      this.engine.query<DyiJobsTable>(
        this.db(),
        keysetSql(base, direction, position !== undefined),
        keysetParameters(filters, position, limit),
      ),
    );
    return { ...result, items: result.items.map(this.#toJob) };
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
    const rows = await this.engine.query<{ id: number }>(this.db(), jobReads.idsOfExport, [
      Number(exportId),
    ]);
    return rows.map((row) => String(row.id));
  }

  async unfinishedIds(): Promise<readonly Id[]> {
    const rows = await this.engine.query<{ id: number }>(this.db(), jobReads.unfinishedIds, []);
    return rows.map((row) => String(row.id));
  }
}
