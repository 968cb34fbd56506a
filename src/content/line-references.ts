/**
 * @module
 * Which other records an import line names: `referencesOf` lists each field that names a
 * record (a post's author, a comment's post, an attachment's media ...), and
 * `entryReferencesOf` each field that names an entry of another record's list (a vote's
 * poll option, an answer's survey question). Checking that they exist is another module's.
 */
import type { ContentKind } from '../domain/index.js';
import type { ImportLine } from './import-line.js';

/** A field of a line that names another record. */
export interface Reference {
  readonly field: string;
  readonly kind: ContentKind;
  readonly id: string;
}

/** A field that names an entry of another record's list (a poll's option, a survey's question). */
export interface EntryReference {
  readonly field: string;
  readonly kind: 'poll' | 'survey';
  readonly parent: string;
  readonly entry: string;
}

export function referencesOf(line: ImportLine): Reference[] {
  const to = (kind: ContentKind, field: string, id: string | null): Reference[] =>
    id === null ? [] : [{ kind, field, id }];
  const attachments = (ids: readonly string[]): Reference[] =>
    ids.flatMap((id, index) => to('media', `attachments[${index}]`, id));
  switch (line.type) {
    case 'company':
      return [];
    case 'member':
      return to('member', 'manager', line.manager);
    case 'group':
      return to('member', 'creator', line.creator);
    case 'group_membership':
      return [...to('group', 'group', line.group), ...to('member', 'member', line.member)];
    case 'post':
      return [
        ...to('member', 'author', line.author),
        ...to('group', 'group', line.group),
        ...attachments(line.attachments),
      ];
    case 'comment':
      return [
        ...to('post', 'post', line.post),
        ...to('member', 'author', line.author),
        ...attachments(line.attachments),
      ];
    case 'reaction':
      return [
        ...to(line.target_type, 'target', line.target),
        ...to('member', 'author', line.author),
      ];
    case 'chat_thread':
      return line.participants.flatMap((id, index) => to('member', `participants[${index}]`, id));
    case 'chat_message':
      return [
        ...to('chat_thread', 'thread', line.thread),
        ...to('member', 'author', line.author),
        ...attachments(line.attachments),
      ];
    case 'event':
      return [...to('member', 'creator', line.creator), ...to('group', 'group', line.group)];
    case 'event_rsvp':
      return [...to('event', 'event', line.event), ...to('member', 'member', line.member)];
    case 'saved_item':
    case 'search':
    case 'login':
      return to('member', 'member', line.member);
    case 'reported_problem':
      return to('member', 'reporter', line.reporter);
    case 'kl_category':
      return to('kl_category', 'parent', line.parent);
    case 'kl_article':
      return [
        ...to('kl_category', 'category', line.category),
        ...to('member', 'author', line.author),
      ];
    case 'survey':
      return to('member', 'creator', line.creator);
    case 'survey_response':
      return [
        ...to('survey', 'survey', line.survey),
        ...to('member', 'respondent', line.respondent),
      ];
    case 'note':
      return to('member', 'author', line.author);
    case 'poll':
      return [...to('member', 'author', line.author), ...to('group', 'group', line.group)];
    case 'poll_vote':
      return [...to('poll', 'poll', line.poll), ...to('member', 'voter', line.voter)];
    case 'connection':
      return [...to('member', 'member', line.member), ...to('member', 'other', line.other)];
    case 'media':
      return to('member', 'owner', line.owner);
  }
}

export function entryReferencesOf(line: ImportLine): EntryReference[] {
  if (line.type === 'poll_vote') {
    return [{ field: 'option', kind: 'poll', parent: line.poll, entry: line.option }];
  }
  if (line.type === 'survey_response') {
    return line.answers.map((answer, index) => ({
      field: `answers[${index}].question`,
      kind: 'survey',
      parent: line.survey,
      entry: answer.question,
    }));
  }
  return [];
}
