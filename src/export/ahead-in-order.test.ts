/**
 * @module
 * `aheadInOrder`: results in the items' order whatever order the calls end in, never more than
 * `atOnce` calls running, a failure thrown at its turn, and nothing new started after the
 * consumer stops.
 */
import { describe, expect, it } from 'vitest';
import { aheadInOrder } from './ahead-in-order.js';

/** A call per item that ends when the test says, counting how many run at once. */
function controlled() {
  const endings = new Map<number, (value: string | Error) => void>();
  const started: number[] = [];
  let running = 0;
  let most = 0;
  const work = (item: number): Promise<string> => {
    started.push(item);
    running += 1;
    most = Math.max(most, running);
    return new Promise<string>((resolve, reject) => {
      endings.set(item, (value) => {
        running -= 1;
        if (value instanceof Error) reject(value);
        else resolve(value);
      });
    });
  };
  const end = async (item: number, value: string | Error = `r${item}`): Promise<void> => {
    // Calls start on a microtask: wait until this one has.
    for (let tries = 0; !endings.has(item) && tries < 100; tries++) await Promise.resolve();
    endings.get(item)?.(value);
  };
  return { work, end, started, most: () => most };
}

async function collect<R>(results: AsyncIterable<R>): Promise<R[]> {
  const out: R[] = [];
  for await (const result of results) out.push(result);
  return out;
}

describe('aheadInOrder', () => {
  it('yields in the items order while later calls end first, at most atOnce running', async () => {
    for (const atOnce of [1, 2, 3, 8]) {
      const calls = controlled();
      const items = [0, 1, 2, 3, 4, 5, 6];
      const results = collect(aheadInOrder(items, atOnce, calls.work));
      // End the running calls latest first, then let the consumer take what it can.
      const ended = new Set<number>();
      for (let round = 0; ended.size < items.length && round < 100; round++) {
        const running = calls.started.filter((item) => !ended.has(item)).reverse();
        for (const item of running) {
          ended.add(item);
          await calls.end(item);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await results).toEqual(items.map((item) => `r${item}`));
      expect(calls.most()).toBeLessThanOrEqual(atOnce);
      expect(calls.most()).toBe(Math.min(atOnce, items.length));
    }
  });

  it('throws a failure at its turn, after the results before it', async () => {
    const calls = controlled();
    const seen: string[] = [];
    const done = (async () => {
      for await (const result of aheadInOrder([0, 1, 2, 3], 3, calls.work)) seen.push(result);
    })();
    await calls.end(2, new Error('two failed'));
    await calls.end(1);
    await calls.end(0);
    await expect(done).rejects.toThrow('two failed');
    expect(seen).toEqual(['r0', 'r1']);
  });

  it('starts the next call when a result is taken, nothing after the consumer stops', async () => {
    const calls = controlled();
    const done = (async () => {
      for await (const result of aheadInOrder([0, 1, 2, 3, 4, 5], 2, calls.work)) {
        if (result === 'r0') break;
      }
    })();
    await calls.end(1, new Error('failed after the stop'));
    await calls.end(0);
    await done;
    // 2 started when r0 was taken; the failure of 1, never reached, is not reported.
    expect(calls.started).toEqual([0, 1, 2]);
  });

  it('takes any iterable and an empty one', async () => {
    expect(await collect(aheadInOrder(new Set<number>(), 2, (n) => Promise.resolve(n)))).toEqual(
      [],
    );
    expect(await collect(aheadInOrder(new Set([3, 1, 2]), 0, (n) => Promise.resolve(n)))).toEqual([
      3, 1, 2,
    ]);
  });
});
