/**
 * @module
 * The SQL of one keyset page fetch: `base` (a SELECT with its WHERE filters) continued past a
 * position in a direction, with `?` placeholders (the PostgreSQL adapter numbers them). The
 * texts repeat exactly, so a statement cache prepares each variant once.
 */
import type { ListOrder } from './keyset-page.js';

/** `idColumn` names the id a join's base pages by (`j.id`). */
export function keysetSql(
  base: string,
  direction: ListOrder,
  hasPosition: boolean,
  idColumn = 'id',
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
