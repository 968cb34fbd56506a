/**
 * @module
 * What a synthetic member publishes for others in pass A: posts (some in groups, some with
 * photos or a document), events, polls and knowledge-library articles. The times of posts,
 * events and polls go to the state's timeline, so that pass B's replies come after them.
 */
import { after, DAY, END } from './synthetic-period.js';
import type { Making, SyntheticState } from './synthetic-state.js';
import { sentence, text } from './synthetic-text.js';
import {
  EVENT_TITLES,
  HOSTILE_TEXTS,
  KL_CATEGORIES,
  LOCATIONS,
  POLL_QUESTIONS,
  WORDS,
} from './synthetic-vocabulary.js';

export function makePosts(state: SyntheticState, { rng, member, out, n, inGroup }: Making): void {
  for (let k = n(12); k > 0; k--) {
    const group = inGroup(0.35);
    const time = after(rng, group?.since ?? member.created);
    const attachments = rng.chance(0.2)
      ? state.media(rng, member.id, time, 1 + rng.int(3), out)
      : [];
    if (rng.chance(0.01)) attachments.push(...state.media(rng, member.id, time, 1, out, true));
    out.push({
      type: 'post',
      id: state.id('p'),
      author: member.id,
      group: group?.id ?? null,
      message: rng.chance(0.03) ? `${sentence(rng)} ${rng.pick(HOSTILE_TEXTS)}` : text(rng, 3),
      attachments,
      created_time: time,
    });
    state.time.posts.push(time);
  }
}

export function makeEvents(state: SyntheticState, { rng, member, out, n, inGroup }: Making): void {
  for (let k = n(2); k > 0; k--) {
    const group = inGroup(0.3);
    // Created at least 40 days before the period ends, so the event itself falls in it too.
    const from = group?.since ?? member.created;
    const time = after(rng, from, END - from - 40 * DAY);
    const start = time + DAY + rng.int(30 * DAY);
    out.push({
      type: 'event',
      id: state.id('e'),
      title: rng.pick(EVENT_TITLES),
      description: rng.chance(0.8) ? text(rng, 2) : null,
      location: rng.chance(0.7) ? rng.pick(LOCATIONS) : null,
      start_time: start,
      end_time: rng.chance(0.9) ? start + (1 + rng.int(3)) * 3600 : null,
      creator: member.id,
      group: group?.id ?? null,
      created_time: time,
    });
    state.time.eventCreated.push(time);
    state.time.eventStart.push(start);
  }
}

export function makePolls(state: SyntheticState, { rng, member, out, n, inGroup }: Making): void {
  for (let k = n(0.5); k > 0; k--) {
    const pollId = state.id('pl');
    const time = after(rng, member.created);
    const question = rng.pick(POLL_QUESTIONS);
    out.push({
      type: 'poll',
      id: pollId,
      author: member.id,
      question: question.text,
      options: question.options.map((option, o) => ({ id: `${pollId}-o${o + 1}`, text: option })),
      group: inGroup(0.3)?.id ?? null,
      created_time: time,
    });
    state.time.polls.push(time);
    state.time.pollOptions.push(question.options.length);
  }
}

/** Articles are spread over members so that their total is exactly N/5 + 10. */
export function makeArticles(state: SyntheticState, { rng, member, out }: Making): void {
  const { users } = state.options;
  const quota = Math.floor(((Math.floor(users / 5) + 10) * member.index) / users);
  while (state.articlesMade < quota) {
    state.articlesMade++;
    const time = after(rng, member.created);
    out.push({
      type: 'kl_article',
      id: `kla${state.articlesMade}`,
      category: `klc${1 + rng.int(KL_CATEGORIES.length)}`,
      title: `How we ${rng.pick(WORDS)} the ${rng.pick(WORDS)}`,
      body: text(rng, 8),
      author: member.id,
      created_time: time,
      updated_time: rng.chance(0.5) ? after(rng, time) : null,
    });
  }
}
