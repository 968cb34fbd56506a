/**
 * @module
 * Runs one DYI job from its start to a final state: checks that its member is still visible,
 * renders each selected data type in the export's format(s), adds the media the content refers
 * to at the export's quality, and streams it all into zip parts stored as the job's files.
 *
 * Two passes over the content: the first only counts items and collects media (cheap reads),
 * so that every part's manifest carries the job's whole item counts; the second renders, in
 * text files small enough for one part each (once per format). The passes after the first
 * replay the first one's reads from memory where they fit (`replayed-content.ts`). What still has to be left out (media larger than a
 * part, an image that cannot be decoded) is counted on the job when it completes and named on
 * its `index.html`, so that an incomplete archive is never a silent COMPLETED.
 * A run is idempotent: files of an earlier, interrupted run are removed before it starts, and an
 * aborted or cancelled run removes what it stored, so a job ends with all its files or none.
 */
import { randomUUID } from 'node:crypto';
import {
  ArchiveTooBigError,
  type ContentMember,
  DATA_TYPES,
  type DataType,
  type DyiFormat,
  type DyiJob,
  type ExportJob,
  type MediaRecord,
  RunSupersededError,
  StorageFullError,
} from '../domain/index.js';
import { type BlobStore, blobPrefixForJob } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import type { ContentStore } from '../ports/content-store.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { JobService } from '../services/job-service.js';
import { aheadInOrder } from './ahead-in-order.js';
import { TEXT_CHUNK_BYTES, type LeftOut } from './archive-entry.js';
import type { StoredFile } from './data-type-sections.js';
import { mediaPath, partFileName } from './archive-paths.js';
import { isConversationPage } from './conversation-pages.js';
import { renderDataType, renderHtmlIndex, type RenderScope } from './export-renderer.js';
import { type ArchiveIdentity, type DataTypeFiles, INDEX_LEFT_OUT_LISTED } from './html-index.js';
import { isoSeconds } from './html-page.js';
import { mediaTreatmentOf, type PreparedMedia, prepareMedia } from './media-quality.js';
import { MAX_RECORDS_BY_ID, RecordsById } from './records-by-id.js';
import { MAX_KEPT_RECORDS, ReplayedContent } from './replayed-content.js';
import { ZipPartWriter } from './zip-part-writer.js';

export interface JobRunnerDeps {
  readonly metadata: MetadataStore;
  readonly content: ContentStore;
  readonly blobs: BlobStore;
  readonly jobs: JobService;
  readonly clock: Clock;
  readonly limits: { readonly maxPartBytes: number; readonly maxJobBytes: number };
  /**
   * Media a job prepares (reads, scales) at once, ahead of the one being written; the archive
   * is the same bytes whatever the number. The pool sets it per thread (`WorkerPool`).
   */
  readonly imagesAtOnce: number;
  /**
   * Deflate on the runner's own thread, not libuv's pool (`ZipPartWriterOptions`); same bytes.
   * True unless a test compares the two: a job's text is many small files (a few KiB each), and
   * handing each to the pool costs the runner's thread more than deflating it there (measured
   * in docs/benchmarks.md, "Export vs bare yazl", session 9).
   */
  readonly deflateOnOwnThread: boolean;
}

/** How a worker thread runs its jobs: `imagesAtOnce` and `deflateOnOwnThread` above. */
export type RunnerShare = Partial<Pick<JobRunnerDeps, 'imagesAtOnce' | 'deflateOnOwnThread'>>;

/** What the runner needs, in the shape of the runtime: `jobRunnerDeps(runtime)`. */
export interface RunnerSources {
  readonly metadata: MetadataStore;
  readonly content: ContentStore;
  readonly blobs: BlobStore;
  readonly jobs: JobService;
  readonly clock: Clock;
  readonly config: { readonly maxPartBytes: number; readonly maxJobBytes: number };
}

/**
 * The runner's dependencies from a runtime (or anything shaped like one); `imagesAtOnce`
 * defaults to 1: the next medium is prepared while the current one is written, and
 * `deflateOnOwnThread` to true.
 */
