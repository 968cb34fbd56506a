/**
 * @module
 * The log of imports (table `import_runs`), the same on SQLite and PostgreSQL: one row per
 * `dyi import` or seed, with the records it wrote per kind as JSON, or why it failed.
 */
import type { Kysely } from 'kysely';
import type { Id, ImportRun } from '../../domain/index.js';
import type { ImportRunRepository } from '../../ports/metadata-store.js';
import { importRunReads } from './metadata-reads.js';
import { type ImportRunRow, toImportRun } from './metadata-rows.js';
import type { MetadataTables } from './metadata-tables.js';
import type { SqlEngine } from './sql-engine.js';

export class SqlImportRunRepository implements ImportRunRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {}

  async record(run: Omit<ImportRun, 'id'>): Promise<ImportRun> {
    const row = {
      community_id: Number(run.communityId),
      source: run.source,
      start_time: run.startTime,
      end_time: run.endTime,
      succeeded: run.succeeded ? 1 : 0,
      records: JSON.stringify(run.records),
      error: run.error,
    };
    const { id } = await this.db()
      .insertInto('import_runs')
      .values(row)
      .returning('id')
      .executeTakeFirstOrThrow();
    return toImportRun({ ...row, id });
  }

  async latest(communityId: Id, limit: number): Promise<readonly ImportRun[]> {
    const rows = await this.engine.query<ImportRunRow>(this.db(), importRunReads.latest, [
      Number(communityId),
      limit,
    ]);
    return rows.map(toImportRun);
  }
}
