/**
 * @module
 * A quick way through for the kinds that make most lines of an import (reactions, chat
 * messages, searches, comments, logins, connections, posts, and the simpler of the rest): a
 * hand-written check that accepts a line only when every field is plainly right, and builds
 * the very record the zod
 * schema of `content-schemas.ts` would (same fields, same defaults, same key order, so the
 * same JSON is stored). Anything else, wrong or merely unusual, answers `undefined` and goes
 * to the zod schema, which then accepts it or words its problems: the messages stay the
 * schema's. zod costs about what SQLite takes to store the row; these checks a fraction.
 * `plain-line-checks.test.ts` shows, on generated valid and near-valid lines, that each check
 * accepts exactly what its schema accepts and returns the same record.
 */
import {
  type ContentKind,
  GROUP_ROLES,
  REACTION_TARGETS,
  REACTION_TYPES,
  type ReactionRecord,
  RSVP_RESPONSES,
  SAVED_ITEM_TYPES,
  type SurveyAnswer,
} from '../domain/index.js';
import type { LineOf } from './import-line.js';
import {
  fieldsOf,
  hasOnlyFields,
  idListOf,
  isId,
  isLongText,
  isNonEmptyText,
  isOneOf,
  isShortText,
  optionalIdOf,
  optionalLongTextOf,
  optionalTextOf,
  optionalTimeOf,
  timeOf,
} from './plain-field-checks.js';

/** A parsed JSON object whose `type` named the kind; `undefined` leaves the line to zod. */
type PlainCheck<K extends ContentKind> = (
  value: Readonly<Record<string, unknown>>,
) => LineOf<K> | undefined;

type HotKind =
  | 'reaction'
  | 'chat_message'
  | 'search'
  | 'comment'
  | 'login'
  | 'connection'
  | 'post'
  | 'saved_item'
  | 'event_rsvp'
  | 'group_membership'
  | 'chat_thread'
  | 'note'
  | 'poll_vote'
  | 'event'
  | 'survey_response';

const isReactionTarget = isOneOf(REACTION_TARGETS);
const isReactionType = isOneOf(REACTION_TYPES);
const isSavedItemType = isOneOf(SAVED_ITEM_TYPES);
const isRsvpResponse = isOneOf(RSVP_RESPONSES);
const isGroupRole = isOneOf(GROUP_ROLES);

const REACTION_FIELDS = fieldsOf(
  'id',
  'target_type',
  'target',
  'author',
  'reaction',
  'created_time',
);
const CHAT_MESSAGE_FIELDS = fieldsOf(
  'id',
  'thread',
  'author',
  'text',
  'attachments',
  'created_time',
);
const SEARCH_FIELDS = fieldsOf('id', 'member', 'query', 'created_time');
const COMMENT_FIELDS = fieldsOf('id', 'post', 'author', 'message', 'attachments', 'created_time');
const LOGIN_FIELDS = fieldsOf('id', 'member', 'ip_address', 'user_agent', 'place', 'created_time');
const CONNECTION_FIELDS = fieldsOf('id', 'member', 'other', 'created_time');
const POST_FIELDS = fieldsOf('id', 'author', 'group', 'message', 'attachments', 'created_time');
const SAVED_ITEM_FIELDS = fieldsOf('id', 'member', 'item_type', 'title', 'url', 'created_time');
const EVENT_RSVP_FIELDS = fieldsOf('id', 'event', 'member', 'response', 'created_time');
const MEMBERSHIP_FIELDS = fieldsOf('id', 'group', 'member', 'role', 'created_time');
const CHAT_THREAD_FIELDS = fieldsOf('id', 'name', 'participants', 'created_time');
const NOTE_FIELDS = fieldsOf('id', 'author', 'title', 'body', 'created_time', 'updated_time');
const POLL_VOTE_FIELDS = fieldsOf('id', 'poll', 'option', 'voter', 'created_time');
const SURVEY_RESPONSE_FIELDS = fieldsOf('id', 'survey', 'respondent', 'answers', 'created_time');
const ANSWER_FIELDS: ReadonlySet<string> = new Set(['question', 'value']);
const EVENT_FIELDS = fieldsOf(
  'id',
  'title',
  'description',
  'location',
  'start_time',
  'end_time',
  'creator',
  'group',
  'created_time',
);