export function jobRunnerDeps(
  sources: RunnerSources,
  { imagesAtOnce = 1, deflateOnOwnThread = true }: RunnerShare = {},
): JobRunnerDeps {
  const { metadata, content, blobs, jobs, clock, config } = sources;
  return {
    metadata,
    content,
    blobs,
    jobs,
    clock,
    limits: { maxPartBytes: config.maxPartBytes, maxJobBytes: config.maxJobBytes },
    imagesAtOnce,
    deflateOnOwnThread,
  };
}

/** How a run ended; FAILED is not here: a run that fails throws, and the worker retries. */
export type JobOutcome = 'COMPLETED' | 'ABORTED' | 'SKIPPED';

/** How often a running job looks for a cancel, in milliseconds (the issue allows 2 s). */
const CANCEL_POLL_MS = 400;
/** Progress is written at most this often, in milliseconds. */
const PROGRESS_EVERY_MS = 500;

type TextFormat = 'JSON' | 'CSV' | 'HTML';

const FORMATS: Readonly<Record<DyiFormat, readonly TextFormat[]>> = {
  JSON: ['JSON'],
  CSV: ['CSV'],
  HTML: ['HTML'],
  HTML_AND_JSON: ['HTML', 'JSON'],
  NONE: [],
};

/** Where each format's files go in the index's list of a data type's files. */
const FILE_LISTS: Readonly<Record<TextFormat, keyof DataTypeFiles>> = {
  HTML: 'html',
  JSON: 'json',
  CSV: 'csv',
};

/** What a worker tells the runner about a run; a run outside the queue (a test) gives neither. */
export interface RunOptions {
  /** The worker's own: shutdown, or its lease lost. */
  readonly signal?: AbortSignal;
  /** The queue claim the run belongs to (`ClaimedTask.claim`): a later claim's run wins. */
  readonly claim?: number;
}

/** Thrown inside a run when its job was cancelled; never leaves the runner. */
class JobCancelledError extends Error {}

export class JobRunner {
  readonly #deps: JobRunnerDeps;

  constructor(deps: JobRunnerDeps) {
    this.#deps = deps;
  }

  /**
   * Runs the job. `signal` is the worker's own (shutdown, or its lease lost): when it aborts,
   * the run stops, removes its files and rejects, leaving the job IN_PROGRESS for the next
   * worker to run again.
   *
   * Each run has an id of its own and takes the job over with it (`jobs.start`), unless a run
   * of a later queue `claim` has taken it already; from then on the job's files, progress and
   * final state are recorded only for that run. A worker that paused past its lease and woke
   * up to find the job started again by another is refused everything (RunSupersededError):
   * it removes only the bytes it stored and stops.
   */
  async run(jobId: string, options: RunOptions = {}): Promise<JobOutcome> {
    const { signal, claim } = options;
    const { metadata, jobs } = this.#deps;
    const job = await metadata.jobs.get(jobId);
    if (!job || (job.state !== 'PENDING' && job.state !== 'IN_PROGRESS')) return 'SKIPPED';
    const exportJob = await metadata.exports.get(job.exportId);
    if (!exportJob) return 'SKIPPED';
    const run = randomUUID();
    // Taken before the start: every file of a run that takes the job over after it has a
    // higher id, and the clean-up below leaves such files alone.
    const startMark = await metadata.files.idFloor(job.communityId);
    if (!(await jobs.start(job.id, run, claim))) return await this.#notStarted(job);
    await this.#removeEarlierRuns(job, run, startMark);

    const cancel = new AbortController();
    const stop = signal ? AbortSignal.any([signal, cancel.signal]) : cancel.signal;
    const poll = setInterval(() => {
      void Promise.resolve(metadata.jobs.get(job.id)).then(
        (current) => {
          if (current?.state !== 'IN_PROGRESS') cancel.abort(new JobCancelledError());
        },
        () => undefined,
      );
    }, CANCEL_POLL_MS);
    const stored: string[] = [];
    try {
      const member = await this.#visibleMember(job, run);
      if (member === 'hidden') return 'ABORTED';
      const leftOut = await this.#write({ job, run, exportJob, member, stored }, stop);
      if (await jobs.complete(job.id, run, leftOut)) return 'COMPLETED';
      await this.#removeOwnFiles(job, run, stored);
      return await this.#refused(job);
    } catch (error) {
      await this.#removeOwnFiles(job, run, stored);
      if (error instanceof ArchiveTooBigError) {
        if (await jobs.abort(job.id, 'ARCHIVE_TOO_BIG', error.message, run)) return 'ABORTED';
        return await this.#refused(job);
      }
      // Cancelled (seen by the poll, or a file record refused since): the export says which.
      if (error instanceof RunSupersededError || (cancel.signal.aborted && !signal?.aborted)) {
        return await this.#refused(job);
      }
      // The export was deleted while this job ran (its file rows could no longer be made):
      // there is nothing left to record, and nothing to run again.
      if (!(await metadata.jobs.get(job.id))) return 'SKIPPED';
      throw error;
    } finally {
      clearInterval(poll);
    }
  }

