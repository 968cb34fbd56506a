/**
 * @module
 * What the JSON, CSV and HTML writers have in common: they receive a data type's sections and
 * rows in order and hand back finished text entries as soon as a file is complete, so that
 * the caller can pass them on to the archive while the rest is still being read. A file is
 * closed before it would exceed the chunk limit (`TEXT_CHUNK_BYTES`, or less so that a file
 * fits one archive part) and the writer continues in the next numbered file; a single row larger than
 * the limit still gets a file of its own rather than being cut.
 */
import type { TextEntry } from './archive-entry.js';
import type { Row, Section } from './data-type-sections.js';

export interface FormatWriter {
  /** A section begins; called once per section of the data type, in order. */
  startSection(section: Section): TextEntry[];
  writeRow(row: Row): TextEntry[];
  /** Closes the last file. */
  finish(): TextEntry[];
}

/** `name.ext`, then `name_2.ext`, `name_3.ext` ... */
export function chunkPath(base: string, extension: string, chunkNumber: number): string {
  return `${base}${chunkNumber === 1 ? '' : `_${chunkNumber}`}.${extension}`;
}

/** Text of one file being built, with its UTF-8 size kept as it grows. */
export class TextBuilder {
  #pieces: string[] = [];
  #bytes = 0;

  get bytes(): number {
    return this.#bytes;
  }

  /** `bytes`: the UTF-8 size of `text`, when the caller measured it already. */
  append(text: string, bytes = Buffer.byteLength(text)): void {
    this.#pieces.push(text);
    this.#bytes += bytes;
  }

  /** The entry made of everything appended; the builder is empty afterwards. */
  take(path: string): TextEntry {
    const data = Buffer.from(this.#pieces.join(''));
    this.#pieces = [];
    this.#bytes = 0;
    return { kind: 'text', path, data };
  }
}
