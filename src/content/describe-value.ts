/**
 * @module
 * How a wrong value is shown in an import problem: strings quoted and cut to 60 characters,
 * other values by their kind ("a list", "an object"), so that one enormous line never floods
 * the list of problems.
 */

/** A short, quoted rendering of a wrong value for messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
