/**
 * @module
 * Pass B of a synthetic batch: what members do with what exists by now, namely comments on
 * posts, reactions to posts and comments, RSVPs to events, poll votes and survey answers.
 * Targets are drawn from the state's timeline, favouring recent ones, and every reply is
 * timed after what it replies to.
 */
import type { ContentRecord, SurveyAnswer, SurveyQuestion } from '../domain/index.js';
import type { Rng } from './rng.js';
import { after, DAY, START } from './synthetic-period.js';
import type { BatchMember, SyntheticState } from './synthetic-state.js';
import { sentence, text } from './synthetic-text.js';
import { HOSTILE_TEXTS, REACTIONS } from './synthetic-vocabulary.js';

/** Pass B: comments, reactions, RSVPs, votes and survey answers on what exists by now. */
export function makeReplies(
  state: SyntheticState,
  rng: Rng,
  member: BatchMember,
  out: ContentRecord[],
): void {
  const { id, activity } = member;
  const { posts, comments, eventCreated, eventStart, polls, pollOptions } = state.time;
  for (let k = rng.count(25 * activity); k > 0 && posts.length > 0; k--) {
    const post = recent(rng, posts.length);
    const time = after(rng, Math.max(posts[post] ?? START, member.created), 7 * DAY);
    out.push({
      type: 'comment',
      id: state.id('c'),
      post: `p${post + 1}`,
      author: id,
      message: rng.chance(0.01) ? rng.pick(HOSTILE_TEXTS) : text(rng, 2),
      attachments: rng.chance(0.03) ? state.media(rng, id, time, 1, out) : [],
      created_time: time,
    });
    comments.push(time);
  }
  const reacted = new Set<string>();
  for (let k = rng.count(40 * activity); k > 0 && posts.length > 0; k--) {
    const onPost = comments.length === 0 || rng.chance(0.6);
    const target = recent(rng, onPost ? posts.length : comments.length);
    const key = `${onPost ? 'post:p' : 'comment:c'}${target + 1}`;
    if (reacted.has(key)) continue;
    reacted.add(key);
    const targetTime = (onPost ? posts : comments)[target] ?? START;
    const roll = rng.next();
    out.push({
      type: 'reaction',
      id: `${key}:${id}`,
      target_type: onPost ? 'post' : 'comment',
      target: `${onPost ? 'p' : 'c'}${target + 1}`,
      author: id,
      reaction: roll < 0.6 ? 'LIKE' : rng.pick(REACTIONS),
      created_time: after(rng, Math.max(targetTime, member.created), 3 * DAY),
    });
  }
  const answered = new Set<number>();
  for (let k = rng.count(5 * activity); k > 0 && eventCreated.length > 0; k--) {
    const event = recent(rng, eventCreated.length);
    if (answered.has(event)) continue;
    answered.add(event);
    const created = eventCreated[event] ?? START;
    const roll = rng.next();
    out.push({
      type: 'event_rsvp',
      id: `e${event + 1}:${id}`,
      event: `e${event + 1}`,
      member: id,
      response: roll < 0.5 ? 'GOING' : roll < 0.8 ? 'INTERESTED' : 'DECLINED',
      created_time: created + rng.int((eventStart[event] ?? created + 1) - created),
    });
  }
  const voted = new Set<number>();
  for (let k = rng.count(3 * activity); k > 0 && polls.length > 0; k--) {
    const poll = recent(rng, polls.length);
    if (voted.has(poll)) continue;
    voted.add(poll);
    out.push({
      type: 'poll_vote',
      id: `pl${poll + 1}:${id}`,
      poll: `pl${poll + 1}`,
      option: `pl${poll + 1}-o${1 + rng.int(pollOptions[poll] ?? 1)}`,
      voter: id,
      created_time: after(rng, polls[poll] ?? START, 14 * DAY),
    });
  }
  for (const survey of state.surveys) {
    if (!rng.chance(0.4)) continue;
    out.push({
      type: 'survey_response',
      id: `${survey.id}:${id}`,
      survey: survey.id,
      respondent: id,
      answers: survey.questions.flatMap((q) => answer(rng, q)),
      created_time: after(rng, survey.created, 30 * DAY),
    });
  }
}

/** An index in [0, length), more often a recent one: people reply to what is new. */
function recent(rng: Rng, length: number): number {
  const r = rng.next();
  return length - 1 - Math.floor(length * r * r);
}

function answer(rng: Rng, question: SurveyQuestion): SurveyAnswer[] {
  switch (question.kind) {
    case 'TEXT':
      return rng.chance(0.7) ? [{ question: question.id, value: sentence(rng) }] : [];
    case 'SINGLE_CHOICE':
      return [{ question: question.id, value: rng.pick(question.options) }];
    case 'MULTIPLE_CHOICE':
      return [
        {
          question: question.id,
          value: question.options.filter((_, o) => o === 0 || rng.chance(0.4)),
        },
      ];
    case 'RATING':
      return [{ question: question.id, value: 1 + rng.int(5) }];
  }
}
