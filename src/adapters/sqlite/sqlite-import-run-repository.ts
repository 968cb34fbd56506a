/**
 * @module
 * The log of imports in SQLite (table `import_runs`): one row per `dyi import` or seed, with
 * the records it wrote per kind as JSON, or why it failed.
 */
import type { Kysely } from 'kysely';
import type { Id, ImportRun } from '../../domain/index.js';
import type { ImportRunRepository } from '../../ports/metadata-store.js';
import { query } from './sqlite-database.js';
import type { ImportRunsTable, SqliteDatabase } from './sqlite-schema.js';

type ImportRunRow = Omit<ImportRunsTable, 'id'> & { id: number };

function toImportRun(row: ImportRunRow): ImportRun {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    source: row.source,
    startTime: row.start_time,
    endTime: row.end_time,
    succeeded: row.succeeded === 1,
    records: JSON.parse(row.records) as Record<string, number>,
    error: row.error,
  };
}

export class SqliteImportRunRepository implements ImportRunRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

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
    const rows = await query<ImportRunRow>(
      this.db(),
      'SELECT * FROM import_runs WHERE community_id = ? ORDER BY id DESC LIMIT ?',
      [Number(communityId), limit],
    );
    return rows.map(toImportRun);
  }
}
