/**
 * @module
 * The community content an export is made of: one record type per kind of thing a Workplace
 * community holds. Records come from `dyi import` (NDJSON, one record per line with its `type`)
 * or `dyi seed`, are stored by the ContentStore, and are rendered by the export engine.
 *
 * Conventions shared by every kind:
 * - `id` is the source system's id (a string, unique per kind within a community); importing a
 *   record with an id that exists replaces that record.
 * - References to other records use those ids too (`author` is a member id, `post` a post id).
 * - Times are Unix seconds, UTC. `created_time` decides whether a record falls in an export's
 *   time range `[start_time, end_time)`; profile-like kinds (company, member, group,
 *   knowledge-library category) are always exported whole.
 * - Field names are snake_case, as in the NDJSON lines and in the exported JSON.
 */
import type { MemberStatus } from './enums.js';
import type { Id, UnixSeconds } from './types.js';

export const CONTENT_KINDS = [
  'company',
  'member',
  'group',
  'group_membership',
  'post',
  'comment',
  'reaction',
  'chat_thread',
  'chat_message',
  'event',
  'event_rsvp',
  'saved_item',
  'reported_problem',
  'kl_category',
  'kl_article',
  'survey',
  'survey_response',
  'note',
  'poll',
  'poll_vote',
  'connection',
  'search',
  'login',
  'media',
] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

export const GROUP_PRIVACIES = ['OPEN', 'CLOSED', 'SECRET'] as const;
export const GROUP_ROLES = ['MEMBER', 'MODERATOR', 'ADMIN'] as const;
export const REACTION_TYPES = ['LIKE', 'LOVE', 'CARE', 'HAHA', 'WOW', 'SAD', 'ANGRY'] as const;
export const REACTION_TARGETS = ['post', 'comment'] as const;
export const RSVP_RESPONSES = ['GOING', 'INTERESTED', 'DECLINED'] as const;
export const SAVED_ITEM_TYPES = ['POST', 'LINK', 'EVENT', 'ARTICLE'] as const;
export const PROBLEM_STATUSES = ['OPEN', 'IN_REVIEW', 'RESOLVED'] as const;
export const SURVEY_QUESTION_KINDS = [
  'TEXT',
  'SINGLE_CHOICE',
  'MULTIPLE_CHOICE',
  'RATING',
] as const;

/** The community itself (one per community; `id` is always "company"). */
export interface CompanyRecord {
  readonly type: 'company';
  readonly id: 'company';
  readonly name: string;
  readonly description: string | null;
  readonly website: string | null;
  readonly industry: string | null;
  readonly created_time: UnixSeconds;
}

/** A person of the community, with the profile an export shows. */
export interface MemberRecord {
  readonly type: 'member';
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly title: string | null;
  readonly department: string | null;
  /** The member id of this member's manager. */
  readonly manager: string | null;
  readonly location: string | null;
  readonly phone: string | null;
  readonly status: MemberStatus;
  readonly created_time: UnixSeconds;
}

export interface GroupRecord {
  readonly type: 'group';
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly privacy: (typeof GROUP_PRIVACIES)[number];
  readonly creator: string | null;
  readonly created_time: UnixSeconds;
}

export interface GroupMembershipRecord {
  readonly type: 'group_membership';
  /** Defaults to `<group>:<member>` on import. */
  readonly id: string;
  readonly group: string;
  readonly member: string;
  readonly role: (typeof GROUP_ROLES)[number];
  readonly created_time: UnixSeconds;
}

export interface PostRecord {
  readonly type: 'post';
  readonly id: string;
  readonly author: string;
  /** The group it was posted in; null for the author's own timeline. */
  readonly group: string | null;
  readonly message: string;
  /** Media ids, in order. */
  readonly attachments: readonly string[];
  readonly created_time: UnixSeconds;
}

export interface CommentRecord {
  readonly type: 'comment';
  readonly id: string;
  readonly post: string;
  readonly author: string;
  readonly message: string;
  readonly attachments: readonly string[];
  readonly created_time: UnixSeconds;
}

export interface ReactionRecord {
  readonly type: 'reaction';
  /** Defaults to `<target_type>:<target>:<author>` on import. */
  readonly id: string;
  readonly target_type: (typeof REACTION_TARGETS)[number];
  readonly target: string;
  readonly author: string;
  readonly reaction: (typeof REACTION_TYPES)[number];
  readonly created_time: UnixSeconds;
}

