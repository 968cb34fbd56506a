/**
 * @module
 * One budget of Graph's rate limits (a token's calls, a community's, a community's exports
 * created), judged on a window's totals from the `UsageCounters` store. `X-App-Usage` reports
 * integer percents of the window's budgets: calls against the configured limit, and wall and
 * CPU time spent serving the key as a share of the window's length. The counting itself, and
 * its sharing between processes, is the store's.
 */
import { RateLimitedError } from '../domain/index.js';
import type { UsageCount, UsageWindow } from '../ports/usage-counters.js';

export interface UsageSnapshot {
  /** Percent of the call budget used in this window. */
  readonly callCount: number;
  /** Percent of the window spent on the CPU for this key. */
  readonly totalCputime: number;
  /** Percent of the window spent serving this key (wall time). */
  readonly totalTime: number;
  /** Seconds until the window ends and the budget is whole again. */
  readonly secondsToReset: number;
}

export interface UsageMeterOptions {
  /** Names this budget's keys in the shared counters (`<name>:<id>`). */
  readonly name: string;
  /** Calls allowed per window; 0 turns the limit off (usage is still reported). */
  readonly callsPerWindow: number;
  readonly windowSeconds: number;
  /** Which Graph code the limit answers: 4 (per token) or 613 (per endpoint). */
  readonly scope: 'token' | 'endpoint';
}

/** An id's key, and its two counts without time (counts are read, never changed, by stores). */
interface KeptCounts {
  readonly key: string;
  readonly oneCall: UsageCount;
  readonly noCall: UsageCount;
}

/** Ids whose keys are kept made; past it they are made again. */
const KEYS_KEPT = 10_000;

export class UsageMeter {
  readonly #options: UsageMeterOptions;
  readonly #windowMs: number;
  readonly #keys = new Map<string, KeptCounts>();

  constructor(options: UsageMeterOptions) {
    this.#options = Object.freeze({ ...options });
    this.#windowMs = options.windowSeconds * 1000;
  }

  /** What to add to `id`'s window: `calls` calls and the time spent serving it. */
  count(id: string, calls: number, wallMs = 0, cpuMs = 0): UsageCount {
    // Keys made once per id: a string built per call costs its hashing in the store's Map on
    // every call, which was most of an in-memory admission's time.
    let kept = this.#keys.get(id);
    if (kept === undefined) {
      if (this.#keys.size >= KEYS_KEPT) this.#keys.clear();
      const key = `${this.#options.name}:${id}`;
      kept = {
        key,
        oneCall: Object.freeze({ key, windowMs: this.#windowMs, calls: 1, wallMs: 0, cpuMs: 0 }),
        noCall: Object.freeze({ key, windowMs: this.#windowMs, calls: 0, wallMs: 0, cpuMs: 0 }),
      };
      this.#keys.set(id, kept);
    }
    // A call with no time, or a read of the window, is the same count every time: one object.
    if (wallMs === 0 && cpuMs === 0) {
      if (calls === 1) return kept.oneCall;
      if (calls === 0) return kept.noCall;
    }
    return { key: kept.key, windowMs: this.#windowMs, calls, wallMs, cpuMs };
  }

  /**
   * The refusal of a call already counted into `window`, when it went past the budget. Every
   * call is counted, refused or not: a call is admitted exactly when the total before it was
   * under the budget, which the total after it tells as well, in the same round trip.
   */
  refusal(window: UsageWindow, nowMs: number): RateLimitedError | undefined {
    const { callsPerWindow, windowSeconds, scope } = this.#options;
    if (callsPerWindow <= 0 || window.calls <= callsPerWindow) return undefined;
    const wait = secondsToReset(window, nowMs);
    return new RateLimitedError(
      scope === 'token'
        ? `Application request limit reached: ${callsPerWindow} calls per ${windowSeconds} s for this access token; retry in ${wait} s.`
        : `Calls to this endpoint have exceeded the rate limit of ${callsPerWindow} per ${windowSeconds} s; retry in ${wait} s.`,
      scope,
      wait,
    );
  }

  snapshot(window: UsageWindow, nowMs: number): UsageSnapshot {
    return {
      callCount: percent(window.calls, this.#options.callsPerWindow),
      totalCputime: percent(window.cpuMs, this.#windowMs),
      totalTime: percent(window.wallMs, this.#windowMs),
      secondsToReset: secondsToReset(window, nowMs),
    };
  }
}

/** Integer percent of `budget` used, at most 100; 0 when there is no budget. */
function percent(used: number, budget: number): number {
  return budget > 0 ? Math.min(100, Math.floor((used / budget) * 100)) : 0;
}

function secondsToReset(window: UsageWindow, nowMs: number): number {
  return Math.max(1, Math.ceil((window.endsAt - nowMs) / 1000));
}
