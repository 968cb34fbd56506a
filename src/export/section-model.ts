/**
 * @module
 * The vocabulary of `data-type-sections.ts`: what a section is (record kind, query for a job
 * scope, columns, row), the row values the renderers accept, and the helpers the section
 * definitions share (queries for "whole", "in range", "the member's own"; times; attachment
 * paths; the member and group-membership rows both the company and the user data types show).
 */
import type {
  ContentKind,
  ContentMember,
  ContentRecordOf,
  MediaRecord,
  UnixSeconds,
} from '../domain/index.js';
import type { ContentQuery } from '../ports/content-store.js';
import { mediaPath } from './archive-paths.js';

export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** One output row: keys in the order of its section's `columns`. */
export type Row = { readonly [key: string]: JsonValue };

/** Who and when a job exports. */
export interface SectionScope {
  /** The member of a user job; null for the company job. */
  readonly member: ContentMember | null;
  readonly range: { readonly start: UnixSeconds; readonly end: UnixSeconds };
}

/** A record a row needs besides its own (a media item, a group's name ...). */
export interface Reference {
  readonly kind: ContentKind;
  readonly id: string;
}

/** The referenced records of one batch of rows, loaded together. */
export interface Related {
  get<K extends ContentKind>(kind: K, id: string): ContentRecordOf<K> | undefined;
}

export interface Section<K extends ContentKind = ContentKind, C extends string = string> {
  /** Key of the section in JSON, CSV file name, HTML heading anchor. */
  readonly name: string;
  /** Heading shown in HTML. */
  readonly title: string;
  readonly kind: K;
  readonly columns: readonly C[];
  /**
   * Another section of the same data type, listed earlier, whose record ids this section's
   * query receives as `parents` (the messages of the threads found, the responses of the
   * surveys found). With no such ids the section has no rows.
   */
  readonly parentsFrom?: string;
  /** The query for a scope, or null when the scope has nothing here. */
  query(scope: SectionScope, parents: readonly string[]): ContentQuery<K> | null;
  /** Records the row shows besides its own; attachments are references of kind `media`. */
  references?(record: ContentRecordOf<K>, scope: SectionScope): readonly Reference[];
  row(
    record: ContentRecordOf<K>,
    related: Related,
    scope: SectionScope,
  ): { readonly [key in C]: JsonValue };
}

/** The sections of one data type, in output order. */
export interface DataTypeSections {
  /** Heading of the data type in HTML. */
  readonly title: string;
  readonly sections: readonly Section[];
}

/** Keeps each definition's record kind and columns checked against its `row`. */
export function defineSection<K extends ContentKind, const C extends string>(
  definition: Section<K, C>,
): Section {
  return definition;
}

/** ISO 8601, UTC, whole seconds: `2024-05-01T09:30:00Z`. */
export function isoTime(seconds: UnixSeconds): string;
export function isoTime(seconds: UnixSeconds | null): string | null;
export function isoTime(seconds: UnixSeconds | null): string | null {
  return seconds === null ? null : new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function whole<K extends ContentKind>(kind: K): () => ContentQuery<K> {
  return () => ({ kind });
}

export function inRange<K extends ContentKind>(kind: K): (scope: SectionScope) => ContentQuery<K> {
  return (scope) => ({ kind, range: scope.range });
}

/** The member's own records in the range; nothing for the company job. */
export function ownedInRange<K extends ContentKind>(
  kind: K,
): (scope: SectionScope) => ContentQuery<K> | null {
  return (scope) =>
    scope.member === null ? null : { kind, owner: scope.member.sourceId, range: scope.range };
}

export function childrenInRange<K extends ContentKind>(
  kind: K,
): (scope: SectionScope, parents: readonly string[]) => ContentQuery<K> {
  return (scope, parents) => ({ kind, parents, range: scope.range });
}

export function mediaOf(attachments: readonly string[]): Reference[] {
  return attachments.map((id) => ({ kind: 'media', id }));
}

/** Archive paths of the attachments whose media record exists, in order. */
export function attachmentPaths(attachments: readonly string[], related: Related): string[] {
  return attachments
    .map((id) => related.get('media', id))
    .filter((media): media is MediaRecord => media !== undefined)
    .map(mediaPath);
}

export function nameOf(
  related: Related,
  kind: 'member' | 'group',
  id: string | null,
): string | null {
  return id === null ? null : (related.get(kind, id)?.name ?? null);
}

export const memberColumns = [
  'id',
  'name',
  'email',
  'title',
  'department',
  'manager',
  'location',
  'phone',
  'status',
  'created_time',
] as const;

export function memberRow(record: ContentRecordOf<'member'>): {
  readonly [key in (typeof memberColumns)[number]]: JsonValue;
} {
  return {
    id: record.id,
    name: record.name,
    email: record.email,
    title: record.title,
    department: record.department,
    manager: record.manager,
    location: record.location,
    phone: record.phone,
    status: record.status,
    created_time: isoTime(record.created_time),
  };
}

export const groupMembershipSection = (name: string, query: Section<'group_membership'>['query']) =>
  defineSection({
    name,
    title: 'Group memberships',
    kind: 'group_membership',
    columns: ['id', 'group', 'group_name', 'member', 'role', 'created_time'],
    query,
    references: (record) => [{ kind: 'group', id: record.group }],
    row: (record, related) => ({
      id: record.id,
      group: record.group,
      group_name: nameOf(related, 'group', record.group),
      member: record.member,
      role: record.role,
      created_time: isoTime(record.created_time),
    }),
  });
