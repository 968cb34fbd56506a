/**
 * @module
 * The fixed period every synthetic time falls in, and the one draw of a time within it. The
 * period is fixed, never relative to "now", so that the generator's output never depends on
 * the day it runs.
 */
import type { Rng } from './rng.js';

/** Every created time falls in [start, end): fixed, so that output never depends on today. */
export const SYNTHETIC_PERIOD = {
  /** 2024-01-01T00:00:00Z. */
  start: 1_704_067_200,
  /** 2026-01-01T00:00:00Z. */
  end: 1_767_225_600,
} as const;

/** Seconds in a day. */
export const DAY = 86_400;
export const { start: START, end: END } = SYNTHETIC_PERIOD;

/** A time in [from, from + span), within the period. */
export function after(rng: Rng, from: number, span = END - from): number {
  const start = Math.min(from, END - 1);
  return start + rng.int(Math.max(1, Math.min(span, END - start)));
}
