/**
 * @module
 * Usage counters in this process's memory: the embedded deployment's, where one process serves
 * the API. A Map from key to its window; `count` answers synchronously, so admitting a call
 * costs a few map lookups and no promise. Ended windows are swept once the map holds many keys.
 */
import type { UsageCount, UsageCounters, UsageWindow } from '../../ports/usage-counters.js';

interface Window {
  endsAt: number;
  calls: number;
  wallMs: number;
  cpuMs: number;
}

/** Keys kept before ended windows are swept. */
const SWEEP_THRESHOLD = 10_000;

export class MemoryUsageCounters implements UsageCounters {
  readonly #windows = new Map<string, Window>();

  init(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#windows.clear();
    return Promise.resolve();
  }

  count(counts: readonly UsageCount[], nowMs: number): readonly UsageWindow[] {
    // A loop and object literals, not map() and spreads: this runs for every API call. The
    // answers' array is made at its length (push() would start a backing store of 17 slots).
    const answers = new Array<UsageWindow>(counts.length);
    for (let i = 0; i < counts.length; i++) {
      const count = counts[i] as UsageCount;
      const window = this.#window(count, nowMs);
      window.calls += count.calls;
      window.wallMs += count.wallMs;
      window.cpuMs += count.cpuMs;
      // A copy: the caller must not see later counts change an answer it holds.
      const { endsAt, calls, wallMs, cpuMs } = window;
      answers[i] = { endsAt, calls, wallMs, cpuMs };
    }
    return answers;
  }

  #window(count: UsageCount, nowMs: number): Window {
    let window = this.#windows.get(count.key);
    if (window === undefined || window.endsAt <= nowMs) {
      if (this.#windows.size >= SWEEP_THRESHOLD) this.#sweep(nowMs);
      window = { endsAt: nowMs + count.windowMs, calls: 0, wallMs: 0, cpuMs: 0 };
      this.#windows.set(count.key, window);
    }
    return window;
  }

  #sweep(nowMs: number): void {
    for (const [key, window] of this.#windows) {
      if (window.endsAt <= nowMs) this.#windows.delete(key);
    }
  }
}
