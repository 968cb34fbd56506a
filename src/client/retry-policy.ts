/**
 * @module
 * When to try again and how long to wait: exponential backoff with full jitter (a random wait
 * between 0 and `base * 2^attempt`, capped), so that many clients failing together do not
 * retry together; and a pacer that spreads calls out as the server's usage headers approach
 * 100 %, so that the client slows down before it is refused rather than after. Time is
 * injected (`sleep`, `random`) so that tests run without waiting.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { NO_USAGE, type Usage } from './usage-headers.js';

/** Waits `ms` milliseconds; rejects when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = async (ms, signal) => {
  if (ms > 0) await delay(ms, undefined, signal ? { signal } : undefined);
};

export interface RetryOptions {
  /** Attempts per request, the first included. */
  readonly attempts: number;
  /** Backoff base, in milliseconds: attempt n waits up to `baseMs * 2^(n-1)`. */
  readonly baseMs: number;
  /** Longest backoff wait, in milliseconds. */
  readonly maxDelayMs: number;
  /** Usage percent from which calls are spread out. */
  readonly slowDownFromPercent: number;
  /** Pause before each call at 100 % usage, in milliseconds (linear from the threshold). */
  readonly slowDownMaxMs: number;
  readonly sleep: Sleep;
  /** A number in [0, 1). */
  readonly random: () => number;
}

export const RETRY_DEFAULTS: RetryOptions = Object.freeze({
  attempts: 6,
  baseMs: 500,
  maxDelayMs: 30_000,
  slowDownFromPercent: 80,
  slowDownMaxMs: 5_000,
  sleep: realSleep,
  random: Math.random,
});

export class RetryPolicy {
  readonly #options: RetryOptions;
  #usage: Usage = NO_USAGE;

  constructor(options: Partial<RetryOptions> = {}) {
    this.#options = Object.freeze({ ...RETRY_DEFAULTS, ...options });
  }

  get attempts(): number {
    return this.#options.attempts;
  }

  /** Full-jitter backoff before retry number `failures` (1 after the first failure). */
  backoffMs(failures: number): number {
    const { baseMs, maxDelayMs, random } = this.#options;
    const ceiling = Math.min(maxDelayMs, baseMs * 2 ** Math.max(0, failures - 1));
    return Math.floor(random() * ceiling);
  }

  /**
   * The wait after a rate-limit refusal: what the server asked for (`Retry-After` seconds, or
   * the usage header's minutes to regain access), else the backoff.
   */
  rateLimitWaitMs(failures: number, retryAfterSeconds: number | undefined): number {
    if (retryAfterSeconds !== undefined && retryAfterSeconds > 0) return retryAfterSeconds * 1000;
    if (this.#usage.regainMinutes > 0) return this.#usage.regainMinutes * 60_000;
    return this.backoffMs(failures);
  }

  /** True when a rate limit's wait is the server's (`Retry-After` or minutes to regain access). */
  isWaitNamed(retryAfterSeconds: number | undefined): boolean {
    return (
      (retryAfterSeconds !== undefined && retryAfterSeconds > 0) || this.#usage.regainMinutes > 0
    );
  }

  /**
   * Forgets the usage seen, once the wait a refusal named is over: the budget is whole again,
   * and pacing the retry on the refusal's 100 % would add `slowDownMaxMs` to every such wait.
   */
  regained(): void {
    this.#usage = NO_USAGE;
  }

  /** Records the latest usage headers. */
  observe(usage: Usage): void {
    this.#usage = usage;
  }

  /** The pause before the next call: 0 below the threshold, growing linearly to the maximum. */
  paceMs(): number {
    const { slowDownFromPercent, slowDownMaxMs } = this.#options;
    const over = this.#usage.maxPercent - slowDownFromPercent;
    if (over < 0) return 0;
    const share = Math.min(1, (over + 1) / (100 - slowDownFromPercent + 1));
    return Math.round(share * slowDownMaxMs);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#options.sleep(ms, signal);
  }
}
