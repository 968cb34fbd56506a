/**
 * @module
 * Where the bytes of DYI files live. Keys are made by the server (`blobKeyForFile`), never
 * from user input. A stored blob is complete: `put` resolves only when every byte is durable
 * and hashed, and a failed or aborted `put` leaves nothing under the key. Clean-up (of media no
 * record names, of writes a killed process left) goes through `list`, `touch`,
 * `deleteIfUnusedSince` and `removeAbandonedWrites`, safe while other processes write.
 */
import type { Readable } from 'node:stream';
import { type Id, ValidationError } from '../domain/index.js';

export interface StoredBlob {
  readonly size: number;
  /** Lower-case hex SHA-256 of the stored bytes. */
  readonly sha256: string;
}

/** A blob as `list` finds it. */
export interface ListedBlob {
  readonly key: string;
  readonly size: number;
  /** When it was last put or touched, in milliseconds since the Unix epoch. */
  readonly modifiedMs: number;
}

/** What a clean-up removed. */
export interface RemovedBlobs {
  readonly count: number;
  readonly bytes: number;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * A blob (or one range of it) open for reading into buffers the reader owns: what a copy loop
 * needs to send a large blob through two reused buffers instead of a new one per read, whose
 * garbage collection cost more than the copying itself (docs/benchmarks.md).
 */
export interface BlobFile {
  /** Reads the next bytes into `buffer` (at most its length); 0 at the end of the range. */
  read(buffer: Buffer): Promise<number>;
  /** Closes the blob; a read still running finishes first. Safe to call twice. */
  close(): Promise<void>;
}

export interface BlobStore {
  init(): Promise<void>;
  close(): Promise<void>;
  /**
   * Checks that the store answers now (readiness, `/readyz`): the local disk store that its
   * root is a directory it may write in, the S3 store that the bucket answers a HEAD. Throws
   * an error saying what is wrong.
   */
  probe(): Promise<void>;
  put(
    key: string,
    body: Readable | AsyncIterable<Uint8Array>,
    options?: { signal?: AbortSignal },
  ): Promise<StoredBlob>;
  /** Size of the blob, or undefined when there is none under the key. */
  stat(key: string): Promise<{ size: number } | undefined>;
  /** A stream of the blob's bytes (or one range of them). */
  openRead(key: string, range?: ByteRange): Promise<Readable>;
  /**
   * The same bytes as `openRead`, as a `BlobFile`. Only stores whose blobs are local files
   * offer it (a capability: absent elsewhere); errors as `openRead`'s.
   */
  openFile?(key: string, range?: ByteRange): Promise<BlobFile>;
  /** Removes one blob; removing a missing blob is not an error. */
  delete(key: string): Promise<void>;
  /** Removes every blob whose key starts with `prefix` (which must end with `/`). */
  deletePrefix(prefix: string): Promise<void>;
  /** Every blob whose key starts with `prefix` (which must end with `/`), in no set order. */
  list(prefix: string): AsyncIterable<ListedBlob>;
  /** Marks a blob as in use now (its `modifiedMs`); false when there is none under the key. */
  touch(key: string): Promise<boolean>;
  /**
   * Removes a blob unless it was put or touched at `sinceMs` or later, and answers the bytes
   * removed (undefined when it kept the blob or found none). A `touch` or `put` racing with it
   * either keeps the blob or finds it gone (and puts it again); it is never lost after one.
   */
  deleteIfUnusedSince(key: string, sinceMs: number): Promise<number | undefined>;
  /**
   * Removes what writers that died in the middle of a `put` left behind, never the data of a
   * `put` still running in any process; answers what it removed.
   */
  removeAbandonedWrites(): Promise<RemovedBlobs>;
}

const KEY_PATTERN = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

/** True for keys the stores accept: lower-case segments, no `..`, no leading slash. */
export function isValidBlobKey(key: string): boolean {
  return KEY_PATTERN.test(key) && !key.split('/').some((segment) => segment.startsWith('.'));
}

/** The one place file keys are made: from ids the server allocated, never from user input. */
export function blobKeyForFile(exportId: Id, jobId: Id, fileId: Id): string {
  return `exports/${exportId}/${jobId}/${fileId}`;
}

export function blobPrefixForExport(exportId: Id): string {
  return `exports/${exportId}/`;
}

/** Every blob of one job's files (`blobKeyForFile` keys start with it). */
export function blobPrefixForJob(exportId: Id, jobId: Id): string {
  return `exports/${exportId}/${jobId}/`;
}

/** Media bytes are kept once per community and content hash (a hex SHA-256 we computed). */
export function blobKeyForMedia(communityId: Id, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
  return `media/${communityId}/${sha256}`;
}

/** Throws ValidationError unless `range` is inclusive offsets with 0 <= start <= end. */
export function assertValidRange(range: ByteRange): void {
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
