/**
 * @module
 * The rate limits and usage of the Graph API, for one API process: admits each call against
 * its token's and its community's budgets, charges expensive reads, limits exports created,
 * and adds the wall and CPU time spent serving each token. All counts go to the `UsageCounters`
 * store, shared by every API process of a deployment, so budgets hold across processes.
 *
 * Round trips: admitting a call is one `count` for its three keys (token, community, exports
 * created, the last read for `estimated_time_to_regain_access`), synchronous on the in-memory
 * store. Wall time rides along with the token's next count; CPU time is sampled once a second
 * (measuring it per request would cost two system calls a request) and shared out among the
 * tokens served since, in proportion to their wall time, in one count with any wall time left.
 */
import type { Principal, RateLimitedError } from '../domain/index.js';
import type { Clock } from '../ports/clock.js';
import type {
  MaybePromise,
  UsageCount,
  UsageCounters,
  UsageWindow,
} from '../ports/usage-counters.js';
import { type UsageSnapshot, UsageMeter } from './usage-meter.js';

export interface UsageLimits {
  /** Calls per window of one token (Graph code 4 above it); 0: no limit. */
  readonly tokenCalls: number;
  /** Calls per window of all tokens of one community (code 613); 0: no limit. */
  readonly communityCalls: number;
  /** Exports created per window by one community (code 613); 0: no limit. */
  readonly exportsCreated: number;
  readonly windowSeconds: number;
}

export interface UsageLedgerOptions {
  readonly counters: UsageCounters;
  readonly clock: Clock;
  readonly limits: UsageLimits;
  /** Told when time spent could not be written (the store is unreachable); nothing retries. */
  readonly onWriteError: (error: unknown) => void;
}

/** A call's standing after it was counted: the usage headers' figures, and a refusal. */
export interface UsageAdmission {
  readonly token: UsageSnapshot;
  readonly community: UsageSnapshot;
  readonly exportsCreated: UsageSnapshot;
  /** Set when a budget was already spent: the call must be refused with it. */
  readonly refusal?: RateLimitedError;
}

export class UsageLedger {
  readonly #counters: UsageCounters;
  readonly #clock: Clock;
  readonly #onWriteError: (error: unknown) => void;
  readonly #token: UsageMeter;
  readonly #community: UsageMeter;
  readonly #exports: UsageMeter;
  /**
   * Wall time of each token served since CPU time was last shared out. One record per token,
   * updated in place: two maps of numbers cost two lookups and two boxed numbers a request.
   */
  readonly #wallTimes = new Map<string, WallTime>();

  constructor(options: UsageLedgerOptions) {
    const { limits } = options;
    this.#counters = options.counters;
    this.#clock = options.clock;
    this.#onWriteError = options.onWriteError;
    const windowSeconds = limits.windowSeconds;
    this.#token = new UsageMeter({
      name: 'token',
      callsPerWindow: limits.tokenCalls,
      windowSeconds,
      scope: 'token',
    });
    this.#community = new UsageMeter({
      name: 'community',
      callsPerWindow: limits.communityCalls,
      windowSeconds,
      scope: 'endpoint',
    });
    this.#exports = new UsageMeter({
      name: 'exports',
      callsPerWindow: limits.exportsCreated,
      windowSeconds,
      scope: 'endpoint',
    });
  }

  /** Counts one call of `principal`; the answer carries a refusal when a budget is spent. */
  admit(principal: Principal): MaybePromise<UsageAdmission> {
    return this.#countCall(principal, 1, true);
  }

  /**
   * Counts `calls` more calls without refusing: the extra cost of a read that was admitted as
   * one call and turned out to weigh more. The next call pays for it.
   */
  charge(principal: Principal, calls: number): MaybePromise<UsageAdmission> {
    return this.#countCall(principal, calls, false);
  }

  /** Counts one export created by the community; throws RateLimitedError past its budget. */
  admitExport(communityId: string): MaybePromise<void> {
    const now = this.#clock.now();
    return then(this.#counters.count([this.#exports.count(communityId, 1)], now), ([created]) => {
      const refusal = this.#exports.refusal(present(created), now);
      if (refusal) throw refusal;
    });
  }

  /** Adds the wall time spent serving one call of `tokenId`. */
  addTime(tokenId: string, wallMs: number): void {
    let time = this.#wallTimes.get(tokenId);
    if (time === undefined) {
      time = { unwrittenMs: 0, isUnwritten: false, unchargedMs: 0 };
      this.#wallTimes.set(tokenId, time);
    }
    time.unwrittenMs += wallMs;
    time.isUnwritten = true;
    time.unchargedMs += wallMs;
  }

  /**
   * Shares `cpuMs` of process CPU time, spent since the last call, among the tokens served
   * since, in proportion to their wall time, and writes it with the wall time not yet written.
   */
  chargeCpu(cpuMs: number): void {
    let wall = 0;
    for (const time of this.#wallTimes.values()) wall += time.unchargedMs;
    // Every token with unwritten wall time is among those served since the last share.
    const counts: UsageCount[] = [];
    for (const [tokenId, time] of this.#wallTimes) {
      const share = wall > 0 ? (cpuMs * time.unchargedMs) / wall : 0;
      counts.push(this.#token.count(tokenId, 0, time.unwrittenMs, share));
    }
    this.#wallTimes.clear();
    if (counts.length === 0) return;
    try {
      const written = this.#counters.count(counts, this.#clock.now());
      if (written instanceof Promise) written.catch(this.#onWriteError);
    } catch (error) {
      this.#onWriteError(error);
    }
  }

  #countCall(principal: Principal, calls: number, refuses: boolean): MaybePromise<UsageAdmission> {
    const now = this.#clock.now();
    const time = this.#wallTimes.get(principal.tokenId);
    let wallMs: number | undefined;
    if (time?.isUnwritten) {
      wallMs = time.unwrittenMs;
      time.unwrittenMs = 0;
      time.isUnwritten = false;
    }
    const counted = this.#counters.count(
      [
        this.#token.count(principal.tokenId, calls, wallMs),
        this.#community.count(principal.communityId, calls),
        this.#exports.count(principal.communityId, 0),
      ],
      now,
    );
    // Not through then(): the in-memory store's answer is used without a closure.
    return counted instanceof Promise
      ? counted.then((windows) => this.#admission(windows, now, refuses))
      : this.#admission(counted, now, refuses);
  }

  #admission(windows: readonly UsageWindow[], now: number, refuses: boolean): UsageAdmission {
    const token = present(windows[0]);
    const community = present(windows[1]);
    return {
      token: this.#token.snapshot(token, now),
      community: this.#community.snapshot(community, now),
      exportsCreated: this.#exports.snapshot(present(windows[2]), now),
      refusal: refuses
        ? (this.#token.refusal(token, now) ?? this.#community.refusal(community, now))
        : undefined,
    };
  }
}

/** Wall time of one token: not yet written to the store, and not yet charged CPU time for. */
interface WallTime {
  unwrittenMs: number;
  /** Whether time was added since it was last written (it may add up to 0 ms). */
  isUnwritten: boolean;
  unchargedMs: number;
}

/** `fn` applied to a value that may be a promise, without making a promise when it is not. */
function then<T, U>(value: MaybePromise<T>, fn: (value: T) => U): MaybePromise<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

function present(window: UsageWindow | undefined): UsageWindow {
  if (window === undefined) throw new Error('the usage counters answered fewer windows than asked');
  return window;
}
