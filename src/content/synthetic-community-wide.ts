/**
 * @module
 * The records a synthetic community has once, made with its first batch: groups (N/10 + 3,
 * each with its creator as admin), the knowledge-library categories, and surveys (3 + N/100)
 * whose questions cover every question kind. Later batches point to these, never the other
 * way round.
 */
import {
  SURVEY_QUESTION_KINDS,
  type ContentRecord,
  type GroupRecord,
  type SurveyQuestion,
} from '../domain/index.js';
import type { Rng } from './rng.js';
import { after, DAY, END, START } from './synthetic-period.js';
import type { SyntheticState } from './synthetic-state.js';
import { sentence } from './synthetic-text.js';
import { GROUP_TOPICS, KL_CATEGORIES, SURVEY_QUESTIONS } from './synthetic-vocabulary.js';

/** Groups, library categories and surveys: made once, by members of the first batch. */
export function makeCommunityWide(
  state: SyntheticState,
  rng: Rng,
  lastMember: number,
): ContentRecord[] {
  const out: ContentRecord[] = [];
  const groupCount = Math.floor(state.options.users / 10) + 3;
  for (let g = 0; g < groupCount; g++) {
    const creator = 1 + rng.int(lastMember);
    const created = after(rng, state.created(creator), 300 * DAY);
    const id = state.id('g');
    const roll = rng.next();
    const group: GroupRecord = {
      type: 'group',
      id,
      name: `${rng.pick(GROUP_TOPICS)} ${g + 1}`,
      description: rng.chance(0.8) ? sentence(rng) : null,
      privacy: roll < 0.6 ? 'OPEN' : roll < 0.9 ? 'CLOSED' : 'SECRET',
      creator: `u${creator}`,
      created_time: created,
    };
    state.groups.push({ id, created });
    state.founded.set(`u${creator}`, [...(state.founded.get(`u${creator}`) ?? []), [id, created]]);
    out.push(group, {
      type: 'group_membership',
      id: `${id}:u${creator}`,
      group: id,
      member: `u${creator}`,
      role: 'ADMIN',
      created_time: created,
    });
  }
  KL_CATEGORIES.forEach((title, c) => {
    out.push({
      type: 'kl_category',
      id: `klc${c + 1}`,
      title,
      // The first three are top-level; the others sit under one of them.
      parent: c < 3 ? null : `klc${(c % 3) + 1}`,
      created_time: START + c * DAY,
    });
  });
  const surveyCount = 3 + Math.floor(state.options.users / 100);
  for (let s = 0; s < surveyCount; s++) {
    const id = state.id('sv');
    const questions = surveyQuestions(rng).map((q, n) => ({ ...q, id: `${id}-q${n + 1}` }));
    const created = START + 30 * DAY + rng.int(END - START - 90 * DAY);
    state.surveys.push({ id, created, questions });
    out.push({
      type: 'survey',
      id,
      title: `${rng.pick(['Pulse', 'Engagement', 'Onboarding', 'Tools'])} survey ${s + 1}`,
      creator: `u${1 + rng.int(lastMember)}`,
      questions,
      created_time: created,
    });
  }
  return out;
}

/** One question of every kind, then one or two more: every survey exercises every kind. */
function surveyQuestions(rng: Rng): Omit<SurveyQuestion, 'id'>[] {
  const chosen = SURVEY_QUESTION_KINDS.map((kind) =>
    rng.pick(SURVEY_QUESTIONS.filter((q) => q.kind === kind)),
  );
  for (let k = 1 + rng.int(2); k > 0; k--) {
    const extra = rng.pick(SURVEY_QUESTIONS);
    if (!chosen.includes(extra)) chosen.push(extra);
  }
  return chosen;
}
