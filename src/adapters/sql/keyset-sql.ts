/**
 * @module
 * The SQL of one keyset page fetch: `base` (a SELECT with its WHERE filters) continued past a
 * position in a direction, with `?` placeholders (the PostgreSQL adapter numbers them). The
 * texts repeat exactly, so a statement cache prepares each variant once.
 */
import type { ListOrder } from './keyset-page.js';

/**
 * The four texts of each base and id column, built once: a text built per read is a new
 * string the statement cache must flatten and hash again (a Graph page read makes one or two).
 * Bases are SQL of fixed fragments whose values are all `?` parameters, so the map holds one
 * entry per read and filter combination the code has, never one per value asked.
 */
const variants = new Map<string, Map<string, readonly string[]>>();

/** `idColumn` names the id a join's base pages by (`j.id`). */
export function keysetSql(
  base: string,
  direction: ListOrder,
  hasPosition: boolean,
  idColumn = 'id',
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
    ];
    byBase.set(base, texts);
  }
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

export function keysetParameters(
  filters: readonly unknown[],
  position: number | undefined,
  limit: number,
): unknown[] {
  return position === undefined ? [...filters, limit] : [...filters, position, limit];
}
