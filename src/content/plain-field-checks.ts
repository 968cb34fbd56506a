/**
 * @module
 * The field checks the plain-line checks (`plain-line-checks.ts`) are built from, one per
 * field schema of `field-schemas.ts`: each says whether a value is plainly right, or gives
 * what the schema would make of it (an omitted optional field as null, an omitted list as [],
 * a time as Unix seconds), and `undefined` for anything the schema would refuse or change
 * in another way.
 */
import { MAX_ID_LENGTH, MAX_LONG_TEXT_LENGTH, MAX_SHORT_TEXT_LENGTH } from './field-schemas.js';
import { toUnixSeconds } from './to-unix-seconds.js';

export const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length >= 1 && value.length <= MAX_ID_LENGTH;

export const isShortText = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= MAX_SHORT_TEXT_LENGTH;

export const isLongText = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= MAX_LONG_TEXT_LENGTH;

/** What an omitted or null optional text becomes; `undefined` when it is not one. */
export function optionalTextOf(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  return isShortText(value) ? value : undefined;
}

export function optionalLongTextOf(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  return isLongText(value) ? value : undefined;
}

export function optionalIdOf(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  return isId(value) ? value : undefined;
}

/** An omitted list becomes []; a list of ids is copied, as zod copies it. */
export function idListOf(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  for (const item of value) if (!isId(item)) return undefined;
  return value.slice() as string[];
}

export function optionalTimeOf(value: unknown): number | null | undefined {
  return value === undefined || value === null ? null : timeOf(value);
}

export function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'number' && typeof value !== 'string') return undefined;
  const seconds = toUnixSeconds(value);
  return typeof seconds === 'number' ? seconds : undefined;
}

/** Whether every key of `value` is one of `fields` (a strict object refuses any other). */
export function hasOnlyFields(value: object, fields: ReadonlySet<string>): boolean {
  for (const key in value) if (!fields.has(key)) return false;
  return true;
}

export const isOneOf =
  <T extends string>(allowed: readonly T[]) =>
  (value: unknown): value is T =>
    (allowed as readonly unknown[]).includes(value);

export const isNonEmptyText = (value: unknown): value is string =>
  isShortText(value) && value !== '';

export const fieldsOf = (...fields: string[]): ReadonlySet<string> => new Set(['type', ...fields]);
