/**
 * @module
 * Dates on the Graph wire. Graph writes `2026-11-29T01:37:07+0000` (UTC, no colon in the
 * offset), which is neither `toISOString()` nor RFC 3339; clients parse it with a fixed
 * pattern, so the output must match it to the character. Inputs are looser because clients send whatever their language
 * makes: ISO 8601 with any common offset spelling, or Unix seconds as a number or a string.
 * A date-time without an offset is read as UTC, like a bare date, so that no answer depends
 * on the server's time zone.
 */
import { ValidationError } from '../domain/errors.js';

/** 9999-12-31T23:59:59+0000: the last second with a four-digit year. */
const LATEST = 253_402_300_799;

const ISO_8601 = new RegExp(
  '^(?<year>\\d{4})-(?<month>\\d{2})-(?<day>\\d{2})' +
    '(?:[Tt ](?<hour>\\d{2}):(?<minute>\\d{2})(?::(?<second>\\d{2})(?:[.,]\\d+)?)?' +
    '(?:[Zz]|(?<sign>[+-])(?<offsetHours>\\d{2})(?::?(?<offsetMinutes>\\d{2}))?)?)?$',
);

/** Unix seconds (whole seconds; fractions are dropped) as Graph writes them. */
export function formatGraphDate(unixSeconds: number): string {
  // Answers repeat the same few times (an export's and its jobs'); toISOString is not free.
  const seconds = Math.floor(unixSeconds);
  let text = formattedDates.get(seconds);
  if (text === undefined) {
    text = new Date(seconds * 1000).toISOString().slice(0, 19) + '+0000';
    if (formattedDates.size >= FORMATTED_DATES_CACHE_SIZE) formattedDates.clear();
    formattedDates.set(seconds, text);
  }
  return text;
}

const FORMATTED_DATES_CACHE_SIZE = 4096;
const formattedDates = new Map<number, string>();

/**
 * Reads a date input (`start_time`, `end_time`) as Unix seconds; throws a ValidationError on
 * `parameter` that shows both accepted forms.
 */
export function parseDateInput(value: unknown, parameter: string): number {
  const seconds = toUnixSeconds(value);
  if (seconds === undefined) {
    throw new ValidationError(
      parameter,
      `Invalid ${parameter} ${describe(value)}: pass an ISO 8601 date-time such as ` +
        '2026-01-31T09:30:00Z (or 2026-01-31 for midnight UTC), or Unix seconds such as 1769851800.',
    );
  }
  if (seconds < 0 || seconds > LATEST) {
    throw new ValidationError(
      parameter,
      `${parameter} ${describe(value)} is out of range: it must lie between ` +
        `1970-01-01T00:00:00+0000 and ${formatGraphDate(LATEST)} (Unix seconds 0 to ${LATEST}).`,
    );
  }
  return seconds;
}

/** Unix seconds for a well-formed input, in or out of range; undefined when malformed. */
function toUnixSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  const groups = ISO_8601.exec(text)?.groups;
  if (!groups) return undefined;
  const part = (name: string): number => Number(groups[name] ?? 0);
  const [year, month, day] = [part('year'), part('month'), part('day')];
  const [hour, minute, second] = [part('hour'), part('minute'), part('second')];
  const [offsetHours, offsetMinutes] = [part('offsetHours'), part('offsetMinutes')];
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second);
  // Date rolls 2026-02-30 over to March; a date that moved was not a real date.
  const isRealDate = date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!isRealDate || hour > 23 || minute > 59 || second > 59) return undefined;
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offset = (offsetHours * 3600 + offsetMinutes * 60) * (groups.sign === '-' ? -1 : 1);
  return date.getTime() / 1000 - offset;
}

function describe(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  }
  if (typeof value === 'number') return String(value);
  return `(${value === null ? 'null' : typeof value})`;
}
