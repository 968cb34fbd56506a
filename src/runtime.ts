/**
 * @module
 * The composition root: turns a Config into open stores and the services every entry point
 * (server, CLI, admin panel) shares. The only module that picks adapters; a new deployment
 * (PostgreSQL, S3) is one more branch here, never a change in the services.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { MemoryUsageCounters } from './adapters/memory/memory-usage-counters.js';
import { S3BlobStore } from './adapters/s3/s3-blob-store.js';
import { LocalDiskBlobStore } from './adapters/local-disk/local-disk-blob-store.js';
import { whyNotWritable } from './adapters/local-disk/writable-directory.js';
import { SqliteContentStore } from './adapters/sqlite/sqlite-content-store.js';
import { SqliteMetadataStore } from './adapters/sqlite/sqlite-metadata-store.js';
import type { BlobStoreLocation, Config } from './config.js';
import { ConfigurationError } from './domain/index.js';
import type { BlobStore } from './ports/blob-store.js';
import { type Clock, systemClock } from './ports/clock.js';
import type { ContentStore } from './ports/content-store.js';
import type { JobQueue } from './ports/job-queue.js';
import type { MetadataStore } from './ports/metadata-store.js';
import type { UsageCounters } from './ports/usage-counters.js';
import { AccessService } from './services/access-service.js';
import { AdminService } from './services/admin-service.js';
import { BlobCleanupService } from './services/blob-cleanup-service.js';
import { CommunityService } from './services/community-service.js';
import { type DownloadLinks, PresignedDownloadLinks } from './services/download-links.js';
import { DownloadUrlSigner } from './services/download-url-signer.js';
import { ExportService } from './services/export-service.js';
import { ImportService } from './services/import-service.js';
import { JobService } from './services/job-service.js';

export interface Runtime {
  readonly config: Config;
  readonly clock: Clock;
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  readonly content: ContentStore;
  /** Export work waiting for (or taken by) a worker. */
  readonly queue: JobQueue;
  /** Calls and time per token and community, behind rate limits and usage headers. */
  readonly usageCounters: UsageCounters;
  readonly communities: CommunityService;
  readonly access: AccessService;
  readonly admins: AdminService;
  readonly imports: ImportService;
  readonly exports: ExportService;
  readonly jobs: JobService;
  /** Signs and checks this server's own download URLs (the download route). */
  readonly downloads: DownloadUrlSigner;
  /** What `download_url` is: `downloads`' URLs, or presigned S3 URLs (DYI_DOWNLOAD_URLS). */
  readonly downloadLinks: DownloadLinks;
  /** Removes unfinished writes and orphan media from the blob store. */
  readonly cleanup: BlobCleanupService;
  close(): Promise<void>;
}

/** Settings key of the HMAC secret that signs download URLs (shared by every process). */
const DOWNLOAD_SECRET_KEY = 'download_url_secret';

export interface RuntimeOptions {
  readonly clock?: Clock;
  /**
   * Usage counters to use instead of this process's memory: a store shared by every API
   * process (PostgreSQL) when there are several. The runtime opens and closes it.
   */
  readonly usageCounters?: UsageCounters;
}

/** Opens the stores under `config.dataDir` and wires the services. Close it when done. */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const { metadata, content, blobs, queue, usageCounters } = await openStores(
    config,
    clock,
    options.usageCounters,
  );
  const secret = await metadata.settings.getOrCreate(DOWNLOAD_SECRET_KEY, () =>
    randomBytes(32).toString('hex'),
  );
  const downloads = new DownloadUrlSigner({
    secret,
    publicUrl: config.publicUrl,
    ttlSeconds: config.downloadUrlTtlSeconds,
    clock,
  });
  return {
    config,
    clock,
    metadata,
    blobs,
    content,
    queue,
    usageCounters,
    communities: new CommunityService(metadata, clock),
    access: new AccessService(metadata, clock),
    admins: new AdminService(metadata, clock, {
      failureDelayMs: config.signInFailureDelayMs,
      sessionSeconds: config.adminSessionSeconds,
      guard: {
        accountFailures: config.signInAccountFailures,
        addressFailures: config.signInAddressFailures,
        lockSeconds: config.signInLockSeconds,
        maxLockSeconds: config.signInMaxLockSeconds,
        forgetSeconds: config.signInForgetSeconds,
      },
    }),
    imports: new ImportService(metadata, content, blobs, clock),
    exports: new ExportService(metadata, blobs, queue, clock),
    jobs: new JobService(metadata, blobs, clock),
    downloads,
    downloadLinks:
      config.downloadUrls === 'presigned' && blobs instanceof S3BlobStore
        ? new PresignedDownloadLinks(blobs, config.downloadUrlTtlSeconds, clock)
        : downloads,
    cleanup: new BlobCleanupService(metadata, content, blobs, clock, {
      orphanMediaGraceSeconds: config.orphanMediaGraceSeconds,
    }),
    async close(): Promise<void> {
      await usageCounters.close();
      await queue.close();
      await content.close();
      await blobs.close();
      await metadata.close();
    },
  };
}

/** The four stores every service is built on. */
interface Stores {
  readonly metadata: MetadataStore;
  readonly content: ContentStore;
  readonly blobs: BlobStore;
  readonly queue: JobQueue;
  readonly usageCounters: UsageCounters;
}

/**
 * Picks and opens the adapters the configuration names: SQLite in the data dir (metadata,
 * content and queue in one file) or PostgreSQL; the data dir's `blobs/` or an S3 bucket.
 * Whatever opened is closed again when a later one fails.
 */
async function openStores(
  config: Config,
  clock: Clock,
  sharedUsageCounters: UsageCounters | undefined,
): Promise<Stores> {
  const problem = await whyNotWritable(config.dataDir);
  if (problem !== undefined) throw dataDirError(config.dataDir, problem);
  const filename = path.join(config.dataDir, 'dyi.sqlite');
  const metadata = new SqliteMetadataStore({ filename });
  // Content shares the metadata database, whose init() has run the migrations of both.
  const content = new SqliteContentStore({ filename });
  const queue = metadata.jobQueue(clock);
  const blobs = openBlobStore(config.blobStore);
  const usageCounters = sharedUsageCounters ?? new MemoryUsageCounters();
  await metadata.init().catch((error: unknown) => {
    throw isUnopenable(error) ? dataDirError(filename, String(error), error) : error;
  });
  try {
    await blobs.init();
    await content.init();
    await queue.init();
    await usageCounters.init();
  } catch (error) {
    await usageCounters.close();
    await queue.close();
    await content.close();
    await blobs.close();
    await metadata.close();
    throw error;
  }
  return { metadata, content, blobs, queue, usageCounters };
}

function openBlobStore(location: BlobStoreLocation): BlobStore {
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
