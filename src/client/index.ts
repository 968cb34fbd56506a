/**
 * @module
 * The SDK (`dyi-export/client`): a typed client of the DYI Export API and the robust
 * downloader built on it. It talks HTTP only, to our server or any other speaking the API.
 *
 * ```ts
 * const client = new GraphClient({ token, baseUrl: 'http://localhost:8080' });
 * for await (const file of listExportFiles(client)) console.log(file.name, file.size);
 * const summary = await downloadAll(client, { outDir: './dyi' });
 * await client.close();
 * ```
 */
export {
  DEFAULT_CONCURRENCY,
  downloadAll,
  relativePaths,
  type DownloadAllOptions,
} from './download-all.js';
export type { DownloadEvent, SummaryEvent } from './download-events.js';
export {
  DownloadState,
  STATE_FILE_NAME,
  type FinishedFile,
  type PartialFile,
} from './download-state.js';
export {
  freshDownloadUrl,
  listExportFiles,
  type ExportFile,
  type ExportFileOptions,
  type JobType,
} from './export-files.js';
export {
  downloadFile,
  type FileDownloadContext,
  type FileDownloadResult,
} from './file-download.js';
export { PartMismatchError } from './file-response.js';
export { DEFAULT_BASE_URL, GraphClient, type GraphClientOptions } from './graph-client.js';
export {
  GraphRequestError,
  RATE_LIMIT_CODES,
  RequestFailedError,
  type GraphErrorBody,
} from './graph-request-error.js';
export type { GraphPage, RemoteExport, RemoteFile, RemoteJob, RetryNotice } from './graph-types.js';
export type { ClientDispatcher } from './lean-agent.js';
export {
  RETRY_DEFAULTS,
  RetryPolicy,
  realSleep,
  type RetryOptions,
  type Sleep,
} from './retry-policy.js';
export { NO_USAGE, usageOf, type Usage } from './usage-headers.js';
