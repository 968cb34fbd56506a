/**
 * @module
 * HTML output: one page per data type, `html/<folder>.html`, with a captioned table per
 * section whose columns carry words (`column-labels.ts`), not row keys. Every string from the
 * content is escaped and isolated in a `<bdi>` (so right-to-left text or a stray bidi override
 * stays inside its own text); times show in words with their ISO form in `<time datetime>`;
 * attachments point at `../media/...` (images shown inline, other files linked), so the pages
 * work offline straight out of the unzipped archive. No page is enormous: one that reaches
 * `rowsPerPage` rows, or would pass the chunk limit, is closed and the data type continues in
 * `html/<folder>_2.html` ..., each page linked to its neighbours and to `../index.html`.
 */
import type { TextEntry } from './archive-entry.js';
import { columnLabel, readingOrder } from './column-labels.js';
import type { JsonValue, Row, Section } from './data-type-sections.js';
import { chunkPath, type FormatWriter, TextBuilder } from './format-writer.js';
import { escapeHtml, isoSeconds, pageEnd, pagerHtml, pageStart, timeHtml } from './html-page.js';

/** Most rows on one page: a long section reads page by page instead of in one huge page. */
export const ROWS_PER_PAGE = 500;

const TABLE_END = '</tbody>\n</table>\n</div>\n</section>\n';

const IMAGE_PATH = /\.(jpe?g|png|gif|webp)$/i;