function reaction(value: Readonly<Record<string, unknown>>): ReactionRecord | undefined {
  if (!hasOnlyFields(value, REACTION_FIELDS)) return undefined;
  const { id, target_type, target, author, reaction, created_time } = value;
  if (id !== undefined && !isId(id)) return undefined;
  if (!isReactionTarget(target_type) || !isId(target) || !isId(author)) return undefined;
  if (!isReactionType(reaction)) return undefined;
  const time = timeOf(created_time);
  if (time === undefined) return undefined;
  // The schema's default id comes last: its transform adds the key after the given ones.
  return id === undefined
    ? {
        type: 'reaction',
        target_type,
        target,
        author,
        reaction,
        created_time: time,
        id: `${target_type}:${target}:${author}`,
      }
    : { type: 'reaction', id, target_type, target, author, reaction, created_time: time };
}

/** A response's answers as the schema makes them: an omitted list is [], each copied. */
function answersOf(value: unknown): SurveyAnswer[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const answers: SurveyAnswer[] = [];
  for (const answer of value as unknown[]) {
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return undefined;
    if (!hasOnlyFields(answer, ANSWER_FIELDS)) return undefined;
    const { question, value: given } = answer as Readonly<Record<string, unknown>>;
    const kept = answerValueOf(given);
    if (!isId(question) || kept === undefined) return undefined;
    answers.push({ question, value: kept });
  }
  return answers;
}

/** A text, a number or a list of short texts (copied); JSON holds no infinite number. */
function answerValueOf(value: unknown): SurveyAnswer['value'] | undefined {
  if (isLongText(value)) return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (!Array.isArray(value)) return undefined;
  for (const item of value as unknown[]) if (!isShortText(item)) return undefined;
  return (value as string[]).slice();
}

