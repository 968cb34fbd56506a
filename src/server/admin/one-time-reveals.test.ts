import { describe, expect, it } from 'vitest';
import { OneTimeReveals, REVEAL_TTL_MS } from './one-time-reveals.js';

describe('OneTimeReveals', () => {
  it('gives a value once, to its own session only', () => {
    const reveals = new OneTimeReveals<string>();
    const id = reveals.put('session-a', 'secret');
    expect(reveals.take('session-b', id)).toBeUndefined();
    expect(reveals.take('session-a', id)).toBe('secret');
    expect(reveals.take('session-a', id)).toBeUndefined();
    expect(reveals.take('session-a', 'made-up')).toBeUndefined();
  });

  it('forgets a value not taken in time', () => {
    let now = 1_000;
    const reveals = new OneTimeReveals<string>(() => now);
    const late = reveals.put('session', 'late');
    const early = reveals.put('session', 'early');
    now += REVEAL_TTL_MS - 1;
    expect(reveals.take('session', early)).toBe('early');
    now += 1;
    expect(reveals.take('session', late)).toBeUndefined();
  });

  it('hands out ids that cannot be guessed from one another', () => {
    const reveals = new OneTimeReveals<number>();
    const ids = new Set(Array.from({ length: 100 }, (_, n) => reveals.put('s', n)));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[\w-]{24}$/);
  });
});
