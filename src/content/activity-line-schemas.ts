/**
 * @module
 * Line schemas of what a community organizes together: events and RSVPs, the knowledge
 * library's categories and articles, surveys and their responses, polls and votes. Survey
 * questions and poll options carry ids that answers and votes name, so those must differ
 * within their list.
 */
import { z } from 'zod';
import { RSVP_RESPONSES, SURVEY_QUESTION_KINDS } from '../domain/index.js';
import { describeValue } from './describe-value.js';
import {
  id,
  longText,
  nonEmptyText,
  optionalId,
  optionalLongText,
  optionalText,
  optionalTime,
  shortText,
  time,
} from './field-schemas.js';
import type { LineSchemas } from './import-line.js';

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
  options: z.array(shortText).default(() => []),
});

const surveyAnswer = z.strictObject({
  question: id,
  value: z.union([longText, z.number(), z.array(shortText)], {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : `must be a string, a number or a list of strings, not ${describeValue(issue.input)}`,
  }),
});

const pollOption = z.strictObject({ id, text: nonEmptyText });

export const ACTIVITY_LINE_SCHEMAS = {
  event: z.strictObject({
    type: z.literal('event'),
    id,
    title: nonEmptyText,
    description: optionalLongText,
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
    body: longText,
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
} satisfies LineSchemas<
  | 'event'
  | 'event_rsvp'
  | 'kl_category'
  | 'kl_article'
  | 'survey'
  | 'survey_response'
  | 'poll'
  | 'poll_vote'
>;
