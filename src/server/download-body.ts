/**
 * @module
 * The body of a download from a store that offers `BlobFile` (local disk): exactly `length`
 * bytes of the blob, or an error that makes fastify close the socket (see `wrongLength`).
 *
 * Piped into the HTTP response itself (what `reply.send` does when no hook replaced the body),
 * it reads into two buffers of its own and writes them alternately, refilling each only once
 * the response's write callback says its bytes were handed to the socket. A stream that
 * allocates a new 1 MiB buffer per read instead makes V8 answer a gigabyte of garbage with
 * about 36 full collections per GiB sent, which cost the server more CPU than reading and
 * sending the bytes (docs/benchmarks.md, "File download vs nginx", session 8). Read any other
 * way (piped into a hook's Transform, iterated), it is a plain stream of new buffers, since
 * whoever holds a chunk then is unknown. Both ways read the same chunks, and check and count
 * them alike.
 */
import { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { BlobFile } from '../ports/blob-store.js';

/** Bytes per read, as the local-disk store's streams read (`READ_CHUNK_BYTES`). */
const READ_BYTES = 1024 * 1024;

export class DownloadBody extends Readable {
  readonly #file: BlobFile;
  readonly #length: number;
  readonly #onBytes: (bytes: number) => void;
  #seen = 0;
  /** Set by the first read of either way: the two never mix. */
  #started = false;

  /**
   * Takes over `file` (closed when the body ends or is destroyed), which must be open on at
   * least `length + 1` bytes when the whole blob is read, so that a longer blob shows.
   */
  constructor(file: BlobFile, length: number, onBytes: (bytes: number) => void) {
    super({ highWaterMark: READ_BYTES });
    this.#file = file;
    this.#length = length;
    this.#onBytes = onBytes;
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    if (!(destination instanceof ServerResponse) || this.#started) {
      return super.pipe(destination, options);
    }
    this.#started = true;
    // As `Readable.pipe` does: the response ends after this body's 'end' listeners ran.
    if (options?.end !== false) this.once('end', () => destination.end());
    destination.emit('pipe', this);
    this.#copyTo(destination).then(
      (complete) => {
        if (!complete || this.destroyed) return;
        this.push(null);
        this.resume();
      },
      (error: unknown) => this.destroy(error as Error),
    );
    return destination;
  }

  override _read(): void {
    this.#started = true;
    const buffer = Buffer.allocUnsafeSlow(this.#nextReadSize());
    this.#file.read(buffer).then(
      (bytes) => {
        if (this.destroyed) return;
        const error = this.#counted(bytes);
        if (error !== undefined) this.destroy(error);
        else this.push(bytes === 0 ? null : buffer.subarray(0, bytes));
      },
      (error: unknown) => this.destroy(error as Error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#file.close().then(
      () => callback(error),
      (closeError: unknown) => callback(error ?? (closeError as Error)),
    );
  }

  /**
   * Reads and writes until the end of the blob; false when it stopped early because the body
   * was destroyed or a write failed (the response is then being torn down by fastify).
   */
  async #copyTo(destination: ServerResponse): Promise<boolean> {
    const buffers: Buffer[] = [];
    const writes: Promise<unknown>[] = [];
    for (let turn = 0; ; turn = 1 - turn) {
      // A buffer is refilled only once its previous write is done.
      if ((await writes[turn]) != null || this.destroyed) return false;
      const buffer = (buffers[turn] ??= Buffer.allocUnsafeSlow(this.#nextReadSize()));
      const bytes = await this.#file.read(buffer.subarray(0, this.#nextReadSize()));
      if (this.destroyed) return false;
      const error = this.#counted(bytes);
      if (error !== undefined) throw error;
      if (bytes === 0) return (await Promise.all(writes)).every((failed) => failed == null);
      writes[turn] = new Promise((resolve) => {
        destination.write(buffer.subarray(0, bytes), resolve);
      });
    }
  }

  /** What the next read asks for: the rest of `length`, and one byte more to see a longer blob. */
  #nextReadSize(): number {
    return Math.min(READ_BYTES, this.#length - this.#seen + 1);
  }

  /** Counts a read of `bytes` (0: the end); answers the error when the blob's length is wrong. */
  #counted(bytes: number): Error | undefined {
    if (bytes === 0)
      return this.#seen === this.#length ? undefined : wrongLength(this.#seen, this.#length);
    this.#seen += bytes;
    this.#onBytes(bytes);
    return this.#seen > this.#length ? wrongLength(this.#seen, this.#length) : undefined;
  }
}

/**
 * The error for a blob that does not have the `length` bytes its file row says. Without it a
 * shorter blob (damaged storage) would end the response early on a keep-alive connection, and
 * the client would wait for the missing bytes until a timeout; a longer one would spill bytes
 * into the connection's next response.
 */
export function wrongLength(seen: number, length: number): Error {
  const found = seen > length ? 'more than' : `only ${seen} of`;
  return new Error(
    `The blob does not match its file row: it has ${found} the ${length} bytes the row says; check the blob store for damage.`,
  );
}
