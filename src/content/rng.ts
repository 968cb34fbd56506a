/**
 * @module
 * The seeded PRNG of everything synthetic (mulberry32 seeded by FNV-1a of its name parts):
 * the community generator and the synthetic images draw from it, never from `Math.random`,
 * so that the same seed gives the same records and the same bytes on every run and machine.
 */

/** A small seeded PRNG (mulberry32) with the few draws the generator needs. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A whole number whose expectation is `mean` (fractions become chances). */
  count(mean: number): number;
}

/** A PRNG whose stream is fixed by `parts` (the seed and what the stream is for). */
export function createRng(...parts: readonly (string | number)[]): Rng {
  let state = fnv1a(parts.join('\u0000'));
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      const item = items[int(items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    count: (mean) => Math.floor(mean + next()),
  };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
