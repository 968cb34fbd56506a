/**
 * @module
 * The paged S3 requests of the blob store, each as a plain function of a client: listings
 * walked page by page (ListObjectsV2, ListMultipartUploads, ListParts) and DeleteObjects in
 * batches. Errors are the SDK's; the store turns them into ours.
 */
import {
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly modifiedMs: number;
}

export interface ListedUpload {
  readonly key: string;
  readonly uploadId: string;
  readonly initiatedMs: number;
}

/** Every object whose key starts with `prefix`, one page (up to 1000) at a time. */
export async function* listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      yield {
        key: object.Key,
        size: object.Size ?? 0,
        modifiedMs: object.LastModified?.getTime() ?? 0,
      };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** True when at least one object sits directly under `prefix` (which ends with `/`). */
export async function hasObjectsUnder(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<boolean> {
  const page = await client.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', MaxKeys: 1 }),
  );
  return (page.Contents ?? []).length > 0;
}

/** Every multipart upload in progress under `prefix`. */
export async function* listMultipartUploads(
  client: S3Client,
  bucket: string,
  prefix: string,
): AsyncGenerator<ListedUpload> {
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        Prefix: prefix,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
    );
    for (const upload of page.Uploads ?? []) {
      if (upload.Key === undefined || upload.UploadId === undefined) continue;
      yield {
        key: upload.Key,
        uploadId: upload.UploadId,
        initiatedMs: upload.Initiated?.getTime() ?? 0,
      };
    }
    if (page.IsTruncated !== true) return;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/** The parts an upload has received so far, with their sizes and times. */
export async function partsOf(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<{ size: number; modifiedMs: number }[]> {
  const parts: { size: number; modifiedMs: number }[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(
      new ListPartsCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumberMarker: marker,
      }),
    );
    for (const part of page.Parts ?? []) {
      parts.push({ size: part.Size ?? 0, modifiedMs: part.LastModified?.getTime() ?? 0 });
    }
    marker = page.IsTruncated === true ? page.NextPartNumberMarker : undefined;
  } while (marker !== undefined);
  return parts;
}

/**
 * Deletes up to 1000 objects in one request. Swift's s3api requires the Content-MD5 header
 * the S3 API defines for it, which the SDK no longer sends (it sends a CRC32 instead).
 */
export async function deleteObjects(
  client: S3Client,
  bucket: string,
  keys: readonly string[],
): Promise<void> {
  const command = new DeleteObjectsCommand({
    Bucket: bucket,
    Delete: { Objects: keys.map((key) => ({ Key: key })), Quiet: true },
  });
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string>; body: unknown };
      if (typeof request.body === 'string') {
        request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'dyiContentMd5' },
  );
  const answer = await client.send(command);
  const failed = answer.Errors ?? [];
  if (failed.length > 0) {
    const first = failed[0];
    throw Object.assign(
      new Error(
        `DeleteObjects failed for ${failed.length} keys, first ${first?.Key}: ${first?.Code} ${first?.Message}`,
      ),
      {
        name: first?.Code ?? 'DeleteObjectsFailed',
      },
    );
  }
}
