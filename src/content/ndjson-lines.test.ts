/**
 * `splitLines`: line breaks split across chunks, `\r\n`, the byte order mark, and the line
 * limit at its exact edge.
 */
import { describe, expect, it } from 'vitest';
import { splitLines } from './ndjson-lines.js';

async function split(chunks: readonly string[], limit = 10) {
  const lines = [];
  for await (const line of splitLines(
    chunks.map((chunk) => Buffer.from(chunk)),
    limit,
  )) {
    lines.push(line);
  }
  return lines;
}

describe('splitLines', () => {
  it('numbers lines across chunks, drops \\r before \\n and a leading byte order mark', async () => {
    expect(await split(['\uFEFFab', 'c\r', '\nd\n\ne'])).toEqual([
      { lineNumber: 1, text: 'abc' },
      { lineNumber: 2, text: 'd' },
      { lineNumber: 3, text: '' },
      { lineNumber: 4, text: 'e' },
    ]);
  });

  it('takes a line of exactly the limit, refuses one byte more, and goes on after it', async () => {
    expect(await split(['0123456789\r\n', '0123456789a\nok', '\n0123', '45678901'])).toEqual([
      { lineNumber: 1, text: '0123456789' },
      { lineNumber: 2, tooLong: true },
      { lineNumber: 3, text: 'ok' },
      { lineNumber: 4, tooLong: true },
    ]);
  });

  it('counts bytes, not characters', async () => {
    expect(await split(['ééééé\néééééé'])).toEqual([
      { lineNumber: 1, text: 'ééééé' },
      { lineNumber: 2, tooLong: true },
    ]);
  });
});
