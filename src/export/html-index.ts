/**
 * @module
 * `index.html` at the root of an archive: the entry point people open after unzipping, with
 * every data type of the job, how many items it holds and links to its HTML pages. Data types
 * without pages (no items rendered as HTML) are still listed, so that nobody wonders where
 * they went.
 */
import type { DataType } from '../domain/index.js';
import type { TextEntry } from './archive-entry.js';
import { DATA_TYPE_SECTIONS } from './data-type-sections.js';
import { escapeHtml, PAGE_END, pageStart } from './html-page.js';

export interface HtmlIndexJob {
  /** Shown as the page heading, e.g. "Your information from Acme". */
  readonly title: string;
  readonly dataTypes: readonly {
    readonly dataType: DataType;
    readonly items: number;
    /** Archive paths of the data type's pages, in order (`html/<folder>.html`, `_2` ...). */
    readonly pages: readonly string[];
  }[];
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
  const html = `${pageStart(job.title)}<h1>${escapeHtml(job.title)}</h1>\n${body}${PAGE_END}`;
  return { kind: 'text', path: 'index.html', data: Buffer.from(html) };
}
