/**
 * @module
 * The `.part` one download attempt writes into. A new part (nothing of the file here yet) is
 * created through libuv's thread pool while its request is in flight (its directory too, when
 * it is missing): on an export of thousands of small files, creating them was most of the main thread's time
 * (ext4's inode allocator, docs/benchmarks.md), and the kernel's work now runs beside the
 * downloads on another core. Chunks that arrive before the part is open are held and written
 * in order once it is; past `HOLD_BYTES` the writer is told to wait, so a slow open never
 * holds a whole large file in memory. A part that is continued (a resumed download) is opened
 * at once, synchronously: it exists already, so opening it allocates nothing. Writes to an
 * open part are synchronous, one received chunk each, as in `file-download.ts`.
 */
import { closeSync, mkdir, open, openSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Bytes held in memory, at most, while a part is still being created. */
export const HOLD_BYTES = 1024 * 1024;

export class PartFile {
  readonly #opened: Promise<void>;
  #fd: number | undefined;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #failure: Error | undefined;

  private constructor(opening: Promise<number> | number) {
    if (typeof opening === 'number') {
      this.#fd = opening;
      this.#opened = Promise.resolve();
      return;
    }
    this.#opened = opening.then(
      (fd) => this.#take(fd),
      (error: Error) => {
        this.#fail(error);
        throw error;
      },
    );
    // A failure is thrown by `write` or `flush`, or deliberately ignored by `close`.
    this.#opened.catch(() => undefined);
  }

  /**
   * A new, empty part at `partPath`, through the thread pool. Its directory is usually there
   * already (`DirectoriesAhead`), so it is made only when the first open says it is missing.
   */
  static create(partPath: string): PartFile {
    return new PartFile(
      new Promise<number>((resolve, reject) => {
        const openPart = (retry: boolean): void =>
          open(partPath, 'w', (openError, fd) => {
            if (openError?.code === 'ENOENT' && retry) {
              mkdir(path.dirname(partPath), { recursive: true }, (mkdirError) =>
                mkdirError ? reject(mkdirError) : openPart(false),
              );
            } else if (openError) reject(openError);
            else resolve(fd);
          });
        openPart(true);
      }),
    );
  }

  /** The part at `partPath`, opened now: appended to, or emptied first when `restart`. */
  static openNow(partPath: string, restart: boolean): PartFile {
    return new PartFile(openSync(partPath, restart ? 'w' : 'a'));
  }

  /**
   * Writes `chunk` after every chunk before it; throws why the part could not be opened or
   * written. Returns a promise when the caller should wait for it before giving more (the part
   * is not open yet and `HOLD_BYTES` are held); it rejects when the part cannot be opened.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#fd !== undefined) {
      writeWhole(this.#fd, chunk);
      return undefined;
    }
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    return this.#heldBytes >= HOLD_BYTES ? this.#opened : undefined;
  }

  /** Resolves once every chunk given is in the file; rejects with why one could not be. */
  flush(): Promise<void> {
    // Opening ends by writing the held chunks; it rejects when either failed.
    return this.#opened;
  }

  /**
   * Closes the part once its opening has ended, whatever came of it, with every chunk given
   * written when it could be (a failed attempt keeps what it received, to resume from);
   * never throws.
   */
  async close(): Promise<void> {
    await this.#opened.catch(() => undefined);
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #take(fd: number): void {
    this.#fd = fd;
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    try {
      for (const chunk of held) writeWhole(fd, chunk);
    } catch (error) {
      this.#fail(error as Error);
      throw error;
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#held = [];
    this.#heldBytes = 0;
  }
}

function writeWhole(fd: number, chunk: Buffer): void {
  for (let written = 0; written < chunk.length;) {
    written += writeSync(fd, chunk, written, chunk.length - written);
  }
}
