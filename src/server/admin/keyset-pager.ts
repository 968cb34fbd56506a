/**
 * @module
 * Paging of the panel's long lists by position, the way the stores page (`after`/`before` an
 * id, never an offset): reading the position from a page's query, and the pair of links that
 * move a page back and forth, with where the page is ("Page 2 of 77") for a list that counts.
 * The links keep the page's other parameters (a filter, a search).
 */
import { type Id, ValidationError } from '../../domain/index.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { type Html, html } from './html.js';

/** Text of a query parameter; a repeated one counts as absent. */
export function queryText(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function positionOf(query: unknown, name: 'after' | 'before'): Id | undefined {
  const value = queryText(query, name);
  if (value !== undefined && !/^\d{1,20}$/.test(value)) {
    throw new ValidationError(name, `The page position "${name}" must be an id (digits only).`);
  }
  return value;
}

/** The page a query asks for: `after` or `before` a position, `limit` items. */
export function pageRequestOf(query: unknown, limit: number): PageRequest {
  const before = positionOf(query, 'before');
  const after = before === undefined ? positionOf(query, 'after') : undefined;
  return { limit, ...(after !== undefined && { after }), ...(before !== undefined && { before }) };
}

/** The query a page of this list was asked with, for the page's live fragment. */
export function pageParams(page: PageRequest): Record<string, string> {
  if (page.before !== undefined) return { before: page.before };
  if (page.after !== undefined) return { after: page.after };
  return {};
}

export interface PagerOptions {
  readonly label: string;
  readonly path: string;
  /** Parameters every link keeps (a filter). */
  readonly params: Readonly<Record<string, string>>;
  readonly previous: string;
  readonly next: string;
  /** Which page this is of how many ("Page 2 of 77"), for lists that count theirs. */
  readonly position?: { readonly number: number; readonly of: number };
}

/** `path` with `params`, as a URL for an href or a `data-live`. */
export function urlWith(path: string, params: Readonly<Record<string, string>>): string {
  const query = new URLSearchParams(params).toString();
  return query === '' ? path : `${path}?${query}`;
}

/** Links to the pages before and after this one; nothing when there is only one page. */
export function renderPager(page: Page<{ readonly id: Id }>, options: PagerOptions): Html {
  const first = page.items[0];
  const last = page.items.at(-1);
  if (!first || !last || (!page.hasPrevious && !page.hasNext)) return html``;
  const previous = urlWith(options.path, { ...options.params, before: first.id });
  const next = urlWith(options.path, { ...options.params, after: last.id });
  const position = options.position;
  return html`<nav class="pager" aria-label="${options.label}">
    ${page.hasPrevious && html`<a href="${previous}" rel="prev">${options.previous}</a>`}
    ${position && html`<span class="pager-position">Page ${position.number} of ${position.of}</span>`}
    ${page.hasNext && html`<a href="${next}" rel="next">${options.next}</a>`}
  </nav>`;
}
