/**
 * @module
 * The behaviour every `UsageCounters` store must have, as one vitest suite each adapter runs on
 * a real backend: fixed windows that open at a key's first count and end after the length that
 * count names, sums of calls, wall and CPU time, several keys in one call, counts made at once
 * each seeing a different total, and (for a store shared by processes) two instances counting
 * into the same windows. An adapter's test file calls `runUsageCountersContract` once.
 */
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import type { UsageCount, UsageCounters, UsageWindow } from './usage-counters.js';

export interface UsageCountersFixture {
  /** A store on which `init()` has not run yet: the suite runs it, and `close()` after. */
  open(): UsageCounters;
  /** True when stores opened by `open` share their counts, as separate processes would. */
  readonly shared: boolean;
  /** Removes whatever the stores left in their backend. */
  cleanup(): Promise<void>;
}

const T = 1_767_225_600_000;

function calls(key: string, n: number, windowMs = 1000): UsageCount {
  return { key, windowMs, calls: n, wallMs: 0, cpuMs: 0 };
}

export function runUsageCountersContract(
  name: string,
  create: (ctx: TestContext) => Promise<UsageCountersFixture>,
): void {
  describe(`UsageCounters contract: ${name}`, () => {
    let fixture: UsageCountersFixture;
    let opened: UsageCounters[];

    const open = async (): Promise<UsageCounters> => {
      const counters = fixture.open();
      opened.push(counters);
      await counters.init();
      return counters;
    };
    const one = async (
      counters: UsageCounters,
      count: UsageCount,
      nowMs: number,
    ): Promise<UsageWindow> => {
      const [window] = await counters.count([count], nowMs);
      if (window === undefined) throw new Error('count answered no window');
      return window;
    };

    beforeEach(async (ctx) => {
      opened = [];
      fixture = await create(ctx);
    });

    afterEach(async () => {
      for (const counters of opened) await counters.close();
      await fixture?.cleanup();
    });

    it('opens a window at the first count, adds within it, and opens another when it ends', async () => {
      const counters = await open();
      const first = await one(counters, calls('a', 1), T);
      expect(first).toEqual({ endsAt: T + 1000, calls: 1, wallMs: 0, cpuMs: 0 });
      expect(await one(counters, calls('a', 2), T + 500)).toMatchObject({
        endsAt: T + 1000,
        calls: 3,
      });
      expect(await one(counters, calls('a', 0), T + 999)).toMatchObject({ calls: 3 });
      // An answer is the total when it was given; later counts do not change it.
      expect(first.calls).toBe(1);
      expect(await one(counters, calls('a', 1), T + 1000)).toEqual({
        endsAt: T + 2000,
        calls: 1,
        wallMs: 0,
        cpuMs: 0,
      });
    });

    it('sums wall and CPU time, fractions included, and reads without counting', async () => {
      const counters = await open();
      await one(counters, { key: 't', windowMs: 60_000, calls: 1, wallMs: 12, cpuMs: 0.25 }, T);
      await one(counters, { key: 't', windowMs: 60_000, calls: 0, wallMs: 30, cpuMs: 1.5 }, T + 1);
      expect(await one(counters, calls('t', 0, 60_000), T + 2)).toEqual({
        endsAt: T + 60_000,
        calls: 1,
        wallMs: 42,
        cpuMs: 1.75,
      });
    });

    it('answers several keys in the order asked, each in its own window', async () => {
      const counters = await open();
      await counters.count([calls('b', 1, 1000)], T);
      const answers = await counters.count(
        [calls('c', 5, 3000), calls('b', 1, 9999), calls('a', 0, 2000)],
        T + 300,
      );
      expect(answers).toEqual([
        { endsAt: T + 3300, calls: 5, wallMs: 0, cpuMs: 0 },
        // b's window opened at T with 1000 ms; the length a later count names does not move it.
        { endsAt: T + 1000, calls: 2, wallMs: 0, cpuMs: 0 },
        { endsAt: T + 2300, calls: 0, wallMs: 0, cpuMs: 0 },
      ]);
      // At T + 1000, b's window has ended and c's has not.
      const later = await counters.count([calls('b', 1), calls('c', 1)], T + 1000);
      expect(later.map((w) => w.calls)).toEqual([1, 6]);
    });

    it('gives counts made at once each a different total', async () => {
      const counters = await open();
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => one(counters, calls('hot', 1, 60_000), T)),
      );
      expect(answers.map((w) => w.calls).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
    });

    it('counts several keys at once in any order without failing (no deadlock)', async () => {
      const counters = await open();
      const answers = await Promise.all(
        Array.from({ length: 60 }, async (_, i) =>
          counters.count(
            i % 2 === 0
              ? [calls('x', 1, 60_000), calls('y', 1, 60_000), calls('z', 1, 60_000)]
              : [calls('z', 1, 60_000), calls('y', 1, 60_000), calls('x', 1, 60_000)],
            T,
          ),
        ),
      );
      // Each answer lists its windows in the order asked, whatever order the store locks in.
      const xs = answers.map((windows, i) => windows[i % 2 === 0 ? 0 : 2]?.calls);
      expect(xs.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
      expect(await one(counters, calls('y', 0, 60_000), T)).toMatchObject({ calls: 60 });
    });

    it('counts into the same windows from two stores on one backend', async (ctx) => {
      if (!fixture.shared) ctx.skip('this store is one process’s own memory');
      const [left, right] = [await open(), await open()];
      const totals: number[] = [];
      for (let i = 0; i < 6; i++) {
        const counters = i % 2 === 0 ? left : right;
        totals.push((await one(counters, calls('shared', 1, 60_000), T + i)).calls);
      }
      expect(totals).toEqual([1, 2, 3, 4, 5, 6]);
      const both = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          one(i % 2 === 0 ? left : right, calls('shared', 1, 60_000), T + 10),
        ),
      );
      expect(both.map((w) => w.calls).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 7),
      );
    });
  });
}
