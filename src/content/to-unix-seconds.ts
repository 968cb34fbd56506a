/**
 * @module
 * Time fields of import lines: `toUnixSeconds` accepts Unix seconds or an ISO 8601 date-time
 * with a time zone, from 1970 to the end of year 9999, and says in a sentence why anything
 * else is not a time. `TIME_FORMATS` is that sentence's description of what is accepted.
 */
import { describeValue } from './describe-value.js';

/** What a time field accepts, for error messages. */
export const TIME_FORMATS =
  'Unix seconds (a whole number, e.g. 1714555800) or an ISO 8601 date-time with a time zone (e.g. 2024-05-01T09:30:00Z or 2024-05-01T11:30:00+02:00)';

/** Latest time accepted, 9999-12-31T23:59:59Z: larger numbers are likely milliseconds. */
const MAX_UNIX_SECONDS = 253_402_300_799;

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Unix seconds of a time field, or a sentence saying why the value is not a time. Fractions of
 * a second are dropped. Dates are checked field by field, because `Date.parse` quietly turns
 * February 30 into March 1.
 */
export function toUnixSeconds(value: number | string): number | string {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return `must be whole Unix seconds, not ${value}`;
    if (value < 0 || value > MAX_UNIX_SECONDS) {
      return `${value} is out of range: Unix seconds from 0 to ${MAX_UNIX_SECONDS} (milliseconds are not accepted)`;
    }
    return value;
  }
  const match = ISO_DATE_TIME.exec(value);
  if (!match) return `must be ${TIME_FORMATS}, not ${describeValue(value)}`;
  const [year, month, day, hour, minute, second, sign, offsetHours, offsetMinutes] = match
    .slice(1)
    .map((part) => (part === undefined || part === '+' || part === '-' ? part : Number(part)));
  const local = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second ?? 0),
  );
  const check = new Date(local);
  const valid =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() + 1 === month &&
    check.getUTCDate() === day &&
    check.getUTCHours() === hour &&
    check.getUTCMinutes() === minute &&
    check.getUTCSeconds() === (second ?? 0) &&
    Number(offsetHours ?? 0) <= 23 &&
    Number(offsetMinutes ?? 0) <= 59;
  if (!valid) return `${describeValue(value)} is not a real date and time`;
  const offset = (Number(offsetHours ?? 0) * 60 + Number(offsetMinutes ?? 0)) * 60;
  const seconds = Math.floor(local / 1000) - (sign === '-' ? -offset : offset);
  if (seconds < 0 || seconds > MAX_UNIX_SECONDS) {
    return `${describeValue(value)} is out of range: from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z`;
  }
  return seconds;
}
