/**
 * @module
 * Synthetic chats: a thread between a member and one to five others, and its messages, each
 * up to six hours after the one before and never past the end of the period, some with a
 * photo or a document attached.
 */
import { after, DAY, END } from './synthetic-period.js';
import type { Making, SyntheticState } from './synthetic-state.js';
import { sentence } from './synthetic-text.js';
import { CHAT_NAMES, HOSTILE_TEXTS } from './synthetic-vocabulary.js';

/** A thread with the member and one to five others, and its messages. */
export function makeThread(state: SyntheticState, { rng, member, lastMember, out }: Making): void {
  const { id, index, created } = member;
  const participants = new Set([id]);
  const wanted = rng.chance(0.6) ? 1 : 2 + rng.int(4);
  for (let tries = 0; participants.size <= wanted && tries < 20; tries++) {
    const other = 1 + rng.int(lastMember);
    if (other !== index) participants.add(`u${other}`);
  }
  if (participants.size < 2) return;
  const threadId = state.id('t');
  let time = after(rng, created, END - created - 30 * DAY);
  out.push({
    type: 'chat_thread',
    id: threadId,
    name: participants.size > 2 ? rng.pick(CHAT_NAMES) : null,
    participants: [...participants],
    created_time: time,
  });
  const people = [...participants];
  for (let k = rng.count(7.5); k > 0; k--) {
    time = Math.min(END - 1, time + rng.int(6 * 3600));
    const author = rng.chance(0.4) ? id : rng.pick(people);
    const attachments = rng.chance(0.03)
      ? state.media(rng, author, time, 1, out, rng.chance(0.3))
      : [];
    out.push({
      type: 'chat_message',
      id: state.id('m'),
      thread: threadId,
      author,
      text: rng.chance(0.01) ? rng.pick(HOSTILE_TEXTS) : sentence(rng),
      attachments,
      created_time: time,
    });
  }
}
