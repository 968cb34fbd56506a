/**
 * The usage header texts given again while their figures stay the same: every text is the
 * `JSON.stringify` of the header's object for the figures asked, whichever field moved since
 * the call before (each one alone, the community too), and whether or not it moved.
 */
import { describe, expect, it } from 'vitest';
import { UsageHeaderTexts } from './usage-header-texts.js';
import type { UsageSnapshot } from './usage-meter.js';

function snapshot(callCount: number, totalCputime: number, totalTime: number): UsageSnapshot {
  return { callCount, totalCputime, totalTime, secondsToReset: 60 };
}

function appUsage(s: UsageSnapshot): string {
  return JSON.stringify({
    call_count: s.callCount,
    total_cputime: s.totalCputime,
    total_time: s.totalTime,
  });
}

function businessUse(communityId: string, s: UsageSnapshot, regainMinutes: number): string {
  return JSON.stringify({
    [communityId]: [
      {
        type: 'pages',
        call_count: s.callCount,
        total_cputime: s.totalCputime,
        total_time: s.totalTime,
        estimated_time_to_regain_access: regainMinutes,
      },
    ],
  });
}

describe('UsageHeaderTexts', () => {
  it('writes the text of the figures asked, when one field moves at a time and when none does', () => {
    const texts = new UsageHeaderTexts();
    // Each step changes one figure (or none) from the step before, so a comparison left out
    // of the kept text's check would give the previous text here.
    const steps: [string, number, number, number, number][] = [
      ['c1', 0, 0, 0, 0],
      ['c1', 0, 0, 0, 0],
      ['c1', 1, 0, 0, 0],
      ['c1', 1, 2, 0, 0],
      ['c1', 1, 2, 3, 0],
      ['c1', 1, 2, 3, 4],
      ['c1', 1, 2, 3, 4],
      ['c2', 1, 2, 3, 4],
      ['c"\\é\u2028', 1, 2, 3, 4],
      ['c1', 1, 2, 3, 4],
      ['c1', 100, 100, 100, 1],
      ['c1', 0, 0, 0, 0],
    ];
    for (const [communityId, calls, cpu, time, regain] of steps) {
      const figures = snapshot(calls, cpu, time);
      expect(texts.appUsage(figures)).toBe(appUsage(figures));
      expect(texts.businessUseCaseUsage(communityId, figures, regain)).toBe(
        businessUse(communityId, figures, regain),
      );
    }
  });

  it('matches JSON.stringify over random figures, repeated and not', () => {
    const texts = new UsageHeaderTexts();
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let i = 0; i < 5_000; i++) {
      // Small ranges, so the same figures come back often, after other ones as well.
      const figures = snapshot(next(3), next(3), next(3) * 50);
      const communityId = `c${next(2)}`;
      const regain = next(2);
      expect(texts.appUsage(figures)).toBe(appUsage(figures));
      expect(texts.businessUseCaseUsage(communityId, figures, regain)).toBe(
        businessUse(communityId, figures, regain),
      );
    }
  });
});
