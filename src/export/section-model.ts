/**
 * @module
 * The vocabulary of `data-type-sections.ts`: what a section is (record kind, query for a job
 * scope, fields, rows), the row values the renderers accept, and the helpers the section
 * definitions share (queries for "whole", "in range", "the member's own"; times; excerpts;
 * names; media objects; the member and group-membership rows both the company and the user
 * data types show).
 *
 * A section's `fields` is a zod object: its keys, in order, are the section's columns, its
 * types check each `row` at compile time, and `archive-schema.ts` turns the fields into the
 * JSON Schema written into every archive, so the code, the archive and its schema cannot
 * drift apart.
 */
import { z } from 'zod';
import {
  type ContentKind,
  type ContentMember,
  type ContentRecordOf,
  GROUP_ROLES,
  MEMBER_STATUSES,
  type MediaRecord,
  type UnixSeconds,
} from '../domain/index.js';
import type { ContentQuery } from '../ports/content-store.js';
import { mediaPath } from './archive-paths.js';
import { isoSeconds } from './html-page.js';

export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** One output row: keys in the order of its section's `columns`. */
export type Row = { readonly [key: string]: JsonValue };

/** Size and SHA-256 of a file as stored in the archive. */
export interface StoredFile {
  readonly size: number;
  readonly sha256: string;
}

