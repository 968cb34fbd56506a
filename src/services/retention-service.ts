/**
 * @module
 * Retention: an export's files are kept for its retention (`DYI_RETENTION_DAYS`, or its own
 * `retention_days`) counted from when its last job ended, as Takeout keeps an archive "for 7
 * days after it is ready"; then a sweep deletes them from the blob store and the export stays
 * listed, expired, with its metadata and its file rows (marked expired, so every download of
 * them answers 410). Admins may move the expiry (within `DYI_RETENTION_MAX_DAYS` from now) or
 * expire an export at once.
 *
 * A sweep is safe in several processes at once and after a crash. Each export goes through
 * three steps, each a compare-and-set in the store (`RetentionRepository`):
 * 1. claim: kept → `expiring`, only while no job of it is unfinished (a running job's worker
 *    may be writing a blob of it; final job states are final, so none starts after the claim),
 *    and its files are marked expired in the same transaction: from then on no download reads
 *    a blob that is about to go;
 * 2. delete every blob under the export's prefix (idempotent);
 * 3. finish: `expiring` → `expired`.
 * One process wins each claim; a sweep that died after 1 leaves the export `expiring`, and the
 * next sweep takes it over once the claim is older than `claimLeaseSeconds`.
 *
 * `dyi serve` and `dyi worker` sweep at start-up and then every `DYI_RETENTION_SWEEP_SECONDS`.
 */
import { repeatEvery } from './periodic.js';
import {
  auditEntry,
  ExportExpiredError,
  type Id,
  SYSTEM_AUDIT_CONTEXT,
  type UnixSeconds,
  ValidationError,
} from '../domain/index.js';
import { type BlobStore, blobPrefixForExport } from '../ports/blob-store.js';
import { type Clock, unixSeconds } from '../ports/clock.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { parseDateInput } from '../graph/graph-date.js';
import type { ExportService } from './export-service.js';

/** One export the sweep expired. */
export interface ExpiredExport {
  readonly exportId: Id;
  readonly communityId: Id;
  /** Its files (file rows kept, bytes deleted) and their bytes. */
  readonly files: number;
  readonly bytes: number;
}

export interface RetentionReport {
  /** Exports whose expiry the sweep fixed, now that they ended. */
  readonly fixed: number;
  /** Exports this sweep expired (another process's are not here). */
  readonly expired: readonly ExpiredExport[];
}

export interface RetentionOptions {
  /** The most days from now an expiry may be moved to (`DYI_RETENTION_MAX_DAYS`). */
  readonly retentionMaxDays: number;
  /**
   * How long a sweep's claim of an export protects it from other sweeps, in seconds: a sweep
   * that crashed mid-way is taken over this long after. Longer than deleting one export takes.
   */
  readonly claimLeaseSeconds?: number;
  /** Exports expired per store read; a sweep reads until none is due. */
  readonly batch?: number;
}

/** Sweeps started by `start`, until `stop`. */
export interface RetentionSchedule {
  stop(): Promise<void>;
}

const DAY_SECONDS = 86_400;
const DEFAULT_LEASE_SECONDS = 15 * 60;
const DEFAULT_BATCH = 100;

export class RetentionService {
  readonly #store: MetadataStore;
  readonly #blobs: BlobStore;
  readonly #exports: ExportService;
  readonly #clock: Clock;
  readonly #maxDays: number;
  readonly #leaseSeconds: number;
  readonly #batch: number;

  constructor(
    store: MetadataStore,
    blobs: BlobStore,
    exports: ExportService,
    clock: Clock,
    options: RetentionOptions,
  ) {
    this.#store = store;
    this.#blobs = blobs;
    this.#exports = exports;
    this.#clock = clock;
    this.#maxDays = options.retentionMaxDays;
    this.#leaseSeconds = options.claimLeaseSeconds ?? DEFAULT_LEASE_SECONDS;
    this.#batch = options.batch ?? DEFAULT_BATCH;
  }

