/**
 * @module
 * Keyset paging over an id-ordered list, independent of the query library: the adapter gives
 * a `fetch` that returns rows past a position in a direction, and this turns a PageRequest into
 * a Page with exact `hasPrevious`/`hasNext`, at most two indexed queries per page.
 *
 * A page from a cursor is one query as a rule: a cursor names an item of the list (the last
 * of the page before, or the first of the page after), so the read starts at that item, whose
 * presence says that the list goes on that way. Only when that item has left the list (deleted,
 * or no longer matching a filter) does a second query look behind the position. Until session
 * 10 that second query ran on every page from a cursor: on PostgreSQL a second round trip, which
 * made such a page cost about 1.2x the first (docs/benchmarks.md, "Deep keyset page").
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
      const backward = reverse(order);
      // From the cursor's item back; past it, the list goes on forward (`hasNext`).
      return thenMaybe(fetch(backward, inclusive(backward, before), page.limit + 2), (rows) => {
        const { found, beyond } = fromCursorItem(rows, before);
        const hasPrevious = beyond.length > page.limit;
        const items = beyond.slice(0, page.limit).reverse();
        if (found) return { items, hasPrevious, hasNext: true };
        return thenMaybe(fetch(order, inclusive(order, before), 1), (next) => ({
          items,
          hasPrevious,
          hasNext: next.length > 0,
        }));
      });
    }
    const after = toPosition(page.after);
    if (after === undefined) {
      return thenMaybe(fetch(order, undefined, page.limit + 1), (rows) => ({
        items: rows.slice(0, page.limit),
        hasPrevious: false,
        hasNext: rows.length > page.limit,
      }));
    }
    // From the cursor's item on; before it, the list goes on backward (`hasPrevious`).
    return thenMaybe(fetch(order, inclusive(order, after), page.limit + 2), (rows) => {
      const { found, beyond } = fromCursorItem(rows, after);
      const hasNext = beyond.length > page.limit;
      const items = beyond.slice(0, page.limit);
      if (found) return { items, hasPrevious: true, hasNext };
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

/**
 * Rows read from `position` inclusive: whether the first is the item at the position (the
 * cursor's own), and the rows beyond it.
 */
function fromCursorItem<T extends { id: number }>(
  rows: readonly T[],
  position: number,
): { found: boolean; beyond: readonly T[] } {
  const found = rows[0]?.id === position;
  return { found, beyond: found ? rows.slice(1) : rows };
}

function toPosition(id: Id | undefined): number | undefined {
  return id === undefined ? undefined : Number(id);
}
