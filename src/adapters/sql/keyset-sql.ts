/**
 * @module
 * The SQL of one keyset page fetch: `base` (a SELECT with its WHERE filters) continued past a
 * position in a direction, with `?` placeholders (the PostgreSQL adapter numbers them). The
 * texts repeat exactly, so a statement cache prepares each variant once.
 */
import type { ListOrder } from './keyset-page.js';

export function keysetSql(base: string, direction: ListOrder, hasPosition: boolean): string {
  const past = hasPosition ? ` AND id ${direction === 'asc' ? '>' : '<'} ?` : '';
  return `${base}${past} ORDER BY id ${direction === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`;
}

export function keysetParameters(
  filters: readonly unknown[],
  position: number | undefined,
  limit: number,
): unknown[] {
  return position === undefined ? [...filters, limit] : [...filters, position, limit];
}
