/**
 * @module
 * Cell rules of the CSV writer, one value at a time: what a spreadsheet user sees in a cell.
 */
import { describe, expect, it } from 'vitest';
import { csvCell } from './csv-renderer.js';

describe('csvCell', () => {
  it('neutralises every formula start with a single quote', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      expect(csvCell(`${start}SUM(A1)`)).toBe(`'${start}SUM(A1)`);
    }
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`'=HYPERLINK("http://x")`);
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell(' =1')).toBe(' =1');
  });

  it('writes null as empty, lists joined by "; ", nested values as compact JSON', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(4)).toBe('4');
    expect(csvCell([])).toBe('');
    expect(csvCell(['media/a.jpg', 'media/b.pdf'])).toBe('media/a.jpg; media/b.pdf');
    expect(csvCell([{ question: 'q', value: ['a', 'b'] }])).toBe(
      '[{"question":"q","value":["a","b"]}]',
    );
    expect(csvCell(['-x'])).toBe(`'-x`);
  });
});
