/**
 * @module
 * Keyset paging over an id-ordered list, independent of the query library: the adapter gives
 * a `fetch` that returns rows past a position in a direction, and this turns a PageRequest into
 * a Page with exact `hasPrevious`/`hasNext`, at most two indexed queries per page.
 */
import type { Id } from '../../domain/index.js';
import { type MaybePromise, thenMaybe } from '../../ports/maybe-promise.js';
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
) => MaybePromise<readonly T[]>;

const reverse = (order: ListOrder): ListOrder => (order === 'asc' ? 'desc' : 'asc');

/** Rows at or beyond `position` in `direction`: one past it, shifted by one. */
const inclusive = (direction: ListOrder, position: number): number =>
  direction === 'asc' ? position - 1 : position + 1;

/**
 * The page; without a promise when `fetch` answers without one (SQLite's read connection),
 * and a failure (a throw of `fetch` too) a rejected promise, as from an async function.
 */
export function keysetPage<T extends { id: number }>(
  order: ListOrder,
  page: PageRequest,
  fetch: FetchRows<T>,
): MaybePromise<Page<T>> {
  try {
    const before = toPosition(page.before);
    if (before !== undefined) {
      return thenMaybe(fetch(reverse(order), before, page.limit + 1), (rows) => {
        const hasPrevious = rows.length > page.limit;
        const items = rows.slice(0, page.limit).reverse();
        return thenMaybe(fetch(order, inclusive(order, before), 1), (next) => ({
          items,
          hasPrevious,
          hasNext: next.length > 0,
        }));
      });
    }
    const after = toPosition(page.after);
    return thenMaybe(fetch(order, after, page.limit + 1), (rows) => {
      const hasNext = rows.length > page.limit;
      const items = rows.slice(0, page.limit);
      if (after === undefined) return { items, hasPrevious: false, hasNext };
      return thenMaybe(fetch(reverse(order), inclusive(reverse(order), after), 1), (previous) => ({
        items,
        hasPrevious: previous.length > 0,
        hasNext,
      }));
    });
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as thrown
    return Promise.reject(error);
  }
}

function toPosition(id: Id | undefined): number | undefined {
  return id === undefined ? undefined : Number(id);
}
