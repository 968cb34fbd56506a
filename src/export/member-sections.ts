/**
 * @module
 * Sections of the data types each user job renders for its member: the member's own posts,
 * comments, reactions, events, saved items, reports, groups, polls, notes, searches and
 * logins in the time range; the member's conversations (every participant's messages in the
 * range); its connections, seen from its side; and its profile, whole. With no member (the
 * company job) these sections have no rows.
 */
import type { ContentRecordOf, DataType } from '../domain/index.js';
import {
  type DataTypeSections,
  defineSection,
  type SectionScope,
  attachmentPaths,
  childrenInRange,
  groupMembershipSection,
  isoTime,
  mediaOf,
  memberColumns,
  memberRow,
  nameOf,
  ownedInRange,
} from './section-model.js';

/** The member a connection links the exported member to. */
function otherSide(record: ContentRecordOf<'connection'>, scope: SectionScope): string {
  return record.member === scope.member?.sourceId ? record.other : record.member;
}

export const MEMBER_SECTIONS = {
  POSTS_YOUR_ACTIVITY: {
    title: 'Your posts',
    sections: [
      defineSection({
        name: 'your_posts',
        title: 'Posts',
        kind: 'post',
        columns: ['id', 'group', 'group_name', 'message', 'attachments', 'created_time'],
        query: ownedInRange('post'),
        references: (record) => [
          ...(record.group === null ? [] : [{ kind: 'group' as const, id: record.group }]),
          ...mediaOf(record.attachments),
        ],
        row: (record, related) => ({
          id: record.id,
          group: record.group,
          group_name: nameOf(related, 'group', record.group),
          message: record.message,
          attachments: attachmentPaths(record.attachments, related),
          created_time: isoTime(record.created_time),
        }),
      }),
    ],
  },
  COMMENTS_REACTIONS_YOUR_ACTIVITY: {
    title: 'Your comments and reactions',
    sections: [
      defineSection({
        name: 'comments',
        title: 'Comments',
        kind: 'comment',
        columns: ['id', 'post', 'message', 'attachments', 'created_time'],
        query: ownedInRange('comment'),
        references: (record) => mediaOf(record.attachments),
        row: (record, related) => ({
          id: record.id,
          post: record.post,
          message: record.message,
          attachments: attachmentPaths(record.attachments, related),
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'reactions',
        title: 'Reactions',
        kind: 'reaction',
        columns: ['id', 'target_type', 'target', 'reaction', 'created_time'],
        query: ownedInRange('reaction'),
        row: (record) => ({
          id: record.id,
          target_type: record.target_type,
          target: record.target,
          reaction: record.reaction,
          created_time: isoTime(record.created_time),
        }),
      }),
    ],
  },
  MESSENGER_V2: {
    title: 'Chats',
    sections: [
      defineSection({
        name: 'threads',
        title: 'Conversations',
        kind: 'chat_thread',
        columns: ['id', 'name', 'participants', 'participant_names', 'created_time'],
        // A conversation is shown whole (its name and people), whenever it started.
        query: (scope) =>
          scope.member === null ? null : { kind: 'chat_thread', involving: scope.member.sourceId },
        references: (record) => record.participants.map((id) => ({ kind: 'member', id })),
        row: (record, related) => ({
          id: record.id,
          name: record.name,
          participants: record.participants,
          participant_names: record.participants.map((id) => nameOf(related, 'member', id) ?? id),
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'messages',
        title: 'Messages',
        kind: 'chat_message',
        columns: ['id', 'thread', 'author', 'author_name', 'text', 'attachments', 'created_time'],
        parentsFrom: 'threads',
        // Every participant's messages: the member's conversations, not only its own lines.
        query: childrenInRange('chat_message'),
        references: (record) => [
          { kind: 'member', id: record.author },
          ...mediaOf(record.attachments),
        ],
        row: (record, related) => ({
          id: record.id,
          thread: record.thread,
          author: record.author,
          author_name: nameOf(related, 'member', record.author),
          text: record.text,
          attachments: attachmentPaths(record.attachments, related),
          created_time: isoTime(record.created_time),
        }),
      }),
    ],
  },
  EVENTS_YOUR_ACTIVITY: {
    title: 'Your events',
    sections: [
      defineSection({
        name: 'your_events',
        title: 'Events you created',
        kind: 'event',
        columns: [
          'id',
          'title',
          'description',
          'location',
          'start_time',
          'end_time',
          'group',
          'created_time',
        ],
        query: ownedInRange('event'),
        row: (record) => ({
          id: record.id,
          title: record.title,
          description: record.description,
          location: record.location,
          start_time: isoTime(record.start_time),
          end_time: isoTime(record.end_time),
          group: record.group,
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'event_responses',
        title: 'Your responses to events',
        kind: 'event_rsvp',
        columns: ['id', 'event', 'event_title', 'response', 'created_time'],
        query: ownedInRange('event_rsvp'),
        references: (record) => [{ kind: 'event', id: record.event }],
        row: (record, related) => ({
          id: record.id,
          event: record.event,
          event_title: related.get('event', record.event)?.title ?? null,
          response: record.response,
          created_time: isoTime(record.created_time),
        }),
      }),
    ],
  },
  SAVED_ITEMS_YOUR_ACTIVITY: {
    title: 'Your saved items',
    sections: [
      defineSection({
        name: 'saved_items',
        title: 'Saved items',
        kind: 'saved_item',
        columns: ['id', 'item_type', 'title', 'url', 'created_time'],
        query: ownedInRange('saved_item'),
        row: (record) => ({
          id: record.id,
          item_type: record.item_type,
          title: record.title,
          url: record.url,
          created_time: isoTime(record.created_time),
        }),
      }),
    ],
  },
  REPORTED_PROBLEMS_YOUR_ACTIVITY: {
    title: 'Problems you reported',
    sections: [
      defineSection({
        name: 'reported_problems',
        title: 'Reported problems',
        kind: 'reported_problem',
        columns: ['id', 'description', 'status', 'created_time'],
        query: ownedInRange('reported_problem'),
        row: (record) => ({
          id: record.id,
          description: record.description,
          status: record.status,
          created_time: isoTime(record.created_time),
        }),
      }),
    ],
  },
  GROUPS_YOUR_ACTIVITY: {
    title: 'Your groups',
    sections: [groupMembershipSection('your_group_memberships', ownedInRange('group_membership'))],
  },
  POLLS_YOUR_ACTIVITY: {
    title: 'Your polls',
    sections: [
      defineSection({
        name: 'your_polls',
        title: 'Polls you created',
        kind: 'poll',
        columns: ['id', 'question', 'options', 'group', 'created_time'],
        query: ownedInRange('poll'),
        row: (record) => ({
          id: record.id,
          question: record.question,
          options: record.options.map((option) => ({ id: option.id, text: option.text })),
          group: record.group,
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'poll_votes',
        title: 'Your votes',
        kind: 'poll_vote',
        columns: ['id', 'poll', 'poll_question', 'option', 'option_text', 'created_time'],
        query: ownedInRange('poll_vote'),
        references: (record) => [{ kind: 'poll', id: record.poll }],
        row: (record, related) => {
          const poll = related.get('poll', record.poll);
          return {
            id: record.id,
            poll: record.poll,
            poll_question: poll?.question ?? null,
            option: record.option,
            option_text: poll?.options.find((option) => option.id === record.option)?.text ?? null,
            created_time: isoTime(record.created_time),
          };
        },
      }),
    ],
  },
  WORKPLACE_NOTES: {
    title: 'Your notes',
    sections: [
      defineSection({
        name: 'notes',
        title: 'Notes',
        kind: 'note',
        columns: ['id', 'title', 'body', 'created_time', 'updated_time'],
        query: ownedInRange('note'),
        row: (record) => ({
          id: record.id,
          title: record.title,
          body: record.body,
          created_time: isoTime(record.created_time),
          updated_time: isoTime(record.updated_time),
        }),
      }),
    ],
  },
  SEARCH_LOGGED_INFO: {
    title: 'Your searches',
    sections: [
      defineSection({
        name: 'searches',
        title: 'Searches',
        kind: 'search',
        columns: ['id', 'query', 'created_time'],
        query: ownedInRange('search'),
        row: (record) => ({
          id: record.id,
          query: record.query,
          created_time: isoTime(record.created_time),
        }),
      }),
    ],
  },
  SECURITY_AND_LOGIN_INFORMATION_V: {
    title: 'Security and login information',
    sections: [
      defineSection({
        name: 'logins',
        title: 'Logins',
        kind: 'login',
        columns: ['id', 'ip_address', 'user_agent', 'place', 'created_time'],
        query: ownedInRange('login'),
        row: (record) => ({
          id: record.id,
          ip_address: record.ip_address,
          user_agent: record.user_agent,
          place: record.place,
          created_time: isoTime(record.created_time),
        }),
      }),
    ],
  },
  FRIENDS_V2: {
    title: 'Your connections',
    sections: [
      defineSection({
        name: 'connections',
        title: 'Connections',
        kind: 'connection',
        columns: ['id', 'friend', 'friend_name', 'created_time'],
        // A connection is stored once for both sides: shown from the exported member's side.
        query: (scope) =>
          scope.member === null
            ? null
            : { kind: 'connection', involving: scope.member.sourceId, range: scope.range },
        references: (record, scope) => [{ kind: 'member', id: otherSide(record, scope) }],
        row: (record, related, scope) => {
          const friend = otherSide(record, scope);
          return {
            id: record.id,
            friend,
            friend_name: nameOf(related, 'member', friend),
            created_time: isoTime(record.created_time),
          };
        },
      }),
    ],
  },
  PROFILE_PERSONAL_INFO: {
    title: 'Your profile',
    sections: [
      defineSection({
        name: 'profile',
        title: 'Profile',
        kind: 'member',
        columns: memberColumns,
        query: (scope) =>
          scope.member === null ? null : { kind: 'member', ids: [scope.member.sourceId] },
        row: memberRow,
      }),
    ],
  },
} satisfies Partial<Record<DataType, DataTypeSections>>;
