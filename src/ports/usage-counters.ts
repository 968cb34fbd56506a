/**
 * @module
 * Counters behind the rate limits and usage headers: per key, the calls made and the wall and
 * CPU milliseconds spent in the key's current fixed window. A window opens at the first count
 * after the previous one ended and lasts the length that count names. All API processes of a
 * deployment share one store, so a budget holds across them; the embedded deployment's single
 * process keeps its counters in memory.
 *
 * `count` may answer synchronously: the in-memory store does, and the request path then takes
 * no promise. A shared store answers with a promise (one round trip for all keys of a call).
 */
import type { MaybePromise } from './maybe-promise.js';

/** What to add to one key's current window. */
export interface UsageCount {
  readonly key: string;
  /** Length of a window opened by this count, in milliseconds. */
  readonly windowMs: number;
  /** Calls to add; 0 reads the window without counting. */
  readonly calls: number;
  /** Wall-clock milliseconds spent serving the key. */
  readonly wallMs: number;
  /** CPU milliseconds spent serving the key (fractions allowed). */
  readonly cpuMs: number;
}

/** A key's window after a count: its totals, all processes included. */
export interface UsageWindow {
  /** When the window ends and the totals start from zero, in milliseconds since the epoch. */
  readonly endsAt: number;
  readonly calls: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

export type { MaybePromise };

export interface UsageCounters {
  init(): Promise<void>;
  close(): Promise<void>;
  /**
   * Adds each count to its key's current window (opening a window of `windowMs` from `nowMs`
   * when the key has none, or its window ended at or before `nowMs`) and answers each window's
   * totals after the addition, in the order of `counts`. Each key's addition is atomic: counts
   * made at once, by any process, each see a different total. Keys in one call are distinct.
   * Windows that have ended are forgotten, so the store holds about one row per active key.
   */
  count(counts: readonly UsageCount[], nowMs: number): MaybePromise<readonly UsageWindow[]>;
}
