/**
 * @module
 * The lines of an NDJSON file, streamed, with a limit on each line's size that holds while
 * reading: a line is gathered only up to `MAX_LINE_BYTES`; past that, its bytes are skipped
 * up to the next line break and it comes back as too long, so that one enormous line costs
 * no more memory than a line at the limit (Node's `readline` would build it whole first).
 * Lines end at `\n`; a `\r` before it is dropped, and a byte order mark at the start is skipped.
 */
import { open } from 'node:fs/promises';

/** Largest line of an import file, in bytes (UTF-8, without its line break): 8 MiB. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Bytes read from the file at a time. */
const READ_CHUNK_BYTES = 256 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** One line of the file, numbered from 1: its text, or only its size when past the limit. */
export type NdjsonLine =
  | { readonly lineNumber: number; readonly text: string }
  | { readonly lineNumber: number; readonly tooLong: true };

/** The lines of `file`, streamed; none gathers more than `maxLineBytes`. */
export async function* ndjsonLines(
  file: string,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<NdjsonLine> {
  for await (const batch of ndjsonLineBatches(file, maxLineBytes)) yield* batch;
}

/**
 * The lines of `file` as `ndjsonLines` gives them, a read chunk's lines at a time: a reader
 * of 100,000 short lines then waits 70 times instead of 100,000 (each `await` of an async
 * generator costs a few promise turns, together about a fifth of reading).
 */
export async function* ndjsonLineBatches(
  file: string,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<NdjsonLine[]> {
  const handle = await open(file);
  try {
    yield* splitLineBatches(
      handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES }),
      maxLineBytes,
    );
  } finally {
    await handle.close();
  }
}

/** The lines of a stream of chunks; `ndjsonLines` without the file. */
export async function* splitLines(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<NdjsonLine> {
  for await (const batch of splitLineBatches(chunks, maxLineBytes)) yield* batch;
}

/** The lines of a stream of chunks, in batches: the lines each chunk ends, none empty. */
export async function* splitLineBatches(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<NdjsonLine[]> {
  let parts: Buffer[] = [];
  let gathered = 0;
  let isTooLong = false;
  let lineNumber = 1;
  const finish = (): NdjsonLine => {
    const bytes = Buffer.concat(parts, gathered);
    const length = bytes.at(-1) === CARRIAGE_RETURN ? gathered - 1 : gathered;
    const line: NdjsonLine =
      isTooLong || length > maxLineBytes
        ? { lineNumber, tooLong: true }
        : { lineNumber, text: textOf(bytes, 0, length, lineNumber) };
    parts = [];
    gathered = 0;
    isTooLong = false;
    lineNumber += 1;
    return line;
  };
  for await (const chunk of chunks) {
    const batch: NdjsonLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end !== -1 && gathered === 0 && !isTooLong) {
        // The usual case, a whole line inside the chunk: decoded in place, nothing gathered.
        const length =
          end > start && chunk[end - 1] === CARRIAGE_RETURN ? end - start - 1 : end - start;
        batch.push(
          length > maxLineBytes
            ? { lineNumber, tooLong: true }
            : { lineNumber, text: textOf(chunk, start, start + length, lineNumber) },
        );
        lineNumber += 1;
        start = end + 1;
        continue;
      }
      const piece = chunk.subarray(start, end === -1 ? chunk.length : end);
      // One byte of slack for the `\r` of a `\r\n`, which the limit does not count.
      if (isTooLong || gathered + piece.length > maxLineBytes + 1) {
        isTooLong = true;
        parts = [];
        gathered = 0;
      } else {
        parts.push(piece);
        gathered += piece.length;
      }
      if (end === -1) break;
      batch.push(finish());
      start = end + 1;
    }
    if (batch.length > 0) yield batch;
  }
  if (gathered > 0 || isTooLong) yield [finish()];
}

function textOf(bytes: Buffer, start: number, end: number, lineNumber: number): string {
  const text = bytes.toString('utf8', start, end);
  // Editors on Windows may start the file with a byte order mark.
  return lineNumber === 1 ? text.replace(/^\uFEFF/, '') : text;
}
