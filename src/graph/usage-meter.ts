/**
 * @module
 * Per-key call accounting in fixed windows, for Graph's rate-limit headers and errors.
 * `X-App-Usage` reports integer percents of the window's budgets: calls against the configured
 * limit, and wall and CPU time spent serving the key as a share of the window's length.
 */
import { RateLimitedError } from '../domain/index.js';
import type { Clock } from '../ports/clock.js';

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
  /** Calls allowed per window; 0 turns the limit off (usage is still reported). */
  readonly callsPerWindow: number;
  readonly windowSeconds: number;
  readonly clock: Clock;
  /** Which Graph code the limit answers: 4 (per token) or 613 (per endpoint). */
  readonly scope: 'token' | 'endpoint';
}

interface Window {
  start: number;
  calls: number;
  wallMs: number;
  cpuMs: number;
  /** Wall time not yet matched with CPU time by `chargeCpu`. */
  unchargedWallMs: number;
}

/** Keys kept before stale windows are swept. */
const SWEEP_THRESHOLD = 10_000;

export class UsageMeter {
  readonly #options: UsageMeterOptions;
  readonly #windows = new Map<string, Window>();

  constructor(options: UsageMeterOptions) {
    this.#options = Object.freeze({ ...options });
  }

  /** Counts one call for `key`; throws RateLimitedError when the window's budget is spent. */
  admit(key: string): UsageSnapshot {
    const window = this.#window(key);
    const { callsPerWindow } = this.#options;
    if (callsPerWindow > 0 && window.calls >= callsPerWindow) {
      const wait = this.#secondsToReset(window);
      throw new RateLimitedError(
        this.#options.scope === 'token'
          ? `Application request limit reached: ${callsPerWindow} calls per ${this.#options.windowSeconds} s for this access token; retry in ${wait} s.`
          : `Calls to this endpoint have exceeded the rate limit of ${callsPerWindow} per ${this.#options.windowSeconds} s; retry in ${wait} s.`,
        this.#options.scope,
        wait,
      );
    }
    window.calls += 1;
    return this.#snapshot(window);
  }

  /**
   * Counts `calls` more calls for `key` without refusing: the extra cost of a request that
   * was admitted as one call and turned out to weigh more. The next call pays for it.
   */
  charge(key: string, calls: number): UsageSnapshot {
    const window = this.#window(key);
    window.calls += calls;
    return this.#snapshot(window);
  }

  /** Adds the wall time spent serving one call of `key`. */
  addTime(key: string, wallMs: number): void {
    const window = this.#window(key);
    window.wallMs += wallMs;
    window.unchargedWallMs += wallMs;
  }

  /**
   * Shares CPU time the process spent since the last call among the keys, in proportion to
   * the wall time each was served since then. Measuring CPU per request would cost two
   * system calls a request; sampling it once a second costs nothing that shows.
   */
  chargeCpu(cpuMs: number): void {
    let wall = 0;
    for (const window of this.#windows.values()) wall += window.unchargedWallMs;
    if (wall <= 0) return;
    for (const window of this.#windows.values()) {
      window.cpuMs += (cpuMs * window.unchargedWallMs) / wall;
      window.unchargedWallMs = 0;
    }
  }

  snapshot(key: string): UsageSnapshot {
    return this.#snapshot(this.#window(key));
  }

  #window(key: string): Window {
    const now = this.#options.clock.now();
    const length = this.#options.windowSeconds * 1000;
    let window = this.#windows.get(key);
    if (window === undefined || now - window.start >= length) {
      if (this.#windows.size >= SWEEP_THRESHOLD) this.#sweep(now, length);
      window = { start: now, calls: 0, wallMs: 0, cpuMs: 0, unchargedWallMs: 0 };
      this.#windows.set(key, window);
    }
    return window;
  }

  #sweep(now: number, length: number): void {
    for (const [key, window] of this.#windows) {
      if (now - window.start >= length) this.#windows.delete(key);
    }
  }

  #secondsToReset(window: Window): number {
    const end = window.start + this.#options.windowSeconds * 1000;
    return Math.max(1, Math.ceil((end - this.#options.clock.now()) / 1000));
  }

  #snapshot(window: Window): UsageSnapshot {
    const { callsPerWindow, windowSeconds } = this.#options;
    const windowMs = windowSeconds * 1000;
    const percent = (used: number, budget: number): number =>
      budget > 0 ? Math.min(100, Math.floor((used / budget) * 100)) : 0;
    return {
      callCount: percent(window.calls, callsPerWindow),
      totalCputime: percent(window.cpuMs, windowMs),
      totalTime: percent(window.wallMs, windowMs),
      secondsToReset: this.#secondsToReset(window),
    };
  }
}
