/**
 * A meter's counts: the same object for a call without time (and for a read of the window),
 * frozen so no store can change what later calls send, and a count of its own for anything
 * else, so no call, wall time or CPU time is lost or added.
 */
import { describe, expect, it } from 'vitest';
import { UsageMeter } from './usage-meter.js';

const meter = (): UsageMeter =>
  new UsageMeter({ name: 'token', callsPerWindow: 10, windowSeconds: 60, scope: 'token' });

describe('UsageMeter.count', () => {
  it('answers what each call adds, whatever was counted before', () => {
    const token = meter();
    const asked: [number, number | undefined, number | undefined][] = [
      [1, undefined, undefined],
      [1, 0, 0],
      [0, undefined, undefined],
      [1, 12.5, undefined],
      [1, undefined, 0.25],
      [1, 0, 0],
      [3, undefined, undefined],
      [0, 0, 4],
      [0, undefined, undefined],
    ];
    for (const [calls, wallMs, cpuMs] of asked) {
      expect(token.count('t1', calls, wallMs, cpuMs)).toEqual({
        key: 'token:t1',
        windowMs: 60_000,
        calls,
        wallMs: wallMs ?? 0,
        cpuMs: cpuMs ?? 0,
      });
    }
    expect(token.count('t2', 1)).toEqual({
      key: 'token:t2',
      windowMs: 60_000,
      calls: 1,
      wallMs: 0,
      cpuMs: 0,
    });
  });

  it('gives one frozen count per id for a call without time and for a read', () => {
    const token = meter();
    const oneCall = token.count('t1', 1);
    expect(token.count('t1', 1, 0, 0)).toBe(oneCall);
    expect(Object.isFrozen(oneCall)).toBe(true);
    const read = token.count('t1', 0);
    expect(token.count('t1', 0)).toBe(read);
    expect(Object.isFrozen(read)).toBe(true);
    expect(token.count('t2', 1)).not.toBe(oneCall);
    expect(token.count('t1', 1, 1)).not.toBe(oneCall);
  });
});