export interface ChatThreadRecord {
  readonly type: 'chat_thread';
  readonly id: string;
  readonly name: string | null;
  /** Member ids, the creator first. */
  readonly participants: readonly string[];
  readonly created_time: UnixSeconds;
}

export interface ChatMessageRecord {
  readonly type: 'chat_message';
  readonly id: string;
  readonly thread: string;
  readonly author: string;
  readonly text: string;
  readonly attachments: readonly string[];
  readonly created_time: UnixSeconds;
}

export interface EventRecord {
  readonly type: 'event';
  readonly id: string;
  readonly title: string;
  readonly description: string | null;
  readonly location: string | null;
  readonly start_time: UnixSeconds;
  readonly end_time: UnixSeconds | null;
  readonly creator: string;
  readonly group: string | null;
  readonly created_time: UnixSeconds;
}

export interface EventRsvpRecord {
  readonly type: 'event_rsvp';
  /** Defaults to `<event>:<member>` on import. */
  readonly id: string;
  readonly event: string;
  readonly member: string;
  readonly response: (typeof RSVP_RESPONSES)[number];
  readonly created_time: UnixSeconds;
}

export interface SavedItemRecord {
  readonly type: 'saved_item';
  readonly id: string;
  readonly member: string;
  readonly item_type: (typeof SAVED_ITEM_TYPES)[number];
  readonly title: string;
  readonly url: string | null;
  readonly created_time: UnixSeconds;
}

export interface ReportedProblemRecord {
  readonly type: 'reported_problem';
  readonly id: string;
  readonly reporter: string;
  readonly description: string;
  readonly status: (typeof PROBLEM_STATUSES)[number];
  readonly created_time: UnixSeconds;
}

export interface KlCategoryRecord {
  readonly type: 'kl_category';
  readonly id: string;
  readonly title: string;
  readonly parent: string | null;
  readonly created_time: UnixSeconds;
}

export interface KlArticleRecord {
  readonly type: 'kl_article';
  readonly id: string;
  readonly category: string;
  readonly title: string;
  readonly body: string;
  readonly author: string;
  readonly created_time: UnixSeconds;
  readonly updated_time: UnixSeconds | null;
}

export interface SurveyQuestion {
  readonly id: string;
  readonly text: string;
  readonly kind: (typeof SURVEY_QUESTION_KINDS)[number];
  /** The choices of a choice question; empty otherwise. */
  readonly options: readonly string[];
}

export interface SurveyRecord {
  readonly type: 'survey';
  readonly id: string;
  readonly title: string;
  readonly creator: string;
  readonly questions: readonly SurveyQuestion[];
  readonly created_time: UnixSeconds;
}

export interface SurveyAnswer {
  readonly question: string;
  /** Text, one choice, several choices, or a rating. */
  readonly value: string | number | readonly string[];
}

export interface SurveyResponseRecord {
  readonly type: 'survey_response';
  readonly id: string;
  readonly survey: string;
  readonly respondent: string;
  readonly answers: readonly SurveyAnswer[];
  readonly created_time: UnixSeconds;
}

export interface NoteRecord {
  readonly type: 'note';
  readonly id: string;
  readonly author: string;
  readonly title: string;
  readonly body: string;
  readonly created_time: UnixSeconds;
  readonly updated_time: UnixSeconds | null;
}

export interface PollOption {
  readonly id: string;
  readonly text: string;
}

export interface PollRecord {
  readonly type: 'poll';
  readonly id: string;
  readonly author: string;
  readonly question: string;
  readonly options: readonly PollOption[];
  readonly group: string | null;
  readonly created_time: UnixSeconds;
}

export interface PollVoteRecord {
  readonly type: 'poll_vote';
  /** Defaults to `<poll>:<voter>` on import. */
  readonly id: string;
  readonly poll: string;
  readonly option: string;
  readonly voter: string;
  readonly created_time: UnixSeconds;
}

/** A connection between two members (FRIENDS_V2); exported for both. */
export interface ConnectionRecord {
  readonly type: 'connection';
  /** Defaults to `<member>:<other>` on import. */
  readonly id: string;
  readonly member: string;
  readonly other: string;
  readonly created_time: UnixSeconds;
}

