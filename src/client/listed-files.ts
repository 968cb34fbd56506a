/**
 * @module
 * The files a download run has listed so far, handed out in listing order to the workers
 * that fetch them while the listing goes on. A worker that finds the queue empty waits for the
 * next file or for the listing's end; `stop()` (the listing failed) hands out nothing more.
 */
import type { ExportFile } from './export-files.js';

export interface ListedFile {
  readonly file: ExportFile;
  /** Relative to the output directory, `/`-separated. */
  readonly relative: string;
}

export class ListedFiles {
  /** Handed-out entries are cleared: the queue keeps only what is still to do. */
  readonly #files: (ListedFile | undefined)[] = [];
  #next = 0;
  #ended = false;
  #waiting: (() => void)[] = [];

  /** Files added so far. */
  get count(): number {
    return this.#files.length;
  }

  add(listed: ListedFile): void {
    this.#files.push(listed);
    this.#wake();
  }

  /** No file will be added: workers finish what is queued, then stop. */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  /** Nothing more is handed out, queued files included. */
  stop(): void {
    this.#next = this.#files.length;
    this.end();
  }

  /** The next file, or undefined once the queue has ended and is empty. */
  async take(): Promise<ListedFile | undefined> {
    while (this.#next >= this.#files.length) {
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    const listed = this.#files[this.#next];
    this.#files[this.#next++] = undefined;
    return listed;
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }
}
