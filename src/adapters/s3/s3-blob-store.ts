/**
 * @module
 * The scale-out deployment's blob store: one object per blob in an S3-compatible bucket
 * (AWS S3, or OpenStack Swift's `s3api`, which the tests run against).
 *
 * What it writes where, in bucket `bucket`, under `prefix` (for example `dyi/`):
 * - `<prefix><key>`: the complete bytes of the blob under `key` (for example
 *   `dyi/exports/12/34/56`). A `put` streams them as a multipart upload (5 MiB parts, a few in
 *   flight) while they are produced, hashing on the way; the object appears, whole, only when
 *   the upload is completed, after the last byte. A failed or aborted put aborts its upload, so
 *   the key keeps what it held before (nothing, or the previous blob). A put under 5 MiB is one
 *   PutObject. `touch` copies the object onto itself (S3 has no other way to renew its time).
 * - multipart uploads in progress under `<prefix><key>`: invisible to readers; a process killed
 *   mid-put leaves one behind, and `removeAbandonedWrites` aborts those untouched for
 *   `abandonedWriteAgeMs`.
 * - `<prefix>.cleanup/<key>/<uuid>`: an empty marker that `deleteIfUnusedSince` holds for the
 *   milliseconds it judges and deletes `key` (see there), one per sweeper so that two sweeping
 *   at once never drop each other's. Keys never start with `.`, so markers cannot collide with
 *   a blob, and `list` never shows them.
 * Nothing else: size and SHA-256 live in the metadata store's file rows.
 */
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  ConfigurationError,
  NotFoundError,
  TransientError,
  ValidationError,
} from '../../domain/errors.js';
import {
  isValidBlobKey,
  type BlobStore,
  type ByteRange,
  type ListedBlob,
  type RemovedBlobs,
  type StoredBlob,
} from '../../ports/blob-store.js';
import { hashingSource } from './hashing-source.js';
import {
  deleteObjects,
  hasObjectsUnder,
  listMultipartUploads,
  listObjects,
  partsOf,
} from './s3-listing.js';
import {
  describeLocation,
  fromS3Error,
  isMissingObject,
  statusOf,
  type S3Location,
} from './s3-errors.js';

