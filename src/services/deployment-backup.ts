/**
 * @module
 * `dyi backup`: a consistent copy of a running embedded deployment (the data dir's SQLite
 * database and the blobs it refers to), taken while exports run and downloads go on.
 *
 * Consistency, in four steps:
 * 1. every blob in the store is hard-linked into a staging directory beside the blobs
 *    (`blobs/.tmp/<owner>`, so a backup killed midway leaves it to the server's clean-up,
 *    `temp-file-owners.ts`); a link costs no bytes and keeps the blob's bytes however the
 *    server deletes it (retention sweep, export delete, orphan media clean-up) meanwhile;
 * 2. SQLite's online backup API copies the database, in one step, so the copy is one
 *    committed state (a WAL read transaction: writers go on meanwhile);
 * 3. the blobs that snapshot refers to are chosen: the files of every export not expired
 *    (`dyi_files.expired_time IS NULL`) and every media record's blob. Blobs written after
 *    the snapshot, and orphans, are not referred to and are not copied. A referred blob
 *    written between steps 1 and 2 is linked now; one already deleted again by then (written
 *    and deleted within the backup's first moments) fails the backup with a message to run
 *    it again, which never happened in practice but cannot be ruled out;
 * 4. each chosen blob is copied from its link into the backup, hashed on the way and
 *    compared with the SHA-256 the snapshot records for it; the links are removed.
 * The manifest (`backup-manifest.ts`) lists every file of the backup with its size and SHA-256.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { TempFileOwners } from '../adapters/local-disk/temp-file-owners.js';
import { LocalDiskBlobStore } from '../adapters/local-disk/local-disk-blob-store.js';
import { ConfigurationError, ValidationError } from '../domain/index.js';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupEntry,
  type BackupManifest,
  DATABASE_NAME,
  hashFile,
  MANIFEST_NAME,
} from './backup-manifest.js';
import { BLOB_PREFIXES } from './blob-copy.js';

export interface BackupOptions {
  readonly dataDir: string;
  /** The local-disk blob store's root (the data dir's `blobs/` unless DYI_BLOB_STORE says). */
  readonly blobRoot: string;
  /** A new or empty directory. */
  readonly out: string;
  readonly onProgress?: (progress: BackupProgress) => void;
}

export type BackupProgress =
  | { readonly kind: 'database'; readonly bytes: number }
  | {
      readonly kind: 'blobs';
      readonly done: number;
      readonly total: number;
      readonly bytes: number;
      readonly totalBytes: number;
    };

/** A blob the snapshot refers to, with what it records of its bytes. */
interface ReferredBlob {
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
}

