/**
 * The quick checks of `plain-line-checks.ts` against the zod schemas they stand in for: on
 * generated lines, valid and near-valid (a field missing, of the wrong type, one character too
 * long, an unknown field, an impossible date ...), each check accepts exactly the lines its
 * schema accepts, and returns the same record, down to the JSON text the store keeps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  GROUP_ROLES,
  REACTION_TARGETS,
  REACTION_TYPES,
  RSVP_RESPONSES,
  SAVED_ITEM_TYPES,
} from '../domain/index.js';
import { LINE_SCHEMAS, parseContentLine } from './content-schemas.js';
import { MAX_ID_LENGTH, MAX_SHORT_TEXT_LENGTH } from './field-schemas.js';
import { messageOf } from './line-problems.js';
import { PLAIN_LINE_CHECKS } from './plain-line-checks.js';

/** A valid value mostly, sometimes a near-valid one. */
const mostly = <T>(valid: fc.Arbitrary<T>, ...wrong: fc.Arbitrary<unknown>[]) =>
  fc.oneof(
    { arbitrary: valid, weight: 8 },
    ...wrong.map((arbitrary) => ({ arbitrary, weight: 1 })),
  );

const OTHER_TYPES = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);

const id = mostly(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.constant(''),
  fc.constantFrom(MAX_ID_LENGTH, MAX_ID_LENGTH + 1).map((n) => 'i'.repeat(n)),
  OTHER_TYPES,
);

const shortText = mostly(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(MAX_SHORT_TEXT_LENGTH, MAX_SHORT_TEXT_LENGTH + 1).map((n) => 't'.repeat(n)),
  OTHER_TYPES,
);

// The long-text limit (1,000,000 characters) is tried on a few fixed lines below, not here.
const longText = mostly(fc.string({ maxLength: 40 }), OTHER_TYPES);

const optionalText = mostly(fc.option(fc.string({ maxLength: 12 })), OTHER_TYPES);
const nonEmptyText = mostly(fc.string({ minLength: 1, maxLength: 12 }), shortText);
const optionalId = mostly(fc.option(fc.string({ minLength: 1, maxLength: 8 })), id);

const idList = mostly(
  fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 3 }),
  fc.array(id, { maxLength: 3 }),
  OTHER_TYPES,
);

const isoTime = fc
  .record({
    year: fc.integer({ min: 1968, max: 10_000 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 24 }),
    minute: fc.integer({ min: 0, max: 60 }),
    zone: fc.constantFrom('Z', '+02:00', '-11:30', '+24:00', ''),
  })
  .map(({ year, month, day, hour, minute, zone }) => {
    const two = (n: number) => String(n).padStart(2, '0');
    return `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:00${zone}`;
  });

const time = mostly(
  fc.oneof({ arbitrary: fc.integer({ min: 0, max: 253_402_300_799 }), weight: 3 }, isoTime),
  fc.constantFrom(-1, 253_402_300_800, 1.5, 1e20),
  fc.string({ maxLength: 10 }),
  OTHER_TYPES,
);

const optionalTime = mostly(fc.constant(null), time);

const enumOf = (values: readonly string[]) =>
  mostly(fc.constantFrom(...values), fc.string({ maxLength: 6 }), OTHER_TYPES);

/** An answer's value: a text, a number or a list of short texts, or near one. */
const answerValue = mostly(
  fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  ),
  fc.array(shortText, { maxLength: 3 }),
  OTHER_TYPES,
);

/** Survey answers, each `{ question, value }`, now and then a field left out or one too many. */
const answers = mostly(
  fc.array(
    mostly(
      fc.record({ question: id, value: answerValue }),
      fc.record({ question: id, value: answerValue }, { requiredKeys: [] }),
      fc.record({ question: id, value: answerValue, extra: fc.constant(1) }),
      OTHER_TYPES,
    ),
    { maxLength: 3 },
  ),
  OTHER_TYPES,
);

/** One time in ten a value, else null. */
const rarely = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, { arbitrary: value, weight: 1 });

