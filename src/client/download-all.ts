/**
 * @module
 * Every file of every (or the chosen) export into
 * `<outDir>/<export id>/<company|user-<user id>>/<file name>`, N files at a time. Downloads
 * start as soon as the listing's first page has come, while it goes on paging: on an export of
 * thousands of small files the listing is a large share of the run, and waiting for its end
 * left the connections idle meanwhile. What the run reports still begins with `start` (the
 * totals, known once the listing has ended): file events and progress that come earlier are
 * held until then. Each file is skipped when the state file and a hash of the local copy say it
 * is already there, and fetched otherwise. A file that fails for good is reported and the
 * others go on: the summary says whether every file is verified. A listing that fails stops
 * the run: files in flight finish and are recorded in the state file, then the error is thrown.
 * An aborted `signal` stops it too: no file is begun after it, those in flight stop (each
 * keeps the bytes it received, to be resumed), the state file is saved, and the signal's
 * reason is thrown.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DirectoriesAhead } from './directories-ahead.js';
import type { DownloadEvent, SummaryEvent } from './download-events.js';
import { DownloadState } from './download-state.js';
import { type ExportFile, listExportFiles, safeSegment } from './export-files.js';
import { downloadFile } from './file-download.js';
import type { GraphClient } from './graph-client.js';
import { ListedFiles, type ListedFile } from './listed-files.js';
import { localCopyOf } from './local-copy.js';

export interface DownloadAllOptions {
  readonly outDir: string;
  /** Only these exports (default: every export). */
  readonly exportIds?: readonly string[];
  /** Files fetched at the same time; default DEFAULT_CONCURRENCY. */
  readonly concurrency?: number;
  readonly includeIncomplete?: boolean;
  readonly onEvent?: (event: DownloadEvent) => void;
  /** Bytes added to (or dropped from) the output directory, for progress bars. */
  readonly onProgress?: (deltaBytes: number) => void;
  /** Stops the run: the promise then rejects with its reason, once the state is saved. */
  readonly signal?: AbortSignal;
}

/**
 * Files fetched at the same time unless told otherwise: curl's `--parallel-max` in the
 * comparison of docs/benchmarks.md. With 8 in flight instead of 4, a server answers several
 * requests per turn of its event loop, and ours spent about 13 % less CPU per small file.
 * Download URLs are not Graph API calls (they carry no token and count against no call
 * budget); a refusal of one (429, or a Graph rate-limit code) is waited out as it asks.
 */
export const DEFAULT_CONCURRENCY = 8;

interface Counts {
  done: number;
  skipped: number;
  failed: number;
  transferred: number;
}

export async function downloadAll(
  client: GraphClient,
  options: DownloadAllOptions,
): Promise<SummaryEvent> {
  const started = Date.now();
  await mkdir(options.outDir, { recursive: true });
  const state = await DownloadState.open(options.outDir);
  const report = new HeldReport(options.onEvent, options.onProgress);
  const queue = new ListedFiles();
  const directories = new DirectoriesAhead();
  const counts: Counts = { done: 0, skipped: 0, failed: 0, transferred: 0 };
  const { signal } = options;
  const worker = async (): Promise<void> => {
    for (let listed = await queue.take(); listed; listed = await queue.take()) {
      // Stopped: the files not begun are left for the next run.
      if (signal?.aborted === true) return;
      directories.taken();
      await fetchOrSkip(listed, client, state, report, counts, options);
    }
  };
  const workers = Array.from(
    { length: Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY) },
    worker,
  );
  try {
    await listInto(queue, directories, client, options, report);
  } catch (error) {
    queue.stop();
    await Promise.all([...workers, directories.stop()]);
    await state.save();
    throw error;
  }
  await Promise.all(workers);
  await Promise.all([directories.stop(), state.save()]);
  // Stopped during the downloads: what was verified is in the state file, the rest is not.
  signal?.throwIfAborted();
  const summary: SummaryEvent = {
    event: 'summary',
    files: queue.count,
    done: counts.done,
    skipped: counts.skipped,
    failed: counts.failed,
    bytes_transferred: counts.transferred,
    elapsed_ms: Date.now() - started,
    ok: counts.failed === 0,
  };
  report.event(summary);
  return summary;
}

