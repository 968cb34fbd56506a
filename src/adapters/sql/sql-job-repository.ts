/**
 * @module
 * DYI jobs (table `dyi_jobs`), the same on SQLite and PostgreSQL (`SqlEngine` gives the
 * engine's reads). State changes are compare-and-set updates, so a cancel and a finishing
 * worker cannot both win: SQLite runs one write at a time; under PostgreSQL's READ COMMITTED a
 * second UPDATE of the same row waits for the first to commit and then checks its WHERE again
 * on the new row.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DyiJob, Id, JobState } from '../../domain/index.js';
import type {
  JobRepository,
  JobStateChange,
  UserJobCount,
  UserJobFilter,
} from '../../ports/metadata-store.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { keyPatternOf } from './member-search-keys.js';
import { jobReads } from './metadata-reads.js';
import { keysetPage } from './keyset-page.js';
import { keysetParameters, keysetSql } from './keyset-sql.js';
import type { DyiJobsTable, MetadataTables } from './metadata-tables.js';
import { toJob } from './metadata-rows.js';
import { toRowId } from './object-ids.js';
import type { SqlEngine } from './sql-engine.js';
import { type MaybePromise, thenMaybe } from '../../ports/maybe-promise.js';

export class SqlJobRepository implements JobRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {
    this.#toJob = engine.mapRows(toJob);
  }

  readonly #toJob: (row: DyiJobsTable) => DyiJob;

  get(id: Id): MaybePromise<DyiJob | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    return thenMaybe(
      this.engine.queryOne<DyiJobsTable>(this.db(), jobReads.byId, [rowId]),
      (row) => row && this.#toJob(row),
    );
  }

  companyJob(exportId: Id): MaybePromise<DyiJob> {
    return thenMaybe(
      this.engine.queryOne<DyiJobsTable>(this.db(), jobReads.companyJob, [Number(exportId)]),
      (row) => {
        if (!row) {
          throw new Error(`Export ${exportId} has no company job; its rows are inconsistent.`);
        }
        return this.#toJob(row);
      },
    );
  }

  async listUserJobs(
    exportId: Id,
    page: PageRequest,
    filter: UserJobFilter = {},
  ): Promise<Page<DyiJob>> {
    const { base, parameters, idColumn } = userJobSelection(exportId, filter);
    const result = await keysetPage('asc', page, (direction, position, limit) =>
      this.engine.query<DyiJobsTable>(
        this.db(),
        keysetSql(
          `SELECT ${idColumn === 'id' ? '*' : 'j.*'} ${base}`,
          direction,
          position !== undefined,
          idColumn,
        ),
        keysetParameters(parameters, position, limit),
      ),
    );
    return { ...result, items: result.items.map(this.#toJob) };
  }

  async countUserJobs(
    exportId: Id,
    filter: UserJobFilter = {},
    position?: Id,
  ): Promise<UserJobCount> {
    const { base, parameters, idColumn } = userJobSelection(exportId, filter);
    const before = toRowId(position ?? '') ?? 0;
    const row = await this.engine.queryOne<{
      matching: number | string;
      before: number | string | null;
    }>(
      this.db(),
      `SELECT count(*) AS matching,
              sum(CASE WHEN ${idColumn} < ? THEN 1 ELSE 0 END) AS before ${base}`,
      [before, ...parameters],
    );
    return { matching: Number(row?.matching ?? 0), before: Number(row?.before ?? 0) };
  }

  async transition(
    id: Id,
    from: readonly JobState[],
    change: JobStateChange,
    ownRun?: string,
  ): Promise<boolean> {
    let update = this.db()
      .updateTable('dyi_jobs')
      .set({
        state: change.state,
        update_time: change.time,
        ...(change.abortReason !== undefined && { abort_reason: change.abortReason }),
        ...(change.stateMessage !== undefined && { state_message: change.stateMessage }),
        ...(change.progress !== undefined && { progress: change.progress }),
        ...(change.leftOutCount !== undefined && { left_out_count: change.leftOutCount }),
        ...(change.startsRun !== undefined && {
          run_id: change.startsRun,
          run_claim: change.claim ?? null,
        }),
      })
      .where('id', '=', Number(id))
      .where('state', 'in', [...from]);
    if (ownRun !== undefined) update = update.where('run_id', '=', ownRun);
    const claim = change.claim;
    if (claim !== undefined) {
      // A claim starts a job at most once; its verdicts stand until a later claim starts it.
      const below = change.startsRun === undefined ? '<=' : '<';
      update = update.where((eb) =>
        eb.or([eb('run_claim', 'is', null), eb('run_claim', below, claim)]),
      );
    }
    const result = await update.executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async setProgress(id: Id, progress: number, time: number, ownRun?: string): Promise<void> {
    let update = this.db()
      .updateTable('dyi_jobs')
      .set({ progress, update_time: time })
      .where('id', '=', Number(id));
    if (ownRun !== undefined) update = update.where('run_id', '=', ownRun);
    await update.execute();
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

  async countUnfinished(): Promise<{ PENDING: number; IN_PROGRESS: number }> {
    const rows = await this.engine.query<{ state: JobState; n: number | string }>(
      this.db(),
      jobReads.unfinishedCounts,
      [],
    );
    const counts = { PENDING: 0, IN_PROGRESS: 0 };
    // PostgreSQL answers count(*) as a bigint, which pg gives as a string.
    for (const row of rows)
      if (row.state in counts) counts[row.state as keyof typeof counts] = Number(row.n);
    return counts;
  }
}

/**
 * The FROM and WHERE of the export's user jobs that match `filter`, with their parameters,
 * and the column their ids are in (the member filter joins `members`).
 */
function userJobSelection(
  exportId: Id,
  filter: UserJobFilter,
): { base: string; parameters: unknown[]; idColumn: string } {
  const pattern = filter.member === undefined ? undefined : keyPatternOf(filter.member);
  const state = filter.state;
  if (pattern === undefined) {
    return {
      base: jobReads.userJobsFrom + (state === undefined ? '' : ' AND state = ?'),
      parameters: state === undefined ? [Number(exportId)] : [Number(exportId), state],
      idColumn: 'id',
    };
  }
  return {
    base: jobReads.userJobsOfMembersFrom + (state === undefined ? '' : ' AND j.state = ?'),
    parameters:
      state === undefined ? [Number(exportId), pattern] : [Number(exportId), pattern, state],
    idColumn: 'j.id',
  };
}

/**
 * Whether the job belongs to `run` (and, given `states`, is in one of them), checked inside a
 * write transaction so that the answer holds until it commits: the check is an UPDATE that
 * changes nothing, which takes the row's lock on PostgreSQL (a run starting meanwhile waits for
 * the commit, then sees what this transaction wrote) and runs under SQLite's one writer at a
 * time.
 */
export async function holdsRun(
  trx: Transaction<MetadataTables>,
  jobId: Id,
  run: string,
  states?: readonly JobState[],
): Promise<boolean> {
  let check = trx
    .updateTable('dyi_jobs')
    .set((eb) => ({ run_id: eb.ref('run_id') }))
    .where('id', '=', Number(jobId))
    .where('run_id', '=', run);
  if (states) check = check.where('state', 'in', [...states]);
  const result = await check.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
