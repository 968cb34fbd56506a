/**
 * @module
 * CSV output: one file per section, `csv/<folder>/<section>.csv`, RFC 4180 (quoted where
 * needed, CRLF line ends) with a header row, written by `csv-stringify`. Every file starts
 * with a UTF-8 byte order mark: without it Excel, where most people open these files, reads
 * them as a legacy code page and garbles every non-ASCII name; other readers skip it.
 *
 * Cells keep values as data, by three rules (docs/archive-format.md states them for readers):
 * - null is an empty cell; text, numbers and booleans are written as they are;
 * - a list or an object (attachments, participants, poll options) is compact JSON, so `[]`,
 *   `["Ana; Bo"]` and an empty cell never read the same;
 * - a cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`, so that
 *   a spreadsheet shows it as text instead of running it as a formula (CSV injection); so does
 *   a cell that starts with `'` itself. A reader gets every value back exactly by removing
 *   the first character of each cell that starts with `'` (`'+1 555` is `+1 555`).
 * A file that would pass the chunk limit continues in `<section>_2.csv`, with its own header.
 */
import { stringify } from 'csv-stringify/sync';
import type { TextEntry } from './archive-entry.js';
import type { JsonValue, Row, Section } from './data-type-sections.js';
import { chunkPath, type FormatWriter, TextBuilder } from './format-writer.js';

const BOM = '\uFEFF';

/** What a spreadsheet runs as a formula, and the mark itself (so that removing it round-trips). */
const NEUTRALISED_START = /^[=+\-@\t\r']/;

export class CsvWriter implements FormatWriter {
  readonly #folder: string;
  readonly #chunkBytes: number;
  readonly #text = new TextBuilder();
  #section: Section | undefined;
  #chunkNumber = 0;
  #rowsInFile = 0;

  /** `folder` as made by `dataTypeFolder`. */
  constructor(folder: string, chunkBytes: number) {
    this.#folder = folder;
    this.#chunkBytes = chunkBytes;
  }

  startSection(section: Section): TextEntry[] {
    const done = this.finish();
    this.#section = section;
    this.#chunkNumber = 0;
    this.#open();
    return done;
  }

  writeRow(row: Row): TextEntry[] {
    const section = this.#current();
    const line = csvLine(section.columns.map((column) => csvCell(row[column] ?? null)));
    const done: TextEntry[] = [];
    if (this.#rowsInFile > 0 && this.#text.bytes + Buffer.byteLength(line) > this.#chunkBytes) {
      done.push(this.#close());
      this.#open();
    }
    this.#text.append(line);
    this.#rowsInFile++;
    return done;
  }

  finish(): TextEntry[] {
    return this.#section === undefined ? [] : [this.#close()];
  }

  #open(): void {
    this.#chunkNumber++;
    this.#rowsInFile = 0;
    this.#text.append(BOM + csvLine(this.#current().columns));
  }

  #close(): TextEntry {
    const base = `csv/${this.#folder}/${this.#current().name}`;
    return this.#text.take(chunkPath(base, 'csv', this.#chunkNumber));
  }

  #current(): Section {
    if (this.#section === undefined) throw new Error('CsvWriter: startSection was not called');
    return this.#section;
  }
}

/** One record, CRLF-terminated; fields with a comma, quote, CR or LF are quoted. */
function csvLine(cells: readonly string[]): string {
  // With an explicit record delimiter csv-stringify would no longer quote a lone "\n" unless
  // told to, and such a field would split the record for every reader.
  return stringify([cells], { record_delimiter: 'windows', quote_record_delimiter: true });
}

/** The text of one cell, neutralised when a spreadsheet would read it as a formula. */
export function csvCell(value: JsonValue): string {
  const text = cellText(value);
  return NEUTRALISED_START.test(text) ? `'${text}` : text;
}

function cellText(value: JsonValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
