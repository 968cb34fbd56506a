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
import type { z } from 'zod';
import { CONTENT_KINDS, type ContentKind } from '../domain/index.js';
import { ACTIVITY_LINE_SCHEMAS } from './activity-line-schemas.js';
import { describeValue } from './describe-value.js';
import type { ImportLine, LineOf, LineSchemas } from './import-line.js';
import { type LineProblem, messageOf, problemsOf } from './line-problems.js';
import { PEOPLE_LINE_SCHEMAS } from './people-line-schemas.js';
import { checkPlainLine } from './plain-line-checks.js';
import { POST_LINE_SCHEMAS } from './post-line-schemas.js';

// The pieces of this module's API that live in the files this one is built from.
export { contentTypeOf } from './content-type-of.js';
export { describeValue } from './describe-value.js';
export { MAX_ID_LENGTH, MAX_LONG_TEXT_LENGTH, MAX_SHORT_TEXT_LENGTH } from './field-schemas.js';
export type { ImportLine, LineOf, MediaLine } from './import-line.js';
export { fieldPath, type LineProblem } from './line-problems.js';
export { TIME_FORMATS, toUnixSeconds } from './to-unix-seconds.js';

const schemas = {
  ...PEOPLE_LINE_SCHEMAS,
  ...POST_LINE_SCHEMAS,
  ...ACTIVITY_LINE_SCHEMAS,
} satisfies LineSchemas<ContentKind>;

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
  // Most lines are plainly valid lines of a few kinds: those skip zod, which words problems.
  const plain = checkPlainLine(type, value as Readonly<Record<string, unknown>>);
  if (plain !== undefined) return { ok: true, line: plain };
  const schema: z.ZodType<ImportLine> = LINE_SCHEMAS[type];
  const parsed = schema.safeParse(value, { error: messageOf });
  if (parsed.success) return { ok: true, line: parsed.data };
  return { ok: false, problems: parsed.error.issues.flatMap(problemsOf) };
}

function failure(field: string, message: string): LineResult {
  return { ok: false, problems: [{ field, message }] };
}
