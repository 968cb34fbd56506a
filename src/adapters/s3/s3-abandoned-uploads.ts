/**
 * @module
 * Finds and aborts the multipart uploads whose writer died: those that neither began nor
 * received a part since a cutoff (a live put sends a part every 8 MiB). Several processes
 * may sweep at once: an upload another one completed or aborted meanwhile is skipped.
 */
import { AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import type { RemovedBlobs } from '../../ports/blob-store.js';
import type { S3Bucket } from './s3-bucket.js';
import { isMissingObject } from './s3-errors.js';
import { listMultipartUploads, partsOf } from './s3-listing.js';

/** Aborts the uploads under `prefix` idle since before `cutoffMs`; answers their parts' bytes. */
export async function abortAbandonedUploads(
  bucket: S3Bucket,
  prefix: string,
  cutoffMs: number,
): Promise<RemovedBlobs> {
  let count = 0;
  let bytes = 0;
  const uploads = await bucket.send(async (client, name) => {
    const found = [];
    for await (const upload of listMultipartUploads(client, name, prefix)) found.push(upload);
    return found;
  });
  for (const { key, uploadId, initiatedMs } of uploads) {
    if (initiatedMs >= cutoffMs) continue;
    const parts = await bucket.send((client, name) =>
      partsOf(client, name, key, uploadId).catch(ignoreGone),
    );
    if (parts === undefined || parts.some((part) => part.modifiedMs >= cutoffMs)) continue;
    const aborted = await bucket.send((client, Bucket) =>
      client
        .send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId }))
        .catch(ignoreGone),
    );
    if (aborted === undefined) continue;
    count += 1;
    bytes += parts.reduce((sum, part) => sum + part.size, 0);
  }
  return { count, bytes };
}

/** Undefined for an answer that the upload does not exist (any more). */
function ignoreGone(error: unknown): undefined {
  if (isMissingObject(error) || (error as Error | undefined)?.name === 'NoSuchUpload') {
    return undefined;
  }
  throw error;
}