  /**
   * How a run ends whose start was refused: the job ended meanwhile (SKIPPED), or a run of a
   * later claim holds it (RunSupersededError: the task is that run's worker's now).
   */
  async #notStarted(job: DyiJob): Promise<'SKIPPED'> {
    const current = await this.#deps.metadata.jobs.get(job.id);
    if (current?.state === 'PENDING' || current?.state === 'IN_PROGRESS') {
      throw new RunSupersededError(job.id);
    }
    return 'SKIPPED';
  }

  /**
   * How a run ends whose final write was refused, or which saw its job leave IN_PROGRESS: the
   * export was cancelled (its jobs are ABORTED) or deleted; otherwise another run has taken the
   * job over, which RunSupersededError says.
   */
  async #refused(job: DyiJob): Promise<'ABORTED' | 'SKIPPED'> {
    const current = await this.#deps.metadata.jobs.get(job.id);
    if (!current) return 'SKIPPED';
    if (current.state === 'ABORTED' && current.abortReason === 'CANCELLED_BY_USER') {
      return 'ABORTED';
    }
    throw new RunSupersededError(job.id);
  }

  /**
   * The member a user job exports, or 'hidden' after aborting it TARGET_NOT_VISIBLE. Active and
   * deactivated members (former employees) are exported; deleted or unknown ones are not.
   */
  async #visibleMember(job: DyiJob, run: string): Promise<ContentMember | null | 'hidden'> {
    if (job.userId === null) return null;
    const member = await this.#deps.content.member(job.communityId, job.userId);
    if (member && member.status !== 'deleted') return member;
    const why = member ? `is ${member.status}` : 'no longer exists';
    const message = `Member ${job.userId} ${why}, so their data is not visible to export.`;
    if (!(await this.#deps.jobs.abort(job.id, 'TARGET_NOT_VISIBLE', message, run))) {
      await this.#refused(job);
    }
    return 'hidden';
  }

  /** Renders and stores the job's archive; returns how many things it had to leave out. */
  async #write(run: RunOf, signal: AbortSignal): Promise<number> {
    const { job, exportJob, member } = run;
    const { content, jobs, limits } = this.#deps;
    const identity = await this.#identity(job, exportJob);
    const fileName = (partNumber: number): string =>
      partFileName({ userId: job.userId, memberName: identity.member?.name ?? null }, partNumber);
    const scope: RenderScope = {
      // A run keeps MAX_KEPT_RECORDS records at most: the records read by id, and the rest.
      content: new ReplayedContent(content, MAX_KEPT_RECORDS - MAX_RECORDS_BY_ID),
      recordsById: new RecordsById(content),
      communityId: job.communityId,
      member,
      range: { start: exportJob.startTime, end: exportJob.endTime },
      signal,
    };
    const dataTypes = DATA_TYPES.filter((type) => job.dataTypes.includes(type));
    const { counts, media } = await collect(dataTypes, scope);
    const leftOut: LeftOut[] = [];
    /** Every medium left out, by path: the pages and JSON, rendered after the media, mark them. */
    const missingMedia = new Map<string, string>();
    /** Size and SHA-256 of every medium written, by path: the JSON media objects carry them. */
    const storedMedia = new Map<string, StoredFile>();
    const writer = new ZipPartWriter({
      maxPartBytes: limits.maxPartBytes,
      maxJobBytes: limits.maxJobBytes,
      signal,
      manifest: manifestOf(job, exportJob, identity, dataTypes, counts),
      storePart: async (partNumber, body, leftOutCount) => {
        const file = await jobs.storeFile(
          job,
          run.run,
          {
            name: fileName(partNumber),
            contentType: 'application/zip',
            partNumber,
            body,
            leftOutCount,
          },
          signal,
        );
        run.stored.push(file.blobKey);
        return { sha256: file.sha256 };
      },
      // The blob store hashes every part it stores; the part index takes that hash.
      partsHashedByStore: true,
      partFileName: fileName,
      deflateOnOwnThread: this.#deps.deflateOnOwnThread,
      onLeaveOut: (item) => {
        if (item.item.startsWith('media/')) missingMedia.set(item.item, item.reason);
        if (leftOut.length < INDEX_LEFT_OUT_LISTED) leftOut.push(item);
      },
    });
    try {
      // Text files small enough for an empty part, so that splitting never leaves text out.
      const chunkBytes = Math.min(TEXT_CHUNK_BYTES, writer.textChunkBytes);
      const archive = { ...run, identity, dataTypes, counts, media, writer, leftOut };
      await this.#writeEntries({
        ...archive,
        scope: { ...scope, chunkBytes, missingMedia, storedMedia },
        storedMedia,
      });
      return (await writer.finish({ atLeastOnePart: dataTypes.length > 0 })).leftOut;
    } catch (error) {
      await writer.abort(error);
      throw error;
    }
  }

  /**
   * Pass 2: the media first, so that the pages know which were left out (`scope.missingMedia`,
   * filled as the writer reports them) and mark them as missing instead of showing a broken
   * image; then the text of each format; then the HTML index, which comes last so that it can
   * say what was left out.
   */
  async #writeEntries(run: ArchiveRun): Promise<void> {
    const { job, exportJob, member, dataTypes, counts, writer, scope } = run;
    const formats = FORMATS[exportJob.dyiFormat];
    const ordered = [...run.media.values()].sort((a, b) => compare(mediaPath(a), mediaPath(b)));
    const progress = new ProgressReporter(this.#deps, job.id, run.run);
    const steps = dataTypes.length * formats.length + ordered.length;
    let done = 0;
    const quiet = { media: () => undefined, items: () => undefined };
    const files = new Map<DataType, Record<keyof DataTypeFiles, string[]>>();
    const treatment = mediaTreatmentOf(exportJob);
    // Images are scaled ahead (`imagesAtOnce`) and written in their order.
    const prepare = async (record: MediaRecord): Promise<PreparedMedia> =>
      isWithheld(record, exportJob, member)
        ? { leftOut: { item: mediaPath(record), reason: WITHHELD_REASON } }
        : await prepareMedia(record, treatment, () => this.#deps.blobs.openRead(record.blob_key));
    for await (const prepared of aheadInOrder(ordered, this.#deps.imagesAtOnce, prepare)) {
      if ('entry' in prepared) {
        const written = await writer.add(prepared.entry);
        if (written) run.storedMedia.set(written.path, written);
      } else writer.leaveOut(prepared.leftOut);
      await progress.report(++done / steps);
    }
    for (const format of formats) {
      for (const dataType of dataTypes) {
        for await (const entry of renderDataType(dataType, format, scope, quiet)) {
          const ofType = files.get(dataType) ?? { html: [], json: [], csv: [] };
          files.set(dataType, ofType);
          // A conversation's page is reached from its data type's list of conversations.
          if (!isConversationPage(entry.path)) ofType[FILE_LISTS[format]].push(entry.path);
          await writer.add(entry);
        }
        await progress.report(++done / steps);
      }
    }
    // A job with no data types (the company job when no company type is chosen) has no files.
    if (formats.includes('HTML') && dataTypes.length > 0) {
      await writer.add(
        renderHtmlIndex({
          identity: run.identity,
          dataTypes: dataTypes.map((dataType) => ({
            dataType,
            items: counts.get(dataType) ?? 0,
            files: files.get(dataType) ?? { html: [], json: [], csv: [] },
          })),
          leftOut: { count: writer.leftOutCount, listed: run.leftOut },
        }),
      );
    }
  }

  /**
   * Whose archive this is and which export made it. The names are read when the job runs (a
   * member renamed since the export was requested shows with the new name); the member's name
   * and email come from the community's member list, which imports keep up to date.
   */
  async #identity(job: DyiJob, exportJob: ExportJob): Promise<ArchiveIdentity> {
    const { metadata } = this.#deps;
    const community = await metadata.communities.get(job.communityId);
    const member = job.userId === null ? undefined : await metadata.members.get(job.userId);
    return {
      exportId: exportJob.id,
      requestedTime: exportJob.createTime,
      community: { id: job.communityId, name: community?.name ?? `community ${job.communityId}` },
      member:
        job.userId === null
          ? null
          : {
              id: job.userId,
              name: member?.name ?? `member ${job.userId}`,
              email: member?.email ?? null,
            },
      range: { start: exportJob.startTime, end: exportJob.endTime },
    };
  }

  /**
   * Removes what earlier runs of the job stored, once this run owns it: the file rows, then
   * every blob under the job's prefix whose file id is below `startMark` (a run killed between
   * storing a blob and writing its row leaves a blob no row names, and this finds it too). A
   * run that takes the job over from this one allocates its ids after `startMark`, so however
   * long this run pauses in here, it never removes the newer run's blobs. On a full disk
   * (often filled by an earlier run) the database may have no room to record the delete: then
   * the blobs go first, to make that room, and the rows follow.
   */
  async #removeEarlierRuns(job: DyiJob, run: string, startMark: string): Promise<void> {
    try {
      await this.#deps.metadata.files.deleteByJob(job.id, run);
    } catch (error) {
      if (!(error instanceof StorageFullError)) throw error;
      await this.#removeBlobsBefore(job, startMark);
      await this.#deps.metadata.files.deleteByJob(job.id, run);
    }
    await this.#removeBlobsBefore(job, startMark);
  }

  /** Removes the job's blobs of files allocated before `mark` (and any not named by a file id). */
  async #removeBlobsBefore(job: DyiJob, mark: string): Promise<void> {
    const { blobs } = this.#deps;
    const prefix = blobPrefixForJob(job.exportId, job.id);
    const earlier: string[] = [];
    for await (const blob of blobs.list(prefix)) {
      const fileId = blob.key.slice(prefix.length);
      if (!/^\d+$/.test(fileId) || BigInt(fileId) < BigInt(mark)) earlier.push(blob.key);
    }
    for (const key of earlier) await blobs.delete(key);
  }

  /**
   * Removes what this run stored (`stored`: its blobs' keys): the rows while the job is still
   * this run's, then the blobs. A run that was taken over finds its rows already removed by the
   * newer run, and never touches the newer run's files. On a full disk the blobs go first.
   */
  async #removeOwnFiles(job: DyiJob, run: string, stored: readonly string[]): Promise<void> {
    const { metadata, blobs } = this.#deps;
    let recorded: readonly string[];
    try {
      recorded = await metadata.files.deleteByJob(job.id, run);
    } catch (error) {
      if (!(error instanceof StorageFullError)) throw error;
      for (const key of stored) await blobs.delete(key);
      recorded = await metadata.files.deleteByJob(job.id, run);
    }
    for (const key of new Set([...stored, ...recorded])) await blobs.delete(key);
  }
}

