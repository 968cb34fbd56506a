/**
 * @module
 * The retry loop every request runs in: which failures are worth another attempt, how long to
 * wait before it, and what to throw once the attempts are spent. Rate-limit refusals wait what
 * the server asks for (and the retry is then not paced on the refusal's usage: the wait was
 * for the budget to be whole again); other retryable failures back off with full jitter.
 */
import { DyiError } from '../domain/errors.js';
import { describeCause, GraphRequestError, RequestFailedError } from './graph-request-error.js';
import type { RetryNotice } from './graph-types.js';
import type { RetryPolicy } from './retry-policy.js';

/**
 * Milliseconds to wait before retrying after `error` (the `failures`-th in a row), or
 * undefined when retrying cannot help (a refused token, an unknown id, a cancelled run).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  error: unknown,
  failures: number,
): number | undefined {
  if (error instanceof GraphRequestError) {
    if (!error.isRetryable) return undefined;
    return error.isRateLimit
      ? policy.rateLimitWaitMs(failures, error.retryAfterSeconds)
      : policy.backoffMs(failures);
  }
  // Our own errors are decisions, not accidents; an abort is the user's.
  if (error instanceof DyiError || isAbort(error)) return undefined;
  return policy.backoffMs(failures);
}

/**
 * Runs `attempt` until it succeeds, a failure is final (by `retryDelayMs`, or by the caller's
 * `isFinal`: one it has another way around), or `policy.attempts` are spent.
 */
export async function retrying<T>(
  policy: RetryPolicy,
  target: string,
  onRetry: (notice: RetryNotice) => void,
  attempt: () => Promise<T>,
  isFinal?: (error: unknown) => boolean,
): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      const delayMs = isFinal?.(error) ? undefined : retryDelayMs(policy, error, failures);
      if (delayMs === undefined || failures >= policy.attempts) {
        throw error instanceof DyiError || isAbort(error)
          ? error
          : new RequestFailedError(target, failures, error);
      }
      onRetry({ target, attempt: failures, delayMs, reason: reasonOf(error) });
      const waitsAsAsked =
        error instanceof GraphRequestError &&
        error.isRateLimit &&
        policy.isWaitNamed(error.retryAfterSeconds);
      await policy.sleep(delayMs);
      if (waitsAsAsked) policy.regained();
    }
  }
}

export function reasonOf(error: unknown): string {
  if (error instanceof GraphRequestError) {
    return `HTTP ${error.status}${error.graph.code !== undefined ? ` code ${error.graph.code}` : ''}`;
  }
  return describeCause(error);
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
