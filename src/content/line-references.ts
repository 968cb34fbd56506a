/**
 * @module
 * Which other records an import line names: `referencesOf` lists each field that names a
 * record (a post's author, a comment's post, an attachment's media ...), `visitReferences`
 * walks the same fields without making the list, and
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

/**
 * Each reference of `line`, in the order `referencesOf` lists them, given to `visit` without
 * building a list: the reference check walks every line of an import this way, and lists of
 * small objects per line cost it more than the lookups. `index` is the position in a list
 * field (attachments, participants) and -1 for a plain field.
 */
export function visitReferences(line: ImportLine, visit: ReferenceVisitor): void {
  switch (line.type) {
    case 'company':
      return;
    case 'member':
      return visitField(visit, 'member', 'manager', line.manager);
    case 'group':
      return visitField(visit, 'member', 'creator', line.creator);
    case 'group_membership':
      visitField(visit, 'group', 'group', line.group);
      return visitField(visit, 'member', 'member', line.member);
    case 'post':
      visitField(visit, 'member', 'author', line.author);
      visitField(visit, 'group', 'group', line.group);
      return visitList(visit, 'media', 'attachments', line.attachments);
    case 'comment':
      visitField(visit, 'post', 'post', line.post);
      visitField(visit, 'member', 'author', line.author);
      return visitList(visit, 'media', 'attachments', line.attachments);
    case 'reaction':
      visitField(visit, line.target_type, 'target', line.target);
      return visitField(visit, 'member', 'author', line.author);
    case 'chat_thread':
      return visitList(visit, 'member', 'participants', line.participants);
    case 'chat_message':
      visitField(visit, 'chat_thread', 'thread', line.thread);
      visitField(visit, 'member', 'author', line.author);
      return visitList(visit, 'media', 'attachments', line.attachments);
    case 'event':
      visitField(visit, 'member', 'creator', line.creator);
      return visitField(visit, 'group', 'group', line.group);
    case 'event_rsvp':
      visitField(visit, 'event', 'event', line.event);
      return visitField(visit, 'member', 'member', line.member);
    case 'saved_item':
    case 'search':
    case 'login':
      return visitField(visit, 'member', 'member', line.member);
    case 'reported_problem':
      return visitField(visit, 'member', 'reporter', line.reporter);
    case 'kl_category':
      return visitField(visit, 'kl_category', 'parent', line.parent);
    case 'kl_article':
      visitField(visit, 'kl_category', 'category', line.category);
      return visitField(visit, 'member', 'author', line.author);
    case 'survey':
      return visitField(visit, 'member', 'creator', line.creator);
    case 'survey_response':
      visitField(visit, 'survey', 'survey', line.survey);
      return visitField(visit, 'member', 'respondent', line.respondent);
    case 'note':
      return visitField(visit, 'member', 'author', line.author);
    case 'poll':
      visitField(visit, 'member', 'author', line.author);
      return visitField(visit, 'group', 'group', line.group);
    case 'poll_vote':
      visitField(visit, 'poll', 'poll', line.poll);
      return visitField(visit, 'member', 'voter', line.voter);
    case 'connection':
      visitField(visit, 'member', 'member', line.member);
      return visitField(visit, 'member', 'other', line.other);
    case 'media':
      return visitField(visit, 'member', 'owner', line.owner);
  }
}

/** Gets one reference: the kind and id it names, and the field (with `[index]` when >= 0). */
export type ReferenceVisitor = (
  kind: ContentKind,
  id: string,
  field: string,
  index: number,
) => void;

function visitField(
  visit: ReferenceVisitor,
  kind: ContentKind,
  field: string,
  id: string | null,
): void {
  if (id !== null) visit(kind, id, field, -1);
}

function visitList(
  visit: ReferenceVisitor,
  kind: ContentKind,
  field: string,
  ids: readonly string[],
): void {
  for (let index = 0; index < ids.length; index += 1)
    visit(kind, ids[index] as string, field, index);
}

/** Every reference of `line`, each with its field as problems name it (`attachments[2]`). */
export function referencesOf(line: ImportLine): Reference[] {
  const references: Reference[] = [];
  visitReferences(line, (kind, id, field, index) => {
    references.push({ kind, field: index < 0 ? field : `${field}[${index}]`, id });
  });
  return references;
}

/** What `entryReferencesOf` gives for a line that names no entry, shared rather than made. */
const NO_ENTRY_REFERENCES: readonly EntryReference[] = Object.freeze([]);

export function entryReferencesOf(line: ImportLine): readonly EntryReference[] {
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
  return NO_ENTRY_REFERENCES;
}
