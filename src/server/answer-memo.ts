/**
 * @module
 * The bytes of recent Graph answers, given again to the same read while they cannot differ.
 * A downloader polls its export's status and walks the same pages again; each time the Graph
 * layer would load the same rows, resolve the same fields and write the same JSON.
 *
 * What an answer depends on, and how each is held still:
 * - the caller and the URL (path, version prefix, every parameter): part of the key;
 * - the stored data: the metadata store's change mark (`MetadataStore.changeMark`), which moves
 *   when anything may have changed, at once for this process's writes;
 * - the time, in whole seconds of the runtime's clock: dates, expiries and signed download URLs
 *   are all Unix seconds read from it.
 * Answers are kept for one window of one change mark and one second, and every window starts
 * empty. An answer is kept only when its window was still open when it was written, so one
 * read across a change or a second's end is never kept. Reads of data the change mark does
 * not cover (the content and audit stores) say so through `GraphContext.readsBeyondMark`,
 * and are not kept. What a kept answer cost in the usage meters is kept with it, so a call
 * answered again is charged the same.
 */
import type { CounterSeries } from '../adapters/prometheus/series-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { RequestBudget } from '../graph/request-budget.js';

/** A kept answer: its JSON text, and the budget its first read spent (for the usage meters). */
export interface KeptAnswer {
  readonly body: string;
  readonly budget: RequestBudget;
}

export class AnswerMemo {
  readonly #marks: { changeMark(): number };
  readonly #clock: Clock;
  readonly #maxChars: number;
  readonly #reused: CounterSeries | undefined;
  #entries = new Map<string, KeptAnswer>();
  /** Characters of keys and bodies kept in this window. */
  #chars = 0;
  #mark = Number.NaN;
  #second = Number.NaN;
  /** Counts the windows; a read remembers the one it started in. */
  #window = 0;

  /**
   * `maxChars`: the most characters of keys and answers one window keeps (about that many
   * bytes of memory for ASCII answers); past it, the window keeps nothing more. `reused`
   * counts the answers given again.
   */
  constructor(
    marks: { changeMark(): number },
    clock: Clock,
    maxChars: number,
    reused?: CounterSeries,
  ) {
    this.#marks = marks;
    this.#clock = clock;
    this.#maxChars = maxChars;
    this.#reused = reused;
  }

  /** The answer kept for `key` in the current window, if any. */
  find(key: string): KeptAnswer | undefined {
    this.#sync();
    const kept = this.#entries.get(key);
    if (kept) this.#reused?.inc();
    return kept;
  }

  /** The current window, to hand to `keep` once the answer is written. */
  window(): number {
    this.#sync();
    return this.#window;
  }

  /** Keeps `answer` for `key` when the window `started` (from `window()`) is still open. */
  keep(key: string, started: number, answer: KeptAnswer): void {
    this.#sync();
    if (started !== this.#window) return;
    const chars = key.length + answer.body.length;
    if (this.#chars + chars > this.#maxChars || this.#entries.has(key)) return;
    this.#entries.set(key, answer);
    this.#chars += chars;
  }

  /** Starts a new, empty window when the change mark or the second has moved. */
  #sync(): void {
    const mark = this.#marks.changeMark();
    const second = Math.floor(this.#clock.now() / 1000);
    if (mark === this.#mark && second === this.#second) return;
    this.#mark = mark;
    this.#second = second;
    this.#window += 1;
    if (this.#entries.size > 0) {
      this.#entries = new Map();
      this.#chars = 0;
    }
  }
}
