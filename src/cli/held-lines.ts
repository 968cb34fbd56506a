/**
 * @module
 * Lines for stdout, written together once per turn of the event loop instead of one write
 * each: `dyi download` on an export of thousands of small files prints thousands of lines, and
 * each write was a system call of its own and a wake-up of whatever reads the pipe, on the
 * cores the download shares (docs/benchmarks.md). The text and its order are the same.
 */

/** Where the lines go: `process.stdout`, or anything with its `write`. */
export interface LineTarget {
  write(text: string): unknown;
}

export class HeldLines {
  readonly #target: LineTarget;
  #held = '';
  #flushing: NodeJS.Immediate | undefined;

  constructor(target: LineTarget = process.stdout) {
    this.#target = target;
  }

  /** Holds `text` until the end of this turn of the event loop (or the next `flush()`). */
  write(text: string): void {
    this.#held += text;
    this.#flushing ??= setImmediate(() => this.flush());
  }

  /** Writes what is held now: before other output that must come after it, and at the end. */
  flush(): void {
    clearImmediate(this.#flushing);
    this.#flushing = undefined;
    if (this.#held === '') return;
    const text = this.#held;
    this.#held = '';
    this.#target.write(text);
  }
}
