/**
 * @module
 * The lines of `dyi import`: one zod schema per content kind, each producing exactly the record
 * of `domain/content.ts` (a field added to or removed from one side only fails to compile), plus
 * the conveniences of the input format (docs/import-format.md): omitted nullable fields become
 * null, omitted lists become [], times may be Unix seconds or ISO 8601 with a time zone, and
 * the documented default ids. A media line names a `file` instead of size, SHA-256 and blob key,
 * which the importer fills in once it has stored the bytes. Every problem comes back as a
 * field path and a sentence saying what is allowed, never as zod's own wording.
 */
import path from 'node:path';
import { z } from 'zod';
import {
  CONTENT_KINDS,
  type ContentKind,
  type ContentRecordOf,
  GROUP_PRIVACIES,
  GROUP_ROLES,
  MEMBER_STATUSES,
  type MediaRecord,
  PROBLEM_STATUSES,
  REACTION_TARGETS,
  REACTION_TYPES,
  RSVP_RESPONSES,
  SAVED_ITEM_TYPES,
  SURVEY_QUESTION_KINDS,
} from '../domain/index.js';

export const MAX_ID_LENGTH = 200;

/** A media line as written: the bytes are still a file next to the NDJSON file. */
export interface MediaLine extends Omit<MediaRecord, 'size' | 'sha256' | 'blob_key'> {
  /** Path relative to the folder of the NDJSON file, never outside it. */
  readonly file: string;
}

/** What one valid line becomes: the domain record, or a media line still to be stored. */
export type ImportLine = Exclude<ContentRecordOf<ContentKind>, MediaRecord> | MediaLine;
export type LineOf<K extends ContentKind> = K extends 'media' ? MediaLine : ContentRecordOf<K>;

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

const id = z.string().min(1).max(MAX_ID_LENGTH);
const nonEmptyText = z.string().min(1);
const optionalText = z.string().nullable().default(null);
const optionalId = id.nullable().default(null);
const idList = z.array(id).default(() => []);

const time = z
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
const optionalTime = time.nullable().default(null);

/** Lexical checks only: whether the file exists is the importer's to find out. */
const mediaPath = z
  .string()
  .min(1)
  .superRefine((file, context) => {
    if (path.posix.isAbsolute(file) || path.win32.isAbsolute(file)) {
      context.addIssue({
        code: 'custom',
        message: `must be a path relative to the NDJSON file's folder, not the absolute path ${describeValue(file)}`,
      });
    } else if (path.posix.normalize(file.replaceAll('\\', '/')).split('/')[0] === '..') {
      context.addIssue({
        code: 'custom',
        message: `must stay inside the NDJSON file's folder; ${describeValue(file)} leads out of it with ".."`,
      });
    }
  });

/** Content types by file extension, for media lines without `content_type`. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.posix.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Ids of a list of objects must differ, since other lines refer to them by id. */
function uniqueIds(items: readonly { id: string }[], context: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.id)) {
      context.addIssue({
        code: 'custom',
        path: [index, 'id'],
        message: `${describeValue(item.id)} is used twice; ids must differ within the list`,
      });
    }
    seen.add(item.id);
  });
}

const surveyQuestion = z.strictObject({
  id,
  text: nonEmptyText,
  kind: z.enum(SURVEY_QUESTION_KINDS),
  options: z.array(z.string()).default(() => []),
});

const surveyAnswer = z.strictObject({
  question: id,
  value: z.union([z.string(), z.number(), z.array(z.string())], {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : `must be a string, a number or a list of strings, not ${describeValue(issue.input)}`,
  }),
});

const pollOption = z.strictObject({ id, text: nonEmptyText });

