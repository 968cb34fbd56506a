/**
 * @module
 * Use cases of DYI jobs and their files: reading them for the API, and the steps the export
 * engine takes (start, store a file, complete, abort, fail). A file record is written only
 * after its blob is completely stored and hashed, so a listed file can always be downloaded.
 */
import type { Readable } from 'node:stream';
import {
  type AbortReason,
  type DyiFile,
  type DyiJob,
  type Id,
  NotFoundError,
  RunSupersededError,
} from '../domain/index.js';
import { type BlobStore, blobKeyForFile } from '../ports/blob-store.js';
import { type Clock, unixSeconds } from '../ports/clock.js';
import type {
  ExportFileRecord,
  FileTotals,
  MetadataStore,
  UserJobCount,
  UserJobFilter,
} from '../ports/metadata-store.js';
import type { Page, PageRequest } from '../ports/paging.js';
import { type MaybePromise, thenMaybe } from '../ports/maybe-promise.js';

export interface NewFileContent {
  readonly name: string;
  readonly contentType: string;
  readonly partNumber: number;
  readonly body: Readable | AsyncIterable<Uint8Array>;
  /**
   * How many things left out of the job the file lists (its part's manifest), read once all of
   * `body` is stored, since a part knows it only when it ends; 0 when absent.
   */
  readonly leftOutCount?: () => number;
}

export class JobService {
  readonly #store: MetadataStore;
  readonly #blobs: BlobStore;
  readonly #clock: Clock;

  constructor(store: MetadataStore, blobs: BlobStore, clock: Clock) {
    this.#store = store;
    this.#blobs = blobs;
    this.#clock = clock;
  }

  /** The job, if it exists in this community; otherwise NotFoundError. */
  get(communityId: Id, jobId: Id): MaybePromise<DyiJob> {
    return thenMaybe(this.#store.jobs.get(jobId), (job) => {
      if (!job || job.communityId !== communityId) throw new NotFoundError(jobId);
      return job;
    });
  }

  /** The export's user jobs in id order; given a filter, those of a state or of members found. */
  listUserJobs(exportId: Id, page: PageRequest, filter?: UserJobFilter): Promise<Page<DyiJob>> {
    return this.#store.jobs.listUserJobs(exportId, page, filter);
  }

  /** How many user jobs match the filter, and how many of them come before `position`. */
  countUserJobs(exportId: Id, filter?: UserJobFilter, position?: Id): Promise<UserJobCount> {
    return this.#store.jobs.countUserJobs(exportId, filter, position);
  }

  listFiles(jobId: Id, page: PageRequest): MaybePromise<Page<DyiFile>> {
    return this.#store.files.listByJob(jobId, page);
  }

  countFiles(jobId: Id): Promise<number> {
    return this.#store.files.countByJob(jobId);
  }

  /** The files of the export's completed jobs, in id order (see `FileRepository`). */
  listExportFiles(exportId: Id, page: PageRequest): Promise<Page<ExportFileRecord>> {
    return this.#store.files.listByExport(exportId, page);
  }

  /** How many files `listExportFiles` lists in all, and their bytes. */
  exportFileTotals(exportId: Id): Promise<FileTotals> {
    return this.#store.files.totalsOfExport(exportId);
  }

  /** The file, if it exists in this community; otherwise NotFoundError. */
  getFile(communityId: Id, fileId: Id): MaybePromise<DyiFile> {
    return thenMaybe(this.#store.files.get(fileId), (file) => {
      if (!file || file.communityId !== communityId) throw new NotFoundError(fileId);
      return file;
    });
  }

  /**
   * PENDING → IN_PROGRESS, for the run `run` (a new id per run): from now on only that run can
   * record files, progress or a final state (an IN_PROGRESS job is started again when its
   * earlier run was lost). False when the job ended meanwhile (e.g. cancelled), or, given the
   * run's queue `claim`, when a run of a later claim has started it already.
   */
  start(jobId: Id, run: string, claim?: number): Promise<boolean> {
    return this.#store.jobs.transition(jobId, ['PENDING', 'IN_PROGRESS'], {
      state: 'IN_PROGRESS',
      progress: 0,
      startsRun: run,
      ...(claim !== undefined && { claim }),
      time: unixSeconds(this.#clock),
    });
  }

  setProgress(jobId: Id, run: string, progress: number): Promise<void> {
    return this.#store.jobs.setProgress(
      jobId,
      Math.min(1, Math.max(0, progress)),
      unixSeconds(this.#clock),
      run,
    );
  }

  /**
   * Stores the bytes, then records the file, if the job still belongs to `run`; otherwise
   * removes the bytes again and throws RunSupersededError.
   */
  async storeFile(
    job: DyiJob,
    run: string,
    content: NewFileContent,
    signal?: AbortSignal,
  ): Promise<DyiFile> {
    const id = await this.#store.files.allocateId(job.communityId);
    const blobKey = blobKeyForFile(job.exportId, job.id, id);
    const stored = await this.#blobs.put(blobKey, content.body, signal ? { signal } : {});
    const file = {
      jobId: job.id,
      communityId: job.communityId,
      name: content.name,
      size: stored.size,
      sha256: stored.sha256,
      contentType: content.contentType,
      partNumber: content.partNumber,
      leftOutCount: content.leftOutCount?.() ?? 0,
      blobKey,
      createTime: unixSeconds(this.#clock),
    };
    try {
      return await this.#store.files.create(id, file, run);
    } catch (error) {
      if (error instanceof RunSupersededError) await this.#blobs.delete(blobKey);
      throw error;
    }
  }

  /**
   * IN_PROGRESS → COMPLETED, by the run that owns the job; false when it was cancelled or taken
   * over meanwhile. A job that had to leave things out of its archive says so in its
   * `state_message` as well as its count.
   */
  complete(jobId: Id, run: string, leftOutCount = 0): Promise<boolean> {
    return this.#store.jobs.transition(
      jobId,
      ['IN_PROGRESS'],
      {
        state: 'COMPLETED',
        progress: 1,
        leftOutCount,
        stateMessage: leftOutCount === 0 ? null : leftOutMessage(leftOutCount),
        time: unixSeconds(this.#clock),
      },
      run,
    );
  }

  /**
   * Ends an unfinished job ABORTED (given `run`, only while that run owns it); the caller
   * removes any files it stored.
   */
  abort(jobId: Id, reason: AbortReason, message: string, run?: string): Promise<boolean> {
    return this.#store.jobs.transition(
      jobId,
      ['PENDING', 'IN_PROGRESS'],
      {
        state: 'ABORTED',
        abortReason: reason,
        stateMessage: message,
        time: unixSeconds(this.#clock),
      },
      run,
    );
  }

  /**
   * Ends an unfinished job FAILED; given the worker's queue `claim`, only while no run of a
   * later claim has started it (false then: the job is that run's to finish).
   */
  fail(jobId: Id, message: string, claim?: number): Promise<boolean> {
    return this.#store.jobs.transition(jobId, ['PENDING', 'IN_PROGRESS'], {
      state: 'FAILED',
      stateMessage: message,
      ...(claim !== undefined && { claim }),
      time: unixSeconds(this.#clock),
    });
  }
}

/** The `state_message` of a job completed with things left out. */
function leftOutMessage(count: number): string {
  const what = count === 1 ? '1 item was left out' : `${count} items were left out`;
  return (
    `Completed, but ${what} of the archive (a file larger than one part, media that could ` +
    'not be read, or media withheld because another person posted them); the manifest of ' +
    'each part (manifest-part-N.json) lists every one with its reason.'
  );
}
