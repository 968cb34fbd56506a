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
import {
  ArchiveTooBigError,
  type ContentMember,
  DATA_TYPES,
  type DataType,
  type DyiFormat,
  type DyiJob,
  type ExportJob,
  type MediaRecord,
  StorageFullError,
} from '../domain/index.js';
import { type BlobStore, blobPrefixForJob } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import type { ContentStore } from '../ports/content-store.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { JobService } from '../services/job-service.js';
import { TEXT_CHUNK_BYTES, type LeftOut } from './archive-entry.js';
import type { StoredFile } from './data-type-sections.js';
import { mediaPath, partFileName } from './archive-paths.js';
import { renderDataType, renderHtmlIndex, type RenderScope } from './export-renderer.js';
import { INDEX_LEFT_OUT_LISTED } from './html-index.js';
import { prepareMedia } from './media-quality.js';
import { ReplayedContent } from './replayed-content.js';
import { ZipPartWriter } from './zip-part-writer.js';

export interface JobRunnerDeps {
  readonly metadata: MetadataStore;
  readonly content: ContentStore;
  readonly blobs: BlobStore;
  readonly jobs: JobService;
  readonly clock: Clock;
  readonly limits: { readonly maxPartBytes: number; readonly maxJobBytes: number };
}

/** What the runner needs, in the shape of the runtime: `jobRunnerDeps(runtime)`. */
export interface RunnerSources {
  readonly metadata: MetadataStore;
  readonly content: ContentStore;
  readonly blobs: BlobStore;
  readonly jobs: JobService;
  readonly clock: Clock;
  readonly config: { readonly maxPartBytes: number; readonly maxJobBytes: number };
}

