/**
 * @module
 * Scaled images kept for reuse, by source content and quality. The same picture is exported
 * again and again: a chat attachment is in the archive of every participant of the thread, a
 * shared image in every post that carries it, and media are stored once per content hash
 * anyway. Scaling costs about 20 ms an image while copying it costs next to nothing, so each
 * worker keeps recent results, up to a byte budget, oldest dropped first.
 */

/** Bytes of scaled images one worker thread keeps. */
const BUDGET_BYTES = 64 * 1024 * 1024;

export class RenditionCache {
  readonly #budget: number;
  /** In use order: Map iteration order is insertion order, so the first key is the oldest. */
  readonly #entries = new Map<string, Buffer>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;

  constructor(budgetBytes = BUDGET_BYTES) {
    this.#budget = budgetBytes;
  }

  get(key: string): Buffer | undefined {
    const found = this.#entries.get(key);
    if (found) {
      this.#entries.delete(key);
      this.#entries.set(key, found);
      this.#hits += 1;
    } else this.#misses += 1;
    return found;
  }

  set(key: string, value: Buffer): void {
    if (value.length > this.#budget) return;
    const previous = this.#entries.get(key);
    if (previous) {
      this.#entries.delete(key);
      this.#bytes -= previous.length;
    }
    this.#entries.set(key, value);
    this.#bytes += value.length;
    for (const [oldest, bytes] of this.#entries) {
      if (this.#bytes <= this.#budget) break;
      this.#entries.delete(oldest);
      this.#bytes -= bytes.length;
    }
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Lookups so far that found a rendition (`hits`) and that did not (`misses`). */
  get lookups(): { readonly hits: number; readonly misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }
}
