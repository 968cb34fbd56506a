/**
 * @module
 * The records only their owner sees, made for each synthetic member in pass A: saved items,
 * reported problems, notes, searches and logins. Login addresses come from a private home
 * range, or, when away, from the ranges reserved for documentation, never from real networks.
 */
import { after } from './synthetic-period.js';
import type { Making, SyntheticState } from './synthetic-state.js';
import { capitalize, text } from './synthetic-text.js';
import {
  FIRST_NAMES,
  HOSTILE_TEXTS,
  LAST_NAMES,
  LOCATIONS,
  PROBLEMS,
  SEARCHES,
  USER_AGENTS,
  WORDS,
} from './synthetic-vocabulary.js';

/** Saved items, problems, notes, searches and logins: records only their owner sees. */
export function makePersonal(state: SyntheticState, { rng, member, out, n }: Making): void {
  const { id, created } = member;
  for (let k = n(6); k > 0; k--) {
    const itemType = rng.pick(['POST', 'LINK', 'EVENT', 'ARTICLE'] as const);
    const path = itemType === 'LINK' ? `https://example.com/${rng.pick(WORDS)}` : null;
    out.push({
      type: 'saved_item',
      id: state.id('s'),
      member: id,
      item_type: itemType,
      title: `${capitalize(rng.pick(WORDS))} ${rng.pick(WORDS)} ${rng.pick(WORDS)}`,
      url:
        path ??
        (rng.chance(0.8)
          ? `https://work.synthetic.example/${itemType.toLowerCase()}/${1 + rng.int(1000)}`
          : null),
      created_time: after(rng, created),
    });
  }
  for (let k = n(0.3); k > 0; k--) {
    const roll = rng.next();
    out.push({
      type: 'reported_problem',
      id: state.id('rp'),
      reporter: id,
      description: rng.chance(0.1) ? rng.pick(HOSTILE_TEXTS) : rng.pick(PROBLEMS),
      status: roll < 0.5 ? 'RESOLVED' : roll < 0.8 ? 'IN_REVIEW' : 'OPEN',
      created_time: after(rng, created),
    });
  }
  for (let k = n(3); k > 0; k--) {
    const time = after(rng, created);
    out.push({
      type: 'note',
      id: state.id('n'),
      author: id,
      title: capitalize(`${rng.pick(WORDS)} ${rng.pick(WORDS)}`),
      body: rng.chance(0.05) ? `${text(rng, 2)}\n${rng.pick(HOSTILE_TEXTS)}` : text(rng, 6),
      created_time: time,
      updated_time: rng.chance(0.3) ? after(rng, time) : null,
    });
  }
  for (let k = n(30); k > 0; k--) {
    out.push({
      type: 'search',
      id: state.id('q'),
      member: id,
      query: rng.chance(0.3)
        ? `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`
        : rng.pick(SEARCHES),
      created_time: after(rng, created),
    });
  }
  // Office and VPN addresses are private; others come from the ranges kept for documentation.
  const home = `10.${rng.int(256)}.${rng.int(256)}`;
  const place = rng.pick(LOCATIONS);
  for (let k = n(20); k > 0; k--) {
    const away = rng.chance(0.15);
    out.push({
      type: 'login',
      id: state.id('l'),
      member: id,
      ip_address: !away
        ? `${home}.${1 + rng.int(254)}`
        : rng.chance(0.3)
          ? `2001:db8::${rng.int(0x10000).toString(16)}`
          : `203.0.113.${rng.int(256)}`,
      user_agent: rng.pick(USER_AGENTS),
      place: away ? rng.pick(LOCATIONS) : rng.chance(0.9) ? place : null,
      created_time: after(rng, created),
    });
  }
}
