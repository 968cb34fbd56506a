/**
 * @module
 * The community content exports are made of (see `domain/content.ts` for the kinds and their
 * fields). Written in batches by `dyi import` and `dyi seed`, each batch one transaction;
 * read by the export engine as streams in a stable order, so that the same content always
 * renders the same bytes. Adapters: SQLite (embedded) and PostgreSQL (scale-out), each in its
 * metadata store's database; both run the contract suite `content-store.contract.ts`.
 */
import type {
  ContentKind,
  ContentMember,
  ContentRecord,
  ContentRecordOf,
  Id,
  UnixSeconds,
} from '../domain/index.js';

/** Which records of one kind to read; every condition given must hold. */
export interface ContentQuery<K extends ContentKind = ContentKind> {
  readonly kind: K;
  /** Records with these ids. */
  readonly ids?: readonly string[];
  /** Records whose owner is this member id (see `linksOf`). */
  readonly owner?: string;
  /** Records that involve this member id: owner, thread participant, side of a connection. */
  readonly involving?: string;
  /** Records whose parent is one of these ids (a message's thread, a comment's post ...). */
  readonly parents?: readonly string[];
  /** Records created in `[start, end)`. */
  readonly range?: { readonly start: UnixSeconds; readonly end: UnixSeconds };
}

export interface WriteSummary {
  /** Records written per kind (created or replaced). */
  readonly written: Partial<Record<ContentKind, number>>;
}

export interface ContentStore {
  /** Opens connections and migrates the schema (shared with the metadata store's database). */
  init(): Promise<void>;
  close(): Promise<void>;
  /**
   * Writes records in one transaction: all or nothing. A record whose kind and id exist is
   * replaced. A member record also creates (or updates the name, email and status of) the
   * community member it stands for, so that exports plan a job for it.
   */
  write(communityId: Id, records: readonly ContentRecord[]): Promise<WriteSummary>;
  /** The ids of `kind` among `ids` that exist in the community. */
  existing(communityId: Id, kind: ContentKind, ids: readonly string[]): Promise<Set<string>>;
  /**
   * Records matching the query, ordered by `created_time` then id, read in bounded batches:
   * never the whole result in memory.
   */
  query<K extends ContentKind>(
    communityId: Id,
    query: ContentQuery<K>,
  ): AsyncIterable<ContentRecordOf<K>>;
  count(communityId: Id, query: ContentQuery): Promise<number>;
  /** Records per kind in the community (kinds with none are 0). */
  counts(communityId: Id): Promise<Record<ContentKind, number>>;
  /** The content side of a member, by its Graph id. */
  member(communityId: Id, memberId: Id): Promise<ContentMember | undefined>;
  /**
   * The Graph id of the member whose content id is `sourceId` (the `id` of its imported member
   * record, or the Graph id itself for a member made without one), any status.
   */
  memberIdOf(communityId: Id, sourceId: string): Promise<Id | undefined>;
}
