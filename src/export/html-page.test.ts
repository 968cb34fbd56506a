/**
 * @module
 * Times as the archive writes them: `isoSeconds` gives exactly what `toISOString` gives without
 * its milliseconds, for every second it works out by arithmetic and for those it leaves to a
 * `Date` (before 1970, after 9999, fractions).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoSeconds } from './html-page.js';

const viaDate = (seconds: number): string =>
  new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

/** 10000-01-01T00:00:00Z. */
const YEAR_10000 = 253_402_300_800;

describe('isoSeconds', () => {
  it.each([
    [0, '1970-01-01T00:00:00Z'],
    [1_714_557_600, '2024-05-01T10:00:00Z'],
    [951_782_400, '2000-02-29T00:00:00Z'],
    [4_107_542_399, '2100-02-28T23:59:59Z'],
    [YEAR_10000 - 1, '9999-12-31T23:59:59Z'],
    [YEAR_10000, '+010000-01-01T00:00:00Z'],
    [-1, '1969-12-31T23:59:59Z'],
    [1.9, '1970-01-01T00:00:01Z'],
  ])('writes %s as %s', (seconds, expected) => {
    expect(isoSeconds(seconds)).toBe(expected);
  });

  it('agrees with toISOString on any second from 1970 to 9999 and around it', () => {
    fc.assert(
      fc.property(fc.integer({ min: -YEAR_10000, max: 2 * YEAR_10000 }), (seconds) => {
        expect(isoSeconds(seconds)).toBe(viaDate(seconds));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with toISOString on every day boundary and leap day of 1970 to 2200', () => {
    const differing: number[] = [];
    for (let day = 0; day < 84_000; day++) {
      for (const seconds of [day * 86_400, day * 86_400 + 86_399]) {
        if (isoSeconds(seconds) !== viaDate(seconds)) differing.push(seconds);
      }
    }
    expect(differing).toEqual([]);
  });
});
