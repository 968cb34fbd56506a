/**
 * @module
 * The blob half of `dyi copy`: every blob of one store (`exports/` and `media/`) put into
 * another under the same key, each verified by SHA-256: the hash of the bytes read from the
 * source must equal the one the target computed of what it stored. A blob the target already
 * has with the same size (a re-run after an interruption) is read back from both stores and
 * kept only when the two hashes agree; otherwise it is put again. A few blobs travel at once:
 * an object store's round trips, not the disk, set the pace.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore, ListedBlob } from '../ports/blob-store.js';

/** Every blob lives under one of these (see `blobKeyForFile`, `blobKeyForMedia`). */
export const BLOB_PREFIXES = ['exports/', 'media/'] as const;

/** Blobs in flight at once. */
const CONCURRENCY = 4;

export interface BlobCopyProgress {
  readonly done: number;
  readonly total: number;
  readonly bytes: number;
}

export interface BlobCopyResult {
  readonly blobs: number;
  readonly bytes: number;
  /** Put into the target by this run. */
  readonly copied: number;
  readonly copiedBytes: number;
  /** Found in the target already, with the same SHA-256. */
  readonly present: number;
  /** Key → SHA-256 of every blob, as verified in the target. */
  readonly hashes: ReadonlyMap<string, string>;
}

/** Every blob of `store`, sorted by key. */
export async function listBlobs(store: BlobStore): Promise<ListedBlob[]> {
  const blobs: ListedBlob[] = [];
  for (const prefix of BLOB_PREFIXES) {
    for await (const blob of store.list(prefix)) blobs.push(blob);
  }
  return blobs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function copyBlobs(
  from: BlobStore,
  to: BlobStore,
  onProgress: (progress: BlobCopyProgress) => void = () => undefined,
): Promise<BlobCopyResult> {
  const blobs = await listBlobs(from);
  const hashes = new Map<string, string>();
  let next = 0;
  let done = 0;
  let doneBytes = 0;
  let copied = 0;
  let copiedBytes = 0;
  onProgress({ done, total: blobs.length, bytes: 0 });
  let failed = false;
  const work = async (): Promise<void> => {
    for (let blob = blobs[next++]; blob !== undefined && !failed; blob = blobs[next++]) {
      const outcome = await copyBlob(from, to, blob).catch((error: unknown) => {
        failed = true;
        throw error;
      });
      hashes.set(blob.key, outcome.sha256);
      if (outcome.copied) {
        copied += 1;
        copiedBytes += blob.size;
      }
      done += 1;
      doneBytes += blob.size;
      onProgress({ done, total: blobs.length, bytes: doneBytes });
    }
  };
  // Every worker ends before this returns or throws: the caller closes the stores next.
  const ends = await Promise.allSettled(Array.from({ length: CONCURRENCY }, work));
  const failure = ends.find((end) => end.status === 'rejected');
  if (failure) throw failure.reason;
  const bytes = blobs.reduce((sum, blob) => sum + blob.size, 0);
  return {
    blobs: blobs.length,
    bytes,
    copied,
    copiedBytes,
    present: blobs.length - copied,
    hashes,
  };
}

async function copyBlob(
  from: BlobStore,
  to: BlobStore,
  blob: ListedBlob,
): Promise<{ sha256: string; copied: boolean }> {
  const there = await to.stat(blob.key);
  if (there?.size === blob.size) {
    const [source, target] = await Promise.all([hashOf(from, blob.key), hashOf(to, blob.key)]);
    if (source === target) return { sha256: target, copied: false };
  }
  const hash = createHash('sha256');
  const stored = await to.put(blob.key, hashing(await from.openRead(blob.key), hash));
  const read = hash.digest('hex');
  if (stored.sha256 !== read || stored.size !== blob.size) {
    throw new Error(
      `Blob ${blob.key} changed on its way: read ${blob.size} bytes with SHA-256 ${read}, the target stored ${stored.size} bytes with SHA-256 ${stored.sha256}. Run dyi copy again.`,
    );
  }
  return { sha256: stored.sha256, copied: true };
}

async function* hashing(stream: Readable, hash: ReturnType<typeof createHash>) {
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    yield chunk;
  }
}

/** SHA-256 of a stored blob's bytes, read back. */
export async function hashOf(store: BlobStore, key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of (await store.openRead(key)) as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
  }
  return hash.digest('hex');
}
