/**
 * @module
 * The embedded deployment's blob store: one plain file per blob under a root directory.
 *
 * What it writes where:
 * - `<root>/<key>`: the complete bytes of the blob under `key` (for example
 *   `<root>/exports/12/34/56`), with the key's `/` segments as directories. A file appears there
 *   only by an atomic `rename`, after every byte has been written, hashed and fsynced.
 * - `<root>/.tmp/<scope>-<pid>-<uuid>`: a `put` in progress, a blob `deleteIfUnusedSince`
 *   is about to remove, or a directory `deletePrefix` is removing. It is removed when the put fails or is aborted; a process killed
 *   mid-put leaves it behind, and `removeAbandonedWrites` removes it once its writer is gone
 *   (`temp-file-owners.ts`). Keys can never start with `.`, so `.tmp` cannot collide with a blob.
 * Nothing else is written: no sidecar metadata, since size and SHA-256 live in the metadata
 * store's file rows.
 */
import { createHash } from 'node:crypto';
import { close, constants, createReadStream, createWriteStream, fstat, open } from 'node:fs';
import {
  access,
  link,
  lstat,
  mkdir,
  open as openHandle,
  opendir,
  readdir,
  rename,
  rm,
  stat,
  unlink,
  utimes,
} from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { NotFoundError, StorageFullError, ValidationError } from '../../domain/errors.js';
import {
  assertValidRange,
  isValidBlobKey,
  type BlobFile,
  type BlobStore,
  type ByteRange,
  type ListedBlob,
  type RemovedBlobs,
  type StoredBlob,
} from '../../ports/blob-store.js';
import { LocalBlobFile } from './local-blob-file.js';
import { TempFileOwners } from './temp-file-owners.js';

/**
 * Bytes per read. The 64 KiB default costs a syscall and an event-loop turn per 64 KiB, which
 * caps a download near 660 MB/s here; 1 MiB chunks reach about 1570 MB/s (ARCHITECTURE.md).
 */
export const READ_CHUNK_BYTES = 1024 * 1024;

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
  #owners: TempFileOwners | undefined;

  constructor(options: LocalDiskBlobStoreOptions) {
    this.#root = path.resolve(options.root);
    this.#tempDir = path.join(this.#root, '.tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.#tempDir, { recursive: true });
    this.#owners = await TempFileOwners.forThisProcess();
  }

  /** The root is still a directory this process may write in (a lost mount is not). */
  async probe(): Promise<void> {
    await access(this.#tempDir, constants.W_OK);
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
    const tempPath = this.#newTempPath();
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
    const fd = await this.#openBlob(key, range);
    return createReadStream(this.#pathOf(key), {
      fd,
      highWaterMark: READ_CHUNK_BYTES,
      start: range?.start,
      end: range?.end,
    });
  }

  async openFile(key: string, range?: ByteRange): Promise<BlobFile> {
    return new LocalBlobFile(await this.#openBlob(key, range), range);
  }

  /**
   * The blob's file, opened for reading. Opening before any stream exists turns a missing blob
   * into an error of this call, instead of an 'error' event after the caller has already sent
   * response headers.
   */
  async #openBlob(key: string, range: ByteRange | undefined): Promise<number> {
    const filePath = this.#pathOf(key);
    if (range !== undefined) assertValidRange(range);
    const fd = await openFd(filePath, 'r').catch((error: unknown) => {
      throw isMissing(error) ? new NotFoundError(key) : error;
    });
    try {
      // A key that names a directory of other blobs opens fine on Linux but is not a blob.
      if (!(await fstatFd(fd)).isFile()) throw new NotFoundError(key);
      return fd;
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
    this.#assertPrefix(prefix);
    // Moved aside in one rename, then removed: a put that lands under the prefix meanwhile makes
    // a new directory (and stays, as a put after the delete would on S3) instead of making the
    // removal fail with ENOTEMPTY. A process killed in between leaves it for
    // removeAbandonedWrites.
    const aside = this.#newTempPath();
    try {
      await rename(path.join(this.#root, prefix.slice(0, -1)), aside);
    } catch (error) {
      if (hasCode(error, 'ENOENT')) return;
      throw this.#fromFsError(error);
    }
    await rm(aside, { recursive: true, force: true });
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

  async *list(prefix: string): AsyncIterable<ListedBlob> {
    this.#assertPrefix(prefix);
    yield* listFiles(path.join(this.#root, prefix), prefix.slice(0, -1));
  }

  async touch(key: string): Promise<boolean> {
    const filePath = this.#pathOf(key);
    const found = await stat(filePath).catch(ignoreMissing);
    if (!found?.isFile()) return false;
    const now = new Date();
    return utimes(filePath, now, now).then(
      () => true,
      (error: unknown) => ignoreMissing(error) ?? false,
    );
  }

  async deleteIfUnusedSince(key: string, sinceMs: number): Promise<number | undefined> {
    const filePath = this.#pathOf(key);
    if (!(await lstat(filePath).catch(ignoreMissing))?.isFile()) return undefined;
    // Moved aside first, then judged: a touch before the move shows in the moved file's time
    // and puts it back; a touch after it finds no blob, and its writer puts the bytes again.
    const aside = this.#newTempPath();
    try {
      await rename(filePath, aside);
    } catch (error) {
      return ignoreMissing(error);
    }
    const moved = await stat(aside);
    if (moved.mtimeMs < sinceMs) {
      await unlink(aside);
      return moved.size;
    }
    // A put under the key since the move holds the newer bytes: keep those.
    await mkdir(path.dirname(filePath), { recursive: true });
    await link(aside, filePath).catch((error: unknown) => {
      if (!hasCode(error, 'EEXIST')) throw error;
    });
    await unlink(aside);
    return undefined;
  }

  async removeAbandonedWrites(): Promise<RemovedBlobs> {
    const owners = this.#ownersOrThrow();
    const now = Date.now();
    let count = 0;
    let bytes = 0;
    for (const name of await readdir(this.#tempDir)) {
      const tempPath = path.join(this.#tempDir, name);
      const found = await stat(tempPath).catch(ignoreMissing);
      if (found === undefined || !owners.isAbandoned(name, found.mtimeMs, now)) continue;
      await rm(tempPath, { force: true, recursive: true });
      count += 1;
      bytes += found.size;
    }
    return { count, bytes };
  }

  #newTempPath(): string {
    return path.join(this.#tempDir, this.#ownersOrThrow().newName());
  }

  #ownersOrThrow(): TempFileOwners {
    if (this.#owners === undefined) throw new Error('LocalDiskBlobStore used before init()');
    return this.#owners;
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

/** The files under `directory` (whose key is `keyPrefix`), walked one directory at a time. */
async function* listFiles(directory: string, keyPrefix: string): AsyncGenerator<ListedBlob> {
  const entries = await opendir(directory).catch(ignoreMissing);
  if (entries === undefined) return;
  for await (const entry of entries) {
    const key = `${keyPrefix}/${entry.name}`;
    const entryPath = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      yield* listFiles(entryPath, key);
    } else if (entry.isFile() && isValidBlobKey(key)) {
      const found = await stat(entryPath).catch(ignoreMissing);
      if (found !== undefined) yield { key, size: found.size, modifiedMs: found.mtimeMs };
    }
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
