/**
 * @module
 * JSON output: one file per data type, `json/<folder>.json`, shaped `{"<section>": [rows]}`
 * with every section of the data type as a key, in order. The text is exactly what
 * `JSON.stringify(document, null, 2)` would print (plus a final newline), but it is written
 * row by row. When a file would pass the chunk limit it is closed and the data type continues
 * in `json/<folder>_2.json`, `_3` ...: each a complete document with the same keys, holding
 * the rows of that piece (sections done or not reached yet are `[]` there).
 */
import type { TextEntry } from './archive-entry.js';
import type { Row, Section } from './data-type-sections.js';
import { chunkPath, type FormatWriter, TextBuilder } from './format-writer.js';

export class JsonWriter implements FormatWriter {
  readonly #base: string;
  readonly #sections: readonly Section[];
  readonly #chunkBytes: number;
  readonly #text = new TextBuilder();
  #chunkNumber = 0;
  /** Index of the current section; -1 before the first. */
  #current = -1;
  #rowsInChunk = 0;
  #rowsInArray = 0;

  /** `folder` as made by `dataTypeFolder`; `sections` all of the data type's, in order. */
  constructor(folder: string, sections: readonly Section[], chunkBytes: number) {
    this.#base = `json/${folder}`;
    this.#sections = sections;
    this.#chunkBytes = chunkBytes;
  }

  startSection(section: Section): TextEntry[] {
    const index = this.#sections.indexOf(section);
    if (this.#current === -1) {
      this.#current = index;
      this.#open();
    } else {
      this.#text.append(this.#closeArray());
      this.#current = index;
      this.#text.append(`,\n${key(section)}[`);
      this.#rowsInArray = 0;
    }
    return [];
  }

  writeRow(row: Row): TextEntry[] {
    const done: TextEntry[] = [];
    const text = `    ${JSON.stringify(row, null, 2).replaceAll('\n', '\n    ')}`;
    const size = Buffer.byteLength(text) + 2; // the separator before the row
    if (
      this.#rowsInChunk > 0 &&
      this.#text.bytes + size + Buffer.byteLength(this.#tail()) > this.#chunkBytes
    ) {
      done.push(this.#close());
      this.#open();
    }
    this.#text.append(`${this.#rowsInArray === 0 ? '\n' : ',\n'}${text}`);
    this.#rowsInArray++;
    this.#rowsInChunk++;
    return done;
  }

  finish(): TextEntry[] {
    return this.#current === -1 ? [] : [this.#close()];
  }

  /** Starts a file at the current section: earlier sections are empty in it. */
  #open(): void {
    this.#chunkNumber++;
    const earlier = this.#sections.slice(0, this.#current).map((section) => `${key(section)}[]`);
    this.#text.append(`{\n${[...earlier, key(this.#sections[this.#current])].join(',\n')}[`);
    this.#rowsInChunk = 0;
    this.#rowsInArray = 0;
  }

  #close(): TextEntry {
    this.#text.append(this.#tail());
    return this.#text.take(chunkPath(this.#base, 'json', this.#chunkNumber));
  }

  /** What completes the current file: this array, the later sections empty, the brace. */
  #tail(): string {
    const later = this.#sections.slice(this.#current + 1).map((section) => `,\n${key(section)}[]`);
    return `${this.#closeArray()}${later.join('')}\n}\n`;
  }

  #closeArray(): string {
    return this.#rowsInArray === 0 ? ']' : '\n  ]';
  }
}

function key(section: Section | undefined): string {
  return `  ${JSON.stringify(section?.name ?? '')}: `;
}
