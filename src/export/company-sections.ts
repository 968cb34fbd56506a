/**
 * @module
 * Sections of the data types the company job renders once per export: the company, every
 * member's profile, groups and their members, the knowledge library and surveys. Profile-like
 * kinds are exported whole; articles, surveys and their responses by the time range (the
 * responses of the surveys in range only).
 */
import type { DataType } from '../domain/index.js';
import {
  type DataTypeSections,
  defineSection,
  childrenInRange,
  groupMembershipSection,
  inRange,
  isoTime,
  memberColumns,
  memberRow,
  whole,
} from './section-model.js';

export const COMPANY_SECTIONS = {
  WORKPLACE_COMPANY_METADATA_COMPANY_INFO: {
    title: 'Company information',
    sections: [
      defineSection({
        name: 'company',
        title: 'Company',
        kind: 'company',
        columns: ['name', 'description', 'website', 'industry', 'created_time'],
        query: whole('company'),
        row: (record) => ({
          name: record.name,
          description: record.description,
          website: record.website,
          industry: record.industry,
          created_time: isoTime(record.created_time),
        }),
      }),
    ],
  },
  WORKPLACE_COMPANY_METADATA_USER_PROFILE: {
    title: 'User profiles',
    sections: [
      defineSection({
        name: 'members',
        title: 'Members',
        kind: 'member',
        columns: memberColumns,
        query: whole('member'),
        row: memberRow,
      }),
    ],
  },
  WORKPLACE_COMPANY_METADATA_GROUPS: {
    title: 'Groups',
    sections: [
      defineSection({
        name: 'groups',
        title: 'Groups',
        kind: 'group',
        columns: ['id', 'name', 'description', 'privacy', 'creator', 'created_time'],
        query: whole('group'),
        row: (record) => ({
          id: record.id,
          name: record.name,
          description: record.description,
          privacy: record.privacy,
          creator: record.creator,
          created_time: isoTime(record.created_time),
        }),
      }),
      groupMembershipSection('group_memberships', whole('group_membership')),
    ],
  },
  WORKPLACE_KNOWLEDGE_LIBRARY: {
    title: 'Knowledge library',
    sections: [
      defineSection({
        name: 'categories',
        title: 'Categories',
        kind: 'kl_category',
        columns: ['id', 'title', 'parent', 'created_time'],
        query: whole('kl_category'),
        row: (record) => ({
          id: record.id,
          title: record.title,
          parent: record.parent,
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'articles',
        title: 'Articles',
        kind: 'kl_article',
        columns: ['id', 'category', 'title', 'body', 'author', 'created_time', 'updated_time'],
        query: inRange('kl_article'),
        row: (record) => ({
          id: record.id,
          category: record.category,
          title: record.title,
          body: record.body,
          author: record.author,
          created_time: isoTime(record.created_time),
          updated_time: isoTime(record.updated_time),
        }),
      }),
    ],
  },
  WORKPLACE_SURVEYS: {
    title: 'Surveys',
    sections: [
      defineSection({
        name: 'surveys',
        title: 'Surveys',
        kind: 'survey',
        columns: ['id', 'title', 'creator', 'questions', 'created_time'],
        query: inRange('survey'),
        row: (record) => ({
          id: record.id,
          title: record.title,
          creator: record.creator,
          questions: record.questions.map((question) => ({
            id: question.id,
            text: question.text,
            kind: question.kind,
            options: question.options,
          })),
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'survey_responses',
        title: 'Survey responses',
        kind: 'survey_response',
        columns: ['id', 'survey', 'respondent', 'answers', 'created_time'],
        parentsFrom: 'surveys',
        query: childrenInRange('survey_response'),
        row: (record) => ({
          id: record.id,
          survey: record.survey,
          respondent: record.respondent,
          answers: record.answers.map((answer) => ({
            question: answer.question,
            value: answer.value,
          })),
          created_time: isoTime(record.created_time),
        }),
      }),
    ],
  },
} satisfies Partial<Record<DataType, DataTypeSections>>;
