/**
 * @module
 * The directories of files a download run has listed, created in the background a little
 * ahead of the workers that fetch into them, one at a time through libuv's thread pool. On an
 * export of thousands of users each file has a directory of its own, and creating one took
 * about as long as the rest of the file's work on the main thread (ext4's inode allocator,
 * docs/benchmarks.md); made beforehand, it costs the main thread a `mkdir` that answers
 * EEXIST at once, and the kernel's work runs beside the downloads on another core. One at a
 * time, because `mkdir`s in one parent directory contend for its lock. A worker that gets
 * ahead still creates its directory itself (a recursive `mkdirSync`), so nothing waits for
 * this, and a failure here is left for that call to report.
 */
import { mkdir } from 'node:fs';

/** Files whose directories may be made before a worker takes them. */
export const DIRECTORIES_AHEAD = 64;

export class DirectoriesAhead {
  readonly #ahead: number;
  /** The directory of each file added, in queue order; those made are cleared. */
  readonly #directories: (string | undefined)[] = [];
  readonly #made = new Set<string>();
  #next = 0;
  #taken = 0;
  #making: Promise<void> | undefined;
  #stopped = false;

  constructor(ahead = DIRECTORIES_AHEAD) {
    this.#ahead = ahead;
  }

  /** The directory of the next file added to the queue. */
  add(directory: string): void {
    this.#directories.push(directory);
    this.#pump();
  }

  /** A worker took the next file: the window moves on by one. */
  taken(): void {
    this.#taken++;
    this.#pump();
  }

  /** Makes nothing more; resolves once a `mkdir` under way has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#making;
  }

  #pump(): void {
    if (this.#making !== undefined || this.#stopped) return;
    while (this.#next < this.#directories.length && this.#next < this.#taken + this.#ahead) {
      const directory = this.#directories[this.#next] as string;
      this.#directories[this.#next++] = undefined;
      // A file already taken has its directory made by its worker.
      if (this.#next <= this.#taken || this.#made.has(directory)) continue;
      this.#made.add(directory);
      this.#making = new Promise((resolve) => {
        mkdir(directory, { recursive: true }, () => {
          this.#making = undefined;
          resolve();
          this.#pump();
        });
      });
      return;
    }
  }
}
