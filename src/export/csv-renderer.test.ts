/**
 * @module
 * Cell rules of the CSV writer, one value at a time: what a spreadsheet user sees in a cell,
 * and what a program reading the file gets back with the rule docs/archive-format.md gives
 * (remove the first character of a cell that starts with `'`; parse lists as JSON).
 */
import { describe, expect, it } from 'vitest';
import { csvCell } from './csv-renderer.js';

/** The reader's rule, as documented. */
const unneutralised = (cell: string): string => (cell.startsWith("'") ? cell.slice(1) : cell);

describe('csvCell', () => {
  it('neutralises every formula start with a single quote', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      expect(csvCell(`${start}SUM(A1)`)).toBe(`'${start}SUM(A1)`);
    }
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`'=HYPERLINK("http://x")`);
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell(' =1')).toBe(' =1');
  });

  it('gives back every text exactly once the documented mark is removed', () => {
    const texts = ['+1 555 0100', '-5', "'quoted'", "''", "'", '=1+1', '@here', '\tx', 'plain', ''];
    for (const text of texts) expect(unneutralised(csvCell(text))).toBe(text);
    expect(csvCell("'quoted'")).toBe("''quoted'");
    expect(unneutralised(csvCell(-5))).toBe('-5');
  });

  it('writes null as empty and lists and objects as JSON that parses back', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(4)).toBe('4');
    expect(csvCell([])).toBe('[]');
    const lists = [['Ana; Bo', 'Cy'], ['a", b'], [''], [{ uri: 'media/a.jpg', size: 3 }]];
    for (const list of lists) expect(JSON.parse(unneutralised(csvCell(list)))).toEqual(list);
    expect(csvCell(['Ana; Bo', 'Cy'])).not.toBe(csvCell(['Ana', 'Bo', 'Cy']));
  });
});
