/**
 * @module
 * File records (table `dyi_files`), the same on SQLite and PostgreSQL (`SqlEngine` gives the
 * engine's reads and ids); the bytes are in the BlobStore under `blob_key`.
 */
import type { Kysely } from 'kysely';
import { type DyiFile, type Id, RunSupersededError } from '../../domain/index.js';
import type {
  ExportFileRecord,
  FileRepository,
  FileTotals,
  NewFile,
} from '../../ports/metadata-store.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { fileReads } from './metadata-reads.js';
import { keysetPage } from './keyset-page.js';
import { keysetParameters, keysetSql } from './keyset-sql.js';
import type { DyiFilesTable, MetadataTables } from './metadata-tables.js';
import { toFile } from './metadata-rows.js';
import { toRowId } from './object-ids.js';
import { holdsRun } from './sql-job-repository.js';
import type { SqlEngine } from './sql-engine.js';
import { type MaybePromise, thenMaybe } from '../../ports/maybe-promise.js';

export class SqlFileRepository implements FileRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {
    this.#toFile = engine.mapRows(toFile);
  }

  readonly #toFile: (row: DyiFilesTable) => DyiFile;

  async allocateId(communityId: Id): Promise<Id> {
    return String(await this.engine.newObjectId(this.db(), 'dyi_file', communityId));
  }

  async idFloor(communityId: Id): Promise<Id> {
    // An id taken from the sequence and given back: neither engine hands one out twice.
    const id = await this.engine.newObjectId(this.db(), 'dyi_file', communityId);
    await this.engine.deleteObjects(this.db(), [id]);
    return String(id);
  }

  async create(id: Id, file: NewFile, ownRun?: string): Promise<DyiFile> {
    const row: DyiFilesTable = {
      id: Number(id),
      job_id: Number(file.jobId),
      community_id: Number(file.communityId),
      name: file.name,
      size: file.size,
      sha256: file.sha256,
      content_type: file.contentType,
      part_number: file.partNumber,
      blob_key: file.blobKey,
      create_time: file.createTime,
      left_out_count: file.leftOutCount,
      expired_time: null,
    };
    if (ownRun === undefined) await this.db().insertInto('dyi_files').values(row).execute();
    else {
      await this.db()
        .transaction()
        .execute(async (trx) => {
          if (!(await holdsRun(trx, file.jobId, ownRun, ['IN_PROGRESS'])))
            throw new RunSupersededError(file.jobId);
          await trx.insertInto('dyi_files').values(row).execute();
        });
    }
    return this.#toFile(row);
  }

  get(id: Id): MaybePromise<DyiFile | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    return thenMaybe(
      this.engine.queryOne<DyiFilesTable>(this.db(), fileReads.byId, [rowId]),
      (row) => row && this.#toFile(row),
    );
  }

  listByJob(jobId: Id, page: PageRequest): MaybePromise<Page<DyiFile>> {
    const rows = keysetPage('asc', page, (direction, position, limit) =>
      this.engine.query<DyiFilesTable>(
        this.db(),
        keysetSql(fileReads.ofJob, direction, position !== undefined),
        keysetParameters([Number(jobId)], position, limit),
      ),
    );
    return thenMaybe(rows, (result) => ({ ...result, items: result.items.map(this.#toFile) }));
  }

  async countByJob(jobId: Id): Promise<number> {
    const row = await this.engine.queryOne<{ n: number }>(this.db(), fileReads.countOfJob, [
      Number(jobId),
    ]);
    return row?.n ?? 0;
  }

  async listByExport(exportId: Id, page: PageRequest): Promise<Page<ExportFileRecord>> {
    const result = await keysetPage('asc', page, (direction, position, limit) =>
      this.engine.query<DyiFilesTable & { job_user_id: number | null }>(
        this.db(),
        keysetSql(fileReads.ofExport, direction, position !== undefined),
        keysetParameters([Number(exportId)], position, limit),
      ),
    );
    return {
      ...result,
      items: result.items.map((row) => ({
        ...this.#toFile(row),
        userId: row.job_user_id === null ? null : String(row.job_user_id),
      })),
    };
  }

  async totalsOfExport(exportId: Id): Promise<FileTotals> {
    const row = await this.engine.queryOne<FileTotals>(this.db(), fileReads.totalsOfExport, [
      Number(exportId),
    ]);
    return { files: Number(row?.files ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  deleteByJob(jobId: Id, ownRun?: string): Promise<readonly string[]> {
    return this.db()
      .transaction()
      .execute(async (trx) => {
        if (ownRun !== undefined && !(await holdsRun(trx, jobId, ownRun))) return [];
        const files = await trx
          .deleteFrom('dyi_files')
          .where('job_id', '=', Number(jobId))
          .returning(['id', 'blob_key'])
          .execute();
        files.sort((a, b) => a.id - b.id);
        await this.engine.deleteObjects(
          trx,
          files.map((file) => file.id),
        );
        return files.map((file) => file.blob_key);
      });
  }
}
