/**
 * @module
 * Part of the composition root (with `runtime.ts`): picks the adapters the configuration names
 * and opens them. Embedded: SQLite in the data dir holds metadata, content and the queue, and
 * usage counters live in this process's memory. Scaled out (`DYI_DATABASE_URL`): PostgreSQL
 * holds them all, the queue through pg-boss, so every API and worker process shares them.
 * Blobs go to the data dir's `blobs/` or to the S3 bucket of `DYI_BLOB_STORE`.
 */
import path from 'node:path';
import { MemoryUsageCounters } from './adapters/memory/memory-usage-counters.js';
import { LocalDiskBlobStore } from './adapters/local-disk/local-disk-blob-store.js';
import { whyNotWritable } from './adapters/local-disk/writable-directory.js';
import { PgBossJobQueue } from './adapters/pg-boss/pg-boss-job-queue.js';
import { PostgresContentStore } from './adapters/postgres/postgres-content-store.js';
import { SharedPool } from './adapters/postgres/postgres-database.js';
import { PostgresMetadataStore } from './adapters/postgres/postgres-metadata-store.js';
import { PostgresUsageCounters } from './adapters/postgres/postgres-usage-counters.js';
import { S3BlobStore } from './adapters/s3/s3-blob-store.js';
import { SqliteContentStore } from './adapters/sqlite/sqlite-content-store.js';
import { SqliteMetadataStore } from './adapters/sqlite/sqlite-metadata-store.js';
import type { BlobStoreLocation, Config } from './config.js';
import { ConfigurationError } from './domain/index.js';
import type { BlobStore } from './ports/blob-store.js';
import type { Clock } from './ports/clock.js';
import type { ContentStore } from './ports/content-store.js';
import type { JobQueue } from './ports/job-queue.js';
import type { MetadataStore } from './ports/metadata-store.js';
import type { UsageCounters } from './ports/usage-counters.js';

/** The stores every service is built on. */
export interface Stores {
  readonly metadata: MetadataStore;
  readonly content: ContentStore;
  readonly blobs: BlobStore;
  readonly queue: JobQueue;
  readonly usageCounters: UsageCounters;
}

/**
 * Opens the stores the configuration names (`usageCounters`, when given, replaces the
 * configured ones). The metadata store opens first: its init() runs the migrations of every
 * table. Whatever opened is closed again when a later one fails.
 */
export async function openStores(
  config: Config,
  clock: Clock,
  usageCounters?: UsageCounters,
): Promise<Stores> {
  // The data dir also holds `server.json` of a running `dyi serve`, whatever the stores.
  const problem = await whyNotWritable(config.dataDir);
  if (problem !== undefined) throw dataDirError(config.dataDir, problem);
  const stores = storesFor(config, clock, usageCounters);
  await stores.metadata.init().catch((error: unknown) => {
    throw isUnopenable(error) ? dataDirError(config.dataDir, String(error), error) : error;
  });
  try {
    await stores.blobs.init();
    await stores.content.init();
    await stores.queue.init();
    await stores.usageCounters.init();
  } catch (error) {
    await closeStores(stores);
    throw error;
  }
  return stores;
}

export async function closeStores(stores: Stores): Promise<void> {
  await stores.usageCounters.close();
  await stores.queue.close();
  await stores.content.close();
  await stores.blobs.close();
  await stores.metadata.close();
}

function storesFor(config: Config, clock: Clock, usageCounters?: UsageCounters): Stores {
  const blobs = blobStoreAt(config.blobStore);
  const url = config.databaseUrl;
  if (url !== undefined) {
    // One pool for the three stores whose statements are short: a process holds at most
    // databasePoolSize of their connections, whichever store is busy. pg-boss keeps its own.
    const sharedPool = new SharedPool({ url, maxConnections: config.databasePoolSize });
    return {
      metadata: new PostgresMetadataStore({ url, sharedPool }),
      content: new PostgresContentStore({ url, sharedPool }),
      queue: new PgBossJobQueue({ url }),
      usageCounters: usageCounters ?? new PostgresUsageCounters({ url, sharedPool }),
      blobs,
    };
  }
  const filename = path.join(config.dataDir, 'dyi.sqlite');
  const metadata = new SqliteMetadataStore({ filename });
  return {
    metadata,
    // Content shares the metadata database, whose init() has run the migrations of both.
    content: new SqliteContentStore({ filename }),
    queue: metadata.jobQueue(clock),
    usageCounters: usageCounters ?? new MemoryUsageCounters(),
    blobs,
  };
}

/** The blob store at `location`, not yet opened. */
export function blobStoreAt(location: BlobStoreLocation): BlobStore {
  switch (location.kind) {
    case 'local-disk':
      return new LocalDiskBlobStore({ root: location.root });
    case 's3':
      return new S3BlobStore({
        bucket: location.bucket,
        prefix: location.prefix,
        ...(location.endpoint !== undefined && { endpoint: location.endpoint }),
        region: location.region,
        forcePathStyle: location.forcePathStyle,
        // A copy: the AWS SDK marks the credentials object it is given, and config is frozen.
        ...(location.credentials !== undefined && { credentials: { ...location.credentials } }),
      });
  }
}

/** The data directory (or its database) cannot be used: says which, why, and what to do. */
function dataDirError(where: string, problem: string, cause?: unknown): ConfigurationError {
  return new ConfigurationError(
    `The data directory cannot be used: ${where}: ${problem}. Choose another with --data-dir DIR (or DYI_DATA_DIR), or fix its permissions.`,
    { cause },
  );
}

/** SQLite's "unable to open database file" and "attempt to write a readonly database". */
function isUnopenable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY';
}
