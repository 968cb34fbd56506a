/**
 * Backoff, pacing and the retry loop with injected time: nothing here sleeps for real.
 */
import { describe, expect, it } from 'vitest';
import { GraphRequestError, RequestFailedError } from './graph-request-error.js';
import type { RetryNotice } from './graph-types.js';
import { RetryPolicy } from './retry-policy.js';
import { retrying } from './retrying.js';
import { usageOf } from './usage-headers.js';

/** A policy whose sleeps are recorded, not waited. */
function recorded(options: ConstructorParameters<typeof RetryPolicy>[0] = {}) {
  const slept: number[] = [];
  const policy = new RetryPolicy({
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    ...options,
  });
  return { policy, slept };
}

const rateLimited = (retryAfter?: number) =>
  new GraphRequestError('GET /x', 403, { code: 4, is_transient: true }, retryAfter);

describe('RetryPolicy', () => {
  it('backs off exponentially with full jitter, capped', () => {
    const { policy } = recorded({ baseMs: 100, maxDelayMs: 1000, random: () => 0.999 });
    expect([1, 2, 3, 4, 5, 6].map((n) => policy.backoffMs(n))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    const low = recorded({ baseMs: 100, random: () => 0 }).policy;
    expect(low.backoffMs(3)).toBe(0);
  });

  it('spreads calls out as usage approaches 100 %', () => {
    const { policy } = recorded({ slowDownFromPercent: 80, slowDownMaxMs: 2100 });
    policy.observe(usageOf({ 'x-app-usage': '{"call_count":50}' }));
    expect(policy.paceMs()).toBe(0);
    policy.observe(usageOf({ 'x-app-usage': '{"call_count":80}' }));
    const at80 = policy.paceMs();
    policy.observe(usageOf({ 'x-app-usage': '{"call_count":95}' }));
    const at95 = policy.paceMs();
    policy.observe(usageOf({ 'x-app-usage': '{"call_count":100}' }));
    expect(0 < at80 && at80 < at95 && at95 < policy.paceMs()).toBe(true);
    expect(policy.paceMs()).toBe(2100);
  });

  it('waits what a rate limit asks: Retry-After, else minutes to regain access, else backoff', () => {
    const { policy } = recorded({ baseMs: 1000 });
    expect(policy.rateLimitWaitMs(1, 7)).toBe(7000);
    expect(policy.rateLimitWaitMs(1, undefined)).toBe(500);
    policy.observe(
      usageOf({ 'x-business-use-case-usage': '{"1":[{"estimated_time_to_regain_access":2}]}' }),
    );
    expect(policy.rateLimitWaitMs(1, undefined)).toBe(120_000);
  });
});

describe('retrying', () => {
  it('retries network errors, 5xx and rate limits, then succeeds', async () => {
    const { policy, slept } = recorded({ baseMs: 100 });
    const notices: RetryNotice[] = [];
    const failures: Error[] = [
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      new GraphRequestError('GET /x', 503, { code: 2, is_transient: true }),
      rateLimited(3),
      new GraphRequestError('GET /x', 400, { code: 17 }),
    ];
    const result = await retrying(
      policy,
      'GET /x',
      (n) => notices.push(n),
      () => {
        const failure = failures.shift();
        return failure ? Promise.reject(failure) : Promise.resolve('ok');
      },
    );
    expect(result).toBe('ok');
    expect(slept).toEqual([50, 100, 3000, 400]);
    expect(notices.map((n) => n.reason)).toEqual([
      'ECONNRESET: socket hang up',
      'HTTP 503 code 2',
      'HTTP 403 code 4',
      'HTTP 400 code 17',
    ]);
  });

  it("does not pace a rate limit's retry on the refusal's usage once it waited what the server asked", async () => {
    const { policy, slept } = recorded({ slowDownMaxMs: 5000 });
    const refusals = [
      // Retry-After: the window is whole again after it.
      { headers: { 'x-app-usage': '{"call_count":100}' }, retryAfter: 2 },
      // No Retry-After, minutes to regain access: the same.
      {
        headers: {
          'x-business-use-case-usage':
            '{"1":[{"call_count":100,"estimated_time_to_regain_access":1}]}',
        },
        retryAfter: undefined,
      },
    ];
    const pacesAtRetry: number[] = [];
    let calls = 0;
    const result = await retrying(
      policy,
      'GET /x',
      () => undefined,
      () => {
        if (calls++ > 0) pacesAtRetry.push(policy.paceMs());
        const refusal = refusals.shift();
        if (refusal === undefined) return Promise.resolve('ok');
        policy.observe(usageOf(refusal.headers));
        return Promise.reject(rateLimited(refusal.retryAfter));
      },
    );
    expect(result).toBe('ok');
    expect(slept).toEqual([2000, 60_000]);
    expect(pacesAtRetry).toEqual([0, 0]);
  });

  it('keeps pacing after a rate limit that named no wait (it backed off on its own)', async () => {
    const { policy } = recorded({ slowDownMaxMs: 5000 });
    let calls = 0;
    let paceAtRetry = -1;
    await retrying(
      policy,
      'GET /x',
      () => undefined,
      () => {
        if (calls++ > 0) {
          paceAtRetry = policy.paceMs();
          return Promise.resolve('ok');
        }
        policy.observe(usageOf({ 'x-app-usage': '{"call_count":100}' }));
        return Promise.reject(new GraphRequestError('GET /x', 400, { code: 17 }));
      },
    );
    expect(paceAtRetry).toBe(5000);
  });

  it('gives up after the bounded attempts, with a message that says what to do', async () => {
    const { policy, slept } = recorded({ attempts: 3 });
    const attempt = retrying(
      policy,
      'GET /x',
      () => undefined,
      () =>
        Promise.reject(
          Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
        ),
    );
    await expect(attempt).rejects.toBeInstanceOf(RequestFailedError);
    await expect(attempt).rejects.toThrow(/failed 3 times .*--retries/);
    expect(slept).toEqual([250, 500]); // 3 attempts: 2 waits, from the default 500 ms base
  });

  it('does not retry what cannot pass: a bad token, an unknown id', async () => {
    const { policy, slept } = recorded();
    let calls = 0;
    const attempt = retrying(
      policy,
      'GET /x',
      () => undefined,
      () => {
        calls++;
        return Promise.reject(new GraphRequestError('GET /x', 400, { code: 190 }));
      },
    );
    await expect(attempt).rejects.toMatchObject({ code: 'invalid_token' });
    expect(calls).toBe(1);
    expect(slept).toEqual([]);
  });
});
