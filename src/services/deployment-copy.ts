/**
 * @module
 * `dyi copy`: moves an embedded deployment (the SQLite file of a data dir and its blobs) to
 * PostgreSQL, and its blobs to another blob store (S3) when one is named, with every row and
 * blob, verified by count and SHA-256. Both databases are migrated first by opening their
 * stores, so an old data dir copies as well as a current one. Every write is idempotent (rows
 * `ON CONFLICT DO NOTHING`, blobs skipped when the target has the same bytes), so a copy cut
 * short is run again and finishes; the report says what each run wrote.
 *
 * Refused: a data dir whose `dyi serve` is running (a live deployment does not copy
 * consistently; `dyi worker` processes leave no record and must be stopped by the operator),
 * and a target database holding another deployment's data (`deployment-copy-checks.ts`).
 * Which tables are copied, and why the others are not: `copied-tables.ts`.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { advanceIdentities } from '../adapters/postgres/postgres-identities.js';
import { describeDatabaseUrl, openPostgres } from '../adapters/postgres/postgres-database.js';
import { PostgresMetadataStore } from '../adapters/postgres/postgres-metadata-store.js';
import { COPIED_TABLES, IDENTITY_TABLES } from '../adapters/sql/copied-tables.js';
import { copyTable, type TableCopyResult } from '../adapters/sql/table-copy.js';
import { openSqlite } from '../adapters/sqlite/sqlite-database.js';
import { SqliteMetadataStore } from '../adapters/sqlite/sqlite-metadata-store.js';
import type { BlobStoreLocation } from '../config.js';
import { ConfigurationError } from '../domain/index.js';
import { blobStoreAt } from '../open-stores.js';
import type { BlobStore } from '../ports/blob-store.js';
import { findRunningServer } from '../running-server.js';
import { type BlobCopyProgress, type BlobCopyResult, copyBlobs } from './blob-copy.js';
import {
  blobProblems,
  differingTables,
  fileRows,
  refuseOtherDeployment,
} from './deployment-copy-checks.js';

export interface DeploymentCopyOptions {
  readonly dataDir: string;
  /** The target PostgreSQL database. */
  readonly databaseUrl: string;
  /** Where the data dir's blobs are (its `blobs/` folder unless DYI_BLOB_STORE says). */
  readonly sourceBlobs: BlobStoreLocation;
  /** Where to copy them; undefined: they stay where they are. */
  readonly targetBlobs: BlobStoreLocation | undefined;
  readonly onProgress?: (progress: CopyProgress) => void;
}

export type CopyProgress =
  | { readonly kind: 'rows'; readonly table: string; readonly rows: number }
  | ({ readonly kind: 'blobs' } & BlobCopyProgress);

export interface DeploymentCopyReport {
  readonly tables: readonly TableCopyResult[];
  /** Undefined when the blobs stayed where they were. */
  readonly blobs: BlobCopyResult | undefined;
  /** Files whose blob was verified (by SHA-256 when copied, by size when left in place). */
  readonly files: number;
}

export async function copyDeployment(
  options: DeploymentCopyOptions,
): Promise<DeploymentCopyReport> {
  const filename = path.join(options.dataDir, 'dyi.sqlite');
  await refuseUnfitSource(options.dataDir, filename);
  const location = describeDatabaseUrl(options.databaseUrl);
  await migrated(new SqliteMetadataStore({ filename }));
  await migrated(new PostgresMetadataStore({ url: options.databaseUrl }));
  const source = openSqlite(filename) as unknown as Kysely<unknown>;
  const target = openPostgres<unknown>({ url: options.databaseUrl, maxConnections: 2 });
  const stores: BlobStore[] = [];
  try {
    await refuseOtherDeployment(source, target, location);
    const progress = options.onProgress ?? (() => undefined);
    const tables: TableCopyResult[] = [];
    for (const table of COPIED_TABLES) {
      tables.push(
        await copyTable(source, target, table, (rows) =>
          progress({ kind: 'rows', table: table.name, rows }),
        ),
      );
    }
    await advanceIdentities(target, IDENTITY_TABLES);
    const from = await opened(blobStoreAt(options.sourceBlobs), stores);
    const to = options.targetBlobs ? await opened(blobStoreAt(options.targetBlobs), stores) : from;
    const blobs =
      to === from
        ? undefined
        : await copyBlobs(from, to, (done) => progress({ kind: 'blobs', ...done }));
    const files = await fileRows(source);
    const problems = [
      ...(await differingTables(source, target)),
      ...(await blobProblems(from, to, files, blobs?.hashes)),
    ];
    if (problems.length > 0) throw new CopyNotVerifiedError(problems);
    return { tables, blobs, files: files.length };
  } finally {
    for (const store of stores) await store.close();
    await target.destroy();
    await source.destroy();
  }
}

/** The copy ended but did not arrive whole: what differs (running it again may mend it). */
export class CopyNotVerifiedError extends Error {
  constructor(readonly problems: readonly string[]) {
    const shown = problems.slice(0, 10).join('; ');
    const more = problems.length > 10 ? ` and ${problems.length - 10} more` : '';
    super(`The copy is not verified: ${shown}${more}. Run dyi copy again.`);
  }
}

async function refuseUnfitSource(dataDir: string, filename: string): Promise<void> {
  if (
    !(await access(filename).then(
      () => true,
      () => false,
    ))
  ) {
    throw new ConfigurationError(
      `No embedded deployment in ${dataDir} (no dyi.sqlite there): name its directory with --data-dir DIR.`,
    );
  }
  const server = await findRunningServer(dataDir);
  if (server) {
    throw new ConfigurationError(
      `dyi serve (pid ${server.pid}, ${server.url}) is running on ${dataDir}: a live deployment does not copy consistently. Stop it (and any dyi worker on it), then copy.`,
    );
  }
}

/** Opens a store (running its migrations) and closes it again. */
async function migrated(store: { init(): Promise<void>; close(): Promise<void> }): Promise<void> {
  await store.init();
  await store.close();
}

async function opened(store: BlobStore, stores: BlobStore[]): Promise<BlobStore> {
  await store.init();
  stores.push(store);
  return store;
}
