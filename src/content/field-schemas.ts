/**
 * @module
 * The zod schemas of the fields every kind of import line shares: ids (at most
 * `MAX_ID_LENGTH` characters), short and long texts (at most `MAX_SHORT_TEXT_LENGTH` and
 * `MAX_LONG_TEXT_LENGTH` characters), the conveniences of omitted fields (nullable ones
 * become null, lists become []), and times, which take what `toUnixSeconds` takes and become
 * Unix seconds. Problems are worded as sentences, never in zod's own wording.
 */
import { z } from 'zod';
import { describeValue } from './describe-value.js';
import { TIME_FORMATS, toUnixSeconds } from './to-unix-seconds.js';

export const MAX_ID_LENGTH = 200;

/**
 * Longest one-line text, in characters (UTF-16 code units): names, titles, emails, URLs,
 * places, questions and options. A format rule, the same on every server.
 */
export const MAX_SHORT_TEXT_LENGTH = 2_000;

/**
 * Longest body text, in characters: post, comment and message texts, article and note bodies,
 * descriptions, text answers. Even written as `\u0000` escapes it fits one 8 MiB line.
 */
export const MAX_LONG_TEXT_LENGTH = 1_000_000;

export const id = z.string().min(1).max(MAX_ID_LENGTH);
export const shortText = z.string().max(MAX_SHORT_TEXT_LENGTH);
export const nonEmptyText = shortText.min(1);
export const optionalText = shortText.nullable().default(null);
export const longText = z.string().max(MAX_LONG_TEXT_LENGTH);
export const optionalLongText = longText.nullable().default(null);
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
