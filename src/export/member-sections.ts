/**
 * @module
 * Sections of the data types each user job renders for its member: the member's own posts,
 * comments, reactions, events, saved items, reports, groups, polls, notes, searches and
 * logins in the time range; the member's conversations (every participant's messages in the
 * range); its connections, seen from its side; and its profile, whole. With no member (the
 * company job) these sections have no rows. Every id of another record comes with what a
 * person recognises it by: a name, a title or a short excerpt.
 */
import { z } from 'zod';
import {
  type ContentRecordOf,
  type DataType,
  RSVP_RESPONSES,
  PROBLEM_STATUSES,
  REACTION_TARGETS,
  REACTION_TYPES,
  SAVED_ITEM_TYPES,
} from '../domain/index.js';
import {
  type DataTypeSections,
  defineSection,
  type SectionScope,
  attachmentObjects,
  attachmentsField,
  childrenInRange,
  field,
  groupMembershipSection,
  isoTime,
  mediaOf,
  memberFields,
  memberReferences,
  memberRow,
  nameOf,
  ownedInRange,
  referencesTo,
  targetOf,
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
        fields: z.object({
          id: field.id,
          group: field.optionalId,
          group_name: field.optionalText,
          message: field.text,
          attachments: attachmentsField,
          created_time: field.time,
        }),
        query: ownedInRange('post'),
        references: (record) => [
          ...referencesTo('group', record.group),
          ...mediaOf(record.attachments),
        ],
        row: (record, related, scope) => ({
          id: record.id,
          group: record.group,
          group_name: nameOf(related, 'group', record.group),
          message: record.message,
          attachments: attachmentObjects(record.attachments, related, scope),
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
        fields: z.object({
          id: field.id,
          post: field.id,
          post_excerpt: field.optionalText,
          post_author: field.optionalId,
          post_author_name: field.optionalText,
          message: field.text,
          attachments: attachmentsField,
          created_time: field.time,
        }),
        query: ownedInRange('comment'),
        references: (record) => [
          ...referencesTo('post', record.post),
          ...mediaOf(record.attachments),
        ],
        row: (record, related, scope) => {
          const post = targetOf(related, 'post', record.post);
          return {
            id: record.id,
            post: record.post,
            post_excerpt: post.excerpt,
            post_author: post.author,
            post_author_name: post.author_name,
            message: record.message,
            attachments: attachmentObjects(record.attachments, related, scope),
            created_time: isoTime(record.created_time),
          };
        },
      }),
      defineSection({
        name: 'reactions',
        title: 'Reactions',
        kind: 'reaction',
        fields: z.object({
          id: field.id,
          target_type: z.enum(REACTION_TARGETS),
          target: field.id,
          target_excerpt: field.optionalText,
          target_author: field.optionalId,
          target_author_name: field.optionalText,
          reaction: z.enum(REACTION_TYPES),
          created_time: field.time,
        }),
        query: ownedInRange('reaction'),
        references: (record) => referencesTo(record.target_type, record.target),
        row: (record, related) => {
          const target = targetOf(related, record.target_type, record.target);
          return {
            id: record.id,
            target_type: record.target_type,
            target: record.target,
            target_excerpt: target.excerpt,
            target_author: target.author,
            target_author_name: target.author_name,
            reaction: record.reaction,
            created_time: isoTime(record.created_time),
          };
        },
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
        fields: z.object({
          id: field.id,
          name: field.optionalText,
          participants: field.texts,
          participant_names: z.array(z.string().nullable()),
          created_time: field.time,
        }),
        // A conversation is shown whole (its name and people), whenever it started.
        query: (scope) =>
          scope.member === null ? null : { kind: 'chat_thread', involving: scope.member.sourceId },
        references: (record) => referencesTo('member', ...record.participants),
        row: (record, related) => ({
          id: record.id,
          name: record.name,
          participants: [...record.participants],
          participant_names: record.participants.map((id) => nameOf(related, 'member', id)),
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'messages',
        title: 'Messages',
        kind: 'chat_message',
        fields: z.object({
          id: field.id,
          thread: field.id,
          thread_name: field.optionalText,
          author: field.id,
          author_name: field.optionalText,
          text: field.text,
          attachments: attachmentsField,
          created_time: field.time,
        }),
        parentsFrom: 'threads',
        jsonNesting: { key: 'messages', parentColumn: 'thread' },
        // Every participant's messages: the member's conversations, not only its own lines.
        query: childrenInRange('chat_message'),
        references: (record) => [
          ...referencesTo('chat_thread', record.thread),
          ...referencesTo('member', record.author),
          ...mediaOf(record.attachments),
        ],
        row: (record, related, scope) => ({
          id: record.id,
          thread: record.thread,
          thread_name: related.get('chat_thread', record.thread)?.name ?? null,
          author: record.author,
          author_name: nameOf(related, 'member', record.author),
          text: record.text,
          attachments: attachmentObjects(record.attachments, related, scope),
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
        fields: z.object({
          id: field.id,
          title: field.text,
          description: field.optionalText,
          location: field.optionalText,
          start_time: field.time,
          end_time: field.optionalTime,
          group: field.optionalId,
          group_name: field.optionalText,
          created_time: field.time,
        }),
        query: ownedInRange('event'),
        references: (record) => referencesTo('group', record.group),
        row: (record, related) => ({
          id: record.id,
          title: record.title,
          description: record.description,
          location: record.location,
          start_time: isoTime(record.start_time),
          end_time: isoTime(record.end_time),
          group: record.group,
          group_name: nameOf(related, 'group', record.group),
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'event_responses',
        title: 'Your responses to events',
        kind: 'event_rsvp',
        fields: z.object({
          id: field.id,
          event: field.id,
          event_title: field.optionalText,
          response: z.enum(RSVP_RESPONSES),
          created_time: field.time,
        }),
        query: ownedInRange('event_rsvp'),
        references: (record) => referencesTo('event', record.event),
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
        fields: z.object({
          id: field.id,
          item_type: z.enum(SAVED_ITEM_TYPES),
          title: field.text,
          url: field.optionalText,
          created_time: field.time,
        }),
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
        fields: z.object({
          id: field.id,
          description: field.text,
          status: z.enum(PROBLEM_STATUSES),
          created_time: field.time,
        }),
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
        fields: z.object({
          id: field.id,
          question: field.text,
          options: field.texts,
          option_ids: field.texts,
          group: field.optionalId,
          group_name: field.optionalText,
          created_time: field.time,
        }),
        query: ownedInRange('poll'),
        references: (record) => referencesTo('group', record.group),
        row: (record, related) => ({
          id: record.id,
          question: record.question,
          options: record.options.map((option) => option.text),
          option_ids: record.options.map((option) => option.id),
          group: record.group,
          group_name: nameOf(related, 'group', record.group),
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'poll_votes',
        title: 'Your votes',
        kind: 'poll_vote',
        fields: z.object({
          id: field.id,
          poll: field.id,
          poll_question: field.optionalText,
          option: field.id,
          option_text: field.optionalText,
          created_time: field.time,
        }),
        query: ownedInRange('poll_vote'),
        references: (record) => referencesTo('poll', record.poll),
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
        fields: z.object({
          id: field.id,
          title: field.text,
          body: field.text,
          created_time: field.time,
          updated_time: field.optionalTime,
        }),
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
        fields: z.object({ id: field.id, query: field.text, created_time: field.time }),
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
        fields: z.object({
          id: field.id,
          ip_address: field.text,
          user_agent: field.text,
          place: field.optionalText,
          created_time: field.time,
        }),
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
        fields: z.object({
          id: field.id,
          friend: field.id,
          friend_name: field.optionalText,
          created_time: field.time,
        }),
        // A connection is stored once for both sides: shown from the exported member's side.
        query: (scope) =>
          scope.member === null
            ? null
            : { kind: 'connection', involving: scope.member.sourceId, range: scope.range },
        references: (record, scope) => referencesTo('member', otherSide(record, scope)),
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
        fields: memberFields,
        query: (scope) =>
          scope.member === null ? null : { kind: 'member', ids: [scope.member.sourceId] },
        references: memberReferences,
        row: memberRow,
      }),
    ],
  },
} satisfies Partial<Record<DataType, DataTypeSections>>;
