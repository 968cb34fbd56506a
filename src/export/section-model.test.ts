/**
 * @module
 * Excerpts as a person reads them where a comment or reaction names its post: one line, at
 * most 80 characters, never a character cut in half.
 */
import { describe, expect, it } from 'vitest';
import { EXCERPT_CHARACTERS, excerpt } from './section-model.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('excerpt', () => {
  it('keeps a short text whole, on one line', () => {
    expect(excerpt('  Hello\n\nworld\t!  ')).toBe('Hello world !');
  });

  it('cuts a long text after 80 characters and marks the cut', () => {
    const cut = excerpt('a'.repeat(200));
    expect(cut).toBe(`${'a'.repeat(EXCERPT_CHARACTERS)}…`);
    expect(excerpt('b'.repeat(EXCERPT_CHARACTERS))).toBe('b'.repeat(EXCERPT_CHARACTERS));
  });

  it('never cuts inside a surrogate pair, an emoji sequence or an accented letter', () => {
    const family = '👨‍👩‍👧'; // one character of five code points, three surrogate pairs
    const accented = 'e\u0301'; // é as a letter and a combining accent
    for (const unit of ['😀', family, accented]) {
      for (const offset of [0, 1]) {
        const cut = excerpt(`${'x'.repeat(EXCERPT_CHARACTERS - 1 - offset)}${unit.repeat(4)}`);
        expect(cut.endsWith('…')).toBe(true);
        const kept = cut.slice(0, -1);
        expect(kept).not.toMatch(LONE_SURROGATE);
        expect([...new Intl.Segmenter().segment(kept)]).toHaveLength(EXCERPT_CHARACTERS);
        expect(kept.endsWith(unit)).toBe(true);
      }
    }
  });

  it('keeps an accent that follows the 80th letter with it, or cuts before both', () => {
    const letters = 'x'.repeat(EXCERPT_CHARACTERS - 1);
    // The 80th character is é (a letter and its combining accent): kept whole.
    expect(excerpt(`${letters}e\u0301 and more`)).toBe(`${letters}e\u0301…`);
    // The 81st is é: cut before it, accent included.
    expect(excerpt(`${letters}xe\u0301 and more`)).toBe(`${letters}x…`);
    // Trailing spaces before the cut go.
    expect(excerpt(`${letters} word`)).toBe(`${letters}…`);
  });
});
