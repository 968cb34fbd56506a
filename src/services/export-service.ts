/**
 * @module
 * Use cases of export jobs: create (validate, plan one company job and one job per included
 * member), read with derived status, cancel and delete. Shared by the Graph server, the CLI and
 * the admin panel.
 */
import {
  type AbortReason,
  type AuditContext,
  auditEntry,
  type AuditTarget,
  SYSTEM_AUDIT_CONTEXT,
  COMPANY_DATA_TYPES,
  ConflictError,
  type DyiJob,
  type ExportCreator,
  type ExportJob,
  type ExportJobCounts,
  type Id,
  NotFoundError,
  StorageFullError,
  type UnixSeconds,
  ValidationError,
} from '../domain/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import { blobPrefixForExport } from '../ports/blob-store.js';
import { type Clock, unixSeconds } from '../ports/clock.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { MetadataStore, PlannedJob } from '../ports/metadata-store.js';
import type { Page, PageRequest } from '../ports/paging.js';
import { type MaybePromise, thenMaybe } from '../ports/maybe-promise.js';
import { type ExportRequest, parseExportInput, type RawExportInput } from './export-input.js';

/** An export with what is derived from its jobs. */
export interface ExportStatus {
  readonly export: ExportJob;
  readonly counts: ExportJobCounts;
  /** Every job is in a final state. */
  readonly isCompleted: boolean;
  readonly abortReason: AbortReason | null;
  /** Fraction done, 0 to 1. */
  readonly progress: number;
  /**
   * When its files will be (or were) deleted: the time set on it, or, once it ended, its end
   * plus its retention; null while it runs without one set, or when it is kept until deleted.
   */
  readonly expiresTime: UnixSeconds | null;
  /** Its files are deleted, or being deleted: nothing of it can be downloaded any more. */
  readonly isExpired: boolean;
}

/** How long exports are kept (see `config.ts`). */
export interface RetentionPolicy {
  /** Days kept after an export ends, when it does not ask for its own; 0: until deleted. */
  readonly retentionDays: number;
  /** The most days an export may ask for. */
  readonly retentionMaxDays: number;
}

const DAY_SECONDS = 86_400;

export class ExportService {
  readonly #store: MetadataStore;
  readonly #blobs: BlobStore;
  readonly #queue: JobQueue;
  readonly #clock: Clock;
  readonly #retention: RetentionPolicy;

  constructor(
    store: MetadataStore,
    blobs: BlobStore,
    queue: JobQueue,
    clock: Clock,
    retention: RetentionPolicy = { retentionDays: 0, retentionMaxDays: 36_500 },
  ) {
    this.#store = store;
    this.#blobs = blobs;
    this.#queue = queue;
    this.#clock = clock;
    this.#retention = retention;
  }

  /**
   * Validates the input and creates the export with its jobs. With an idempotency key, a
   * repeated request returns the export the first one created. `createdBy` is who asks (the
   * signed-in admin, or the integration and token of an API call).
   */
  async create(
    communityId: Id,
    input: RawExportInput,
    by: AuditContext = SYSTEM_AUDIT_CONTEXT,
    createdBy: ExportCreator | null = null,
  ): Promise<ExportJob> {
    const now = unixSeconds(this.#clock);
    const request = parseExportInput(input, now, this.#retention.retentionMaxDays);
    if (request.idempotencyKey !== null) {
      const existing = await this.#store.exports.findByIdempotencyKey(
        communityId,
        request.idempotencyKey,
      );
      if (existing) return sameRequest(existing, request);
    }
    const jobs = await this.#plan(communityId, request);
    let created: ExportJob;
    try {
      created = await this.#store.exports.create(
        {
          communityId,
          createTime: now,
          dataTypes: request.dataTypes,
          dyiFormat: request.dyiFormat,
          mediaQuality: request.mediaQuality,
          startTime: request.startTime,
          endTime: request.endTime,
          keepOriginalMedia: request.keepOriginalMedia,
          withholdOthersMedia: request.withholdOthersMedia,
          name: request.name,
          memberScope: request.userIds === undefined ? 'all' : 'chosen',
          idempotencyKey: request.idempotencyKey,
          retentionDays: request.retentionDays ?? (this.#retention.retentionDays || null),
          createdBy,
          reason: request.reason,
        },
        jobs,
        auditEntry(by, 'export.create', exportTarget(communityId, null), now, {
          name: request.name,
          format: request.dyiFormat,
          members: request.userIds === undefined ? 'all' : request.userIds.length,
        }),
      );
    } catch (error) {
      // Two requests with one key raced: the other one created it; answer as a repeat would.
      const key = request.idempotencyKey;
      if (!(error instanceof ConflictError) || key === null) throw error;
      const existing = await this.#store.exports.findByIdempotencyKey(communityId, key);
      if (!existing) throw error;
      return sameRequest(existing, request);
    }
    // A crash right here loses nothing: the worker pool queues every unfinished job at start.
    await this.#queue.enqueue(await this.#store.jobs.idsOfExport(created.id));
    return created;
  }

  /** The export, if it exists in this community; otherwise NotFoundError. */
  get(communityId: Id, exportId: Id): MaybePromise<ExportJob> {
    return thenMaybe(this.#store.exports.get(exportId), (found) => {
      if (!found || found.communityId !== communityId) throw new NotFoundError(exportId);
      return found;
    });
  }

