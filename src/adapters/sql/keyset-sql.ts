/**
 * @module
 * The SQL of one keyset page fetch: `base` (a SELECT with its WHERE filters) continued past a
 * position in a direction, with `?` placeholders (the PostgreSQL adapter numbers them). The
 * texts repeat exactly, so a statement cache prepares each variant once.
 *
 * A fetch past a position can also bring the row next to it on the other side (`neighbour`):
 * the page and its `hasPrevious` (or `hasNext`) in one statement, where two would cost a
 * PostgreSQL server a second round trip, parse and plan. The rows then start at the nearest
 * row at or behind the position, found by a scalar subquery (evaluated once), and continue
 * along the same index range as the plain fetch: `id >= COALESCE(<that row's id>, position
 * + 1)` going up (`<=` and `- 1` going down; ids are integers).
 */
import type { ListOrder } from './keyset-page.js';

/**
 * The four texts of each base and id column, built once: a text built per read is a new
 * string the statement cache must flatten and hash again (a Graph page read makes one or two).
 * Bases are SQL of fixed fragments whose values are all `?` parameters, so the map holds one
 * entry per read and filter combination the code has, never one per value asked.
 */
const variants = new Map<string, Map<string, readonly string[]>>();

/**
 * `idColumn` names the id a join's base pages by (`j.id`). With `neighbour` (and a position),
 * the text that also brings the row next to the position on the other side, if any, first
 * (see the module comment; its parameters come from `keysetParameters` with the same flag).
 */
export function keysetSql(
  base: string,
  direction: ListOrder,
  hasPosition: boolean,
  idColumn = 'id',
  neighbour = false,
): string {
  let byBase = variants.get(idColumn);
  if (byBase === undefined) {
    byBase = new Map();
    variants.set(idColumn, byBase);
  }
  let texts = byBase.get(base);
  if (texts === undefined) {
    texts = [
      buildKeysetSql(base, 'asc', false, idColumn),
      buildKeysetSql(base, 'asc', true, idColumn),
      buildKeysetSql(base, 'desc', false, idColumn),
      buildKeysetSql(base, 'desc', true, idColumn),
      buildNeighbourSql(base, 'asc', idColumn),
      buildNeighbourSql(base, 'desc', idColumn),
    ];
    byBase.set(base, texts);
  }
  if (neighbour && hasPosition) return texts[direction === 'asc' ? 4 : 5] as string;
  return texts[(direction === 'asc' ? 0 : 2) + (hasPosition ? 1 : 0)] as string;
}

function buildKeysetSql(
  base: string,
  direction: ListOrder,
  hasPosition: boolean,
  idColumn: string,
): string {
  const past = hasPosition ? ` AND ${idColumn} ${direction === 'asc' ? '>' : '<'} ?` : '';
  return `${base}${past} ORDER BY ${idColumn} ${direction === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`;
}

/**
 * The rows at or beyond the nearest row at or behind the position: `base` twice (the page, then
 * the subquery that finds that row in the derived table `behind`, whose id column is `id`).
 */
function buildNeighbourSql(base: string, direction: ListOrder, idColumn: string): string {
  const [from, behind, back] = direction === 'asc' ? ['>=', '<=', 'DESC'] : ['<=', '>=', 'ASC'];
  const nearest =
    `(SELECT id FROM (${base} AND ${idColumn} ${behind} ? ` +
    `ORDER BY ${idColumn} ${back} LIMIT 1) AS behind)`;
  return (
    `${base} AND ${idColumn} ${from} COALESCE(${nearest}, ?) ` +
    `ORDER BY ${idColumn} ${direction === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`
  );
}

/** The parameters of `keysetSql`'s text for the same position and `neighbour` flag. */
export function keysetParameters(
  filters: readonly unknown[],
  position: number | undefined,
  limit: number,
  direction: ListOrder = 'asc',
  neighbour = false,
): unknown[] {
  if (position === undefined) return [...filters, limit];
  if (!neighbour) return [...filters, position, limit];
  // Without a row behind, the range starts just past the position, as the plain fetch does.
  const past = direction === 'asc' ? position + 1 : position - 1;
  return [...filters, ...filters, position, past, limit];
}
