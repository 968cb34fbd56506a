/**
 * @module
 * One file, fetched so that nothing is lost and nothing wrong is kept. Bytes go to
 * `<name>.part`; a retry or a later run continues with `Range: bytes=<have>-` and `If-Range`
 * (the ETag the first answer carried), and a 200 instead of 206 means the file changed, so it
 * starts over. The part becomes the file (a rename) only once its size and, when the server
 * gives one, its sha256 match; a mismatch deletes the part and starts from zero. A refused or
 * expired `download_url` (403, 410) is replaced by re-reading the job's files, unless the
 * export itself expired (410, subcode 1410: its files are gone). Failures that
 * make no progress are bounded by the retry policy; an attempt that added bytes resets the
 * count, since it brought the file closer to done.
 *
 * File-system calls here are synchronous, as curl's are: on a local disk each takes a few
 * microseconds, while a round trip through libuv's thread pool cost more than the call itself,
 * and an export of thousands of small files makes thousands of them (docs/benchmarks.md). Each
 * write is one received chunk (at most 64 KiB), which the page cache takes at once. The one
 * exception is creating a new part and its directory, which can take a millisecond each when
 * the file system is busy: that runs in the thread pool while the request is in flight
 * (`part-file.ts`). An attempt that fails leaves no empty part behind.
 */
import { createHash, type Hash } from 'node:crypto';
import { renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DownloadState } from './download-state.js';
import { freshDownloadUrl, type ExportFile } from './export-files.js';
import { hashInto } from './file-hash.js';
import type { GraphClient } from './graph-client.js';
import { GraphRequestError } from './graph-request-error.js';
import { fetchInto, PartMismatchError, type PartSink } from './file-response.js';
import { PartFile } from './part-file.js';
import { reasonOf, retryDelayMs } from './retrying.js';

export interface FileDownloadContext {
  readonly client: GraphClient;
  readonly state: DownloadState;
  readonly outDir: string;
  /** Told about bytes added to (or, when a part is dropped, taken from) the file on disk. */
  readonly onProgress?: (deltaBytes: number) => void;
  readonly signal?: AbortSignal;
}

export interface FileDownloadResult {
  readonly sha256: string;
  /** Bytes that came over the network in this run. */
  readonly bytesTransferred: number;
}

/** Fetches `file` to `<outDir>/<relativePath>`; throws the last failure once retries are spent. */
export async function downloadFile(
  file: ExportFile,
  relativePath: string,
  context: FileDownloadContext,
): Promise<FileDownloadResult> {
  const { client, state } = context;
  const finalPath = path.join(context.outDir, relativePath);
  const partPath = `${finalPath}.part`;
  let url = file.downloadUrl;
  let etag = state.partial(file.fileId)?.etag;
  // Bytes that came over the network, in failed attempts too.
  const received = { bytes: 0 };
  for (let failures = 0; ;) {
    const before = sizeOf(partPath);
    const part = new PartWriter(partPath, createHash('sha256'), received, context.onProgress);
    try {
      const have = await prepare(partPath, before, file, etag, part.hash, context);
      if (have < file.size || file.size === 0) {
        const sink = part.from(have, (answered) => {
          if (answered === undefined || answered === etag) return;
          etag = answered;
          state.markPartial(file.fileId, { path: relativePath, etag });
        });
        try {
          await fetchInto(client, url, have, etag, sink, context.signal);
          await part.flush();
        } finally {
          await part.close();
        }
      }
      const sha256 = verify(partPath, file, part.hash);
      renameSync(partPath, finalPath);
      state.markFinished({
        exportId: file.exportId,
        jobId: file.jobId,
        fileId: file.fileId,
        path: relativePath.split(path.sep).join('/'),
        size: file.size,
        sha256,
        ...(etag !== undefined && { etag }),
      });
      return { sha256, bytesTransferred: received.bytes };
    } catch (error) {
      const after = sizeOf(partPath);
      // An empty part holds nothing to resume from; a run that gives up leaves no litter.
      if (after === 0) rmSync(partPath, { force: true });
      // Progress resets the count, except bytes that turned out wrong (a server that always
      // sends wrong bytes must not keep us busy forever).
      const progressed = after > before && !(error instanceof PartMismatchError);
      failures = progressed ? 1 : failures + 1;
      const refused =
        error instanceof GraphRequestError &&
        (error.status === 403 || error.status === 410) &&
        !error.isRateLimit &&
        !error.isExportExpired;
      const delayMs = refused ? 0 : retryDelayMs(client.policy, error, failures);
      if (delayMs === undefined || failures >= client.policy.attempts) throw error;
      client.onRetry({
        target: `file ${file.fileId}`,
        attempt: failures,
        delayMs,
        reason: reasonOf(error),
      });
      if (error instanceof PartMismatchError) {
        context.onProgress?.(-after);
        rmSync(partPath, { force: true });
        etag = undefined;
      }
      await client.policy.sleep(delayMs, context.signal);
      if (refused) {
        url = (await freshDownloadUrl(client, file.jobId, file.fileId)) ?? url;
      }
    }
  }
}

