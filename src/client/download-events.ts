/**
 * @module
 * What a download run reports, as the objects `dyi download --json` prints one per line
 * (snake_case, like the Graph API it mirrors). Documented in docs/downloader.md.
 */

interface FileFields {
  readonly export_id: string;
  readonly job_id: string;
  readonly file_id: string;
  /** Relative to the output directory, `/`-separated. */
  readonly path: string;
  /** Bytes. */
  readonly size: number;
}

export type DownloadEvent =
  | {
      readonly event: 'start';
      readonly files: number;
      readonly bytes: number;
      /** Exports left out because they are not completed. */
      readonly skipped_exports: readonly string[];
    }
  | (FileFields & {
      readonly event: 'file-done';
      readonly sha256: string;
      /** Bytes fetched in this run (less than `size` after a resume). */
      readonly bytes_transferred: number;
    })
  | (FileFields & { readonly event: 'file-skipped'; readonly sha256: string })
  | (FileFields & { readonly event: 'file-failed'; readonly reason: string })
  | {
      readonly event: 'retry';
      readonly target: string;
      readonly attempt: number;
      readonly delay_ms: number;
      readonly reason: string;
    }
  | {
      readonly event: 'summary';
      readonly files: number;
      readonly done: number;
      readonly skipped: number;
      readonly failed: number;
      readonly bytes_transferred: number;
      readonly elapsed_ms: number;
      /** True when every file is on disk and verified. */
      readonly ok: boolean;
    };

export type SummaryEvent = Extract<DownloadEvent, { event: 'summary' }>;
