/**
 * @module
 * `BlobFile` over a file descriptor: positional reads (`pread`) from the range's start to its
 * end, in the order they are asked for. Nothing is allocated per read; the reader brings the
 * buffer. Closing waits for a read still in the thread pool, so the descriptor is never closed
 * (and its number reused by another open) under a running read.
 */
import { close, read } from 'node:fs';
import { promisify } from 'node:util';
import type { BlobFile, ByteRange } from '../../ports/blob-store.js';

const readFd = promisify(read);
const closeFd = promisify(close);

export class LocalBlobFile implements BlobFile {
  readonly #fd: number;
  /** Offset of the next byte to read. */
  #position: number;
  /** Offset of the last byte of the range (inclusive), Infinity to the end of the file. */
  readonly #end: number;
  #reading: Promise<unknown> = Promise.resolve();
  #closed: Promise<void> | undefined;

  /** Takes over `fd`: `close()` closes it. */
  constructor(fd: number, range?: ByteRange) {
    this.#fd = fd;
    this.#position = range?.start ?? 0;
    this.#end = range?.end ?? Infinity;
  }

  async read(buffer: Buffer): Promise<number> {
    if (this.#closed !== undefined) throw new Error('LocalBlobFile read after close()');
    const length = Math.min(buffer.length, this.#end - this.#position + 1);
    if (length <= 0) return 0;
    const reading = readFd(this.#fd, buffer, 0, length, this.#position);
    this.#reading = reading.catch(() => undefined);
    const { bytesRead } = await reading;
    this.#position += bytesRead;
    return bytesRead;
  }

  close(): Promise<void> {
    this.#closed ??= this.#reading.then(() => closeFd(this.#fd));
    return this.#closed;
  }
}