/** Fields of one kind; `optional` ones may be left out, as every field now and then. */
function lines(
  type: string,
  fields: Record<string, fc.Arbitrary<unknown>>,
  optional: readonly string[],
): fc.Arbitrary<Record<string, unknown>> {
  const required = Object.keys(fields).filter((field) => !optional.includes(field));
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: required }),
      rarely(fc.constantFrom(...Object.keys(fields))),
      rarely(fc.constantFrom('extra', 'Type', '__proto__', 'constructor')),
      fc.boolean(),
    )
    .map(([line, dropped, unknown, shuffled]) => {
      const entries: [string, unknown][] = Object.entries({ type, ...line }).filter(
        ([field]) => field !== dropped,
      );
      if (unknown !== null) entries.push([unknown, 1]);
      if (shuffled) entries.reverse();
      // As the importer gets it: parsed JSON text (an own `__proto__` key included).
      return JSON.parse(
        `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
      ) as Record<string, unknown>;
    });
}

const LINES = {
  reaction: lines(
    'reaction',
    {
      id,
      target_type: enumOf(REACTION_TARGETS),
      target: id,
      author: id,
      reaction: enumOf(REACTION_TYPES),
      created_time: time,
    },
    ['id'],
  ),
  chat_message: lines(
    'chat_message',
    { id, thread: id, author: id, text: longText, attachments: idList, created_time: time },
    ['attachments'],
  ),
  search: lines('search', { id, member: id, query: shortText, created_time: time }, []),
  comment: lines(
    'comment',
    { id, post: id, author: id, message: longText, attachments: idList, created_time: time },
    ['attachments'],
  ),
  login: lines(
    'login',
    {
      id,
      member: id,
      ip_address: shortText,
      user_agent: shortText,
      place: optionalText,
      created_time: time,
    },
    ['place'],
  ),
  connection: lines('connection', { id, member: id, other: id, created_time: time }, ['id']),
  post: lines(
    'post',
    {
      id,
      author: id,
      group: optionalId,
      message: longText,
      attachments: idList,
      created_time: time,
    },
    ['group', 'attachments'],
  ),
  saved_item: lines(
    'saved_item',
    {
      id,
      member: id,
      item_type: enumOf(SAVED_ITEM_TYPES),
      title: nonEmptyText,
      url: optionalText,
      created_time: time,
    },
    ['url'],
  ),
  event_rsvp: lines(
    'event_rsvp',
    { id, event: id, member: id, response: enumOf(RSVP_RESPONSES), created_time: time },
    ['id'],
  ),
  group_membership: lines(
    'group_membership',
    { id, group: id, member: id, role: enumOf(GROUP_ROLES), created_time: time },
    ['id', 'role'],
  ),
  chat_thread: lines(
    'chat_thread',
    { id, name: optionalText, participants: idList, created_time: time },
    ['name', 'participants'],
  ),
  note: lines(
    'note',
    {
      id,
      author: id,
      title: shortText,
      body: longText,
      created_time: time,
      updated_time: optionalTime,
    },
    ['updated_time'],
  ),
  poll_vote: lines('poll_vote', { id, poll: id, option: id, voter: id, created_time: time }, [
    'id',
  ]),
  event: lines(
    'event',
    {
      id,
      title: nonEmptyText,
      description: mostly(fc.option(fc.string({ maxLength: 40 })), longText),
      location: optionalText,
      start_time: time,
      end_time: optionalTime,
      creator: id,
      group: optionalId,
      created_time: time,
    },
    ['description', 'location', 'end_time', 'group'],
  ),
  survey_response: lines(
    'survey_response',
    { id, survey: id, respondent: id, answers, created_time: time },
    ['answers'],
  ),
} satisfies Record<keyof typeof PLAIN_LINE_CHECKS, fc.Arbitrary<Record<string, unknown>>>;

type HotKind = keyof typeof PLAIN_LINE_CHECKS;

/** What the zod schema alone makes of a line. */
function bySchema(kind: HotKind, value: unknown) {
  const schema = LINE_SCHEMAS[kind] as z.ZodType;
  return schema.safeParse(value, { error: messageOf });
}

function expectSameAsSchema(kind: HotKind, value: Record<string, unknown>): boolean {
  const check = PLAIN_LINE_CHECKS[kind] as (v: Record<string, unknown>) => unknown;
  const quick = check(value);
  const schema = bySchema(kind, value);
  expect(quick !== undefined).toBe(schema.success);
  if (schema.success) {
    expect(quick).toStrictEqual(schema.data);
    // What the store keeps: the same JSON text, keys in the same order.
    expect(JSON.stringify(quick)).toBe(JSON.stringify(schema.data));
  }
  return schema.success;
}

describe('plain line checks', () => {
  for (const kind of Object.keys(LINES) as HotKind[]) {
    it(`accept exactly the ${kind} lines the schema accepts, as the same record`, () => {
      let accepted = 0;
      let refused = 0;
      fc.assert(
        fc.property(LINES[kind], (value) => {
          if (expectSameAsSchema(kind, value)) accepted += 1;
          else refused += 1;
        }),
        { numRuns: 3000 },
      );
      // Both sides of the equivalence were tried, not only one.
      expect(accepted).toBeGreaterThan(100);
      expect(refused).toBeGreaterThan(100);
    });
  }

  it('agree with the schema at the long-text limit', () => {
    for (const length of [1_000_000, 1_000_001]) {
      const text = 'x'.repeat(length);
      const base = { id: 'c1', author: 'u1', created_time: 1 };
      expectSameAsSchema('comment', { type: 'comment', post: 'p1', message: text, ...base });
      expectSameAsSchema('chat_message', { type: 'chat_message', thread: 't1', text, ...base });
      expectSameAsSchema('post', { type: 'post', message: text, ...base });
    }
  });

  it('leave the wording of problems to the schema', () => {
    const line = { type: 'reaction', target_type: 'photo', target: 'p1', author: '', reaction: 1 };
    const result = parseContentLine({ ...line, created_time: '2024-02-30T00:00:00Z' });
    expect(result).toEqual({
      ok: false,
      problems: [
        { field: 'target_type', message: 'must be one of post, comment, not "photo"' },
        { field: 'author', message: 'must not be empty' },
        {
          field: 'reaction',
          message: 'must be one of LIKE, LOVE, CARE, HAHA, WOW, SAD, ANGRY, not 1',
        },
        { field: 'created_time', message: '"2024-02-30T00:00:00Z" is not a real date and time' },
      ],
    });
  });
});