/** Adds every listed file to `queue`, ends it, and reports `start` with the totals. */
async function listInto(
  queue: ListedFiles,
  directories: DirectoriesAhead,
  client: GraphClient,
  options: DownloadAllOptions,
  report: HeldReport,
): Promise<void> {
  const skippedExports: string[] = [];
  const paths = new RelativePaths();
  let bytes = 0;
  for await (const file of listExportFiles(client, {
    ...(options.exportIds && { exportIds: options.exportIds }),
    includeIncomplete: options.includeIncomplete ?? false,
    onSkippedExport: (id) => skippedExports.push(id),
  })) {
    options.signal?.throwIfAborted();
    bytes += file.size;
    const relative = paths.of(file);
    queue.add({ file, relative });
    directories.add(path.dirname(path.join(options.outDir, relative)));
  }
  queue.end();
  report.start({ event: 'start', files: queue.count, bytes, skipped_exports: skippedExports });
}

async function fetchOrSkip(
  { file, relative }: ListedFile,
  client: GraphClient,
  state: DownloadState,
  report: HeldReport,
  counts: Counts,
  options: DownloadAllOptions,
): Promise<void> {
  const fields = {
    export_id: file.exportId,
    job_id: file.jobId,
    file_id: file.fileId,
    path: relative,
    size: file.size,
  };
  try {
    const kept = await localCopyOf(file, relative, options.outDir, state);
    if (kept !== undefined) {
      counts.skipped++;
      report.progress(file.size);
      report.event({ event: 'file-skipped', ...fields, sha256: kept });
      return;
    }
    const result = await downloadFile(file, relative, {
      client,
      state,
      outDir: options.outDir,
      onProgress: (delta) => report.progress(delta),
      ...(options.signal && { signal: options.signal }),
    });
    counts.done++;
    counts.transferred += result.bytesTransferred;
    report.event({
      event: 'file-done',
      ...fields,
      sha256: result.sha256,
      bytes_transferred: result.bytesTransferred,
    });
  } catch (error) {
    // Stopped mid-file: not a failure of this file, which the next run continues.
    if (options.signal?.aborted === true) return;
    counts.failed++;
    const reason = error instanceof Error ? error.message : String(error);
    report.event({ event: 'file-failed', ...fields, reason });
  }
}

/**
 * The run's events and progress, in the order a reader expects: nothing before `start`.
 * What comes earlier (files finished while the listing still pages) is held, then passed on
 * right after it, progress first.
 */
class HeldReport {
  readonly #onEvent: (event: DownloadEvent) => void;
  readonly #onProgress: ((deltaBytes: number) => void) | undefined;
  #started = false;
  #heldEvents: DownloadEvent[] = [];
  #heldBytes = 0;

  constructor(
    onEvent: ((event: DownloadEvent) => void) | undefined,
    onProgress: ((deltaBytes: number) => void) | undefined,
  ) {
    this.#onEvent = onEvent ?? (() => undefined);
    this.#onProgress = onProgress;
  }

  start(event: Extract<DownloadEvent, { event: 'start' }>): void {
    this.#onEvent(event);
    this.#started = true;
    if (this.#heldBytes !== 0) this.#onProgress?.(this.#heldBytes);
    for (const held of this.#heldEvents) this.#onEvent(held);
    this.#heldEvents = [];
  }

  event(event: DownloadEvent): void {
    if (this.#started) this.#onEvent(event);
    else this.#heldEvents.push(event);
  }

  progress(deltaBytes: number): void {
    if (this.#started) this.#onProgress?.(deltaBytes);
    else this.#heldBytes += deltaBytes;
  }
}

/**
 * `<export id>/<company|user-<user id>>/<name>`; `job-<job id>` when the server does not say
 * whose a user job is. Two files of one job with the same name keep apart by their ids.
 */
export function relativePaths(files: readonly ExportFile[]): string[] {
  const paths = new RelativePaths();
  return files.map((file) => paths.of(file));
}

/** Each file's path in listing order: a name taken by an earlier file gets the id prefix. */
class RelativePaths {
  readonly #used = new Set<string>();

  of(file: ExportFile): string {
    const owner =
      file.jobType === 'COMPANY'
        ? 'company'
        : file.userId !== undefined
          ? `user-${safeSegment(file.userId)}`
          : `job-${safeSegment(file.jobId)}`;
    const directory = `${safeSegment(file.exportId)}/${owner}`;
    let relative = `${directory}/${file.name}`;
    if (this.#used.has(relative))
      relative = `${directory}/${safeSegment(file.fileId)}-${file.name}`;
    this.#used.add(relative);
    return relative;
  }
}