/** One run of a job: the job, the id that fences it, and the blobs it stored so far. */
interface RunOf {
  readonly job: DyiJob;
  readonly run: string;
  readonly exportJob: ExportJob;
  readonly member: ContentMember | null;
  readonly stored: string[];
}

/** What one run of a job writes into its archive, passed between the steps of `#write`. */
interface ArchiveRun extends RunOf {
  readonly identity: ArchiveIdentity;
  readonly dataTypes: readonly DataType[];
  readonly counts: ReadonlyMap<DataType, number>;
  readonly media: ReadonlyMap<string, MediaRecord>;
  readonly writer: ZipPartWriter;
  /** The first things left out, as the writer reported them (the index page names them). */
  readonly leftOut: readonly LeftOut[];
  readonly scope: RenderScope;
  /** Filled as media are written, before any text is rendered. */
  readonly storedMedia: Map<string, StoredFile>;
}

/** Why a medium another person posted is not in a member's archive (`withhold_others_media`). */
export const WITHHELD_REASON = 'withheld: posted by another person';

/**
 * With `withhold_others_media`, a member's archive keeps only the media the member posted:
 * a photo someone else sent to a shared chat stays theirs to give. The company job is not a
 * person's archive and keeps everything.
 */
function isWithheld(
  record: MediaRecord,
  exportJob: ExportJob,
  member: ContentMember | null,
): boolean {
  return exportJob.withholdOthersMedia && member !== null && record.owner !== member.sourceId;
}

