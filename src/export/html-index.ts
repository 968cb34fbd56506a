/**
 * @module
 * `index.html` at the root of an archive: the entry point people open after unzipping, with
 * every data type of the job, how many items it holds and links to its HTML pages. Data types
 * without pages (no items rendered as HTML) are still listed, so that nobody wonders where
 * they went. When the job had to leave something out (a file larger than a part, an image that
 * could not be read), the page says so first, names the first few and points at the manifests,
 * which list them all with their reasons.
 */
import type { DataType } from '../domain/index.js';
import type { LeftOut, TextEntry } from './archive-entry.js';
import { DATA_TYPE_SECTIONS } from './data-type-sections.js';
import { escapeHtml, PAGE_END, pageStart } from './html-page.js';

/** How many left-out items the index names; the manifests list all of them. */
export const INDEX_LEFT_OUT_LISTED = 20;
/** Longest item or reason the index shows, in characters. */
const LEFT_OUT_TEXT_CHARS = 200;

export interface HtmlIndexJob {
  /** Shown as the page heading, e.g. "Your information from Acme". */
  readonly title: string;
  readonly dataTypes: readonly {
    readonly dataType: DataType;
    readonly items: number;
    /** Archive paths of the data type's pages, in order (`html/<folder>.html`, `_2` ...). */
    readonly pages: readonly string[];
  }[];
  /** Everything the job left out: how many, and the first of them. */
  readonly leftOut?: { readonly count: number; readonly listed: readonly LeftOut[] };
}

export function renderHtmlIndex(job: HtmlIndexJob): TextEntry {
  const items = job.dataTypes.map(({ dataType, items, pages }) => {
    const title = escapeHtml(DATA_TYPE_SECTIONS[dataType].title);
    const link = (page: string, label: string): string =>
      `<a href="${escapeHtml(page)}">${label}</a>`;
    const heading = pages[0] !== undefined && pages.length === 1 ? link(pages[0], title) : title;
    const parts =
      pages.length > 1
        ? ` (${pages.map((page, i) => link(page, `part ${i + 1}`)).join(', ')})`
        : '';
    return `<li>${heading}: ${items} ${items === 1 ? 'item' : 'items'}${parts}</li>`;
  });
  const body =
    items.length === 0
      ? '<p class="empty">This archive holds no data types.</p>\n'
      : `<ul>\n${items.join('\n')}\n</ul>\n`;
  const html = `${pageStart(job.title)}<h1>${escapeHtml(job.title)}</h1>\n${leftOutHtml(job.leftOut)}${body}${PAGE_END}`;
  return { kind: 'text', path: 'index.html', data: Buffer.from(html) };
}

/** The warning about what was left out; nothing when nothing was. */
function leftOutHtml(leftOut: HtmlIndexJob['leftOut']): string {
  if (leftOut === undefined || leftOut.count === 0) return '';
  const { count, listed } = leftOut;
  const shown = listed
    .slice(0, INDEX_LEFT_OUT_LISTED)
    .map(
      (item) =>
        `<li><code>${escapeHtml(cap(item.item))}</code>: ${escapeHtml(cap(item.reason))}</li>`,
    );
  const more = count > shown.length ? `<li>and ${count - shown.length} more</li>\n` : '';
  return (
    `<section id="left_out">\n<h2>Left out</h2>\n<p>${leftOutSentence(count)}; ` +
    'the manifest of each part (<code>manifest-part-N.json</code>) lists every one of them and why.</p>\n' +
    `<ul>\n${shown.join('\n')}\n${more}</ul>\n</section>\n`
  );
}

/** "1 item was left out of this archive", "3 items were ...". */
export function leftOutSentence(count: number): string {
  return count === 1
    ? '1 item was left out of this archive'
    : `${count} items were left out of this archive`;
}

function cap(text: string): string {
  return text.length <= LEFT_OUT_TEXT_CHARS ? text : `${text.slice(0, LEFT_OUT_TEXT_CHARS - 1)}…`;
}
