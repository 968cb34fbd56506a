/**
 * @module
 * Sections of the data types the company job renders once per export: the company, every
 * member's profile, groups and their members, the knowledge library and surveys. Profile-like
 * kinds are exported whole; articles, surveys and their responses by the time range (the
 * responses of the surveys in range only). A survey's questions and a response's answers are
 * sections of their own, one row each, so that every format shows them as data (a table, CSV
 * rows, JSON objects) rather than as JSON inside a cell.
 */
import { z } from 'zod';
import { type DataType, GROUP_PRIVACIES, SURVEY_QUESTION_KINDS } from '../domain/index.js';
import {
  type DataTypeSections,
  defineSection,
  childrenInRange,
  field,
  groupMembershipSection,
  inRange,
  isoTime,
  memberFields,
  memberReferences,
  memberRow,
  nameOf,
  referencesTo,
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
        fields: z.object({
          name: field.text,
          description: field.optionalText,
          website: field.optionalText,
          industry: field.optionalText,
          created_time: field.time,
        }),
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
        fields: memberFields,
        query: whole('member'),
        references: memberReferences,
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
        fields: z.object({
          id: field.id,
          name: field.text,
          description: field.optionalText,
          privacy: z.enum(GROUP_PRIVACIES),
          creator: field.optionalId,
          creator_name: field.optionalText,
          created_time: field.time,
        }),
        query: whole('group'),
        references: (record) => referencesTo('member', record.creator),
        row: (record, related) => ({
          id: record.id,
          name: record.name,
          description: record.description,
          privacy: record.privacy,
          creator: record.creator,
          creator_name: nameOf(related, 'member', record.creator),
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
        fields: z.object({
          id: field.id,
          title: field.text,
          parent: field.optionalId,
          parent_title: field.optionalText,
          created_time: field.time,
        }),
        query: whole('kl_category'),
        references: (record) => referencesTo('kl_category', record.parent),
        row: (record, related) => ({
          id: record.id,
          title: record.title,
          parent: record.parent,
          parent_title:
            record.parent === null
              ? null
              : (related.get('kl_category', record.parent)?.title ?? null),
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'articles',
        title: 'Articles',
        kind: 'kl_article',
        fields: z.object({
          id: field.id,
          category: field.id,
          category_title: field.optionalText,
          title: field.text,
          body: field.text,
          author: field.id,
          author_name: field.optionalText,
          created_time: field.time,
          updated_time: field.optionalTime,
        }),
        query: inRange('kl_article'),
        references: (record) => [
          ...referencesTo('kl_category', record.category),
          ...referencesTo('member', record.author),
        ],
        row: (record, related) => ({
          id: record.id,
          category: record.category,
          category_title: related.get('kl_category', record.category)?.title ?? null,
          title: record.title,
          body: record.body,
          author: record.author,
          author_name: nameOf(related, 'member', record.author),
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
        fields: z.object({
          id: field.id,
          title: field.text,
          creator: field.id,
          creator_name: field.optionalText,
          question_count: z.int().nonnegative(),
          created_time: field.time,
        }),
        query: inRange('survey'),
        references: (record) => referencesTo('member', record.creator),
        row: (record, related) => ({
          id: record.id,
          title: record.title,
          creator: record.creator,
          creator_name: nameOf(related, 'member', record.creator),
          question_count: record.questions.length,
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'survey_questions',
        title: 'Survey questions',
        kind: 'survey',
        detailOf: 'surveys',
        fields: z.object({
          survey: field.id,
          survey_title: field.text,
          position: z.int().positive(),
          question: field.id,
          text: field.text,
          kind: z.enum(SURVEY_QUESTION_KINDS),
          options: field.texts,
        }),
        query: inRange('survey'),
        rows: (record) =>
          record.questions.map((question, index) => ({
            survey: record.id,
            survey_title: record.title,
            position: index + 1,
            question: question.id,
            text: question.text,
            kind: question.kind,
            options: [...question.options],
          })),
      }),
      defineSection({
        name: 'survey_responses',
        title: 'Survey responses',
        kind: 'survey_response',
        fields: z.object({
          id: field.id,
          survey: field.id,
          survey_title: field.optionalText,
          respondent: field.id,
          respondent_name: field.optionalText,
          created_time: field.time,
        }),
        parentsFrom: 'surveys',
        query: childrenInRange('survey_response'),
        references: (record) => [
          ...referencesTo('survey', record.survey),
          ...referencesTo('member', record.respondent),
        ],
        row: (record, related) => ({
          id: record.id,
          survey: record.survey,
          survey_title: related.get('survey', record.survey)?.title ?? null,
          respondent: record.respondent,
          respondent_name: nameOf(related, 'member', record.respondent),
          created_time: isoTime(record.created_time),
        }),
      }),
      defineSection({
        name: 'survey_answers',
        title: 'Survey answers',
        kind: 'survey_response',
        detailOf: 'survey_responses',
        fields: z.object({
          response: field.id,
          survey: field.id,
          respondent: field.id,
          respondent_name: field.optionalText,
          question: field.id,
          question_text: field.optionalText,
          /** Text, one choice, several choices, or a rating, as the question asked. */
          answer: z.union([z.string(), z.number(), field.texts]),
        }),
        parentsFrom: 'surveys',
        query: childrenInRange('survey_response'),
        references: (record) => [
          ...referencesTo('survey', record.survey),
          ...referencesTo('member', record.respondent),
        ],
        rows: (record, related) => {
          const questions = related.get('survey', record.survey)?.questions ?? [];
          return record.answers.map((answer) => ({
            response: record.id,
            survey: record.survey,
            respondent: record.respondent,
            respondent_name: nameOf(related, 'member', record.respondent),
            question: answer.question,
            question_text:
              questions.find((question) => question.id === answer.question)?.text ?? null,
            answer: typeof answer.value === 'object' ? [...answer.value] : answer.value,
          }));
        },
      }),
    ],
  },
} satisfies Partial<Record<DataType, DataTypeSections>>;
