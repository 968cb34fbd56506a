/**
 * @module
 * Line schemas of the people of a community and the records only each of them sees: the
 * company, members, groups and memberships, connections, and each member's saved items,
 * reported problems, notes, searches and logins. Lines whose id other lines never name may
 * leave it out and get the documented default (`group:member`, `member:other`).
 */
import { z } from 'zod';
import {
  GROUP_PRIVACIES,
  GROUP_ROLES,
  MEMBER_STATUSES,
  PROBLEM_STATUSES,
  SAVED_ITEM_TYPES,
} from '../domain/index.js';
import {
  id,
  longText,
  nonEmptyText,
  optionalId,
  optionalLongText,
  optionalText,
  optionalTime,
  shortText,
  time,
} from './field-schemas.js';
import type { LineSchemas } from './import-line.js';

export const PEOPLE_LINE_SCHEMAS = {
  company: z
    .strictObject({
      type: z.literal('company'),
      name: nonEmptyText,
      description: optionalLongText,
      website: optionalText,
      industry: optionalText,
      created_time: time,
    })
    .transform((line) => ({ ...line, id: 'company' as const })),
  member: z.strictObject({
    type: z.literal('member'),
    id,
    name: nonEmptyText,
    email: optionalText,
    title: optionalText,
    department: optionalText,
    manager: optionalId,
    location: optionalText,
    phone: optionalText,
    status: z.enum(MEMBER_STATUSES).default('active'),
    created_time: time,
  }),
  group: z.strictObject({
    type: z.literal('group'),
    id,
    name: nonEmptyText,
    description: optionalLongText,
    privacy: z.enum(GROUP_PRIVACIES),
    creator: optionalId,
    created_time: time,
  }),
  group_membership: z
    .strictObject({
      type: z.literal('group_membership'),
      id: id.optional(),
      group: id,
      member: id,
      role: z.enum(GROUP_ROLES).default('MEMBER'),
      created_time: time,
    })
    .transform((line) => ({ ...line, id: line.id ?? `${line.group}:${line.member}` })),
  connection: z
    .strictObject({
      type: z.literal('connection'),
      id: id.optional(),
      member: id,
      other: id,
      created_time: time,
    })
    .transform((line) => ({ ...line, id: line.id ?? `${line.member}:${line.other}` })),
  saved_item: z.strictObject({
    type: z.literal('saved_item'),
    id,
    member: id,
    item_type: z.enum(SAVED_ITEM_TYPES),
    title: nonEmptyText,
    url: optionalText,
    created_time: time,
  }),
  reported_problem: z.strictObject({
    type: z.literal('reported_problem'),
    id,
    reporter: id,
    description: longText,
    status: z.enum(PROBLEM_STATUSES),
    created_time: time,
  }),
  note: z.strictObject({
    type: z.literal('note'),
    id,
    author: id,
    title: shortText,
    body: longText,
    created_time: time,
    updated_time: optionalTime,
  }),
  search: z.strictObject({
    type: z.literal('search'),
    id,
    member: id,
    query: shortText,
    created_time: time,
  }),
  login: z.strictObject({
    type: z.literal('login'),
    id,
    member: id,
    ip_address: shortText,
    user_agent: shortText,
    place: optionalText,
    created_time: time,
  }),
} satisfies LineSchemas<
  | 'company'
  | 'member'
  | 'group'
  | 'group_membership'
  | 'connection'
  | 'saved_item'
  | 'reported_problem'
  | 'note'
  | 'search'
  | 'login'
>;