/** The manifest of the backup written. */
export async function backupDeployment(options: BackupOptions): Promise<BackupManifest> {
  const source = path.join(options.dataDir, DATABASE_NAME);
  await refuseUnfitSource(options.dataDir, source);
  await prepareEmptyDirectory(options.out, 'out', 'the backup');
  const progress = options.onProgress ?? (() => undefined);
  const staging = path.join(
    options.blobRoot,
    '.tmp',
    (await TempFileOwners.forThisProcess()).newName(),
  );
  await mkdir(staging, { recursive: true });
  try {
    await linkEveryBlob(options.blobRoot, staging);
    const snapshot = path.join(options.out, DATABASE_NAME);
    await snapshotDatabase(source, snapshot);
    const referred = readSnapshot(snapshot);
    progress({ kind: 'database', bytes: (await stat(snapshot)).size });
    await linkLateBlobs(options.blobRoot, staging, referred.blobs);
    const entries = await copyBlobs(staging, options.out, referred.blobs, progress);
    const database = await hashFile(snapshot);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_FORMAT_VERSION,
      createdTime: new Date().toISOString(),
      source: options.dataDir,
      schemaVersion: referred.schemaVersion,
      counts: {
        ...referred.counts,
        blobs: referred.blobs.length,
        blobBytes: referred.blobs.reduce((sum, blob) => sum + blob.size, 0),
      },
      files: [{ path: DATABASE_NAME, ...database }, ...entries],
    };
    await writeFile(
      path.join(options.out, MANIFEST_NAME),
      `${JSON.stringify(manifest, null, 2)}\n`,
      { flag: 'wx' },
    );
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function refuseUnfitSource(dataDir: string, database: string): Promise<void> {
  const found = await stat(database).catch(() => undefined);
  if (!found?.isFile()) {
    throw new ConfigurationError(
      `No embedded deployment in ${dataDir} (no ${DATABASE_NAME} there): name its directory with --data-dir DIR.`,
    );
  }
}

/**
 * Makes `dir` if it is missing; refuses one that holds anything (`option` names the flag,
 * `what` the thing to be written there).
 */
export async function prepareEmptyDirectory(
  dir: string,
  option: string,
  what: string,
): Promise<void> {
  const found = await stat(dir).catch(() => undefined);
  if (found && !found.isDirectory()) {
    throw new ValidationError(
      option,
      `${dir} is a file, not a directory: name a new or empty directory for ${what}.`,
    );
  }
  const entries = found ? await readdir(dir) : [];
  if (entries.length > 0) {
    const shown = entries.slice(0, 5).join(', ');
    throw new ValidationError(
      option,
      `${dir} is not empty (it holds ${shown}${entries.length > 5 ? ` and ${entries.length - 5} more` : ''}): name a new or empty directory for ${what}; nothing was written.`,
    );
  }
  await mkdir(dir, { recursive: true });
}

/** Step 1: a hard link to every blob there is now, under the same key in `staging`. */
async function linkEveryBlob(blobRoot: string, staging: string): Promise<void> {
  const store = new LocalDiskBlobStore({ root: blobRoot });
  await store.init();
  for (const prefix of BLOB_PREFIXES) {
    for await (const blob of store.list(prefix)) await linkBlob(blobRoot, staging, blob.key);
  }
}

/** True when linked (or linked already); false when the blob is gone. */
async function linkBlob(blobRoot: string, staging: string, key: string): Promise<boolean> {
  const target = path.join(staging, key);
  await mkdir(path.dirname(target), { recursive: true });
  return link(path.join(blobRoot, key), target).then(
    () => true,
    (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      if (code === 'EEXIST') return true;
      if (code === 'ENOENT') return false;
      throw error;
    },
  );
}

/** Step 2: one committed state of the database, as a file of its own (no WAL beside it). */
async function snapshotDatabase(source: string, target: string): Promise<void> {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // Returning every page left copies the rest in one step: one read transaction, so no
    // writer's commit can restart the copy or land halfway through it.
    await db.backup(target, { progress: ({ totalPages }) => Math.max(totalPages, 1) });
  } finally {
    db.close();
  }
  const copy = new Database(target, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

interface SnapshotContents {
  readonly schemaVersion: string;
  readonly counts: { communities: number; exports: number; files: number; media: number };
  readonly blobs: ReferredBlob[];
}

/** Step 3: what the snapshot refers to, and its counts. */
function readSnapshot(snapshot: string): SnapshotContents {
  const db = new Database(snapshot, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string, where = ''): number =>
      (db.prepare(`SELECT count(*) AS n FROM ${table} ${where}`).get() as { n: number }).n;
    const files = db
      .prepare(
        'SELECT blob_key AS key, size, sha256 FROM dyi_files WHERE expired_time IS NULL ORDER BY blob_key',
      )
      .all() as ReferredBlob[];
    const media = db
      .prepare(
        `SELECT DISTINCT json_extract(data, '$.blob_key') AS key, json_extract(data, '$.size') AS size,
                json_extract(data, '$.sha256') AS sha256
         FROM content_records WHERE kind = 'media' ORDER BY key`,
      )
      .all() as ReferredBlob[];
    const version = db
      .prepare('SELECT name FROM kysely_migration ORDER BY name DESC LIMIT 1')
      .get() as { name: string } | undefined;
    return {
      schemaVersion: version?.name ?? 'none',
      counts: {
        communities: count('communities'),
        exports: count('exports'),
        files: files.length,
        media: count('content_records', "WHERE kind = 'media'"),
      },
      blobs: [...files, ...media].map((blob) => ({ ...blob, size: Number(blob.size) })),
    };
  } finally {
    db.close();
  }
}

/** Step 3's late links: referred blobs written after step 1. */
async function linkLateBlobs(
  blobRoot: string,
  staging: string,
  blobs: readonly ReferredBlob[],
): Promise<void> {
  const gone: string[] = [];
  for (const blob of blobs) {
    const linked = await stat(path.join(staging, blob.key)).catch(() => undefined);
    if (linked === undefined && !(await linkBlob(blobRoot, staging, blob.key))) {
      gone.push(blob.key);
    }
  }
  if (gone.length > 0) {
    throw new BackupIncompleteError(
      `blob ${gone.slice(0, 3).join(', ')}${gone.length > 3 ? ` and ${gone.length - 3} more` : ''} was written and deleted while the backup began`,
    );
  }
}

/** Step 4: every referred blob copied from its link, checked against the snapshot's SHA-256. */
async function copyBlobs(
  staging: string,
  out: string,
  blobs: readonly ReferredBlob[],
  progress: (progress: BackupProgress) => void,
): Promise<BackupEntry[]> {
  const totalBytes = blobs.reduce((sum, blob) => sum + blob.size, 0);
  const entries: BackupEntry[] = [];
  let bytes = 0;
  progress({ kind: 'blobs', done: 0, total: blobs.length, bytes, totalBytes });
  for (const blob of blobs) {
    const relative = path.posix.join('blobs', blob.key);
    const target = path.join(out, relative);
    await mkdir(path.dirname(target), { recursive: true });
    const hash = createHash('sha256');
    let size = 0;
    await pipeline(
      createReadStream(path.join(staging, blob.key), { highWaterMark: 1024 * 1024 }),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          size += chunk.byteLength;
          yield chunk;
        }
      },
      createWriteStream(target, { flags: 'wx' }),
    );
    const sha256 = hash.digest('hex');
    if (sha256 !== blob.sha256 || size !== blob.size) {
      throw new BackupIncompleteError(
        `blob ${blob.key} has ${size} bytes with SHA-256 ${sha256}, the database records ${blob.size} bytes with ${blob.sha256} (the deployment itself may need \`dyi doctor\`)`,
      );
    }
    entries.push({ path: relative, size, sha256 });
    bytes += size;
    progress({ kind: 'blobs', done: entries.length, total: blobs.length, bytes, totalBytes });
  }
  return entries;
}

/** The backup could not be completed; what was written is not a backup. */
export class BackupIncompleteError extends Error {
  constructor(problem: string) {
    super(
      `The backup is not complete: ${problem}. Remove the --out directory and run dyi backup again.`,
    );
  }
}
