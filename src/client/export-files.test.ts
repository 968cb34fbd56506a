/**
 * `safeSegment`, the guard between names a server chooses and paths on the user's disk:
 * separators, reserved and control characters become `_`, dot-only names and `.part` names
 * are refused, and the result is the same as the character-by-character version it replaced.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeSegment } from './export-files.js';

/** The earlier implementation, one code point at a time, kept as the reference. */
function safeSegmentByCharacter(text: string): string {
  const cleaned = Array.from(text, (character) =>
    character.charCodeAt(0) < 32 || '/\\<>:"|?*'.includes(character) ? '_' : character,
  )
    .join('')
    .trim();
  return /^\.+$/.test(cleaned) || cleaned.endsWith('.part') ? '' : cleaned.slice(0, 200);
}

describe('safeSegment', () => {
  it('keeps names inside their folder', () => {
    expect(safeSegment('../../etc/passwd')).toBe('.._.._etc_passwd');
    expect(safeSegment('a\\b:c*?"<>|\u0000\u001f\n')).toBe('a_b_c_________');
    expect(safeSegment(' .. ')).toBe('');
    expect(safeSegment('x.zip.part')).toBe('');
    expect(safeSegment('résumé 📦.zip')).toBe('résumé 📦.zip');
  });

  it('answers as the character-by-character version for any text', () => {
    const characters = fc.constantFrom(
      ...'/\\<>:"|?* .-_aZ9é📦\u0000\u0001\u001f\u007f\u00a0\u2028\ud800\udc00'.split(''),
    );
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.string({ unit: characters, maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
    );
    fc.assert(
      fc.property(text, (value) => {
        expect(safeSegment(value)).toBe(safeSegmentByCharacter(value));
      }),
      { numRuns: 2000 },
    );
  });
});
