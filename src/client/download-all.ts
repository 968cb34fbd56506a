/**
 * @module
 * Every file of every (or the chosen) export into
 * `<outDir>/<export id>/<company|user-<user id>>/<file name>`, N files at a time. The listing
 * comes first, so that progress has totals; then each file is skipped when the state file and
 * a hash of the local copy say it is already there, and fetched otherwise. A file that fails
 * for good is reported and the others go on: the summary says whether every file is verified.
 */
import { mkdir } from 'node:fs/promises';
import type { DownloadEvent, SummaryEvent } from './download-events.js';
import { DownloadState } from './download-state.js';
import { type ExportFile, listExportFiles, safeSegment } from './export-files.js';
import { downloadFile } from './file-download.js';
import type { GraphClient } from './graph-client.js';
import { localCopyOf } from './local-copy.js';

export interface DownloadAllOptions {
  readonly outDir: string;
  /** Only these exports (default: every export). */
  readonly exportIds?: readonly string[];
  /** Files fetched at the same time; default 4. */
  readonly concurrency?: number;
  readonly includeIncomplete?: boolean;
  readonly onEvent?: (event: DownloadEvent) => void;
  /** Bytes added to (or dropped from) the output directory, for progress bars. */
  readonly onProgress?: (deltaBytes: number) => void;
  readonly signal?: AbortSignal;
}

export async function downloadAll(
  client: GraphClient,
  options: DownloadAllOptions,
): Promise<SummaryEvent> {
  const started = Date.now();
  const emit = options.onEvent ?? (() => undefined);
  await mkdir(options.outDir, { recursive: true });
  const state = await DownloadState.open(options.outDir);
  const skippedExports: string[] = [];
  const files: ExportFile[] = [];
  for await (const file of listExportFiles(client, {
    ...(options.exportIds && { exportIds: options.exportIds }),
    includeIncomplete: options.includeIncomplete ?? false,
    onSkippedExport: (id) => skippedExports.push(id),
  })) {
    files.push(file);
  }
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  emit({ event: 'start', files: files.length, bytes, skipped_exports: skippedExports });

  const paths = relativePaths(files);
  const counts = { done: 0, skipped: 0, failed: 0, transferred: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const file = files[index] as ExportFile;
      const relative = paths[index] as string;
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
          options.onProgress?.(file.size);
          emit({ event: 'file-skipped', ...fields, sha256: kept });
          continue;
        }
        const result = await downloadFile(file, relative, {
          client,
          state,
          outDir: options.outDir,
          ...(options.onProgress && { onProgress: options.onProgress }),
          ...(options.signal && { signal: options.signal }),
        });
        counts.done++;
        counts.transferred += result.bytesTransferred;
        emit({
          event: 'file-done',
          ...fields,
          sha256: result.sha256,
          bytes_transferred: result.bytesTransferred,
        });
      } catch (error) {
        counts.failed++;
        const reason = error instanceof Error ? error.message : String(error);
        emit({ event: 'file-failed', ...fields, reason });
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, files.length));
  await Promise.all(Array.from({ length: workers }, worker));
  await state.save();
  const summary: SummaryEvent = {
    event: 'summary',
    files: files.length,
    done: counts.done,
    skipped: counts.skipped,
    failed: counts.failed,
    bytes_transferred: counts.transferred,
    elapsed_ms: Date.now() - started,
    ok: counts.failed === 0,
  };
  emit(summary);
  return summary;
}

/**
 * `<export id>/<company|user-<user id>>/<name>`; `job-<job id>` when the server does not say
 * whose a user job is. Two files of one job with the same name keep apart by their ids.
 */
export function relativePaths(files: readonly ExportFile[]): string[] {
  const used = new Set<string>();
  return files.map((file) => {
    const owner =
      file.jobType === 'COMPANY'
        ? 'company'
        : file.userId !== undefined
          ? `user-${safeSegment(file.userId)}`
          : `job-${safeSegment(file.jobId)}`;
    const directory = `${safeSegment(file.exportId)}/${owner}`;
    let relative = `${directory}/${file.name}`;
    if (used.has(relative)) relative = `${directory}/${safeSegment(file.fileId)}-${file.name}`;
    used.add(relative);
    return relative;
  });
}
