/**
 * @module
 * The log of imports in PostgreSQL (table `import_runs`): one row per `dyi import` or seed,
 * with the records it wrote per kind as JSON, or why it failed.
 */
import type { Kysely } from 'kysely';
import type { Id, ImportRun } from '../../domain/index.js';
import type { ImportRunRepository } from '../../ports/metadata-store.js';
import { importRunReads } from '../sql/metadata-reads.js';
import { type ImportRunRow, toImportRun } from '../sql/metadata-rows.js';
import { query } from './postgres-database.js';
import type { PostgresDatabase } from './postgres-schema.js';

export class PostgresImportRunRepository implements ImportRunRepository {
  constructor(private readonly db: () => Kysely<PostgresDatabase>) {}

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
    const rows = await query<ImportRunRow>(this.db(), importRunReads.latest, [
      Number(communityId),
      limit,
    ]);
    return rows.map(toImportRun);
  }
}