  /** The community's exports, newest first. */
  list(communityId: Id, page: PageRequest): Promise<Page<ExportJob>> {
    return this.#store.exports.list(communityId, page);
  }

  count(communityId: Id): Promise<number> {
    return this.#store.exports.count(communityId);
  }

  /**
   * The export's progress, counts and expiry. Without a promise when the store answers the
   * counts, and the abort reason or last job update when they are needed, at once: what a
   * downloader polling an export asks for.
   */
  status(exportJob: ExportJob): MaybePromise<ExportStatus> {
    return thenMaybe(this.#store.exports.countJobs(exportJob.id), (counts) => {
      const finished = counts.completed + counts.aborted + counts.failed;
      const isCompleted = counts.total > 0 && finished === counts.total;
      if (counts.aborted > 0 || needsLastJobUpdate(exportJob, isCompleted)) {
        return this.#statusAfterReads(exportJob, counts, isCompleted);
      }
      return statusOf(exportJob, counts, isCompleted, null, exportJob.expiresTime);
    });
  }

  /**
   * The status once the abort reason and the expiry are read (in that order); without a
   * promise when the store answers both at once, as SQLite's read cache does.
   */
  #statusAfterReads(
    exportJob: ExportJob,
    counts: ExportJobCounts,
    isCompleted: boolean,
  ): MaybePromise<ExportStatus> {
    const abortReason =
      counts.aborted > 0 ? this.#store.exports.firstAbortReason(exportJob.id) : null;
    return thenMaybe(abortReason, (reason) =>
      thenMaybe(this.#expiresTime(exportJob, isCompleted), (expiresTime) =>
        statusOf(exportJob, counts, isCompleted, reason, expiresTime),
      ),
    );
  }

  /** The stored expiry, or until the sweep fixes it, the one it will fix (same formula). */
  #expiresTime(exportJob: ExportJob, isCompleted: boolean): MaybePromise<UnixSeconds | null> {
    if (exportJob.expiresTime !== null) return exportJob.expiresTime;
    const { retentionDays } = exportJob;
    if (retentionDays === null || !isCompleted) return null;
    return thenMaybe(this.#store.exports.lastJobUpdate(exportJob.id), (ended) =>
      ended === null ? null : ended + retentionDays * DAY_SECONDS,
    );
  }

  /** Ends every unfinished job with CANCELLED_BY_USER; finished jobs keep their files. */
  async cancel(
    communityId: Id,
    exportId: Id,
    by: AuditContext = SYSTEM_AUDIT_CONTEXT,
  ): Promise<readonly Id[]> {
    await this.get(communityId, exportId);
    const now = unixSeconds(this.#clock);
    const audit = auditEntry(by, 'export.cancel', exportTarget(communityId, exportId), now);
    return this.#store.exports.cancel(exportId, now, audit);
  }

  /**
   * Deletes the export, its jobs and every file's bytes. Rows go first, so that no listed file
   * ever lacks its bytes; but when even the store's reserve leaves no room to record the delete
   * (a full disk), the bytes go first to make that room: the export is being deleted anyway.
   */
  async delete(
    communityId: Id,
    exportId: Id,
    by: AuditContext = SYSTEM_AUDIT_CONTEXT,
  ): Promise<void> {
    await this.get(communityId, exportId);
    const target = exportTarget(communityId, exportId);
    const audit = auditEntry(by, 'export.delete', target, unixSeconds(this.#clock));
    let keys: readonly string[];
    try {
      keys = await this.#store.exports.delete(exportId, audit);
    } catch (error) {
      if (!(error instanceof StorageFullError)) throw error;
      await this.#blobs.deletePrefix(blobPrefixForExport(exportId));
      keys = await this.#store.exports.delete(exportId, audit);
    }
    for (const key of keys) await this.#blobs.delete(key);
    await this.#blobs.deletePrefix(blobPrefixForExport(exportId));
  }

  companyJob(exportId: Id): MaybePromise<DyiJob> {
    return this.#store.jobs.companyJob(exportId);
  }

  async #plan(communityId: Id, request: ExportRequest): Promise<PlannedJob[]> {
    const companyTypes = request.dataTypes.filter((type) => COMPANY_DATA_TYPES.includes(type));
    const userTypes = request.dataTypes.filter((type) => !COMPANY_DATA_TYPES.includes(type));
    let userIds: readonly Id[];
    if (request.userIds === undefined) {
      userIds = await this.#store.members.listActiveIds(communityId);
    } else {
      const members = await this.#store.members.getMany(communityId, request.userIds);
      const known = new Set(members.map((member) => member.id));
      const unknown = request.userIds.filter((id) => !known.has(id));
      if (unknown.length > 0) {
        throw new ValidationError(
          'user_ids',
          `user_ids names ${unknown.length} id${unknown.length > 1 ? 's' : ''} that ${unknown.length > 1 ? 'are not members' : 'is not a member'} of this community: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', ...' : ''}.`,
        );
      }
      userIds = [...known].sort(compareIds);
    }
    return [
      { jobType: 'COMPANY', userId: null, dataTypes: companyTypes },
      ...userIds.map((userId): PlannedJob => ({ jobType: 'USER', userId, dataTypes: userTypes })),
    ];
  }
}

/** Whether the expiry must be worked out from the last job update (see `#expiresTime`). */
function needsLastJobUpdate(exportJob: ExportJob, isCompleted: boolean): boolean {
  return exportJob.expiresTime === null && exportJob.retentionDays !== null && isCompleted;
}

function statusOf(
  exportJob: ExportJob,
  counts: ExportJobCounts,
  isCompleted: boolean,
  abortReason: AbortReason | null,
  expiresTime: UnixSeconds | null,
): ExportStatus {
  const finished = counts.completed + counts.aborted + counts.failed;
  return {
    export: exportJob,
    counts,
    isCompleted,
    abortReason,
    progress: counts.total === 0 ? 1 : (finished + counts.runningProgress) / counts.total,
    expiresTime,
    isExpired: exportJob.expiryState !== null,
  };
}

function exportTarget(communityId: Id, exportId: Id | null): AuditTarget {
  return { communityId, objectType: 'work_dyi_job', objectId: exportId };
}

function compareIds(a: Id, b: Id): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function sameRequest(existing: ExportJob, request: ExportRequest): ExportJob {
  const same =
    existing.dyiFormat === request.dyiFormat &&
    existing.mediaQuality === request.mediaQuality &&
    existing.keepOriginalMedia === request.keepOriginalMedia &&
    existing.withholdOthersMedia === request.withholdOthersMedia &&
    existing.name === request.name &&
    existing.reason === request.reason &&
    existing.startTime === request.startTime &&
    (request.endTimeDefaulted || existing.endTime === request.endTime) &&
    existing.dataTypes.join(',') === request.dataTypes.join(',');
  if (!same) {
    throw new ConflictError(
      `idempotency_key "${request.idempotencyKey}" was already used for export ${existing.id} with other parameters; use a new key for a different export.`,
    );
  }
  return existing;
}
