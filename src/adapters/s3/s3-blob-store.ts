/**
 * @module
 * The scale-out deployment's blob store: one object per blob in an S3-compatible bucket
 * (AWS S3, or OpenStack Swift's `s3api`, which the tests run against).
 *
 * What it writes where, in bucket `bucket`, under `prefix` (for example `dyi/`):
 * - `<prefix><key>`: the complete bytes of the blob under `key` (for example
 *   `dyi/exports/12/34/56`). A `put` streams them as a multipart upload (8 MiB parts, a few in
 *   flight) while they are produced, hashing on the way; the object appears, whole, only when
 *   the upload is completed, after the last byte. A failed or aborted put aborts its upload, so
 *   the key keeps what it held before (nothing, or the previous blob). A put under 8 MiB is one
 *   PutObject. `touch` copies the object onto itself (S3 has no other way to renew its time).
 * - multipart uploads in progress under `<prefix><key>`: invisible to readers; a process killed
 *   mid-put leaves one behind, and `removeAbandonedWrites` aborts those untouched for
 *   `abandonedWriteAgeMs`.
 * - `<prefix>.cleanup/<key>/<uuid>`: an empty marker that `deleteIfUnusedSince` holds for the
 *   milliseconds it judges and deletes `key` (`s3-sweep-markers.ts`), one per sweeper so that two
 *   sweeping at once never drop each other's. Keys never start with `.`, so markers cannot
 *   collide with a blob, and `list` never shows them.
 * Nothing else: size and SHA-256 live in the metadata store's file rows.
 */
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import {
  ConfigurationError,
  NotFoundError,
  TransientError,
  ValidationError,
} from '../../domain/errors.js';
import {
  assertValidRange,
  isValidBlobKey,
  type BlobStore,
  type ByteRange,
  type ListedBlob,
  type RemovedBlobs,
  type StoredBlob,
} from '../../ports/blob-store.js';
import { hashingSource } from './hashing-source.js';
import { abortAbandonedUploads } from './s3-abandoned-uploads.js';
import { S3Bucket } from './s3-bucket.js';
import { describeLocation, fromS3Error, isMissingObject, statusOf } from './s3-errors.js';
import { deleteUnusedObject, removeStaleMarkers, survivesSweepers } from './s3-sweep-markers.js';

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
   * writer died); a live put sends a part every 8 MiB. Default: one hour.
   */
  readonly abandonedWriteAgeMs?: number;
}

/**
 * Bytes per part: S3 allows 10,000 parts, so blobs of up to 78 GiB (the AWS CLI's default);
 * each put holds PARTS_IN_FLIGHT of them in memory (32 MiB).
 */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
/** No answer to a connection attempt in this time: the store counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;
const HOUR_MS = 60 * 60 * 1000;
const MARKER_DIR = '.cleanup/';

/**
 * The AWS SDK warns on every thread, at its first request, that versions published after
 * January 2027 will need Node 22. The version locked here works on Node 20 and does not change
 * under us, so the warning tells an operator nothing; the SDK's own switch turns it off.
 */
function quietNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

