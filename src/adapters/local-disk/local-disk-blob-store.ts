/**
 * @module
 * The embedded deployment's blob store: one plain file per blob under a root directory.
 *
 * What it writes where:
 * - `<root>/<key>`: the complete bytes of the blob under `key` (for example
 *   `<root>/exports/12/34/56`), with the key's `/` segments as directories. A file appears there
 *   only by an atomic `rename`, after every byte has been written, hashed and fsynced.
 * - `<root>/.tmp/<uuid>`: a `put` in progress. It is removed when the put fails or is aborted;
 *   a process killed mid-put leaves it behind, and `init()` removes such leftovers once they
 *   are a day old. Keys can never start with `.`, so `.tmp` cannot collide with a blob.
 * Nothing else is written: no sidecar metadata, since size and SHA-256 live in the metadata
 * store's file rows.
 */
import { createHash, randomUUID } from 'node:crypto';
import { close, createReadStream, createWriteStream, fstat, open } from 'node:fs';
import { mkdir, open as openHandle, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { NotFoundError, StorageFullError, ValidationError } from '../../domain/errors.js';
import {
  isValidBlobKey,
  type BlobStore,
  type ByteRange,
  type StoredBlob,
} from '../../ports/blob-store.js';

/**
 * Bytes per read. The 64 KiB default costs a syscall and an event-loop turn per 64 KiB, which
 * caps a download near 660 MB/s here; 1 MiB chunks reach about 1570 MB/s (ARCHITECTURE.md).
 */
export const READ_CHUNK_BYTES = 1024 * 1024;

/** Temp files older than this at `init()` belong to a process that died mid-put. */
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

const openFd = promisify(open);
const closeFd = promisify(close);
const fstatFd = promisify(fstat);

export interface LocalDiskBlobStoreOptions {
  /** Directory that holds every blob; created by `init()` when missing. */
  readonly root: string;
}

export class LocalDiskBlobStore implements BlobStore {
  readonly #root: string;
  readonly #tempDir: string;

  constructor(options: LocalDiskBlobStoreOptions) {
    this.#root = path.resolve(options.root);
    this.#tempDir = path.join(this.#root, '.tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.#tempDir, { recursive: true });
    await this.#removeStaleTempFiles();
  }

  async close(): Promise<void> {
    // No connections or handles are held between calls.
  }

  async put(
    key: string,
    body: Readable | AsyncIterable<Uint8Array>,
    options?: { signal?: AbortSignal },
  ): Promise<StoredBlob> {
    const target = this.#pathOf(key);
    options?.signal?.throwIfAborted();
    const tempPath = path.join(this.#tempDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    // `flush` fsyncs before close, so the rename below never publishes unwritten bytes.
    const file = createWriteStream(tempPath, { flags: 'wx', flush: true });
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Uint8Array>) {
          for await (const chunk of source) {
            hash.update(chunk);
            size += chunk.byteLength;
            yield chunk;
          }
        },
        file,
        { signal: options?.signal },
      );
      // An abort that lands after the last byte must still leave nothing under the key.
      options?.signal?.throwIfAborted();
      await mkdir(path.dirname(target), { recursive: true });
      await rename(tempPath, target);
    } catch (error) {
      // A source that fails at once can beat the file's own open: removing it before the
      // stream has closed would run before the file exists, and leave it behind.
      if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
      await rm(tempPath, { force: true });
      throw this.#fromFsError(error);
    }
    // The rename itself is durable only once its directory entry is.
    await syncDirectory(path.dirname(target)).catch((error: unknown) => {
      throw this.#fromFsError(error);
    });
    return { size, sha256: hash.digest('hex') };
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    const found = await stat(this.#pathOf(key)).catch(ignoreMissing);
    return found?.isFile() ? { size: found.size } : undefined;
  }

  async openRead(key: string, range?: ByteRange): Promise<Readable> {
    const filePath = this.#pathOf(key);
    if (range !== undefined) assertRange(range);
    // Opening before making the stream turns a missing blob into an error of this call,
    // instead of an 'error' event after the caller has already sent response headers.
    const fd = await openFd(filePath, 'r').catch((error: unknown) => {
      throw isMissing(error) ? new NotFoundError(key) : error;
    });
    try {
      // A key that names a directory of other blobs opens fine on Linux but is not a blob.
      if (!(await fstatFd(fd)).isFile()) throw new NotFoundError(key);
      return createReadStream(filePath, {
        fd,
        highWaterMark: READ_CHUNK_BYTES,
        start: range?.start,
        end: range?.end,
      });
    } catch (error) {
      await closeFd(fd);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await unlink(this.#pathOf(key)).catch((error: unknown) => {
      if (isMissing(error) || hasCode(error, 'EISDIR')) return;
      throw error;
    });
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (!prefix.endsWith('/') || !isValidBlobKey(prefix.slice(0, -1))) {
      throw new ValidationError(
        'prefix',
        `Blob prefix '${prefix}' is not valid: it must be a valid blob key followed by '/', so that it names a whole directory of blobs.`,
      );
    }
    await rm(path.join(this.#root, prefix), { recursive: true, force: true });
  }

  /** No space (ENOSPC) or no quota (EDQUOT) left becomes StorageFullError; others pass. */
  #fromFsError(error: unknown): unknown {
    if (!hasCode(error, 'ENOSPC') && !hasCode(error, 'EDQUOT')) return error;
    return new StorageFullError('export files and media', this.#root, { cause: error });
  }

  /** The file of a key; keys are checked so that no key can point outside the root. */
  #pathOf(key: string): string {
    if (!isValidBlobKey(key)) {
      throw new ValidationError(
        'key',
        `Blob key '${key}' is not valid: use lower-case segments of [a-z0-9._-] separated by '/', with no leading '/', no empty segment and no segment starting with '.'.`,
      );
    }
    return path.join(this.#root, key);
  }

  async #removeStaleTempFiles(): Promise<void> {
    const cutoff = Date.now() - STALE_TEMP_MS;
    for (const name of await readdir(this.#tempDir)) {
      const tempPath = path.join(this.#tempDir, name);
      const found = await stat(tempPath).catch(ignoreMissing);
      if (found !== undefined && found.mtimeMs < cutoff) await rm(tempPath, { force: true });
    }
  }
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

async function syncDirectory(directory: string): Promise<void> {
  const handle = await openHandle(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function isMissing(error: unknown): boolean {
  // ENOTDIR: a parent segment of the key is itself a blob, so nothing can be under it.
  return hasCode(error, 'ENOENT') || hasCode(error, 'ENOTDIR');
}

function ignoreMissing(error: unknown): undefined {
  if (isMissing(error)) return undefined;
  throw error;
}