const schemas = {
  company: z
    .strictObject({
      type: z.literal('company'),
      name: nonEmptyText,
      description: optionalText,
      website: optionalText,
      industry: optionalText,
      created_time: time,
    })
    .transform((line) => ({ ...line, id: 'company' as const })),
  member: z.strictObject({
    type: z.literal('member'),
    id,
    name: nonEmptyText,
    email: optionalText,
    title: optionalText,
    department: optionalText,
    manager: optionalId,
    location: optionalText,
    phone: optionalText,
    status: z.enum(MEMBER_STATUSES).default('active'),
    created_time: time,
  }),
  group: z.strictObject({
    type: z.literal('group'),
    id,
    name: nonEmptyText,
    description: optionalText,
    privacy: z.enum(GROUP_PRIVACIES),
    creator: optionalId,
    created_time: time,
  }),
  group_membership: z
    .strictObject({
      type: z.literal('group_membership'),
      id: id.optional(),
      group: id,
      member: id,
      role: z.enum(GROUP_ROLES).default('MEMBER'),
      created_time: time,
    })
    .transform((line) => ({ ...line, id: line.id ?? `${line.group}:${line.member}` })),
  post: z.strictObject({
    type: z.literal('post'),
    id,
    author: id,
    group: optionalId,
    message: z.string(),
    attachments: idList,
    created_time: time,
  }),
  comment: z.strictObject({
    type: z.literal('comment'),
    id,
    post: id,
    author: id,
    message: z.string(),
    attachments: idList,
    created_time: time,
  }),
  reaction: z
    .strictObject({
      type: z.literal('reaction'),
      id: id.optional(),
      target_type: z.enum(REACTION_TARGETS),
      target: id,
      author: id,
      reaction: z.enum(REACTION_TYPES),
      created_time: time,
    })
    .transform((line) => ({
      ...line,
      id: line.id ?? `${line.target_type}:${line.target}:${line.author}`,
    })),
  chat_thread: z.strictObject({
    type: z.literal('chat_thread'),
    id,
    name: optionalText,
    participants: idList,
    created_time: time,
  }),
  chat_message: z.strictObject({
    type: z.literal('chat_message'),
    id,
    thread: id,
    author: id,
    text: z.string(),
    attachments: idList,
    created_time: time,
  }),
  event: z.strictObject({
    type: z.literal('event'),
    id,
    title: nonEmptyText,
    description: optionalText,
    location: optionalText,
    start_time: time,
    end_time: optionalTime,
    creator: id,
    group: optionalId,
    created_time: time,
  }),
  event_rsvp: z
    .strictObject({
      type: z.literal('event_rsvp'),
      id: id.optional(),
      event: id,
      member: id,
      response: z.enum(RSVP_RESPONSES),
      created_time: time,
    })
    .transform((line) => ({ ...line, id: line.id ?? `${line.event}:${line.member}` })),
  saved_item: z.strictObject({
    type: z.literal('saved_item'),
    id,
    member: id,
    item_type: z.enum(SAVED_ITEM_TYPES),
    title: nonEmptyText,
    url: optionalText,
    created_time: time,
  }),
  reported_problem: z.strictObject({
    type: z.literal('reported_problem'),
    id,
    reporter: id,
    description: z.string(),
    status: z.enum(PROBLEM_STATUSES),
    created_time: time,
  }),
  kl_category: z.strictObject({
    type: z.literal('kl_category'),
    id,
    title: nonEmptyText,
    parent: optionalId,
    created_time: time,
  }),
  kl_article: z.strictObject({
    type: z.literal('kl_article'),
    id,
    category: id,
    title: nonEmptyText,
    body: z.string(),
    author: id,
    created_time: time,
    updated_time: optionalTime,
  }),
  survey: z.strictObject({
    type: z.literal('survey'),
    id,
    title: nonEmptyText,
    creator: id,
    questions: z
      .array(surveyQuestion)
      .default(() => [])
      .superRefine(uniqueIds),
    created_time: time,
  }),
  survey_response: z.strictObject({
    type: z.literal('survey_response'),
    id,
    survey: id,
    respondent: id,
    answers: z.array(surveyAnswer).default(() => []),
    created_time: time,
  }),
  note: z.strictObject({
    type: z.literal('note'),
    id,
    author: id,
    title: z.string(),
    body: z.string(),
    created_time: time,
    updated_time: optionalTime,
  }),
  poll: z.strictObject({
    type: z.literal('poll'),
    id,
    author: id,
    question: nonEmptyText,
    options: z
      .array(pollOption)
      .default(() => [])
      .superRefine(uniqueIds),
    group: optionalId,
    created_time: time,
  }),
  poll_vote: z
    .strictObject({
      type: z.literal('poll_vote'),
      id: id.optional(),
      poll: id,
      option: id,
      voter: id,
      created_time: time,
    })
    .transform((line) => ({ ...line, id: line.id ?? `${line.poll}:${line.voter}` })),
  connection: z
    .strictObject({
      type: z.literal('connection'),
      id: id.optional(),
      member: id,
      other: id,
      created_time: time,
    })
    .transform((line) => ({ ...line, id: line.id ?? `${line.member}:${line.other}` })),
  search: z.strictObject({
    type: z.literal('search'),
    id,
    member: id,
    query: z.string(),
    created_time: time,
  }),
  login: z.strictObject({
    type: z.literal('login'),
    id,
    member: id,
    ip_address: z.string(),
    user_agent: z.string(),
    place: optionalText,
    created_time: time,
  }),
  media: z
    .strictObject({
      type: z.literal('media'),
      id,
      owner: id,
      file: mediaPath,
      name: nonEmptyText.optional(),
      content_type: z
        .string()
        .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type such as image/jpeg')
        .optional(),
      created_time: time,
    })
    .transform((line) => ({
      ...line,
      name: line.name ?? path.posix.basename(line.file.replaceAll('\\', '/')),
      content_type: line.content_type ?? contentTypeOf(line.file),
    })),
} satisfies { readonly [K in ContentKind]: z.ZodType<LineOf<K>> };