export class HtmlWriter implements FormatWriter {
  readonly #folder: string;
  readonly #title: string;
  readonly #chunkBytes: number;
  readonly #missing: ReadonlyMap<string, string>;
  readonly #rowsPerPage: number;
  readonly #text = new TextBuilder();
  #section: Section | undefined;
  /** The section's columns in the order the page shows them (`readingOrder`). */
  #columns: readonly string[] = [];
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
    rowsPerPage = ROWS_PER_PAGE,
  ) {
    this.#folder = folder;
    this.#title = title;
    this.#chunkBytes = chunkBytes;
    this.#missing = missing;
    this.#rowsPerPage = rowsPerPage;
  }

  startSection(section: Section): TextEntry[] {
    if (this.#pageNumber === 0) this.#open();
    else this.#text.append(this.#closeSection());
    this.#isTableOpen = false;
    this.#section = section;
    this.#columns = readingOrder(section.columns);
    this.#rowsInSection = 0;
    this.#text.append(sectionStart(section, false));
    return [];
  }

  writeRow(row: Row): TextEntry[] {
    const section = this.#current();
    const cells = this.#columns.map((column) =>
      cellHtml(column, row[column] ?? null, this.#missing),
    );
    const html = `<tr>${cells.join('')}</tr>\n`;
    const done: TextEntry[] = [];
    let opening = this.#isTableOpen ? '' : tableStart(section, false);
    const tail = TABLE_END + pageEnd(this.#pager(true));
    const isPageFull =
      this.#rowsOnPage >= this.#rowsPerPage ||
      this.#text.bytes + Buffer.byteLength(opening + html + tail) > this.#chunkBytes;
    if (this.#rowsOnPage > 0 && isPageFull) {
      done.push(this.#close(true));
      this.#open();
      this.#text.append(sectionStart(section, true));
      opening = tableStart(section, true);
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
    const title = this.#title + (this.#pageNumber === 1 ? '' : `, page ${this.#pageNumber}`);
    const nav = `<nav aria-label="Archive pages">\n${this.#pager(false)}</nav>\n`;
    this.#text.append(`${pageStart(title, nav)}<h1>${escapeHtml(title)}</h1>\n`);
  }

  #close(hasNext: boolean): TextEntry {
    this.#text.append(`${this.#closeSection()}${pageEnd(this.#pager(hasNext))}`);
    this.#isTableOpen = false;
    return this.#text.take(chunkPath(`html/${this.#folder}`, 'html', this.#pageNumber));
  }

  #closeSection(): string {
    if (this.#isTableOpen) return TABLE_END;
    return this.#rowsInSection === 0 && this.#section !== undefined
      ? '<p class="empty">No items.</p>\n</section>\n'
      : '</section>\n';
  }

  /** Links to the index and to the neighbouring pages of this data type. */
  #pager(hasNext: boolean): string {
    const back = { href: '../index.html', label: 'All data types' };
    return pagerHtml(back, this.#folder, this.#pageNumber, hasNext);
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

/**
 * A table in a box of its own that scrolls sideways when the table is wider than the screen
 * (the page itself never does); the box can take the focus, so a keyboard can scroll it too.
 */
function tableStart(section: Section, isContinued: boolean): string {
  const captionId = escapeHtml(`${section.name}-table`);
  const caption = escapeHtml(section.title) + (isContinued ? ' (continued)' : '');
  const headers = readingOrder(section.columns)
    .map((column) => `<th scope="col">${escapeHtml(columnLabel(column))}</th>`)
    .join('');
  return (
    `<div class="scroll" role="region" tabindex="0" aria-labelledby="${captionId}">\n` +
    `<table>\n<caption id="${captionId}">${caption}</caption>\n` +
    `<thead><tr>${headers}</tr></thead>\n<tbody>\n`
  );
}

/** Longest text, in characters, that still reads well in a narrow column. */
const SHORT_TEXT_CHARS = 40;

/**
 * A `<td>`: one holding long text is marked `long`, so that its column keeps a readable width
 * (the table scrolls sideways instead of squeezing the text into a column of a few letters).
 */
function cellHtml(column: string, value: JsonValue, missing: ReadonlyMap<string, string>): string {
  const isLong =
    (typeof value === 'string' && value.length > SHORT_TEXT_CHARS) ||
    (typeof value === 'object' && value !== null && !Array.isArray(value));
  return `<td${isLong ? ' class="long"' : ''}>${htmlCell(column, value, missing)}</td>`;
}

/** One cell's HTML; see `data-type-sections.ts` for the `attachments` and `url` columns. */
export function htmlCell(
  column: string,
  value: JsonValue,
  missing: ReadonlyMap<string, string> = new Map(),
): string {
  if (value === null) return '';
  if (column === 'attachments' && isList(value)) return attachmentsHtml(value, missing);
  if (column === 'url' && typeof value === 'string' && /^https?:\/\//i.test(value)) {
    return `<a href="${escapeHtml(value)}" rel="noreferrer">${escapeHtml(value)}</a>`;
  }
  if (typeof value === 'string') return isTimeColumn(column) ? timeOrText(value) : isolated(value);
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

/** Columns of times: `created_time`, `start_time` ... (rows hold them as ISO 8601 UTC). */
function isTimeColumn(column: string): boolean {
  return /(^|_)time$/.test(column);
}

/** A row's ISO time as a `<time>`; anything else in a time column stays text. */
function timeOrText(value: string): string {
  const seconds = Date.parse(value) / 1000;
  return Number.isInteger(seconds) && isoSeconds(seconds) === value
    ? timeHtml(seconds)
    : isolated(value);
}

function isList(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}

function isTextList(value: JsonValue): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * The attachments of a row (media objects of `data-type-sections.ts`, or bare archive paths)
 * on a page `root` away from the archive's root: `../` for `html/`.
 */
export function attachmentsHtml(
  value: JsonValue,
  missing: ReadonlyMap<string, string>,
  root = '../',
): string {
  return isList(value) ? value.map((media) => attachmentHtml(media, missing, root)).join('') : '';
}

function attachmentHtml(
  media: JsonValue,
  missing: ReadonlyMap<string, string>,
  root: string,
): string {
  if (typeof media === 'string') return mediaHtml(root + media, media, missing.get(media));
  if (media === null || typeof media !== 'object' || Array.isArray(media)) return '';
  const { uri, reason, original_name: name } = media as { readonly [key: string]: JsonValue };
  if (typeof uri !== 'string') return '';
  const why = typeof reason === 'string' ? reason : missing.get(uri);
  return mediaHtml(root + uri, uri, why, typeof name === 'string' ? name : undefined);
}

/**
 * A medium of the archive (`path`, at `href` from the page), named by the name it was uploaded
 * with where known: images inline, other files as links, and what was left out marked as
 * missing, with why, and pointing at nothing.
 */
function mediaHtml(
  href: string,
  path: string,
  missingReason: string | undefined,
  originalName?: string,
): string {
  const name = escapeHtml(originalName ?? path.slice(path.lastIndexOf('/') + 1));
  if (missingReason !== undefined) {
    return (
      `<span class="missing"><bdi>${name}</bdi>: not in this archive ` +
      `(<bdi>${escapeHtml(missingReason)}</bdi>)</span><br>`
    );
  }
  const link = escapeHtml(href);
  return IMAGE_PATH.test(path)
    ? `<a href="${link}"><img src="${link}" alt="${name}" loading="lazy"></a>`
    : `<a href="${link}">${name}</a><br>`;
}
