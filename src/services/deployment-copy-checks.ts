/**
 * @module
 * What `dyi copy` checks before it writes and after it has written: that the target database
 * holds nothing but (part of) this deployment, and that every row and blob arrived.
 */
import { type Kysely, sql } from 'kysely';
import { COPIED_TABLES } from '../adapters/sql/copied-tables.js';
import { countRows } from '../adapters/sql/table-copy.js';
import { ConfigurationError } from '../domain/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import { listBlobs } from './blob-copy.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- either engine's schema
type AnyDb = Kysely<any>;

interface CommunityRow {
  id: number;
  name: string;
  create_time: number;
}

/**
 * Refuses a target that holds another deployment's data: a community this one lacks (or has
 * under another name), or object ids above this one's highest (written there since).
 */
export async function refuseOtherDeployment(
  source: AnyDb,
  target: AnyDb,
  location: string,
): Promise<void> {
  const read = async (db: AnyDb) =>
    (await sql<CommunityRow>`SELECT id, name, create_time FROM communities`.execute(db)).rows;
  const ours = new Map((await read(source)).map((row) => [Number(row.id), row]));
  for (const theirs of await read(target)) {
    const mine = ours.get(Number(theirs.id));
    if (mine?.name !== theirs.name || Number(mine.create_time) !== Number(theirs.create_time)) {
      throw new ConfigurationError(
        `The database at ${location} holds another deployment's data (community ${theirs.id} "${theirs.name}" is not this data dir's): copy into an empty database.`,
      );
    }
  }
  const top = async (db: AnyDb) =>
    Number(
      (await sql<{ top: number | null }>`SELECT max(id) AS top FROM objects`.execute(db)).rows[0]
        ?.top ?? 0,
    );
  const [sourceTop, targetTop] = [await top(source), await top(target)];
  if (targetTop > sourceTop) {
    throw new ConfigurationError(
      `The database at ${location} holds objects this data dir lacks (ids up to ${targetTop}, here up to ${sourceTop}): it has been written to since it was copied. Copy into an empty database.`,
    );
  }
}

/** A table whose rows did not all arrive, or whose derived counts differ. */
export async function differingTables(source: AnyDb, target: AnyDb): Promise<string[]> {
  const differences: string[] = [];
  for (const { name } of COPIED_TABLES) {
    const [here, there] = [await countRows(source, name), await countRows(target, name)];
    if (here !== there) differences.push(`${name}: ${here} rows in the source, ${there} copied`);
  }
  const [here, there] = [await jobCounts(source), await jobCounts(target)];
  if (here !== there) differences.push('export_job_counts: the counts of jobs per state differ');
  return differences;
}

/** Every export's job counts, as one comparable text. */
async function jobCounts(db: AnyDb): Promise<string> {
  const { rows } = await sql<Record<string, number>>`
    SELECT export_id, pending, in_progress, completed, aborted, failed, left_out,
           running_progress
    FROM export_job_counts ORDER BY export_id`.execute(db);
  return rows
    .map((row) =>
      [
        ...[
          'export_id',
          'pending',
          'in_progress',
          'completed',
          'aborted',
          'failed',
          'left_out',
        ].map((column) => Number(row[column])),
        Number(row.running_progress).toFixed(6),
      ].join(' '),
    )
    .join('\n');
}

export interface FileRow {
  readonly id: number;
  readonly blob_key: string;
  readonly size: number;
  readonly sha256: string;
}

export async function fileRows(db: AnyDb): Promise<FileRow[]> {
  return (
    await sql<FileRow>`SELECT id, blob_key, size, sha256 FROM dyi_files ORDER BY id`.execute(db)
  ).rows;
}

/**
 * Problems with the target's blobs: their number and bytes must equal the source's, and every
 * file's blob must be there with the file's size and SHA-256 (`hashes`: as verified in the
 * target by the copy; without them, the blobs stayed where they were and only sizes are read).
 */
export async function blobProblems(
  source: BlobStore,
  target: BlobStore,
  files: readonly FileRow[],
  hashes: ReadonlyMap<string, string> | undefined,
): Promise<string[]> {
  const problems: string[] = [];
  if (source !== target) {
    const [here, there] = [await listBlobs(source), await listBlobs(target)];
    const bytes = (blobs: typeof here) => blobs.reduce((sum, blob) => sum + blob.size, 0);
    if (here.length !== there.length || bytes(here) !== bytes(there)) {
      problems.push(
        `blobs: ${here.length} (${bytes(here)} bytes) in the source, ${there.length} (${bytes(there)} bytes) in the target${there.length > here.length ? ' (blobs the source lacks: copy into an empty bucket or prefix)' : ''}`,
      );
    }
  }
  for (const file of files) {
    if (hashes) {
      const sha256 = hashes.get(file.blob_key);
      if (sha256 !== file.sha256) {
        problems.push(
          sha256 === undefined
            ? `file ${file.id}: no blob ${file.blob_key} in the source`
            : `file ${file.id}: blob ${file.blob_key} has SHA-256 ${sha256}, the file ${file.sha256}`,
        );
      }
      continue;
    }
    const found = await target.stat(file.blob_key);
    if (found?.size !== Number(file.size)) {
      problems.push(`file ${file.id}: blob ${file.blob_key} missing or of another size`);
    }
  }
  return problems;
}
