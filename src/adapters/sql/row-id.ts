/**
 * @module
 * Object ids as both SQL engines store them: integer columns holding 15-digit numbers, which
 * the domain spells as numeric strings. Only the canonical spelling of an id names a row.
 */
import type { Id } from '../../domain/index.js';

/** A numeric row id for an id string, or undefined when it cannot name a row. */
export function toRowId(id: Id): number | undefined {
  // Only the canonical spelling names a row: `0123` is not `123`.
  if (!/^[1-9]\d{0,15}$/.test(id)) return undefined;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : undefined;
}
