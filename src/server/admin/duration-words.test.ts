import { describe, expect, it } from 'vitest';
import { durationWords } from './duration-words.js';

describe('durationWords', () => {
  it('names the two largest units and drops a zero second one', () => {
    expect(durationWords(0)).toBe('under 1 s');
    expect(durationWords(-5)).toBe('under 1 s');
    expect(durationWords(1)).toBe('1 s');
    expect(durationWords(59.9)).toBe('59 s');
    expect(durationWords(60)).toBe('1 min');
    expect(durationWords(185)).toBe('3 min 5 s');
    expect(durationWords(3_600 + 4 * 60 + 59)).toBe('1 h 4 min');
    expect(durationWords(7_200 + 30)).toBe('2 h');
    expect(durationWords(86_400 + 3 * 3_600)).toBe('1 d 3 h');
  });
});