  /** Fixes the expiry of exports that ended, then expires every export that is due. */
  async sweep(): Promise<RetentionReport> {
    const fixed = await this.#store.retention.fixEndedExpiries();
    const expired: ExpiredExport[] = [];
    const tried = new Set<Id>();
    for (;;) {
      const now = unixSeconds(this.#clock);
      const due = (await this.#store.retention.due(now, this.#leaseSeconds, this.#batch)).filter(
        (id) => !tried.has(id),
      );
      if (due.length === 0) break;
      for (const id of due) {
        tried.add(id);
        const done = await this.#expire(id, now);
        if (done) expired.push(done);
      }
    }
    return { fixed, expired };
  }

  /**
   * Sweeps now and then every `intervalSeconds`, one sweep at a time, handing each report (or
   * failure) to the callbacks; the timer does not keep the process alive.
   */
  start(
    intervalSeconds: number,
    onReport: (report: RetentionReport) => void,
    onError: (error: unknown) => void,
  ): RetentionSchedule {
    return repeatEvery(intervalSeconds, () => this.sweep(), onReport, onError);
  }

  /**
   * Moves the export's expiry to `value` (ISO 8601 or Unix seconds), at most
   * `DYI_RETENTION_MAX_DAYS` from now; `now` (or a time that passed) expires it at once, which
   * needs every job of it ended. Answers the new expiry.
   */
  async setExpiresTime(communityId: Id, exportId: Id, value: unknown): Promise<UnixSeconds> {
    const exportJob = await this.#exports.get(communityId, exportId);
    const now = (): UnixSeconds => unixSeconds(this.#clock);
    if (exportJob.expiryState !== null) {
      throw new ExportExpiredError(`Export ${exportId}`, exportJob.expiredTime ?? now());
    }
    const current = now();
    const time = value === 'now' ? current : parseDateInput(value, 'expires_time');
    const latest = current + this.#maxDays * DAY_SECONDS;
    if (time > latest) {
      throw new ValidationError(
        'expires_time',
        `expires_time may be at most ${this.#maxDays} days from now (DYI_RETENTION_MAX_DAYS): ${isoOf(latest)} at the latest; got ${isoOf(time)}.`,
      );
    }
    if (time <= current) {
      await this.expireNow(communityId, exportId);
      return current;
    }
    if (!(await this.#store.retention.setExpiresTime(exportId, time))) {
      // Expired (or deleted) between the read and the write.
      return this.setExpiresTime(communityId, exportId, value);
    }
    return time;
  }

  /**
   * Deletes the export's files now and keeps it listed as expired. Refused while a job of it
   * runs (cancel it first); nothing to do when it is expired already.
   */
  async expireNow(communityId: Id, exportId: Id): Promise<void> {
    const exportJob = await this.#exports.get(communityId, exportId);
    if (exportJob.expiryState === 'expired') return;
    const counts = await this.#store.exports.countJobs(exportId);
    if (counts.pending + counts.inProgress > 0) {
      throw new ValidationError(
        'expires_time',
        `Export ${exportId} is still running (${counts.pending + counts.inProgress} of ${counts.total} jobs unfinished), and a running export's files cannot be deleted: cancel it first, or set an expires_time in the future.`,
      );
    }
    const now = unixSeconds(this.#clock);
    if (exportJob.expiryState === null) await this.#store.retention.setExpiresTime(exportId, now);
    // A lease of 0: an export left expiring by a crashed sweep is finished here too.
    await this.#expire(exportId, now, 0);
  }

  /** The three steps (see the module comment); undefined when another process has it. */
  async #expire(
    exportId: Id,
    now: UnixSeconds,
    leaseSeconds = this.#leaseSeconds,
  ): Promise<ExpiredExport | undefined> {
    if (!(await this.#store.retention.claim(exportId, now, leaseSeconds))) return undefined;
    const exportJob = await this.#store.exports.get(exportId);
    if (!exportJob) return undefined;
    const totals = await this.#store.files.totalsOfExport(exportId);
    await this.#blobs.deletePrefix(blobPrefixForExport(exportId));
    // The one place an export's expiry becomes final, once per export however many processes
    // sweep: the audit record goes in with it, by the server itself.
    const audit = auditEntry(
      SYSTEM_AUDIT_CONTEXT,
      'export.expire',
      { communityId: exportJob.communityId, objectType: 'work_dyi_job', objectId: exportId },
      now,
      { files: totals.files, bytes: totals.bytes },
    );
    if (!(await this.#store.retention.finish(exportId, audit))) return undefined;
    return {
      exportId,
      communityId: exportJob.communityId,
      files: totals.files,
      bytes: totals.bytes,
    };
  }
}

/** True when a sweep did anything worth a log line. */
export function hasExpired(report: RetentionReport): boolean {
  return report.expired.length > 0;
}

/** "2 exports expired (14 files, 3.2 MB deleted)". */
export function describeRetention(report: RetentionReport): string {
  const count = report.expired.length;
  const files = report.expired.reduce((sum, e) => sum + e.files, 0);
  const bytes = report.expired.reduce((sum, e) => sum + e.bytes, 0);
  return (
    `${count} export${count === 1 ? '' : 's'} expired ` +
    `(${files} file${files === 1 ? '' : 's'}, ${(bytes / 1_000_000).toFixed(1)} MB deleted)`
  );
}

function isoOf(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
