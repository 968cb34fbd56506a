/**
 * @module
 * `indented` prints a row exactly as indenting each line of `JSON.stringify(row, null, 2)`
 * would, at the depths the JSON writer uses, for any row.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Row } from './data-type-sections.js';
import { indented } from './json-renderer.js';

/** The way rows were indented before: every line of the row's own print. */
function indentedLineByLine(row: Row, spaces: number): string {
  const indent = ' '.repeat(spaces);
  return `${indent}${JSON.stringify(row, null, 2).replaceAll('\n', `\n${indent}`)}`;
}

describe('indented', () => {
  it('prints any row as indenting every line of its JSON would', () => {
    const rows = fc.dictionary(fc.string(), fc.jsonValue()) as fc.Arbitrary<Row>;
    fc.assert(
      fc.property(rows, fc.constantFrom(0, 2, 4, 8), (row, spaces) => {
        expect(indented(row, spaces)).toBe(indentedLineByLine(row, spaces));
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps line breaks inside values escaped, and empty rows and lists on one line', () => {
    const row: Row = { text: 'two\nlines', list: [], nested: {}, items: [1, [2, { a: null }]] };
    for (const spaces of [4, 8]) {
      expect(indented(row, spaces)).toBe(indentedLineByLine(row, spaces));
      expect(indented({}, spaces)).toBe(`${' '.repeat(spaces)}{}`);
    }
  });
});