export const PLAIN_LINE_CHECKS: { readonly [K in HotKind]: PlainCheck<K> } = {
  reaction,
  chat_message(value) {
    if (!hasOnlyFields(value, CHAT_MESSAGE_FIELDS)) return undefined;
    const { id, thread, author, text } = value;
    if (!isId(id) || !isId(thread) || !isId(author) || !isLongText(text)) return undefined;
    const attachments = idListOf(value.attachments);
    const time = timeOf(value.created_time);
    if (attachments === undefined || time === undefined) return undefined;
    return { type: 'chat_message', id, thread, author, text, attachments, created_time: time };
  },
  search(value) {
    if (!hasOnlyFields(value, SEARCH_FIELDS)) return undefined;
    const { id, member, query } = value;
    if (!isId(id) || !isId(member) || !isShortText(query)) return undefined;
    const time = timeOf(value.created_time);
    if (time === undefined) return undefined;
    return { type: 'search', id, member, query, created_time: time };
  },
  comment(value) {
    if (!hasOnlyFields(value, COMMENT_FIELDS)) return undefined;
    const { id, post, author, message } = value;
    if (!isId(id) || !isId(post) || !isId(author) || !isLongText(message)) return undefined;
    const attachments = idListOf(value.attachments);
    const time = timeOf(value.created_time);
    if (attachments === undefined || time === undefined) return undefined;
    return { type: 'comment', id, post, author, message, attachments, created_time: time };
  },
  login(value) {
    if (!hasOnlyFields(value, LOGIN_FIELDS)) return undefined;
    const { id, member, ip_address, user_agent } = value;
    if (!isId(id) || !isId(member) || !isShortText(ip_address) || !isShortText(user_agent)) {
      return undefined;
    }
    const place = optionalTextOf(value.place);
    const time = timeOf(value.created_time);
    if (place === undefined || time === undefined) return undefined;
    return { type: 'login', id, member, ip_address, user_agent, place, created_time: time };
  },
  connection(value) {
    if (!hasOnlyFields(value, CONNECTION_FIELDS)) return undefined;
    const { id, member, other } = value;
    if ((id !== undefined && !isId(id)) || !isId(member) || !isId(other)) return undefined;
    const time = timeOf(value.created_time);
    if (time === undefined) return undefined;
    return id === undefined
      ? { type: 'connection', member, other, created_time: time, id: `${member}:${other}` }
      : { type: 'connection', id, member, other, created_time: time };
  },
  post(value) {
    if (!hasOnlyFields(value, POST_FIELDS)) return undefined;
    const { id, author, message } = value;
    if (!isId(id) || !isId(author) || !isLongText(message)) return undefined;
    const group = optionalIdOf(value.group);
    const attachments = idListOf(value.attachments);
    const time = timeOf(value.created_time);
    if (group === undefined || attachments === undefined || time === undefined) return undefined;
    return { type: 'post', id, author, group, message, attachments, created_time: time };
  },
  saved_item(value) {
    if (!hasOnlyFields(value, SAVED_ITEM_FIELDS)) return undefined;
    const { id, member, item_type, title } = value;
    if (!isId(id) || !isId(member) || !isSavedItemType(item_type) || !isNonEmptyText(title)) {
      return undefined;
    }
    const url = optionalTextOf(value.url);
    const time = timeOf(value.created_time);
    if (url === undefined || time === undefined) return undefined;
    return { type: 'saved_item', id, member, item_type, title, url, created_time: time };
  },
  event_rsvp(value) {
    if (!hasOnlyFields(value, EVENT_RSVP_FIELDS)) return undefined;
    const { id, event, member, response } = value;
    if ((id !== undefined && !isId(id)) || !isId(event) || !isId(member)) return undefined;
    const time = timeOf(value.created_time);
    if (!isRsvpResponse(response) || time === undefined) return undefined;
    return id === undefined
      ? {
          type: 'event_rsvp',
          event,
          member,
          response,
          created_time: time,
          id: `${event}:${member}`,
        }
      : { type: 'event_rsvp', id, event, member, response, created_time: time };
  },
  group_membership(value) {
    if (!hasOnlyFields(value, MEMBERSHIP_FIELDS)) return undefined;
    const { id, group, member } = value;
    if ((id !== undefined && !isId(id)) || !isId(group) || !isId(member)) return undefined;
    // Only an omitted role defaults; null is refused, as by the schema.
    const role = value.role === undefined ? 'MEMBER' : value.role;
    const time = timeOf(value.created_time);
    if (!isGroupRole(role) || time === undefined) return undefined;
    return id === undefined
      ? {
          type: 'group_membership',
          group,
          member,
          role,
          created_time: time,
          id: `${group}:${member}`,
        }
      : { type: 'group_membership', id, group, member, role, created_time: time };
  },
  chat_thread(value) {
    if (!hasOnlyFields(value, CHAT_THREAD_FIELDS)) return undefined;
    const { id } = value;
    const name = optionalTextOf(value.name);
    const participants = idListOf(value.participants);
    const time = timeOf(value.created_time);
    if (!isId(id) || name === undefined || participants === undefined || time === undefined) {
      return undefined;
    }
    return { type: 'chat_thread', id, name, participants, created_time: time };
  },
  note(value) {
    if (!hasOnlyFields(value, NOTE_FIELDS)) return undefined;
    const { id, author, title, body } = value;
    if (!isId(id) || !isId(author) || !isShortText(title) || !isLongText(body)) return undefined;
    const time = timeOf(value.created_time);
    const updated = optionalTimeOf(value.updated_time);
    if (time === undefined || updated === undefined) return undefined;
    return { type: 'note', id, author, title, body, created_time: time, updated_time: updated };
  },
  poll_vote(value) {
    if (!hasOnlyFields(value, POLL_VOTE_FIELDS)) return undefined;
    const { id, poll, option, voter } = value;
    if ((id !== undefined && !isId(id)) || !isId(poll) || !isId(option) || !isId(voter)) {
      return undefined;
    }
    const time = timeOf(value.created_time);
    if (time === undefined) return undefined;
    return id === undefined
      ? { type: 'poll_vote', poll, option, voter, created_time: time, id: `${poll}:${voter}` }
      : { type: 'poll_vote', id, poll, option, voter, created_time: time };
  },
  survey_response(value) {
    if (!hasOnlyFields(value, SURVEY_RESPONSE_FIELDS)) return undefined;
    const { id, survey, respondent } = value;
    if (!isId(id) || !isId(survey) || !isId(respondent)) return undefined;
    const answers = answersOf(value.answers);
    const time = timeOf(value.created_time);
    if (answers === undefined || time === undefined) return undefined;
    return { type: 'survey_response', id, survey, respondent, answers, created_time: time };
  },
  event(value) {
    if (!hasOnlyFields(value, EVENT_FIELDS)) return undefined;
    const { id, title, creator } = value;
    if (!isId(id) || !isNonEmptyText(title) || !isId(creator)) return undefined;
    const description = optionalLongTextOf(value.description);
    const location = optionalTextOf(value.location);
    const start = timeOf(value.start_time);
    const end = optionalTimeOf(value.end_time);
    const group = optionalIdOf(value.group);
    const time = timeOf(value.created_time);
    if (description === undefined || location === undefined || group === undefined) {
      return undefined;
    }
    if (start === undefined || end === undefined || time === undefined) return undefined;
    return {
      type: 'event',
      id,
      title,
      description,
      location,
      start_time: start,
      end_time: end,
      creator,
      group,
      created_time: time,
    };
  },
};

/** The record of a plainly valid line of a hot kind; `undefined` leaves the line to zod. */
export function checkPlainLine(
  type: ContentKind,
  value: Readonly<Record<string, unknown>>,
): LineOf<HotKind> | undefined {
  const check = (PLAIN_LINE_CHECKS as Partial<Record<ContentKind, PlainCheck<HotKind>>>)[type];
  return check?.(value);
}
