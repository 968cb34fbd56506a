/**
 * `referencesOf` is built on `visitReferences`, which walks a line's references without making
 * a list (the reference check's hot loop): every record of the synthetic community, of every
 * kind, must give the very references, fields and order that the list-building version gave
 * before (kept here as `listedBefore`), and the walk must visit the same kinds and ids.
 */
import { describe, expect, it } from 'vitest';
import { CONTENT_KINDS, type ContentKind } from '../domain/index.js';
import type { ImportLine } from './import-line.js';
import { type Reference, referencesOf, visitReferences } from './line-references.js';
import { generateSyntheticCommunity, type MediaFile } from './synthetic-community.js';

const FILES: readonly MediaFile[] = [
  { name: 'a.jpg', contentType: 'image/jpeg', size: 5000, sha256: 'a'.repeat(64), blobKey: 'a' },
  { name: 'b.jpg', contentType: 'image/jpeg', size: 9000, sha256: 'b'.repeat(64), blobKey: 'b' },
];

/** Every line of the synthetic community of 40 members, attachments and media included. */
function syntheticLines(): ImportLine[] {
  const lines: ImportLine[] = [];
  for (const batch of generateSyntheticCommunity({ users: 40, seed: 3, files: FILES })) {
    for (const record of batch.records) {
      lines.push(record.type === 'media' ? { ...record, file: `media/${record.name}` } : record);
    }
  }
  return lines;
}

describe('referencesOf and visitReferences', () => {
  const lines = syntheticLines();

  it('cover every kind, with list fields both empty and not', () => {
    expect(new Set(lines.map((line) => line.type)).size).toBe(CONTENT_KINDS.length);
    const attached = lines.filter((l) => 'attachments' in l && l.attachments.length > 0);
    expect(attached.length).toBeGreaterThan(0);
  });

  it('give for every line the references the list-building version gave', () => {
    for (const line of lines) expect(referencesOf(line)).toEqual(listedBefore(line));
  });

  it('visit the same kinds and ids, in the same order', () => {
    for (const line of lines) {
      const visited: [ContentKind, string][] = [];
      visitReferences(line, (kind, id) => visited.push([kind, id]));
      expect(visited).toEqual(referencesOf(line).map((ref) => [ref.kind, ref.id]));
    }
  });
});

/** `referencesOf` as it was before `visitReferences`: the oracle of this test. */
function listedBefore(line: ImportLine): Reference[] {
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
