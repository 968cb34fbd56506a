/**
 * `splitLines` on generated input: however the bytes are cut into chunks (a line inside one
 * chunk is decoded in place, a line across chunks is gathered), the lines are those of a plain
 * split of the whole text, `\r` before `\n` and a leading byte order mark dropped, and a line
 * past the limit (in UTF-8 bytes) comes back as too long.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NdjsonLine, splitLineBatches, splitLines } from './ndjson-lines.js';

const LIMIT = 8;

/** What the lines of `text` are, by a plain split of the whole text. */
function expected(text: string): NdjsonLine[] {
  const parts = text.split('\n');
  if (parts.at(-1) === '') parts.pop();
  return parts.map((part, index) => {
    const lineNumber = index + 1;
    let line = part.endsWith('\r') ? part.slice(0, -1) : part;
    if (Buffer.byteLength(line) > LIMIT) return { lineNumber, tooLong: true };
    if (index === 0) line = line.replace(/^\uFEFF/, '');
    return { lineNumber, text: line };
  });
}

function chunksOf(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const edges = [...new Set([0, ...cuts.map((cut) => cut % (bytes.length + 1)), bytes.length])];
  edges.sort((a, b) => a - b);
  return edges.slice(1).map((end, index) => bytes.subarray(edges[index], end));
}

async function split(bytes: Buffer, cuts: readonly number[]): Promise<NdjsonLine[]> {
  const chunks = chunksOf(bytes, cuts);
  const lines: NdjsonLine[] = [];
  for await (const line of splitLines(chunks, LIMIT)) lines.push(line);
  return lines;
}

describe('splitLines, generated', () => {
  it('gives the lines of the whole text however it is cut into chunks', async () => {
    const piece = fc.constantFrom('a', 'bc', 'é', '€', '\r', '\n', '\r\n', '\uFEFF', 'xxxxxxxx');
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join('')),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (text, cuts) => {
          expect(await split(Buffer.from(text), cuts)).toEqual(expected(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gives the same lines in batches, none of them empty', async () => {
    const piece = fc.constantFrom('a', 'bc', 'é', '\r', '\n', '\r\n', '\uFEFF', 'xxxxxxxx');
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join('')),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (text, cuts) => {
          const batches: NdjsonLine[][] = [];
          for await (const batch of splitLineBatches(chunksOf(Buffer.from(text), cuts), LIMIT)) {
            batches.push(batch);
          }
          expect(batches.every((batch) => batch.length > 0)).toBe(true);
          expect(batches.flat()).toEqual(expected(text));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
