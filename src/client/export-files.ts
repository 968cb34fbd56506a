/**
 * @module
 * Every file of every (or the chosen) export, walked the way the spec's sample does (exports,
 * then each export's company job, then its user jobs) but with every list paged to its end.
 * Each job comes with its first page of files (field expansion), and a job with more files,
 * or a server that does not expand, has its files listed with several jobs at once: a large
 * export has thousands of jobs with one small file each, and round trips are what take time.
 */
import type { GraphClient } from './graph-client.js';
import type { RemoteExport, RemoteFile, RemoteJob } from './graph-types.js';

export type JobType = 'COMPANY' | 'USER';

/** One downloadable file with where it belongs. */
export interface ExportFile {
  readonly exportId: string;
  readonly jobId: string;
  readonly jobType: JobType;
  /** The member of a user job, when the server says (ours does); undefined otherwise. */
  readonly userId: string | undefined;
  readonly fileId: string;
  /** Bytes. */
  readonly size: number;
  /** A safe file name: the server's `name`, else the URL's last segment, else `<id>.zip`. */
  readonly name: string;
  /** Lower-case hex SHA-256, when the server gives it. */
  readonly sha256: string | undefined;
  readonly downloadUrl: string;
}

export interface ExportFileOptions {
  /** Only these exports (default: every export of the community). */
  readonly exportIds?: readonly string[];
  /** Also walk exports whose `is_completed` is not true (the sample skips them). */
  readonly includeIncomplete?: boolean;
  /** Told about each export skipped because it is not completed. */
  readonly onSkippedExport?: (exportId: string) => void;
  /** User jobs whose files are fetched at the same time; default 8. */
  readonly jobConcurrency?: number;
}

export async function* listExportFiles(
  client: GraphClient,
  options: ExportFileOptions = {},
): AsyncGenerator<ExportFile> {
  const exports = options.exportIds ? chosen(client, options.exportIds) : client.listExports();
  for await (const listed of exports) {
    if (listed.is_completed !== true && options.includeIncomplete !== true) {
      options.onSkippedExport?.(listed.id);
      continue;
    }
    const details = listed.company_job ? listed : await client.getExport(listed.id);
    if (details.company_job) {
      yield* (
        filesGiven(listed.id, details.company_job, 'COMPANY') ??
        (await filesOfJob(client, listed.id, details.company_job, 'COMPANY'))
      );
    }
    let batch: RemoteJob[] = [];
    const flush = async (): Promise<ExportFile[]> => {
      const lists = await Promise.all(
        batch.map((job) => filesOfJob(client, listed.id, job, 'USER')),
      );
      batch = [];
      return lists.flat();
    };
    for await (const job of client.listUserJobsWithFiles(listed.id)) {
      const given = filesGiven(listed.id, job, 'USER');
      if (given !== undefined) {
        yield* given;
        continue;
      }
      batch.push(job);
      if (batch.length >= (options.jobConcurrency ?? 8)) yield* await flush();
    }
    yield* await flush();
  }
}

/** The current `download_url` of one file, read again from its job's file list. */
export async function freshDownloadUrl(
  client: GraphClient,
  jobId: string,
  fileId: string,
): Promise<string | undefined> {
  for await (const file of client.listFiles(jobId)) {
    if (file.id === fileId) return file.download_url;
  }
  return undefined;
}

async function* chosen(client: GraphClient, ids: readonly string[]): AsyncGenerator<RemoteExport> {
  for (const id of ids) yield await client.getExport(id);
}

/** Files that came with the job, when all are on that one page: nothing more to ask. */
function filesGiven(exportId: string, job: RemoteJob, jobType: JobType): ExportFile[] | undefined {
  if (job.files === undefined || job.files.paging?.next !== undefined) return undefined;
  return job.files.data.map((file) => toExportFile(exportId, job, jobType, file));
}

async function filesOfJob(
  client: GraphClient,
  exportId: string,
  job: RemoteJob,
  jobType: JobType,
): Promise<ExportFile[]> {
  const files: ExportFile[] = [];
  for await (const file of client.listFiles(job.id)) {
    files.push(toExportFile(exportId, job, jobType, file));
  }
  return files;
}

function toExportFile(
  exportId: string,
  job: RemoteJob,
  jobType: JobType,
  file: RemoteFile,
): ExportFile {
  return {
    exportId,
    jobId: job.id,
    jobType,
    userId: job.user?.id,
    fileId: file.id,
    size: file.file_size,
    name: nameOf(file),
    sha256: typeof file.sha256 === 'string' ? file.sha256.toLowerCase() : undefined,
    downloadUrl: file.download_url,
  };
}

function nameOf(file: RemoteFile): string {
  if (file.name !== undefined) {
    const given = safeSegment(file.name);
    if (given) return given;
  }
  try {
    const last = new URL(file.download_url).pathname.split('/').pop() ?? '';
    const fromUrl = safeSegment(decodeURIComponent(last));
    if (fromUrl) return fromUrl;
  } catch {
    // A URL we cannot read gives no name; the id does.
  }
  return `${safeSegment(file.id) || 'file'}.zip`;
}

/**
 * One path segment that cannot climb out of the output directory or confuse a file system:
 * the server decides names, and a hostile one must not write outside `--out`.
 */
export function safeSegment(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it replaces
  const cleaned = text.replace(/[\u0000-\u001f/\\<>:"|?*]/g, '_').trim();
  return /^\.+$/.test(cleaned) || cleaned.endsWith('.part') ? '' : cleaned.slice(0, 200);
}
