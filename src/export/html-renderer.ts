/**
 * @module
 * HTML output: one page per data type, `html/<folder>.html`, with a table per section. Every
 * string from the content is escaped and isolated in a `<bdi>` (so right-to-left text or a
 * stray bidi override stays inside its own text); attachments point at `../media/...` (images shown
 * inline, other files linked), so the pages work offline straight out of the unzipped
 * archive. A page that would pass the chunk limit is closed and the data type continues in
 * `html/<folder>_2.html` ..., the pieces linked to each other and to `../index.html`.
 */
import type { TextEntry } from './archive-entry.js';
import type { JsonValue, Row, Section } from './data-type-sections.js';
import { chunkPath, type FormatWriter, TextBuilder } from './format-writer.js';
import { escapeHtml, PAGE_END, pageStart } from './html-page.js';

const TABLE_END = '</tbody>\n</table>\n</div>\n</section>\n';

const IMAGE_PATH = /\.(jpe?g|png|gif|webp)$/i;

export class HtmlWriter implements FormatWriter {
  readonly #folder: string;
  readonly #title: string;
  readonly #chunkBytes: number;
  readonly #missing: ReadonlyMap<string, string>;
  readonly #text = new TextBuilder();
  #section: Section | undefined;
  #pageNumber = 0;
  #rowsOnPage = 0;
  #rowsInSection = 0;
  #isTableOpen = false;

  /**
   * `folder` as made by `dataTypeFolder`; `title` the data type's heading; `missing` the media
   * left out of the archive (path to reason), shown as missing rather than as a broken link.
   */
  constructor(
    folder: string,
    title: string,
    chunkBytes: number,
    missing: ReadonlyMap<string, string> = new Map(),
  ) {
    this.#folder = folder;
    this.#title = title;
    this.#chunkBytes = chunkBytes;
    this.#missing = missing;
  }

  startSection(section: Section): TextEntry[] {
    if (this.#pageNumber === 0) this.#open();
    else this.#text.append(this.#closeSection());
    this.#isTableOpen = false;
    this.#section = section;
    this.#rowsInSection = 0;
    this.#text.append(sectionStart(section, false));
    return [];
  }

  writeRow(row: Row): TextEntry[] {
    const section = this.#current();
    const cells = section.columns.map(
      (column) =>
        `<td data-label="${escapeHtml(column)}">${htmlCell(column, row[column] ?? null, this.#missing)}</td>`,
    );
    const html = `<tr>${cells.join('')}</tr>\n`;
    const done: TextEntry[] = [];
    let opening = this.#isTableOpen ? '' : tableStart(section);
    const tail = TABLE_END + this.#nav(true) + PAGE_END;
    if (
      this.#rowsOnPage > 0 &&
      this.#text.bytes + Buffer.byteLength(opening + html + tail) > this.#chunkBytes
    ) {
      done.push(this.#close(true));
      this.#open();
      this.#text.append(sectionStart(section, true));
      opening = tableStart(section);
    }
    this.#text.append(opening + html);
    this.#isTableOpen = true;
    this.#rowsOnPage++;
    this.#rowsInSection++;
    return done;
  }

  finish(): TextEntry[] {
    return this.#pageNumber === 0 ? [] : [this.#close(false)];
  }

  #open(): void {
    this.#pageNumber++;
    this.#rowsOnPage = 0;
    const part = this.#pageNumber === 1 ? '' : ` (part ${this.#pageNumber})`;
    this.#text.append(
      `${pageStart(this.#title + part)}${this.#nav(false)}<h1>${escapeHtml(this.#title + part)}</h1>\n`,
    );
  }