export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** Prepended to every key: `''`, or segments ending with `/` (`parseBlobStoreUrl` makes it). */
  readonly prefix: string;
  /** The S3 API's URL (`DYI_S3_ENDPOINT`); undefined: AWS S3 of `region`. */
  readonly endpoint?: string;
  readonly region: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key`; Swift and MinIO need it. */
  readonly forcePathStyle: boolean;
  /** Undefined: the SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ...). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /**
   * Milliseconds after which a multipart upload with no new part counts as abandoned (its
   * writer died); a live put sends a part every 5 MiB. Default: one hour.
   */
  readonly abandonedWriteAgeMs?: number;
}

const PART_BYTES = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
const HOUR_MS = 60 * 60 * 1000;
/** A `deleteIfUnusedSince` that has held its marker this long gives up (keeps the blob). */
const MARKER_HOLD_MS = 10_000;
/** A writer waits this long for a marker to go; older ones were left by a dead sweeper. */
const MARKER_WAIT_MS = 30_000;
const MARKER_DIR = '.cleanup/';

export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #location: S3Location;
  readonly #abandonedWriteAgeMs: number;

  constructor(options: S3BlobStoreOptions) {
    if (options.prefix !== '' && !isValidBlobKey(options.prefix.slice(0, -1))) {
      throw new ConfigurationError(
        `The blob store prefix '${options.prefix}' is not valid: use lower-case segments of [a-z0-9._-], each followed by '/'.`,
      );
    }
    const config: S3ClientConfig = {
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      // Swift (and other S3-compatible stores) answer 501 to aws-chunked uploads with trailing
      // checksums, which the SDK would otherwise send; we hash the bytes ourselves.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    this.#client = new S3Client(config);
    this.#bucket = options.bucket;
    this.#prefix = options.prefix;
    this.#location = {
      bucket: options.bucket,
      prefix: options.prefix,
      endpoint: options.endpoint ?? `AWS S3 (${options.region})`,
    };
    this.#abandonedWriteAgeMs = options.abandonedWriteAgeMs ?? HOUR_MS;
  }

  /** Checks that the bucket answers to our credentials. */
  async init(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }));
    } catch (error) {
      // HEAD answers carry no error body: name the cause from the status alone.
      if (statusOf(error) === 404) {
        throw fromS3Error(Object.assign(error as Error, { name: 'NoSuchBucket' }), this.#location);
      }
      const mapped = fromS3Error(error, this.#location);
      if (mapped instanceof ConfigurationError || mapped instanceof TransientError) throw mapped;
      throw new ConfigurationError(
        `The bucket ${describeLocation(this.#location)} cannot be used: ${String(error)}. Check DYI_BLOB_STORE, DYI_S3_ENDPOINT, DYI_S3_REGION and DYI_S3_FORCE_PATH_STYLE.`,
        { cause: error },
      );
    }
  }

  close(): Promise<void> {
    this.#client.destroy();
    return Promise.resolve();
  }

  /**
   * Streams the body into a multipart upload. An abort or a source failure before the source
   * has ended aborts the upload; an abort that lands after it ended, while the last part and
   * the completion are in flight, is too late: the put completes and resolves.
   */
  async put(
    key: string,
    body: Readable | AsyncIterable<Uint8Array>,
    options?: { signal?: AbortSignal },
  ): Promise<StoredBlob> {
    const objectKey = this.#objectKey(key);
    options?.signal?.throwIfAborted();
    const source = hashingSource(body, options?.signal);
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#bucket, Key: objectKey, Body: source.stream },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      // On a failed source, Upload waits for the parts in flight, then aborts the upload.
      leavePartsOnError: false,
    });
    await this.#send(() => upload.done());
    // A sweeper that judged the old object before this put completed may delete this one.
    if (!(await this.#survivesSweepers(objectKey))) {
      throw new TransientError(
        `The blob '${key}' was removed by a clean-up that ran while it was being stored; store it again.`,
      );
    }
    return source.digest();
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    const head = await this.#head(this.#objectKey(key));
    return head === undefined ? undefined : { size: head.size };
  }

  async openRead(key: string, range?: ByteRange): Promise<Readable> {
    const objectKey = this.#objectKey(key);
    if (range !== undefined) assertRange(range);
    try {
      const answer = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: objectKey,
          Range: range === undefined ? undefined : `bytes=${range.start}-${range.end}`,
        }),
      );
      return answer.Body as Readable;
    } catch (error) {
      if (isMissingObject(error)) throw new NotFoundError(key);
      if (statusOf(error) === 416) {
        throw new ValidationError(
          'range',
          `Byte range ${range?.start}-${range?.end} is outside the blob '${key}'.`,
          { cause: error },
        );
      }
      throw fromS3Error(error, this.#location);
    }
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.#objectKey(key);
    await this.#send(() =>
      this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: objectKey })),
    );
  }

  async deletePrefix(prefix: string): Promise<void> {
    this.#assertPrefix(prefix);
    let batch: string[] = [];
    for await (const object of this.#listObjects(this.#prefix + prefix)) {
      batch.push(object.key);
      if (batch.length === 1000) {
        await this.#send(() => deleteObjects(this.#client, this.#bucket, batch));
        batch = [];
      }
    }
    if (batch.length > 0) await this.#send(() => deleteObjects(this.#client, this.#bucket, batch));
  }

  async *list(prefix: string): AsyncIterable<ListedBlob> {
    this.#assertPrefix(prefix);
    for await (const object of this.#listObjects(this.#prefix + prefix)) {
      const key = object.key.slice(this.#prefix.length);
      if (isValidBlobKey(key)) yield { key, size: object.size, modifiedMs: object.modifiedMs };
    }
  }

  /**
   * Copies the object onto itself, which renews its LastModified, then makes sure no sweeper
   * was deleting it meanwhile. Costs a server-side copy of the bytes; objects above the
   * store's copy limit (5 GiB on AWS S3) cannot be touched.
   */
  async touch(key: string): Promise<boolean> {
    const objectKey = this.#objectKey(key);
    try {
      await this.#client.send(
        new CopyObjectCommand({
          Bucket: this.#bucket,
          Key: objectKey,
          CopySource: `${this.#bucket}/${objectKey}`,
          MetadataDirective: 'REPLACE',
          Metadata: { touched: String(Date.now()) },
        }),
      );
    } catch (error) {
      if (isMissingObject(error)) return false;
      throw fromS3Error(error, this.#location);
    }
    return this.#survivesSweepers(objectKey);
  }

  /**
   * S3 has no conditional delete on time, so a sweeper and a writer (`touch`, `put`) each
   * announce themselves, then look for the other, as in Dekker's mutual exclusion: the sweeper
   * puts its marker, then reads the object's time again; the writer renews the object's time,
   * then reads the marker. One of them always sees the other: the sweeper keeps a renewed
   * object, or the writer waits for the marker to go and then finds the object there or gone
   * (and says so: `touch` answers false, `put` fails with TransientError). This holds on any
   * store that reads its own writes (AWS S3, a Swift whose replicas agree); `sinceMs` is
   * compared with the store's clock, so the two clocks must agree to well within the grace.
   */
  async deleteIfUnusedSince(key: string, sinceMs: number): Promise<number | undefined> {
    const objectKey = this.#objectKey(key);
    // Objects' times have whole seconds: one put or touched in the second of `sinceMs` stays.
    const isUsed = (modifiedMs: number): boolean => modifiedMs >= Math.floor(sinceMs / 1000) * 1000;
    const before = await this.#head(objectKey);
    if (before === undefined || isUsed(before.modifiedMs)) return undefined;
    const marker = `${this.#markersOf(key)}${randomUUID()}`;
    const heldAt = Date.now();
    await this.#send(() =>
      this.#client.send(
        new PutObjectCommand({ Bucket: this.#bucket, Key: marker, Body: '', ContentLength: 0 }),
      ),
    );
    try {
      const judged = await this.#head(objectKey);
      if (judged === undefined || isUsed(judged.modifiedMs)) return undefined;
      // Writers stop waiting for a marker after MARKER_WAIT_MS: never delete that late.
      if (Date.now() - heldAt > MARKER_HOLD_MS) return undefined;
      await this.#send(() =>
        this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: objectKey })),
      );
      return judged.size;
    } finally {
      await this.#send(() =>
        this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: marker })),
      );
    }
  }

  /**
   * Aborts the multipart uploads with no new part for `abandonedWriteAgeMs` (their writer
   * died; a live put sends a part every 5 MiB), and removes sweepers' markers as old.
   */
  async removeAbandonedWrites(): Promise<RemovedBlobs> {
    const cutoffMs = Date.now() - this.#abandonedWriteAgeMs;
    let count = 0;
    let bytes = 0;
    const uploads = listMultipartUploads(this.#client, this.#bucket, this.#prefix);
    for await (const upload of mapErrors(uploads, this.#location)) {
      if (upload.initiatedMs >= cutoffMs) continue;
      // Another process's clean-up may complete or abort the same upload meanwhile: skip it.
      const parts = await this.#send(() =>
        partsOf(this.#client, this.#bucket, upload.key, upload.uploadId).catch(ignoreMissing),
      );
      if (parts === undefined || parts.some((part) => part.modifiedMs >= cutoffMs)) continue;
      const aborted = await this.#send(() =>
        this.#client
          .send(
            new AbortMultipartUploadCommand({
              Bucket: this.#bucket,
              Key: upload.key,
              UploadId: upload.uploadId,
            }),
          )
          .catch(ignoreMissing),
      );
      if (aborted === undefined) continue;
      count += 1;
      bytes += parts.reduce((sum, part) => sum + part.size, 0);
    }
    const stale: string[] = [];
    for await (const marker of this.#listObjects(this.#prefix + MARKER_DIR)) {
      if (marker.modifiedMs < cutoffMs) stale.push(marker.key);
    }
    if (stale.length > 0) await this.#send(() => deleteObjects(this.#client, this.#bucket, stale));
    return { count, bytes };
  }

  /**
   * A presigned GET of the blob, valid for `lifetimeSeconds` (at most 7 days), that anyone
   * holding it can fetch straight from the store; `fileName` sets the download's name.
   */
  async presignedGetUrl(
    key: string,
    lifetimeSeconds: number,
    options?: { fileName?: string },
  ): Promise<string> {
    const objectKey = this.#objectKey(key);
    const fileName = options?.fileName?.replace(/["\\\r\n]/g, '_');
    return getSignedUrl(
      this.#client,
      new GetObjectCommand({
        Bucket: this.#bucket,
        Key: objectKey,
        ResponseContentDisposition:
          fileName === undefined ? undefined : `attachment; filename="${fileName}"`,
      }),
      { expiresIn: lifetimeSeconds },
    );
  }

  /**
   * After a writer renewed `objectKey`: waits out a sweeper's marker, if one is held, and
   * answers whether the object is still there (see `deleteIfUnusedSince`).
   */
  async #survivesSweepers(objectKey: string): Promise<boolean> {
    const markers = this.#markersOf(objectKey.slice(this.#prefix.length));
    const deadline = Date.now() + MARKER_WAIT_MS;
    let waited = false;
    while (
      (await this.#send(() => hasObjectsUnder(this.#client, this.#bucket, markers))) &&
      Date.now() < deadline
    ) {
      waited = true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return !waited || (await this.#head(objectKey)) !== undefined;
  }

  /** The prefix of the sweepers' markers of a blob key (see the module comment). */
  #markersOf(key: string): string {
    return `${this.#prefix}${MARKER_DIR}${key}/`;
  }

  async #head(objectKey: string): Promise<{ size: number; modifiedMs: number } | undefined> {
    try {
      const head = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: objectKey }),
      );
      return { size: head.ContentLength ?? 0, modifiedMs: head.LastModified?.getTime() ?? 0 };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw fromS3Error(error, this.#location);
    }
  }

  #listObjects(
    fullPrefix: string,
  ): AsyncIterable<{ key: string; size: number; modifiedMs: number }> {
    return mapErrors(listObjects(this.#client, this.#bucket, fullPrefix), this.#location);
  }

  /** Runs one request, with its failure turned into ours. */
  async #send<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw fromS3Error(error, this.#location);
    }
  }

  /** The object key of a blob key; keys are checked as on every store. */
  #objectKey(key: string): string {
    if (!isValidBlobKey(key)) {
      throw new ValidationError(
        'key',
        `Blob key '${key}' is not valid: use lower-case segments of [a-z0-9._-] separated by '/', with no leading '/', no empty segment and no segment starting with '.'.`,
      );
    }
    return this.#prefix + key;
  }

  #assertPrefix(prefix: string): void {
    if (!prefix.endsWith('/') || !isValidBlobKey(prefix.slice(0, -1))) {
      throw new ValidationError(
        'prefix',
        `Blob prefix '${prefix}' is not valid: it must be a valid blob key followed by '/', so that it names a whole directory of blobs.`,
      );
    }
  }
}

async function* mapErrors<T>(items: AsyncIterable<T>, location: S3Location): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (error) {
    throw fromS3Error(error, location);
  }
}

/** Undefined for an answer that the object or upload does not exist (any more). */
function ignoreMissing(error: unknown): undefined {
  if (isMissingObject(error) || (error as Error | undefined)?.name === 'NoSuchUpload') {
    return undefined;
  }
  throw error;
}

function assertRange(range: ByteRange): void {
  const isValid =
    Number.isSafeInteger(range.start) &&
    Number.isSafeInteger(range.end) &&
    range.start >= 0 &&
    range.end >= range.start;
  if (!isValid) {
    throw new ValidationError(
      'range',
      `Byte range ${range.start}-${range.end} is not valid: start and end are inclusive offsets with 0 <= start <= end.`,
    );
  }
}
