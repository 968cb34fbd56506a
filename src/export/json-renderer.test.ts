/**
 * @module
 * `indented` prints a row exactly as indenting each line of `JSON.stringify(row, null, 2)`
 * would, at the depths the JSON writer uses, for any row. `JsonWriter` splits a data type into
 * files that each hold as many rows as fit the chunk limit, and no more.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATA_TYPE_SECTIONS, type Row } from './data-type-sections.js';
import { indented, JsonWriter } from './json-renderer.js';

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

describe('JsonWriter', () => {
  // Four sections with a key each: a file's tail names the sections after the current one.
  const { sections } = DATA_TYPE_SECTIONS.WORKPLACE_SURVEYS;
  const names = sections.map((section) => section.name);
  const text = fc.string({ unit: 'grapheme', maxLength: 40 });
  const rows = fc.array(fc.dictionary(text, fc.oneof(text, fc.integer(), fc.constant(null))), {
    maxLength: 12,
  }) as fc.Arbitrary<Row[]>;

  it('fills every file up to the chunk limit, counting UTF-8 bytes, and not past it', () => {
    const input = fc.tuple(rows, rows, rows, rows, fc.integer({ min: 150, max: 1500 }));
    fc.assert(
      fc.property(input, ([a, b, c, d, chunkBytes]) => {
        const writer = new JsonWriter('surveys', sections, chunkBytes);
        const files = sections.flatMap((section, index) => [
          ...writer.startSection(section),
          ...[a, b, c, d][index]!.flatMap((row) => writer.writeRow(row)),
        ]);
        files.push(...writer.finish());
        const documents = files.map((file) => {
          const json = file.data.toString('utf8');
          const document = JSON.parse(json) as Record<string, Row[]>;
          expect(json).toBe(`${JSON.stringify(document, null, 2)}\n`);
          expect(Object.keys(document)).toEqual(names);
          return document;
        });
        // The writer weighs a row that opens its section's array in a file as if that array
        // were closed by `]` after a `,` (two bytes short): such a file may end 2 bytes over.
        const opensItsArray = (document: Record<string, Row[]>, name: string): number =>
          document[name]!.length === 0 ? 2 : 0;
        for (const [index, document] of documents.entries()) {
          const last = names.findLast((name) => document[name]!.length > 0);
          const rowsHeld = Object.values(document).flat().length;
          if (last !== undefined && rowsHeld > 1) {
            const slack = document[last]!.length === 1 ? 2 : 0;
            expect(files[index]!.data.length).toBeLessThanOrEqual(chunkBytes + slack);
          }
          const next = documents[index + 1];
          if (next === undefined) continue;
          // The next file's first row would have passed the limit in this one.
          const section = names.find((name) => next[name]!.length > 0)!;
          const grown = { ...document, [section]: [...document[section]!, next[section]![0]!] };
          const weighed =
            Buffer.byteLength(`${JSON.stringify(grown, null, 2)}\n`) -
            opensItsArray(document, section);
          expect(weighed).toBeGreaterThan(chunkBytes);
        }
        expect(names.map((name) => documents.flatMap((document) => document[name]!))).toEqual([
          a,
          b,
          c,
          d,
        ]);
      }),
      { numRuns: 500 },
    );
  });
});