/**
 * Makes the part ready to be continued and feeds its bytes into `hash`; returns how many it
 * holds. A part longer than the file, or one with no way to tell whether it is still the same
 * file (neither ETag nor sha256), is dropped.
 */
async function prepare(
  partPath: string,
  have: number,
  file: ExportFile,
  etag: string | undefined,
  hash: Hash,
  context: FileDownloadContext,
): Promise<number> {
  if (have === 0) return 0;
  if (have > file.size || (etag === undefined && file.sha256 === undefined)) {
    rmSync(partPath, { force: true });
    context.onProgress?.(-have);
    return 0;
  }
  return hashInto(hash, partPath);
}

/**
 * One attempt's bytes into the part: appended (or, after a restart, written from zero), hashed
 * and counted in `received` chunk by chunk as they arrive, so that when the body fails half-way
 * every byte received so far goes into the part, and the next attempt resumes from the last
 * byte that arrived. A new part is created while the request is in flight (`PartFile.create`).
 */
class PartWriter {
  hash: Hash;
  readonly #partPath: string;
  readonly #received: { bytes: number };
  readonly #onProgress: ((deltaBytes: number) => void) | undefined;
  #file: PartFile | undefined;

  constructor(
    partPath: string,
    hash: Hash,
    received: { bytes: number },
    onProgress: ((deltaBytes: number) => void) | undefined,
  ) {
    this.#partPath = partPath;
    this.hash = hash;
    this.#received = received;
    this.#onProgress = onProgress;
  }

  /**
   * The sink of an answer to a request from byte `have` on; `onValidator` is told the answer's
   * ETag before the first byte is written (the caller records a new one in the state). Call it
   * just before the request: with nothing to continue (`have` 0), the part is created meanwhile.
   */
  from(have: number, onValidator: (etag: string | undefined) => void): PartSink {
    if (have === 0) this.#file = PartFile.create(this.#partPath);
    return {
      begin: (restarted, etag) => {
        if (restarted && have > 0) {
          // A whole answer to a Range request: the old bytes and their hash are worthless.
          this.hash = createHash('sha256');
          this.#onProgress?.(-have);
        }
        onValidator(etag);
        this.#file ??= PartFile.openNow(this.#partPath, restarted);
      },
      write: (chunk) => {
        const wait = (this.#file as PartFile).write(chunk);
        this.hash.update(chunk);
        this.#received.bytes += chunk.length;
        this.#onProgress?.(chunk.length);
        return wait;
      },
    };
  }

  /** Resolves once every byte received is in the part; rejects with why it could not be. */
  async flush(): Promise<void> {
    await this.#file?.flush();
  }

  async close(): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
  }
}

function verify(partPath: string, file: ExportFile, hash: Hash): string {
  const size = sizeOf(partPath);
  const sha256 = hash.digest('hex');
  if (size !== file.size) {
    throw new PartMismatchError(`size ${size} instead of ${file.size} bytes`);
  }
  if (file.sha256 !== undefined && sha256 !== file.sha256) {
    throw new PartMismatchError(`sha256 ${sha256} instead of ${file.sha256}`);
  }
  return sha256;
}

/**
 * Bytes in `file`; 0 when it cannot be read, which makes the next attempt start over. A
 * missing file is answered without an exception: every new file is looked for before its first
 * byte, and making thousands of ENOENT errors showed in a CPU profile.
 */
function sizeOf(file: string): number {
  try {
    return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    return 0;
  }
}
