/**
 * @module
 * Removes what crashes leave in the blob store: writes a killed process never finished
 * (`BlobStore.removeAbandonedWrites`), and media blobs that no media record names, which a
 * killed `dyi import` leaves behind (it stores the bytes before it writes the records).
 * `dyi serve` and `dyi worker` sweep at start-up and then every `cleanupIntervalSeconds`, and
 * log what was removed; several processes may sweep one data directory at once.
 *
 * A media blob is removed only when no record of its community names it and it was neither
 * put nor touched for `orphanMediaGraceSeconds`. An import touches every blob it uses before
 * and after writing its records, and puts back one that went missing, so a sweep racing with
 * a running import never leaves one of its records without bytes (`deleteIfUnusedSince`).
 */
import { repeatEvery } from './periodic.js';
import type { Id } from '../domain/index.js';
import type { BlobStore, RemovedBlobs } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import type { ContentStore } from '../ports/content-store.js';
import type { MetadataStore } from '../ports/metadata-store.js';

export interface BlobCleanupReport {
  /** Temp files of writes whose process died. */
  readonly abandonedWrites: RemovedBlobs;
  /** Media blobs no record names. */
  readonly orphanMedia: RemovedBlobs;
}

export interface BlobCleanupOptions {
  /** How long an unnamed media blob is kept after its last put or touch, in seconds. */
  readonly orphanMediaGraceSeconds: number;
}

/** Sweeps started by `start`, until `stop`. */
export interface BlobCleanupSchedule {
  stop(): Promise<void>;
}

export class BlobCleanupService {
  readonly #metadata: MetadataStore;
  readonly #content: ContentStore;
  readonly #blobs: BlobStore;
  readonly #clock: Clock;
  readonly #options: BlobCleanupOptions;

  constructor(
    metadata: MetadataStore,
    content: ContentStore,
    blobs: BlobStore,
    clock: Clock,
    options: BlobCleanupOptions,
  ) {
    this.#metadata = metadata;
    this.#content = content;
    this.#blobs = blobs;
    this.#clock = clock;
    this.#options = options;
  }

  /** One sweep of every community's media and of the store's abandoned writes. */
  async sweep(): Promise<BlobCleanupReport> {
    const abandonedWrites = await this.#blobs.removeAbandonedWrites();
    const cutoffMs = this.#clock.now() - this.#options.orphanMediaGraceSeconds * 1000;
    let count = 0;
    let bytes = 0;
    for (const community of await this.#metadata.communities.list()) {
      const removed = await this.#removeOrphanMedia(community.id, cutoffMs);
      count += removed.count;
      bytes += removed.bytes;
    }
    return { abandonedWrites, orphanMedia: { count, bytes } };
  }

  /**
   * Sweeps now and then every `intervalSeconds`, one sweep at a time, handing each report
   * (or failure) to the callbacks; the timers do not keep the process alive.
   */
  start(
    intervalSeconds: number,
    onReport: (report: BlobCleanupReport) => void,
    onError: (error: unknown) => void,
  ): BlobCleanupSchedule {
    return repeatEvery(intervalSeconds, () => this.sweep(), onReport, onError);
  }

  async #removeOrphanMedia(communityId: Id, cutoffMs: number): Promise<RemovedBlobs> {
    const named = await this.#namedMediaKeys(communityId);
    let count = 0;
    let bytes = 0;
    for await (const blob of this.#blobs.list(`media/${communityId}/`)) {
      if (blob.modifiedMs >= cutoffMs || named.has(blob.key)) continue;
      const removed = await this.#blobs.deleteIfUnusedSince(blob.key, cutoffMs);
      if (removed === undefined) continue;
      count += 1;
      bytes += removed;
    }
    return { count, bytes };
  }

  /** The blob keys the community's media records name, read before any blob is judged. */
  async #namedMediaKeys(communityId: Id): Promise<Set<string>> {
    const keys = new Set<string>();
    for await (const media of this.#content.query(communityId, { kind: 'media' })) {
      keys.add(media.blob_key);
    }
    return keys;
  }
}

/** True when a sweep removed anything (worth a log line). */
export function hasRemoved(report: BlobCleanupReport): boolean {
  return report.abandonedWrites.count + report.orphanMedia.count > 0;
}

/** "2 unfinished writes (4.6 MB) and 3 orphan media files (1.2 MB)". */
export function describeCleanup(report: BlobCleanupReport): string {
  const { abandonedWrites: writes, orphanMedia: media } = report;
  return (
    `${writes.count} unfinished write${writes.count === 1 ? '' : 's'} (${megabytes(writes.bytes)}) ` +
    `and ${media.count} orphan media file${media.count === 1 ? '' : 's'} (${megabytes(media.bytes)})`
  );
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
