/**
 * @module
 * The composition root: turns a Config into open stores (`open-stores.ts` picks the adapters:
 * SQLite or PostgreSQL, local disk or S3) and the services every entry point (server, CLI,
 * admin panel) shares. A deployment is chosen by configuration, never by a change in the
 * services.
 */
import { randomBytes } from 'node:crypto';
import { meteredBlobStore, meteredMetadataStore } from './adapters/prometheus/metered-stores.js';
import { ProcessMetrics } from './adapters/prometheus/process-metrics.js';
import { S3BlobStore } from './adapters/s3/s3-blob-store.js';
import type { Config } from './config.js';
import { closeStores, openStores } from './open-stores.js';
import type { BlobStore } from './ports/blob-store.js';
import { type Clock, systemClock } from './ports/clock.js';
import type { ContentStore } from './ports/content-store.js';
import type { JobQueue } from './ports/job-queue.js';
import type { MetadataStore } from './ports/metadata-store.js';
import type { UsageCounters } from './ports/usage-counters.js';
import { AccessService } from './services/access-service.js';
import { AdminService } from './services/admin-service.js';
import { AuditService } from './services/audit-service.js';
import { BlobCleanupService } from './services/blob-cleanup-service.js';
import { CommunityService } from './services/community-service.js';
import { type DownloadLinks, PresignedDownloadLinks } from './services/download-links.js';
import { DownloadUrlSigner } from './services/download-url-signer.js';
import { deploymentIdOf, DOWNLOAD_SECRET_KEY } from './services/deployment-identity.js';
import { ExportService } from './services/export-service.js';
import { ImportService } from './services/import-service.js';
import { JobService } from './services/job-service.js';
import { type DelivererEvents, WebhookDeliverer } from './services/webhook-deliverer.js';
import { WebhookSender } from './services/webhook-sender.js';
import { WebhookService } from './services/webhook-service.js';
import { RetentionService } from './services/retention-service.js';

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
  /** Which deployment this is, the same in all its processes (`deployment-identity.ts`). */
  readonly deploymentId: string;
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
  /** The audit trail: record, list, verify and read it in order (see services/audit-service.ts). */
  readonly audit: AuditService;
  /** Removes unfinished writes and orphan media from the blob store. */
  readonly cleanup: BlobCleanupService;
  /** Webhook subscriptions and their delivery log (`webhookDeliverer` sends them). */
  readonly webhooks: WebhookService;
  /** A loop that sends due webhooks (`dyi serve` and `dyi worker` start one); not started. */
  webhookDeliverer(events?: DelivererEvents): WebhookDeliverer;
  /** Expires exports whose retention ended; extends or expires one at an admin's request. */
  readonly retention: RetentionService;
  /** This process's (or thread's) metrics; the stores above report into it. */
  readonly metrics: ProcessMetrics;
  close(): Promise<void>;
}

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
  const stores = await openStores(config, clock, options.usageCounters);
  const metrics = new ProcessMetrics();
  // Every store operation is timed at the port (adapters/prometheus/metered-stores.ts).
  const metadata = meteredMetadataStore(stores.metadata, metrics);
  const blobs = meteredBlobStore(stores.blobs, metrics);
  const { content, queue, usageCounters } = stores;
  const secret = await metadata.settings.getOrCreate(DOWNLOAD_SECRET_KEY, () =>
    randomBytes(32).toString('hex'),
  );
  const downloads = new DownloadUrlSigner({
    secret,
    publicUrl: config.publicUrl,
    ttlSeconds: config.downloadUrlTtlSeconds,
    clock,
  });
  const sender = new WebhookSender({
    allowPrivate: config.webhookAllowPrivate,
    timeoutMs: config.webhookTimeoutMs,
  });
  const webhooks = new WebhookService(metadata, sender, clock, {
    retryForMs: config.webhookRetrySeconds * 1000,
  });
  const exports = new ExportService(metadata, blobs, queue, clock, config);
  return {
    config,
    clock,
    metadata,
    blobs,
    content,
    queue,
    usageCounters,
    deploymentId: deploymentIdOf(secret),
    communities: new CommunityService(metadata, content, clock),
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
    exports,
    jobs: new JobService(metadata, blobs, clock),
    downloads,
    downloadLinks:
      config.downloadUrls === 'presigned' && blobs instanceof S3BlobStore
        ? new PresignedDownloadLinks(blobs, config.downloadUrlTtlSeconds, clock, downloads)
        : downloads,
    cleanup: new BlobCleanupService(metadata, content, blobs, clock, {
      orphanMediaGraceSeconds: config.orphanMediaGraceSeconds,
    }),
    webhooks,
    retention: new RetentionService(metadata, blobs, exports, clock, config),
    audit: new AuditService(metadata, clock),
    metrics,
    webhookDeliverer: (events) =>
      new WebhookDeliverer(
        { store: metadata, service: webhooks, sender, clock },
        {
          concurrency: config.webhookConcurrency,
          pollMs: config.webhookPollMs,
          timeoutMs: config.webhookTimeoutMs,
          retryBaseMs: config.webhookRetryBaseMs,
          retryMaxDelayMs: config.webhookRetryMaxDelayMs,
        },
        events,
      ),
    close: async () => {
      await sender.close();
      await closeStores(stores);
    },
  };
}