/** The runner's dependencies from a runtime (or anything shaped like one). */
export function jobRunnerDeps(sources: RunnerSources): JobRunnerDeps {
  const { metadata, content, blobs, jobs, clock, config } = sources;
  return {
    metadata,
    content,
    blobs,
    jobs,
    clock,
    limits: { maxPartBytes: config.maxPartBytes, maxJobBytes: config.maxJobBytes },
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

/** Thrown inside a run when its job was cancelled; never leaves the runner. */
class JobCancelledError extends Error {}

export class JobRunner {
  readonly #deps: JobRunnerDeps;

  constructor(deps: JobRunnerDeps) {
    this.#deps = deps;
  }

  /**
   * Runs the job. `signal` is the worker's own (shutdown): when it aborts, the run stops, removes
   * its files and rejects, leaving the job IN_PROGRESS for the next worker to run again.
   */
  async run(jobId: string, signal?: AbortSignal): Promise<JobOutcome> {
    const { metadata, jobs } = this.#deps;
    const job = await metadata.jobs.get(jobId);
    if (!job || (job.state !== 'PENDING' && job.state !== 'IN_PROGRESS')) return 'SKIPPED';
    const exportJob = await metadata.exports.get(job.exportId);
    if (!exportJob) return 'SKIPPED';
    await this.#removeFiles(job);
    if (!(await jobs.start(job.id))) return 'SKIPPED';

    const cancel = new AbortController();
    const stop = signal ? AbortSignal.any([signal, cancel.signal]) : cancel.signal;
    const poll = setInterval(() => {
      void metadata.jobs.get(job.id).then(
        (current) => {
          if (current?.state !== 'IN_PROGRESS') cancel.abort(new JobCancelledError());
        },
        () => undefined,
      );
    }, CANCEL_POLL_MS);
    try {
      const member = await this.#visibleMember(job);
      if (member === 'hidden') return 'ABORTED';
      const leftOut = await this.#write(job, exportJob, member, stop);
      if (await jobs.complete(job.id, leftOut)) return 'COMPLETED';
      await this.#removeFiles(job);
      return 'ABORTED';
    } catch (error) {
      await this.#removeFiles(job);
      // The export was deleted while this job ran (its file rows could no longer be made):
      // there is nothing left to record, and nothing to run again.
      if (!(await metadata.jobs.get(job.id))) return 'SKIPPED';
      if (error instanceof ArchiveTooBigError) {
        await jobs.abort(job.id, 'ARCHIVE_TOO_BIG', error.message);
        return 'ABORTED';
      }
      if (cancel.signal.aborted && !signal?.aborted) {
        await jobs.abort(
          job.id,
          'CANCELLED_BY_USER',
          'The export was cancelled while this job ran.',
        );
        return 'ABORTED';
      }
      throw error;
    } finally {
      clearInterval(poll);
    }
  }

  /**
   * The member a user job exports, or 'hidden' after aborting it TARGET_NOT_VISIBLE. Active and
   * deactivated members (former employees) are exported; deleted or unknown ones are not.
   */
  async #visibleMember(job: DyiJob): Promise<ContentMember | null | 'hidden'> {
    if (job.userId === null) return null;
    const member = await this.#deps.content.member(job.communityId, job.userId);
    if (member && member.status !== 'deleted') return member;
    const why = member ? `is ${member.status}` : 'no longer exists';
    await this.#deps.jobs.abort(
      job.id,
      'TARGET_NOT_VISIBLE',
      `Member ${job.userId} ${why}, so their data is not visible to export.`,
    );
    return 'hidden';
  }

  /** Renders and stores the job's archive; returns how many things it had to leave out. */
  async #write(
    job: DyiJob,
    exportJob: ExportJob,
    member: ContentMember | null,
    signal: AbortSignal,
  ): Promise<number> {
    const { content, jobs, limits } = this.#deps;
    const scope: RenderScope = {
      content: new ReplayedContent(content),
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
      manifest: manifestOf(job, exportJob, dataTypes, counts),
      storePart: async (partNumber, body, leftOutCount) => {
        await jobs.storeFile(
          job,
          {
            name: partFileName(job, partNumber),
            contentType: 'application/zip',
            partNumber,
            body,
            leftOutCount,
          },
          signal,
        );
      },
      partFileName: (partNumber) => partFileName(job, partNumber),
      onLeaveOut: (item) => {
        if (item.item.startsWith('media/')) missingMedia.set(item.item, item.reason);
        if (leftOut.length < INDEX_LEFT_OUT_LISTED) leftOut.push(item);
      },
    });
    try {
      // Text files small enough for an empty part, so that splitting never leaves text out.
      const chunkBytes = Math.min(TEXT_CHUNK_BYTES, writer.textChunkBytes);
      const run = { job, exportJob, member, dataTypes, counts, media, writer, leftOut };
      await this.#writeEntries({
        ...run,
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
    const progress = new ProgressReporter(this.#deps, job.id);
    const steps = dataTypes.length * formats.length + ordered.length;
    let done = 0;
    const quiet = { media: () => undefined, items: () => undefined };
    const pages = new Map<DataType, string[]>();
    for (const record of ordered) {
      const prepared = await prepareMedia(record, exportJob.mediaQuality, () =>
        this.#deps.blobs.openRead(record.blob_key),
      );
      if ('entry' in prepared) {
        const written = await writer.add(prepared.entry);
        if (written) run.storedMedia.set(written.path, written);
      } else writer.leaveOut(prepared.leftOut);
      await progress.report(++done / steps);
    }
    for (const format of formats) {
      for (const dataType of dataTypes) {
        for await (const entry of renderDataType(dataType, format, scope, quiet)) {
          if (format === 'HTML') pages.set(dataType, [...(pages.get(dataType) ?? []), entry.path]);
          await writer.add(entry);
        }
        await progress.report(++done / steps);
      }
    }
    // A job with no data types (the company job when no company type is chosen) has no files.
    if (formats.includes('HTML') && dataTypes.length > 0) {
      await writer.add(
        renderHtmlIndex({
          title: member ? `Your information (member ${job.userId ?? ''})` : 'Company information',
          dataTypes: dataTypes.map((dataType) => ({
            dataType,
            items: counts.get(dataType) ?? 0,
            pages: pages.get(dataType) ?? [],
          })),
          leftOut: { count: writer.leftOutCount, listed: run.leftOut },
        }),
      );
    }
  }

  /**
   * Removes the job's file rows, then every blob under the job's prefix: a run killed between
   * storing a blob and writing its row leaves a blob no row names, and this finds it too.
   * On a full disk (often filled by this very run) the database may have no room to record
   * the delete: then the blobs go first, to make that room, and the rows follow.
   */
  async #removeFiles(job: DyiJob): Promise<void> {
    const prefix = blobPrefixForJob(job.exportId, job.id);
    try {
      await this.#deps.metadata.files.deleteByJob(job.id);
    } catch (error) {
      if (!(error instanceof StorageFullError)) throw error;
      await this.#deps.blobs.deletePrefix(prefix);
      await this.#deps.metadata.files.deleteByJob(job.id);
    }
    await this.#deps.blobs.deletePrefix(prefix);
  }
}

/** What one run of a job writes into its archive, passed between the steps of `#write`. */
interface ArchiveRun {
  readonly job: DyiJob;
  readonly exportJob: ExportJob;
  readonly member: ContentMember | null;
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

/** The job-level part of every manifest: nothing that differs between two equal exports. */
function manifestOf(
  job: DyiJob,
  exportJob: ExportJob,
  dataTypes: readonly DataType[],
  counts: ReadonlyMap<DataType, number>,
): Record<string, unknown> {
  return {
    job_type: job.jobType,
    user_id: job.userId,
    data_types: dataTypes,
    dyi_format: exportJob.dyiFormat,
    media_quality: exportJob.mediaQuality,
    start_time: new Date(exportJob.startTime * 1000).toISOString().replace('.000Z', 'Z'),
    end_time: new Date(exportJob.endTime * 1000).toISOString().replace('.000Z', 'Z'),
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
  #last = 0;

  constructor(deps: JobRunnerDeps, jobId: string) {
    this.#deps = deps;
    this.#jobId = jobId;
  }

  async report(fraction: number): Promise<void> {
    const now = this.#deps.clock.now();
    if (now - this.#last < PROGRESS_EVERY_MS || fraction >= 1) return;
    this.#last = now;
    await this.#deps.jobs.setProgress(this.#jobId, fraction);
  }
}