/** Pass 1: item counts and the media the selected content refers to (cheap reads, no text). */
async function collect(
  dataTypes: readonly DataType[],
  scope: RenderScope,
): Promise<{ counts: Map<DataType, number>; media: Map<string, MediaRecord> }> {
  const counts = new Map<DataType, number>();
  const media = new Map<string, MediaRecord>();
  const sink = {
    media: (record: MediaRecord) => void media.set(record.id, record),
    items: (dataType: DataType, count: number) => void counts.set(dataType, count),
  };
  for (const dataType of dataTypes) {
    for await (const entry of renderDataType(dataType, 'NONE', scope, sink)) void entry;
  }
  return { counts, media };
}

/**
 * The job-level part of every manifest: which job, whose archive, which export. Nothing in it
 * changes when the same job runs again; two exports of the same content differ only in
 * `export_id` and `requested_time`.
 */
function manifestOf(
  job: DyiJob,
  exportJob: ExportJob,
  identity: ArchiveIdentity,
  dataTypes: readonly DataType[],
  counts: ReadonlyMap<DataType, number>,
): Record<string, unknown> {
  return {
    job_type: job.jobType,
    user_id: job.userId,
    export_id: identity.exportId,
    requested_time: isoSeconds(identity.requestedTime),
    community: identity.community,
    member: identity.member,
    data_types: dataTypes,
    dyi_format: exportJob.dyiFormat,
    media_quality: exportJob.mediaQuality,
    keep_original_media: exportJob.keepOriginalMedia,
    withhold_others_media: exportJob.withholdOthersMedia,
    start_time: isoSeconds(exportJob.startTime),
    end_time: isoSeconds(exportJob.endTime),
    item_counts: Object.fromEntries(dataTypes.map((type) => [type, counts.get(type) ?? 0])),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Writes a job's progress, at most every PROGRESS_EVERY_MS. */
class ProgressReporter {
  readonly #deps: JobRunnerDeps;
  readonly #jobId: string;
  readonly #run: string;
  #last = 0;

  constructor(deps: JobRunnerDeps, jobId: string, run: string) {
    this.#deps = deps;
    this.#jobId = jobId;
    this.#run = run;
  }

  async report(fraction: number): Promise<void> {
    const now = this.#deps.clock.now();
    if (now - this.#last < PROGRESS_EVERY_MS || fraction >= 1) return;
    this.#last = now;
    await this.#deps.jobs.setProgress(this.#jobId, this.#run, fraction);
  }
}
