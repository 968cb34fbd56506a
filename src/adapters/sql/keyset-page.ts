/**
 * @module
 * Keyset paging over an id-ordered list, independent of the query library: the adapter gives
 * a `fetch` that returns rows past a position in a direction, and this turns a PageRequest into
 * a Page with exact `hasPrevious`/`hasNext`, one indexed query per page: a page from a cursor
 * asks `fetch` for the row next to the cursor's position on the other side too (`neighbour`),
 * which tells whether anything lies that way. (It was a second query until session 10: on
 * PostgreSQL a second round trip, which made a page after a cursor cost about 1.2x the first.)
 */
import type { Id } from '../../domain/index.js';
import { type MaybePromise, thenMaybe } from '../../ports/maybe-promise.js';
import type { Page, PageRequest } from '../../ports/paging.js';

export type ListOrder = 'asc' | 'desc';

/**
 * Returns up to `limit` rows whose id is strictly beyond `position` when walking the ids in
 * `direction` (all rows from the start when `position` is undefined). With `neighbour` (asked
 * only with a position), the rows start with the nearest row at or behind `position`, when
 * there is one, and `limit` counts it (`keysetSql` and `keysetParameters` take the same flag).
 */
export type FetchRows<T> = (
  direction: ListOrder,
  position: number | undefined,
  limit: number,
  neighbour: boolean,
) => MaybePromise<readonly T[]>;

const reverse = (order: ListOrder): ListOrder => (order === 'asc' ? 'desc' : 'asc');

/**
 * `rows` of a `neighbour` fetch past `position` in `direction`, split into whether the first is
 * the neighbour (at or behind the position) and the rows beyond it.
 */
function splitNeighbour<T extends { id: number }>(
  rows: readonly T[],
  direction: ListOrder,
  position: number,
): { hasNeighbour: boolean; beyond: readonly T[] } {
  const first = rows[0];
  const hasNeighbour =
    first !== undefined && (direction === 'asc' ? first.id <= position : first.id >= position);
  return { hasNeighbour, beyond: hasNeighbour ? rows.slice(1) : rows };
}

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
      // Walking back from `before`; the neighbour is the row at or after it: `hasNext`.
      const backward = reverse(order);
      return thenMaybe(fetch(backward, before, page.limit + 2, true), (rows) => {
        const { hasNeighbour, beyond } = splitNeighbour(rows, backward, before);
        return {
          items: beyond.slice(0, page.limit).reverse(),
          hasPrevious: beyond.length > page.limit,
          hasNext: hasNeighbour,
        };
      });
    }
    const after = toPosition(page.after);
    if (after === undefined) {
      return thenMaybe(fetch(order, undefined, page.limit + 1, false), (rows) => ({
        items: rows.slice(0, page.limit),
        hasPrevious: false,
        hasNext: rows.length > page.limit,
      }));
    }
    // The neighbour is the row at or before `after`: `hasPrevious`.
    return thenMaybe(fetch(order, after, page.limit + 2, true), (rows) => {
      const { hasNeighbour, beyond } = splitNeighbour(rows, order, after);
      return {
        items: beyond.slice(0, page.limit),
        hasPrevious: hasNeighbour,
        hasNext: beyond.length > page.limit,
      };
    });
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as thrown
    return Promise.reject(error);
  }
}

function toPosition(id: Id | undefined): number | undefined {
  return id === undefined ? undefined : Number(id);
}
