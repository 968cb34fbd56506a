/**
 * @module
 * When a counter of wrong passwords locks the admin panel's sign-in, and for how long. The
 * admin service sets the numbers; every metadata store applies this rule inside the one atomic
 * step that counts an attempt (see `SignInCounterRepository.reserve`), so that attempts sent at
 * once are judged one after another, each seeing the ones before it.
 */

export interface SignInLockPolicy {
  /** How long the first lock lasts, in milliseconds; each further wrong password doubles it. */
  readonly firstLockMs: number;
  /** The longest lock, in milliseconds. */
  readonly maxLockMs: number;
  /** A counter with no wrong password for this long starts again from zero, in milliseconds. */
  readonly forgetAfterMs: number;
}

/** What a counter holds: wrong passwords counted, and when the last was (Unix milliseconds). */
export interface SignInCounterState {
  readonly failures: number;
  readonly lastFailure: number;
}

/**
 * How much longer, in milliseconds, a counter refuses sign-ins at `nowMs`; 0 when it lets the
 * next attempt through. `freeFailures` wrong passwords are only counted; from then on, each
 * one locks for `firstLockMs`, doubled per further failure, up to `maxLockMs`.
 */
export function lockedForMs(
  state: SignInCounterState,
  freeFailures: number,
  policy: SignInLockPolicy,
  nowMs: number,
): number {
  if (state.failures < freeFailures || isForgotten(state, policy, nowMs)) return 0;
  const lockMs = Math.min(
    policy.firstLockMs * 2 ** (state.failures - freeFailures),
    policy.maxLockMs,
  );
  return Math.max(0, state.lastFailure + lockMs - nowMs);
}

/** Whether the counter has been quiet long enough to start again from zero. */
export function isForgotten(
  state: SignInCounterState,
  policy: SignInLockPolicy,
  nowMs: number,
): boolean {
  return nowMs - state.lastFailure >= policy.forgetAfterMs;
}
