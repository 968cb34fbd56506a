/**
 * @module
 * Ids of stored objects as both SQL engines keep them: one sequence for every kind of object
 * (table `objects`), integers starting at 15 digits, handed to the domain as numeric strings.
 */
import type { Id } from '../../domain/index.js';

/** First id handed out: ids look like Graph ids (15 digits) and never collide across types. */
export const FIRST_OBJECT_ID = 100_000_000_000_001;

/** A numeric row id for an id string, or undefined when it cannot name a row. */
export function toRowId(id: Id): number | undefined {
  // Only the canonical spelling names a row: `0123` is not `123`.
  if (!/^[1-9]\d{0,15}$/.test(id)) return undefined;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : undefined;
}