/** Fields a schema produces that its record type lacks (the other way is caught above). */
type ExtraFields<K extends ContentKind> = Exclude<
  keyof z.output<(typeof schemas)[K]>,
  keyof LineOf<K>
>;

/** The schema of each kind; a kind whose schema has extra fields makes this fail to compile. */
export const LINE_SCHEMAS: {
  readonly [K in ContentKind]: [ExtraFields<K>] extends [never]
    ? z.ZodType<LineOf<K>>
    : `extra field: ${ExtraFields<K> & string}`;
} = schemas;

/** One problem of a line: the path of the field (empty for the line itself) and what is wrong. */
export interface LineProblem {
  readonly field: string;
  readonly message: string;
}

export type LineResult =
  | { readonly ok: true; readonly line: ImportLine }
  | { readonly ok: false; readonly problems: readonly LineProblem[] };

function isContentKind(value: unknown): value is ContentKind {
  return typeof value === 'string' && (CONTENT_KINDS as readonly string[]).includes(value);
}

/** Checks one parsed JSON value against the schema its `type` names. */
export function parseContentLine(value: unknown): LineResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failure('', `must be a JSON object with a "type" field, not ${describeValue(value)}`);
  }
  const type = (value as { type?: unknown }).type;
  if (!isContentKind(type)) {
    const wrong = type === undefined ? 'is required' : `${describeValue(type)} is not a type`;
    return failure('type', `${wrong}; the types are ${CONTENT_KINDS.join(', ')}`);
  }
  const schema: z.ZodType<ImportLine> = LINE_SCHEMAS[type];
  const parsed = schema.safeParse(value, { error: messageOf });
  if (parsed.success) return { ok: true, line: parsed.data };
  return { ok: false, problems: parsed.error.issues.flatMap(problemsOf) };
}

function failure(field: string, message: string): LineResult {
  return { ok: false, problems: [{ field, message }] };
}

/** `questions[0].kind` from ['questions', 0, 'kind']. */
export function fieldPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}

function problemsOf(issue: z.core.$ZodIssue): LineProblem[] {
  // zod reports unknown keys on the object; people look for the key itself.
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: fieldPath([...issue.path, key]),
      message: issue.message,
    }));
  }
  return [{ field: fieldPath(issue.path), message: issue.message }];
}

const EXPECTED_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list (JSON array)',
  object: 'an object',
};

/** Our wording for zod's issues: what was wrong, and what is allowed. */
function messageOf(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${EXPECTED_NAMES[issue.expected] ?? issue.expected}, not ${describeValue(issue.input)}`;
    case 'invalid_value':
      if (issue.input === undefined) return `is required; one of ${issue.values.join(', ')}`;
      return `must be one of ${issue.values.map(String).join(', ')}, not ${describeValue(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      return `must have at least ${issue.minimum} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    case 'too_big':
      return `must have at most ${issue.maximum} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    case 'unrecognized_keys': {
      const allowed = issue.inst instanceof z.ZodObject ? Object.keys(issue.inst.shape) : [];
      return `is not a field here; the fields are ${allowed.join(', ')}`;
    }
    case 'custom':
    case 'invalid_union':
    case 'invalid_format':
    case 'invalid_element':
    case 'invalid_key':
    case 'not_multiple_of':
      // Our own checks word their messages themselves; the rest cannot occur in these schemas.
      return undefined;
  }
}