/** Who and when a job exports, and what became of its media. */
export interface SectionScope {
  /** The member of a user job; null for the company job. */
  readonly member: ContentMember | null;
  readonly range: { readonly start: UnixSeconds; readonly end: UnixSeconds };
  /** Media left out of the archive, by archive path, with the reason. */
  readonly missingMedia?: ReadonlyMap<string, string>;
  /**
   * Media written into the archive, by archive path (after the quality step, so not always
   * the original's size and hash). Without it a media object shows its original's.
   */
  readonly storedMedia?: ReadonlyMap<string, StoredFile>;
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

/** The JSON-only shape of a child section: its rows sit inside their parent's row. */
export interface JsonNesting {
  /** Key of the list in the parent row, e.g. `messages`. */
  readonly key: string;
  /** Column of the child row holding its parent's id, e.g. `thread`. */
  readonly parentColumn: string;
}

interface SectionBase<K extends ContentKind, F extends z.ZodObject> {
  /** Key of the section in JSON, CSV file name, HTML heading anchor. */
  readonly name: string;
  /** Heading shown in HTML. */
  readonly title: string;
  readonly kind: K;
  /** The row's fields, in column order; also the section's JSON Schema. */
  readonly fields: F;
  /**
   * Another section of the same data type, listed earlier, whose record ids this section's
   * query receives as `parents` (the messages of the threads found, the responses of the
   * surveys found). With no such ids the section has no rows.
   */
  readonly parentsFrom?: string;
  /**
   * In JSON, this section's rows are written inside the rows of `parentsFrom` rather than
   * under a key of their own; its records are then read parent by parent, in parent order.
   */
  readonly jsonNesting?: JsonNesting;
  /**
   * The section details the records of another one (the questions of each survey): its rows
   * are not counted as items of the data type.
   */
  readonly detailOf?: string;
  /** The query for a scope, or null when the scope has nothing here. */
  query(scope: SectionScope, parents: readonly string[]): ContentQuery<K> | null;
  /**
   * Records the rows show besides their own; attachments are references of kind `media`.
   * The authors of referenced posts, comments and messages are loaded with them.
   */
  references?(record: ContentRecordOf<K>, scope: SectionScope): readonly Reference[];
}

/** A section with one row per record, or several (`rows`) for a detail section. */
export type SectionDefinition<K extends ContentKind, F extends z.ZodObject> = SectionBase<K, F> &
  (
    | { row(record: ContentRecordOf<K>, related: Related, scope: SectionScope): z.infer<F> }
    | { rows(record: ContentRecordOf<K>, related: Related, scope: SectionScope): z.infer<F>[] }
  );

export interface Section<K extends ContentKind = ContentKind> extends SectionBase<K, z.ZodObject> {
  /** The keys of `fields`, in order. */
  readonly columns: readonly string[];
  /** Every record gives exactly one row (a `row` definition): its rows can be counted unmade. */
  readonly onePerRecord: boolean;
  rows(record: ContentRecordOf<K>, related: Related, scope: SectionScope): Row[];
}

/** The sections of one data type, in output order. */
export interface DataTypeSections {
  /** Heading of the data type in HTML. */
  readonly title: string;
  readonly sections: readonly Section[];
}

/** Keeps each definition's record kind and fields checked against its rows. */
export function defineSection<K extends ContentKind, F extends z.ZodObject>(
  definition: SectionDefinition<K, F>,
): Section {
  const rows =
    'rows' in definition
      ? (record: ContentRecordOf<K>, related: Related, scope: SectionScope) =>
          definition.rows(record, related, scope) as Row[]
      : (record: ContentRecordOf<K>, related: Related, scope: SectionScope) => [
          definition.row(record, related, scope) as Row,
        ];
  const section: Section<K> = {
    ...definition,
    columns: Object.keys(definition.fields.shape),
    onePerRecord: !('rows' in definition),
    rows,
  };
  return section as unknown as Section;
}

/** Field types the sections share. */
export const field = {
  id: z.string(),
  optionalId: z.string().nullable(),
  text: z.string(),
  optionalText: z.string().nullable(),
  texts: z.array(z.string()),
  /** ISO 8601 in UTC, whole seconds: `2024-05-01T09:30:00Z`. */
  time: z.iso.datetime(),
  optionalTime: z.iso.datetime().nullable(),
};

/** ISO 8601, UTC, whole seconds: `2024-05-01T09:30:00Z`. */
export function isoTime(seconds: UnixSeconds): string;
export function isoTime(seconds: UnixSeconds | null): string | null;
export function isoTime(seconds: UnixSeconds | null): string | null {
  return seconds === null ? null : isoSeconds(seconds);
}

/** Longest excerpt of a post or comment, in characters (user-perceived, not code units). */
export const EXCERPT_CHARACTERS = 80;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * The start of a text as one line of at most `EXCERPT_CHARACTERS` characters, followed by `…`
 * when cut. It is cut between characters as a reader sees them: never inside a surrogate pair,
 * an emoji sequence or a letter with its accents.
 */
export function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  // Printable ASCII is one character per code unit, and nothing after it can join it.
  const start = line.slice(0, EXCERPT_CHARACTERS + 1);
  if (PRINTABLE_ASCII.test(start)) {
    return line.length <= EXCERPT_CHARACTERS ? line : `${start.slice(0, -1).trimEnd()}…`;
  }
  let end = 0;
  let count = 0;
  for (const { segment } of graphemes.segment(line)) {
    if (count === EXCERPT_CHARACTERS) return `${line.slice(0, end).trimEnd()}…`;
    end += segment.length;
    count++;
  }
  return line;
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

/** References to the records of these ids, the nulls left out. */
export function referencesTo(kind: ContentKind, ...ids: (string | null)[]): Reference[] {
  return ids.filter((id): id is string => id !== null).map((id) => ({ kind, id }));
}

export function mediaOf(attachments: readonly string[]): Reference[] {
  return referencesTo('media', ...attachments);
}

const mediaFields = {
  uri: z.string().describe('Path of the file inside the archive, /-separated'),
  original_name: z.string().describe('The file name it was uploaded with'),
  content_type: z.string(),
};

/** An attachment: the file in the archive, or why it is not there. */
export const mediaObject = z.union([
  z
    .object({
      ...mediaFields,
      size: z.int().nonnegative().describe('Bytes of the file as it is in the archive'),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .describe('SHA-256 of the file as it is in the archive, lower-case hex'),
      created_time: field.time,
    })
    .describe('A file in the archive'),
  z
    .object({
      ...mediaFields,
      missing: z.literal(true),
      reason: z.string().describe('Why the file is not in the archive'),
    })
    .describe('A file left out of the archive: nothing is at its uri'),
]);
export type MediaObject = z.infer<typeof mediaObject>;

export const attachmentsField = z.array(mediaObject);

/** The attachments whose media record exists, in order, as media objects. */
export function attachmentObjects(
  attachments: readonly string[],
  related: Related,
  scope: SectionScope,
): MediaObject[] {
  return attachments
    .map((id) => related.get('media', id))
    .filter((media): media is MediaRecord => media !== undefined)
    .map((media) => mediaObjectOf(media, scope));
}

function mediaObjectOf(media: MediaRecord, scope: SectionScope): MediaObject {
  const uri = mediaPath(media);
  const described = { uri, original_name: media.name, content_type: media.content_type };
  const reason = scope.missingMedia?.get(uri);
  if (reason !== undefined) return { ...described, missing: true, reason };
  const stored = scope.storedMedia?.get(uri) ?? media;
  return {
    ...described,
    size: stored.size,
    sha256: stored.sha256,
    created_time: isoTime(media.created_time),
  };
}

export function nameOf(
  related: Related,
  kind: 'member' | 'group',
  id: string | null,
): string | null {
  return id === null ? null : (related.get(kind, id)?.name ?? null);
}

/** What a comment or reaction shows of the post (or comment) it is about. */
export function targetOf(
  related: Related,
  kind: 'post' | 'comment',
  id: string,
): { excerpt: string | null; author: string | null; author_name: string | null } {
  const target = related.get(kind, id);
  if (target === undefined) return { excerpt: null, author: null, author_name: null };
  return {
    excerpt: excerpt(target.message),
    author: target.author,
    author_name: nameOf(related, 'member', target.author),
  };
}

export const memberFields = z.object({
  id: field.id,
  name: field.text,
  email: field.optionalText,
  title: field.optionalText,
  department: field.optionalText,
  manager: field.optionalId,
  manager_name: field.optionalText,
  location: field.optionalText,
  phone: field.optionalText,
  status: z.enum(MEMBER_STATUSES),
  created_time: field.time,
});

export function memberReferences(record: ContentRecordOf<'member'>): Reference[] {
  return referencesTo('member', record.manager);
}

export function memberRow(
  record: ContentRecordOf<'member'>,
  related: Related,
): z.infer<typeof memberFields> {
  return {
    id: record.id,
    name: record.name,
    email: record.email,
    title: record.title,
    department: record.department,
    manager: record.manager,
    manager_name: nameOf(related, 'member', record.manager),
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
    fields: z.object({
      id: field.id,
      group: field.id,
      group_name: field.optionalText,
      member: field.id,
      member_name: field.optionalText,
      role: z.enum(GROUP_ROLES),
      created_time: field.time,
    }),
    query,
    references: (record) => [
      ...referencesTo('group', record.group),
      ...referencesTo('member', record.member),
    ],
    row: (record, related) => ({
      id: record.id,
      group: record.group,
      group_name: nameOf(related, 'group', record.group),
      member: record.member,
      member_name: nameOf(related, 'member', record.member),
      role: record.role,
      created_time: isoTime(record.created_time),
    }),
  });
