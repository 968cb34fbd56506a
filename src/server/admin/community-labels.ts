/**
 * @module
 * The words and numbers of the "Community data" page: each content kind and member status in
 * words, keyed by its enum so the compiler tells when a new kind needs its label, and counts
 * written as people read them.
 */
import type { ContentKind, MemberStatus } from '../../domain/index.js';

/** Each content kind in words, as the community page lists them. */
export const CONTENT_KIND_LABELS: Readonly<Record<ContentKind, string>> = {
  company: 'Company profile',
  member: 'Member profiles',
  group: 'Groups',
  group_membership: 'Group memberships',
  post: 'Posts',
  comment: 'Comments',
  reaction: 'Reactions',
  chat_thread: 'Chat threads',
  chat_message: 'Chat messages',
  event: 'Events',
  event_rsvp: 'Event replies',
  saved_item: 'Saved items',
  reported_problem: 'Reported problems',
  kl_category: 'Knowledge library categories',
  kl_article: 'Knowledge library articles',
  survey: 'Surveys',
  survey_response: 'Survey responses',
  note: 'Notes',
  poll: 'Polls',
  poll_vote: 'Poll votes',
  connection: 'Connections',
  search: 'Searches',
  login: 'Logins',
  media: 'Media files',
};

export const MEMBER_STATUS_LABELS: Readonly<Record<MemberStatus, string>> = {
  active: 'Active',
  deactivated: 'Deactivated',
  deleted: 'Deleted',
};

const NUMBER = new Intl.NumberFormat('en');

/** A count as people read it: "12,345". */
export function countText(count: number): string {
  return NUMBER.format(count);
}
