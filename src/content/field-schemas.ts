/**
 * @module
 * The zod schemas of the fields every kind of import line shares: ids (at most
 * `MAX_ID_LENGTH` characters), texts, the conveniences of omitted fields (nullable ones
 * become null, lists become []), and times, which take what `toUnixSeconds` takes and become
 * Unix seconds. Problems are worded as sentences, never in zod's own wording.
 */
import { z } from 'zod';
import { describeValue } from './describe-value.js';
import { TIME_FORMATS, toUnixSeconds } from './to-unix-seconds.js';

export const MAX_ID_LENGTH = 200;

export const id = z.string().min(1).max(MAX_ID_LENGTH);
export const nonEmptyText = z.string().min(1);
export const optionalText = z.string().nullable().default(null);
export const optionalId = id.nullable().default(null);
export const idList = z.array(id).default(() => []);

export const time = z
  .union([z.number(), z.string()], {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : `must be ${TIME_FORMATS}, not ${describeValue(issue.input)}`,
  })
  .transform((value, context) => {
    const seconds = toUnixSeconds(value);
    if (typeof seconds === 'number') return seconds;
    context.addIssue({ code: 'custom', message: seconds, input: value });
    return z.NEVER;
  });
export const optionalTime = time.nullable().default(null);