export class S3BlobStore implements BlobStore {
  readonly #bucket: S3Bucket;
  readonly #prefix: string;
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
      // No timeout on idle sockets: a download paused by a slow client must not break.
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS },
      // Swift (and other S3-compatible stores) answer 501 to aws-chunked uploads with trailing
      // checksums, which the SDK would otherwise send; we hash the bytes ourselves.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    quietNodeVersionWarning();
    this.#bucket = new S3Bucket(new S3Client(config), {
      bucket: options.bucket,
      prefix: options.prefix,
      endpoint: options.endpoint ?? `AWS S3 (${options.region})`,
    });
    this.#prefix = options.prefix;
    this.#abandonedWriteAgeMs = options.abandonedWriteAgeMs ?? HOUR_MS;
  }

  /** Checks that the bucket answers to our credentials. */
  init(): Promise<void> {
    return this.probe();
  }

  /** A HEAD of the bucket: it exists and answers to our credentials. */
  async probe(): Promise<void> {
    try {
      await this.#bucket.client.send(new HeadBucketCommand({ Bucket: this.#bucket.name }));
    } catch (error) {
      const location = this.#bucket.location;
      // HEAD answers carry no error body: name the cause from the status alone.
      if (statusOf(error) === 404) {
        throw fromS3Error(Object.assign(error as Error, { name: 'NoSuchBucket' }), location);
      }
      const mapped = fromS3Error(error, location);
      if (mapped instanceof ConfigurationError || mapped instanceof TransientError) throw mapped;
      throw new ConfigurationError(
        `The bucket ${describeLocation(location)} cannot be used: ${String(error)}. Check DYI_BLOB_STORE, DYI_S3_ENDPOINT, DYI_S3_REGION and DYI_S3_FORCE_PATH_STYLE.`,
        { cause: error },
      );
    }
  }

  close(): Promise<void> {
    this.#bucket.client.destroy();
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
      client: this.#bucket.client,
      params: { Bucket: this.#bucket.name, Key: objectKey, Body: source.stream },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      // On a failed source, Upload waits for the parts in flight, then aborts the upload.
      leavePartsOnError: false,
    });
    await this.#bucket.send(() => upload.done());
    // A sweeper that judged the old object before this put completed may delete this one.
    if (!(await survivesSweepers(this.#bucket, objectKey, this.#markersOf(key)))) {
      throw new TransientError(
        `The blob '${key}' was removed by a clean-up that ran while it was being stored; store it again.`,
      );
    }
    return source.digest();
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    const head = await this.#bucket.head(this.#objectKey(key));
    return head === undefined ? undefined : { size: head.size };
  }

  async openRead(key: string, range?: ByteRange): Promise<Readable> {
    const objectKey = this.#objectKey(key);
    if (range !== undefined) assertValidRange(range);
    try {
      const answer = await this.#bucket.client.send(
        new GetObjectCommand({
          Bucket: this.#bucket.name,
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
      throw fromS3Error(error, this.#bucket.location);
    }
  }

  async delete(key: string): Promise<void> {
    await this.#bucket.delete(this.#objectKey(key));
  }

  async deletePrefix(prefix: string): Promise<void> {
    this.#assertPrefix(prefix);
    const objects = this.#bucket.list(this.#prefix + prefix);
    await this.#bucket.deleteAll(mapItems(objects, (object) => object.key));
  }

  async *list(prefix: string): AsyncIterable<ListedBlob> {
    this.#assertPrefix(prefix);
    for await (const object of this.#bucket.list(this.#prefix + prefix)) {
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
      await this.#bucket.client.send(
        new CopyObjectCommand({
          Bucket: this.#bucket.name,
          Key: objectKey,
          CopySource: `${this.#bucket.name}/${objectKey}`,
          MetadataDirective: 'REPLACE',
          Metadata: { touched: String(Date.now()) },
        }),
      );
    } catch (error) {
      if (isMissingObject(error)) return false;
      throw fromS3Error(error, this.#bucket.location);
    }
    return survivesSweepers(this.#bucket, objectKey, this.#markersOf(key));
  }

  /** Safe against a racing `touch` or `put` by the markers of `s3-sweep-markers.ts`. */
  deleteIfUnusedSince(key: string, sinceMs: number): Promise<number | undefined> {
    return deleteUnusedObject(this.#bucket, this.#objectKey(key), this.#markersOf(key), sinceMs);
  }

  /**
   * Aborts the multipart uploads with no new part for `abandonedWriteAgeMs` (their writer
   * died), and removes sweepers' markers as old.
   */
  async removeAbandonedWrites(): Promise<RemovedBlobs> {
    const cutoffMs = Date.now() - this.#abandonedWriteAgeMs;
    const removed = await abortAbandonedUploads(this.#bucket, this.#prefix, cutoffMs);
    await removeStaleMarkers(this.#bucket, this.#prefix + MARKER_DIR, cutoffMs);
    return removed;
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
      this.#bucket.client,
      new GetObjectCommand({
        Bucket: this.#bucket.name,
        Key: objectKey,
        ResponseContentDisposition:
          fileName === undefined ? undefined : `attachment; filename="${fileName}"`,
      }),
      { expiresIn: lifetimeSeconds },
    );
  }

  /** The prefix of the sweepers' markers of a blob key (see the module comment). */
  #markersOf(key: string): string {
    return `${this.#prefix}${MARKER_DIR}${key}/`;
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

async function* mapItems<T, U>(items: AsyncIterable<T>, map: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield map(item);
}