  #close(hasNext: boolean): TextEntry {
    this.#text.append(this.#tail(hasNext));
    this.#isTableOpen = false;
    return this.#text.take(chunkPath(`html/${this.#folder}`, 'html', this.#pageNumber));
  }

  #tail(hasNext: boolean): string {
    return `${this.#closeSection()}${this.#nav(hasNext)}${PAGE_END}`;
  }

  #closeSection(): string {
    if (this.#isTableOpen) return TABLE_END;
    return this.#rowsInSection === 0 && this.#section !== undefined
      ? '<p class="empty">No items.</p>\n</section>\n'
      : '</section>\n';
  }

  /** Links to the index and to the neighbouring pieces of this data type. */
  #nav(hasNext: boolean): string {
    const link = (href: string, label: string): string =>
      `<a href="${escapeHtml(href)}">${label}</a>`;
    const links = [link('../index.html', 'All data types')];
    if (this.#pageNumber > 1) {
      links.push(link(chunkPath(this.#folder, 'html', this.#pageNumber - 1), 'Previous part'));
    }
    if (hasNext) {
      links.push(link(chunkPath(this.#folder, 'html', this.#pageNumber + 1), 'Next part'));
    }
    return `<nav>${links.join('')}</nav>\n`;
  }

  #current(): Section {
    if (this.#section === undefined) throw new Error('HtmlWriter: startSection was not called');
    return this.#section;
  }
}

function sectionStart(section: Section, isContinued: boolean): string {
  const heading = escapeHtml(section.title) + (isContinued ? ' (continued)' : '');
  return `<section id="${escapeHtml(section.name)}">\n<h2>${heading}</h2>\n`;
}

function tableStart(section: Section): string {
  const headers = section.columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('');
  return `<div class="scroll">\n<table>\n<thead><tr>${headers}</tr></thead>\n<tbody>\n`;
}

/** One cell's HTML; see `data-type-sections.ts` for the `attachments` and `url` columns. */
export function htmlCell(
  column: string,
  value: JsonValue,
  missing: ReadonlyMap<string, string> = new Map(),
): string {
  if (value === null) return '';
  if (column === 'attachments' && isList(value)) {
    return value.map((media) => attachmentHtml(media, missing)).join('');
  }
  if (column === 'url' && typeof value === 'string' && /^https?:\/\//i.test(value)) {
    return `<a href="${escapeHtml(value)}" rel="noreferrer">${escapeHtml(value)}</a>`;
  }
  if (typeof value === 'string') return isolated(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isTextList(value)) {
    return value.length === 0
      ? ''
      : `<ul>${value.map((item) => `<li>${isolated(item)}</li>`).join('')}</ul>`;
  }
  return `<pre dir="auto">${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
}

/**
 * User text, escaped and isolated in a `<bdi>`: its direction is found from its own letters,
 * and a bidi control inside it (a right-to-left override, U+202E) ends with the element
 * instead of reversing the rest of the cell or the row.
 */
function isolated(text: string): string {
  return text === '' ? '' : `<bdi>${escapeHtml(text)}</bdi>`;
}

function isList(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}

function isTextList(value: JsonValue): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** A media object of `data-type-sections.ts` (or, from older callers, a bare archive path). */
function attachmentHtml(media: JsonValue, missing: ReadonlyMap<string, string>): string {
  if (typeof media === 'string') return mediaHtml(media, missing.get(media));
  if (media === null || typeof media !== 'object' || Array.isArray(media)) return '';
  const { uri, reason } = media as { readonly [key: string]: JsonValue };
  if (typeof uri !== 'string') return '';
  return mediaHtml(uri, typeof reason === 'string' ? reason : missing.get(uri));
}

/**
 * An archive media path seen from `html/`: images inline, other files as links, and what was
 * left out marked as missing, with why, and pointing at nothing.
 */
function mediaHtml(path: string, missingReason: string | undefined): string {
  const href = escapeHtml(`../${path}`);
  const name = escapeHtml(path.slice(path.lastIndexOf('/') + 1));
  if (missingReason !== undefined) {
    return (
      `<span class="missing"><bdi>${name}</bdi>: not in this archive ` +
      `(<bdi>${escapeHtml(missingReason)}</bdi>)</span><br>`
    );
  }
  return IMAGE_PATH.test(path)
    ? `<a href="${href}"><img src="${href}" alt="${name}" loading="lazy"></a>`
    : `<a href="${href}">${name}</a><br>`;
}