export interface SearchRecord {
  readonly type: 'search';
  readonly id: string;
  readonly member: string;
  readonly query: string;
  readonly created_time: UnixSeconds;
}

export interface LoginRecord {
  readonly type: 'login';
  readonly id: string;
  readonly member: string;
  readonly ip_address: string;
  readonly user_agent: string;
  /** Where the session came from, e.g. "Lisbon, Portugal". */
  readonly place: string | null;
  readonly created_time: UnixSeconds;
}

/**
 * An image or other file. In NDJSON a media line names a `file` relative to the NDJSON file;
 * once imported its bytes are in the BlobStore under `blob_key` and the record carries their
 * size and SHA-256 instead.
 */
export interface MediaRecord {
  readonly type: 'media';
  readonly id: string;
  readonly owner: string;
  /** File name shown to people, e.g. "IMG_0042.jpg". */
  readonly name: string;
  readonly content_type: string;
  readonly size: number;
  readonly sha256: string;
  readonly blob_key: string;
  readonly created_time: UnixSeconds;
}

export type ContentRecord =
  | CompanyRecord
  | MemberRecord
  | GroupRecord
  | GroupMembershipRecord
  | PostRecord
  | CommentRecord
  | ReactionRecord
  | ChatThreadRecord
  | ChatMessageRecord
  | EventRecord
  | EventRsvpRecord
  | SavedItemRecord
  | ReportedProblemRecord
  | KlCategoryRecord
  | KlArticleRecord
  | SurveyRecord
  | SurveyResponseRecord
  | NoteRecord
  | PollRecord
  | PollVoteRecord
  | ConnectionRecord
  | SearchRecord
  | LoginRecord
  | MediaRecord;

/** The record type of one kind. */
export type ContentRecordOf<K extends ContentKind> = Extract<ContentRecord, { type: K }>;

/** A community member as the export planner and runner see it. */
export interface ContentMember {
  /** The member's Graph id (the `user_id` of its DYI job). */
  readonly memberId: Id;
  /** The member's id in the content (`author`, `member` ... of records). */
  readonly sourceId: string;
  readonly status: MemberStatus;
}

/**
 * How a record hangs together with members and other records, which is what exports select
 * by: its `owner` (the member who made it or whose it is), its `parent` (the record it belongs
 * to) and every member it `involves` (the owner, a chat thread's participants, both sides of a
 * connection).
 */
export interface ContentLinks {
  readonly owner: string | null;
  readonly parent: string | null;
  readonly involves: readonly string[];
}

export function linksOf(record: ContentRecord): ContentLinks {
  const owned = (owner: string | null, parent: string | null = null): ContentLinks => ({
    owner,
    parent,
    involves: owner === null ? [] : [owner],
  });
  switch (record.type) {
    case 'company':
      return owned(null);
    case 'member':
      return owned(record.id);
    case 'group':
      return owned(record.creator);
    case 'group_membership':
      return owned(record.member, record.group);
    case 'post':
      return owned(record.author, record.group);
    case 'comment':
      return owned(record.author, record.post);
    case 'reaction':
      return owned(record.author, record.target);
    case 'chat_thread':
      return {
        owner: record.participants[0] ?? null,
        parent: null,
        involves: [...new Set(record.participants)],
      };
    case 'chat_message':
      return owned(record.author, record.thread);
    case 'event':
      return owned(record.creator, record.group);
    case 'event_rsvp':
      return owned(record.member, record.event);
    case 'saved_item':
      return owned(record.member);
    case 'reported_problem':
      return owned(record.reporter);
    case 'kl_category':
      return owned(null, record.parent);
    case 'kl_article':
      return owned(record.author, record.category);
    case 'survey':
      return owned(record.creator);
    case 'survey_response':
      return owned(record.respondent, record.survey);
    case 'note':
      return owned(record.author);
    case 'poll':
      return owned(record.author, record.group);
    case 'poll_vote':
      return owned(record.voter, record.poll);
    case 'connection':
      return {
        owner: record.member,
        parent: null,
        involves: [...new Set([record.member, record.other])],
      };
    case 'search':
    case 'login':
      return owned(record.member);
    case 'media':
      return owned(record.owner);
  }
}
