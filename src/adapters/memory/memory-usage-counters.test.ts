/**
 * @module
 * Runs the shared UsageCounters contract on the in-memory store, and checks that it answers
 * without a promise: the embedded request path admits a call synchronously.
 */
import { expect, it } from 'vitest';
import { runUsageCountersContract } from '../../ports/usage-counters.contract.js';
import { MemoryUsageCounters } from './memory-usage-counters.js';

runUsageCountersContract('memory', () =>
  Promise.resolve({
    open: () => new MemoryUsageCounters(),
    shared: false,
    cleanup: () => Promise.resolve(),
  }),
);

it('answers a count synchronously', () => {
  const counters = new MemoryUsageCounters();
  const answer = counters.count([{ key: 'k', windowMs: 1000, calls: 1, wallMs: 0, cpuMs: 0 }], 0);
  expect(answer).not.toBeInstanceOf(Promise);
  expect(answer).toEqual([{ endsAt: 1000, calls: 1, wallMs: 0, cpuMs: 0 }]);
});
