/**
 * @module
 * The wording of import-line problems: each zod issue becomes a field path
 * (`questions[0].kind`) and a sentence saying what was wrong and what is allowed, never
 * zod's own wording. An unknown key is reported on the key itself, not on its object.
 */
import { z } from 'zod';
import { describeValue } from './describe-value.js';

/** One problem of a line: the path of the field (empty for the line itself) and what is wrong. */
export interface LineProblem {
  readonly field: string;
  readonly message: string;
}

/** `questions[0].kind` from ['questions', 0, 'kind']. */
export function fieldPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}

export function problemsOf(issue: z.core.$ZodIssue): LineProblem[] {
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
export function messageOf(issue: z.core.$ZodRawIssue): string | undefined {
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
