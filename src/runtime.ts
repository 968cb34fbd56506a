/**
 * @module
 * The composition root: turns a Config into open stores and the services every entry point
 * (server, CLI, admin panel) shares. The only module that picks adapters; a new deployment
 * (PostgreSQL, S3) is one more branch here, never a change in the services.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { LocalDiskBlobStore } from './adapters/local-disk/local-disk-blob-store.js';
import { SqliteMetadataStore } from './adapters/sqlite/sqlite-metadata-store.js';
import type { Config } from './config.js';
import type { BlobStore } from './ports/blob-store.js';
import { type Clock, systemClock } from './ports/clock.js';
import type { MetadataStore } from './ports/metadata-store.js';
import { AccessService } from './services/access-service.js';
import { CommunityService } from './services/community-service.js';
import { DownloadUrlSigner } from './services/download-url-signer.js';
import { ExportService } from './services/export-service.js';
import { JobService } from './services/job-service.js';

export interface Runtime {
  readonly config: Config;
  readonly clock: Clock;
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  readonly communities: CommunityService;
  readonly access: AccessService;
  readonly exports: ExportService;
  readonly jobs: JobService;
  readonly downloads: DownloadUrlSigner;
  close(): Promise<void>;
}

/** Settings key of the HMAC secret that signs download URLs (shared by every process). */
const DOWNLOAD_SECRET_KEY = 'download_url_secret';

/** Opens the stores under `config.dataDir` and wires the services. Close it when done. */
export async function openRuntime(
  config: Config,
  options: { clock?: Clock } = {},
): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const metadata = new SqliteMetadataStore({ filename: path.join(config.dataDir, 'dyi.sqlite') });
  const blobs = new LocalDiskBlobStore({ root: path.join(config.dataDir, 'blobs') });
  await metadata.init();
  try {
    await blobs.init();
  } catch (error) {
    await metadata.close();
    throw error;
  }
  const secret = await metadata.settings.getOrCreate(DOWNLOAD_SECRET_KEY, () =>
    randomBytes(32).toString('hex'),
  );
  return {
    config,
    clock,
    metadata,
    blobs,
    communities: new CommunityService(metadata, clock),
    access: new AccessService(metadata, clock),
    exports: new ExportService(metadata, blobs, clock),
    jobs: new JobService(metadata, blobs, clock),
    downloads: new DownloadUrlSigner({
      secret,
      publicUrl: config.publicUrl,
      ttlSeconds: config.downloadUrlTtlSeconds,
      clock,
    }),
    async close(): Promise<void> {
      await blobs.close();
      await metadata.close();
    },
  };
}
