/**
 * @module
 * The wire shapes the client reads, typed by the subset it uses. Every field beyond `id` is
 * optional because other servers speaking the API may leave fields out (the spec's Graph
 * returns neither `name` nor `sha256` on files, nor `user` on jobs).
 */

/** A page of a Graph edge. */
export interface GraphPage<T> {
  readonly data: readonly T[];
  readonly paging?: { readonly next?: string };
}

/** An export (`work_dyi_job`). */
export interface RemoteExport {
  readonly id: string;
  readonly is_completed?: boolean;
  readonly create_time?: string;
  readonly company_job?: RemoteJob;
}

/** A company or user DYI job. */
export interface RemoteJob {
  readonly id: string;
  readonly job_state?: string;
  /** Ours: the member a user job exports. */
  readonly user?: { readonly id: string };
  /** The job's first page of files, when they were asked for by field expansion. */
  readonly files?: GraphPage<RemoteFile>;
}

/** A downloadable file of a DYI job. */
export interface RemoteFile {
  readonly id: string;
  readonly download_url: string;
  /** Bytes. */
  readonly file_size: number;
  /** Ours: the archive's file name. */
  readonly name?: string;
  /** Ours: lower-case hex SHA-256 of the bytes. */
  readonly sha256?: string;
}

/** What a retry is about, for progress output and `retry` events. */
export interface RetryNotice {
  /** What was asked, without its query string. */
  readonly target: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}
