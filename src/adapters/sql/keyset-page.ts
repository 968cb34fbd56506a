/**
 * @module
 * Keyset paging over an id-ordered list, independent of the query library: the adapter gives
 * a `fetch` that returns rows past a position in a direction, and this turns a PageRequest into
 * a Page with exact `hasPrevious`/`hasNext`, at most two indexed queries per page.
 */
import type { Id } from '../../domain/index.js';
import type { Page, PageRequest } from '../../ports/paging.js';

export type ListOrder = 'asc' | 'desc';

/**
 * Returns up to `limit` rows whose id is strictly beyond `position` when walking the ids in
 * `direction` (all rows from the start when `position` is undefined).
 */
export type FetchRows<T> = (
  direction: ListOrder,
  position: number | undefined,
  limit: number,
) => Promise<T[]>;

const reverse = (order: ListOrder): ListOrder => (order === 'asc' ? 'desc' : 'asc');

/** Rows at or beyond `position` in `direction`: one past it, shifted by one. */
const inclusive = (direction: ListOrder, position: number): number =>
  direction === 'asc' ? position - 1 : position + 1;

export async function keysetPage<T extends { id: number }>(
  order: ListOrder,
  page: PageRequest,
  fetch: FetchRows<T>,
): Promise<Page<T>> {
  const before = toPosition(page.before);
  if (before !== undefined) {
    const rows = await fetch(reverse(order), before, page.limit + 1);
    const hasPrevious = rows.length > page.limit;
    const items = rows.slice(0, page.limit).reverse();
    const hasNext = (await fetch(order, inclusive(order, before), 1)).length > 0;
    return { items, hasPrevious, hasNext };
  }
  const after = toPosition(page.after);
  const rows = await fetch(order, after, page.limit + 1);
  const hasNext = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  const hasPrevious =
    after !== undefined &&
    (await fetch(reverse(order), inclusive(reverse(order), after), 1)).length > 0;
  return { items, hasPrevious, hasNext };
}

function toPosition(id: Id | undefined): number | undefined {
  return id === undefined ? undefined : Number(id);
}
